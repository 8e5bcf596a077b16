"""The layering, read from the import graph (ast, no import executed): SQL only in the store,
and the store importing nothing of aksnews above the bottom layer of values.

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

# The store may import only itself and the bottom layer: the values that cross stages (model,
# inventory values and their JSON codecs, version and link helpers), errors and config.
STORE = ("aksnews.store",)
STORE_MAY_IMPORT = (
    "aksnews.store",
    "aksnews.model.releases",
    "aksnews.errors",
    "aksnews.config",
    "aksnews.versions",
    "aksnews.links",
    "aksnews.model.inventory",
    "aksnews.model.upgrade",
    "aksnews.model.inventory_codec",
    "aksnews.model.upgrade_codec",
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
        "aksnews/store/ex.py:5: aksnews.store.ex imports aksnews.knowledge.lifecycle.build_calendar",
    ]
    assert sql_violations(as_store) == []
    as_stage = list(imports_of(source, "aksnews.service.cycle", ROOT / "aksnews" / "cycle.py"))
    assert sql_violations(as_stage) == [
        "aksnews/service/cycle.py:3: aksnews.service.cycle imports sqlalchemy",
        "aksnews/service/cycle.py:3: aksnews.service.cycle imports sqlalchemy.Engine",
        "aksnews/service/cycle.py:6: aksnews.service.cycle imports sqlalchemy.orm",
    ]


def test_relative_imports_resolve_against_their_package() -> None:
    path = ROOT / "aksnews" / "store" / "ex.py"
    found = {i.target for i in imports_of("from ..lifecycle import x\n", "aksnews.store.ex", path)}
    assert "aksnews.knowledge.lifecycle" in found
