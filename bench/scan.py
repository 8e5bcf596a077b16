"""Manifest scan benchmark: `scan_paths` over 10,000 generated files vs bare libyaml loading.

The baseline is what any tool must do at least: `yaml.load_all(f, Loader=yaml.CSafeLoader)` over
the same files, opened in binary mode so libyaml reads them without a Python text layer. The two
are timed alternately, round by round, and the ratio of the medians is printed (goal <= 1.3).

Usage: .venv/bin/python bench/scan.py [--files N] [--rounds N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from common import alternate, report

from aksnews.inventory.manifests import scan_paths

NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

# (apiVersion, kind) pairs in roughly the proportions a real application repository has them.
KINDS = [
    ("apps/v1", "Deployment", 30),
    ("v1", "Service", 20),
    ("v1", "ConfigMap", 12),
    ("networking.k8s.io/v1", "Ingress", 6),
    ("extensions/v1beta1", "Ingress", 2),
    ("batch/v1", "CronJob", 4),
    ("batch/v1beta1", "CronJob", 2),
    ("autoscaling/v2", "HorizontalPodAutoscaler", 5),
    ("policy/v1", "PodDisruptionBudget", 4),
    ("policy/v1beta1", "PodDisruptionBudget", 1),
    ("v1", "ServiceAccount", 6),
    ("rbac.authorization.k8s.io/v1", "Role", 3),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", 3),
    ("apps/v1", "StatefulSet", 2),
]
WEIGHTED = [(api, kind) for api, kind, weight in KINDS for _ in range(weight)]


def _container(rng: random.Random, app: str) -> dict[str, object]:
    return {
        "name": app,
        "image": f"contoso.azurecr.io/{app}:{rng.randint(1, 9)}.{rng.randint(0, 40)}.0",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [
            {"name": f"SETTING_{i}", "value": f"value-{rng.randint(0, 10**6)}"}
            for i in range(rng.randint(2, 12))
        ]
        + [
            {
                "name": "DB_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": f"{app}-db", "key": "password"}},
            }
        ],
        "resources": {
            "requests": {"cpu": f"{rng.choice([50, 100, 250])}m", "memory": "128Mi"},
            "limits": {"cpu": "1", "memory": f"{rng.choice([256, 512, 1024])}Mi"},
        },
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
        },
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
        "securityContext": {
            "runAsNonRoot": True,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": True}],
    }


def _pod_spec(rng: random.Random, app: str) -> dict[str, object]:
    return {
        "serviceAccountName": app,
        "containers": [_container(rng, app)],
        "volumes": [{"name": "config", "configMap": {"name": f"{app}-config"}}],
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "tolerations": [{"key": "workload", "operator": "Equal", "value": "apps"}],
    }


def _object(rng: random.Random, api: str, kind: str, app: str, ns: str) -> dict[str, object]:
    labels = {
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/instance": f"{app}-{ns}",
        "app.kubernetes.io/managed-by": "Helm",
        "team": ns,
    }
    obj: dict[str, object] = {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": app, "namespace": ns, "labels": labels},
    }
    selector = {"matchLabels": {"app.kubernetes.io/name": app}}
    # Copies: a shared dict would make the dumper write anchors, which real manifests lack.
    template = {"metadata": {"labels": dict(labels)}, "spec": _pod_spec(rng, app)}
    if kind in ("Deployment", "StatefulSet"):
        obj["spec"] = {"replicas": rng.randint(1, 6), "selector": selector, "template": template}
    elif kind == "Service":
        obj["spec"] = {
            "type": "ClusterIP",
            "selector": selector["matchLabels"],
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        }
    elif kind == "ConfigMap":
        obj["data"] = {
            "app.properties": "\n".join(f"key{i}={rng.random()}" for i in range(rng.randint(5, 40)))
            + "\n",
            "LOG_LEVEL": "info",
        }
    elif kind == "Ingress":
        backend: dict[str, object] = (
            {"serviceName": app, "servicePort": 80}
            if api.startswith("extensions")
            else {"service": {"name": app, "port": {"number": 80}}}
        )
        obj["spec"] = {
            "ingressClassName": "nginx",
            "tls": [{"hosts": [f"{app}.contoso.com"], "secretName": f"{app}-tls"}],
            "rules": [
                {
                    "host": f"{app}.contoso.com",
                    "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]},
                }
            ],
        }
    elif kind == "CronJob":
        obj["spec"] = {
            "schedule": f"{rng.randint(0, 59)} * * * *",
            "jobTemplate": {"spec": {"template": template}},
        }
    elif kind == "HorizontalPodAutoscaler":
        obj["spec"] = {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        }
    elif kind == "PodDisruptionBudget":
        obj["spec"] = {"minAvailable": 1, "selector": selector}
    elif kind in ("Role",):
        obj["rules"] = [
            {"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": ["get", "list"]}
        ]
    elif kind == "RoleBinding":
        obj["roleRef"] = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": app}
        obj["subjects"] = [{"kind": "ServiceAccount", "name": app, "namespace": ns}]
    return obj


def _dump(obj: dict[str, object]) -> str:
    return yaml.dump(obj, Dumper=yaml.CSafeDumper, sort_keys=False, default_flow_style=False)


def generate(root: Path, count: int, seed: int = 4) -> None:
    """`count` files: single objects, multi-document files, helm template output, JSON, Lists."""
    rng = random.Random(seed)
    for i in range(count):
        ns = rng.choice(["payments", "checkout", "search", "identity", "platform"])
        app = f"svc-{i}"
        objects = [_object(rng, *rng.choice(WEIGHTED), app, ns) for _ in range(rng.randint(1, 4))]
        shape = rng.random()
        folder = root / ns / f"app-{i % 97}"
        folder.mkdir(parents=True, exist_ok=True)
        if shape < 0.08:
            (folder / f"{app}.json").write_text(json.dumps(objects[0], indent=2))
        elif shape < 0.12:
            lst = {"apiVersion": "v1", "kind": "List", "items": objects}
            (folder / f"{app}-list.yaml").write_text(_dump(lst))
        elif shape < 0.3:
            docs = [
                f"---\n# Source: {app}/templates/{str(o['kind']).lower()}.yaml\n{_dump(o)}"
                for o in objects
            ]
            (folder / f"{app}-rendered.yaml").write_text("".join(docs))
        else:
            (folder / f"{app}.yaml").write_text("---\n".join(_dump(o) for o in objects))


def _timer(fn: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aksnews-scan-bench-") as tmp:
        root = Path(tmp)
        generate(root, args.files)
        files = sorted(p for p in root.rglob("*") if p.is_file())

        def bare() -> None:
            for path in files:
                with open(path, "rb") as f:
                    for _ in yaml.load_all(f, Loader=yaml.CSafeLoader):
                        pass

        result = scan_paths([root], cluster="bench", now=NOW)
        print(
            f"{len(files)} files, {len(result.api_uses)} objects, "
            f"{result.skipped} skipped, {len(result.warnings)} warnings",
            flush=True,
        )
        s, b, r = alternate(
            _timer(lambda: scan_paths([root], cluster="bench", now=NOW)), _timer(bare), args.rounds
        )
        report(f"scan {len(files)} manifest files", s, b, r, "<= 1.3 x yaml.load_all CSafeLoader")
    return 0


if __name__ == "__main__":
    sys.exit(main())
