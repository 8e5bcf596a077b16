"""Run a kubeconfig exec credential plugin the way kubectl does, and read what it prints.

On AKS with Microsoft Entra ID the kubeconfig's user runs `kubelogin get-token ...`; without
running it there is no credential. The plugin gets the kubeconfig's args and env, and
KUBERNETES_EXEC_INFO describing the request (never interactive: aksnews runs from cron and
services, so a plugin that must prompt fails with a clear message instead of hanging). It
prints an ExecCredential whose status holds a bearer token or a client certificate and key.

Spec: https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aksnews.errors import InputError

EXEC_INFO_ENV = "KUBERNETES_EXEC_INFO"
TIMEOUT_SECONDS = 60  # kubelogin with the Azure CLI takes a few seconds; a prompt never ends
_API_VERSIONS = (
    "client.authentication.k8s.io/v1",
    "client.authentication.k8s.io/v1beta1",
)
_MAX_OUTPUT_CHARS = 400  # of the plugin's stderr, in an error message


@dataclass(frozen=True, slots=True)
class ExecPlugin:
    """The `exec` stanza of a kubeconfig user."""

    command: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    api_version: str = "client.authentication.k8s.io/v1beta1"
    interactive_mode: str = "IfAvailable"
    install_hint: str | None = None


@dataclass(frozen=True, slots=True)
class ExecCredential:
    """What the plugin returned: a token, or a client certificate and key (PEM)."""

    token: str | None = field(default=None, repr=False)
    client_cert_data: bytes | None = field(default=None, repr=False)
    client_key_data: bytes | None = field(default=None, repr=False)


def parse_plugin(stanza: object, where: str) -> ExecPlugin:
    """The exec stanza checked field by field; InputError naming the field otherwise."""
    if not isinstance(stanza, Mapping):
        raise InputError(f"{where}: 'exec' must be a mapping")
    command = stanza.get("command")
    if not isinstance(command, str) or not command.strip():
        raise InputError(f"{where}: exec plugin has no command")
    api_version = stanza.get("apiVersion")
    if api_version not in _API_VERSIONS:
        raise InputError(
            f"{where}: exec apiVersion {api_version!r} is not supported "
            f"(want one of {', '.join(_API_VERSIONS)})"
        )
    args = stanza.get("args") or []
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise InputError(f"{where}: exec args must be a list of strings")
    env = []
    for item in stanza.get("env") or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise InputError(f"{where}: every exec env entry needs a name and a value")
        value = item.get("value")
        env.append((item["name"], "" if value is None else str(value)))
    mode = stanza.get("interactiveMode") or "IfAvailable"
    if mode not in ("Never", "IfAvailable", "Always"):
        raise InputError(
            f"{where}: exec interactiveMode {mode!r} is not Never, IfAvailable or Always"
        )
    hint = stanza.get("installHint")
    return ExecPlugin(
        command=command.strip(),
        args=tuple(args),
        env=tuple(env),
        api_version=str(api_version),
        interactive_mode=str(mode),
        install_hint=hint.strip() if isinstance(hint, str) and hint.strip() else None,
    )


def run_plugin(
    plugin: ExecPlugin,
    where: str,
    *,
    base_dir: Path,
    environ: Mapping[str, str],
    timeout: float = TIMEOUT_SECONDS,
) -> ExecCredential:
    """Run the plugin and return its credential; InputError with what went wrong otherwise."""
    if plugin.interactive_mode == "Always":
        raise InputError(
            f"{where}: the exec plugin {plugin.command} needs an interactive terminal "
            "(interactiveMode: Always), which aksnews never has; use a non-interactive login "
            "(e.g. kubelogin --login azurecli, msi, spn or workloadidentity)"
        )
    executable = _resolve(plugin, where, base_dir, environ)
    info = {
        "apiVersion": plugin.api_version,
        "kind": "ExecCredential",
        "spec": {"interactive": False},
    }
    env = {**environ, **dict(plugin.env), EXEC_INFO_ENV: json.dumps(info)}
    try:
        done = subprocess.run(
            [executable, *plugin.args],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InputError(
            f"{where}: the exec plugin {plugin.command} did not answer within {timeout:g} s "
            "(is it waiting for a login prompt?)"
        ) from None
    except OSError as exc:
        raise InputError(f"{where}: cannot run the exec plugin {executable}: {exc}") from exc
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", errors="replace").strip()
        raise InputError(
            f"{where}: the exec plugin {plugin.command} failed (exit {done.returncode})"
            + (f": {stderr[-_MAX_OUTPUT_CHARS:]}" if stderr else "")
        )
    return parse_credential(done.stdout, plugin, where)


def _resolve(plugin: ExecPlugin, where: str, base_dir: Path, environ: Mapping[str, str]) -> str:
    # kubectl: a command with a path separator is relative to the kubeconfig's directory;
    # a bare name is looked up on PATH.
    if os.sep in plugin.command:
        path = Path(plugin.command).expanduser()
        return str(path if path.is_absolute() else base_dir / path)
    found = shutil.which(plugin.command, path=environ.get("PATH", os.defpath))
    if found is None:
        hint = f" ({plugin.install_hint})" if plugin.install_hint else ""
        raise InputError(f"{where}: the exec plugin {plugin.command} is not on PATH{hint}")
    return found


def parse_credential(stdout: bytes, plugin: ExecPlugin, where: str) -> ExecCredential:
    """The ExecCredential the plugin printed, checked: kind, apiVersion, a usable status."""
    what = f"{where}: the exec plugin {plugin.command} printed"
    try:
        doc: Any = json.loads(stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{what} no ExecCredential JSON") from None
    if not isinstance(doc, dict) or doc.get("kind") != "ExecCredential":
        raise InputError(f"{what} something other than an ExecCredential")
    if doc.get("apiVersion") != plugin.api_version:
        raise InputError(
            f"{what} apiVersion {doc.get('apiVersion')!r}, not the {plugin.api_version} asked for"
        )
    status = doc.get("status")
    if not isinstance(status, dict):
        raise InputError(f"{what} an ExecCredential without status")
    token = status.get("token")
    cert, key = status.get("clientCertificateData"), status.get("clientKeyData")
    if isinstance(token, str) and token.strip():
        return ExecCredential(token=token.strip())
    if isinstance(cert, str) and isinstance(key, str) and cert and key:
        return ExecCredential(client_cert_data=cert.encode(), client_key_data=key.encode())
    raise InputError(f"{what} neither a token nor a client certificate and key")
