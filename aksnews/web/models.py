"""What the web archive shows, as pydantic models: the JSON API returns them (so the OpenAPI
description is exact) and the page templates render the very same values.

Field names follow the CLI's --json contract (DESIGN.md): a release is `id`, a fact names its
`release` and `entry`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class ReleaseOut(BaseModel):
    id: str = Field(description="Release key, e.g. aks:2025-10-12 or kubernetes:v1.32.5")
    source: str
    version: str
    date: dt.date | None
    title: str
    tag: str | None
    hotfix: bool
    url: str = Field(description="The release section on its public page")
    entry_count: int
    revision: int


class FactOut(BaseModel):
    type: str
    release: str
    entry: int | None
    subject: str
    data: dict[str, Any] = Field(description="The fact's fields (see `aksnews facts --json`)")


class UnreadOut(BaseModel):
    expected: str = Field(description="What the statement names: kubernetes-version, ...")
    text: str


class EntryOut(BaseModel):
    id: int
    release: str
    kind: str
    section: str
    position: int
    parent: int | None
    text: str
    markdown: str
    links: list[str]
    line: int
    pr: int | None
    author: str | None
    sigs: list[str]
    facts: list[FactOut]
    permalink: str = Field(description="Absolute URL of the entry's page in this archive")
    breaking: bool = Field(
        default=False, description="Says something stops working, is blocked or needs action"
    )
    unread: list[UnreadOut] = Field(
        default_factory=list, description="Statements the parser could not read: read them"
    )


class ReleaseGroup(BaseModel):
    """Entries under one heading: an AKS section, or an upstream kind."""

    name: str
    entries: list[EntryOut]


class ReleaseDetailOut(BaseModel):
    release: ReleaseOut
    groups: list[ReleaseGroup] = Field(
        description="AKS: entries by section; Kubernetes: notes by kind"
    )


class SearchHitOut(BaseModel):
    entry: int
    release: str
    source: str
    version: str
    date: dt.date | None
    kind: str
    section: str
    snippet: str = Field(description="Plain text; matched words between ** and **")
    url: str = Field(description="The release section on its public page")
    permalink: str = Field(description="Absolute URL of the entry's page in this archive")
    also_in: int = Field(
        0, description="Other releases with exactly this text, collapsed into this hit"
    )


class SearchParams(BaseModel):
    q: str
    source: str | None = None
    kind: str | None = None
    version: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    limit: int
    offset: int


class SearchOut(BaseModel):
    query: SearchParams
    total: int = Field(description="Hits, counted up to 200 or to the end of this page")
    total_capped: bool = Field(
        False, description="There are more hits than `total` (pages go on all the same)"
    )
    results: list[SearchHitOut]


class MinorOut(BaseModel):
    minor: str
    support: str
    supported: bool
    upstream_release: dt.date | None
    aks_preview: dt.date | None
    aks_ga: dt.date | None
    end_of_support: dt.date | None
    platform_support_end: dt.date | None
    lts_end: dt.date | None
    sources: list[str]
    lts: bool = False
    inferred: list[str] = Field(
        default=[], description="Milestones whose date a rule inferred (N-2, patch after preview)"
    )
    conflicts: list[str] = Field(
        default=[], description="Where the sources disagree and which date was chosen"
    )


class CalendarOut(BaseModel):
    today: dt.date
    minors: list[MinorOut]


class NodeImageOut(BaseModel):
    version: str
    sku: str | None
    path: str | None
    release: str
    date: dt.date | None
    entry: int | None


class NodeImageFamily(BaseModel):
    os: str
    images: list[NodeImageOut] = Field(description="Newest release first")


class NodeImagesOut(BaseModel):
    families: list[NodeImageFamily]


class FindingOut(BaseModel):
    key: str
    rule: str
    severity: str
    cluster: str
    team: str | None
    title: str
    why: str
    action: str
    subject: str
    node_pool: str | None
    object: str | None
    locations: list[str]
    deadline: dt.date | None
    links: list[str]


class ClusterFindings(BaseModel):
    cluster: str
    findings: list[FindingOut]


class TeamFindings(BaseModel):
    team: str | None = Field(description="null: clusters nobody owns")
    clusters: list[ClusterFindings]


class FindingsOut(BaseModel):
    today: dt.date
    total: int
    teams: list[TeamFindings]
    summary: dict[str, int] = Field(
        default_factory=dict, description="Counts per severity of the findings shown"
    )
    filter: dict[str, str] = Field(
        default_factory=dict, description="The filter applied: team, cluster, severity, rule"
    )


class DeadlineOut(BaseModel):
    date: dt.date
    kind: str = Field(
        description="end-of-support, platform-support-end, lts-end or retirement",
    )
    subject: str = Field(description="The minor ('1.29') or what retires")
    title: str
    source: str | None = Field(description="Release key that states the date, if known")
    url: str | None


class DatedFindingOut(BaseModel):
    cluster: str
    team: str | None
    severity: str
    title: str
    node_pool: str | None


class InventoryDeadlineOut(BaseModel):
    date: dt.date
    kind: str = Field(description="end-of-support, ..., retirement, or the rule of a finding")
    subject: str
    title: str
    overdue: bool = Field(description="Before today")
    touches: list[str] = Field(description="Which cluster runs what: 'prod-east runs 1.31'")
    severity: str | None = Field(description="The most severe of its findings")
    findings: list[DatedFindingOut]
    source: str | None
    url: str | None


class DeadlinesOut(BaseModel):
    today: dt.date
    deadlines: list[DeadlineOut]
    inventory: list[InventoryDeadlineOut] = Field(
        default_factory=list,
        description="Every date that touches the inventory's clusters, overdue ones included",
    )


class HealthOut(BaseModel):
    status: str
