"""Settings: one typed object, from defaults, an optional TOML file and AKSNEWS_* variables.

Precedence: command-line flags > environment (AKSNEWS_<NAME>) > config file > defaults. Unknown
keys in the file are errors that name the key, so a typo never silently falls back to a default.
Every setting is listed once here; README.md documents each (a test checks that).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from aksnews.errors import ConfigError

ENV_PREFIX = "AKSNEWS_"


def _setting(default: Any, description: str, **constraints: float) -> Any:
    """A setting's default, its documentation and its bounds (checked by pydantic)."""
    return field(default=default, metadata={"description": description, **constraints})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything aksnews can be told, with its default."""

    database_url: str | None = _setting(
        None, "SQLAlchemy URL of the archive; default SQLite in the XDG data dir"
    )
    aks_url: str = _setting(
        "https://raw.githubusercontent.com/Azure/AKS/master/CHANGELOG.md",
        "Where the AKS CHANGELOG is fetched from (http(s) or file:// mirror)",
    )
    kubernetes_url: str = _setting(
        "https://raw.githubusercontent.com/kubernetes/kubernetes/master/CHANGELOG/"
        "CHANGELOG-{minor}.md",
        "Upstream CHANGELOG URL template; {minor} becomes e.g. 1.32",
    )
    kubernetes_minors: str = _setting(
        "",
        "Upstream minors to fetch: '1.28-', '1.28-1.32', a list '1.22,1.32' or a mix; minors "
        "missing from a mirror are reported, not fatal; empty: from the oldest minor the "
        "archive or inventory mentions (or a file:// mirror holds) to the newest published",
    )
    deprecation_guide_url: str = _setting(
        "https://raw.githubusercontent.com/kubernetes/website/main/content/en/docs/reference/"
        "using-api/deprecation-guide.md",
        "The Kubernetes deprecated API migration guide (markdown source)",
    )
    aks_calendar_url: str = _setting(
        "https://raw.githubusercontent.com/MicrosoftDocs/azure-aks-docs/main/articles/aks/"
        "supported-kubernetes-versions.md",
        "The AKS Kubernetes release calendar (markdown source)",
    )
    kubernetes_schedule_url: str = _setting(
        "https://raw.githubusercontent.com/kubernetes/website/main/data/releases/schedule.yaml",
        "The upstream Kubernetes release schedule (YAML): dates of minors and patches",
    )
    fetch_timeout: float = _setting(
        30.0, "Seconds for a whole HTTP request (connect, headers, body)", gt=0
    )
    fetch_retries: int = _setting(4, "Retries on connect errors, 5xx, 429", ge=0, le=20)
    poll_interval_hours: float = _setting(
        6.0, "`aksnews serve`: hours between two polls of every source", gt=0, le=24 * 7
    )
    web_url: str = _setting(
        "",
        "Public URL of `aksnews web`, linked from digests and alerts for what they leave out",
    )
    max_document_bytes: int = _setting(
        20 * 1024 * 1024, "Largest document fetched or ingested, in bytes", gt=0
    )


# Settings whose values are plain text: given as strings they need no conversion or bounds, so
# the usual case (a database URL, mirror URLs in the environment) never imports pydantic, which
# would add about 100 ms to every command.
_TEXT = frozenset(
    {
        "database_url",
        "aks_url",
        "kubernetes_url",
        "kubernetes_minors",
        "deprecation_guide_url",
        "aks_calendar_url",
        "kubernetes_schedule_url",
        "web_url",
    }
)


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings)]


def _validated(values: Mapping[str, Any]) -> Settings:
    """Settings from raw values: converted and bounds-checked by a pydantic model built from
    the dataclass fields; _Invalid names the first bad setting."""
    if all(name in _TEXT and isinstance(value, str) for name, value in values.items()):
        return Settings(**values)
    from typing import get_type_hints

    from pydantic import ConfigDict, Field, ValidationError, create_model

    hints = get_type_hints(Settings)
    definitions: dict[str, Any] = {
        f.name: (
            hints[f.name],
            Field(f.default, **{k: v for k, v in f.metadata.items() if k != "description"}),
        )
        for f in fields(Settings)
    }
    model = create_model(
        "Settings", __config__=ConfigDict(extra="forbid", strict=False), **definitions
    )
    try:
        checked = model.model_validate(dict(values))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _Invalid(".".join(str(p) for p in first["loc"]), first["msg"]) from None
    return Settings(**checked.model_dump())


class _Invalid(ValueError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


def _env_values(environ: Mapping[str, str]) -> dict[str, str]:
    values = {}
    for name in setting_names():
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = raw
    return values


def load_settings(
    config_file: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    environ = os.environ if environ is None else environ
    config_file = config_file or environ.get(ENV_PREFIX + "CONFIG") or None
    values: dict[str, Any] = {}
    origin = "settings"
    if config_file:
        import tomllib  # only with a config file: most runs have none (~4 ms of every start)

        path = Path(config_file)
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        unknown = sorted(set(values) - set(setting_names()))
        if unknown:
            known = ", ".join(setting_names())
            raise ConfigError(f"{path}: unknown setting {unknown[0]!r} (known: {known})")
        origin = str(path)
    env = _env_values(environ)
    values.update(env)
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return _validated(values)
    except _Invalid as exc:
        bad = exc.name.split(".")[0]
        if bad in env:
            origin = ENV_PREFIX + bad.upper()
        raise ConfigError(f"{origin}: {exc}") from None
