"""The shape of the declarative inventory file, as pydantic models (unknown keys are errors).

Each field validates what one value may be, with a message that says what was expected; checks
that span fields or items (a team named twice, a cluster's unknown team) are in declarative.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from aksnews.model.inventory import NodeOSChannel, SupportPlan, UpgradeChannel
from aksnews.model.versions import parse_kube_version, parse_node_image_version

STAGES = ("dev", "staging", "production")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SURGE = re.compile(r"^\d{1,4}%?$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def kind_of(value: object) -> str:
    """What a value is, for messages: 'an empty value', 'a mapping', 'a list', or its repr."""
    if value is None:
        return "an empty value"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{value!r}"


def _one_of(choices: Sequence[str]) -> Callable[[Any], str]:
    """A before-validator accepting one of `choices` (any letter case), normalised to it."""
    by_lower = {c.lower(): c for c in choices}

    def check(value: Any) -> str:
        if isinstance(value, str) and value.lower() in by_lower:
            return by_lower[value.lower()]
        raise PydanticCustomError(
            "not_one_of",
            "{value} is not one of {choices}",
            {"value": kind_of(value), "choices": ", ".join(choices)},
        )

    return check


def _enum_field(enum: type[StrEnum]) -> BeforeValidator:
    return BeforeValidator(_one_of([member.value for member in enum]))


def _kube_version(value: str) -> str:
    try:
        return str(parse_kube_version(value))
    except ValueError:
        raise PydanticCustomError(
            "kube_version",
            "{value} is not a Kubernetes version like 1.29.4 or 1.30.101-akslts",
            {"value": repr(value)},
        ) from None


def _node_image(value: str) -> str:
    try:
        parse_node_image_version(value)
    except ValueError:
        raise PydanticCustomError(
            "node_image",
            "{value} is not a node image version like AKSUbuntu-2204gen2containerd-202405.03.0",
            {"value": repr(value)},
        ) from None
    return value.strip()


def _surge(value: str) -> str:
    if not _SURGE.match(value):
        raise PydanticCustomError(
            "surge", "{value} is not a node count or a percentage like 33%", {"value": repr(value)}
        )
    return value


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise PydanticCustomError(
            "name",
            "{value} is not a valid name (letters, digits, '-', '_', '.'; at most 63)",
            {"value": repr(value)},
        )
    return value


def _secret(value: str) -> str:
    # Never echo the value: it may be a real secret pasted inline.
    if value.startswith("env:"):
        if not _ENV_NAME.match(value[4:]):
            raise PydanticCustomError(
                "secret", "an env: reference needs a variable name, like env:SLACK_WEBHOOK"
            )
    elif not value.strip():
        raise PydanticCustomError("secret", "empty secret")
    return value


def _webhook(value: str) -> str:
    _secret(value)
    if not value.startswith(("env:", "https://")):
        raise PydanticCustomError("secret", "a webhook is an https:// URL or env:NAME")
    return value


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise PydanticCustomError(
            "timezone",
            "unknown time zone {value} (use a name like Asia/Tokyo or UTC)",
            {"value": repr(value)},
        ) from None
    return value


def _time(value: str) -> str:
    m = _TIME.match(value)
    if not m:
        raise PydanticCustomError(
            "time", "{value} is not a time of day as HH:MM", {"value": repr(value)}
        )
    return f"{int(m.group(1)):02d}:{m.group(2)}"


Name = Annotated[str, AfterValidator(_name)]
Secret = Annotated[str, AfterValidator(_secret)]
Webhook = Annotated[str, AfterValidator(_webhook)]
KubeVersionText = Annotated[str, AfterValidator(_kube_version)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SlackSpec(_Spec):
    webhook: Webhook | None = None
    token: Secret | None = None
    channel: str | None = None


class TeamsSpec(_Spec):
    webhook: Webhook


class DigestSpec(_Spec):
    day: Annotated[str, BeforeValidator(_one_of(DAYS))] = "mon"
    time: Annotated[str, AfterValidator(_time)] = "09:00"


class TeamSpec(_Spec):
    name: Name
    slack: SlackSpec | None = None
    teams: TeamsSpec | None = None
    timezone: Annotated[str, AfterValidator(_timezone)] = "UTC"
    digest: DigestSpec | None = None


class UpgradeSettingsSpec(_Spec):
    """A pool's upgradeSettings as az aks show gives them (for when az output is not at hand)."""

    maxSurge: Annotated[str, AfterValidator(_surge)] | None = None
    drainTimeoutInMinutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    nodeSoakDurationInMinutes: Annotated[int, Field(ge=0, le=30)] | None = None


class NodePoolSpec(_Spec):
    name: Name
    mode: Annotated[str, BeforeValidator(_one_of(("System", "User")))] | None = None
    osType: Annotated[str, BeforeValidator(_one_of(("Linux", "Windows")))] | None = None
    osSKU: str | None = None
    currentOrchestratorVersion: KubeVersionText | None = None
    nodeImageVersion: Annotated[str, AfterValidator(_node_image)] | None = None
    vmSize: str | None = None
    count: Annotated[int, Field(ge=0, le=5000)] | None = None
    maxPods: Annotated[int, Field(ge=1, le=250)] | None = None
    upgradeSettings: UpgradeSettingsSpec | None = None
    vnetSubnetID: str | None = None


class AutoUpgradeProfileSpec(_Spec):
    upgradeChannel: Annotated[UpgradeChannel, _enum_field(UpgradeChannel)] | None = None
    nodeOSUpgradeChannel: Annotated[NodeOSChannel, _enum_field(NodeOSChannel)] | None = None


class ClusterSpec(_Spec):
    name: Name
    teams: list[str] = []
    region: str | None = None
    currentKubernetesVersion: KubeVersionText | None = None
    supportPlan: Annotated[SupportPlan, _enum_field(SupportPlan)] = SupportPlan.KUBERNETES_OFFICIAL
    upgradeChannel: Annotated[UpgradeChannel, _enum_field(UpgradeChannel)] | None = None
    nodeOSUpgradeChannel: Annotated[NodeOSChannel, _enum_field(NodeOSChannel)] | None = None
    autoUpgradeProfile: AutoUpgradeProfileSpec | None = None
    nodePools: list[NodePoolSpec] = []
    features: list[str] = []
    namespaces: dict[str, str] = {}
    # The release stage (stage-order rule) and how long it runs a version before the next
    # stage may follow (Fleet Manager's wait between stages).
    stage: Annotated[str, BeforeValidator(_one_of(STAGES))] | None = None
    soakDays: Annotated[int, Field(ge=0, le=365)] | None = None


class InventorySpec(_Spec):
    teams: list[TeamSpec] = []
    clusters: list[ClusterSpec] = []
    default_team: str | None = None
