"""Removed and deprecated APIs in use: the inventory's ApiUse values against the knowledge base.

An apiVersion is judged at the cluster's upgrade target (match_support.upgrade_target): removed
at or before it -> critical (the upgrade breaks it, or it cannot even be applied today);
deprecated and still served there -> warning; deprecated only in a later minor -> info. Several
uses of one API on a cluster make one finding per owning team, listing every location.

How sure we are comes from the ApiUse evidence and is spelled out in `why`. A use seen only in
the API server metric stays critical when the API is removed: something calls it and will
break, even if we cannot say who.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from aksnews.knowledge.advice import Advice, advise
from aksnews.knowledge.apis import KnowledgeRow
from aksnews.knowledge.view import ArchiveView
from aksnews.match.support import Target
from aksnews.model.findings import ClusterScope, Finding, Rule, Severity, finding_key
from aksnews.model.inventory import ApiUse, Evidence
from aksnews.model.links import DEPRECATION_GUIDE_PAGE, pr_url
from aksnews.model.versions import minor_key, try_parse_kube_version

_EVIDENCE = {
    Evidence.MANIFEST: "manifest, certain",
    Evidence.HELM_RELEASE: "Helm release, certain",
    Evidence.LAST_APPLIED: "last-applied-configuration, likely",
    Evidence.MANAGED_FIELDS: "managedFields, likely",
    Evidence.APISERVER_METRIC: "API server metric: seen in use, unknown caller",
}
_EVIDENCE_RANK = {evidence: n for n, evidence in enumerate(Evidence)}

KnowledgeIndex = Mapping[str, Sequence[KnowledgeRow]]


def knowledge_index(rows: Iterable[KnowledgeRow]) -> dict[str, list[KnowledgeRow]]:
    index: dict[str, list[KnowledgeRow]] = {}
    for row in rows:
        index.setdefault(row.group_version, []).append(row)
    return index


def _kind_forms(kind: str) -> set[str]:
    """A kind and the plural resource names a metric reports ('podsecuritypolicies')."""
    low = kind.lower()
    forms = {low, low + "s", low + "es"}
    if low.endswith("y"):
        forms.add(low[:-1] + "ies")
    return forms


def _matching_kind(row: KnowledgeRow, kind: str) -> str | None:
    """The row's spelling of `kind` when the row covers it ('' for a row without kinds)."""
    if not row.kinds:
        return ""
    low = kind.lower()
    return next((k for k in row.kinds if low in _kind_forms(k)), None)


def _minor(text: str | None) -> tuple[int, int] | None:
    """(major, minor) of a release the knowledge base names; None when absent or unreadable."""
    version = try_parse_kube_version(text) if text else None
    return (version.major, version.minor) if version else None


def _removal_key(row: KnowledgeRow) -> tuple[int, int]:
    return _minor(row.removed_in) or (1 << 30, 0)


def _row_for(rows: Sequence[KnowledgeRow], kind: str) -> tuple[KnowledgeRow, str] | None:
    """The row that speaks for this kind: the guide's first, then the earliest removal."""
    hits = [(row, k) for row in rows if (k := _matching_kind(row, kind)) is not None]
    if not hits:
        return None
    return min(hits, key=lambda hit: (not hit[0].in_guide, hit[0].planned, _removal_key(hit[0])))


def _location(use: ApiUse) -> str:
    where = use.location
    if use.namespace or use.name:
        where += f" [{'/'.join(p for p in (use.namespace, use.name) if p)}]"
    return f"{where} ({use.evidence.value})"


def _links(archive: ArchiveView, row: KnowledgeRow) -> tuple[str, ...]:
    guide = [r.partition("#")[0] for r in row.references if r.startswith("deprecation-guide:")]
    notes = [r.partition("#")[0] for r in row.references if not r.startswith("deprecation-guide:")]
    links = [archive.url(key) for key in guide]
    if row.in_guide and not guide:
        links.append(DEPRECATION_GUIDE_PAGE)
    if row.removed_in and not row.planned:
        # The upstream notes of the release that stops serving it.
        links.append(archive.url(f"kubernetes:v{row.removed_in}.0"))
    links.extend(archive.url(key) for key in notes)
    links.extend(
        pr_url(int(e[3:])) for e in row.evidence if e.startswith("pr:") and e[3:].isdigit()
    )
    return tuple(dict.fromkeys(links))


def _first_sentence(text: str) -> str:
    head = text.strip().split("\n", 1)[0]
    return head.split(". ", 1)[0].rstrip(".") + "." if head else ""


def _judge(row: KnowledgeRow, target: Target) -> tuple[Rule, Severity] | None:
    at = minor_key(target.minor)
    removed, deprecated = _minor(row.removed_in), _minor(row.deprecated_in)
    if removed is not None and removed <= at:
        return Rule.REMOVED_API, Severity.CRITICAL
    if deprecated is not None and deprecated > at:
        return Rule.DEPRECATED_API, Severity.INFO
    if deprecated is not None or row.removed_in:
        # The guide lists only deprecated APIs: a removal date alone means deprecated.
        return Rule.DEPRECATED_API, Severity.WARNING
    return None


def _already_gone(scope: ClusterScope, removed: tuple[int, int]) -> bool:
    """The cluster already runs a minor that no longer serves the API."""
    version = scope.version
    return version is not None and removed <= (version.major, version.minor)


def _why(
    scope: ClusterScope,
    row: KnowledgeRow,
    subject: str,
    rule: Rule,
    target: Target,
    uses: Sequence[ApiUse],
    locations: Sequence[str],
    advice: Advice,
) -> str:
    parts: list[str] = []
    removed = _minor(row.removed_in)
    if rule is Rule.REMOVED_API and removed is not None:
        if _already_gone(scope, removed):
            parts.append(
                f"{subject} is no longer served since Kubernetes {row.removed_in}; "
                f"{scope.name} runs {scope.version}, so applying it fails today."
            )
        else:
            parts.append(
                f"{subject} is no longer served from Kubernetes {row.removed_in}; "
                f"{scope.name} runs {scope.version} and its next upgrade goes to {target.minor} "
                f"({target.reason})."
            )
    else:
        since = f" since {row.deprecated_in}" if row.deprecated_in else ""
        removal = f", removal {'planned for' if row.planned else 'in'} {row.removed_in}"
        parts.append(
            f"{subject} is deprecated{since}{removal if row.removed_in else ''}; "
            f"{scope.name} runs {scope.version} and still has it at {target.minor} "
            f"({target.reason})."
        )
    if row.planned and row.removed_in:
        parts.append("The removal release comes from an announcement, not from the guide.")
    count = len(locations)
    parts.append(f"Used in {count} place{'s' if count > 1 else ''}: {'; '.join(locations)}.")
    best = min((u.evidence for u in uses), key=_EVIDENCE_RANK.__getitem__)
    parts.append(f"Strongest evidence: {_EVIDENCE[best]}.")
    if best is Evidence.APISERVER_METRIC:
        parts.append("Only the API server metric shows it: some client calls it, caller unknown.")
    if advice.replacement:
        since = f" (served since {advice.since})" if advice.since else ""
        parts.append(f"Replacement: {advice.replacement}{since}.")
    elif row.replacement:
        parts.append(advice.note)
    elif row.notes:
        parts.append(_first_sentence(row.notes))
    if row.disagreements:
        parts.append(f"Other sources said: {'; '.join(row.disagreements)}.")
    if row.evidence:
        parts.append(f"Sources: {', '.join(row.evidence)}.")
    return " ".join(parts)


def _action(
    scope: ClusterScope,
    row: KnowledgeRow,
    kind: str,
    rule: Rule,
    uses: Sequence[ApiUse],
    advice: Advice,
) -> str:
    find = ""
    if all(u.evidence is Evidence.APISERVER_METRIC for u in uses):
        find = "Find the client (API server audit log, user agent) and "
    if advice.replacement:
        # the newest stable replacement the target serves, never one it no longer serves
        move = f"move {kind or 'it'} to {advice.replacement}"
    elif row.replacement:
        move = f"stop using {row.group_version}: {advice.note[:1].lower()}{advice.note[1:-1]}"
    elif row.notes:
        # The guide's advice where it names no replacement ('Migrate to Pod Security Admission').
        guide = _first_sentence(row.notes).rstrip(".")
        move = guide[:1].lower() + guide[1:]
    else:
        move = f"stop using {row.group_version}"
    before = ""
    removed = _minor(row.removed_in)
    if rule is Rule.REMOVED_API and removed is not None and not _already_gone(scope, removed):
        before = f" before upgrading {scope.name} to {row.removed_in}"
    text = f"{find}{move}{before}"
    return text[0].upper() + text[1:] + "."


def api_findings(
    scope: ClusterScope,
    uses: Iterable[ApiUse],
    index: KnowledgeIndex,
    archive: ArchiveView,
    target: Target,
) -> list[Finding]:
    groups: dict[tuple[str, str, str], tuple[KnowledgeRow, list[ApiUse]]] = {}
    for use in uses:
        hit = _row_for(index.get(use.api_version, ()), use.kind)
        if hit is None:
            continue
        row, kind = hit
        team = scope.team_for(use.namespace) or ""
        key = (use.api_version, kind or use.kind, team)
        groups.setdefault(key, (row, []))[1].append(use)
    out: list[Finding] = []
    for (api_version, kind, team), (row, group) in sorted(groups.items()):
        judged = _judge(row, target)
        if judged is None:
            continue
        rule, severity = judged
        subject = f"{api_version} {kind}".strip()
        advice = advise(
            row, kind, target.minor, archive.knowledge or tuple(index.get(api_version, ()))
        )
        locations = sorted(dict.fromkeys(_location(u) for u in group))
        if rule is Rule.REMOVED_API:
            title = f"{subject} is removed in {row.removed_in} and still used on {scope.name}"
        else:
            title = f"{subject} is deprecated and used on {scope.name}"
        out.append(
            Finding(
                key=finding_key(rule, scope.name, None, f"{subject}\x1f{team}"),
                rule=rule,
                severity=severity,
                cluster=scope.name,
                team=team or None,
                title=title,
                why=_why(scope, row, subject, rule, target, group, locations, advice),
                action=_action(scope, row, kind, rule, group, advice),
                subject=subject,
                object=locations[0],
                locations=tuple(locations),
                links=_links(archive, row),
            )
        )
    return out
