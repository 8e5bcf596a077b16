"""tests/corpus.py: where the corpus is looked up, and what an offline machine without it says."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

import corpus


def test_offline_without_a_local_corpus_names_where_to_put_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AKSNEWS_CORPUS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(corpus, "REPO", tmp_path / "checkout")

    def offline(*args: Any, **kwargs: Any) -> Any:
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(RuntimeError) as caught:
        corpus.corpus_path("aks/CHANGELOG.md")
    message = str(caught.value)
    assert "aks/CHANGELOG.md" in message and "Name or service not known" in message
    assert str(tmp_path / "shared" / "corpus") in message and "$AKSNEWS_CORPUS" in message


def test_the_environment_names_the_corpus_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "aks").mkdir()
    (tmp_path / "aks" / "CHANGELOG.md").write_text("# x\n", encoding="utf-8")
    monkeypatch.setenv("AKSNEWS_CORPUS", str(tmp_path))
    assert corpus.corpus_path("aks/CHANGELOG.md") == tmp_path / "aks" / "CHANGELOG.md"
    with pytest.raises(FileNotFoundError, match="corpus file missing"):
        corpus.corpus_path("aks/none.md")
