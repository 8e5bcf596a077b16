"""The Dockerfile and Kubernetes manifests: right image and commands, non-root, no secrets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "ghcr.io/aksnews/aksnews:"


def _docs(name: str) -> list[dict[str, Any]]:
    text = (ROOT / "deploy" / "kubernetes" / name).read_text(encoding="utf-8")
    return [d for d in yaml.safe_load_all(text) if d]


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    if doc["kind"] == "CronJob":
        return dict(doc["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    return dict(doc["spec"]["template"]["spec"])


def _workloads() -> list[dict[str, Any]]:
    return [
        d
        for n in ("cronjob.yaml", "deployment.yaml")
        for d in _docs(n)
        if d["kind"] in ("CronJob", "Deployment")
    ]


def test_cronjob_runs_one_cycle_and_deployment_serves_the_web() -> None:
    by_kind = {d["kind"]: d for d in _workloads()}
    cron = _pod_spec(by_kind["CronJob"])["containers"][0]
    serve = _pod_spec(by_kind["Deployment"])["containers"][0]
    assert cron["args"] == ["run-once"]
    assert serve["args"][:2] == ["serve", "--web"]
    assert by_kind["CronJob"]["spec"]["concurrencyPolicy"] == "Forbid"
    for container in (cron, serve):
        assert container["image"].startswith(IMAGE)


@pytest.mark.parametrize("doc", _workloads(), ids=lambda d: d["kind"])
def test_workloads_run_as_non_root_and_take_secrets_from_secret_refs(doc: dict[str, Any]) -> None:
    spec = _pod_spec(doc)
    assert spec["securityContext"]["runAsNonRoot"] is True
    for container in spec["containers"]:
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        for env in container.get("env", []):
            # Every value comes from a Secret: nothing secret is written in the manifest.
            assert "value" not in env and "secretKeyRef" in env["valueFrom"], env["name"]


def test_no_secret_values_anywhere() -> None:
    text = "".join(p.read_text() for p in (ROOT / "deploy").rglob("*.yaml"))
    text += (ROOT / "Dockerfile").read_text()
    for pattern in (r"hooks\.slack\.com/services/T", r"xox[abp]-\d", r"webhook\.office\.com/\w"):
        assert not re.search(pattern, text), pattern
    secret = _docs("secret-example.yaml")[0]
    assert secret["kind"] == "Secret" and not secret.get("stringData") and not secret.get("data")


def test_dockerfile_is_slim_and_unprivileged() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    froms = [line for line in lines if line.startswith("FROM ")]
    assert froms and all("-slim" in line for line in froms)
    user = [line for line in lines if line.startswith("USER ")]
    assert user and user[-1] != "USER root" and user[-1] != "USER 0"
    assert 'ENTRYPOINT ["aksnews"]' in lines
    assert any(line.startswith("CMD [") and '"serve"' in line for line in lines)
