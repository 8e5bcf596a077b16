"""Collect what a live cluster runs, through its kubeconfig and the Kubernetes API.

Observed: the server version, the node pools (from node labels) and the apiVersions clients
really use. The API server converts every object to the version a client asks for, so a listed
object's own apiVersion proves nothing; the evidence is what clients left behind instead:
kubectl's last-applied-configuration annotation, the apiVersion of each managedFields entry, and
the apiserver_requested_deprecated_apis metric (an API requested since the server started).

Objects are listed as metadata only (PartialObjectMetadataList, as client-go's metadata client
does): annotations and managedFields are all we read, and specs can be large. Everything is
bounded: a timeout per request, a page size and a page count per collection, a size cap per
answer and a time budget for the whole run. Problems become CollectorWarning values; a server
that cannot be reached, or rejects the credentials, yields no data and `read == 0`.
"""

from __future__ import annotations

import json
import logging
import re
import ssl
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from aksnews import __version__
from aksnews.inventory.kubeconfig import TOKEN_ENV, ClusterAccess, load_kubeconfig, ssl_context
from aksnews.inventory.node_pools import node_pools
from aksnews.inventory.workloads import combine, read_objects
from aksnews.model.inventory import (
    ApiUse,
    Cluster,
    CollectorWarning,
    CollectResult,
    Evidence,
    Provenance,
)
from aksnews.model.upgrade import UpgradeInputs

__all__ = [
    "DEFAULT_RESOURCES",
    "ClusterAccess",
    "DeprecatedApiRequest",
    "ResourceRef",
    "collect_cluster",
    "deprecated_api_requests",
    "load_kubeconfig",
    "node_pools",
]

_log = logging.getLogger(__name__)

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
DEPRECATED_API_METRIC = "apiserver_requested_deprecated_apis"

_JSON = "application/json"
# client-go's metadata client asks for this first and takes a full list from older servers.
_METADATA_LIST = (
    "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,"
    "application/json;as=PartialObjectMetadataList;v=v1beta1;g=meta.k8s.io,application/json"
)
_METRICS_TEXT = "text/plain;version=0.0.4"

_METRIC_LINE = re.compile(
    DEPRECATED_API_METRIC
    + r'\{(?P<labels>(?:[^"}]|"(?:[^"\\]|\\.)*")*)\}\s+(?P<value>\S+)(?:\s+-?\d+)?\s*$'
)
_METRIC_LABEL = re.compile(r'(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"')
_BODY_RESOURCES = frozenset({"deployments", "statefulsets", "poddisruptionbudgets"})
_API_VERSION = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9.-]*/)?[A-Za-z0-9]+$")


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """A collection to list; `versions` are all those upstream ever served it at."""

    group: str  # '' for the core group
    resource: str
    kind: str
    versions: tuple[str, ...]


def _refs(group: str, versions: str, *pairs: tuple[str, str]) -> tuple[ResourceRef, ...]:
    return tuple(ResourceRef(group, res, kind, tuple(versions.split())) for res, kind in pairs)


# Workload, network, policy and cluster-setup kinds that had versions removed upstream. Left out:
# the core group (only ever v1, so its objects cannot show an old apiVersion; pass `resources=`
# to list services or configmaps anyway), Jobs (mostly created by CronJobs, so their evidence is
# the controller's) and Secrets (never read).
DEFAULT_RESOURCES: tuple[ResourceRef, ...] = (
    *_refs("apps", "v1 v1beta2 v1beta1", ("deployments", "Deployment"),
           ("statefulsets", "StatefulSet"), ("daemonsets", "DaemonSet")),
    *_refs("batch", "v1 v1beta1 v2alpha1", ("cronjobs", "CronJob")),
    *_refs("networking.k8s.io", "v1 v1beta1", ("ingresses", "Ingress"),
           ("ingressclasses", "IngressClass"), ("networkpolicies", "NetworkPolicy")),
    *_refs("policy", "v1 v1beta1", ("poddisruptionbudgets", "PodDisruptionBudget")),
    *_refs("policy", "v1beta1", ("podsecuritypolicies", "PodSecurityPolicy")),
    *_refs("autoscaling", "v2 v1 v2beta2 v2beta1",
           ("horizontalpodautoscalers", "HorizontalPodAutoscaler")),
    *_refs("rbac.authorization.k8s.io", "v1 v1beta1", ("roles", "Role"),
           ("rolebindings", "RoleBinding"), ("clusterroles", "ClusterRole"),
           ("clusterrolebindings", "ClusterRoleBinding")),
    *_refs("admissionregistration.k8s.io", "v1 v1beta1",
           ("mutatingwebhookconfigurations", "MutatingWebhookConfiguration"),
           ("validatingwebhookconfigurations", "ValidatingWebhookConfiguration")),
    *_refs("apiextensions.k8s.io", "v1 v1beta1",
           ("customresourcedefinitions", "CustomResourceDefinition")),
    *_refs("storage.k8s.io", "v1 v1beta1", ("storageclasses", "StorageClass"),
           ("csidrivers", "CSIDriver"), ("csistoragecapacities", "CSIStorageCapacity")),
    *_refs("scheduling.k8s.io", "v1 v1beta1", ("priorityclasses", "PriorityClass")),
    *_refs("node.k8s.io", "v1 v1beta1", ("runtimeclasses", "RuntimeClass")),
    *_refs("flowcontrol.apiserver.k8s.io", "v1 v1beta3 v1beta2 v1beta1",
           ("flowschemas", "FlowSchema"),
           ("prioritylevelconfigurations", "PriorityLevelConfiguration")),
)  # fmt: skip

# The metric names a resource, not a kind; these are the kinds of the usual suspects.
_KINDS: dict[str, str] = {
    **{r.resource: r.kind for r in DEFAULT_RESOURCES},
    "jobs": "Job",
    "events": "Event",
    "endpointslices": "EndpointSlice",
    "certificatesigningrequests": "CertificateSigningRequest",
    "leases": "Lease",
    "componentstatuses": "ComponentStatus",
    "replicasets": "ReplicaSet",
    "tokenreviews": "TokenReview",
    "subjectaccessreviews": "SubjectAccessReview",
    "volumeattachments": "VolumeAttachment",
    "validatingadmissionpolicies": "ValidatingAdmissionPolicy",
    "validatingadmissionpolicybindings": "ValidatingAdmissionPolicyBinding",
}


# --- pure piece: the deprecated-API metric -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeprecatedApiRequest:
    """One series of apiserver_requested_deprecated_apis."""

    group: str  # '' for the core group
    version: str
    resource: str
    removed_release: str  # '' when no removal is planned

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


def deprecated_api_requests(text: str) -> tuple[DeprecatedApiRequest, ...]:
    """The series of the metric with a non-zero value, in Prometheus text format, deduplicated
    (subresources collapse into their resource)."""
    seen: dict[DeprecatedApiRequest, None] = {}
    for line in text.splitlines():
        if not line.startswith(DEPRECATED_API_METRIC + "{"):
            continue
        m = _METRIC_LINE.match(line)
        if m is None:
            continue
        try:
            value = float(m.group("value"))
        except ValueError:
            continue
        labels = {
            k: v.replace('\\"', '"').replace("\\\\", "\\")
            for k, v in _METRIC_LABEL.findall(m.group("labels"))
        }
        if not value > 0 or not labels.get("version") or not labels.get("resource"):
            continue
        request = DeprecatedApiRequest(
            labels.get("group", ""),
            labels["version"],
            labels["resource"],
            labels.get("removed_release", ""),
        )
        seen.setdefault(request, None)
    return tuple(seen)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# --- talking to the API server --------------------------------------------------------------------


class _Abort(Exception):
    """Nothing more can be read: the server is gone, too slow, or rejects the credentials."""


class _HttpStatus(Exception):
    """One request failed with an HTTP status (or an unusable body); others may still work."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Api:
    """GET requests to one API server, each bounded in time and size."""

    def __init__(
        self, client: httpx.Client, access: ClusterAccess, timeout: float, budget: float
    ) -> None:
        self.client = client
        self.server = access.server
        self.timeout = timeout
        self.deadline = time.monotonic() + budget
        self.budget = budget
        self.requests = 0
        self.headers = {"User-Agent": f"aksnews/{__version__}"}
        if access.token:
            self.headers["Authorization"] = f"Bearer {access.token}"

    def get(self, path: str, params: Mapping[str, str] | None = None, accept: str = _JSON) -> bytes:
        if time.monotonic() > self.deadline:
            raise _Abort(f"stopped after the time budget of {self.budget:g} s")
        self.requests += 1
        _log.debug("GET %s%s %s", self.server, path, params or "")
        try:
            with self.client.stream(
                "GET",
                self.server + path,
                params=params,
                headers={**self.headers, "Accept": accept},
                timeout=self.timeout,
            ) as response:
                body = self._read(response, _MAX_ANSWER_BYTES)
        except httpx.TimeoutException as exc:
            raise _Abort(f"no answer from {self.server} within {self.timeout:g} s") from exc
        except httpx.TransportError as exc:
            raise _Abort(f"cannot reach the API server {self.server}: {_reason(exc)}") from exc
        status = response.status_code
        if status == 401:
            raise _Abort(f"{self.server} rejected the credentials (401 Unauthorized); {_HINT}")
        if status != 200:
            reason = httpx.codes.get_reason_phrase(status)
            raise _HttpStatus(status, f"{path}: {status} {reason}{_detail(body)}")
        return body

    def get_json(
        self, path: str, params: Mapping[str, str] | None = None, accept: str = _JSON
    ) -> Mapping[str, Any]:
        body = self.get(path, params, accept)
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise _HttpStatus(200, f"{path}: the answer is not a JSON object")
        return doc

    def _read(self, response: httpx.Response, limit: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _HttpStatus(200, f"{response.url.path}: answer larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


_MAX_ANSWER_BYTES = 64 * 1024 * 1024
_HINT = f"the token may have expired (set {TOKEN_ENV} or refresh the kubeconfig)"


def _reason(exc: httpx.TransportError) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted: {cause.verify_message or cause}"
        if isinstance(cause, ssl.SSLError):
            return f"TLS handshake failed: {cause.reason or cause}"
        cause = cause.__cause__ or cause.__context__
    return str(exc) or type(exc).__name__


def _detail(body: bytes) -> str:
    """The message of a Kubernetes Status answer, short enough for one line."""
    try:
        status = json.loads(body[:65536])
    except ValueError:
        return ""
    message = status.get("message") if isinstance(status, dict) else None
    return f": {message[:200]}" if isinstance(message, str) and message else ""


# --- the collector ------------------------------------------------------------------------------


def collect_cluster(
    access: ClusterAccess,
    *,
    cluster_name: str | None,
    now: datetime,
    client: httpx.Client | None = None,
    timeout: float = 10.0,
    resources: Sequence[ResourceRef] = DEFAULT_RESOURCES,
    page_size: int = 500,
    max_pages: int = 20,
    budget: float = 300.0,
) -> CollectResult:
    """Read version, node pools and API use of one cluster. Never raises for server trouble.

    `cluster_name` names the Cluster (default: the context name). `timeout` bounds each request,
    `max_pages` of `page_size` objects each collection, `budget` the whole run in seconds.
    """
    name = cluster_name or access.context
    source = f"cluster {name}" + (f" (context {access.context})" if name != access.context else "")
    provenance = Provenance(origin=f"cluster:{access.context}", collected_at=now)
    own = client is None
    if client is None:
        try:
            verify: ssl.SSLContext | bool = (
                ssl_context(access) if access.server.startswith("https://") else True
            )
        except (ssl.SSLError, OSError) as exc:
            message = f"cannot use the TLS settings of the kubeconfig: {exc}"
            return CollectResult(warnings=(CollectorWarning(source, message),), skipped=1)
        client = httpx.Client(verify=verify, follow_redirects=False)
    try:
        api = _Api(client, access, timeout, budget)
        return _Run(api, name, source, provenance, page_size, max_pages).collect(resources)
    finally:
        if own:
            client.close()


class _Run:
    """The state of one collection: what was read, skipped and warned about so far."""

    def __init__(
        self,
        api: _Api,
        name: str,
        source: str,
        provenance: Provenance,
        page_size: int,
        max_pages: int,
    ) -> None:
        self.api, self.name, self.source, self.provenance = api, name, source, provenance
        self.page_size, self.max_pages = page_size, max_pages
        self.warnings: list[CollectorWarning] = []
        self.uses: list[ApiUse] = []
        # Read into values at once: whole specs of thousands of objects are not kept.
        self.upgrade: list[UpgradeInputs] = []
        self.read = self.skipped = self.objects = 0

    def collect(self, resources: Sequence[ResourceRef]) -> CollectResult:
        clusters: tuple[Cluster, ...] = ()
        nodes: list[Mapping[str, Any]] = []
        try:
            git_version = _text(self.api.get_json("/version").get("gitVersion"))
            self.read += 1
            nodes = self._nodes()
            self._metrics()
            self._objects(resources)
            if any(r.resource in _BODY_RESOURCES for r in resources):
                self._services()
        except _HttpStatus as exc:  # only /version gets here: the others are caught per source
            self._warn(f"cannot read the server version: {exc}")
            self.skipped += 1
        except _Abort as exc:
            self._warn(str(exc))
            self.skipped += 1
        if self.read:
            pools, notes = node_pools(nodes, self.provenance)
            for note in notes:
                self._warn(note)
            version = git_version.removeprefix("v") if git_version else None
            clusters = (
                Cluster(
                    self.name,
                    kubernetes_version=version,
                    node_pools=pools,
                    provenance=self.provenance,
                ),
            )
        uses = sorted(set(self.uses), key=lambda u: (u.api_version, u.kind, u.evidence, u.location))
        return CollectResult(
            upgrade=combine(self.upgrade),
            clusters=clusters,
            api_uses=tuple(uses),
            warnings=tuple(self.warnings),
            read=self.read,
            skipped=self.skipped,
            extra={"nodes": len(nodes), "objects": self.objects, "requests": self.api.requests},
        )

    def _warn(self, message: str) -> None:
        self.warnings.append(CollectorWarning(self.source, message))

    def _nodes(self) -> list[Mapping[str, Any]]:
        nodes: list[Mapping[str, Any]] = []
        try:
            nodes.extend(self._list("/api/v1/nodes", _JSON))
            self.read += 1
        except _HttpStatus as exc:
            self._warn(f"cannot list nodes, node pools unknown: {exc}")
            self.skipped += 1
        return nodes

    def _metrics(self) -> None:
        try:
            text = self.api.get("/metrics", accept=_METRICS_TEXT).decode("utf-8", "replace")
        except _HttpStatus as exc:
            self._warn(f"cannot read the metrics, requested deprecated APIs unknown: {exc}")
            self.skipped += 1
            return
        self.read += 1
        for request in deprecated_api_requests(text):
            self.uses.append(
                ApiUse(
                    cluster=self.name,
                    api_version=request.api_version,
                    kind=_KINDS.get(request.resource, request.resource),
                    evidence=Evidence.APISERVER_METRIC,
                    location=f"metric {DEPRECATED_API_METRIC}",
                    provenance=self.provenance,
                )
            )

    def _body(self, item: Mapping[str, Any], where: str) -> None:
        self.upgrade.append(
            read_objects([(item, where)], cluster=self.name, provenance=self.provenance)
        )

    def _services(self) -> None:
        """Services, to tell a workload that takes traffic from one that does not."""
        try:
            for item in self._list("/api/v1/services", _JSON):
                self._body({"kind": "Service", **item}, _where("services", item))
            self.read += 1
        except _HttpStatus as exc:
            self._warn(f"cannot list services, workloads behind one unknown: {exc}")
            self.skipped += 1

    def _served(self, resources: Sequence[ResourceRef]) -> dict[str, list[str]]:
        """Group -> served versions, preferred first, from discovery."""
        served: dict[str, list[str]] = {}
        if any(r.group == "" for r in resources):
            core = self.api.get_json("/api").get("versions")
            served[""] = [v for v in core if isinstance(v, str)] if isinstance(core, list) else []
        groups = self.api.get_json("/apis").get("groups")
        for group in groups if isinstance(groups, list) else []:
            group = _mapping(group)
            versions = [_mapping(v).get("version") for v in group.get("versions") or []]
            preferred = _mapping(group.get("preferredVersion")).get("version")
            ordered = [preferred] + [v for v in versions if v != preferred]
            if isinstance(group.get("name"), str):
                served[group["name"]] = [v for v in ordered if isinstance(v, str)]
        return served

    def _objects(self, resources: Sequence[ResourceRef]) -> None:
        try:
            served = self._served(resources)
        except _HttpStatus as exc:
            self._warn(f"cannot read API discovery, objects not listed: {exc}")
            self.skipped += 1
            return
        for ref in resources:
            candidates = [v for v in served.get(ref.group, []) if v in ref.versions]
            for i, version in enumerate(candidates):
                prefix = f"/apis/{ref.group}/{version}" if ref.group else f"/api/{version}"
                # The upgrade rules read the specs of these; the rest is listed as metadata.
                full = ref.resource in _BODY_RESOURCES
                try:
                    for item in self._list(
                        f"{prefix}/{ref.resource}", _JSON if full else _METADATA_LIST
                    ):
                        self.objects += 1
                        self._object_uses(ref, item)
                        if full:
                            body = {"kind": ref.kind, **item}  # list items carry no kind
                            self._body(body, _where(ref.resource, item))
                    self.read += 1
                    break
                except _HttpStatus as exc:
                    if exc.status == 404 and i + 1 < len(candidates):
                        continue  # try the group's next served version
                    self._warn(f"cannot list {ref.resource}: {exc}")
                    self.skipped += 1
                    break

    def _list(self, path: str, accept: str) -> Iterator[Mapping[str, Any]]:
        token = ""
        for _ in range(self.max_pages):
            params = {"limit": str(self.page_size)}
            if token:
                params["continue"] = token
            page = self.api.get_json(path, params, accept)
            items = page.get("items")
            if not isinstance(items, list):
                raise _HttpStatus(200, f"{path}: the answer is not a list")
            yield from (item for item in items if isinstance(item, dict))
            token = _text(_mapping(page.get("metadata")).get("continue")) or ""
            if not token:
                return
        self._warn(f"{path}: stopped after {self.max_pages} pages of {self.page_size}")

    def _object_uses(self, ref: ResourceRef, item: Mapping[str, Any]) -> None:
        meta = _mapping(item.get("metadata"))
        namespace, name = _text(meta.get("namespace")), _text(meta.get("name")) or "?"
        location = f"{ref.resource} {namespace}/{name}" if namespace else f"{ref.resource} {name}"

        def use(api_version: str, kind: str, evidence: Evidence) -> None:
            self.uses.append(
                ApiUse(
                    self.name,
                    api_version,
                    kind,
                    evidence,
                    location,
                    namespace,
                    name,
                    self.provenance,
                )
            )

        applied = _mapping(meta.get("annotations")).get(LAST_APPLIED)
        if isinstance(applied, str):
            found = _last_applied(applied)
            if found is None:
                self._warn(f"{location}: {LAST_APPLIED} has no readable apiVersion")
            else:
                use(found[0], found[1] or ref.kind, Evidence.LAST_APPLIED)
        fields = meta.get("managedFields")
        for entry in fields if isinstance(fields, list) else []:
            api_version = _mapping(entry).get("apiVersion")
            if isinstance(api_version, str) and _API_VERSION.match(api_version):
                use(api_version, ref.kind, Evidence.MANAGED_FIELDS)


def _where(resource: str, item: Mapping[str, Any]) -> str:
    meta = _mapping(item.get("metadata"))
    namespace, name = _text(meta.get("namespace")), _text(meta.get("name")) or "?"
    return f"{resource} {namespace}/{name}" if namespace else f"{resource} {name}"


def _last_applied(text: str) -> tuple[str, str | None] | None:
    """(apiVersion, kind) of kubectl's saved configuration, None when it cannot be read."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(api_version, str) or not _API_VERSION.match(api_version):
        return None
    return api_version, kind if isinstance(kind, str) and kind else None
