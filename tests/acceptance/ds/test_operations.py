"""Every GraphQL operation the project sends is valid against the tests' schema, and against the platform's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from xlplugin.ds.operations import ALL_OPERATIONS, dossiers_query

HERE = Path(__file__).parent
# The platform's schema (AGPL, never copied into the project), beside the repository: used where it is found.
REFERENCE = Path(os.environ.get("GUICHET_DS_SCHEMA_REFERENCE", HERE.parents[3] / "shared/reference/ds/schema.graphql"))
DOCUMENTS = {**ALL_OPERATIONS, "templates/ds-query.graphql": dossiers_query()}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_operation_is_valid_for_the_local_server(name: str) -> None:
    schema = build_schema((HERE / "schema.graphql").read_text(encoding="utf-8"))
    assert [e.message for e in validate(schema, parse(DOCUMENTS[name]))] == []


if REFERENCE.is_file():  # collected only where the platform's schema is found (never on CI: it is not ours)

    @pytest.mark.parametrize("name", sorted(DOCUMENTS))
    def test_operation_is_valid_for_the_platform(name: str) -> None:
        schema = build_schema(REFERENCE.read_text(encoding="utf-8"))
        assert [e.message for e in validate(schema, parse(DOCUMENTS[name]))] == []
