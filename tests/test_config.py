"""Settings: every one documented, precedence, unknown keys and bad values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from aksnews.config import load_settings, setting_names
from aksnews.errors import ConfigError

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.parametrize("name", setting_names())
def test_every_setting_is_documented_in_the_readme(name: str) -> None:
    assert f"| `{name}` |" in README.read_text(encoding="utf-8")


def test_precedence_defaults_file_env_flags(tmp_path: Path) -> None:
    config = tmp_path / "aksnews.toml"
    config.write_text('fetch_timeout = 5\naks_url = "https://mirror.example/CHANGELOG.md"\n')
    assert load_settings(environ={}).fetch_timeout == 30.0
    from_file = load_settings(config, environ={})
    assert from_file.fetch_timeout == 5.0
    assert from_file.aks_url == "https://mirror.example/CHANGELOG.md"
    from_env = load_settings(config, environ={"AKSNEWS_FETCH_TIMEOUT": "7"})
    assert from_env.fetch_timeout == 7.0
    from_flag = load_settings(
        config, environ={"AKSNEWS_DATABASE_URL": "sqlite:///a.db"}, overrides={"database_url": "b"}
    )
    assert from_flag.database_url == "b"
    via_env_file = load_settings(environ={"AKSNEWS_CONFIG": str(config)})
    assert via_env_file.fetch_timeout == 5.0


@pytest.mark.parametrize(
    ("content", "environ", "message"),
    [
        ("fetch_timout = 5\n", {}, "unknown setting 'fetch_timout'"),
        ("fetch_timeout = -1\n", {}, "fetch_timeout"),
        ("fetch_timeout = [\n", {}, "not valid TOML"),
        ("", {"AKSNEWS_FETCH_RETRIES": "many"}, "AKSNEWS_FETCH_RETRIES"),
    ],
)
def test_bad_settings_are_named(
    tmp_path: Path, content: str, environ: dict[str, str], message: str
) -> None:
    config = tmp_path / "aksnews.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_settings(config, environ=environ)


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_text_settings_alone_do_not_import_pydantic() -> None:
    """The usual case (URLs in the environment) stays cheap: pydantic costs ~100 ms to import."""
    import subprocess
    import sys

    script = (
        "import sys; from aksnews.config import load_settings; "
        "s = load_settings(environ={'AKSNEWS_DATABASE_URL': 'sqlite:///x.db'}); "
        "assert s.database_url == 'sqlite:///x.db'; "
        "print('pydantic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd="/"
    )
    assert out.stdout.strip() == "False"
