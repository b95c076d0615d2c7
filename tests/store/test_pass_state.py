"""The Core view of the tables in :mod:`aggregator.store.pass_state` matches the models: every
column it names exists there, with the same kind of type (so timestamps and JSON are written
and read back exactly as the ORM does)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import SQLModel

from aggregator.store import (
    models,  # noqa: F401  (the tables)
    pass_state,
)
from aggregator.store.db import UTCDateTime

KINDS = (UTCDateTime, JSON, Boolean, Integer, String)


def _kind(type_: TypeEngine[Any]) -> type:
    """The kind of a column's type; SQLModel's ``AutoString`` is a ``String`` underneath."""
    if isinstance(type_, TypeDecorator) and not isinstance(type_, UTCDateTime):
        type_ = type_.impl_instance
    return next(kind for kind in KINDS if isinstance(type_, kind))


@pytest.mark.parametrize(
    "lean",
    [
        pass_state.SOURCE_STATE,
        pass_state.SOURCE_RUN,
        pass_state.HTTP_VALIDATOR,
        pass_state.URL_FAILURE,
        pass_state.ADDED_SOURCE,
    ],
    ids=lambda table: table.name,
)
def test_every_column_named_here_is_the_models_column(lean: TableClause) -> None:
    model = SQLModel.metadata.tables[lean.name]
    for column in lean.columns:
        assert column.name in model.columns, f"{lean.name}.{column.name} is not a column"
        assert _kind(model.columns[column.name].type) is _kind(column.type), column.name


def test_the_state_names_every_health_column_of_the_model() -> None:
    model = SQLModel.metadata.tables["source_state"]
    assert set(pass_state.SOURCE_STATE.columns.keys()) == set(model.columns.keys())
