"""The JSON API under schemathesis: generated requests from its own OpenAPI, never a 5xx.

Runs in process over ASGI against an archive with the corpus AKS CHANGELOG, the 1.29 release
notes and a one-cluster inventory, with a bounded number of examples per operation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip(
    "schemathesis", reason="schemathesis is not installed (pip install schemathesis)"
)
from hypothesis import HealthCheck, given, settings  # noqa: E402 - only with schemathesis
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from aksnews.config import Settings  # noqa: E402
from aksnews.model.inventory import Cluster, Team  # noqa: E402
from aksnews.sources.pipeline import ingest_file  # noqa: E402
from aksnews.store.engine import open_engine  # noqa: E402
from aksnews.store.handle import Archive  # noqa: E402
from aksnews.store.inventory import replace_origin  # noqa: E402

from corpus import corpus_path  # noqa: E402

NOW = dt.datetime(2025, 10, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from aksnews.web.app import create_app

    folder: Path = tmp_path_factory.mktemp("fuzz")
    engine = open_engine(f"sqlite:///{folder / 'aksnews.db'}")
    ingest_file(Archive(engine), Settings(), corpus_path("aks/CHANGELOG.md"), source="aks")
    ingest_file(
        Archive(engine),
        Settings(),
        corpus_path("kubernetes/release-notes/release-notes-1.29.md"),
        source="kubernetes",
        release="v1.29.0",
    )
    replace_origin(
        engine,
        "test",
        collected_at=NOW,
        teams=[Team("payments")],
        clusters=[Cluster("prod", teams=("payments",), kubernetes_version="1.29.4")],
    )
    app = create_app(Archive(engine), now=lambda: NOW)
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


# The schemathesis pytest plugin's lazy fixture schema does not work with this pytest, so each
# operation's strategy is driven by hypothesis directly.
OPERATIONS = [
    "/api/search",
    "/api/releases",
    "/api/releases/{release_id}",
    "/api/entries/{entry_id}",
    "/api/calendar",
    "/api/node-images",
    "/api/findings",
    "/api/deadlines",
    "/healthz",
]


def test_every_operation_is_fuzzed(api_schema: Any) -> None:
    described = {op.ok().path for op in api_schema.get_all_operations()}
    assert described == set(OPERATIONS)


@pytest.mark.parametrize("path", OPERATIONS)
def test_api_never_answers_5xx(api_schema: Any, path: str) -> None:
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

    run()
