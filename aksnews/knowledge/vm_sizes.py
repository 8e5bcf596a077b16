"""vCPUs and quota family of common AKS node VM sizes, for when `az vm list-skus` is absent.

The family names are the `family` of `az vm list-skus` and the `name.value` of
`az vm list-usage` (the quota is counted per family). A size not listed here needs the
list-skus output; the surge-quota rule says so instead of guessing.
"""

from __future__ import annotations

from aksnews.model.upgrade import VmSku


def _series(family: str, template: str, sizes: tuple[int, ...]) -> dict[str, tuple[str, int]]:
    return {template.format(n).lower(): (family, n) for n in sizes}


_TABLE: dict[str, tuple[str, int]] = {
    "standard_ds1_v2": ("standardDSv2Family", 1),
    "standard_ds2_v2": ("standardDSv2Family", 2),
    "standard_ds3_v2": ("standardDSv2Family", 4),
    "standard_ds4_v2": ("standardDSv2Family", 8),
    "standard_ds5_v2": ("standardDSv2Family", 16),
    "standard_d2_v2": ("standardDv2Family", 2),
    "standard_d3_v2": ("standardDv2Family", 4),
    "standard_d4_v2": ("standardDv2Family", 8),
    **_series("standardDv3Family", "Standard_D{}_v3", (2, 4, 8, 16, 32)),
    **_series("standardDSv3Family", "Standard_D{}s_v3", (2, 4, 8, 16, 32)),
    **_series("standardDv4Family", "Standard_D{}_v4", (2, 4, 8, 16, 32)),
    **_series("standardDSv4Family", "Standard_D{}s_v4", (2, 4, 8, 16, 32)),
    **_series("standardDDSv4Family", "Standard_D{}ds_v4", (2, 4, 8, 16, 32)),
    **_series("standardDv5Family", "Standard_D{}_v5", (2, 4, 8, 16, 32)),
    **_series("standardDSv5Family", "Standard_D{}s_v5", (2, 4, 8, 16, 32)),
    **_series("standardDDSv5Family", "Standard_D{}ds_v5", (2, 4, 8, 16, 32)),
    **_series("standardDASv5Family", "Standard_D{}as_v5", (2, 4, 8, 16, 32)),
    **_series("standardDADSv5Family", "Standard_D{}ads_v5", (2, 4, 8, 16, 32)),
    **_series("standardESv3Family", "Standard_E{}s_v3", (2, 4, 8, 16, 32)),
    **_series("standardESv5Family", "Standard_E{}s_v5", (2, 4, 8, 16, 32)),
    **_series("standardEDSv5Family", "Standard_E{}ds_v5", (2, 4, 8, 16, 32)),
    **_series("standardFSv2Family", "Standard_F{}s_v2", (2, 4, 8, 16, 32)),
    "standard_b2s": ("standardBSFamily", 2),
    "standard_b2ms": ("standardBSFamily", 2),
    "standard_b4ms": ("standardBSFamily", 4),
    "standard_b8ms": ("standardBSFamily", 8),
}


def builtin_sku(size: str) -> VmSku | None:
    """The built-in entry for a size (any letter case), or None."""
    found = _TABLE.get(size.lower())
    return VmSku(size=size, family=found[0], vcpus=found[1]) if found else None
