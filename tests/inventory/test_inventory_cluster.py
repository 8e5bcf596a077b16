"""The live-cluster collector against a local server answering like an AKS API server.

The answers are recorded-style fixtures in tests/data/apiserver: a 1.29.4 server with two Ubuntu
nodes and one Windows Server 2019 node, discovery trimmed to the groups that matter, /metrics
with apiserver_requested_deprecated_apis, and object lists (one paginated) whose last-applied
annotations and managedFields name older apiVersions than the objects are served in.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aksnews.inventory.cluster import (
    DEFAULT_RESOURCES,
    ClusterAccess,
    DeprecatedApiRequest,
    ResourceRef,
    collect_cluster,
    deprecated_api_requests,
    load_kubeconfig,
    node_pools,
)
from aksnews.inventory.kubeconfig import TOKEN_ENV
from aksnews.match.workloads import blocking_reason
from aksnews.model.inventory import CollectResult, Evidence, NodePool, Provenance

DATA = Path(__file__).parent.parent / "data" / "apiserver"
TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImludmVudG9yeSJ9.c2VydmljZWFjY291bnQ.c2lnbmF0dXJl"
NOW = datetime(2024, 5, 20, 9, 30, tzinfo=UTC)
CONTEXT = "aks-prod-east"
FORBIDDEN = "/apis/apps/v1/statefulsets"
LAST = "kubectl.kubernetes.io/last-applied-configuration"


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def status(code: int, reason: str, message: str) -> Response:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}
    body |= {"message": message, "reason": reason, "code": code}
    return Response(json.dumps(body), status=code, content_type="application/json")


class FakeApiServer:
    """Routes like kube-apiserver: fixtures for what was recorded, empty lists for the rest."""

    def __init__(self) -> None:
        self.overrides: dict[str, Callable[[Request], Response]] = {}
        self.requests: list[Request] = []
        self.apis = fixture("apis.json")
        self.page_token = fixture("deployments-1.json")["metadata"]["continue"]

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return status(401, "Unauthorized", "Unauthorized")
        if request.path in self.overrides:
            return self.overrides[request.path](request)
        if request.path == FORBIDDEN:
            return status(
                403,
                "Forbidden",
                'statefulsets.apps is forbidden: User "inventory-reader" cannot list resource '
                '"statefulsets" in API group "apps" at the cluster scope',
            )
        if request.path == "/metrics":
            text = (DATA / "metrics.txt").read_text(encoding="utf-8")
            return Response(text, content_type="text/plain; version=0.0.4; charset=utf-8")
        if request.path == "/apis/apps/v1/deployments":
            token = request.args.get("continue")
            page = "deployments-1.json" if token is None else "deployments-2.json"
            if token not in (None, self.page_token):
                return status(410, "Expired", "The provided continue parameter is too old")
            return self.json(fixture(page))
        if request.path == "/apis":
            return self.json(self.apis)
        name = {"/version": "version", "/api": "api", "/api/v1/nodes": "nodes"}.get(request.path)
        name = name or request.path.rsplit("/", 1)[-1]
        if (DATA / f"{name}.json").exists():
            return self.json(fixture(f"{name}.json"))
        if self.served(request.path):
            items: list[object] = []
            return self.json({"kind": "PartialObjectMetadataList", "metadata": {}, "items": items})
        return status(404, "NotFound", "the server could not find the requested resource")

    def served(self, path: str) -> bool:
        m = re.fullmatch(r"/apis/([^/]+)/([^/]+)/([^/]+)", path)
        if not m:
            return False
        group, version, resource = m.groups()
        versions = {
            v["version"] for g in self.apis["groups"] if g["name"] == group for v in g["versions"]
        }
        return version in versions and any(
            r.group == group and r.resource == resource for r in DEFAULT_RESOURCES
        )

    @staticmethod
    def json(doc: object) -> Response:
        return Response(json.dumps(doc), content_type="application/json")


@pytest.fixture
def apiserver(httpserver: HTTPServer) -> FakeApiServer:
    fake = FakeApiServer()
    httpserver.expect_request(re.compile(r"^/.*")).respond_with_handler(fake)
    return fake


def write_kubeconfig(directory: Path, server: str, user: dict[str, Any], **cluster: Any) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {"server": server, **cluster}}],
        "contexts": [
            {"name": CONTEXT, "context": {"cluster": CONTEXT, "user": "clusterUser_rg-prod_east"}},
            {
                "name": "aks-dev",
                "context": {"cluster": CONTEXT, "user": "clusterUser_rg-prod_east"},
            },
        ],
        "current-context": CONTEXT,
        "users": [{"name": "clusterUser_rg-prod_east", "user": user}],
        "preferences": {},
    }
    path = directory / "config"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def collect(access: ClusterAccess, **kwargs: Any) -> CollectResult:
    return collect_cluster(access, cluster_name="prod-east", now=NOW, **kwargs)


@pytest.fixture
def access(httpserver: HTTPServer, tmp_path: Path) -> ClusterAccess:
    path = write_kubeconfig(tmp_path, httpserver.url_for("").rstrip("/"), {"token": TOKEN})
    return load_kubeconfig(path, None, environ={})


def expected_collections() -> list[ResourceRef]:
    """Default collections the fixture's discovery serves (psp is gone from policy/v1)."""
    served = {
        g["name"]: {v["version"] for v in g["versions"]} for g in fixture("apis.json")["groups"]
    }
    return [r for r in DEFAULT_RESOURCES if served.get(r.group, set()) & set(r.versions)]


# --- the whole collection -------------------------------------------------------------------------


def test_collects_version_pools_and_api_uses(
    apiserver: FakeApiServer, access: ClusterAccess
) -> None:
    result = collect(access)

    listed = expected_collections()
    assert "podsecuritypolicies" not in {r.resource for r in listed}
    # version, nodes and metrics, then every served collection but the forbidden one, then
    # services (for the rollout rule).
    assert result.read == 3 + len(listed) - 1 + 1
    assert result.skipped == 1
    assert [w.message for w in result.warnings] == [
        f"cannot list statefulsets: {FORBIDDEN}: 403 Forbidden: statefulsets.apps is forbidden: "
        'User "inventory-reader" cannot list resource "statefulsets" in API group "apps" at the '
        "cluster scope"
    ]
    assert {w.source for w in result.warnings} == {f"cluster prod-east (context {CONTEXT})"}

    (cluster,) = result.clusters
    assert cluster.name == "prod-east"
    assert cluster.kubernetes_version == fixture("version.json")["gitVersion"].removeprefix("v")
    assert cluster.provenance == Provenance(f"cluster:{CONTEXT}", NOW)
    prov = cluster.provenance
    assert cluster.node_pools == (
        NodePool("system", "System", "Linux", "Ubuntu", "1.29.4",
                 "AKSUbuntu-2204gen2containerd-202405.03.0", prov),
        NodePool("win19", "User", "Windows", "Windows2019", "1.29.4",
                 "AKSWindows-2019-containerd-17763.5820.240516", prov),
    )  # fmt: skip

    objects = sum(
        len(fixture(name)["items"])
        for name in (
            "deployments-1.json",
            "deployments-2.json",
            "ingresses.json",
            "poddisruptionbudgets.json",
        )
    )
    assert dict(result.extra) == {
        "nodes": 3,
        "objects": objects,
        "requests": len(apiserver.requests),
    }

    seen = {(u.api_version, u.kind, u.evidence, u.location) for u in result.api_uses}
    metric = "metric apiserver_requested_deprecated_apis"
    la, mf, am = Evidence.LAST_APPLIED, Evidence.MANAGED_FIELDS, Evidence.APISERVER_METRIC
    assert seen == {
        ("extensions/v1beta1", "Deployment", la, "deployments shop/checkout"),
        ("extensions/v1beta1", "Deployment", mf, "deployments shop/checkout"),
        ("apps/v1", "Deployment", mf, "deployments shop/checkout"),
        ("apps/v1", "Deployment", mf, "deployments payments/ledger"),
        ("apps/v1", "Deployment", la, "deployments kube-system/coredns"),
        ("apps/v1", "Deployment", mf, "deployments kube-system/coredns"),
        ("networking.k8s.io/v1beta1", "Ingress", la, "ingresses shop/storefront"),
        ("networking.k8s.io/v1beta1", "Ingress", mf, "ingresses shop/storefront"),
        ("networking.k8s.io/v1", "Ingress", mf, "ingresses shop/storefront"),
        ("policy/v1beta1", "PodDisruptionBudget", mf, "poddisruptionbudgets payments/ledger"),
        ("policy/v1", "PodDisruptionBudget", mf, "poddisruptionbudgets payments/ledger"),
        ("v1", "ComponentStatus", am, metric),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", am, metric),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration", am, metric),
    }
    # Deduplicated (two managedFields entries of checkout say extensions/v1beta1), and sorted.
    assert len(result.api_uses) == len(seen)
    assert list(result.api_uses) == sorted(
        result.api_uses, key=lambda u: (u.api_version, u.kind, u.evidence, u.location)
    )
    checkout = next(u for u in result.api_uses if u.location == "deployments shop/checkout")
    assert (checkout.cluster, checkout.namespace, checkout.name) == (
        "prod-east",
        "shop",
        "checkout",
    )
    assert checkout.provenance == prov


def test_collects_workloads_budgets_and_services(
    apiserver: FakeApiServer, access: ClusterAccess
) -> None:
    upgrade = collect(access).upgrade
    by_name = {w.name: w for w in upgrade.workloads}
    # The four Deployments of the two pages; StatefulSets are forbidden (a warning says so).
    assert sorted(by_name) == ["checkout", "coredns", "ledger", "report-runner"]
    checkout = by_name["checkout"]
    assert (checkout.kind, checkout.namespace, checkout.replicas) == ("Deployment", "shop", 3)
    assert checkout.pod_labels == (("app", "checkout"),)
    (container,) = checkout.containers
    assert container.image == "contoso.azurecr.io/checkout:2.14.1"
    assert (container.ports, container.readiness_probe, container.pre_stop) == (
        (8080,),
        False,
        False,
    )
    assert checkout.location == "deployments shop/checkout"
    (budget,) = upgrade.budgets
    assert (budget.namespace, budget.name, budget.min_available, budget.max_unavailable) == (
        "payments",
        "ledger",
        "2",
        None,
    )
    assert budget.selector is not None
    assert budget.selector.matches(dict(by_name["ledger"].pod_labels))
    # minAvailable 2 of ledger's 2 replicas: the live budget blocks every drain.
    assert blocking_reason(budget, by_name["ledger"].replicas) is not None
    assert {(s.namespace, s.name, s.selector) for s in upgrade.services} == {
        ("shop", "checkout", (("app", "checkout"),)),
        ("default", "kubernetes", ()),
    }


def test_an_objects_own_api_version_is_never_evidence(
    apiserver: FakeApiServer, access: ClusterAccess
) -> None:
    result = collect(access)
    by_object = {(u.location, u.api_version, u.evidence) for u in result.api_uses}
    # checkout is served as apps/v1, but was applied as extensions/v1beta1.
    assert ("deployments shop/checkout", "apps/v1", Evidence.LAST_APPLIED) not in by_object
    # report-runner has neither annotation nor managedFields: nothing is known about it.
    assert not any("report-runner" in u.location for u in result.api_uses)
    assert not any(u.api_version.startswith("meta.k8s.io") for u in result.api_uses)


def test_requests_are_authenticated_paginated_and_metadata_only(
    apiserver: FakeApiServer, access: ClusterAccess
) -> None:
    collect(access)
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in apiserver.requests)
    pages = [r for r in apiserver.requests if r.path == "/apis/apps/v1/deployments"]
    assert [r.args.get("continue") for r in pages] == [None, apiserver.page_token]
    assert {r.args["limit"] for r in pages} == {"500"}
    # Deployments, StatefulSets and PDBs come whole: the upgrade rules read their specs.
    assert all(r.headers["Accept"] == "application/json" for r in pages)
    ingresses = [r for r in apiserver.requests if r.path.endswith("/ingresses")]
    assert ingresses
    assert all("as=PartialObjectMetadataList" in r.headers["Accept"] for r in ingresses)
    listed = {r.path for r in apiserver.requests if r.path.startswith("/apis/")}
    assert "/apis/policy/v1/podsecuritypolicies" not in listed  # discovery says not served
    assert "/apis/autoscaling/v2/horizontalpodautoscalers" in listed  # the preferred version


def test_page_limit_stops_with_a_warning(apiserver: FakeApiServer, access: ClusterAccess) -> None:
    result = collect(access, max_pages=1)
    locations = {u.location for u in result.api_uses}
    assert "deployments shop/checkout" in locations
    assert "deployments kube-system/coredns" not in locations
    assert any("stopped after 1 pages of 500" in w.message for w in result.warnings)


def test_falls_back_to_an_older_served_version(
    apiserver: FakeApiServer, access: ClusterAccess
) -> None:
    # A 1.20 server: batch/v1 exists but serves no cronjobs yet, batch/v1beta1 does.
    apiserver.apis = {
        "kind": "APIGroupList",
        "groups": [
            {
                "name": "batch",
                "versions": [{"version": "v1"}, {"version": "v1beta1"}],
                "preferredVersion": {"version": "v1"},
            }
        ],
    }
    cronjob = {
        "metadata": {
            "name": "nightly",
            "namespace": "ops",
            "managedFields": [{"manager": "kubectl-create", "apiVersion": "batch/v1beta1"}],
        }
    }
    apiserver.overrides["/apis/batch/v1/cronjobs"] = lambda _: status(
        404, "NotFound", "the server could not find the requested resource"
    )
    apiserver.overrides["/apis/batch/v1beta1/cronjobs"] = lambda _: FakeApiServer.json(
        {"kind": "PartialObjectMetadataList", "metadata": {}, "items": [cronjob]}
    )
    cronjobs = [r for r in DEFAULT_RESOURCES if r.resource == "cronjobs"]
    result = collect(access, resources=cronjobs)
    assert [(u.api_version, u.location) for u in result.api_uses if u.kind == "CronJob"] == [
        ("batch/v1beta1", "cronjobs ops/nightly")
    ]
    assert result.warnings == ()


def test_forbidden_nodes_and_metrics_are_warnings(
    apiserver: FakeApiServer, access: ClusterAccess
) -> None:
    for path in ("/api/v1/nodes", "/metrics"):
        apiserver.overrides[path] = lambda _: status(403, "Forbidden", "forbidden")
    result = collect(access)
    (cluster,) = result.clusters
    assert cluster.kubernetes_version == "1.29.4"
    assert cluster.node_pools == ()
    assert result.skipped == 3  # nodes, metrics, statefulsets
    assert not any(u.evidence is Evidence.APISERVER_METRIC for u in result.api_uses)
    messages = " | ".join(w.message for w in result.warnings)
    assert "cannot list nodes, node pools unknown: /api/v1/nodes: 403" in messages
    assert "cannot read the metrics" in messages


def test_core_collections_use_the_core_discovery(
    apiserver: FakeApiServer, access: ClusterAccess
) -> None:
    service = {
        "metadata": {
            "name": "storefront",
            "namespace": "shop",
            "annotations": {LAST: json.dumps({"apiVersion": "v1", "kind": "Service"})},
        }
    }
    apiserver.overrides["/api/v1/services"] = lambda _: FakeApiServer.json(
        {"kind": "ServiceList", "metadata": {}, "items": [service]}
    )
    result = collect(access, resources=[ResourceRef("", "services", "Service", ("v1",))])
    assert [
        (u.api_version, u.kind, u.location) for u in result.api_uses if u.kind == "Service"
    ] == [("v1", "Service", "services shop/storefront")]
    assert "/api" in {r.path for r in apiserver.requests}


def test_unreadable_last_applied_is_a_warning(
    apiserver: FakeApiServer, access: ClusterAccess
) -> None:
    broken = {"metadata": {"name": "edge", "namespace": "shop", "annotations": {LAST: "{not json"}}}
    apiserver.overrides["/apis/networking.k8s.io/v1/ingresses"] = lambda _: FakeApiServer.json(
        {"kind": "PartialObjectMetadataList", "metadata": {}, "items": [broken]}
    )
    ingresses = [r for r in DEFAULT_RESOURCES if r.resource == "ingresses"]
    result = collect(access, resources=ingresses)
    assert [w.message for w in result.warnings] == [
        f"ingresses shop/edge: {LAST} has no readable apiVersion"
    ]


# --- servers that cannot be read ------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SilentServer:
    port: int
    accepted: list[socket.socket]
    hung_up: list[int]  # connections the client closed while the server stayed silent


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    """A server that accepts connections and never answers; it notes which ones the client
    closed, i.e. gave up on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.05)
        server = SilentServer(int(listener.getsockname()[1]), [], [])
        stop = threading.Event()

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    continue
                server.accepted.append(conn)
                number = len(server.accepted)
                conn.settimeout(30)

                def watch(conn: socket.socket = conn, number: int = number) -> None:
                    with contextlib.suppress(OSError):
                        while chunk := conn.recv(4096):  # the request, then nothing
                            del chunk
                        server.hung_up.append(number)

                threading.Thread(target=watch, daemon=True).start()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            stop.set()
            thread.join()
            for conn in server.accepted:
                conn.close()


def assert_nothing_read(result: CollectResult, *fragments: str) -> None:
    assert result.read == 0
    assert result.clusters == () and result.api_uses == ()
    (warning,) = result.warnings
    assert warning.source == f"cluster prod-east (context {CONTEXT})"
    for fragment in fragments:
        assert fragment in warning.message


def test_dead_server_is_a_warning(tmp_path: Path) -> None:
    server = f"https://127.0.0.1:{closed_port()}"
    access = load_kubeconfig(write_kubeconfig(tmp_path, server, {"token": TOKEN}), None, environ={})
    result = collect(access, timeout=0.5)
    assert_nothing_read(result, f"cannot reach the API server {server}")


def test_silent_server_times_out(tmp_path: Path, silent_server: SilentServer) -> None:
    """One request, given up after its timeout: the collector closes the connection while the
    server is still silent, and does not try again."""
    server = f"http://127.0.0.1:{silent_server.port}"
    access = load_kubeconfig(write_kubeconfig(tmp_path, server, {"token": TOKEN}), None, environ={})
    result = collect(access, timeout=0.3)
    assert_nothing_read(result, f"no answer from {server} within 0.3 s")
    deadline = time.monotonic() + 30
    while not silent_server.hung_up and time.monotonic() < deadline:
        time.sleep(0.01)  # the server's thread sees the close a moment after the client
    assert silent_server.hung_up == [1]
    assert len(silent_server.accepted) == 1


def test_rejected_token_is_a_warning(
    apiserver: FakeApiServer, httpserver: HTTPServer, tmp_path: Path
) -> None:
    path = write_kubeconfig(tmp_path, httpserver.url_for("/"), {"token": "expired"})
    result = collect(load_kubeconfig(path, None, environ={}))
    assert_nothing_read(result, "rejected the credentials (401 Unauthorized)", TOKEN_ENV)
    assert [r.path for r in apiserver.requests] == ["/version"]


def test_tls_to_a_plain_http_server_is_a_warning(
    apiserver: FakeApiServer, httpserver: HTTPServer, tmp_path: Path
) -> None:
    server = httpserver.url_for("/").replace("http://", "https://")
    access = load_kubeconfig(write_kubeconfig(tmp_path, server, {"token": TOKEN}), None, environ={})
    assert_nothing_read(collect(access, timeout=2), "TLS handshake failed")


def openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


@pytest.fixture
def mutual_tls(tmp_path: Path) -> dict[str, bytes]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    ca, ca_key = tmp_path / "ca.crt", tmp_path / "ca.key"
    openssl("req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "1", "-subj", "/CN=ca")
    (tmp_path / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n", encoding="utf-8")
    for name, subject in (("server", "/CN=127.0.0.1"), ("client", "/O=system:masters/CN=reader")):
        key, csr = tmp_path / f"{name}.key", tmp_path / f"{name}.csr"
        openssl("req", *ec, "-keyout", key, "-out", csr, "-subj", subject)
        san = ("-extfile", tmp_path / "san.cnf") if name == "server" else ()
        openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
                "-out", tmp_path / f"{name}.crt", "-days", "1", *san)  # fmt: skip
    return {p.name: p.read_bytes() for p in tmp_path.glob("*.*")}


def test_https_with_ca_data_and_client_certificate_data(
    mutual_tls: dict[str, bytes], tmp_path: Path
) -> None:
    files = tmp_path / "files"
    files.mkdir()
    for name, data in mutual_tls.items():
        (files / name).write_bytes(data)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=files / "ca.crt")
    context.load_cert_chain(files / "server.crt", files / "server.key")
    context.verify_mode = ssl.CERT_REQUIRED  # the API server authenticates the client cert
    server = HTTPServer(ssl_context=context)
    server.expect_request("/version").respond_with_json(fixture("version.json"))
    server.start()
    try:
        user = {
            "client-certificate-data": base64.b64encode(mutual_tls["client.crt"]).decode(),
            "client-key-data": base64.b64encode(mutual_tls["client.key"]).decode(),
        }
        ca = {"certificate-authority-data": base64.b64encode(mutual_tls["ca.crt"]).decode()}
        url = f"https://127.0.0.1:{server.port}"
        access = load_kubeconfig(write_kubeconfig(tmp_path, url, user, **ca), None, environ={})
        result = collect(access, timeout=2, resources=())
        assert result.clusters[0].kubernetes_version == "1.29.4"
        without_ca = load_kubeconfig(write_kubeconfig(tmp_path, url, user), None, environ={})
        assert_nothing_read(collect(without_ca, timeout=2), "TLS certificate not trusted")
    finally:
        server.clear()
        server.stop()


def test_unusable_ca_is_a_warning() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    access = ClusterAccess(CONTEXT, CONTEXT, "https://127.0.0.1:1", ca_data=pem, token=TOKEN)
    assert_nothing_read(collect(access), "cannot use the TLS settings of the kubeconfig")


# --- the pure pieces -----------------------------------------------------------------------------

M = "apiserver_requested_deprecated_apis"
PSP = 'group="policy",resource="podsecuritypolicies",version="v1beta1"'

METRIC_CASES = [
    # (line, expected request or None)
    (M + '{group="policy",version="v1beta1",resource="podsecuritypolicies",'
     'removed_release="1.25",subresource=""} 1',
     DeprecatedApiRequest("policy", "v1beta1", "podsecuritypolicies", "1.25")),
    (M + '{group="",removed_release="",resource="componentstatuses",subresource="",version="v1"} 1',
     DeprecatedApiRequest("", "v1", "componentstatuses", "")),
    (M + '{group="batch",removed_release="1.25",resource="cronjobs",subresource="",'
     'version="v1beta1"} 1 1715434212680',
     DeprecatedApiRequest("batch", "v1beta1", "cronjobs", "1.25")),
    (M + '{group="x.io",removed_release="",resource="a\\"b",version="v2beta1"} 1.0',
     DeprecatedApiRequest("x.io", "v2beta1", 'a"b', "")),
    (M + "{" + PSP + "} 0", None),
    (M + "{" + PSP + "} NaN", None),
    (M + '{group="policy",version="v1beta1"} 1', None),
    ("# TYPE apiserver_requested_deprecated_apis gauge", None),
    ("apiserver_request_total{" + PSP + "} 12", None),
    (M + '{group="policy" 1', None),
]  # fmt: skip


@pytest.mark.parametrize(("line", "expected"), METRIC_CASES)
def test_deprecated_api_metric_lines(line: str, expected: DeprecatedApiRequest | None) -> None:
    assert deprecated_api_requests(line) == (() if expected is None else (expected,))


def test_metric_fixture_keeps_one_series_per_resource() -> None:
    text = (DATA / "metrics.txt").read_text(encoding="utf-8")
    series = [
        ln for ln in text.splitlines() if ln.startswith("apiserver_requested_deprecated_apis{")
    ]
    found = deprecated_api_requests(text)
    # The flowschemas status subresource collapses into flowschemas.
    assert len(found) == len(series) - 1
    assert {r.api_version for r in found} == {"v1", "flowcontrol.apiserver.k8s.io/v1beta3"}


def test_mixed_pool_reports_the_oldest_and_says_so() -> None:
    nodes = copy.deepcopy(fixture("nodes.json")["items"])
    nodes[1]["metadata"]["labels"]["kubernetes.azure.com/node-image-version"] = (
        "AKSUbuntu-2204gen2containerd-202404.09.0"
    )
    nodes[0]["status"]["nodeInfo"]["kubeletVersion"] = "v1.28.9"
    pools, notes = node_pools(nodes, None)
    system = next(p for p in pools if p.name == "system")
    assert system.node_image_version == "AKSUbuntu-2204gen2containerd-202404.09.0"
    assert system.orchestrator_version == "1.28.9"
    assert notes == (
        "node pool system runs mixed node images: AKSUbuntu-2204gen2containerd-202404.09.0 (1), "
        "AKSUbuntu-2204gen2containerd-202405.03.0 (1); reporting the oldest",
        "node pool system runs mixed kubelet versions: 1.28.9 (1), 1.29.4 (1); "
        "reporting the oldest",
    )


def test_nodes_without_aks_labels_share_one_pool() -> None:
    node = {"metadata": {"name": "kind-control-plane", "labels": {"kubernetes.io/os": "linux"}}}
    pools, notes = node_pools([node], None)
    assert pools == (NodePool("(no pool label)", os_type="Linux"),)
    assert notes == ()
