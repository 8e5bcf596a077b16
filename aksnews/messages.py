"""What aksnews tells a team: the weekly digest and targeted alerts, before any formatting.

Built by pure stages (aksnews/digest.py, aksnews/alerts.py) and rendered by notifiers
(aksnews.notifiers.*), which turn them into channel payloads. Text in these values is plain text
straight from changelogs: every renderer escapes it for its own format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aksnews.findings import Finding


@dataclass(frozen=True, slots=True)
class DigestItem:
    text: str  # plain text (from a changelog or a finding title): renderers escape it
    url: str | None = None  # the source: AKS release anchor, upstream PR, guide section
    label: str | None = None  # short tag shown before the text: 'GA', 'critical', 'Ubuntu 22.04'
    detail: str | None = None  # a second line: why / what to do / deadline
    # Items of one section that share a group (e.g. 'AKS release 2025-10-12') are shown under
    # one sub-heading; consecutive items of a group are kept together by the builder.
    group: str | None = None


@dataclass(frozen=True, slots=True)
class DigestSection:
    key: str  # stable id: 'aks-releases', 'unread', 'kubernetes-versions', 'node-images',
    # 'deadlines',
    # 'findings-new', 'findings-escalated', 'findings-open', 'findings-resolved', 'upstream'
    title: str
    items: tuple[DigestItem, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    team: str
    period_start: dt.date  # inclusive
    period_end: dt.date  # exclusive
    generated_at: dt.datetime
    sections: tuple[DigestSection, ...]  # empty sections are left out by the builder

    @property
    def title(self) -> str:
        last = self.period_end - dt.timedelta(days=1)
        return f"AKS news for {self.team}: {self.period_start} to {last}"

    @property
    def empty(self) -> bool:
        return not any(s.items for s in self.sections)

    @property
    def period_key(self) -> str:
        """Identifies the digest of this team and period (the outbox idempotency key)."""
        return f"digest:{self.team}:{self.period_start}:{self.period_end}"


@dataclass(frozen=True, slots=True)
class Alert:
    """One finding that must reach its team now (new, or escalated since the last alert)."""

    team: str
    finding: Finding
    escalated: bool = False  # sent before at a lower severity or a farther deadline

    @property
    def key(self) -> str:
        """Idempotency key: the same finding at the same severity is alerted once."""
        return f"alert:{self.finding.key}:{self.finding.severity.value}"
