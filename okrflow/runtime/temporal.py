"""Connecting to Temporal with okrflow's settings."""

from __future__ import annotations

from temporalio.client import Client, TLSConfig
from temporalio.contrib.pydantic import pydantic_data_converter

from okrflow.runtime.settings import Settings


def workflow_id(kind: str, *parts: str) -> str:
    """Workflow ids derive from the records they drive, so starting twice finds the running one."""
    return ":".join(["okrflow", kind, *parts])


async def connect(settings: Settings, *, address: str | None = None) -> Client:
    """Connect to the configured Temporal (or the embedded dev server) with the pydantic converter."""
    tls: TLSConfig | bool = False
    if settings.temporal_tls:
        tls = TLSConfig(
            client_cert=settings.temporal_tls_cert.read_bytes() if settings.temporal_tls_cert else None,
            client_private_key=settings.temporal_tls_key.read_bytes() if settings.temporal_tls_key else None,
        )
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await Client.connect(
        address or settings.resolved_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        tls=tls,
        api_key=api_key,
    )
