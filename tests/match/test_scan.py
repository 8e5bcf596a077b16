"""`aksnews scan`: manifests judged at a target minor against the corpus deprecation guide.

The expected removal releases are read from the guide's own sentences ("The **X** API version
of Kind is no longer served as of v1.NN") by a regex here, not from the parser; the deprecation
release where the guide names none is the policy bound the scan documents (removal - 3).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from aksnews.commands import run
from aksnews.store.engine import open_engine

from corpus import corpus_path, corpus_text

DATA = Path(__file__).resolve().parent.parent / "data" / "scan"
AKSNEWS = str(Path(sys.executable).parent / "aksnews")

# Every object in tests/data/scan/app (file, apiVersion, kind, name), in the order scanned.
APP_OBJECTS = [
    ("jobs.yaml", "batch/v1beta1", "CronJob", "nightly-invoices"),
    ("jobs.yaml", "policy/v1beta1", "PodDisruptionBudget", "invoices"),
    ("jobs.yaml", "autoscaling/v2beta2", "HorizontalPodAutoscaler", "checkout"),
    ("jobs.yaml", "flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "batch-jobs"),
    ("rbac-list.yaml", "rbac.authorization.k8s.io/v1beta1", "RoleBinding", "shop-readers"),
    ("workloads.yaml", "extensions/v1beta1", "Deployment", "legacy-cart"),
    ("workloads.yaml", "apps/v1beta2", "StatefulSet", "sessions"),
    ("base/crd.json", "apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "carts"),
    ("base/ingress.yml", "networking.k8s.io/v1beta1", "Ingress", "storefront"),
]
SERVED_EVERYWHERE = {("apps/v1", "Deployment"), ("v1", "Service"), ("v1", "ConfigMap")}


def guide_removals() -> dict[tuple[str, str], str]:
    """(apiVersion, kind) -> the minor the guide says stops serving it, from its sentences."""
    removals: dict[tuple[str, str], str] = {}
    for paragraph in re.split(r"\n\s*\n", corpus_text("docs/deprecation-guide.md")):
        text = " ".join(paragraph.split())
        served = re.search(r"no longer served as of v(1\.\d+)", text)
        if not served:
            continue
        head = text[: served.start()]
        apis = re.findall(r"\*\*([\w.]+/v\w+)\*\*", head)
        kinds = re.findall(r"\b([A-Z][A-Za-z]+)\b", head.split("API version")[-1] + " " + head)
        for api in apis:
            for kind in kinds:
                removals.setdefault((api, kind), served[1])
    return removals


def _minor(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def expected(objects: list[tuple[str, str, str, str]], target: str) -> dict[str, str]:
    """name -> 'removed' / 'deprecated' at the target, from the guide's text."""
    removals = guide_removals()
    out = {}
    for _, api, kind, name in objects:
        removed = removals[(api, kind)]
        major, minor = _minor(removed)
        if _minor(removed) <= _minor(target):
            out[name] = "removed"
        elif (major, minor - 3) <= _minor(target):
            out[name] = "deprecated"
    return out


@pytest.fixture(scope="module")
def guide_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('scan') / 'guide.db'}"
    engine = open_engine(url)
    engine.dispose()
    path = str(corpus_path("docs/deprecation-guide.md"))
    assert run(["--db", url, "ingest", path, "--source", "deprecation-guide"]) == 0
    yield url


def _scan(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(["--db", url, "scan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_guide_sentences_name_every_api_of_the_fixtures() -> None:
    removals = guide_removals()
    for _, api, kind, _ in APP_OBJECTS:
        assert (api, kind) in removals, (api, kind)
    assert removals[("extensions/v1beta1", "Deployment")] == "1.16"
    assert removals[("batch/v1beta1", "CronJob")] == "1.25"


@pytest.mark.parametrize("target", ["1.16", "1.22", "1.25", "1.29"])
def test_rows_and_exit_codes_at_each_target(
    guide_db: str, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    code, out, err = _scan(capsys, guide_db, str(DATA / "app"), "--target", target, "--json")
    document = json.loads(out)
    assert document["target-versions"] == {"k8s": f"v{target}.0"}
    assert "deprecation guide" in document["knowledge"]
    got = {
        item["name"].split(".")[0]: "removed" if item["removed"] else "deprecated"
        for item in document["items"]
    }
    want = expected(APP_OBJECTS, target)
    assert got == want
    assert code == (3 if "removed" in want.values() else 2 if want else 0)
    # The location is the file and the line of the object's apiVersion.
    by_name = {i["name"]: i for i in document["items"]}
    if "legacy-cart" in by_name:
        item = by_name["legacy-cart"]
        assert item["filePath"].endswith("workloads.yaml") and item["line"] == 2
        assert item["api"]["replacement-api"] == "apps/v1"
    assert not {(i["api"]["version"], i["api"]["kind"]) for i in document["items"]} & (
        SERVED_EVERYWHERE
    )


def test_pluto_target_spelling_wide_table_and_replacement_not_yet_served(
    guide_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [str(DATA / "app" / "jobs.yaml"), "--target-versions", "k8s=v1.22.0", "-o", "wide"]
    code, out, err = _scan(capsys, guide_db, *args)
    assert code == 2  # at 1.22 the CronJob and the PDB are deprecated, nothing removed
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["NAME", "NAMESPACE", "KIND"]
    cron = next(line for line in lines if "nightly-invoices" in line)
    # The guide: batch/v1 "available since v1.21", so it is served at 1.22.
    assert "batch/v1" in cron and "yes" in cron.split() and "jobs.yaml:1" in cron
    assert "at Kubernetes 1.22" in err and "knowledge:" in err

    code, out, _ = _scan(capsys, guide_db, str(DATA / "app" / "jobs.yaml"), "--target", "1.16")
    assert code == 0 and len(out.splitlines()) == 1  # the header only


def test_only_removed_and_ignore_flags(guide_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    app = str(DATA / "app")
    code, out, _ = _scan(capsys, guide_db, app, "--target", "1.22", "-r", "--json")
    items = json.loads(out)["items"]
    assert items and all(i["removed"] for i in items) and code == 3
    code, _, _ = _scan(capsys, guide_db, app, "--target", "1.22", "--ignore-removals", "--json")
    assert code == 2
    args = [app, "--target", "1.22", "--ignore-removals", "--ignore-deprecations", "--json"]
    assert _scan(capsys, guide_db, *args)[0] == 0


def _helm_dump(tmp_path: Path) -> Path:
    def secret(revision: int, status: str, manifest: str) -> dict[str, object]:
        release = {
            "name": "edge",
            "namespace": "ingress",
            "version": revision,
            "info": {"status": status},
            "manifest": manifest,
        }
        packed = base64.b64encode(gzip.compress(json.dumps(release).encode()))
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "helm.sh/release.v1",
            "metadata": {
                "name": f"sh.helm.release.v1.edge.v{revision}",
                "namespace": "ingress",
                "labels": {"owner": "helm", "name": "edge", "status": status},
            },
            "data": {"release": base64.b64encode(packed).decode()},
        }

    old = "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: edge-old\n"
    new = (
        "---\n# Source: edge/templates/psp.yaml\napiVersion: policy/v1beta1\n"
        "kind: PodSecurityPolicy\nmetadata:\n  name: edge-restricted\n"
        "---\n# Source: edge/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\n"
        "metadata:\n  name: edge\n"
    )
    dump = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [secret(1, "superseded", old), secret(2, "deployed", new)],
    }
    path = tmp_path / "helm-secrets.json"
    path.write_text(json.dumps(dump))
    return path


def test_helm_release_secrets_are_decoded(
    guide_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dump = _helm_dump(tmp_path)
    code, out, _ = _scan(capsys, guide_db, str(dump), "--target", "1.25", "--json")
    [item] = json.loads(out)["items"]  # only the deployed revision is what runs
    assert (item["api"]["version"], item["api"]["kind"]) == ("policy/v1beta1", "PodSecurityPolicy")
    assert item["removed"] and item["api"]["replacement-api"] is None
    assert "edge/templates/psp.yaml" in item["location"] and code == 3


def test_stdin_in_a_real_process(guide_db: str) -> None:
    manifest = (DATA / "capacity.yaml").read_bytes()
    proc = subprocess.run(
        [AKSNEWS, "--db", guide_db, "scan", "-", "--target", "1.24", "-o", "csv"],
        input=manifest,
        capture_output=True,
        check=False,
    )
    rows = proc.stdout.decode().splitlines()
    assert proc.returncode == 2, proc.stderr  # guide: CSIStorageCapacity v1beta1 gone in 1.27
    assert rows[0].startswith("name,namespace,kind,version,replacement")
    assert rows[1].startswith(
        "fast-ssd-zone-1,kube-system,CSIStorageCapacity,storage.k8s.io/v1beta1"
    )
    assert rows[1].endswith(",deprecation-guide") and ",-:1," in rows[1]


def test_yaml_markdown_and_sarif(
    guide_db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = str(DATA / "app")
    code, out, _ = _scan(capsys, guide_db, app, "--target", "1.25", "-o", "yaml")
    assert code == 3 and len(yaml.safe_load(out)["items"]) == len(expected(APP_OBJECTS, "1.25"))
    code, out, _ = _scan(capsys, guide_db, app, "--target", "1.25", "-o", "md")
    assert out.count("\n| ") == 1 + len(expected(APP_OBJECTS, "1.25"))
    code, out, _ = _scan(capsys, guide_db, app, "--target", "1.25", "-o", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    levels = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}
    assert {r["level"] for r in results} == {"error", "warning"} and 2 in levels
    # stdin in-process too, through the same reader
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"apiVersion: v1\nkind: Pod\n")))
    assert _scan(capsys, guide_db, "-", "--target", "1.25")[0] == 0


def test_usage_errors(guide_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    app = str(DATA / "app")
    for args in (
        [app, "--target", "one"],
        [app, "--target-versions", "istio=1.20"],
        [app, "--target", "1.22", "--target-versions", "k8s=v1.25.0"],
        [app, "-o", "xml"],
        [app, "--components", "cert-manager"],
        [str(tmp_path / "missing.yaml")],
    ):
        code, out, err = _scan(capsys, guide_db, *args)
        assert code == 1 and out == "" and len(err.strip().splitlines()) == 1, args


@pytest.mark.parametrize("target", ["1.16", "1.22", "1.25", "1.29"])
def test_an_empty_database_scans_with_the_shipped_snapshot(
    guide_db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, target: str
) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    code, out, _ = _scan(capsys, empty, str(DATA / "app"), "--target", target, "--json")
    document = json.loads(out)
    assert "snapshot shipped with aksnews" in document["knowledge"]
    removed = {i["name"].split(".")[0] for i in document["items"] if i["removed"]}
    want = expected(APP_OBJECTS, target)
    assert removed == {name for name, state in want.items() if state == "removed"}
    # The same removals as a scan against an archive holding the guide.
    code_archive, out_archive, _ = _scan(
        capsys, guide_db, str(DATA / "app"), "--target", target, "--json"
    )
    archived = json.loads(out_archive)["items"]
    assert removed == {i["name"].split(".")[0] for i in archived if i["removed"]}
    assert code == (3 if removed else 2 if document["items"] else 0)
    assert (code == 3) == (code_archive == 3)


@pytest.fixture(scope="module")
def notes_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The guide plus what upstream notes say (API facts mined from the 1.22 and 1.25 notes)."""
    from corpus import ingest_corpus

    url = f"sqlite:///{tmp_path_factory.mktemp('scan-notes') / 'notes.db'}"
    engine = open_engine(url)
    ingest_corpus(engine, release_notes=("1.22", "1.25"))
    engine.dispose()
    yield url


@pytest.mark.parametrize("target", ["1.16", "1.22", "1.25", "1.29"])
def test_an_archive_with_upstream_notes_removes_the_same_apis(
    guide_db: str, notes_db: str, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    def removed(url: str) -> tuple[int, set[str], str]:
        code, out, _ = _scan(capsys, url, str(DATA / "app"), "--target", target, "--json")
        document = json.loads(out)
        names = {i["name"].split(".")[0] for i in document["items"] if i["removed"]}
        return code, names, document["knowledge"]

    code, names, knowledge = removed(notes_db)
    assert (code, names) == removed(guide_db)[:2]
    assert names == {n for n, s in expected(APP_OBJECTS, target).items() if s == "removed"}
    assert "upstream notes up to" in knowledge
