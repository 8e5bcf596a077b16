"""The search form is validated by one pydantic model, not by FastAPI parameter by parameter:
the same values, the same 422 bodies and the same OpenAPI parameters as the parameters
declared the FastAPI way (written out here as the oracle)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Query
from fastapi.testclient import TestClient

from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.web.app import create_app
from aksnews.web.common import SearchParams, search_params, search_query


def declared(
    q: Annotated[
        str | None, Query(max_length=500, description='Words; "quoted phrase", prefix*, OR.')
    ] = None,
    source: Annotated[str | None, Query(description="aks or kubernetes; empty: both")] = None,
    kind: Annotated[str | None, Query(description="Entry kind, e.g. deprecation, bug-fix")] = None,
    version: Annotated[
        str | None,
        Query(max_length=20, description="Minor version, e.g. 1.29: notes of or about it"),
    ] = None,
    since: Annotated[str | None, Query(description="Released on or after, YYYY-MM-DD")] = None,
    until: Annotated[str | None, Query(description="Released on or before, YYYY-MM-DD")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Results per page")] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000, description="Results to skip")] = 0,
) -> dict[str, Any]:
    values = {"q": q, "source": source, "kind": kind, "version": version}
    values = {**values, "since": since, "until": until}
    query = search_query(**values, limit=limit, offset=offset)  # 400s for bad filters
    form = {k: v or "" for k, v in values.items()}
    return {"form": form, "limit": limit, "offset": offset, "query": repr(query)}


def ours(params: Annotated[SearchParams, Depends(search_params)]) -> dict[str, Any]:
    form, limit, offset = params.form, params.limit, params.offset
    return {"form": form, "limit": limit, "offset": offset, "query": repr(params.query)}


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.get("/declared")(declared)
    app.get("/ours")(ours)
    return TestClient(app)


CASES = [
    "",
    "q=cilium",
    "q=cilium&source=aks&kind=bug-fix&version=1.29&since=2024-01-01&until=2025-01-01",
    "q=x&limit=100&offset=10000",
    "q=x&limit=0",
    "q=x&limit=101",
    "q=x&limit=abc",
    "q=x&limit=",
    "q=x&limit=1.5",
    "q=x&offset=-1",
    "q=x&offset=10001",
    "q=" + "x" * 501,
    "q=" + "x" * 500,
    "q=x&version=" + "1" * 21,
    "q=x&limit=5&limit=0",  # the last of a repeated parameter counts
    "q=x&limit=0&limit=5",
    "q=x&unknown=1&page=2",
    "q=x&limit=0&offset=-1&version=" + "1" * 21,  # every error at once
    "q=%00&source=",
    "q=x&source=azure",
    "q=x&since=yesterday",
    "source=aks",
    "q=%F0%9F%92%A5%3Cscript%3E",
]


@pytest.mark.parametrize("query", CASES)
def test_values_and_errors_as_declared_parameters_give_them(client: TestClient, query: str) -> None:
    want = client.get(f"/declared?{query}")
    got = client.get(f"/ours?{query}")
    assert (got.status_code, got.json()) == (want.status_code, want.json())


def test_the_api_documents_the_parameters_fastapi_documents_for_declared_ones(
    client: TestClient, tmp_path: Path
) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    spec = create_app(Archive(engine)).openapi()["paths"]["/api/search"]["get"]
    oracle = client.app.openapi()["paths"]["/declared"]["get"]  # type: ignore[attr-defined]
    assert spec["parameters"] == oracle["parameters"]
    assert spec["responses"]["422"] == oracle["responses"]["422"]
    engine.dispose()
