"""`inventory helm-secrets`: Helm 3 release secrets, encoded here exactly as Helm and kubectl do.

A release is JSON, gzipped, base64-encoded by Helm, stored as Secret data (base64 again when
kubectl prints it). The tests build that in Python; the repository holds no binary fixtures.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from aksnews.inventory.helm import RELEASE_SECRET_TYPE, read_helm_secrets
from aksnews.model.inventory import Evidence

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def manifest(*docs: tuple[str, str, str]) -> str:
    """A release manifest as Helm stores it: '---', '# Source:', then the object."""
    return "".join(
        f"---\n# Source: {source}\napiVersion: {api}\nkind: {kind}\nmetadata:\n  name: x\n"
        for source, api, kind in docs
    )


def release_json(name: str, namespace: str, version: int, status: str, text: str) -> bytes:
    release = {
        "name": name,
        "namespace": namespace,
        "version": version,
        "info": {"status": status, "description": "Install complete"},
        "chart": {"metadata": {"name": name, "version": "1.2.3", "apiVersion": "v2"}},
        "config": {},
        "manifest": text,
    }
    return json.dumps(release).encode()


def secret(
    name: str, namespace: str, version: int, status: str, payload: bytes, *, gzipped: bool = True
) -> dict[str, Any]:
    """A Secret as `kubectl get secrets -o json` prints it."""
    stored = gzip.compress(payload, mtime=0) if gzipped else payload
    helm_encoded = base64.b64encode(stored)  # Helm's encoding of the release
    return secret_with_data(name, namespace, version, status, base64.b64encode(helm_encoded))


def secret_with_data(
    name: str, namespace: str, version: int, status: str, data: bytes
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": RELEASE_SECRET_TYPE,
        "metadata": {
            "name": f"sh.helm.release.v1.{name}.v{version}",
            "namespace": namespace,
            "labels": {"name": name, "owner": "helm", "status": status, "version": str(version)},
        },
        "data": {"release": data.decode()},
    }


def good(name: str, namespace: str, version: int, status: str, text: str) -> dict[str, Any]:
    return secret(
        name, namespace, version, status, release_json(name, namespace, version, status, text)
    )


def dump(tmp_path: Path, *items: dict[str, Any]) -> Path:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": list(items)}))
    return path


def read(path: Path) -> Any:
    return read_helm_secrets(path, cluster="prod", now=NOW)


CHECKOUT_V1 = manifest(("checkout/templates/ingress.yaml", "extensions/v1beta1", "Ingress"))
CHECKOUT_V2 = manifest(
    ("checkout/templates/ingress.yaml", "networking.k8s.io/v1", "Ingress"),
    ("checkout/templates/pdb.yaml", "policy/v1beta1", "PodDisruptionBudget"),
)
CHECKOUT_V3 = manifest(("checkout/templates/cronjob.yaml", "batch/v1beta1", "CronJob"))


def test_only_the_newest_deployed_revision_is_scanned(tmp_path: Path) -> None:
    path = dump(
        tmp_path,
        good("checkout", "payments", 1, "superseded", CHECKOUT_V1),
        good("checkout", "payments", 2, "deployed", CHECKOUT_V2),
        good("checkout", "payments", 3, "failed", CHECKOUT_V3),
        good("old", "ops", 5, "uninstalled", CHECKOUT_V3),
    )
    result = read(path)
    assert [(u.api_version, u.kind, u.location, u.namespace, u.name) for u in result.api_uses] == [
        (
            "networking.k8s.io/v1",
            "Ingress",
            "helm:payments/checkout rev 2: checkout/templates/ingress.yaml",
            "payments",
            "x",
        ),
        (
            "policy/v1beta1",
            "PodDisruptionBudget",
            "helm:payments/checkout rev 2: checkout/templates/pdb.yaml",
            "payments",
            "x",
        ),
    ]
    assert {u.evidence for u in result.api_uses} == {Evidence.HELM_RELEASE}
    assert {u.cluster for u in result.api_uses} == {"prod"}
    assert {(u.provenance.origin, u.provenance.collected_at) for u in result.api_uses} == {
        (f"helm:{path}", NOW)
    }
    assert (result.read, result.skipped, result.warnings) == (4, 0, ())
    assert result.extra == {"releases": 1}


def test_two_deployed_revisions_newest_wins_and_releases_come_in_name_order(
    tmp_path: Path,
) -> None:
    path = dump(
        tmp_path,
        good("web", "shop", 7, "deployed", manifest(("web/t.yaml", "apps/v1", "Deployment"))),
        good("web", "shop", 12, "deployed", manifest(("web/t.yaml", "apps/v1", "StatefulSet"))),
        good("api", "shop", 1, "deployed", manifest(("api/t.yaml", "v1", "Service"))),
        good("web", "dev", 3, "deployed", manifest(("web/t.yaml", "v1", "ConfigMap"))),
    )
    assert [u.location.split(":")[1] + " " + u.kind for u in read(path).api_uses] == [
        "dev/web rev 3 ConfigMap",
        "shop/api rev 1 Service",
        "shop/web rev 12 StatefulSet",
    ]


def test_documents_without_source_comment_are_named_by_index(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  namespace: other\n"
        "---\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
        "metadata:\n  name: b\n"
    )
    result = read(dump(tmp_path, good("rbac", "ops", 1, "deployed", text)))
    assert [(u.location, u.namespace) for u in result.api_uses] == [
        ("helm:ops/rbac rev 1: doc 1", "other"),
        ("helm:ops/rbac rev 1: doc 3", "ops"),
    ]


def test_release_stored_before_compression_is_read_as_helm_does(tmp_path: Path) -> None:
    payload = release_json("legacy", "ops", 2, "deployed", CHECKOUT_V1)
    result = read(dump(tmp_path, secret("legacy", "ops", 2, "deployed", payload, gzipped=False)))
    assert [(u.api_version, u.kind) for u in result.api_uses] == [("extensions/v1beta1", "Ingress")]


def _truncated_gzip() -> bytes:
    whole = gzip.compress(release_json("t", "ns", 1, "deployed", CHECKOUT_V1), mtime=0)
    return base64.b64encode(base64.b64encode(whole[: len(whole) // 2]))


# secret name, Secret data.release as kubectl shows it, the start of the warning
BAD = [
    ("not-base64", b"%%% not base64 %%%", "data.release is not base64-encoded base64"),
    (
        "not-gzip",
        base64.b64encode(base64.b64encode(b"\x00\x01 definitely not gzip")),
        "release data is not gzip-compressed",
    ),
    ("truncated", _truncated_gzip(), "release data is truncated gzip"),
    (
        "corrupt",
        base64.b64encode(base64.b64encode(b"\x1f\x8b\x08\x00" + b"\xff" * 40)),
        "release data is corrupt gzip",
    ),
    (
        "not-json",
        base64.b64encode(base64.b64encode(gzip.compress(b"<release/>", mtime=0))),
        "release is not JSON",
    ),
    (
        "no-manifest",
        base64.b64encode(
            base64.b64encode(
                gzip.compress(
                    json.dumps(
                        {"name": "no-manifest", "namespace": "ns", "version": 1, "info": {}}
                    ).encode(),
                    mtime=0,
                )
            )
        ),
        "release has no manifest",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_secret_is_a_warning_and_the_rest_is_read(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = dump(
        tmp_path,
        secret_with_data(name, "ns", 1, "deployed", data),
        good("checkout", "payments", 2, "deployed", CHECKOUT_V2),
    )
    result = read(path)
    assert [u.kind for u in result.api_uses] == ["Ingress", "PodDisruptionBudget"]
    [warning] = result.warnings
    assert warning.source == f"secret ns/sh.helm.release.v1.{name}.v1"
    assert warning.message.startswith(message)
    assert (result.read, result.skipped) == (1, 1)


def test_other_secrets_in_the_dump_are_skipped_quietly(tmp_path: Path) -> None:
    opaque = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": "db", "namespace": "payments"},
        "data": {"password": base64.b64encode(b"hunter2").decode()},
    }
    result = read(dump(tmp_path, opaque, good("checkout", "payments", 2, "deployed", CHECKOUT_V2)))
    assert len(result.api_uses) == 2
    assert (result.read, result.skipped, result.warnings) == (1, 1, ())


def test_broken_manifest_in_deployed_release_names_the_secret(tmp_path: Path) -> None:
    text = "---\n# Source: x/templates/a.yaml\napiVersion: v1\nkind: Pod\nmetadata: [oops\n"
    result = read(dump(tmp_path, good("x", "ns", 4, "deployed", text)))
    assert result.api_uses == ()
    [warning] = result.warnings
    assert (warning.source, warning.line) == ("secret ns/sh.helm.release.v1.x.v4", 6)
    assert warning.message.startswith("manifest: invalid YAML")


def test_single_secret_from_kubectl_get_secret_name(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(good("checkout", "payments", 2, "deployed", CHECKOUT_V2)))
    assert len(read(path).api_uses) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x1f\x8b not json", "cannot read: "),
        (b'{"kind": "ConfigMap"}', "not a Secret list"),
        (b"[]", "not a Secret list"),
    ],
)
def test_unreadable_dump_is_one_warning(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "secrets.json"
    path.write_bytes(content)
    result = read(path)
    assert (result.api_uses, result.read) == ((), 0)
    [warning] = result.warnings
    assert warning.source == str(path)
    assert warning.message.startswith(message)


def test_missing_dump_is_one_warning(tmp_path: Path) -> None:
    result = read(tmp_path / "absent.json")
    [warning] = result.warnings
    assert "No such file" in warning.message
