"""The layering, read from the import graph (ast, no import executed): every package imports
only packages below it in the documented order (README, "Layout"), SQL only in the store, the
store importing nothing of aksnews above the bottom layer of values, no module over 600 lines.

Every import statement counts, wherever it is: at module level, inside a function (the lazy
imports that keep start-up cheap) and under `if TYPE_CHECKING:`. The allowed sets are module
prefixes, kept as constants here so that a change of the package order is a change of data.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Source folders and the import name of each (pyproject's package-dir).
PACKAGE_DIRS = {
    "aksnews": ROOT / "aksnews",
    "aksnews.parsers": ROOT / "parsers",
    "aksnews.notifiers": ROOT / "notifiers",
}

# The store may import only itself and the bottom layer: the values that cross stages (the
# model package: releases, records, findings, messages, inventory values and their JSON codecs,
# versions and links), errors and config.
STORE = ("aksnews.store",)
STORE_MAY_IMPORT = (
    "aksnews.store",
    "aksnews.model",
    "aksnews.errors",
    "aksnews.config",
)

# SQLAlchemy (Core, ORM, its exceptions) only inside these; alembic/ is not an aksnews module
# folder scanned here, its migrations use SQLAlchemy by nature.
SQL = ("sqlalchemy",)
SQL_ALLOWED_IN = ("aksnews.store",)


@dataclass(frozen=True, slots=True)
class Import:
    module: str  # the importing module
    target: str  # the module imported ('aksnews.store.handle', 'sqlalchemy.exc')
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.module} imports {self.target}"


def under(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def module_name(package: str, folder: Path, path: Path) -> str:
    parts = list(path.relative_to(folder).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def imports_of(
    source: str,
    module: str,
    path: Path,
    *,
    is_package: bool = False,
    modules: set[str] | None = None,
) -> Iterator[Import]:
    """Every import in `source`, resolved to absolute module names.

    `from a.b import c` imports a.b, and a.b.c too when that is one of `modules` (a submodule,
    not a function or a class); with `modules` None, a.b.c is always counted.
    """
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, path, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing package
                package = module.split(".") if is_package else module.split(".")[:-1]
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield Import(module, base, path, node.lineno)
            for alias in node.names:
                name = f"{base}.{alias.name}"
                if modules is None or name in modules:
                    yield Import(module, name, path, node.lineno)


def import_graph() -> list[Import]:
    """The imports of every module under PACKAGE_DIRS."""
    sources: dict[str, Path] = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in sorted(folder.rglob("*.py")):
            sources[module_name(package, folder, path)] = path
    modules = set(sources)
    return [
        item
        for name, path in sources.items()
        for item in imports_of(
            path.read_text(encoding="utf-8"),
            name,
            path,
            is_package=path.name == "__init__.py",
            modules=modules,
        )
    ]


def store_violations(graph: Iterable[Import]) -> list[str]:
    return sorted(
        str(i)
        for i in graph
        if under(i.module, STORE)
        and under(i.target, ("aksnews",))
        and i.target != "aksnews"
        and not under(i.target, STORE_MAY_IMPORT)
    )


def sql_violations(graph: Iterable[Import]) -> list[str]:
    return sorted(
        str(i) for i in graph if under(i.target, SQL) and not under(i.module, SQL_ALLOWED_IN)
    )


@pytest.fixture(scope="module")
def graph() -> list[Import]:
    return import_graph()


def test_the_graph_covers_every_package(graph: list[Import]) -> None:
    importing = {i.module for i in graph}
    assert {"aksnews.store.handle", "aksnews.parsers.base", "aksnews.notifiers.base"} <= importing
    assert "aksnews.service.cycle" in importing and "aksnews.web.views" in importing


def test_the_store_imports_only_the_bottom_layer(graph: list[Import]) -> None:
    assert store_violations(graph) == []


def test_the_bottom_layer_imports_only_itself(graph: list[Import]) -> None:
    """What the store may import must not reach up either, or the store would through it."""
    bottom = tuple(p for p in STORE_MAY_IMPORT if not under(p, STORE))
    assert (
        sorted(
            str(i)
            for i in graph
            if under(i.module, bottom)
            and under(i.target, ("aksnews",))
            and i.target != "aksnews"
            and not under(i.target, bottom)
        )
        == []
    )


def test_sqlalchemy_is_imported_only_in_the_store(graph: list[Import]) -> None:
    assert sql_violations(graph) == []


def test_the_checks_see_lazy_and_type_checking_imports() -> None:
    """The rules can fail: imports hidden in a function and under TYPE_CHECKING are found."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from sqlalchemy import Engine\n"
        "def f():\n"
        "    from aksnews.knowledge.lifecycle import build_calendar\n"
        "    import sqlalchemy.orm\n"
        "    from aksnews.model.releases import Release\n"
    )
    path = ROOT / "aksnews" / "store" / "ex.py"
    as_store = list(imports_of(source, "aksnews.store.ex", path))
    assert store_violations(as_store) == [
        "aksnews/store/ex.py:5: aksnews.store.ex imports aksnews.knowledge.lifecycle",
        "aksnews/store/ex.py:5: aksnews.store.ex imports "
        "aksnews.knowledge.lifecycle.build_calendar",
    ]
    assert sql_violations(as_store) == []
    as_stage = list(
        imports_of(source, "aksnews.service.cycle", ROOT / "aksnews" / "service" / "cycle.py")
    )
    assert sql_violations(as_stage) == [
        "aksnews/service/cycle.py:3: aksnews.service.cycle imports sqlalchemy",
        "aksnews/service/cycle.py:3: aksnews.service.cycle imports sqlalchemy.Engine",
        "aksnews/service/cycle.py:6: aksnews.service.cycle imports sqlalchemy.orm",
    ]


def test_relative_imports_resolve_against_their_package() -> None:
    path = ROOT / "aksnews" / "store" / "ex.py"
    found = {i.target for i in imports_of("from ..lifecycle import x\n", "aksnews.store.ex", path)}
    assert "aksnews.lifecycle" in found


# The documented order, bottom first (README, "Layout"): a module may import its own layer and
# the layers below it, never one above. The longest matching prefix decides a module's layer.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("aksnews.errors", "aksnews.redact")),
    ("config", ("aksnews.config",)),
    ("model", ("aksnews.model",)),
    ("parsers", ("aksnews.parsers",)),
    ("store", ("aksnews.store",)),
    ("knowledge", ("aksnews.knowledge",)),
    ("sources", ("aksnews.sources", "aksnews.inventory")),
    ("match", ("aksnews.match",)),
    ("report", ("aksnews.report", "aksnews.templates")),
    ("deliver", ("aksnews.notifiers", "aksnews.deliver")),
    ("service", ("aksnews.service",)),
    ("front", ("aksnews.web", "aksnews.commands")),
    ("cli", ("aksnews.cli",)),
)
MAX_LINES = 600


def layer_of(name: str) -> int | None:
    found: tuple[int, int] | None = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if under(name, (prefix,)) and (found is None or len(prefix) > found[1]):
                found = (rank, len(prefix))
    return None if found is None else found[0]


def upward_imports(graph: Iterable[Import]) -> list[str]:
    out = []
    for i in graph:
        here, there = layer_of(i.module), layer_of(i.target)
        if here is not None and there is not None and there > here:
            out.append(f"{i} ({LAYERS[here][0]} -> {LAYERS[there][0]})")
    return sorted(out)


def test_every_module_has_a_layer() -> None:
    """A new package must be placed in the order before it can be imported."""
    names = [
        module_name(package, folder, path)
        for package, folder in PACKAGE_DIRS.items()
        for path in folder.rglob("*.py")
    ]
    assert [n for n in names if n != "aksnews" and layer_of(n) is None] == []


def test_no_package_imports_a_package_above_it(graph: list[Import]) -> None:
    assert upward_imports(graph) == []


def test_an_upward_import_is_found() -> None:
    path = ROOT / "aksnews" / "match" / "ex.py"
    found = upward_imports(
        imports_of("from aksnews.deliver import digest\n", "aksnews.match.ex", path)
    )
    assert found == [
        "aksnews/match/ex.py:1: aksnews.match.ex imports aksnews.deliver (match -> deliver)",
        "aksnews/match/ex.py:1: aksnews.match.ex imports aksnews.deliver.digest (match -> deliver)",
    ]


def test_no_module_passes_600_lines() -> None:
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for folder in PACKAGE_DIRS.values()
        for path in folder.rglob("*.py")
        if path.name != "sqlite_schema.py"  # generated statements, not code to read
    }
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}
