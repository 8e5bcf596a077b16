"""Helm 3 release secrets (`kubectl get secrets -A -l owner=helm -o json`): APIs Helm deployed.

Helm stores each revision of a release in a Secret named sh.helm.release.v1.<release>.v<rev>,
type helm.sh/release.v1. Its data.release is, from the outside in: base64 (how every Secret value
is shown), base64 (Helm's own encoding), gzip, and the release JSON, whose `manifest` is the
rendered YAML that Helm applied. Only the newest revision with status 'deployed' of each release
says what is running; older, failed and uninstalled revisions are decoded (to report broken
secrets) but not scanned.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aksnews.inventory.manifests import read_documents
from aksnews.inventory.workloads import combine, read_objects
from aksnews.model.inventory import (
    ApiUse,
    CollectorWarning,
    CollectResult,
    Evidence,
    Provenance,
)
from aksnews.model.upgrade import UpgradeInputs

RELEASE_SECRET_TYPE = "helm.sh/release.v1"
DEPLOYED = "deployed"
_GZIP_MAGIC = b"\x1f\x8b"
# A release secret is at most 1 MiB compressed; this bounds a gzip bomb, not a real release.
_MAX_RELEASE_JSON_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Release:
    """The parts of one decoded Helm release revision that the inventory needs."""

    namespace: str
    name: str
    version: int
    status: str
    manifest: str
    secret: str  # 'secret ns/name' it came from, for warnings


class BadSecret(ValueError):
    """A release secret that cannot be decoded; the message says which layer failed."""


def read_helm_secrets(path: Path, *, cluster: str, now: dt.datetime) -> CollectResult:
    """ApiUses (Evidence.HELM_RELEASE) from the deployed revision of every release in the dump."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return CollectResult(warnings=(CollectorWarning(source, f"cannot read: {exc}"),))
    return read_helm_dump(data, source=source, cluster=cluster, now=now)


def read_helm_dump(data: bytes, *, source: str, cluster: str, now: dt.datetime) -> CollectResult:
    """The same from the dump's bytes (a file, or stdin for `aksnews scan -`)."""
    try:
        dump = json.loads(data)
    except ValueError as exc:
        return CollectResult(warnings=(CollectorWarning(source, f"cannot read: {exc}"),))
    items = _items(dump)
    if items is None:
        message = "not a Secret list (expected `kubectl get secrets -o json` output)"
        return CollectResult(warnings=(CollectorWarning(source, message),))

    warnings: list[CollectorWarning] = []
    releases: list[Release] = []
    skipped = 0
    for item in items:
        if not isinstance(item, Mapping) or item.get("type") != RELEASE_SECRET_TYPE:
            skipped += 1  # a dump of all secrets: the others are none of our business
            continue
        try:
            releases.append(decode_release_secret(item))
        except BadSecret as exc:
            skipped += 1
            warnings.append(CollectorWarning(_secret_label(item), str(exc)))

    provenance = Provenance(f"helm:{source}", now)
    uses: list[ApiUse] = []
    upgrade: list[UpgradeInputs] = []
    deployed = _newest_deployed(releases)
    for release in deployed:
        documents = read_documents(release.manifest.encode("utf-8"))
        if documents.skipped is not None and documents.message is not None:
            warnings.append(
                CollectorWarning(release.secret, f"manifest: {documents.message}", documents.line)
            )
        prefix = f"helm:{release.namespace}/{release.name} rev {release.version}"
        bodies: list[tuple[Mapping[str, Any], str]] = []
        for obj in documents.objects:
            where = obj.source or f"doc {obj.document}"
            if obj.body is not None:
                bodies.append((obj.body, f"{prefix}: {where}"))
            uses.append(
                ApiUse(
                    cluster=cluster,
                    api_version=obj.api_version,
                    kind=obj.kind,
                    evidence=Evidence.HELM_RELEASE,
                    location=f"{prefix}: {where}",
                    # Helm installs an object that names no namespace into the release's, and
                    # the release namespace is what tells who owns it.
                    namespace=obj.namespace or release.namespace,
                    name=obj.name,
                    provenance=provenance,
                )
            )
        upgrade.append(
            read_objects(
                bodies,
                cluster=cluster,
                default_namespace=release.namespace,
                provenance=provenance,
            )
        )
    return CollectResult(
        upgrade=combine(upgrade),
        api_uses=tuple(uses),
        warnings=tuple(warnings),
        read=len(releases),
        skipped=skipped,
        extra={"releases": len(deployed)},
    )


def _items(dump: object) -> list[object] | None:
    if isinstance(dump, Mapping):
        if isinstance(dump.get("items"), list):
            return list(dump["items"])
        if dump.get("kind") == "Secret":  # `kubectl get secret NAME -o json`
            return [dump]
    return None


def _secret_label(secret: Mapping[str, object]) -> str:
    metadata = secret.get("metadata")
    meta = metadata if isinstance(metadata, Mapping) else {}
    return f"secret {meta.get('namespace', '?')}/{meta.get('name', '?')}"


def decode_release_secret(secret: Mapping[str, object]) -> Release:
    """The release stored in one helm.sh/release.v1 Secret; BadSecret says what is wrong."""
    label = _secret_label(secret)
    data = secret.get("data")
    encoded = data.get("release") if isinstance(data, Mapping) else None
    if not isinstance(encoded, str):
        raise BadSecret("no data.release")
    try:
        helm_encoded = base64.b64decode(encoded, validate=True)
        packed = base64.b64decode(helm_encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadSecret(f"data.release is not base64-encoded base64: {exc}") from None
    raw = _gunzip(packed)
    try:
        release = json.loads(raw)
    except ValueError as exc:
        raise BadSecret(f"release is not JSON: {exc}") from None
    if not isinstance(release, Mapping):
        raise BadSecret("release is not a JSON object")
    return _release(release, secret, label)


def _gunzip(packed: bytes) -> bytes:
    if not packed.startswith(_GZIP_MAGIC):
        # Helm reads releases stored before it compressed them as plain JSON; so do we.
        if packed.lstrip().startswith(b"{"):
            return packed
        raise BadSecret("release data is not gzip-compressed (nor plain JSON)")
    inflater = zlib.decompressobj(wbits=31)  # 31: expect a gzip header
    try:
        raw = inflater.decompress(packed, _MAX_RELEASE_JSON_BYTES + 1)
    except zlib.error as exc:
        raise BadSecret(f"release data is corrupt gzip: {exc}") from None
    if len(raw) > _MAX_RELEASE_JSON_BYTES:
        raise BadSecret(f"release JSON larger than {_MAX_RELEASE_JSON_BYTES:,} bytes")
    if not inflater.eof:
        raise BadSecret("release data is truncated gzip")
    return raw


def _release(release: Mapping[str, object], secret: Mapping[str, object], label: str) -> Release:
    metadata = secret.get("metadata")
    meta = metadata if isinstance(metadata, Mapping) else {}
    labels = meta.get("labels")
    tags = labels if isinstance(labels, Mapping) else {}
    name = release.get("name") or tags.get("name")
    namespace = release.get("namespace") or meta.get("namespace")
    version = release.get("version") or tags.get("version")
    info = release.get("info")
    status = (info.get("status") if isinstance(info, Mapping) else None) or tags.get("status")
    manifest = release.get("manifest")
    if not isinstance(name, str) or not isinstance(namespace, str):
        raise BadSecret("release has no name or namespace")
    try:
        revision = int(str(version))
    except ValueError:
        raise BadSecret(f"release version is not a number: {version!r}") from None
    if not isinstance(manifest, str):
        raise BadSecret("release has no manifest")
    return Release(
        namespace=namespace,
        name=name,
        version=revision,
        status=str(status),
        manifest=manifest,
        secret=label,
    )


def _newest_deployed(releases: list[Release]) -> list[Release]:
    """The newest deployed revision of each release (namespace, name), in name order."""
    newest: dict[tuple[str, str], Release] = {}
    for release in releases:
        if release.status != DEPLOYED:
            continue
        key = (release.namespace, release.name)
        if key not in newest or release.version > newest[key].version:
            newest[key] = release
    return [newest[key] for key in sorted(newest)]
