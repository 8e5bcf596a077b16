"""Rules about a cluster's Kubernetes version: end of support and available updates, plus the
minor its next upgrade goes to (the API rules judge apiVersions against that minor).

Which minors are GA, and until when they are supported, comes from the reconciled lifecycle
(aksnews.knowledge.lifecycle, ArchiveView.calendar) and from nowhere else, so that `check`,
`plan` and `calendar` never disagree. The lifecycle infers what no source states (GA from a
community patch after the last preview, end of support by the N-2 rule) and marks those dates
as inferred.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aksnews.knowledge.lifecycle import (
    Basis,
    Milestone,
    MinorLifecycle,
    Resolved,
    Support,
    is_supported,
)
from aksnews.knowledge.view import ArchiveView
from aksnews.model.findings import (
    ClusterScope,
    Finding,
    MatchSettings,
    Rule,
    Severity,
    days_until,
    finding_key,
)
from aksnews.model.inventory import SupportPlan, UpgradeChannel
from aksnews.model.records import StoredFact
from aksnews.model.releases import KubernetesVersionFact, VersionEvent
from aksnews.model.versions import KubeVersion, minor_key, next_minor, try_parse_kube_version


@dataclass(frozen=True, slots=True)
class GaMinor:
    minor: str
    since: dt.date
    source: str | None  # release key that shows it


@dataclass(frozen=True, slots=True)
class Target:
    """The minor a cluster's next upgrade goes to, and why that one."""

    minor: str
    reason: str


def _dated(stored: StoredFact, now: dt.date) -> tuple[KubernetesVersionFact, dt.date] | None:
    fact = stored.fact
    if not isinstance(fact, KubernetesVersionFact) or stored.release_date is None:
        return None
    if stored.release_date > now:  # announced after 'now': not known yet
        return None
    return fact, stored.release_date


def ga_minors(archive: ArchiveView, now: dt.date) -> tuple[GaMinor, ...]:
    """Minors GA on AKS by `now` by the lifecycle, oldest minor first."""
    found = []
    for row in archive.calendar:
        ga = row.resolved(Milestone.AKS_GA)
        if try_parse_kube_version(row.minor) is None or ga is None or ga.date > now:
            continue
        found.append(GaMinor(row.minor, ga.date, ga.claim.source))
    return tuple(sorted(found, key=lambda g: minor_key(g.minor)))


def upgrade_target(
    version: KubeVersion,
    channel: UpgradeChannel,
    ga: Sequence[GaMinor],
    explicit: str | None = None,
) -> Target:
    """Where the next upgrade goes: an explicit target, else what the channel picks.

    patch keeps the minor, stable is the newest GA minor minus one, rapid the newest GA minor,
    none (and node-image, which upgrades node images only) the next minor by hand. Never older
    than the cluster itself.
    """
    current = version.minor_version
    wanted: str
    if explicit is not None:
        parsed = try_parse_kube_version(explicit)
        if parsed is None:
            raise ValueError(f"not a Kubernetes version: {explicit!r}")
        wanted, reason = parsed.minor_version, f"the requested target {parsed.minor_version}"
    elif channel is UpgradeChannel.PATCH:
        return Target(current, "upgrade channel patch stays on the minor")
    elif channel in (UpgradeChannel.STABLE, UpgradeChannel.RAPID) and ga:
        newest = ga[-1].minor
        if channel is UpgradeChannel.RAPID:
            wanted, reason = newest, f"upgrade channel rapid follows the newest GA minor {newest}"
        else:
            major, _, minor = newest.partition(".")
            wanted = f"{major}.{int(minor) - 1}"
            reason = f"upgrade channel stable follows the newest GA minor {newest} minus one"
    else:
        wanted = next_minor(current)
        reason = f"upgrade channel {channel.value}: minor upgrades by hand, one at a time"
        if channel in (UpgradeChannel.STABLE, UpgradeChannel.RAPID):
            reason = f"upgrade channel {channel.value} with no GA minor known: assuming {wanted}"
    if minor_key(wanted) < minor_key(current):
        return Target(current, f"{reason}; the cluster already runs {current}")
    return Target(wanted, reason)


# --- end of support -----------------------------------------------------------------------------


def _supported(ga: Sequence[GaMinor], rows: dict[str, MinorLifecycle], now: dt.date) -> list[str]:
    """The minors the lifecycle calls supported on `now`, oldest first."""
    window = [g.minor for g in ga[-3:]]
    return [g.minor for g in ga if is_supported(rows.get(g.minor), window, now)]


def _links(archive: ArchiveView, keys: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(archive.url(k) for k in keys if k))


def end_of_support(
    scope: ClusterScope,
    archive: ArchiveView,
    now: dt.date,
    settings: MatchSettings,
    ga: Sequence[GaMinor],
) -> Finding | None:
    if scope.version is None:
        return None
    minor = scope.version.minor_version
    rows = {r.minor: r for r in archive.calendar}
    row = rows.get(minor)
    lts = scope.cluster.support_plan is SupportPlan.AKS_LONG_TERM_SUPPORT
    notes: list[str] = []
    sources: list[str | None] = []
    deadline: dt.date | None = None
    resolved: Resolved | None = None
    if lts and row is not None and row.lts_end is not None:
        deadline, what = row.lts_end, "long-term support"
        resolved = row.resolved(Milestone.LTS_END)
    else:
        what = "standard support"
        if row is not None and row.end_of_support is not None:
            deadline = row.end_of_support
            resolved = row.resolved(Milestone.END_OF_SUPPORT)
    if resolved is not None:
        sources.extend(resolved.sources)
        if resolved.basis is Basis.INFERRED:
            notes.append(f"{resolved.claim.detail} on {resolved.date}.")
    if deadline is None:
        return None
    days = (deadline - now).days
    if days <= settings.end_of_support_critical_days:
        severity = Severity.CRITICAL
    elif days <= settings.end_of_support_days:
        severity = Severity.WARNING
    else:
        return None
    supported = _supported(ga, rows, now)
    newer = [m for m in supported if minor_key(m) > minor_key(minor)]
    if lts and what == "standard support":
        # The LTS plan outlives standard support, but no source here dates its end for this
        # minor: saying the cluster's support ended would be a claim the sources do not make.
        return _lts_end_unknown(scope, minor, deadline, now, newer, _links(archive, sources), notes)
    ended = days <= 0
    title = (
        f"Kubernetes {minor} on {scope.name}: {what} "
        f"{'ended' if ended else 'ends'} {deadline} ({days_until(deadline, now)})"
    )
    plan = "AKSLongTermSupport" if lts else "KubernetesOfficial"
    why = [
        f"{scope.name} runs {scope.version} on the {plan} plan. "
        f"AKS {what} for {minor} {'ended' if ended else 'ends'} on {deadline}."
    ]
    why.extend(notes)
    if supported:
        why.append(f"Supported minors on {now}: {', '.join(supported)}.")
    if newer:
        action = f"Upgrade {scope.name} to {newer[0]} or newer"
        action += " before that date." if not ended else " now: the cluster gets no fixes."
    else:
        action = f"Plan the upgrade of {scope.name} to a supported minor."
    if not lts and row is not None and row.lts_available(now):
        until = f" until {row.lts_end}" if row.lts_end else ""
        action += f" Or move it to the AKSLongTermSupport plan ({minor} LTS{until})."
        if row.support is Support.LTS_ONLY:
            why.append(f"{minor} is now offered only on the AKS Long Term Support plan.")
    return Finding(
        key=finding_key(Rule.END_OF_SUPPORT, scope.name, None, f"kubernetes {minor}"),
        rule=Rule.END_OF_SUPPORT,
        severity=severity,
        cluster=scope.name,
        team=scope.team,
        title=title,
        why=" ".join(why),
        action=action,
        subject=f"kubernetes {minor}",
        object=str(scope.version),
        deadline=deadline,
        links=_links(archive, sources),
    )


# --- available updates --------------------------------------------------------------------------


def _lts_end_unknown(
    scope: ClusterScope,
    minor: str,
    standard_end: dt.date,
    now: dt.date,
    newer: Sequence[str],
    links: tuple[str, ...],
    notes: Sequence[str],
) -> Finding:
    """A cluster on the LTS plan whose minor's LTS end no source names: a warning to find out,
    without a deadline, rather than an end of support that may not be the cluster's."""
    ended = standard_end <= now
    title = (
        f"Kubernetes {minor} on {scope.name}: end of long-term support not known "
        f"(standard support {'ended' if ended else 'ends'} {standard_end})"
    )
    why = [
        f"{scope.name} runs {scope.version} on the AKSLongTermSupport plan. AKS standard "
        f"support for {minor} {'ended' if ended else 'ends'} on {standard_end}; the calendar "
        f"names no LTS end for {minor}, so aksnews cannot say how long the plan covers it.",
        *notes,
    ]
    target = f" to {newer[0]} or newer" if newer else " to a supported minor"
    action = (
        f"Check the LTS end of {minor} (az aks get-versions --location <region>) and plan the "
        f"upgrade of {scope.name}{target}."
    )
    return Finding(
        key=finding_key(Rule.END_OF_SUPPORT, scope.name, None, f"kubernetes {minor}"),
        rule=Rule.END_OF_SUPPORT,
        severity=Severity.WARNING,
        cluster=scope.name,
        team=scope.team,
        title=title,
        why=" ".join(why),
        action=action,
        subject=f"kubernetes {minor}",
        object=str(scope.version),
        deadline=None,
        links=links,
    )


def _patches(
    archive: ArchiveView, minor: str, now: dt.date, lts: bool
) -> dict[KubeVersion, StoredFact]:
    """Patch versions of `minor` announced by `now`, each with its first announcement."""
    first: dict[KubeVersion, tuple[dt.date, int, StoredFact]] = {}
    for stored in archive.versions:
        dated = _dated(stored, now)
        if dated is None or dated[0].event not in (VersionEvent.PATCH_AVAILABLE, VersionEvent.GA):
            continue
        version = try_parse_kube_version(dated[0].version)
        if version is None or version.patch is None or version.minor_version != minor:
            continue
        if version.is_lts_patch and not lts:
            continue  # LTS patches are only offered on the LTS plan
        candidate = (dated[1], stored.id, stored)
        if version not in first or candidate[:2] < first[version][:2]:
            first[version] = candidate
    return {version: item[2] for version, item in first.items()}


def updates(
    scope: ClusterScope,
    archive: ArchiveView,
    now: dt.date,
    ga: Sequence[GaMinor],
    target: Target,
) -> list[Finding]:
    """A newer patch of the cluster's minor, and a newer GA minor (or the channel's next one)."""
    version = scope.version
    if version is None:
        return []
    channel = scope.cluster.upgrade_channel
    lts = scope.cluster.support_plan is SupportPlan.AKS_LONG_TERM_SUPPORT
    minor = version.minor_version
    out: list[Finding] = []
    patches = _patches(archive, minor, now, lts)
    newer = sorted(v for v in patches if v > version)
    if newer:
        newest = newer[-1]
        announced = patches[newest]
        applies = channel is UpgradeChannel.PATCH or (
            channel in (UpgradeChannel.STABLE, UpgradeChannel.RAPID) and target.minor == minor
        )
        why = (
            f"{scope.name} runs {version}; AKS announced {newest} on {announced.release_date}"
            f" ({len(newer)} newer patch{'es' if len(newer) > 1 else ''} of {minor}: "
            f"{', '.join(str(v) for v in newer)})."
        )
        if applies:
            why += f" Upgrade channel {channel.value} will apply it in the next maintenance window."
            action = "Check the maintenance window and watch the rollout (staging first)."
        else:
            why += f" Upgrade channel {channel.value} does not apply patches."
            action = f"Upgrade {scope.name} to {newest}, or set the upgrade channel to patch."
        out.append(
            Finding(
                key=finding_key(Rule.UPDATE_AVAILABLE, scope.name, None, f"patch {newest}"),
                rule=Rule.UPDATE_AVAILABLE,
                severity=Severity.WARNING if applies else Severity.INFO,
                cluster=scope.name,
                team=scope.team,
                title=f"Kubernetes {newest} is available for {scope.name} (runs {version})",
                why=why,
                action=action,
                subject=f"patch {newest}",
                object=str(version),
                links=_links(archive, [announced.release_key]),
            )
        )
    auto = channel in (UpgradeChannel.STABLE, UpgradeChannel.RAPID)
    by_minor = {g.minor: g for g in ga}
    if auto and minor_key(target.minor) > minor_key(minor) and target.minor in by_minor:
        chosen, severity = by_minor[target.minor], Severity.WARNING
        why = f"{scope.name} runs {version}; {target.reason}, GA since {chosen.since}."
        action = (
            f"Check what {chosen.minor} removes and changes (aksnews plan --cluster {scope.name} "
            f"--to {chosen.minor}) before the next maintenance window."
        )
    elif ga and minor_key(ga[-1].minor) > minor_key(minor):
        chosen, severity = ga[-1], Severity.INFO
        why = (
            f"{scope.name} runs {version}; {chosen.minor} is the newest GA minor on AKS "
            f"(since {chosen.since}). Upgrade channel {channel.value} will not move to it."
        )
        action = (
            f"Plan the minor upgrade (aksnews plan --cluster {scope.name} --to {chosen.minor})."
        )
    else:
        return out
    out.append(
        Finding(
            key=finding_key(Rule.UPDATE_AVAILABLE, scope.name, None, f"minor {chosen.minor}"),
            rule=Rule.UPDATE_AVAILABLE,
            severity=severity,
            cluster=scope.name,
            team=scope.team,
            title=f"Kubernetes {chosen.minor} is GA on AKS; {scope.name} runs {minor}",
            why=why,
            action=action,
            subject=f"minor {chosen.minor}",
            object=str(version),
            links=_links(archive, [chosen.source]),
        )
    )
    return out
