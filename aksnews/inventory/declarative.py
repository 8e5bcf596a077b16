"""Load the declarative inventory file: teams, clusters and the default team.

The file is validated with pydantic models that mirror its shape (file_spec; unknown keys are
errors) and every problem is reported as one line with the file, the line number and the field
path, e.g.
`inventory.yaml:14: clusters[0].upgradeChannel: 'fast' is not one of none, patch, ...`.

To get line numbers the YAML is composed into a node tree (never constructed into Python objects
by PyYAML) and converted by hand, recording the line of every key and list item. Doing the
conversion ourselves also avoids YAML 1.1 surprises: every scalar stays the text that was
written, so `1.30` is not the float 1.3, `10:30` is not the sexagesimal number 630 and `no` is
not False. Aliases are refused outright: an inventory never needs them, and refusing them is the
simplest complete defence against alias bombs ("billion laughs").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from yaml.composer import Composer
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from aksnews.errors import InputError
from aksnews.inventory.file_spec import (
    AutoUpgradeProfileSpec,
    ClusterSpec,
    DigestSpec,
    InventorySpec,
    SlackSpec,
    TeamSpec,
    kind_of,
)
from aksnews.inventory.json_text import join_surrogate_pairs
from aksnews.model.inventory import (
    Cluster,
    Inventory,
    NodePool,
    Provenance,
    SecretRef,
    SupportPlan,
    Team,
)
from aksnews.model.versions import parse_kube_version

try:  # libyaml parses several times faster; the composer on top of it stays in Python.
    from yaml import CSafeLoader as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml

    class _Parser(Reader, Scanner, Parser, Resolver):  # type: ignore[no-redef]  # same interface
        """SafeLoader without its Composer (the MRO would hold Composer twice)."""

        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Resolver.__init__(self)


DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64  # an inventory is ~6 levels deep; this stops deeply nested input early

_YAML_TAG = "tag:yaml.org,2002:"
_NULL_TAG = _YAML_TAG + "null"
# Tags the resolver gives plain scalars and collections; any other tag was written explicitly
# (!!python/object, !!binary, !custom) and has no meaning in an inventory.
_IMPLICIT_TAGS = frozenset(
    _YAML_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)
# Characters YAML does not allow in a stream (everything but tab, newlines and printables).
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Loc = tuple[str | int, ...]


class InventoryError(InputError):
    """The inventory file cannot be used; the message is one line with file and line number."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems) or (message,)


# --- reading and composing -----------------------------------------------------------------------


class _NodeLoader(Composer, _Parser):
    """Composes one document into nodes with start marks; refuses aliases and deep nesting."""

    def __init__(self, text: str) -> None:
        _Parser.__init__(self, text)
        self.anchors: dict[Any, Node] = {}
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        line0 = event.start_mark.line if event and event.start_mark else 0
        if isinstance(event, AliasEvent):
            raise _ComposeRefused(
                line0,
                f"YAML aliases (*{event.anchor}) are not allowed in an inventory file; "
                "write the values out",
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _ComposeRefused(line0, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _ComposeRefused(Exception):
    def __init__(self, line0: int, message: str) -> None:
        super().__init__(message)
        self.line = line0 + 1
        self.message = message


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _read_text(path: Path, max_bytes: int) -> str:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InventoryError(f"{path}: file is {size} bytes, over the limit of {max_bytes}")
        with path.open("rb") as f:
            # Read one byte more than allowed: a file that grew (or a device) is still refused.
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise InventoryError(f"{path}: inventory file not found") from None
    except OSError as exc:
        raise InventoryError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise InventoryError(f"{path}: file is over the limit of {max_bytes} bytes")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InventoryError(f"{path}:1: file is UTF-16, not UTF-8; save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InventoryError(f"{path}:{_line_of(data, nul)}: binary data (NUL byte), not YAML")
    try:
        text = join_surrogate_pairs(data).decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InventoryError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at column {column})"
        ) from None
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise InventoryError(
            f"{path}:{line}: control character U+{ord(bad.group()):04X} is not allowed in YAML"
        )
    return text


def _compose(path: Path, text: str) -> Node | None:
    loader = _NodeLoader(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    except _ComposeRefused as exc:
        raise InventoryError(f"{path}:{exc.line}: {exc.message}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        what = "; ".join(p for p in (exc.context, exc.problem) if p)
        raise InventoryError(f"{where}: invalid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise InventoryError(f"{path}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()


@dataclass(frozen=True, slots=True)
class _Problem:
    line_loc: Loc  # where to take the line number from (the nearest recorded ancestor)
    loc: Loc  # the field path shown to the user
    message: str
    line: int | None = None  # when known outright (a repeated key has no path of its own)


class _Refused(Exception):
    def __init__(self, problem: _Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _plain(node: Node, loc: Loc, lines: dict[Loc, int]) -> Any:
    """Nodes to dicts, lists, text and None, recording the line of every key and item."""
    if node.tag not in _IMPLICIT_TAGS:
        tag = node.tag.replace(_YAML_TAG, "!!", 1)  # as it was written: !!python/object
        raise _Refused(_Problem(loc, loc, f"YAML tag {tag} is not allowed"))
    if isinstance(node, ScalarNode):
        return None if node.tag == _NULL_TAG else node.value
    if isinstance(node, SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            lines[(*loc, index)] = item.start_mark.line + 1
            items.append(_plain(item, (*loc, index), lines))
        return items
    if isinstance(node, MappingNode):
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                raise _Refused(_Problem(loc, loc, "a key must be plain text", line))
            key = key_node.value
            if key in mapping:
                raise _Refused(_Problem(loc, loc, f"key {key!r} appears twice", line))
            lines[(*loc, key)] = line
            mapping[key] = _plain(value_node, (*loc, key), lines)
        return mapping
    raise _Refused(_Problem(loc, loc, "unsupported YAML node"))  # pragma: no cover


# --- checks across fields and items --------------------------------------------------------------


def _check_team(i: int, team: TeamSpec) -> Iterator[_Problem]:
    slack = team.slack
    if slack is None:
        return
    loc: Loc = ("teams", i, "slack")
    if slack.webhook and slack.token:
        yield _Problem(loc, loc, "give a webhook or a token and channel, not both")
    elif slack.token and not slack.channel:
        # '#payments' unquoted is a YAML comment, which leaves the channel empty.
        yield _Problem(loc, loc, "a token needs a channel (quote it: channel: '#name')")
    elif slack.channel and not slack.token:
        yield _Problem(loc, loc, "a channel needs a token (webhooks post to a fixed channel)")
    elif not slack.webhook and not slack.token:
        yield _Problem(loc, loc, "needs a webhook, or a token and a channel")


def _check_cluster(i: int, cluster: ClusterSpec, team_names: set[str]) -> Iterator[_Problem]:
    known = ", ".join(sorted(team_names)) or "none"
    for j, team in enumerate(cluster.teams):
        if team not in team_names:
            loc: Loc = ("clusters", i, "teams", j)
            yield _Problem(loc, loc, f"unknown team {team!r} (teams in this file: {known})")
    for namespace, team in cluster.namespaces.items():
        if team not in team_names:
            loc = ("clusters", i, "namespaces", namespace)
            yield _Problem(loc, loc, f"unknown team {team!r} (teams in this file: {known})")
    profile = cluster.autoUpgradeProfile
    for field in ("upgradeChannel", "nodeOSUpgradeChannel"):
        direct, nested = getattr(cluster, field), profile and getattr(profile, field)
        if direct and nested and direct != nested:
            loc = ("clusters", i, "autoUpgradeProfile", field)
            yield _Problem(loc, loc, f"{nested} contradicts {field}: {direct}")
    version = cluster.currentKubernetesVersion
    if (
        version
        and parse_kube_version(version).is_lts_patch
        and cluster.supportPlan is not SupportPlan.AKS_LONG_TERM_SUPPORT
    ):
        loc = ("clusters", i, "currentKubernetesVersion")
        yield _Problem(loc, loc, f"{version} is an LTS patch; set supportPlan: AKSLongTermSupport")
    seen: set[str] = set()
    for j, pool in enumerate(cluster.nodePools):
        if pool.name in seen:
            loc = ("clusters", i, "nodePools", j, "name")
            yield _Problem(loc, loc, f"node pool {pool.name!r} appears twice")
        seen.add(pool.name)


def _duplicates(kind: str, names: Sequence[str]) -> Iterator[_Problem]:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            loc: Loc = (f"{kind}s", i, "name")
            yield _Problem(loc, loc, f"{kind} {name!r} appears twice")
        seen.add(name)


def _check(spec: InventorySpec) -> Iterator[_Problem]:
    team_names = {t.name for t in spec.teams}
    yield from _duplicates("team", [t.name for t in spec.teams])
    yield from _duplicates("cluster", [c.name for c in spec.clusters])
    for i, team in enumerate(spec.teams):
        yield from _check_team(i, team)
    for i, cluster in enumerate(spec.clusters):
        yield from _check_cluster(i, cluster, team_names)
    if spec.default_team is not None and spec.default_team not in team_names:
        loc: Loc = ("default_team",)
        known = ", ".join(sorted(team_names)) or "none"
        yield _Problem(
            loc, loc, f"unknown team {spec.default_team!r} (teams in this file: {known})"
        )


# --- error reporting -----------------------------------------------------------------------------


def _from_pydantic(error: ErrorDetails) -> _Problem:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return _Problem(loc, loc[:-1], f"unknown key {loc[-1]!r}")
    if kind == "missing":
        return _Problem(loc[:-1], loc[:-1], f"missing required key {loc[-1]!r}")
    if kind == "string_type":
        return _Problem(loc, loc, f"expected text, got {kind_of(error['input'])}")
    if kind == "list_type":
        return _Problem(loc, loc, f"expected a list, got {kind_of(error['input'])}")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _Problem(loc, loc, f"expected a mapping, got {kind_of(error['input'])}")
    return _Problem(loc, loc, error["msg"])


def _path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _line(loc: Loc, lines: Mapping[Loc, int]) -> int:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def _error(path: Path, problems: Sequence[_Problem], lines: Mapping[Loc, int]) -> InventoryError:
    located = sorted(
        ((p.line or _line(p.line_loc, lines), n, p) for n, p in enumerate(problems)),
        key=lambda t: t[:2],
    )
    texts = [
        f"{path}:{line}: {_path(p.loc) + ': ' if p.loc else ''}{p.message}"
        for line, _, p in located
    ]
    more = f" (and {len(texts) - 1} more)" if len(texts) > 1 else ""
    return InventoryError(texts[0] + more, texts)


# --- building the inventory ----------------------------------------------------------------------


def _secret_ref(value: str | None) -> SecretRef | None:
    return None if value is None else SecretRef.parse(value)


def _team(spec: TeamSpec, provenance: Provenance) -> Team:
    slack = spec.slack or SlackSpec()
    digest = spec.digest or DigestSpec()
    return Team(
        name=spec.name,
        slack_webhook=_secret_ref(slack.webhook),
        slack_token=_secret_ref(slack.token),
        slack_channel=slack.channel,
        teams_webhook=_secret_ref(spec.teams.webhook if spec.teams else None),
        timezone=spec.timezone,
        digest_day=digest.day,
        digest_time=digest.time,
        provenance=provenance,
    )


def _cluster(spec: ClusterSpec, provenance: Provenance) -> Cluster:
    profile = spec.autoUpgradeProfile or AutoUpgradeProfileSpec()
    upgrade = spec.upgradeChannel or profile.upgradeChannel
    node_os = spec.nodeOSUpgradeChannel or profile.nodeOSUpgradeChannel
    pools = tuple(
        NodePool(
            name=p.name,
            mode=p.mode,
            os_type=p.osType,
            os_sku=p.osSKU,
            orchestrator_version=p.currentOrchestratorVersion,
            node_image_version=p.nodeImageVersion,
            provenance=provenance,
            vm_size=p.vmSize,
            count=p.count,
            max_surge=p.upgradeSettings.maxSurge if p.upgradeSettings else None,
            drain_timeout_minutes=(
                p.upgradeSettings.drainTimeoutInMinutes if p.upgradeSettings else None
            ),
            node_soak_minutes=(
                p.upgradeSettings.nodeSoakDurationInMinutes if p.upgradeSettings else None
            ),
            max_pods=p.maxPods,
            subnet_id=p.vnetSubnetID,
        )
        for p in spec.nodePools
    )
    defaults = Cluster(name=spec.name)
    given = {
        "support_plan": "supportPlan" in spec.model_fields_set,
        "upgrade_channel": upgrade is not None,
        "node_os_channel": node_os is not None,
    }
    return Cluster(
        name=spec.name,
        teams=tuple(spec.teams),
        region=spec.region,
        kubernetes_version=spec.currentKubernetesVersion,
        support_plan=spec.supportPlan,
        upgrade_channel=upgrade or defaults.upgrade_channel,
        node_os_channel=node_os or defaults.node_os_channel,
        node_pools=pools,
        features=tuple(spec.features),
        namespaces=tuple(spec.namespaces.items()),
        provenance=provenance,
        stated=frozenset(name for name, yes in given.items() if yes),
        stage=spec.stage,
        soak_days=spec.soakDays,
    )


def load_inventory_file(
    path: Path, *, now: dt.datetime, max_bytes: int = DEFAULT_MAX_BYTES
) -> Inventory:
    """Read and validate the inventory file; raises InventoryError with file:line on a problem."""
    text = _read_text(path, max_bytes)
    root = _compose(path, text)
    if root is None:
        raise InventoryError(f"{path}:1: the inventory file is empty")
    lines: dict[Loc, int] = {(): root.start_mark.line + 1}
    try:
        data = _plain(root, (), lines)
    except _Refused as exc:
        raise _error(path, [exc.problem], lines) from None
    if not isinstance(data, dict):
        what = f"expected a mapping of teams, clusters, default_team; got {kind_of(data)}"
        raise InventoryError(f"{path}:{lines[()]}: {what}")
    try:
        spec = InventorySpec.model_validate(data)
    except ValidationError as exc:
        raise _error(path, [_from_pydantic(e) for e in exc.errors()], lines) from None
    problems = list(_check(spec))
    if problems:
        raise _error(path, problems, lines)
    provenance = Provenance(origin=f"file:{path}", collected_at=now)
    return Inventory(
        teams=tuple(_team(t, provenance) for t in spec.teams),
        clusters=tuple(_cluster(c, provenance) for c in spec.clusters),
        default_team=spec.default_team,
    )
