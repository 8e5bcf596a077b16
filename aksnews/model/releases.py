"""The typed values that travel between aksnews stages.

Parsers produce them, the store persists them, the matcher and digests read them back. They are
frozen so a stage can never change what another stage handed it, and they carry no ORM rows:
those stay inside aksnews/store/.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar


class Source(StrEnum):
    """Where a document comes from; each source has one parser."""

    AKS = "aks"
    KUBERNETES = "kubernetes"
    DEPRECATION_GUIDE = "deprecation-guide"
    AKS_CALENDAR = "aks-calendar"
    KUBERNETES_SCHEDULE = "kubernetes-schedule"


class EntryKind(StrEnum):
    """Closed vocabulary of entry kinds (AKS and upstream share 'feature' and 'other')."""

    # AKS CHANGELOG sections
    ANNOUNCEMENT = "announcement"
    KUBERNETES_VERSION = "kubernetes-version"
    FEATURE = "feature"
    PREVIEW_FEATURE = "preview-feature"
    BEHAVIORAL_CHANGE = "behavioral-change"
    BUG_FIX = "bug-fix"
    SECURITY = "security"
    COMPONENT_UPDATE = "component-update"
    NODE_IMAGE = "node-image"
    OTHER = "other"
    # upstream Kubernetes notes
    URGENT_UPGRADE = "urgent-upgrade"
    DEPRECATION = "deprecation"
    API_CHANGE = "api-change"
    DOCUMENTATION = "documentation"
    FAILING_TEST = "failing-test"
    BUG = "bug"
    DEPENDENCY = "dependency"
    # documents that are not release notes (guide rows, calendar rows)
    API_REMOVAL = "api-removal"
    VERSION_LIFECYCLE = "version-lifecycle"


class FactType(StrEnum):
    KUBERNETES_VERSION = "kubernetes-version"
    NODE_IMAGE = "node-image"
    COMPONENT_UPDATE = "component-update"
    CVE = "cve"
    RETIREMENT = "retirement"
    API_DEPRECATION = "api-deprecation"
    API_REMOVAL = "api-removal"
    FEATURE_GATE_REMOVAL = "feature-gate-removal"
    FLAG_REMOVAL = "flag-removal"
    VERSION_LIFECYCLE = "version-lifecycle"
    # the upstream release schedule (kubernetes/website data/releases/schedule.yaml)
    UPSTREAM_RELEASE = "upstream-release"
    UPSTREAM_LIFECYCLE = "upstream-lifecycle"


class VersionEvent(StrEnum):
    """What a kubernetes-version fact says happened to a version."""

    PREVIEW = "preview"
    GA = "ga"
    LTS_ONLY = "lts-only"
    DEPRECATED = "deprecated"
    END_OF_SUPPORT = "end-of-support"
    PATCH_AVAILABLE = "patch-available"


# --- facts -------------------------------------------------------------------------------------
# One frozen dataclass per fact type. `subject` is the short string the store indexes so that
# "every fact about 1.29" or "every Ubuntu 22.04 image" is one indexed lookup.


@dataclass(frozen=True, slots=True)
class KubernetesVersionFact:
    type: ClassVar[FactType] = FactType.KUBERNETES_VERSION
    version: str  # '1.33', '1.33.2' or '1.30.101-akslts'
    event: VersionEvent
    date: dt.date | None = None  # when the text states one (e.g. end of support)
    # 'lts' when the text speaks of the version on the Long Term Support plan ('1.27 LTS goes
    # End of Life'): its end is the end of LTS, not of standard support.
    plan: str | None = None

    @property
    def subject(self) -> str:
        return self.version


@dataclass(frozen=True, slots=True)
class NodeImageFact:
    type: ClassVar[FactType] = FactType.NODE_IMAGE
    os: str  # OS family and release, e.g. 'Ubuntu 22.04', 'Azure Linux 3.0', 'Windows Server 2022'
    version: str  # '202510.03.0', '2023.01.10', '20348.4171.250910'
    path: str | None = None  # vhd-notes path when linked
    sku: str | None = None  # e.g. 'gen2', 'containerd', 'fips', 'arm64' when the text says

    @property
    def subject(self) -> str:
        return self.os


@dataclass(frozen=True, slots=True)
class ComponentUpdateFact:
    type: ClassVar[FactType] = FactType.COMPONENT_UPDATE
    component: str
    to_version: str | None  # None when the component was removed
    from_version: str | None = None
    scope: str | None = None  # e.g. 'AKS 1.33' when the update applies to one minor only

    @property
    def subject(self) -> str:
        return self.component


@dataclass(frozen=True, slots=True)
class CveFact:
    type: ClassVar[FactType] = FactType.CVE
    id: str  # 'CVE-2025-22874' (GHSA ids too)

    @property
    def subject(self) -> str:
        return self.id


@dataclass(frozen=True, slots=True)
class RetirementFact:
    type: ClassVar[FactType] = FactType.RETIREMENT
    subject_text: str  # what retires, in the changelog's words, e.g. 'Windows Server 2019'
    date: dt.date | None = None  # the deadline when stated (the first, when two are)
    # A second stated date of the same retirement: support ends on `date`, removal follows.
    removal_date: dt.date | None = None

    @property
    def subject(self) -> str:
        return self.subject_text


@dataclass(frozen=True, slots=True)
class ApiChangeFact:
    """An apiVersion that is deprecated or stops being served (FactType API_DEPRECATION/REMOVAL)."""

    type: FactType  # API_DEPRECATION or API_REMOVAL (an instance field: one class, two types)
    group_version: str  # 'policy/v1beta1'
    kinds: tuple[str, ...] = ()
    removed_in: str | None = None  # minor, '1.25'
    deprecated_in: str | None = None
    replacement: str | None = None  # 'policy/v1' (several separated by ', ')
    replacement_since: str | None = None  # minor the replacement is served from
    notes: str = ""
    evidence: tuple[str, ...] = ()  # which sources say so, e.g. 'deprecation-guide', 'pr:108035'
    urgent: bool = False  # stated by an urgent upgrade note (or one marked ACTION REQUIRED)

    @property
    def subject(self) -> str:
        return self.group_version


@dataclass(frozen=True, slots=True)
class FeatureGateRemovalFact:
    type: ClassVar[FactType] = FactType.FEATURE_GATE_REMOVAL
    name: str
    version: str | None = None  # minor where it is removed

    @property
    def subject(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class FlagRemovalFact:
    type: ClassVar[FactType] = FactType.FLAG_REMOVAL
    flag: str  # '--some-flag'
    component: str | None = None  # 'kubelet', 'kube-apiserver'
    version: str | None = None

    @property
    def subject(self) -> str:
        return self.flag


@dataclass(frozen=True, slots=True)
class VersionLifecycleFact:
    """One row of the AKS calendar. Month-only dates ('Jan 2026') are stored as the 1st."""

    type: ClassVar[FactType] = FactType.VERSION_LIFECYCLE
    minor: str  # '1.30'
    upstream_release: dt.date | None = None
    aks_preview: dt.date | None = None
    aks_ga: dt.date | None = None
    end_of_life: dt.date | None = None
    platform_support_end: dt.date | None = None
    lts_end: dt.date | None = None
    # Fields whose cell gave only a month ('Jan 2025'); None for facts stored before the
    # calendar parser recorded it. A month-only date may be refined by an exact date of the
    # same month from another source (aksnews.knowledge.lifecycle).
    month_only: tuple[str, ...] | None = None

    @property
    def subject(self) -> str:
        return self.minor


@dataclass(frozen=True, slots=True)
class UpstreamReleaseFact:
    """A patch release the upstream release schedule lists, with its date."""

    type: ClassVar[FactType] = FactType.UPSTREAM_RELEASE
    version: str  # 'v1.25.0', as upstream CHANGELOG releases are named
    date: dt.date | None = None
    planned: bool = False  # the schedule's `next`: a target date, not a release yet

    @property
    def subject(self) -> str:
        return self.version


@dataclass(frozen=True, slots=True)
class UpstreamLifecycleFact:
    """One minor of the upstream release schedule: release, maintenance mode, end of life."""

    type: ClassVar[FactType] = FactType.UPSTREAM_LIFECYCLE
    minor: str  # '1.27'
    release_date: dt.date | None = None
    maintenance_mode: dt.date | None = None
    end_of_life: dt.date | None = None

    @property
    def subject(self) -> str:
        return self.minor


Fact = (
    KubernetesVersionFact
    | NodeImageFact
    | ComponentUpdateFact
    | CveFact
    | RetirementFact
    | ApiChangeFact
    | FeatureGateRemovalFact
    | FlagRemovalFact
    | VersionLifecycleFact
    | UpstreamReleaseFact
    | UpstreamLifecycleFact
)

_FACT_CLASSES: dict[FactType, type[Any]] = {
    FactType.KUBERNETES_VERSION: KubernetesVersionFact,
    FactType.NODE_IMAGE: NodeImageFact,
    FactType.COMPONENT_UPDATE: ComponentUpdateFact,
    FactType.CVE: CveFact,
    FactType.RETIREMENT: RetirementFact,
    FactType.API_DEPRECATION: ApiChangeFact,
    FactType.API_REMOVAL: ApiChangeFact,
    FactType.FEATURE_GATE_REMOVAL: FeatureGateRemovalFact,
    FactType.FLAG_REMOVAL: FlagRemovalFact,
    FactType.VERSION_LIFECYCLE: VersionLifecycleFact,
    FactType.UPSTREAM_RELEASE: UpstreamReleaseFact,
    FactType.UPSTREAM_LIFECYCLE: UpstreamLifecycleFact,
}

# JSON names that differ from the field names (DESIGN.md's JSON contract).
_JSON_NAMES = {"subject_text": "subject", "from_version": "from", "to_version": "to"}
_FIELD_NAMES = {v: k for k, v in _JSON_NAMES.items()}


def fact_to_json(fact: Fact) -> dict[str, Any]:
    """The fact's payload as JSON-ready values (dates as ISO strings, tuples as lists)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(fact):
        if f.name == "type":
            continue
        value = getattr(fact, f.name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, StrEnum):
            value = value.value
        out[_JSON_NAMES.get(f.name, f.name)] = value
    return out


# (field, JSON name, whether it holds a date) of each fact class's payload, read once: a check
# rebuilds over a thousand facts.
_PAYLOAD_FIELDS: dict[type[Any], tuple[tuple[str, str, bool], ...]] = {
    cls: tuple(
        (f.name, _JSON_NAMES.get(f.name, f.name), "date" in str(f.type))
        for f in dataclasses.fields(cls)
        if f.name != "type"
    )
    for cls in _FACT_CLASSES.values()
}


def fact_from_json(fact_type: FactType | str, payload: Mapping[str, Any]) -> Fact:
    """Inverse of fact_to_json: rebuild the typed fact from its stored payload."""
    fact_type = FactType(fact_type)
    cls = _FACT_CLASSES[fact_type]
    kwargs: dict[str, Any] = {}
    for name, key, holds_date in _PAYLOAD_FIELDS[cls]:
        if key not in payload:
            continue
        value = payload[key]
        if value is not None and holds_date and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        elif isinstance(value, list):
            value = tuple(value)
        elif name == "event":
            value = VersionEvent(value)
        kwargs[name] = value
    if cls is ApiChangeFact:
        kwargs["type"] = fact_type
    fact: Fact = cls(**kwargs)
    return fact


# --- documents -----------------------------------------------------------------------------------


class Expectation(StrEnum):
    """What an unread statement named without the parser reading a fact of that kind from it."""

    KUBERNETES_VERSION = "kubernetes-version"
    COMPONENT_UPDATE = "component-update"
    NODE_IMAGE = "node-image"
    RETIREMENT = "retirement"
    DEADLINE = "deadline"


@dataclass(frozen=True, slots=True)
class UnreadStatement:
    """A sentence of an entry that names a Kubernetes version, component version, node image,
    retirement or deadline that the parser could not turn into a fact: someone must read it."""

    expected: Expectation
    text: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One note: a bullet of an AKS release or one upstream release note."""

    kind: EntryKind
    section: str  # the section heading as written ('Bug Fixes', 'API Change')
    position: int  # 0-based order within the release
    markdown: str  # original markdown of the item (continuation lines and sub-bullets included)
    text: str  # plain text for search and messages
    line: int  # 1-based line in the source document
    links: tuple[str, ...] = ()
    parent: int | None = None  # position of the parent entry for nested bullets
    facts: tuple[Fact, ...] = ()
    # upstream notes only
    pr: int | None = None
    author: str | None = None
    sigs: tuple[str, ...] = ()
    # A kind heading aksnews has no EntryKind for ('### Design'), normalised ('design'): kept
    # under its own name, never folded into 'other' (kind is OTHER only for code that needs a
    # closed value).
    heading_kind: str | None = None
    # 'ACTION REQUIRED' in the note, or an urgent upgrade note: a flag beside the kind.
    action_required: bool = False

    @property
    def kind_name(self) -> str:
        """The kind as stored and shown: the heading's own name when it is not a known kind."""
        return self.heading_kind or self.kind.value

    # The text says something stops working, is blocked or rejected, or needs action by a date.
    breaking: bool = False
    unread: tuple[UnreadStatement, ...] = ()


@dataclass(frozen=True, slots=True)
class Release:
    """A release section of a document (an AKS release, an upstream v1.NN.P, a guide section)."""

    source: Source
    version: str  # AKS: 'YYYY-MM-DD'; upstream 'v1.NN.P[-rc.N]'; guide 'v1.NN'
    title: str  # the heading text without '#'
    line: int  # 1-based line of the heading
    section_sha256: str  # hash of the raw section text: unchanged sections are not re-parsed
    date: dt.date | None = None
    tag: str | None = None  # AKS 'v20250921'
    hotfix: bool = False
    anchor: str = ""  # GitHub heading anchor, e.g. 'release-notes-2025-10-12'
    entries: tuple[Entry, ...] = ()
    markdown: str = ""  # the raw section text

    @property
    def key(self) -> str:
        """Stable identifier across runs and databases: 'aks:2025-10-12', 'kubernetes:v1.32.5'."""
        return f"{self.source.value}:{self.version}"


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """A problem that did not stop the parse; shown with file and line next to the results."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Section:
    """A raw release section found by the cheap line scan, before any markdown parsing."""

    heading: str  # the heading line without the leading '#'s
    line: int  # 1-based line of the heading in the document
    text: str  # the section's raw text, heading included
    sha256: str


@dataclass(frozen=True, slots=True)
class ParseResult:
    releases: tuple[Release, ...] = ()
    warnings: tuple[ParseWarning, ...] = field(default_factory=tuple)
