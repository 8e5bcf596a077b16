"""Kubernetes manifests in files and directories: every object's apiVersion and kind, with line.

The reader never builds Python objects from YAML. libyaml composes each document into a node
graph (its C parser, with a resolver that tags every scalar as a string because only a handful of
keys are ever looked at), and the reader takes apiVersion, kind and metadata from the top-level
mapping, or from each item of a List. That takes well under half the time of `yaml.safe_load`,
gives line numbers for free, and cannot be blown up by aliases: an alias is a reference to a
node that already exists, and nothing here expands it. A document that *would* expand past a
limit is still refused, as kubectl refuses it ('excessive aliasing'), so the report does not
count an object the cluster could never have received.

`read_documents` is the shared reader (the Helm release collector scans release manifests with
it); `scan_paths` walks files and directories and turns what it reads into ApiUse values.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
import re
import stat
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from yaml._yaml import CParser  # libyaml's parser; yaml.cyaml only wraps it in the stock loaders
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aksnews.inventory.json_text import join_surrogate_pairs
from aksnews.inventory.workloads import BODY_KINDS, combine, read_objects
from aksnews.model.inventory import (
    ApiUse,
    CollectorWarning,
    CollectResult,
    Evidence,
    Provenance,
)
from aksnews.model.upgrade import UpgradeInputs

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
# In a directory only these are read; a file named on the command line is always read.
MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
# Files that tools read on the client and never send to the API server: a kustomization and a
# kubeconfig have apiVersion and kind, but no cluster serves them.
_CLIENT_SIDE_GROUPS = frozenset({"kustomize.config.k8s.io"})
_CLIENT_SIDE_KINDS = frozenset({("v1", "Config")})
# A document whose aliases expand to more nodes than this (and to many times its own size) is a
# YAML bomb; go-yaml, and so kubectl, rejects the same documents.
_MAX_EXPANDED_NODES = 1_000_000
_MAX_EXPANSION_RATIO = 10
_BINARY_PROBE = 8192
_MAX_BODY_DEPTH = 64  # a pod template is ~10 levels deep

# An anchor ('&name') and an alias ('*name') where a node may start; only a stream with both
# can expand, and only then is the whole node graph walked. '&&' and '**' are not candidates.
_ANCHOR = re.compile(rb"(?:^|[\s\[{,])&[^\s\[\]{},&]", re.MULTILINE)
_ALIAS = re.compile(rb"(?:^|[\s\[{,])\*[^\s\[\]{},*]", re.MULTILINE)
_SOURCE_COMMENT = re.compile(rb"^#\s*Source:\s*(\S[^\r\n]*?)\s*$", re.MULTILINE)
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class SkipReason(StrEnum):
    """Why a file (or a release manifest) gave no objects; counted in CollectResult.extra."""

    NOT_MANIFEST_FILE = "not-manifest-file"  # suffix not .yaml/.yml/.json, not read
    NO_OBJECTS = "no-kubernetes-objects"  # YAML, but no apiVersion + kind anywhere
    HELM_TEMPLATE = "helm-template"  # an unrendered chart template ('{{ ... }}')
    INVALID_YAML = "invalid-yaml"
    NOT_UTF8 = "not-utf8"
    BINARY = "binary"
    TOO_LARGE = "too-large"
    EXCESSIVE_ALIASING = "excessive-aliasing"
    UNREADABLE = "unreadable"  # permissions, broken symlink, not a regular file


# Reasons that deserve a warning: the file looked like a manifest but could not be read.
_WARN = frozenset(
    {
        SkipReason.INVALID_YAML,
        SkipReason.NOT_UTF8,
        SkipReason.BINARY,
        SkipReason.TOO_LARGE,
        SkipReason.EXCESSIVE_ALIASING,
        SkipReason.UNREADABLE,
    }
)


@dataclass(frozen=True, slots=True)
class ManifestObject:
    """One Kubernetes object in a YAML stream."""

    api_version: str
    kind: str
    namespace: str | None
    name: str | None
    line: int  # 1-based line of its apiVersion key
    document: int  # 1-based index of the YAML document in the stream
    source: str | None = None  # the '# Source: chart/templates/x.yaml' that helm template wrote
    # The whole object, scalars as text, for the kinds the upgrade rules read (BODY_KINDS).
    body: Mapping[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Documents:
    """What `read_documents` made of one stream: objects, or why there are none."""

    objects: tuple[ManifestObject, ...] = ()
    skipped: SkipReason | None = None
    message: str | None = None
    line: int | None = None


class _NodeReader(CParser):
    """libyaml's parser and composer with a resolver that does not look at scalars.

    The stock Resolver runs a dozen regexes per scalar to tell ints from bools; only strings are
    ever read here, so every scalar is a string.
    """

    def resolve(self, kind: type[Node], value: object, implicit: object) -> str:
        if kind is ScalarNode:
            return _STR
        return _SEQ if kind is SequenceNode else _MAP

    # The composer calls these around every node for path-based resolvers; there are none.
    def descend_resolver(self, parent: Node | None, index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


def read_documents(data: bytes) -> Documents:
    """Every Kubernetes object in a YAML (or JSON) stream; never raises on odd input."""
    if b"\0" in data[:_BINARY_PROBE]:
        return Documents(skipped=SkipReason.BINARY, message="binary file")
    # Cheap, and true of most files in a repository: without these words nothing can be found.
    if b"apiVersion" not in data or b"kind" not in data:
        return Documents(skipped=SkipReason.NO_OBJECTS)
    templated = b"{{" in data
    data = join_surrogate_pairs(data)
    try:
        roots = _compose(data)
    except yaml.YAMLError as exc:
        if templated:
            return Documents(skipped=SkipReason.HELM_TEMPLATE)
        return _invalid(data, exc)
    if templated and any(_has_template_keys(root) for root in roots):
        return Documents(skipped=SkipReason.HELM_TEMPLATE)
    if b"&" in data and b"*" in data and _ANCHOR.search(data) and _ALIAS.search(data):
        for root in roots:
            expanded, distinct = _expanded_size(root)
            if expanded > _MAX_EXPANDED_NODES and expanded > _MAX_EXPANSION_RATIO * distinct:
                return Documents(
                    skipped=SkipReason.EXCESSIVE_ALIASING,
                    message=f"excessive aliasing: expands to more than {_MAX_EXPANDED_NODES:,} "
                    "nodes (a YAML bomb?)",
                    line=_line(root),
                )
    objects = list(_objects(roots, _sources(data) if b"Source:" in data else ()))
    if templated and any(_is_template_text(o) for o in objects):
        return Documents(skipped=SkipReason.HELM_TEMPLATE)
    if not objects:
        return Documents(skipped=SkipReason.NO_OBJECTS)
    return Documents(objects=tuple(objects))


def _compose(data: bytes) -> list[Node]:
    reader = _NodeReader(data)
    try:
        roots: list[Node] = []
        while reader.check_node():
            node = reader.get_node()
            if node is not None:
                roots.append(node)
        return roots
    finally:
        reader.dispose()


def _invalid(data: bytes, exc: yaml.YAMLError) -> Documents:
    if isinstance(exc, yaml.reader.ReaderError):
        line = data.count(b"\n", 0, exc.position) + 1
        if "UTF-8" in exc.reason or "Unicode" in exc.reason:
            return Documents(skipped=SkipReason.NOT_UTF8, message="not UTF-8 text", line=line)
        return Documents(
            skipped=SkipReason.INVALID_YAML, message=f"invalid YAML: {exc.reason}", line=line
        )
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        detail = f"{exc.context}: {exc.problem}" if exc.context else exc.problem
        return Documents(
            skipped=SkipReason.INVALID_YAML,
            message=f"invalid YAML: {detail}",
            line=exc.problem_mark.line + 1,
        )
    return Documents(skipped=SkipReason.INVALID_YAML, message=f"invalid YAML: {exc}")


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _sources(data: bytes) -> list[tuple[int, str]]:
    """(0-based line, template path) of each '# Source:' comment, in order."""
    found: list[tuple[int, str]] = []
    line = 0
    last = 0
    for match in _SOURCE_COMMENT.finditer(data):
        line += data.count(b"\n", last, match.start())
        last = match.start()
        found.append((line, match.group(1).decode("utf-8", "replace")))
    return found


def _objects(roots: list[Node], sources: Sequence[tuple[int, str]]) -> Iterator[ManifestObject]:
    source_lines = [line for line, _ in sources]
    previous_start = -1
    for index, root in enumerate(roots, start=1):
        start = int(root.start_mark.line)
        # helm template writes '---', then '# Source: ...', then the object: the comment that
        # belongs to a document lies after the previous document began and before this one.
        at = bisect.bisect_left(source_lines, start) - 1
        source = sources[at][1] if at >= 0 and source_lines[at] > previous_start else None
        previous_start = start
        if isinstance(root, SequenceNode):  # a JSON array of objects
            for item in root.value:
                yield from _from_mapping(item, index, source, lists=True)
        else:
            yield from _from_mapping(root, index, source, lists=True)


def _from_mapping(
    node: Node, document: int, source: str | None, *, lists: bool
) -> Iterator[ManifestObject]:
    if not isinstance(node, MappingNode):
        return
    api_version = kind = None
    metadata = items = None
    api_line = _line(node)
    for key, value in node.value:
        if not isinstance(key, ScalarNode):
            continue
        if key.value == "apiVersion" and isinstance(value, ScalarNode):
            api_version = value.value
            api_line = _line(key)
        elif key.value == "kind" and isinstance(value, ScalarNode):
            kind = value.value
        elif key.value == "metadata":
            metadata = value
        elif key.value == "items":
            items = value
    if not api_version or not kind:
        return
    # kind: List (kubectl) and the typed FooList kinds carry their objects in items; a custom
    # resource whose kind merely ends in 'List' has no items sequence and is an object itself.
    if lists and kind.endswith("List") and isinstance(items, SequenceNode):
        for item in items.value:
            yield from _from_mapping(item, document, source, lists=False)
        return
    if api_version.split("/")[0] in _CLIENT_SIDE_GROUPS or (api_version, kind) in (
        _CLIENT_SIDE_KINDS
    ):
        return
    namespace = name = None
    if isinstance(metadata, MappingNode):
        for key, value in metadata.value:
            if isinstance(key, ScalarNode) and isinstance(value, ScalarNode):
                if key.value == "namespace":
                    namespace = value.value or None
                elif key.value == "name":
                    name = value.value or None
    body = _plain(node) if kind in BODY_KINDS else None
    yield ManifestObject(api_version, kind, namespace, name, api_line, document, source, body=body)


def _plain(node: Node, depth: int = 0) -> Any:
    """A node as mappings, lists and strings (only reached after the alias-bomb check)."""
    if depth > _MAX_BODY_DEPTH:
        return None
    if isinstance(node, MappingNode):
        return {
            key.value: _plain(value, depth + 1)
            for key, value in node.value
            if isinstance(key, ScalarNode)
        }
    if isinstance(node, SequenceNode):
        return [_plain(item, depth + 1) for item in node.value]
    return node.value if isinstance(node, ScalarNode) else None


def _is_template_text(obj: ManifestObject) -> bool:
    # Rendered output may hold '{{' in values (alerting rules, dashboards); never in these.
    fields = (obj.api_version, obj.kind, obj.namespace or "", obj.name or "")
    return any("{{" in value for value in fields)


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _has_template_keys(root: Node) -> bool:
    """True when a mapping has a mapping as a key: how YAML reads an unquoted '{{ .Values.x }}'."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode) and any(
            not isinstance(key, ScalarNode) for key, _ in node.value
        ):
            return True
        stack.extend(_children(node))
    return False


def _expanded_size(root: Node) -> tuple[int, int]:
    """(nodes after expanding every alias, capped; distinct nodes), in time linear in the latter.

    A recursive alias (a node that contains itself) expands without end.
    """
    cap = _MAX_EXPANDED_NODES + 1
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            sizes[key] = min(cap, 1 + sum(sizes[id(child)] for child in _children(node)))
        elif key in open_nodes:
            return cap, len(sizes) + len(open_nodes)
        elif key not in sizes:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    return sizes[id(root)], len(sizes)


# --- scanning files and directories ------------------------------------------------------------


_DirKey = tuple[int, int]  # (st_dev, st_ino): a file or directory whatever the path to it


@dataclass(slots=True)
class _Scan:
    """The mutable tally of one scan_paths call (never leaves this module)."""

    cluster: str
    now: dt.datetime
    max_file_bytes: int
    uses: list[ApiUse] = field(default_factory=list)
    upgrade: list[UpgradeInputs] = field(default_factory=list)
    warnings: list[CollectorWarning] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    read: int = 0
    seen_dirs: set[_DirKey] = field(default_factory=set)
    seen_files: set[_DirKey] = field(default_factory=set)

    def skip(self, path: Path, reason: SkipReason, message: str | None, line: int | None) -> None:
        self.skipped[reason.value] += 1
        if reason in _WARN:
            self.warnings.append(CollectorWarning(str(path), message or reason.value, line))


def scan_paths(
    paths: Sequence[Path],
    *,
    cluster: str,
    now: dt.datetime,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> CollectResult:
    """Every apiVersion/kind in the manifests under `paths`, as Evidence.MANIFEST uses.

    Directories are walked in name order, following symlinks to directories (each directory is
    scanned once; a symlink back to an ancestor is reported as a loop) and skipping hidden ones
    such as .git. In a directory only .yaml, .yml and .json files are read.
    """
    scan = _Scan(cluster, now, max_file_bytes)
    for root in paths:
        provenance = Provenance(f"scan:{root}", now)
        try:
            info = os.stat(root)
        except OSError as exc:
            scan.skip(root, SkipReason.UNREADABLE, exc.strerror or str(exc), None)
            continue
        if stat.S_ISDIR(info.st_mode):
            _walk(scan, root, info, provenance)
        else:
            _scan_file(scan, root, provenance, explicit=True)
    return CollectResult(
        api_uses=tuple(scan.uses),
        warnings=tuple(scan.warnings),
        read=scan.read,
        skipped=sum(scan.skipped.values()),
        extra=dict(sorted(scan.skipped.items())),
        upgrade=combine(scan.upgrade),
    )


def _walk(scan: _Scan, top: Path, info: os.stat_result, provenance: Provenance) -> None:
    """Depth first in name order: a directory's files, then its subdirectories.

    A directory is entered once, by the first path to it in that order. One that would be
    entered again from inside itself (a symlink to an ancestor) is a loop, reported where it
    is met, as find(1) does; another path to a directory already scanned is skipped silently.
    """
    top_key = (info.st_dev, info.st_ino)
    stack: list[tuple[Path, _DirKey, frozenset[_DirKey]]] = [(top, top_key, frozenset({top_key}))]
    while stack:
        directory, key, ancestors = stack.pop()
        if key in scan.seen_dirs:
            continue
        scan.seen_dirs.add(key)
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            scan.skip(directory, SkipReason.UNREADABLE, exc.strerror or str(exc), None)
            continue
        subdirs: list[tuple[Path, _DirKey, frozenset[_DirKey]]] = []
        for entry in entries:
            path = directory / entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if not is_dir:
                if Path(entry.name).suffix.lower() in MANIFEST_SUFFIXES:
                    _scan_file(scan, path, provenance, explicit=False)
                else:
                    scan.skipped[SkipReason.NOT_MANIFEST_FILE.value] += 1
                continue
            if entry.name.startswith("."):
                continue
            try:
                st = entry.stat()
            except OSError as exc:
                scan.skip(path, SkipReason.UNREADABLE, exc.strerror or str(exc), None)
                continue
            sub = (st.st_dev, st.st_ino)
            if sub in ancestors:
                message = f"directory loop back to {os.path.realpath(path)}, not followed"
                scan.warnings.append(CollectorWarning(str(path), message))
            elif sub not in scan.seen_dirs:
                subdirs.append((path, sub, ancestors | {sub}))
        stack.extend(reversed(subdirs))  # LIFO: the first name comes off first


def _scan_file(scan: _Scan, path: Path, provenance: Provenance, *, explicit: bool) -> None:
    data = _read(scan, path)
    if data is None:
        return
    documents = read_documents(data)
    if documents.skipped is not None:
        if documents.skipped is SkipReason.INVALID_YAML and (
            explicit and path.suffix.lower() not in MANIFEST_SUFFIXES
        ):
            # A README or a script named on the command line: not YAML, nothing to warn about.
            scan.skipped[SkipReason.NO_OBJECTS.value] += 1
            return
        scan.skip(path, documents.skipped, documents.message, documents.line)
        return
    scan.read += 1
    where = str(path)
    bodies: list[tuple[Mapping[str, Any], str]] = []
    for obj in documents.objects:
        location = f"{where}:{obj.line}"
        if obj.source:
            location = f"{location} ({obj.source})"
        if obj.body is not None:
            bodies.append((obj.body, location))
        scan.uses.append(
            ApiUse(
                cluster=scan.cluster,
                api_version=obj.api_version,
                kind=obj.kind,
                evidence=Evidence.MANIFEST,
                location=location,
                namespace=obj.namespace,
                name=obj.name,
                provenance=provenance,
            )
        )
    if bodies:
        scan.upgrade.append(read_objects(bodies, cluster=scan.cluster, provenance=provenance))


def _read(scan: _Scan, path: Path) -> bytes | None:
    """The file's bytes, or None after counting why not; the size is checked before reading."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            # Opening a FIFO would block; a device may never end.
            scan.skip(path, SkipReason.UNREADABLE, "not a regular file", None)
            return None
        key = (info.st_dev, info.st_ino)
        if key in scan.seen_files:  # the same file through a second path
            return None
        scan.seen_files.add(key)
        if info.st_size > scan.max_file_bytes:
            scan.skip(path, SkipReason.TOO_LARGE, _too_large(info.st_size, scan), None)
            return None
        with open(path, "rb") as f:
            data = f.read(scan.max_file_bytes + 1)
    except OSError as exc:
        scan.skip(path, SkipReason.UNREADABLE, exc.strerror or str(exc), None)
        return None
    if len(data) > scan.max_file_bytes:  # grew since stat
        scan.skip(path, SkipReason.TOO_LARGE, _too_large(len(data), scan), None)
        return None
    return data


def _too_large(size: int, scan: _Scan) -> str:
    return f"file too large ({size:,} bytes, limit {scan.max_file_bytes:,}), not read"
