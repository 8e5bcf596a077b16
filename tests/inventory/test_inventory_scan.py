"""`inventory scan`: apiVersion/kind with file and line from manifests, and every kind of bad file.

The hand-written fixtures in tests/data/manifests/ hold old APIs as a real repository would; the
hostile files (invalid YAML, a YAML bomb, a 100 MB file, binary, a symlink loop, Latin-1) are
made in tmp_path by the tests themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from aksnews.inventory import manifests
from aksnews.inventory.manifests import SkipReason, read_documents, scan_paths
from aksnews.model.inventory import ApiUse, CollectResult, Evidence

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
DATA = Path(__file__).parent.parent / "data" / "manifests"


def scan(*paths: Path, **kwargs: int) -> CollectResult:
    return scan_paths(list(paths), cluster="prod", now=NOW, **kwargs)


def rows(
    uses: tuple[ApiUse, ...], root: Path
) -> list[tuple[str, str, str, str | None, str | None]]:
    prefix = f"{root}/"
    return [
        (u.api_version, u.kind, u.location.removeprefix(prefix), u.namespace, u.name) for u in uses
    ]


# Files first, then subdirectories, each in name order. The line is that of the apiVersion key.
FIXTURE_OBJECTS = [
    ("batch/v1beta1", "CronJob", "cronjob.yml:1", "reports", "nightly-report"),
    ("extensions/v1beta1", "Ingress", "ingress.yaml:2", "shop", "storefront"),
    ("v1", "ServiceAccount", "list.yaml:4", "shop", "storefront"),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", "list.yaml:9", "shop", "storefront-read"),
    ("policy/v1beta1", "PodDisruptionBudget", "policies.yaml:1", "shop", "storefront"),
    ("policy/v1beta1", "PodSecurityPolicy", "policies.yaml:13", None, "restricted"),
    ("v1", "Service", "service.json:2", "shop", "storefront"),
    ("v1", "ConfigMap", "kustomize/build.yaml:1", "search", "search-config-7h2k9fm4tc"),
    ("apps/v1", "Deployment", "kustomize/build.yaml:9", "search", "search"),
    ("networking.k8s.io/v1beta1", "Ingress", "kustomize/build.yaml:29", "search", "search"),
    (
        "v1",
        "ServiceAccount",
        "rendered/shop.yaml:3 (shop/templates/serviceaccount.yaml)",
        None,
        "shop",
    ),
    (
        "v1",
        "ConfigMap",
        "rendered/shop.yaml:9 (shop/templates/configmap.yaml)",
        None,
        "shop-alerts",
    ),
    (
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        "rendered/shop.yaml:18 (shop/templates/hpa.yaml)",
        None,
        "shop",
    ),
    (
        "v1",
        "Pod",
        "rendered/shop.yaml:31 (shop/templates/tests/test-connection.yaml)",
        None,
        "shop-test-connection",
    ),
]


def test_fixture_directory_by_value() -> None:
    result = scan(DATA)
    assert rows(result.api_uses, DATA) == FIXTURE_OBJECTS
    assert result.warnings == ()
    assert {u.evidence for u in result.api_uses} == {Evidence.MANIFEST}
    assert {u.cluster for u in result.api_uses} == {"prod"}
    assert {u.provenance.origin for u in result.api_uses if u.provenance} == {f"scan:{DATA}"}
    assert all(u.provenance and u.provenance.collected_at == NOW for u in result.api_uses)


@pytest.mark.parametrize("row", FIXTURE_OBJECTS, ids=[r[2] for r in FIXTURE_OBJECTS])
def test_each_fixture_line_holds_the_apiversion(row: tuple[str, str, str, str, str]) -> None:
    api_version, _, location, _, _ = row
    file, line = location.split(" ")[0].rsplit(":", 1)
    text = (DATA / file).read_text().splitlines()[int(line) - 1]
    assert "apiVersion" in text
    assert api_version in text


def test_fixture_counts_cover_every_visible_file() -> None:
    visible = [
        p
        for p in DATA.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(DATA).parts)
    ]
    objects_in = {loc.split(":")[0] for _, _, loc, _, _ in FIXTURE_OBJECTS}
    result = scan(DATA)
    assert result.read == len(objects_in)
    assert result.read + result.skipped == len(visible)
    not_read = [p for p in visible if p.suffix not in manifests.MANIFEST_SUFFIXES]
    templates = [p for p in visible if b"{{" in p.read_bytes() and "templates" in p.parts]
    assert result.extra == {
        SkipReason.NOT_MANIFEST_FILE.value: len(not_read),
        SkipReason.HELM_TEMPLATE.value: len(templates),
        # the rest: the CI workflow, Chart.yaml (no kind), kustomization.yaml (client side)
        SkipReason.NO_OBJECTS.value: (
            len(visible) - len(objects_in) - len(not_read) - len(templates)
        ),
    }


def test_hidden_directories_are_not_walked_but_named_ones_are_read() -> None:
    assert not any(".cache" in u.location for u in scan(DATA).api_uses)
    named = scan(DATA / ".cache" / "stale.yaml")
    assert [(u.api_version, u.kind) for u in named.api_uses] == [
        ("extensions/v1beta1", "DaemonSet")
    ]


def test_scan_is_deterministic() -> None:
    assert scan(DATA) == scan(DATA)


def test_files_named_explicitly_are_read_whatever_their_suffix(tmp_path: Path) -> None:
    rendered = tmp_path / "helm-template-output"
    rendered.write_bytes((DATA / "rendered" / "shop.yaml").read_bytes())
    result = scan(rendered, DATA / "README.md")
    assert [u.location for u in result.api_uses][0] == (
        f"{rendered}:3 (shop/templates/serviceaccount.yaml)"
    )
    assert result.read == 1
    assert result.skipped == 1  # the README: its code block is no manifest, and no warning
    assert result.warnings == ()


def _bomb(levels: int = 9, width: int = 9) -> bytes:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: lol", "data:"]
    lines.append('  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]')
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * width)
        lines.append(f"  a{i}: &a{i} [{refs}]")
    return ("\n".join(lines) + "\n").encode()


# name, content, reason the file gives no objects (None: it gives some), warning line or None
CASES: list[tuple[str, bytes, SkipReason | None, int | None]] = [
    (
        "invalid.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [1, 2\n  b: c\n",
        SkipReason.INVALID_YAML,
        7,
    ),
    (
        "latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\ndata:\n  k: caf\xe9\n",
        SkipReason.NOT_UTF8,
        4,
    ),
    ("blob.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRapiVersion kind", SkipReason.BINARY, None),
    ("bomb.yaml", _bomb(), SkipReason.EXCESSIVE_ALIASING, 1),
    (
        "self.yaml",
        b"apiVersion: v1\nkind: ConfigMap\ndata: &d\n  loop: *d\n",
        SkipReason.EXCESSIVE_ALIASING,
        1,
    ),
    (
        "quoted-template.yaml",
        b'apiVersion: v1\nkind: Service\nmetadata:\n  name: "{{ .Release.Name }}"\n',
        SkipReason.HELM_TEMPLATE,
        None,
    ),
    (
        "flow-template.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n",
        SkipReason.HELM_TEMPLATE,
        None,
    ),
    ("empty.yaml", b"", SkipReason.NO_OBJECTS, None),
    ("comments.yaml", b"# apiVersion: v1\n# kind: Pod\n", SkipReason.NO_OBJECTS, None),
    (
        "kubeconfig.yaml",
        b"apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n",
        SkipReason.NO_OBJECTS,
        None,
    ),
    ("scalar.yaml", b"--- apiVersion kind\n", SkipReason.NO_OBJECTS, None),
]


@pytest.mark.parametrize(("name", "content", "reason", "line"), CASES, ids=[c[0] for c in CASES])
def test_bad_files_are_skipped_with_a_warning_where_useful(
    tmp_path: Path, name: str, content: bytes, reason: SkipReason | None, line: int | None
) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "ok.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n")
    result = scan(tmp_path)
    assert [(u.kind, u.name) for u in result.api_uses] == [("Namespace", "ok")]
    assert result.read == 1
    assert result.extra == {reason.value: 1}
    if reason in {SkipReason.NO_OBJECTS, SkipReason.HELM_TEMPLATE}:
        assert result.warnings == ()
    else:
        [warning] = result.warnings
        assert (warning.source, warning.line) == (str(tmp_path / name), line)


def test_invalid_yaml_warning_says_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n")
    [warning] = scan(tmp_path).warnings
    assert warning.line == 4  # the tab
    assert warning.message == (
        "invalid YAML: while scanning for the next token: found character that cannot start "
        "any token"
    )


def test_yaml_bomb_is_refused_quickly_and_reading_it_expands_nothing() -> None:
    bomb = _bomb(levels=12, width=12)  # 12**12 strings once expanded: returning at all
    documents = read_documents(bomb)  # proves nothing was expanded
    assert documents.skipped is SkipReason.EXCESSIVE_ALIASING
    assert documents.message and "excessive aliasing" in documents.message


def test_small_anchors_are_fine(tmp_path: Path) -> None:
    text = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: &labels\n"
        "    app: web\nspec:\n  selector:\n    matchLabels: *labels\n"
        "  template:\n    metadata:\n      labels: *labels\n"
    )
    documents = read_documents(text.encode())
    assert [(o.api_version, o.kind, o.name, o.line) for o in documents.objects] == [
        ("apps/v1", "Deployment", "web", 1)
    ]


def test_json_array_and_custom_kind_ending_in_list() -> None:
    data = (
        b'[\n  {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a"}},\n'
        b'  {"apiVersion": "net.contoso.com/v1", "kind": "IPAllowList",\n'
        b'   "metadata": {"name": "office"}, "spec": {"cidrs": ["10.0.0.0/8"]}}\n]\n'
    )
    documents = read_documents(data)
    assert [(o.kind, o.name, o.line, o.document) for o in documents.objects] == [
        ("Secret", "a", 2, 1),
        ("IPAllowList", "office", 3, 1),
    ]


def test_json_with_escaped_surrogate_pairs_as_pythons_json_writes_them() -> None:
    # json.dumps escapes 😀 as a UTF-16 surrogate pair, which YAML alone rejects.
    objects = [
        {"apiVersion": "batch/v1beta1", "kind": "CronJob", "metadata": {"name": "a-😀"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}},
    ]
    data = json.dumps(objects, indent=1).encode()
    assert b"\\ud83d\\ude00" in data
    lines = data.decode().splitlines()
    where = {
        v: next(i for i, ln in enumerate(lines, 1) if f'"{v}"' in ln)
        for v in ("batch/v1beta1", "v1")
    }
    documents = read_documents(data)
    assert [(o.api_version, o.name, o.line) for o in documents.objects] == [
        ("batch/v1beta1", "a-😀", where["batch/v1beta1"]),
        ("v1", "b", where["v1"]),
    ]


def test_typed_list_from_kubectl_get() -> None:
    data = (
        b"apiVersion: v1\nkind: PodList\nmetadata:\n  resourceVersion: ''\nitems:\n"
        b"- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p\n    namespace: n\n"
    )
    documents = read_documents(data)
    assert [(o.kind, o.namespace, o.name, o.line) for o in documents.objects] == [
        ("Pod", "n", "p", 6)
    ]


def test_oversize_file_is_skipped_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(100 * 1024 * 1024)  # sparse: no disk used, and no read allowed

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"opened {args[0]}")

    monkeypatch.setattr(manifests, "open", refuse, raising=False)
    result = scan(tmp_path)
    assert result.extra == {SkipReason.TOO_LARGE.value: 1}
    [warning] = result.warnings
    assert warning.source == str(big)
    assert "104,857,600 bytes" in warning.message


def test_max_file_bytes_is_a_parameter(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text("apiVersion: v1\nkind: Service\n")
    assert scan(tmp_path, max_file_bytes=10).extra == {SkipReason.TOO_LARGE.value: 1}
    assert scan(tmp_path, max_file_bytes=30).read == 1


def test_directory_symlink_loop_is_reported_once(tmp_path: Path) -> None:
    inner = tmp_path / "apps" / "web"
    inner.mkdir(parents=True)
    (tmp_path / "apps" / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\n")
    (inner / "deploy.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\n")
    (inner / "up").symlink_to(tmp_path / "apps")  # a loop
    (tmp_path / "zz").symlink_to(inner)  # a second way to an ordinary directory
    result = scan(tmp_path)
    assert [u.location for u in result.api_uses] == [
        f"{tmp_path}/apps/ns.yaml:1",
        f"{inner}/deploy.yaml:1",
    ]
    [warning] = result.warnings
    assert warning.source == str(inner / "up")
    assert warning.message == f"directory loop back to {tmp_path / 'apps'}, not followed"


def test_symlink_loop_reached_through_another_symlink_is_still_named(tmp_path: Path) -> None:
    inner = tmp_path / "apps" / "web"
    inner.mkdir(parents=True)
    (inner / "deploy.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\n")
    (inner / "up").symlink_to(tmp_path / "apps")
    (tmp_path / "alias").symlink_to(inner)  # sorts first: the walk enters web through it
    result = scan(tmp_path)
    assert [u.location for u in result.api_uses] == [f"{tmp_path}/alias/deploy.yaml:1"]
    [warning] = result.warnings
    assert warning.source == str(tmp_path / "alias" / "up" / "web")
    assert warning.message == f"directory loop back to {inner}, not followed"


def test_symlinked_directory_is_followed(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "shared").symlink_to(real)
    assert [u.location for u in scan(repo).api_uses] == [f"{repo}/shared/cm.yaml:1"]


def test_fifo_and_missing_paths_do_not_block_or_crash(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    result = scan(tmp_path, tmp_path / "missing")
    assert result.api_uses == ()
    assert sorted((Path(w.source).name, w.message) for w in result.warnings) == [
        ("dangling.yaml", "No such file or directory"),
        ("missing", "No such file or directory"),
        ("pipe.yaml", "not a regular file"),
    ]
    assert result.extra == {SkipReason.UNREADABLE.value: 3}
