"""Settings: one typed object, from defaults, an optional TOML file and AKSNEWS_* variables.

Precedence: command-line flags > environment (AKSNEWS_<NAME>) > config file > defaults. Unknown
keys in the file are errors that name the key, so a typo never silently falls back to a default.
Every setting is listed once here; README.md documents each (a test checks that).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aksnews.errors import ConfigError

ENV_PREFIX = "AKSNEWS_"


class Settings(BaseModel):
    """Everything aksnews can be told, with its default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the archive; default SQLite in the XDG data dir"
    )
    aks_url: str = Field(
        "https://raw.githubusercontent.com/Azure/AKS/master/CHANGELOG.md",
        description="Where the AKS CHANGELOG is fetched from (http(s) or file:// mirror)",
    )
    kubernetes_url: str = Field(
        "https://raw.githubusercontent.com/kubernetes/kubernetes/master/CHANGELOG/"
        "CHANGELOG-{minor}.md",
        description="Upstream CHANGELOG URL template; {minor} becomes e.g. 1.32",
    )
    kubernetes_minors: str = Field(
        "",
        description="Upstream minors to fetch, e.g. '1.28-' or '1.28-1.32'; empty: from the "
        "oldest minor the archive or inventory mentions to the newest published",
    )
    deprecation_guide_url: str = Field(
        "https://raw.githubusercontent.com/kubernetes/website/main/content/en/docs/reference/"
        "using-api/deprecation-guide.md",
        description="The Kubernetes deprecated API migration guide (markdown source)",
    )
    aks_calendar_url: str = Field(
        "https://raw.githubusercontent.com/MicrosoftDocs/azure-aks-docs/main/articles/aks/"
        "supported-kubernetes-versions.md",
        description="The AKS Kubernetes release calendar (markdown source)",
    )
    fetch_timeout: float = Field(30.0, gt=0, description="Seconds before an HTTP request gives up")
    fetch_retries: int = Field(4, ge=0, le=20, description="Retries on connect errors, 5xx, 429")
    poll_interval_hours: float = Field(
        6.0, gt=0, le=24 * 7, description="`aksnews serve`: hours between two polls of every source"
    )
    max_document_bytes: int = Field(
        20 * 1024 * 1024, gt=0, description="Largest document fetched or ingested, in bytes"
    )


def setting_names() -> list[str]:
    return list(Settings.model_fields)


def _env_values(environ: Mapping[str, str]) -> dict[str, str]:
    values = {}
    for name in Settings.model_fields:
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = raw
    return values


def _describe(exc: ValidationError, origin: str) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{origin}: {where}: {first['msg']}"


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
        path = Path(config_file)
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        unknown = sorted(set(values) - set(Settings.model_fields))
        if unknown:
            known = ", ".join(Settings.model_fields)
            raise ConfigError(f"{path}: unknown setting {unknown[0]!r} (known: {known})")
        origin = str(path)
    env = _env_values(environ)
    values.update(env)
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        bad = str(exc.errors()[0]["loc"][0])
        if bad in env:
            origin = ENV_PREFIX + bad.upper()
        raise ConfigError(_describe(exc, origin)) from None
