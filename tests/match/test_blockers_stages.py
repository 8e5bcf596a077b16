"""stage-order: production may not run or be taken to a minor staging has not soaked.

The version history is recorded by the store (version_seen) as inventories are imported; the
store test runs on SQLite and PostgreSQL, the rule tests on the shop fixtures plus history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from blocker_inputs import shop_inventory
from sqlalchemy import Engine

from aksnews.inventory.merge import load_inventory
from aksnews.knowledge.view import ArchiveView
from aksnews.match.matcher import MatchReport, match_report
from aksnews.model.findings import Rule, Severity
from aksnews.model.inventory import Cluster, Inventory
from aksnews.model.upgrade import VersionSeen
from aksnews.store.handle import Archive
from aksnews.store.inventory import replace_origin

TODAY = dt.date(2026, 3, 30)
MIDNIGHT = dt.datetime(2026, 3, 30, tzinfo=dt.UTC)


def seen(
    cluster: str, version: str, first_days_ago: float, last_days_ago: float = 0
) -> VersionSeen:
    def ago(days: float) -> str:
        return (MIDNIGHT - dt.timedelta(days=days)).isoformat()

    return VersionSeen(cluster, version, ago(first_days_ago), ago(last_days_ago))


def run(history: tuple[VersionSeen, ...], inventory: Inventory | None = None) -> MatchReport:
    inventory = inventory or shop_inventory()
    upgrade = dataclasses.replace(inventory.upgrade, versions_seen=history)
    return match_report(dataclasses.replace(inventory, upgrade=upgrade), ArchiveView(), now=TODAY)


def stage(report: MatchReport) -> dict[str, str]:
    return {f.subject: f.title for f in report.findings if f.rule is Rule.STAGE_ORDER}


def test_no_history_is_not_checked() -> None:
    report = run(())
    assert stage(report) == {}
    assert [str(n) for n in report.unchecked if n.rule is Rule.STAGE_ORDER] == [
        "stage-order: shop-prod: no version history of the staging clusters yet (aksnews records "
        "versions as inventories are imported)"
    ]


def test_the_channel_target_must_have_soaked_in_staging() -> None:
    # shop-prod (1.24.9, channel stable, no GA minors archived: next minor 1.25) was on 1.24
    # when first seen, so its current minor is not judged; staging has run 1.25 for 2 days of
    # its 3.
    history = (seen("shop-prod", "1.24.9", 30), seen("shop-staging", "1.25.6", 2))
    report = run(history)
    (finding,) = [f for f in report.findings if f.rule is Rule.STAGE_ORDER]
    assert finding.subject == "1.25" and finding.severity is Severity.WARNING
    assert finding.title == (
        "Production cluster shop-prod will be taken by upgrade channel stable to 1.25 before "
        "staging soaked it"
    )
    assert "shop-staging: 2.0 of 3 days" in finding.why
    # The channel acts in the next auto-upgrade window: Sunday 5 April in London.
    assert finding.deadline == dt.date(2026, 4, 5)
    # Three days and one hour of 1.25 in staging is enough.
    assert stage(run((seen("shop-prod", "1.24.9", 30), seen("shop-staging", "1.25.6", 3.05)))) == {}


def test_production_moved_before_staging_soaked_the_minor() -> None:
    inventory = shop_inventory()
    clusters = tuple(
        dataclasses.replace(c, kubernetes_version="1.25.5") if c.name == "shop-prod" else c
        for c in inventory.clusters
    )
    moved = dataclasses.replace(inventory, clusters=clusters)
    # Production was seen on 1.24 for weeks, then on 1.25 one day after staging got it.
    history = (
        seen("shop-prod", "1.24.9", 40, 10),
        seen("shop-prod", "1.25.5", 9),
        seen("shop-staging", "1.25.6", 10),
    )
    # (Channel stable's next minor, 1.26, has never been in staging either.)
    assert stage(run(history, moved)) == {
        "1.25": "Production cluster shop-prod moved to 1.25 before staging soaked it",
        "1.26": "Production cluster shop-prod will be taken by upgrade channel stable to 1.26 "
        "before staging soaked it",
    }
    # Had staging had 1.25 for a week before production moved, 1.25 is fine.
    history = (*history[:2], seen("shop-staging", "1.25.6", 16))
    assert set(stage(run(history, moved))) == {"1.26"}


def test_store_records_when_a_version_was_first_and_last_seen(engine: Engine) -> None:
    day = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    for offset, version in ((0, "1.29.4"), (2, "1.29.4"), (5, "1.30.1")):
        replace_origin(
            engine,
            "az:staging.json",
            collected_at=day + dt.timedelta(days=offset),
            clusters=[Cluster("staging-east", kubernetes_version=version)],
        )
    history = load_inventory(Archive(engine)).upgrade.versions_seen
    assert [(v.cluster, v.version, v.first_seen, v.last_seen) for v in history] == [
        ("staging-east", "1.29.4", day.isoformat(), (day + dt.timedelta(days=2)).isoformat()),
        ("staging-east", "1.30.1", *([(day + dt.timedelta(days=5)).isoformat()] * 2)),
    ]
