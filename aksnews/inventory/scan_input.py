"""What `aksnews scan` reads: files, folders (recursively), '-' for stdin, Helm release dumps.

Manifests go through the inventory's manifest reader (YAML with several documents, JSON, List
kinds, `helm template` and `kustomize build` output); a file or stdin holding
`kubectl get secrets -l owner=helm -o json` is decoded as Helm release secrets, and the
manifests of the deployed revisions are read instead. I/O only; judging is aksnews.match.scan.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aksnews.errors import InputError
from aksnews.inventory.helm import RELEASE_SECRET_TYPE, read_helm_dump
from aksnews.inventory.manifests import DEFAULT_MAX_FILE_BYTES, read_documents, scan_paths
from aksnews.model.inventory import ApiUse, CollectorWarning, Evidence, Provenance

STDIN = "-"
_NO_CLUSTER = ""  # scan judges manifests, not a cluster's inventory
_HELM_MARKER = RELEASE_SECRET_TYPE.encode()


@dataclass(frozen=True, slots=True)
class ScanInput:
    uses: tuple[ApiUse, ...]
    warnings: tuple[CollectorWarning, ...]
    read: int  # files (or stdin, or Helm releases) that held Kubernetes objects


def read_inputs(paths: Sequence[str], stdin: BinaryIO, now: dt.datetime) -> ScanInput:
    """Every object in `paths`; a path that does not exist is an error naming it."""
    uses: list[ApiUse] = []
    warnings: list[CollectorWarning] = []
    read = 0
    manifests: list[Path] = []
    for raw in paths:
        if raw == STDIN:
            data = stdin.read(DEFAULT_MAX_FILE_BYTES + 1)
            if len(data) > DEFAULT_MAX_FILE_BYTES:
                raise InputError(f"stdin: more than {DEFAULT_MAX_FILE_BYTES:,} bytes")
            got, problems, count = _from_bytes(data, "-", now)
        else:
            path = Path(raw)
            if not os.path.lexists(path):
                raise InputError(f"{raw}: no such file or directory")
            if not (path.is_file() and _is_helm_dump(path)):
                manifests.append(path)
                continue
            got, problems, count = _from_bytes(path.read_bytes(), raw, now)
        uses += got
        warnings += problems
        read += count
    if manifests:
        result = scan_paths(manifests, cluster=_NO_CLUSTER, now=now)
        uses += result.api_uses
        warnings += result.warnings
        read += result.read
    return ScanInput(tuple(uses), tuple(warnings), read)


def _is_helm_dump(path: Path) -> bool:
    """A JSON file that mentions the Helm release secret type (checked on its first bytes)."""
    try:
        with path.open("rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return False
    return head.lstrip()[:1] in (b"{", b"[") and _HELM_MARKER in head


def _from_bytes(
    data: bytes, source: str, now: dt.datetime
) -> tuple[list[ApiUse], list[CollectorWarning], int]:
    if data.lstrip()[:1] == b"{" and _HELM_MARKER in data:
        result = read_helm_dump(data, source=source, cluster=_NO_CLUSTER, now=now)
        located = [
            ApiUse(
                cluster=u.cluster,
                api_version=u.api_version,
                kind=u.kind,
                evidence=u.evidence,
                location=f"{source}: {u.location}",
                namespace=u.namespace,
                name=u.name,
                provenance=u.provenance,
            )
            for u in result.api_uses
        ]
        return located, list(result.warnings), result.read
    documents = read_documents(data)
    if documents.skipped is not None:
        message = documents.message
        if message is None:
            return [], [], 0
        return [], [CollectorWarning(source, message, documents.line)], 0
    provenance = Provenance(f"scan:{source}", now)
    uses = [
        ApiUse(
            cluster=_NO_CLUSTER,
            api_version=obj.api_version,
            kind=obj.kind,
            evidence=Evidence.MANIFEST,
            location=f"{source}:{obj.line}" + (f" ({obj.source})" if obj.source else ""),
            namespace=obj.namespace,
            name=obj.name,
            provenance=provenance,
        )
        for obj in documents.objects
    ]
    return uses, [], 1
