"""Option conversion without typer's pydantic layer.

typer 0.2x converts each option through a pydantic TypeAdapter that it builds on first use:
importing pydantic and building the adapters cost every command ~60 ms of start-up, more than
most commands spend on their work. aksnews's options are plain (str, bool, int with a range,
Path, and lists of them), so they are converted here, with the messages typer gives; any other
annotation, or an option with its own parser or click type, keeps typer's conversion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam, TypeDescriptor
from typer._param_types import coerce_cli_path
from typer.core import _TyperParameter
from typer.models import ParameterInfo

Converter = Callable[[Any, _TyperParameter, Context], Any]

_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"", "0", "off", "f", "false", "n", "no"})


@dataclass(frozen=True)
class PlainRuntimeParam(RuntimeParam):
    """typer's runtime-conversion contract, for one plain annotation (or a list of it)."""

    convert: Converter
    many: bool

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        if self.many:
            items = value if isinstance(value, list | tuple) else [value]
            return [self.convert(item, param, ctx) for item in items]
        return self.convert(value, param, ctx)


def _to_str(value: Any, _param: _TyperParameter, _ctx: Context) -> str:
    return str(value)


def _to_bool(value: Any, param: _TyperParameter, ctx: Context) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise BadParameter(
        "Input should be a valid boolean, unable to interpret input", ctx=ctx, param=param
    )


def _int_converter(info: ParameterInfo) -> Converter:
    low, high = info.min, info.max

    def convert(value: Any, param: _TyperParameter, ctx: Context) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise BadParameter("Input should be a valid integer", ctx=ctx, param=param)
        try:
            number = int(value.strip()) if isinstance(value, str) else value
        except ValueError:
            raise BadParameter(
                "Input should be a valid integer, unable to parse string as an integer",
                ctx=ctx,
                param=param,
            ) from None
        if low is not None and number < low:
            raise BadParameter(
                f"Input should be greater than or equal to {low}", ctx=ctx, param=param
            )
        if high is not None and number > high:
            raise BadParameter(
                f"Input should be less than or equal to {high}", ctx=ctx, param=param
            )
        return number

    return convert


def _path_converter(info: ParameterInfo, annotation: type[Path]) -> Converter:
    path_type = info.path_type or annotation

    def convert(value: Any, param: _TyperParameter, ctx: Context) -> Any:
        # Made a Path here: typer's path check would otherwise build a TypeAdapter for it.
        if isinstance(path_type, type) and issubclass(path_type, Path):
            value = value if isinstance(value, path_type) else path_type(value)
        return coerce_cli_path(value, info, path_type=path_type, param=param, ctx=ctx)

    return convert


def _converter(annotation: Any, info: ParameterInfo) -> Converter | None:
    """The plain converter of `annotation`, or None where typer's own is needed."""
    if annotation is str:
        return _to_str
    if annotation is bool:
        return _to_bool
    if annotation is int and not info.clamp:
        return _int_converter(info)
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return _path_converter(info, annotation)
    return None


def plain_runtime_param(descriptor: TypeDescriptor) -> RuntimeParam | None:
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None:
        return None
    annotation: Any = descriptor.annotation
    many = get_origin(annotation) is list
    if many:
        (annotation,) = get_args(annotation)
    convert = _converter(annotation, info)
    if convert is None:
        return None
    return PlainRuntimeParam(
        parameter_info=info, annotation=descriptor.annotation, convert=convert, many=many
    )


_typer_runtime_param = _TyperParameter.get_runtime_param


def _get_runtime_param(self: _TyperParameter) -> RuntimeParam:
    if self._runtime_param is None:
        self._runtime_param = plain_runtime_param(self.type_descriptor)
    if self._runtime_param is None:
        return _typer_runtime_param(self)
    return self._runtime_param


def install() -> None:
    """Convert plain options here (called once, where the application is built)."""
    _TyperParameter.get_runtime_param = _get_runtime_param  # type: ignore[method-assign]
