"""`inventory scan` keeps evidence per scanned path; --replace forgets the other paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aksnews.commands import run

DEPLOYMENT = """apiVersion: {api}
kind: {kind}
metadata:
  name: {name}
  namespace: shop
"""


def _write(folder: Path, name: str, api: str, kind: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(DEPLOYMENT.format(api=api, kind=kind, name=name))


def _uses(url: str, capsys: pytest.CaptureFixture[str]) -> set[tuple[str, str]]:
    capsys.readouterr()
    assert run(["--db", url, "inventory", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    return {(u["apiVersion"], u["name"]) for u in shown["api_uses"] if u["cluster"] == "x"}


def test_a_second_folder_adds_and_replace_replaces(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app, platform = tmp_path / "app", tmp_path / "platform"
    _write(app, "web", "extensions/v1beta1", "Ingress")
    _write(app, "api", "apps/v1", "Deployment")
    _write(platform, "psp", "policy/v1beta1", "PodSecurityPolicy")

    assert run(["--db", db_url, "inventory", "scan", str(app), "--cluster", "x"]) == 0
    assert "the only scanned path" in capsys.readouterr().out
    assert run(["--db", db_url, "inventory", "scan", str(platform), "--cluster", "x"]) == 0
    out = capsys.readouterr().out
    assert "added" in out and str(app.resolve()) in out
    assert _uses(db_url, capsys) == {
        ("extensions/v1beta1", "web"),
        ("apps/v1", "api"),
        ("policy/v1beta1", "psp"),
    }

    # Scanning a path again replaces only what that path said: a deleted manifest goes.
    (app / "web.yaml").unlink()
    assert run(["--db", db_url, "inventory", "scan", str(app), "--cluster", "x", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["mode"] == "added"
    assert report["scanned_paths"] == sorted([str(app.resolve()), str(platform.resolve())])
    assert _uses(db_url, capsys) == {("apps/v1", "api"), ("policy/v1beta1", "psp")}

    args = ["--db", db_url, "inventory", "scan", str(platform), "--cluster", "x", "--replace"]
    assert run(args) == 0
    assert "replaced every earlier scan" in capsys.readouterr().out
    assert _uses(db_url, capsys) == {("policy/v1beta1", "psp")}
