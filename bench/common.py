"""Helpers for the benchmark scripts: whole-process timing, alternating baselines, ratios.

These machines are noisy, so no figure is an absolute time: each measurement is run alternately
with a baseline in the same run, and the script prints the ratio of the medians.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "tests"))


# What every command that opens the archive must import, by the choices the issues made: typer,
# with the pydantic names its parameter layer imports to convert each option (typer >= 0.2x
# builds a TypeAdapter per parameter), and SQLAlchemy. Where a target cannot be met, the bench
# also prints the ratio against a process doing only this.
STACK_IMPORTS = (
    "import typer, sqlalchemy; "
    "from pydantic import AfterValidator, BeforeValidator, Field, TypeAdapter, ValidationInfo"
)


def compile_package() -> None:
    """Byte-compile the installed aksnews before timing processes.

    pip compiles a wheel at install; an editable install compiles on first import, and not at all
    under PYTHONDONTWRITEBYTECODE, when every process would recompile each module it imports.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("aksnews")
    assert spec is not None and spec.submodule_search_locations
    for location in spec.submodule_search_locations:
        compileall.compile_dir(location, quiet=1)


def timed(
    argv: Sequence[str], env: dict[str, str] | None = None, codes: Sequence[int] = (0,)
) -> tuple[float, int]:
    """Wall time and peak RSS in KiB of one whole process (wait4 reports the child's rusage)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/"
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in codes:
        raise RuntimeError(f"{' '.join(argv)} failed: {err.decode()[-500:]}")
    return elapsed, int(usage.ru_maxrss)


def cpu_timed(
    argv: Sequence[str], env: dict[str, str] | None = None, codes: Sequence[int] = (0,)
) -> float:
    """User plus system CPU time of one whole process: steadier than wall time on a machine
    that other work loads, since waiting for a core is not counted."""
    proc = subprocess.Popen(
        list(argv), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/"
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in codes:
        raise RuntimeError(f"{' '.join(argv)} failed: {err.decode()[-500:]}")
    return float(usage.ru_utime + usage.ru_stime)


def alternate(
    subject: Callable[[], float], baseline: Callable[[], float], rounds: int
) -> tuple[float, float, float]:
    """Median of subject, median of baseline, ratio; the two are interleaved round by round."""
    subject_times: list[float] = []
    baseline_times: list[float] = []
    for _ in range(rounds):
        baseline_times.append(baseline())
        subject_times.append(subject())
    s, b = statistics.median(subject_times), statistics.median(baseline_times)
    return s, b, s / b


def p95(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def report(name: str, subject: float, baseline: float, ratio: float, target: str) -> None:
    print(
        f"{name:<52} {subject * 1000:9.1f} ms vs {baseline * 1000:8.1f} ms  "
        f"ratio {ratio:5.2f}  (target {target})",
        flush=True,
    )


def self_rss_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
