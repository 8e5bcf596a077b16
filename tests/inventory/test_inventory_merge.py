"""Merging origins: a setting an origin states overrides an older one, even when it is the
default value; a setting nobody stated does not (file, az JSON and the store round trip)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from aksnews.inventory.az import import_az
from aksnews.inventory.declarative import load_inventory_file
from aksnews.inventory.merge import load_inventory, merge_clusters
from aksnews.model.inventory import Cluster, NodeOSChannel, Provenance, UpgradeChannel
from aksnews.store.handle import Archive
from aksnews.store.inventory import replace_origin

FILE_TIME = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
AZ_TIME = dt.datetime(2025, 10, 20, tzinfo=dt.UTC)

INVENTORY = """\
clusters:
  - name: prod-east
    currentKubernetesVersion: "1.30.4"
    autoUpgradeProfile: {upgradeChannel: patch, nodeOSUpgradeChannel: SecurityPatch}
"""


def _file(tmp_path: Path) -> Cluster:
    path = tmp_path / "inventory.yaml"
    path.write_text(INVENTORY, encoding="utf-8")
    (cluster,) = load_inventory_file(path, now=FILE_TIME).clusters
    return cluster


def _az(tmp_path: Path, **cluster: Any) -> Cluster:
    path = tmp_path / "az.json"
    doc = {"name": "prod-east", "location": "eastus", "currentKubernetesVersion": "1.31.2"}
    path.write_text(json.dumps([{**doc, **cluster}]), encoding="utf-8")
    (found,) = import_az([path], now=AZ_TIME).clusters
    return found


def test_the_file_states_what_it_says_and_nothing_else(tmp_path: Path) -> None:
    assert _file(tmp_path).stated == {"upgrade_channel", "node_os_channel"}


def test_azure_saying_none_overrides_the_files_patch(tmp_path: Path) -> None:
    # ARM writes null for a cluster without a channel: an observed 'none'.
    az = _az(tmp_path, autoUpgradeProfile={"upgradeChannel": None})
    (merged,) = merge_clusters([_file(tmp_path), az])
    assert merged.upgrade_channel is UpgradeChannel.NONE
    assert merged.kubernetes_version == "1.31.2"
    # Azure said nothing about the node OS channel: the file's value stands.
    assert merged.node_os_channel is NodeOSChannel.SECURITY_PATCH
    assert merged.provenance == az.provenance


def test_an_origin_that_says_nothing_about_channels_leaves_them(tmp_path: Path) -> None:
    az = _az(tmp_path)  # an export without autoUpgradeProfile
    assert "upgrade_channel" not in az.stated
    live = Cluster(
        name="prod-east",
        kubernetes_version="1.31.3",
        provenance=Provenance("cluster:prod-east", dt.datetime(2025, 10, 25, tzinfo=dt.UTC)),
    )
    (merged,) = merge_clusters([_file(tmp_path), az, live])
    assert merged.upgrade_channel is UpgradeChannel.PATCH
    assert merged.kubernetes_version == "1.31.3"


def test_what_was_stated_survives_the_store(engine: Engine, tmp_path: Path) -> None:
    az = _az(tmp_path, autoUpgradeProfile={"upgradeChannel": None})
    file = _file(tmp_path)
    assert file.provenance is not None and az.provenance is not None
    replace_origin(engine, "file:inventory", collected_at=FILE_TIME, clusters=[file])
    replace_origin(engine, "az:az.json", collected_at=AZ_TIME, clusters=[az])
    (cluster,) = load_inventory(Archive(engine)).clusters
    assert cluster.upgrade_channel is UpgradeChannel.NONE
    assert cluster.node_os_channel is NodeOSChannel.SECURITY_PATCH
