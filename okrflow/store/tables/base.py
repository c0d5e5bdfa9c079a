"""The declarative base every table module shares: one ``MetaData`` (with the constraint naming
convention the migrations use) and the column helpers."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ForeignKey, MetaData, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from okrflow.store.types import json_type

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(64)
JSONValue = json_type()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = Base.metadata


def org_id_column() -> Mapped[str]:
    """``org_id``: the owning org, indexed so every query can be scoped to the caller's org."""
    return mapped_column(ID, ForeignKey("orgs.id"), index=True)


def deferred_fk(target: str, **kw: Any) -> ForeignKey:
    """A foreign key checked at commit, so the org chart's circular references insert in any order."""
    return ForeignKey(target, deferrable=True, initially="DEFERRED", **kw)


def table_of(row: type[Base]) -> Table:
    return cast(Table, row.__table__)
