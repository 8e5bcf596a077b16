"""cgroup-v2-runtime: runtimes that misread container limits on cgroup v2 nodes.

A runtime that only knows cgroup v1 sizes its heap and thread pools from the node's memory and
CPUs instead of the container's limits; on a cgroup v2 node its memory use jumps and the pod is
OOM-killed (AKS CHANGELOG 2024-03-22: "Older versions of Java, .NET and NodeJS do not support
memory querying v2 memory constraints").

Which nodes use cgroup v2 (AKS CHANGELOG): Ubuntu 22.04 nodes, the default from Kubernetes 1.25
("Starting Kubernetes 1.25, the default cgroups implementation on AKS nodes will be
cgroupsv2"), and Azure Linux nodes from 1.29 ("Starting with Kubernetes 1.29, the default
cgroups implementation on Azure Linux AKS nodes is cgroupsv2").

The first versions that read cgroup v2 limits (Microsoft Learn, "Increased memory usage
reported in Kubernetes 1.25 or later", aks-increased-memory-usage-cgroup-v2, which the
CHANGELOG links):
- OpenJDK / HotSpot: jdk8u372, 11.0.16, 15 and later (JDK-8230305, backported);
- Node.js 20.3.0 and later (libuv 1.45.0 reads cgroup v2 memory limits);
- .NET 5.0 and later.
Go is left out on purpose: before Go 1.25 its runtime read no cgroup limits under either
version, so a move to v2 changes nothing for it, and a rule would only add noise.

Only official runtime images are recognised by name (the runtime inside an application image
cannot be seen); the rest are counted in a note. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from aksnews.match.nodes import pool_os
from aksnews.model.findings import ClusterScope, Finding, Rule, Severity, Unchecked, finding_key
from aksnews.model.inventory import NodePool
from aksnews.model.upgrade import UpgradeInputs
from aksnews.model.versions import KubeVersion, try_parse_kube_version

FAQ = (
    "https://learn.microsoft.com/troubleshoot/azure/azure-kubernetes/"
    "aks-increased-memory-usage-cgroup-v2"
)
_JAVA_REPOS = {
    "openjdk",
    "eclipse-temurin",
    "adoptopenjdk",
    "amazoncorretto",
    "zulu-openjdk",
    "ibm-semeru-runtimes",
    "jdk",  # mcr.microsoft.com/openjdk/jdk
    "java",  # the old Docker Hub `java` image
}
_ADOPT = re.compile(r"^adoptopenjdk/openjdk(\d+)$")
_NODE_REPOS = {"node"}
_DOTNET = re.compile(r"(?:^|/)dotnet/(?:core/)?(?:aspnet|runtime|runtime-deps|sdk)$")
_VERSION = re.compile(r"^(?:jdk-?|v)?(\d+)(?:u(\d+))?(?:\.(\d+))?(?:\.(\d+))?")
# Docker Hub images frozen at an old build, so a bare major tag means that build: `openjdk`
# stopped in 2022 at 8u342 and 11.0.16, `adoptopenjdk` in 2021 at 8u292 and 11.0.11, `java` in
# 2017 at 8u111 (their Docker Hub deprecation notices).
_FROZEN: dict[str, dict[int, tuple[int, ...]]] = {
    "openjdk": {8: (8, 342), 11: (11, 0, 16)},
    "adoptopenjdk": {8: (8, 292), 11: (11, 0, 11)},
    "java": {8: (8, 111)},
}


@dataclass(frozen=True, slots=True)
class Runtime:
    name: str  # 'Java 8u342', 'Node.js 18', '.NET 3.1'
    fixed_in: str


def _repo_and_tag(image: str) -> tuple[str, str] | None:
    ref = image.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon <= slash:
        return None  # no tag: 'latest', which is current
    return ref[:colon].lower(), ref[colon + 1 :]


def _java(repo: str, tag: str) -> Runtime | None:
    base = repo.rsplit("/", 1)[-1]
    adopt = _ADOPT.search(repo.removeprefix("docker.io/").removeprefix("library/"))
    m = _VERSION.match(tag)
    if adopt:
        # adoptopenjdk/openjdk8:jdk8u292-b10 carries the version in its tag, else the major.
        major = int(adopt.group(1))
        base = "adoptopenjdk"
        m = _VERSION.match(tag) if tag.startswith("jdk") else None
        if m is None:
            m = _VERSION.match(str(major))
    if base not in _JAVA_REPOS or m is None:
        return None
    major = int(m.group(1))
    update, minor, patch = m.group(2), m.group(3), m.group(4)
    if major >= 15:
        return None
    if major == 8:
        known = int(update) if update else None
        if known is None and m.group(3) is None:
            frozen = _FROZEN.get(base, {}).get(8)
            known = frozen[1] if frozen else None
        if known is None or known >= 372:
            return None
        return Runtime(f"Java 8u{known}", "8u372")
    if major == 11:
        if minor is not None and patch is not None:
            version = (11, int(minor), int(patch))
        else:
            frozen = _FROZEN.get(base, {}).get(11)
            if frozen is None:
                return None  # a maintained image's bare '11' is a current 11.0.x
            version = (11, frozen[1], frozen[2])
        if version >= (11, 0, 16):
            return None
        return Runtime(f"Java {'.'.join(map(str, version))}", "11.0.16")
    if major < 15 and major not in (8, 11):
        return Runtime(f"Java {major}", "11.0.16 or 17")  # 9, 10, 12-14 got no backport
    return None


def _node(repo: str, tag: str) -> Runtime | None:
    if repo.rsplit("/", 1)[-1] not in _NODE_REPOS:
        return None
    m = _VERSION.match(tag)
    if m is None:
        return None
    major = int(m.group(1))
    minor = int(m.group(3)) if m.group(3) else None
    if major > 20 or (major == 20 and (minor is None or minor >= 3)):
        return None
    shown = f"{major}.{minor}" if minor is not None else str(major)
    return Runtime(f"Node.js {shown}", "20.3.0")


def _dotnet(repo: str, tag: str) -> Runtime | None:
    if not _DOTNET.search(repo):
        return None
    m = _VERSION.match(tag)
    if m is None or int(m.group(1)) >= 5:
        return None
    return Runtime(f".NET {m.group(1)}.{m.group(3) or 0}", "5.0")


def runtime_of(image: str) -> Runtime | None:
    """The runtime of an official runtime image too old for cgroup v2, else None."""
    parts = _repo_and_tag(image)
    if parts is None:
        return None
    repo, tag = parts
    return _java(repo, tag) or _node(repo, tag) or _dotnet(repo, tag)


def is_runtime_image(image: str) -> bool:
    parts = _repo_and_tag(image)
    repo = parts[0] if parts else image.split("@", 1)[0].lower()
    base = repo.rsplit("/", 1)[-1]
    return base in _JAVA_REPOS | _NODE_REPOS or bool(_DOTNET.search(repo) or _ADOPT.search(repo))


def uses_cgroup_v2(pool: NodePool, version: KubeVersion | None) -> bool | None:
    """Whether the pool's nodes run cgroup v2; None when its OS cannot be told."""
    if (pool.os_type or "").lower() == "windows":
        return False
    family = pool_os(pool, version)
    if family is None:
        return None
    if family.startswith("Ubuntu"):
        return family not in ("Ubuntu 16.04", "Ubuntu 18.04", "Ubuntu 20.04")
    if family.startswith("Azure Linux"):
        own = try_parse_kube_version(pool.orchestrator_version or "") or version
        return own is not None and (own.major, own.minor) >= (1, 29)
    return False


def v2_pools(
    pools: Sequence[NodePool], version: KubeVersion | None, target: str | None
) -> list[tuple[NodePool, str]]:
    """Linux pools on cgroup v2 now, or after an upgrade to `target` (a minor): (pool, when)."""
    found: list[tuple[NodePool, str]] = []
    aim = try_parse_kube_version(f"{target}.0") if target else None
    for pool in pools:
        if uses_cgroup_v2(pool, version):
            found.append((pool, "now"))
        elif aim is not None and aim.minor_version != (version.minor_version if version else None):
            # After the upgrade AKS re-creates the nodes on the target's default image.
            moved = replace(pool, node_image_version=None, orchestrator_version=str(aim))
            if uses_cgroup_v2(moved, aim):
                found.append((pool, f"after the upgrade to {target}"))
    return found


def cgroup_v2_runtime(
    scope: ClusterScope, inputs: UpgradeInputs, target: str | None, notes: list[Unchecked]
) -> Iterator[Finding]:
    workloads = [w for w in inputs.workloads if w.cluster == scope.name]
    if not workloads:
        return
    if not scope.cluster.node_pools:
        notes.append(
            Unchecked(Rule.CGROUP_V2_RUNTIME, scope.name, "node pools unknown (import az aks show)")
        )
        return
    pools = v2_pools(scope.cluster.node_pools, scope.version, target)
    unknown_os = [
        p.name for p in scope.cluster.node_pools if uses_cgroup_v2(p, scope.version) is None
    ]
    if unknown_os:
        notes.append(
            Unchecked(
                Rule.CGROUP_V2_RUNTIME,
                scope.name,
                f"node OS of pool {', '.join(unknown_os)} unknown (import az aks show)",
            )
        )
    if not pools:
        return
    unknown = 0
    where = "; ".join(f"{p.name} {when}" for p, when in pools)
    for workload in workloads:
        for container in workload.containers:
            image = container.image or ""
            runtime = runtime_of(image)
            if runtime is None:
                unknown += 0 if is_runtime_image(image) else 1
                continue
            subject = f"{workload.label} {container.name}"
            yield Finding(
                key=finding_key(Rule.CGROUP_V2_RUNTIME, scope.name, None, subject),
                rule=Rule.CGROUP_V2_RUNTIME,
                severity=Severity.WARNING,
                cluster=scope.name,
                team=scope.team_for(workload.namespace),
                title=(
                    f"{runtime.name} in {workload.label} reads no cgroup v2 limits; "
                    f"pools on cgroup v2: {where}"
                ),
                why=(
                    f"Container {container.name} runs {image}. {runtime.name} predates cgroup v2 "
                    "support, so it sizes memory and CPUs from the node rather than the "
                    "container's limits: memory use jumps and the pod can be OOM-killed."
                ),
                action=(
                    f"Move {container.name} to {runtime.name.split(' ')[0]} {runtime.fixed_in} "
                    "or later (or set explicit heap/memory limits) before its pods run on "
                    "cgroup v2 nodes."
                ),
                subject=subject,
                object=image,
                locations=(workload.location,) if workload.location else (),
                links=(FAQ,),
            )
    if unknown:
        notes.append(
            Unchecked(
                Rule.CGROUP_V2_RUNTIME,
                scope.name,
                f"the runtime of {unknown} container images is not known by name "
                "(only official Java, Node.js and .NET images are read)",
            )
        )
