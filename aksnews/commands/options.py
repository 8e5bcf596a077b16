"""One vocabulary of options for every command: -o/--output FORMAT, --json, version arguments.

Every command that prints data takes `-o/--output FORMAT` and `--json` (the same as `-o json`);
the format names are the same everywhere, with `md` accepted for `markdown` and `table` for
`text`. A command names the formats it can write; anything else is a usage error that lists
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer

from aksnews.errors import InputError

if TYPE_CHECKING:
    from aksnews.store.handle import Archive


class Format(StrEnum):
    TEXT = "text"  # a table or styled text; plain and aligned when piped
    WIDE = "wide"  # the text table with every column
    JSON = "json"
    YAML = "yaml"
    MARKDOWN = "markdown"
    CSV = "csv"
    SARIF = "sarif"
    HTML = "html"
    SLACK = "slack"  # the JSON bodies that would be posted
    TEAMS = "teams"


ALIASES = {"md": Format.MARKDOWN, "table": Format.TEXT}
TEXT_OR_JSON = (Format.TEXT, Format.JSON)


def output_option(formats: Sequence[Format] = TEXT_OR_JSON, *names: str) -> Any:
    """`-o/--output FORMAT` (plus any older spellings a command keeps, such as --format)."""
    listed = ", ".join(f.value for f in formats)
    return typer.Option(
        None,
        "--output",
        "-o",
        *names,
        metavar="FORMAT",
        help=f"Output format: {listed} (default {formats[0].value}).",
        show_default=False,
    )


def json_option() -> Any:
    return typer.Option(False, "--json", help="Print one JSON document (same as -o json).")


def choose_format(
    output: str | None, as_json: bool, formats: Sequence[Format] = TEXT_OR_JSON
) -> Format:
    """The format asked for by -o/--output and --json, checked against what the command writes."""
    if output is None:
        return Format.JSON if as_json else formats[0]
    name = output.strip().lower()
    chosen = ALIASES.get(name) or next((f for f in Format if f.value == name), None)
    if chosen is None or chosen not in formats:
        listed = ", ".join(f.value for f in formats)
        raise UsageProblem(f"--output must be one of {listed}, not {output!r}")
    if as_json and chosen is not Format.JSON:
        raise UsageProblem(f"--json and --output {output} ask for two formats; give one")
    return chosen


def wants_json(output: str | None, as_json: bool) -> bool:
    """For commands that write text or JSON only."""
    return choose_format(output, as_json) is Format.JSON


class UsageProblem(InputError):
    """A usage error found after parsing (a bad format or version): exit 1, one line."""


def known_minor(archive: Archive, value: str, option: str) -> str:
    """`value` as a minor ('1.30') that the archive knows, or a usage error saying the newest.

    With an archive that knows no minors yet (nothing fetched), any well-formed minor passes:
    there is nothing to check it against.
    """
    # Not the lifecycle module's minor_of (the same function): that module is heavy to import.
    from aksnews.model.versions import leading_minor, minor_key

    minor = leading_minor(value)
    if minor is None:
        raise UsageProblem(f"{option} wants a minor version such as 1.30, not {value!r}")
    known = archive.archived_minors()
    if known and minor not in known:
        newest = max(known, key=minor_key)
        oldest = min(known, key=minor_key)
        raise UsageProblem(
            f"{option}: {minor} is not a known minor; the newest is {newest} "
            f"(the archive knows {oldest} to {newest})"
        )
    return minor
