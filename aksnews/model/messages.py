"""What aksnews tells a team: the weekly digest and targeted alerts, before any formatting.

Built by pure stages (aksnews/deliver/digest.py, aksnews/deliver/alerts.py) and rendered by
notifiers (aksnews.notifiers.*), which turn them into channel payloads. Text in these values is
plain text straight from changelogs: every renderer escapes it for its own format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aksnews.model.findings import Finding


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
    key: str  # stable id, in digest order: 'freshness', 'action', 'coming-up', 'clusters',
    # 'news', 'unread', 'everything-else'
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


@dataclass(frozen=True, slots=True)
class AlertBatch:
    """Every alert of one run for one team, posted as one message per channel (split into parts
    only past a channel's limits), so a run never floods a channel with one post per finding.

    first_run: the team's first alerts since it was added: the message says where the team
    stands (open findings by severity) rather than presenting each finding as news.
    """

    team: str
    alerts: tuple[Alert, ...]
    generated_at: dt.datetime
    first_run: bool = False
    standing: tuple[tuple[str, int], ...] = ()  # (severity, open findings), first run only
    more: int = 0  # alerts over --max-alerts-per-run, not listed but linked
    more_url: str | None = None  # where the rest is: the web archive's findings page

    @property
    def title(self) -> str:
        n = len(self.alerts) + self.more
        plural = "s" if n != 1 else ""
        if self.first_run:
            return (
                f"Where {self.team} stands: {n} finding{plural} need{'' if plural else 's'} action"
            )
        return f"{n} alert{plural} for {self.team}"

    @property
    def headline(self) -> str:
        """The notification text: the worst severity first, then what it is about."""
        worst = min((a.finding.severity for a in self.alerts), key=lambda s: s.rank)
        first = self.alerts[0].finding.title
        rest = len(self.alerts) + self.more - 1
        return f"{worst.value.upper()}: {self.title}: {first}" + (
            f" and {rest} more" if rest else ""
        )
