"""kubeconfig: contexts, credentials, $KUBECONFIG merging and exec credential plugins (a
real subprocess standing in for kubelogin, reaching a local API server)."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer
from test_inventory_cluster import (
    CONTEXT,
    TOKEN,
    FakeApiServer,
    collect,
    write_kubeconfig,
)

from aksnews.errors import InputError
from aksnews.inventory.exec_credential import (
    ExecPlugin,
    parse_credential,
    parse_plugin,
    run_plugin,
)
from aksnews.inventory.kubeconfig import (
    TOKEN_ENV,
    ClusterAccess,
    kubeconfig_files,
    load_kubeconfig,
)

KUBELOGIN = {
    "exec": {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "kubelogin",
        "args": [
            "get-token",
            "--login",
            "azurecli",
            "--server-id",
            "6dae42f8-4368-4678-94ff-3960e28e3630",
        ],
        "env": None,
        "provideClusterInfo": False,
    }
}


def test_kubeconfig_with_token_and_ca(tmp_path: Path) -> None:
    pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    path = write_kubeconfig(
        tmp_path,
        "https://aks-prod-east-dns-5d6f7a8b.hcp.eastus.azmk8s.io:443/",
        {"token": TOKEN},
        **{"certificate-authority-data": base64.b64encode(pem).decode()},
    )
    access = load_kubeconfig(path, None, environ={})
    assert access == ClusterAccess(
        context=CONTEXT,
        cluster=CONTEXT,
        server="https://aks-prod-east-dns-5d6f7a8b.hcp.eastus.azmk8s.io:443",
        ca_data=pem.decode(),
        token=TOKEN,
    )
    assert TOKEN not in repr(access)
    assert load_kubeconfig(path, "aks-dev", environ={}).context == "aks-dev"


def test_kubeconfig_token_file_and_client_cert_files_are_relative(tmp_path: Path) -> None:
    (tmp_path / "token").write_text(TOKEN + "\n", encoding="utf-8")
    user = {
        "tokenFile": "token",
        "client-certificate": "certs/client.crt",
        "client-key": "certs/client.key",
    }
    access = load_kubeconfig(write_kubeconfig(tmp_path, "http://h", user), None, environ={})
    assert access.token == TOKEN
    assert access.client_cert_file == str(tmp_path / "certs" / "client.crt")
    assert access.client_key_file == str(tmp_path / "certs" / "client.key")


def test_exec_plugin_takes_the_token_from_the_environment(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path, "http://h", KUBELOGIN)
    assert load_kubeconfig(path, None, environ={TOKEN_ENV: TOKEN}).token == TOKEN


CTX = "current-context: a\ncontexts: [{name: a, context: {cluster: b, user: u}}]\n"
CTX_NO_USER = "current-context: a\ncontexts: [{name: a, context: {cluster: b}}]\n"
HTTP_B = "clusters: [{name: b, cluster: {server: 'http://x'}}]\n"


def https_b(ca: str) -> str:
    return f"clusters: [{{name: b, cluster: {{server: 'https://x', {ca}}}}}]\n"


BAD_KUBECONFIGS = [
    # (name, file text or None for a missing file, context, expected message fragment)
    ("missing file", None, None, "no such kubeconfig file"),
    ("bad yaml", "clusters:\n  - name: a\n   cluster: {server: x\n", None,
     "config:3: not valid YAML"),
    ("not a mapping", "- just\n- a list\n", None, "expected a mapping at the top"),
    ("no current context", "contexts: []\n", None, "no context given and no current-context set"),
    ("unknown context", None, "aks-staging",
     "no context 'aks-staging' (contexts: aks-dev, aks-prod-east)"),
    ("context without cluster", CTX_NO_USER, None, "context 'a' names no known cluster ('b')"),
    ("server not http", CTX_NO_USER + "clusters: [{name: b, cluster: {server: 'ftp://x'}}]\n",
     None, "has no http(s) server URL"),
    ("unknown user", CTX + HTTP_B, None, "names no known user ('u')"),
    ("bad base64", CTX_NO_USER + https_b("certificate-authority-data: '%%%'"), None,
     "cluster 'b': CA data is not base64"),
    ("ca not pem", CTX_NO_USER + https_b("certificate-authority-data: 'aGVsbG8='"), None,
     "certificate-authority-data is not a PEM certificate"),
    ("auth provider", CTX + HTTP_B + "users: [{name: u, user: {auth-provider: {name: azure}}}]\n",
     None, "uses an auth-provider"),
    ("entry without name", "clusters: [{cluster: {server: 'http://x'}}]\n" + CTX_NO_USER, None,
     "every entry of 'clusters' needs a name"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "context", "fragment"),
    [case[1:] for case in BAD_KUBECONFIGS],
    ids=[case[0] for case in BAD_KUBECONFIGS],
)
def test_bad_kubeconfig_is_an_input_error(
    tmp_path: Path, text: str | None, context: str | None, fragment: str
) -> None:
    path = tmp_path / "config"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    elif context is not None:
        path = write_kubeconfig(tmp_path, "http://h", {"token": TOKEN})
    with pytest.raises(InputError) as err:
        load_kubeconfig(path, context, environ={})
    assert fragment in str(err.value)
    assert str(path) in str(err.value)


# --- $KUBECONFIG with several files ---------------------------------------------------------------


def _config(path: Path, **doc: Any) -> Path:
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_kubeconfig_files_are_merged_first_one_wins(tmp_path: Path) -> None:
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "token").write_text("team-token\n", encoding="utf-8")
    first = _config(
        tmp_path / "first",
        clusters=[{"name": "shared", "cluster": {"server": "https://first.example"}}],
    )
    second = _config(
        tmp_path / "team" / "config",
        **{"current-context": "team"},
        clusters=[
            {"name": "shared", "cluster": {"server": "https://second.example"}},
            {
                "name": "team",
                "cluster": {"server": "https://team.example", "certificate-authority": "ca.crt"},
            },
        ],
        contexts=[
            {"name": "team", "context": {"cluster": "team", "user": "u"}},
            {"name": "other", "context": {"cluster": "shared", "user": "u"}},
        ],
        users=[{"name": "u", "user": {"tokenFile": "token"}}],
    )
    environ = {"KUBECONFIG": os.pathsep.join([str(first), str(tmp_path / "missing"), str(second)])}
    assert kubeconfig_files(environ) == [first, second]
    access = load_kubeconfig(None, None, environ=environ)
    # current-context from the only file that sets it; paths relative to the file holding them.
    assert (access.context, access.server) == ("team", "https://team.example")
    assert access.ca_file == str(tmp_path / "team" / "ca.crt")
    assert access.token == "team-token"
    # A name in both files: the first file's entry wins.
    assert load_kubeconfig(None, "other", environ=environ).server == "https://first.example"


def test_kubeconfig_default_is_home_and_a_missing_list_names_its_first_file(
    tmp_path: Path,
) -> None:
    assert kubeconfig_files({}) == [Path("~/.kube/config").expanduser()]
    environ = {"KUBECONFIG": f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}"}
    with pytest.raises(InputError, match=f"{tmp_path / 'a'}: no such kubeconfig file"):
        load_kubeconfig(None, None, environ=environ)


# --- exec credential plugins ----------------------------------------------------------------------

# A stand-in for kubelogin: checks what kubectl would pass, records it, prints an ExecCredential.
FAKE_KUBELOGIN = """#!{python}
import json, os, sys, time
record = os.environ["RECORD"]
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
with open(record, "w") as out:
    login = os.environ.get("AAD_LOGIN_METHOD")
    json.dump({{"argv": sys.argv[1:], "info": info, "login": login}}, out)
mode = os.environ.get("FAKE_MODE", "token")
if mode == "fail":
    sys.stderr.write("Error: AADSTS700082: The refresh token has expired\\n")
    sys.exit(1)
if mode == "sleep":
    time.sleep(30)
status = {{"token": {token!r}, "expirationTimestamp": "2099-01-01T00:00:00Z"}}
if mode == "garbage":
    print("please log in at https://microsoft.com/devicelogin")
    sys.exit(0)
credential = {{"kind": "ExecCredential", "apiVersion": info["apiVersion"], "status": status}}
print(json.dumps(credential))
"""


def _plugin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "kubelogin"
    script.write_text(FAKE_KUBELOGIN.format(python=sys.executable, token=TOKEN), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    path = f"{_plugin(tmp_path)}{os.pathsep}{os.environ.get('PATH', '')}"
    return {"PATH": path, "RECORD": str(tmp_path / "record.json"), **extra}


def test_exec_plugin_is_run_and_its_token_reaches_the_api_server(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    apiserver = FakeApiServer()
    httpserver.expect_request(re.compile(r"^/.*")).respond_with_handler(apiserver)
    user = {
        "exec": {**KUBELOGIN["exec"], "env": [{"name": "AAD_LOGIN_METHOD", "value": "azurecli"}]}
    }
    path = write_kubeconfig(tmp_path, httpserver.url_for("").rstrip("/"), user)
    access = load_kubeconfig(path, None, environ=_env(tmp_path))
    assert access.token == TOKEN
    record = json.loads((tmp_path / "record.json").read_text(encoding="utf-8"))
    assert record["argv"] == KUBELOGIN["exec"]["args"]
    assert record["login"] == "azurecli"
    assert record["info"] == {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "kind": "ExecCredential",
        "spec": {"interactive": False},
    }
    result = collect(access)
    assert [c.kubernetes_version for c in result.clusters] == ["1.29.4"]
    assert apiserver.requests and all(
        r.headers["Authorization"] == f"Bearer {TOKEN}" for r in apiserver.requests
    )


def test_the_environment_token_wins_over_running_the_plugin(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path, "http://h", KUBELOGIN)
    assert load_kubeconfig(path, None, environ={TOKEN_ENV: "from-env"}).token == "from-env"
    assert not (tmp_path / "record.json").exists()


def test_exec_plugin_relative_command_is_relative_to_the_kubeconfig(tmp_path: Path) -> None:
    _plugin(tmp_path)
    user = {"exec": {**KUBELOGIN["exec"], "command": "./bin/kubelogin"}}
    path = write_kubeconfig(tmp_path, "http://h", user)
    environ = {"RECORD": str(tmp_path / "record.json")}
    assert load_kubeconfig(path, None, environ=environ).token == TOKEN


EXEC_FAILURES = [
    # (FAKE_MODE or None for a missing plugin, exec overrides, expected message fragment)
    (None, {}, "the exec plugin kubelogin is not on PATH (see https://azure.github.io/kubelogin)"),
    ("fail", {}, "kubelogin failed (exit 1): Error: AADSTS700082: The refresh token has expired"),
    ("garbage", {}, "kubelogin printed no ExecCredential JSON"),
    ("token", {"interactiveMode": "Always"}, "needs an interactive terminal"),
    ("token", {"apiVersion": "client.authentication.k8s.io/v1alpha1"}, "is not supported"),
]  # fmt: skip


@pytest.mark.parametrize(("mode", "overrides", "fragment"), EXEC_FAILURES)
def test_exec_plugin_failures_say_what_and_how_to_work_around(
    tmp_path: Path, mode: str | None, overrides: dict[str, str], fragment: str
) -> None:
    stanza = {
        **KUBELOGIN["exec"],
        "installHint": "see https://azure.github.io/kubelogin",
        **overrides,
    }
    path = write_kubeconfig(tmp_path, "http://h", {"exec": stanza})
    environ = _env(tmp_path, FAKE_MODE=mode or "token") if mode else {"PATH": str(tmp_path)}
    with pytest.raises(InputError) as err:
        load_kubeconfig(path, None, environ=environ)
    message = str(err.value)
    assert fragment in message
    assert f"{path}: user of context '{CONTEXT}'" in message
    if "not supported" not in message:
        assert f"set {TOKEN_ENV} to a bearer token" in message
        assert (
            "az account get-access-token --resource 6dae42f8-4368-4678-94ff-3960e28e3630" in message
        )


def test_exec_plugin_that_waits_for_a_prompt_times_out(tmp_path: Path) -> None:
    plugin = parse_plugin(KUBELOGIN["exec"], "here")
    with pytest.raises(InputError, match="did not answer within 0.5 s"):
        run_plugin(
            plugin,
            "here",
            base_dir=tmp_path,
            environ=_env(tmp_path, FAKE_MODE="sleep"),
            timeout=0.5,
        )


def test_exec_credential_with_a_client_certificate() -> None:
    plugin = ExecPlugin(command="kubelogin", api_version="client.authentication.k8s.io/v1")
    doc = {
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1",
        "status": {"clientCertificateData": "-----BEGIN CERTIFICATE-----", "clientKeyData": "KEY"},
    }
    credential = parse_credential(json.dumps(doc).encode(), plugin, "here")
    assert (credential.token, credential.client_key_data) == (None, b"KEY")
    assert "KEY" not in repr(credential)
    for broken, fragment in [
        (
            {**doc, "apiVersion": "client.authentication.k8s.io/v1beta1"},
            "not the client.authentication.k8s.io/v1 asked for",
        ),
        ({**doc, "kind": "Status"}, "something other than an ExecCredential"),
        (
            {**doc, "status": {"expirationTimestamp": "x"}},
            "neither a token nor a client certificate",
        ),
    ]:
        with pytest.raises(InputError, match=fragment):
            parse_credential(json.dumps(broken).encode(), plugin, "here")
