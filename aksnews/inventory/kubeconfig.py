"""Read one context of a kubeconfig into the settings needed to reach that cluster.

Supported: token, tokenFile and client certificates (data or files), with the cluster's CA (data
or file) or insecure-skip-tls-verify. Exec plugins (kubelogin on AKS) and auth-providers are not
run; AKSNEWS_KUBE_TOKEN supplies a bearer token for them. Only the first file of $KUBECONFIG is
read (kubectl merges them all).
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


def default_kubeconfig(environ: Mapping[str, str]) -> Path:
    """The first file of $KUBECONFIG, else ~/.kube/config (kubectl merges the list; we do not)."""
    for part in environ.get("KUBECONFIG", "").split(os.pathsep):
        if part.strip():
            return Path(part.strip()).expanduser()
    return Path("~/.kube/config").expanduser()


def load_kubeconfig(
    path: Path | None, context: str | None, *, environ: Mapping[str, str] | None = None
) -> ClusterAccess:
    """Read one context of a kubeconfig. Raises InputError with the file and what is wrong.

    Credentials: a token or tokenFile, client certificate and key (data or files), or none. An
    exec plugin (kubelogin on AKS) or auth-provider is not run: set AKSNEWS_KUBE_TOKEN instead,
    which is used whenever the user entry has no token of its own.
    """
    env = os.environ if environ is None else environ
    file = path if path is not None else default_kubeconfig(env)
    doc = _read_kubeconfig(file)
    contexts = _named(doc, "contexts", "context", file)
    name = context or doc.get("current-context")
    if not isinstance(name, str) or not name:
        raise InputError(f"{file}: no context given and no current-context set")
    if name not in contexts:
        known = ", ".join(sorted(contexts)) or "none"
        raise InputError(f"{file}: no context {name!r} (contexts: {known})")
    ctx = contexts[name]
    cluster_name = ctx.get("cluster")
    clusters = _named(doc, "clusters", "cluster", file)
    if not isinstance(cluster_name, str) or cluster_name not in clusters:
        raise InputError(f"{file}: context {name!r} names no known cluster ({cluster_name!r})")
    cluster = clusters[cluster_name]
    server = cluster.get("server")
    if not isinstance(server, str) or not server.startswith(("https://", "http://")):
        raise InputError(f"{file}: cluster {cluster_name!r} has no http(s) server URL")
    user = _user(doc, ctx.get("user"), name, file)
    where = f"{file}: user of context {name!r}"
    token = _text(user.get("token"))
    if token is None and isinstance(user.get("tokenFile"), str):
        token_file = _relative(file, user["tokenFile"])
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InputError(f"{where}: cannot read tokenFile {token_file}: {exc}") from exc
    token = token or _text(env.get(TOKEN_ENV))
    has_cert = any(k in user for k in ("client-certificate", "client-certificate-data"))
    if token is None and not has_cert:
        _refuse_plugins(user, where)
    cluster_where = f"{file}: cluster {cluster_name!r}"
    ca_data = _base64(cluster.get("certificate-authority-data"), "CA data", cluster_where)
    if ca_data and b"-----BEGIN CERTIFICATE-----" not in ca_data:
        raise InputError(f"{cluster_where}: certificate-authority-data is not a PEM certificate")
    return ClusterAccess(
        context=name,
        cluster=cluster_name,
        server=server.rstrip("/"),
        ca_data=ca_data.decode("ascii", errors="replace") if ca_data else None,
        ca_file=_path_or_none(file, cluster.get("certificate-authority")),
        insecure=cluster.get("insecure-skip-tls-verify") is True,
        token=token,
        client_cert_data=_base64(user.get("client-certificate-data"), "client cert", where),
        client_key_data=_base64(user.get("client-key-data"), "client key", where),
        client_cert_file=_path_or_none(file, user.get("client-certificate")),
        client_key_file=_path_or_none(file, user.get("client-key")),
    )


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


def _user(doc: Mapping[str, Any], name: object, context: str, file: Path) -> Mapping[str, Any]:
    if name is None or name == "":
        return {}  # anonymous
    users = _named(doc, "users", "user", file)
    if not isinstance(name, str) or name not in users:
        raise InputError(f"{file}: context {context!r} names no known user ({name!r})")
    return users[name]


def _refuse_plugins(user: Mapping[str, Any], where: str) -> None:
    exec_ = user.get("exec")
    if isinstance(exec_, dict):
        command = exec_.get("command") or "an exec plugin"
        raise InputError(
            f"{where} gets its credentials from {command} (exec plugin), which aksnews does not "
            f"run; set {TOKEN_ENV} to a bearer token instead, for AKS with Entra ID e.g. "
            f"$(az account get-access-token --resource {AKS_ENTRA_SERVER_ID} "
            "--query accessToken -o tsv)"
        )
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
