"""Settings: environment variables with the ``OKRFLOW_`` prefix.

Build ``Settings(...)`` directly in tests; pass it explicitly to ``create_app`` and
``build_worker``. Secrets are ``SecretStr`` and never printed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_PLACEHOLDERS = {"changeme", "change-me", "changethis", "secret", "password", "xxx", "your-api-key", "sk-xxx"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OKRFLOW_", extra="ignore")

    # Where the embedded runtime keeps its SQLite database and the Temporal dev server's state.
    data_dir: Path = Path(".okrflow")
    # SQLAlchemy URL; empty means a SQLite file in data_dir. PostgreSQL: postgresql+psycopg://user@host/db
    database_url: str | None = None
    database_echo: bool = False

    # Temporal: empty address means "start the embedded dev server" (okrflow serve).
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    temporal_task_queue: str = "okrflow"
    temporal_tls: bool = False
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_api_key: SecretStr | None = None
    embedded_temporal_port: int = 7233
    embedded_temporal_ui_port: int | None = None

    host: str = "127.0.0.1"
    port: int = 8000

    # Weekly reviews: how many processes of its own the worker reviews shards of teams in.
    # Empty: one per CPU core, at most 4. 1: in the worker's own process.
    review_processes: int | None = Field(default=None, ge=1, le=64)

    # The drafting assistant.
    critic: Literal["heuristic", "llm"] = "heuristic"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=20.0, gt=0)

    @field_validator("llm_api_key", "temporal_api_key")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip().lower() in _PLACEHOLDERS:
            raise ValueError("is a placeholder; set the real secret in the environment or leave it unset")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'okrflow.db').resolve()}"

    @property
    def resolved_review_processes(self) -> int:
        return self.review_processes or min(os.cpu_count() or 1, 4)

    @property
    def embedded_temporal(self) -> bool:
        return not self.temporal_address

    @property
    def resolved_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.embedded_temporal_port}"


def normalise_database_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url
