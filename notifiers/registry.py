"""Notifiers by name: an explicit table, listed by `aksnews notifiers`."""

from __future__ import annotations

from aksnews.errors import ConfigError
from aksnews.notifiers.base import Notifier
from aksnews.notifiers.file import FileNotifier
from aksnews.notifiers.slack import SlackNotifier
from aksnews.notifiers.teams import TeamsNotifier

NOTIFIERS: dict[str, type[Notifier]] = {
    SlackNotifier.name: SlackNotifier,
    TeamsNotifier.name: TeamsNotifier,
    FileNotifier.name: FileNotifier,
}


def get_notifier(name: str) -> Notifier:
    """A notifier with its default settings; unknown names are a configuration error."""
    try:
        cls = NOTIFIERS[name]
    except KeyError:
        known = ", ".join(sorted(NOTIFIERS))
        raise ConfigError(f"unknown notifier {name!r} (known: {known})") from None
    return cls()


def describe() -> list[tuple[str, str]]:
    """(name, first line of the class docstring) for each notifier, in table order."""
    return [(name, (cls.__doc__ or "").strip().splitlines()[0]) for name, cls in NOTIFIERS.items()]
