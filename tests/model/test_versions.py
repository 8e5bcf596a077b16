"""AKS-aware version helpers: one table of cases per function."""

from __future__ import annotations

import datetime as dt

import pytest

from aksnews.model.versions import (
    ImageFamily,
    KubeVersion,
    compare_kube_versions,
    compare_node_images,
    istio_revision_minor,
    minor_key,
    minor_of,
    next_minor,
    normalize_kube_version,
    parse_kube_version,
    parse_node_image_version,
    try_parse_kube_version,
)


@pytest.mark.parametrize(
    ("text", "expected", "canonical"),
    [
        ("1.27", KubeVersion(1, 27), "1.27"),
        ("v1.27", KubeVersion(1, 27), "1.27"),
        ("1.27.3", KubeVersion(1, 27, 3), "1.27.3"),
        ("v1.27.3", KubeVersion(1, 27, 3), "1.27.3"),
        ("1.30.101-akslts", KubeVersion(1, 30, 101), "1.30.101-akslts"),
        ("1.27.101", KubeVersion(1, 27, 101), "1.27.101-akslts"),  # LTS patch numbers
        ("V1.9.10", KubeVersion(1, 9, 10), "1.9.10"),
        (" 1.29.04 ", KubeVersion(1, 29, 4), "1.29.4"),
        ("asm-1-27", KubeVersion(1, 27), "1.27"),  # Istio add-on revision
    ],
)
def test_parse_kube_version(text: str, expected: KubeVersion, canonical: str) -> None:
    assert parse_kube_version(text) == expected
    assert normalize_kube_version(text) == canonical


@pytest.mark.parametrize(
    "text", ["", "1", "latest", "1.27.3.4", "1.27-akslts", "1.30.14-akslts", "asm-1", "1.x"]
)
def test_parse_kube_version_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_kube_version(text)
    assert try_parse_kube_version(text) is None


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.9", "1.10", -1),  # numeric, not lexical
        ("1.29.4", "1.29.10", -1),
        ("1.29", "1.29.0", -1),  # a minor sorts before its patches
        ("v1.30.3", "1.30.3", 0),
        ("1.30.14", "1.30.100-akslts", -1),  # LTS patches come after community patches
        ("1.31.1", "1.30.101-akslts", 1),
        ("asm-1-27", "1.27", 0),
    ],
)
def test_compare_kube_versions(a: str, b: str, expected: int) -> None:
    assert compare_kube_versions(a, b) == expected
    assert compare_kube_versions(b, a) == -expected


def test_sorting_kube_versions() -> None:
    versions = ["1.30.101-akslts", "1.9", "1.30", "1.29.4", "1.30.14", "v1.10"]
    ordered = sorted(versions, key=parse_kube_version)
    assert ordered == ["1.9", "v1.10", "1.29.4", "1.30", "1.30.14", "1.30.101-akslts"]
    assert sorted(["1.10", "1.9", "1.33"], key=minor_key) == ["1.9", "1.10", "1.33"]


@pytest.mark.parametrize(
    ("version", "minor", "following"),
    [
        ("1.29.4", "1.29", "1.30"),
        ("1.29", "1.29", "1.30"),
        ("v1.30.101-akslts", "1.30", "1.31"),
        ("1.9.11", "1.9", "1.10"),
        ("asm-1-27", "1.27", "1.28"),
    ],
)
def test_minor_of_and_next_minor(version: str, minor: str, following: str) -> None:
    assert minor_of(version) == minor
    assert next_minor(version) == following


def test_istio_revision_minor() -> None:
    assert istio_revision_minor("asm-1-27") == "1.27"
    with pytest.raises(ValueError):
        istio_revision_minor("1.27")


@pytest.mark.parametrize(
    ("text", "family", "key", "released", "image"),
    [
        ("202510.03.0", ImageFamily.LINUX, (2025, 10, 3, 0), dt.date(2025, 10, 3), None),
        ("2023.01.10", ImageFamily.LINUX, (2023, 1, 10, -1), dt.date(2023, 1, 10), None),
        (
            "20348.4171.250910",
            ImageFamily.WINDOWS,
            (20348, 4171, 25, 9, 10),
            dt.date(2025, 9, 10),
            None,
        ),
        (
            "AKSUbuntu-2204gen2containerd-202405.03.0",
            ImageFamily.LINUX,
            (2024, 5, 3, 0),
            dt.date(2024, 5, 3),
            "AKSUbuntu-2204gen2containerd",
        ),
        (
            "2019-datacenter-core-smalldisk-17763.1397.200820",
            ImageFamily.WINDOWS,
            (17763, 1397, 20, 8, 20),
            dt.date(2020, 8, 20),
            "2019-datacenter-core-smalldisk",
        ),
        ("v20348.2966.241218", ImageFamily.WINDOWS, (20348, 2966, 24, 12, 18), None, None),
    ],
)
def test_parse_node_image_version(
    text: str,
    family: ImageFamily,
    key: tuple[int, ...],
    released: dt.date | None,
    image: str | None,
) -> None:
    parsed = parse_node_image_version(text)
    assert (parsed.family, parsed.key, parsed.image) == (family, key, image)
    if released is not None:
        assert parsed.released == released


@pytest.mark.parametrize("text", ["", "latest", "1.2.3", "2025.13.45.1", "17763.1397"])
def test_parse_node_image_version_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_node_image_version(text)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("202510.03.0", "202509.11.0", 1),
        ("202510.03.0", "202510.03.1", -1),
        ("2023.01.10", "202301.10.0", -1),  # old and new Linux schemes share the date order
        ("2023.02.15", "202301.25.0", 1),
        ("20348.4171.250910", "20348.4052.250823", 1),
        ("20348.4171.250910", "20348.4171.250910", 0),
        # Across families and Windows releases there is no order.
        ("202510.03.0", "20348.4171.250910", None),
        ("17763.7792.250910", "20348.4171.250910", None),
        ("AKSUbuntu-2204gen2-202405.03.0", "AKSUbuntu-2404gen2-202405.03.0", None),
        ("AKSUbuntu-2204gen2-202405.03.0", "202404.01.0", 1),  # a bare version has no name
    ],
)
def test_compare_node_images(a: str, b: str, expected: int | None) -> None:
    assert compare_node_images(a, b) == expected
    assert compare_node_images(b, a) == (None if expected is None else -expected)
