"""AKS-aware version helpers: Kubernetes minors and patches, LTS patches, node image versions.

AKS writes versions in several shapes: '1.29', 'v1.29.4', the LTS patch line '1.30.101-akslts'
(LTS patches are numbered from 100 so they sort after every community patch of the same minor)
and Istio add-on revisions 'asm-1-27'. Node images carry their own schemes: Linux 'YYYYMM.DD.P'
(older 'YYYY.MM.DD'), Windows 'BUILD.REV.YYMMDD'. Numeric parts are parsed and compared with
`packaging`, so '1.9' < '1.10' holds where a string comparison would say otherwise.

Node images are only comparable within one family: a Windows build number is not a date, and two
Windows builds (17763 = Server 2019, 20348 = Server 2022) are different products, so comparing
across them returns None instead of a meaningless order.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import total_ordering

from packaging.version import InvalidVersion, Version

LTS_PATCH_BASE = 100  # AKS LTS patches are 1.NN.100, 1.NN.101, ...
LTS_SUFFIX = "-akslts"

_KUBE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(-akslts)?$", re.IGNORECASE)
_ISTIO_REVISION = re.compile(r"^asm-(\d+)-(\d+)$", re.IGNORECASE)


@total_ordering
@dataclass(frozen=True, slots=True)
class KubeVersion:
    """A Kubernetes minor ('1.29') or patch ('1.29.4', '1.30.101-akslts').

    Ordering is by (major, minor, patch) with a minor-only version sorting before its patches,
    so sorted() gives 1.29 < 1.29.4 < 1.30 < 1.30.14 < 1.30.101-akslts.
    """

    major: int
    minor: int
    patch: int | None = None

    @property
    def minor_version(self) -> str:
        return f"{self.major}.{self.minor}"

    @property
    def is_lts_patch(self) -> bool:
        return self.patch is not None and self.patch >= LTS_PATCH_BASE

    @property
    def packaging(self) -> Version:
        release = (self.major, self.minor) if self.patch is None else self.triple
        return Version(".".join(str(p) for p in release))

    @property
    def triple(self) -> tuple[int, int, int]:
        return (self.major, self.minor, -1 if self.patch is None else self.patch)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, KubeVersion):
            return NotImplemented
        return self.triple < other.triple

    def __str__(self) -> str:
        if self.patch is None:
            return self.minor_version
        suffix = LTS_SUFFIX if self.is_lts_patch else ""
        return f"{self.minor_version}.{self.patch}{suffix}"


def parse_kube_version(text: str) -> KubeVersion:
    """Parse '1.27', 'v1.27', '1.27.3', '1.30.101-akslts' or an Istio revision 'asm-1-27'.

    Raises ValueError for anything else. An Istio revision parses to its minor (asm-1-27 -> 1.27)
    because AKS names revisions after the Istio minor they track.
    """
    raw = text.strip()
    istio = _ISTIO_REVISION.match(raw)
    if istio:
        return KubeVersion(int(istio.group(1)), int(istio.group(2)))
    m = _KUBE.match(raw)
    if not m:
        raise ValueError(f"not a Kubernetes version: {text!r}")
    try:
        # packaging validates the numeric release part (and normalises leading zeros).
        release = Version(raw.lower().removesuffix(LTS_SUFFIX)).release
    except InvalidVersion as exc:  # pragma: no cover - the regex already guarantees digits
        raise ValueError(f"not a Kubernetes version: {text!r}") from exc
    patch = release[2] if len(release) > 2 else None
    if m.group(4) and (patch is None or patch < LTS_PATCH_BASE):
        raise ValueError(f"'-akslts' needs an LTS patch number >= {LTS_PATCH_BASE}: {text!r}")
    return KubeVersion(release[0], release[1], patch)


def try_parse_kube_version(text: str) -> KubeVersion | None:
    try:
        return parse_kube_version(text)
    except ValueError:
        return None


def normalize_kube_version(text: str) -> str:
    """Canonical spelling: no 'v', LTS patches always carry '-akslts' ('1.27.101-akslts')."""
    return str(parse_kube_version(text))


def compare_kube_versions(a: str, b: str) -> int:
    """-1, 0 or 1; raises ValueError when either side is not a Kubernetes version."""
    va, vb = parse_kube_version(a), parse_kube_version(b)
    return (va > vb) - (va < vb)


def minor_of(version: str) -> str:
    """'1.29.4' -> '1.29'; 'v1.30.101-akslts' -> '1.30'; 'asm-1-27' -> '1.27'."""
    return parse_kube_version(version).minor_version


_LEADING_MINOR = re.compile(r"^v?(\d+)\.(\d+)")


def leading_minor(version: str) -> str | None:
    """The minor a version-like text starts with ('v1.32.0-rc.1' -> '1.32'); None if none.

    Lenient where minor_of is strict: release versions and fact subjects of every shape."""
    match = _LEADING_MINOR.match(version)
    return f"{int(match[1])}.{int(match[2])}" if match else None


def next_minor(version: str) -> str:
    """'1.29' -> '1.30' (a patch is accepted too: '1.29.4' -> '1.30')."""
    v = parse_kube_version(version)
    return f"{v.major}.{v.minor + 1}"


def minor_key(version: str) -> tuple[int, int]:
    """Sort key for minors: sorted(['1.9', '1.10'], key=minor_key) == ['1.9', '1.10']."""
    v = parse_kube_version(version)
    return (v.major, v.minor)


def istio_revision_minor(revision: str) -> str:
    """'asm-1-27' -> '1.27'."""
    m = _ISTIO_REVISION.match(revision.strip())
    if not m:
        raise ValueError(f"not an Istio add-on revision: {revision!r}")
    return f"{int(m.group(1))}.{int(m.group(2))}"


# --- node images --------------------------------------------------------------------------------


class ImageFamily(StrEnum):
    LINUX = "linux"  # date based: 'YYYYMM.DD.P' and the older 'YYYY.MM.DD'
    WINDOWS = "windows"  # 'BUILD.REV.YYMMDD'


_LINUX_IMAGE = re.compile(r"(\d{4})(\d{2})\.(\d{2})\.(\d+)")
_LINUX_IMAGE_OLD = re.compile(r"(\d{4})\.(\d{2})\.(\d{2})")
_WINDOWS_IMAGE = re.compile(r"(\d{5})\.(\d+)\.(\d{2})(\d{2})(\d{2})")
# 'AKSUbuntu-2204gen2containerd-202405.03.0': an optional image name, then the version.
_IMAGE_NAME_AND_VERSION = re.compile(r"^(?:(?P<image>.+?)[-_:])?v?(?P<version>\d[\d.]*)$")

WINDOWS_BUILDS = {
    17763: "Windows Server 2019",
    20348: "Windows Server 2022",
    25398: "Windows Server 23H2",
    26100: "Windows Server 2025",
}


@dataclass(frozen=True, slots=True)
class NodeImageVersion:
    """A node image version with the key that orders it within its family."""

    family: ImageFamily
    text: str  # the version as written, e.g. '202510.03.0'
    key: tuple[int, ...] = field(compare=False)
    released: dt.date | None = field(default=None, compare=False)
    image: str | None = None  # image name when given, e.g. 'AKSUbuntu-2204gen2containerd'

    @property
    def windows_build(self) -> int | None:
        return self.key[0] if self.family is ImageFamily.WINDOWS else None

    def comparable_with(self, other: NodeImageVersion) -> bool:
        if self.family is not other.family:
            return False
        if self.image and other.image and self.image.lower() != other.image.lower():
            return False
        # Different Windows builds are different Windows Server releases.
        return self.family is not ImageFamily.WINDOWS or self.key[0] == other.key[0]


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_node_image_version(text: str) -> NodeImageVersion:
    """Parse '202510.03.0', '2023.01.10', '20348.4171.250910' or a full image version such as
    'AKSUbuntu-2204gen2containerd-202405.03.0'. Raises ValueError otherwise."""
    parts = _IMAGE_NAME_AND_VERSION.match(text.strip())
    if not parts:
        raise ValueError(f"not a node image version: {text!r}")
    image, tail = parts.group("image"), parts.group("version")
    if m := _WINDOWS_IMAGE.fullmatch(tail):
        build, rev, yy, mm, dd = (int(g) for g in m.groups())
        return NodeImageVersion(
            ImageFamily.WINDOWS,
            tail,
            key=(build, rev, yy, mm, dd),
            released=_safe_date(2000 + yy, mm, dd),
            image=image,
        )
    if m := _LINUX_IMAGE.fullmatch(tail):
        year, month, day, patch = (int(g) for g in m.groups())
        return NodeImageVersion(
            ImageFamily.LINUX,
            tail,
            key=(year, month, day, patch),
            released=_safe_date(year, month, day),
            image=image,
        )
    if m := _LINUX_IMAGE_OLD.fullmatch(tail):
        year, month, day = (int(g) for g in m.groups())
        # Old images had no patch number: they sort before a same-day 'YYYYMM.DD.0'.
        return NodeImageVersion(
            ImageFamily.LINUX,
            tail,
            key=(year, month, day, -1),
            released=_safe_date(year, month, day),
            image=image,
        )
    raise ValueError(f"not a node image version: {text!r}")


def compare_node_images(a: str | NodeImageVersion, b: str | NodeImageVersion) -> int | None:
    """-1, 0 or 1 within one family (and one image name / Windows build); None across them."""
    va = a if isinstance(a, NodeImageVersion) else parse_node_image_version(a)
    vb = b if isinstance(b, NodeImageVersion) else parse_node_image_version(b)
    if not va.comparable_with(vb):
        return None
    return (va.key > vb.key) - (va.key < vb.key)
