"""Read one context of a kubeconfig into the settings needed to reach that cluster.

Supported: token, tokenFile, client certificates (data or files) and exec credential plugins
(kubelogin on AKS with Entra ID; see exec_credential), with the cluster's CA (data or file) or
insecure-skip-tls-verify. AKSNEWS_KUBE_TOKEN, when set, is used instead of running a plugin.
The files of $KUBECONFIG are merged as kubectl merges them: the first file to name a cluster,
user or context, or to set current-context, wins; missing files are skipped; relative paths are
relative to the file that holds them. Auth-providers (removed from kubectl) are not supported.
"""

from __future__ import annotations

import base64
import binascii
import os
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aksnews.errors import InputError
from aksnews.inventory.exec_credential import ExecCredential, parse_plugin, run_plugin

TOKEN_ENV = "AKSNEWS_KUBE_TOKEN"
# The application id of the AKS Microsoft Entra server: the audience of a token for any AKS
# cluster with Entra ID integration, which is what kubelogin fetches.
AKS_ENTRA_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"

_MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ClusterAccess:
    """How to reach one cluster, as one kubeconfig context says. Secrets stay out of repr."""

    context: str
    cluster: str  # the kubeconfig's cluster entry
    server: str
    ca_data: str | None = None  # PEM, from certificate-authority-data
    ca_file: str | None = None
    insecure: bool = False  # insecure-skip-tls-verify
    token: str | None = field(default=None, repr=False)
    client_cert_data: bytes | None = field(default=None, repr=False)
    client_key_data: bytes | None = field(default=None, repr=False)
    client_cert_file: str | None = None
    client_key_file: str | None = None


def kubeconfig_files(environ: Mapping[str, str]) -> list[Path]:
    """The files of $KUBECONFIG (the ones that exist), else ~/.kube/config."""
    listed = [
        Path(part.strip()).expanduser()
        for part in environ.get("KUBECONFIG", "").split(os.pathsep)
        if part.strip()
    ]
    if not listed:
        return [Path("~/.kube/config").expanduser()]
    existing = [path for path in listed if path.exists()]
    return existing or listed[:1]  # none exists: name the first in the error


@dataclass(frozen=True, slots=True)
class _Named:
    """A named cluster, user or context with the file it came from (for relative paths)."""

    file: Path
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Merged:
    label: str  # the file, or the files of $KUBECONFIG, for messages
    current_context: str | None
    contexts: dict[str, _Named]
    clusters: dict[str, _Named]
    users: dict[str, _Named]


def _merge(files: list[Path]) -> _Merged:
    current: str | None = None
    named: dict[str, dict[str, _Named]] = {"contexts": {}, "clusters": {}, "users": {}}
    inner = {"contexts": "context", "clusters": "cluster", "users": "user"}
    for file in files:
        doc = _read_kubeconfig(file)
        if current is None and isinstance(doc.get("current-context"), str):
            current = doc["current-context"] or None
        for key, found in named.items():
            for name, body in _named(doc, key, inner[key], file).items():
                found.setdefault(name, _Named(file, body))
    return _Merged(
        label=os.pathsep.join(str(f) for f in files),
        current_context=current,
        contexts=named["contexts"],
        clusters=named["clusters"],
        users=named["users"],
    )


def load_kubeconfig(
    path: Path | None, context: str | None, *, environ: Mapping[str, str] | None = None
) -> ClusterAccess:
    """Read one context of a kubeconfig (`path`, else the merged $KUBECONFIG files). Raises
    InputError with the file and what is wrong.

    Credentials, in kubectl's order: the user's token or tokenFile, client certificate and key
    (data or files); else AKSNEWS_KUBE_TOKEN when set; else the user's exec plugin, run now.
    """
    env = os.environ if environ is None else environ
    config = _merge([path] if path is not None else kubeconfig_files(env))
    label = config.label
    name = context or config.current_context
    if not isinstance(name, str) or not name:
        raise InputError(f"{label}: no context given and no current-context set")
    if name not in config.contexts:
        known = ", ".join(sorted(config.contexts)) or "none"
        raise InputError(f"{label}: no context {name!r} (contexts: {known})")
    ctx = config.contexts[name]
    cluster_name = ctx.body.get("cluster")
    if not isinstance(cluster_name, str) or cluster_name not in config.clusters:
        raise InputError(f"{ctx.file}: context {name!r} names no known cluster ({cluster_name!r})")
    cluster = config.clusters[cluster_name]
    cluster_where = f"{cluster.file}: cluster {cluster_name!r}"
    server = cluster.body.get("server")
    if not isinstance(server, str) or not server.startswith(("https://", "http://")):
        raise InputError(f"{cluster_where} has no http(s) server URL")
    user = _user(config, ctx.body.get("user"), name, ctx.file)
    where = f"{user.file}: user of context {name!r}"
    credential = _credential(user, where, env)
    ca_data = _base64(cluster.body.get("certificate-authority-data"), "CA data", cluster_where)
    if ca_data and b"-----BEGIN CERTIFICATE-----" not in ca_data:
        raise InputError(f"{cluster_where}: certificate-authority-data is not a PEM certificate")
    return ClusterAccess(
        context=name,
        cluster=cluster_name,
        server=server.rstrip("/"),
        ca_data=ca_data.decode("ascii", errors="replace") if ca_data else None,
        ca_file=_path_or_none(cluster.file, cluster.body.get("certificate-authority")),
        insecure=cluster.body.get("insecure-skip-tls-verify") is True,
        token=credential.token,
        client_cert_data=credential.client_cert_data,
        client_key_data=credential.client_key_data,
        client_cert_file=_path_or_none(user.file, user.body.get("client-certificate")),
        client_key_file=_path_or_none(user.file, user.body.get("client-key")),
    )


def _credential(user: _Named, where: str, env: Mapping[str, str]) -> ExecCredential:
    body = user.body
    token = _text(body.get("token"))
    if token is None and isinstance(body.get("tokenFile"), str):
        token_file = _relative(user.file, body["tokenFile"])
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InputError(f"{where}: cannot read tokenFile {token_file}: {exc}") from exc
    cert = _base64(body.get("client-certificate-data"), "client cert", where)
    key = _base64(body.get("client-key-data"), "client key", where)
    token = token or _text(env.get(TOKEN_ENV))
    has_cert = cert is not None or "client-certificate" in body
    if token is None and not has_cert and "exec" in body:
        plugin = parse_plugin(body["exec"], where)
        try:
            return run_plugin(plugin, where, base_dir=user.file.parent, environ=env)
        except InputError as exc:
            raise InputError(
                f"{exc}; or set {TOKEN_ENV} to a bearer token, for AKS with Entra ID e.g. "
                f"$(az account get-access-token --resource {AKS_ENTRA_SERVER_ID} "
                "--query accessToken -o tsv)"
            ) from exc
    if token is None and not has_cert:
        _refuse_unsupported(body, where)
    return ExecCredential(token=token, client_cert_data=cert, client_key_data=key)


def _read_kubeconfig(file: Path) -> Mapping[str, Any]:
    try:
        size = file.stat().st_size
        if size > _MAX_KUBECONFIG_BYTES:
            raise InputError(f"{file}: {size} bytes is too large for a kubeconfig")
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"{file}: no such kubeconfig file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{file}: cannot read the kubeconfig: {exc}") from exc
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{file}{line}: not valid YAML: {problem}") from exc
    if not isinstance(doc, dict):
        raise InputError(f"{file}: not a kubeconfig (expected a mapping at the top)")
    return doc


def _named(
    doc: Mapping[str, Any], key: str, inner: str, file: Path
) -> dict[str, Mapping[str, Any]]:
    entries = doc.get(key) or []
    if not isinstance(entries, list):
        raise InputError(f"{file}: '{key}' must be a list")
    found: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InputError(f"{file}: every entry of '{key}' needs a name")
        body = entry.get(inner) or {}
        if not isinstance(body, dict):
            raise InputError(
                f"{file}: '{key}' entry {entry['name']!r}: '{inner}' must be a mapping"
            )
        found[entry["name"]] = body
    return found


def _user(config: _Merged, name: object, context: str, file: Path) -> _Named:
    if name is None or name == "":
        return _Named(file, {})  # anonymous
    if not isinstance(name, str) or name not in config.users:
        raise InputError(f"{file}: context {context!r} names no known user ({name!r})")
    return config.users[name]


def _refuse_unsupported(user: Mapping[str, Any], where: str) -> None:
    if "auth-provider" in user:
        raise InputError(f"{where} uses an auth-provider, which is not supported; set {TOKEN_ENV}")
    if "username" in user:
        raise InputError(f"{where} uses basic auth, removed in Kubernetes 1.19; set {TOKEN_ENV}")


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _relative(kubeconfig: Path, value: str) -> Path:
    # kubectl resolves relative paths against the kubeconfig file's own directory.
    path = Path(value).expanduser()
    return path if path.is_absolute() else kubeconfig.parent / path


def _path_or_none(kubeconfig: Path, value: object) -> str | None:
    return str(_relative(kubeconfig, value)) if isinstance(value, str) and value else None


def _base64(value: object, what: str, where: str) -> bytes | None:
    if value is None or value == "":
        return None
    try:
        return base64.b64decode("".join(str(value).split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError(f"{where}: {what} is not base64") from exc


def ssl_context(access: ClusterAccess) -> ssl.SSLContext:
    """Trust the kubeconfig's CA (or the system's), with the client certificate if any.

    ssl only loads a key pair from files, so certificate and key data are written to a private
    temporary directory that is removed as soon as they are loaded.
    """
    context = ssl.create_default_context(cafile=access.ca_file, cadata=access.ca_data)
    if access.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if access.client_cert_data or access.client_key_data:
        with tempfile.TemporaryDirectory(prefix="aksnews-") as tmp:
            cert, key = Path(tmp, "client.crt"), Path(tmp, "client.key")
            cert.write_bytes(access.client_cert_data or b"")
            key.write_bytes(access.client_key_data or b"")
            context.load_cert_chain(cert, key)
    elif access.client_cert_file:
        context.load_cert_chain(access.client_cert_file, access.client_key_file)
    return context
