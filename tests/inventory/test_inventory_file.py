"""The declarative inventory file: a realistic file by value, then a table of bad inputs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from aksnews.errors import InputError
from aksnews.inventory.declarative import InventoryError, load_inventory_file
from aksnews.model.inventory import (
    NodeOSChannel,
    NodePool,
    Provenance,
    SecretRef,
    SupportPlan,
    UpgradeChannel,
)

DATA = Path(__file__).parent.parent / "data"
NOW = dt.datetime(2025, 10, 6, 8, 0, tzinfo=dt.UTC)


def test_realistic_inventory_by_value() -> None:
    path = DATA / "inventory.yaml"
    inventory = load_inventory_file(path, now=NOW)
    provenance = Provenance(origin=f"file:{path}", collected_at=NOW)

    assert [t.name for t in inventory.teams] == ["payments", "platform"]
    payments = inventory.team("payments")
    assert payments is not None
    assert payments.slack_webhook == SecretRef(env="PAYMENTS_SLACK_WEBHOOK")
    assert payments.slack_token is None
    assert payments.teams_webhook == SecretRef(env="PAYMENTS_TEAMS_WEBHOOK")
    assert (payments.timezone, payments.digest_day, payments.digest_time) == (
        "Asia/Tokyo",
        "mon",
        "09:00",
    )
    assert payments.provenance == provenance
    platform = inventory.team("platform")
    assert platform is not None
    assert platform.slack_token == SecretRef(env="SLACK_BOT_TOKEN")
    assert platform.slack_channel == "#platform-alerts"
    assert (platform.timezone, platform.digest_day, platform.digest_time) == (
        "Europe/Berlin",
        "thu",
        "16:30",
    )
    assert inventory.default_team == "platform"

    assert [c.name for c in inventory.clusters] == ["prod-east", "legacy-west", "lts-central"]
    prod = inventory.cluster("prod-east")
    assert prod is not None
    assert prod.teams == ("payments",)
    assert prod.region == "eastus"
    assert prod.kubernetes_version == "1.29.4"
    assert prod.support_plan is SupportPlan.KUBERNETES_OFFICIAL
    assert prod.upgrade_channel is UpgradeChannel.PATCH
    assert prod.node_os_channel is NodeOSChannel.NODE_IMAGE
    assert prod.features == ("istio:asm-1-22", "azure-cni-overlay", "keda", "windows2019")
    assert prod.namespaces == (("checkout", "payments"), ("ingress-nginx", "platform"))
    assert prod.node_pools == (
        NodePool(
            name="system",
            mode="System",
            os_type="Linux",
            os_sku="Ubuntu",
            orchestrator_version="1.29.4",
            node_image_version="AKSUbuntu-2204gen2containerd-202405.03.0",
            provenance=provenance,
        ),
        NodePool(
            name="win19",
            mode="User",
            os_type="Windows",
            os_sku="Windows2019",
            orchestrator_version="1.29.4",
            node_image_version="AKSWindows-2019-containerd-17763.5820.240516",
            provenance=provenance,
        ),
    )
    assert prod.provenance == provenance

    legacy = inventory.cluster("legacy-west")
    assert legacy is not None
    assert legacy.kubernetes_version == "1.24.9"
    assert legacy.upgrade_channel is UpgradeChannel.NONE
    assert legacy.node_os_channel is NodeOSChannel.UNMANAGED
    assert legacy.features == ("kubenet", "basic-load-balancer")
    assert [p.node_image_version for p in legacy.node_pools] == [
        "AKSUbuntu-1804gen2containerd-2023.02.15"
    ]

    lts = inventory.cluster("lts-central")
    assert lts is not None
    assert lts.teams == ("platform", "payments")
    assert lts.kubernetes_version == "1.30.101-akslts"
    assert lts.support_plan is SupportPlan.AKS_LONG_TERM_SUPPORT
    assert lts.upgrade_channel is UpgradeChannel.PATCH  # given as autoUpgradeProfile.upgradeChannel
    assert lts.node_os_channel is NodeOSChannel.SECURITY_PATCH
    assert [(p.name, p.os_sku) for p in lts.node_pools] == [
        ("system", "Ubuntu"),
        ("azl", "AzureLinux"),
    ]
    assert inventory.api_uses == ()


def test_env_secrets_resolve_only_from_the_given_environment() -> None:
    inventory = load_inventory_file(DATA / "inventory.yaml", now=NOW)
    payments, platform = inventory.teams
    environ = {
        "PAYMENTS_SLACK_WEBHOOK": "https://hooks.slack.com/services/T0/B0/abc",
        "SLACK_BOT_TOKEN": "xoxb-1-2-3",
    }
    assert payments.slack_webhook is not None and payments.teams_webhook is not None
    assert payments.slack_webhook.resolve(environ) == environ["PAYMENTS_SLACK_WEBHOOK"]
    assert payments.teams_webhook.resolve(environ) is None  # not set: nothing to send to
    assert platform.slack_token is not None
    assert platform.slack_token.resolve(environ) == "xoxb-1-2-3"
    assert str(platform.slack_token) == "env:SLACK_BOT_TOKEN"


def test_inline_secrets_are_accepted_but_never_required(tmp_path: Path) -> None:
    path = tmp_path / "inline.yaml"
    url = "https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual"
    path.write_text(f"teams:\n  - name: ops\n    teams: {{webhook: '{url}'}}\n  - name: quiet\n")
    ops, quiet = load_inventory_file(path, now=NOW).teams
    assert ops.teams_webhook == SecretRef(literal=url)
    assert ops.teams_webhook.resolve({}) == url
    assert str(ops.teams_webhook) == "<inline secret>"
    assert (quiet.slack_webhook, quiet.slack_token, quiet.teams_webhook) == (None, None, None)
    assert (quiet.timezone, quiet.digest_day, quiet.digest_time) == ("UTC", "mon", "09:00")


def test_scalars_stay_as_written(tmp_path: Path) -> None:
    # YAML 1.1 would read 1.30 as the float 1.3, 9:30 as 570 and `no` as False.
    path = tmp_path / "gotchas.yaml"
    path.write_text(
        "teams:\n"
        "  - {name: ops, digest: {day: Fri, time: 9:30}}\n"
        "clusters:\n"
        "  - {name: c1, currentKubernetesVersion: 1.30, upgradeChannel: Stable,\n"
        "     features: [no, 1.0], namespaces: {'007': ops}}\n"
    )
    inventory = load_inventory_file(path, now=NOW)
    assert (inventory.teams[0].digest_day, inventory.teams[0].digest_time) == ("fri", "09:30")
    cluster = inventory.clusters[0]
    assert cluster.kubernetes_version == "1.30"
    assert cluster.upgrade_channel is UpgradeChannel.STABLE
    assert cluster.features == ("no", "1.0")
    assert cluster.namespaces == (("007", "ops"),)


# Each case: file text, the line the error must name, a fragment of the message.
BAD_YAML = [
    pytest.param(
        "teams:\n"
        "  - name: payments\n"
        "clusters:\n"
        "  - name: prod\n"
        "    nodePools:\n"
        "      - {name: system, osSkuu: Ubuntu}\n",
        6,
        "clusters[0].nodePools[0]: unknown key 'osSkuu'",
        id="unknown-key",
    ),
    pytest.param(
        "clusters:\n  - name: prod\n    region: eastus\n    upgradeChannel: fast\n",
        4,
        "clusters[0].upgradeChannel: 'fast' is not one of none, patch, stable, rapid, node-image",
        id="bad-enum",
    ),
    pytest.param(
        "clusters:\n  - name: prod\n    nodeOSUpgradeChannel: Weekly\n",
        3,
        "'Weekly' is not one of None, Unmanaged, SecurityPatch, NodeImage",
        id="bad-node-os-channel",
    ),
    pytest.param(
        "teams:\n  - name: ops\n  - timezone: UTC\n    slack: {webhook: env:HOOK}\n",
        3,
        "teams[1]: missing required key 'name'",
        id="missing-name",
    ),
    pytest.param(
        "teams:\n  - name: ops\n    timezone: Asia/Tokio\n",
        3,
        "teams[0].timezone: unknown time zone 'Asia/Tokio'",
        id="bad-timezone",
    ),
    pytest.param(
        "teams:\n  - name: ops\n    timezone: ../../etc/passwd\n",
        3,
        "unknown time zone '../../etc/passwd'",
        id="timezone-path",
    ),
    pytest.param(
        "teams:\n  - name: payments\nclusters:\n  - name: prod\n    teams: [payments, paymnts]\n",
        5,
        "clusters[0].teams[1]: unknown team 'paymnts' (teams in this file: payments)",
        id="unknown-team",
    ),
    pytest.param(
        "teams:\n  - name: ops\nclusters:\n  - name: c\n    namespaces:\n      checkout: pay\n",
        6,
        "clusters[0].namespaces.checkout: unknown team 'pay'",
        id="unknown-namespace-team",
    ),
    pytest.param(
        "teams:\n  - name: ops\ndefault_team: platform\n",
        3,
        "default_team: unknown team 'platform'",
        id="unknown-default-team",
    ),
    pytest.param(
        "teams:\n  - name: ops\n    digest: {day: monday, time: '09:00'}\n",
        3,
        "teams[0].digest.day: 'monday' is not one of mon, tue, wed, thu, fri, sat, sun",
        id="bad-day",
    ),
    pytest.param(
        "teams:\n  - name: ops\n    digest:\n      day: mon\n      time: '24:00'\n",
        5,
        "teams[0].digest.time: '24:00' is not a time of day as HH:MM",
        id="bad-time",
    ),
    pytest.param(
        "teams:\n  - name: ops\n    slack:\n      token: env:SLACK_BOT_TOKEN\n"
        "      channel: #ops\n",
        3,
        "teams[0].slack: a token needs a channel (quote it: channel: '#name')",
        id="unquoted-channel",
    ),
    pytest.param(
        "teams:\n  - name: ops\n    slack: {webhook: 'env:'}\n",
        3,
        "teams[0].slack.webhook: an env: reference needs a variable name",
        id="empty-env-reference",
    ),
    pytest.param(
        "clusters:\n  - name: c\n    currentKubernetesVersion: 1.30.101-akslts\n",
        3,
        "1.30.101-akslts is an LTS patch; set supportPlan: AKSLongTermSupport",
        id="lts-version-without-lts-plan",
    ),
    pytest.param(
        "clusters:\n  - name: c\n    currentKubernetesVersion: 1.3O.4\n",
        3,
        "clusters[0].currentKubernetesVersion: '1.3O.4' is not a Kubernetes version",
        id="bad-version",
    ),
    pytest.param(
        "clusters:\n  - name: c\n    upgradeChannel: patch\n"
        "    autoUpgradeProfile:\n      upgradeChannel: rapid\n",
        5,
        "clusters[0].autoUpgradeProfile.upgradeChannel: rapid contradicts upgradeChannel: patch",
        id="conflicting-channels",
    ),
    pytest.param(
        "clusters:\n  - name: a\n  - name: b\n  - name: a\n",
        4,
        "clusters[2].name: cluster 'a' appears twice",
        id="duplicate-cluster",
    ),
    pytest.param(
        "teams:\n  - name: ops\n    timezone: UTC\n    timezone: Asia/Tokyo\n",
        4,
        "teams[0]: key 'timezone' appears twice",
        id="duplicate-key",
    ),
    pytest.param(
        "team:\n  - name: ops\n",
        1,
        "unknown key 'team'",
        id="unknown-top-level-key",
    ),
    pytest.param(
        "- name: ops\n",
        1,
        "expected a mapping of teams, clusters, default_team; got a list",
        id="top-level-list",
    ),
    pytest.param(
        "teams:\n  - name: ops\n    slack: env:HOOK\n",
        3,
        "teams[0].slack: expected a mapping, got 'env:HOOK'",
        id="slack-not-a-mapping",
    ),
    pytest.param(
        "teams:\n  - name: ops\nclusters:\n  - name: c\n    teams: ops\n",
        5,
        "clusters[0].teams: expected a list, got 'ops'",
        id="teams-not-a-list",
    ),
    pytest.param(
        "teams:\n  - name: ops\n    timezone: UTC\n   digest: {day: mon}\n",
        4,
        "invalid YAML",
        id="yaml-syntax-error",
    ),
    pytest.param(
        "clusters:\n  - name: c\n    features: [cilium, keda\n",
        4,
        "invalid YAML",
        id="unclosed-flow-sequence",
    ),
    pytest.param(
        "teams:\n  - &base {name: ops}\n  - *base\n",
        3,
        "YAML aliases (*base) are not allowed",
        id="alias",
    ),
    pytest.param(
        "teams:\n  - name: ops\n    timezone: !!python/object:os.system UTC\n",
        3,
        "teams[0].timezone: YAML tag !!python/object:os.system is not allowed",
        id="python-tag",
    ),
    pytest.param(
        "teams:\n  - name: ops\n---\nteams: []\n",
        3,
        "invalid YAML: expected a single document in the stream",
        id="two-documents",
    ),
    pytest.param(
        "teams:\n  - name: o\x07ps\n",
        2,
        "control character U+0007 is not allowed in YAML",
        id="control-character",
    ),
    pytest.param(
        "clusters: " + "[" * 100 + "]" * 100 + "\n",
        1,
        "nested more than 64 levels deep",
        id="deep-nesting",
    ),
    pytest.param(
        "teams:\n  - name: ops\n    slack: {}\n",
        3,
        "teams[0].slack: needs a webhook, or a token and a channel",
        id="empty-slack",
    ),
    pytest.param(
        "clusters:\n  - name: c\n    supportPlan:\n",
        3,
        "clusters[0].supportPlan: an empty value is not one of KubernetesOfficial, "
        "AKSLongTermSupport",
        id="empty-support-plan",
    ),
    pytest.param(
        "clusters:\n  - name: c\n    nodePools:\n      - {name: np1}\n      - {name: np1}\n",
        5,
        "clusters[0].nodePools[1].name: node pool 'np1' appears twice",
        id="duplicate-pool",
    ),
    pytest.param(
        "clusters:\n  - name: c\n    nodePools:\n      - name: np1\n"
        "        nodeImageVersion: latest\n",
        5,
        "clusters[0].nodePools[0].nodeImageVersion: 'latest' is not a node image version",
        id="bad-node-image",
    ),
    pytest.param(
        "teams:\n  - name: ops\n    ? [a, b]\n    : c\n",
        3,
        "teams[0]: a key must be plain text",
        id="complex-key",
    ),
    pytest.param("", 1, "the inventory file is empty", id="empty"),
    pytest.param("# nothing yet\n\n", 1, "the inventory file is empty", id="only-comments"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), BAD_YAML)
def test_bad_inventory_text(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InventoryError) as caught:
        load_inventory_file(path, now=NOW)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert fragment in message
    assert "\n" not in message


# Raw bytes: binary and badly encoded files.
BAD_BYTES = [
    pytest.param(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        3,  # the PNG signature holds two newlines before its first NUL
        "binary data (NUL byte), not YAML",
        id="binary",
    ),
    pytest.param(
        "teams:\n  - name: café\n".encode("latin-1"),
        2,
        "not UTF-8 text (byte 0xe9 at column 14)",
        id="latin-1",
    ),
    pytest.param(
        "teams:\n  - name: ops\n".encode("utf-16"),
        1,
        "file is UTF-16, not UTF-8",
        id="utf-16",
    ),
]


@pytest.mark.parametrize(("data", "line", "fragment"), BAD_BYTES)
def test_bad_inventory_bytes(tmp_path: Path, data: bytes, line: int, fragment: str) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_bytes(data)
    with pytest.raises(InventoryError, match=f"^{path}:{line}: ") as caught:
        load_inventory_file(path, now=NOW)
    assert fragment in str(caught.value)


def test_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfteams:\n  - name: ops\n")
    assert [t.name for t in load_inventory_file(path, now=NOW).teams] == ["ops"]


def test_json_inventory_as_pythons_json_writes_it(tmp_path: Path) -> None:
    # json.dumps escapes 🚀 as a surrogate pair, which YAML alone rejects.
    slack = {"token": "env:OPS_SLACK_TOKEN", "channel": "#ops-🚀"}
    doc = {"teams": [{"name": "ops", "slack": slack}]}
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(doc), encoding="ascii")
    (team,) = load_inventory_file(path, now=NOW).teams
    assert team.slack_channel == "#ops-🚀"


def test_yaml_bomb_is_refused_quickly(tmp_path: Path) -> None:
    # Billion laughs: nine levels of ten aliases each would expand to 10**9 strings.
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        name, prev = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    # Refused while composing, at the first alias: nothing is ever expanded.
    with pytest.raises(InventoryError) as caught:
        load_inventory_file(path, now=NOW)
    assert str(caught.value).startswith(f"{path}:2: YAML aliases (*a) are not allowed")


def test_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as f:  # sparse: 100 MB on paper, nothing on disk
        f.truncate(100 * 1024 * 1024)
    with pytest.raises(InventoryError) as caught:
        load_inventory_file(path, now=NOW)
    assert str(caught.value) == (
        f"{path}: file is 104857600 bytes, over the limit of {10 * 1024 * 1024}"
    )
    small = tmp_path / "small.yaml"
    small.write_text("teams:\n  - name: ops\n")
    with pytest.raises(InventoryError, match="over the limit of 8$"):
        load_inventory_file(small, now=NOW, max_bytes=8)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="inventory file not found"):
        load_inventory_file(tmp_path / "nope.yaml", now=NOW)
    with pytest.raises(InputError, match="cannot read"):
        load_inventory_file(tmp_path, now=NOW)


def test_all_problems_are_kept_and_the_first_in_the_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(
        "teams:\n"
        "  - name: ops\n"
        "    timezone: Mars/Olympus\n"
        "clusters:\n"
        "  - name: c\n"
        "    upgradeChannel: weekly\n"
        "    regoin: eastus\n"
    )
    with pytest.raises(InventoryError) as caught:
        load_inventory_file(path, now=NOW)
    error = caught.value
    assert str(error) == (
        f"{path}:3: teams[0].timezone: unknown time zone 'Mars/Olympus' "
        "(use a name like Asia/Tokyo or UTC) (and 2 more)"
    )
    assert [p.split(": ", 1)[0] for p in error.problems] == [f"{path}:3", f"{path}:6", f"{path}:7"]
    assert error.problems[2] == f"{path}:7: clusters[0]: unknown key 'regoin'"


def test_literal_secrets_never_appear_in_errors(tmp_path: Path) -> None:
    secret = "http://hooks.example.com/services/T0/B0/s3cr3t"
    path = tmp_path / "inventory.yaml"
    path.write_text(f"teams:\n  - name: ops\n    slack: {{webhook: '{secret}'}}\n")
    with pytest.raises(InventoryError) as caught:
        load_inventory_file(path, now=NOW)
    assert str(caught.value) == (
        f"{path}:3: teams[0].slack.webhook: a webhook is an https:// URL or env:NAME"
    )
    assert "s3cr3t" not in str(caught.value)
