"""One name per thing that can retire: what the matcher, findings, digests and the web call it.

The AKS CHANGELOG and inventories spell the same thing many ways: 'Windows Server 2019',
'Windows 2019' and 'Windows2019'; 'Azure Linux 2.0', 'CBL-Mariner' and 'Mariner'; the Istio
add-on revision 'asm-1-22' and 'Istio revision asm-1-22'. Each thing has one canonical name
and its aliases here; aliases are matched word by word, ignoring case and the separators
between words ('Windows-Server-2019', 'Ubuntu1804'). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

_WORD = re.compile(r"[a-z]+|\d+")
_ISTIO = re.compile(
    r"(?<![a-z0-9])(?:istio(?:[\W_]+add-?on)?(?:[\W_]+revision)?[\W_]+|revision[\W_]+)?"
    r"asm[-_ ](\d+)[-_ ](\d+)(?![a-z0-9])",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Thing:
    name: str  # the canonical name
    aliases: tuple[str, ...]  # every spelling, the canonical one included


def _windows(release: str) -> Thing:
    name = f"Windows Server {release}"
    return Thing(name, (name, f"Windows {release}", f"WS{release}"))


_BASIC_LB = ("Basic Load Balancer", "Basic SKU Load Balancer", "Basic LB", "LoadBalancerBasic")
THINGS: tuple[Thing, ...] = (
    _windows("2019"),
    _windows("2022"),
    Thing("Azure Linux 2.0", ("Azure Linux 2.0", "Azure Linux 2", "CBL-Mariner", "Mariner")),
    Thing("Azure Linux 3.0", ("Azure Linux 3.0", "Azure Linux 3")),
    Thing("Ubuntu 18.04", ("Ubuntu 18.04",)),
    Thing("Ubuntu 20.04", ("Ubuntu 20.04",)),
    Thing("Ubuntu 22.04", ("Ubuntu 22.04",)),
    Thing("Basic Load Balancer", _BASIC_LB),
    Thing("HTTP Application Routing", ("HTTP Application Routing",)),
    Thing("pod security policy", ("pod security policy",)),
    Thing("Bridge to Kubernetes", ("Bridge to Kubernetes",)),
    Thing("kubenet", ("kubenet",)),
)


def _key(text: str) -> str:
    """Letters and digits only, lower-cased: 'Windows-2019' and 'windows2019' are one key."""
    return "".join(_WORD.findall(text.lower()))


def _alias_words(alias: str) -> str:
    return r"[\W_]*".join(re.escape(w) for w in _WORD.findall(alias.lower()))


def _any_of(aliases: Iterable[str]) -> re.Pattern[str]:
    """The aliases as whole words, tried in the order given. The word boundaries stand once
    around the alternation, not in each alias: the same matches, and Python compiled the
    pattern with them repeated in 7 ms, a few per cent of `aksnews check`."""
    alternation = "|".join(_alias_words(a) for a in aliases)
    return re.compile(rf"(?<![a-z0-9])(?:{alternation})(?![a-z0-9])", re.IGNORECASE)


@cache
def _by_key() -> dict[str, Thing]:
    return {_key(alias): thing for thing in THINGS for alias in thing.aliases}


@cache
def _any_alias() -> re.Pattern[str]:
    """Every alias of every thing, longest first, so 'Azure Linux 2.0' wins over 'Azure Linux 2'
    and 'CBL-Mariner' over 'Mariner' at the same place."""
    every = (alias for thing in THINGS for alias in thing.aliases)
    return _any_of(sorted(every, key=lambda alias: len(_key(alias)), reverse=True))


def istio_revision(major: str | int, minor: str | int) -> str:
    return f"Istio revision asm-{int(major)}-{int(minor)}"


def canonical(name: str) -> str:
    """The one name of the thing `name` names; unknown things keep their own name.

    'Windows2019' -> 'Windows Server 2019', 'Mariner' -> 'Azure Linux 2.0',
    'asm-1-22' and 'istio:asm-1-22' -> 'Istio revision asm-1-22'.
    """
    text = " ".join(name.split())
    value = text.partition(":")[2] if text.lower().startswith("istio:") else text
    istio = _ISTIO.fullmatch(value.strip())
    if istio:
        return istio_revision(istio[1], istio[2])
    thing = _by_key().get(_key(text))
    return thing.name if thing else text


def aliases(name: str) -> tuple[str, ...]:
    """Every spelling of the thing `name` names (its canonical name first)."""
    name = canonical(name)
    istio = re.fullmatch(r"Istio revision asm-(\d+)-(\d+)", name)
    if istio:
        return (name, f"asm-{istio[1]}-{istio[2]}")
    thing = _by_key().get(_key(name))
    return thing.aliases if thing else (name,)


def patterns(name: str) -> tuple[re.Pattern[str], ...]:
    """Case-insensitive patterns finding the thing in a text under any of its names (one
    pattern for all of them: compiling one per name cost more than the searches)."""
    return (_any_of(aliases(name)),)


def normalise(text: str) -> str:
    """`text` with every known thing under its one name: 'Windows2019 node pools' ->
    'Windows Server 2019 node pools', 'asm-1-22' -> 'Istio revision asm-1-22'."""
    text = " ".join(text.split())
    text = _any_alias().sub(lambda m: canonical(m.group(0)), text)
    return _ISTIO.sub(lambda m: istio_revision(m[1], m[2]), text)
