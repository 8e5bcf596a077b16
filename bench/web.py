"""Web archive under load: /api/search latency with concurrent clients, and idle RSS.

Starts the real `aksnews web` process on a free loopback port over a temporary SQLite archive
of the whole corpus (AKS CHANGELOG, upstream CHANGELOGs, every draft), then runs N client
threads (keep-alive httpx clients) for a bounded time and request count on /api/search with
real words from the archive, then as many client processes for the same time, then as many
light clients (prepared requests on raw keep-alive sockets, as wrk sends them). The baseline is
the in-process search (aksnews.store.search.search) over the same archive with the same words.
Only 127.0.0.1 is ever contacted.

Usage: .venv/bin/python bench/web.py [--clients 20] [--seconds 20] [--max-requests 20000]
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import random
import re
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import httpx
from common import BIN, p95

from corpus import corpus_path

AKSNEWS = str(BIN / "aksnews")
HOST = "127.0.0.1"  # loopback only: this benchmark never sends traffic elsewhere
WORDS = 100
_WORD = re.compile(r"[A-Za-z][a-z]{3,}")


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKSNEWS_")}
    env["AKSNEWS_DATABASE_URL"] = f"sqlite:///{db}"
    # `serve` polls every source at start-up: point them all at a closed loopback port, so
    # the poll fails at once and nothing leaves this machine.
    for name in ("AKS_URL", "KUBERNETES_URL", "DEPRECATION_GUIDE_URL", "AKS_CALENDAR_URL"):
        env[f"AKSNEWS_{name}"] = f"http://{HOST}:9/unreachable"
    env["AKSNEWS_FETCH_RETRIES"] = "0"
    return env


def build_archive(db: Path) -> None:
    """The whole corpus: the AKS CHANGELOG, the upstream CHANGELOGs and every draft."""
    env = _env(db)
    run = [AKSNEWS, "ingest"]
    subprocess.run(
        [*run, str(corpus_path("aks/CHANGELOG.md")), "--source", "aks"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    changelogs = [str(corpus_path(f"kubernetes/changelog/CHANGELOG-1.{m}.md")) for m in (22, 32)]
    subprocess.run(
        [*run, *changelogs, "--source", "kubernetes"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    minors = range(14, 35)
    drafts = [str(corpus_path(f"kubernetes/release-notes/release-notes-1.{m}.md")) for m in minors]
    releases = [arg for m in minors for arg in ("--release", f"v1.{m}.0")]
    subprocess.run(
        [*run, *drafts, "--source", "kubernetes", *releases],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def query_words(db: Path) -> list[str]:
    """100 words that entries really contain (in at least two), common and rare alike."""
    from sqlalchemy import text

    from aksnews.store.engine import open_engine

    engine = open_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        texts = conn.execute(text("SELECT text FROM entry WHERE removed = 0")).scalars().all()
    engine.dispose()
    seen: Counter[str] = Counter()
    for body in texts:
        seen.update({w.lower() for w in _WORD.findall(body)})
    candidates = sorted(w for w, n in seen.items() if n >= 2)
    return random.Random(6).sample(candidates, WORDS)


def in_process_p95(db: Path, words: list[str], passes: int = 3) -> tuple[float, float]:
    """p95 and mean of the in-process search over the words."""
    from aksnews.store.engine import open_engine
    from aksnews.store.search import SearchQuery, search

    engine = open_engine(f"sqlite:///{db}")
    for word in words:  # warm the page cache and the connection pool
        search(engine, SearchQuery(text=word))
    samples = []
    for _ in range(passes):
        for word in words:
            start = time.perf_counter()
            search(engine, SearchQuery(text=word))
            samples.append(time.perf_counter() - start)
    engine.dispose()
    return p95(samples), sum(samples) / len(samples)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (/proc/PID/stat, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def web_command(port: int) -> tuple[list[str], str]:
    """`aksnews serve --web` once it exists (what a deployment runs), else `aksnews web`."""
    serve_help = subprocess.run(
        [AKSNEWS, "serve", "--help"], capture_output=True, text=True, check=False
    ).stdout
    if "--web" in serve_help and "--port" in serve_help:
        argv = [AKSNEWS, "serve", "--web", "--host", HOST, "--port", str(port)]
        return argv, "aksnews serve --web"
    return [AKSNEWS, "web", "--host", HOST, "--port", str(port)], "aksnews web"


def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the web process exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the web process did not answer /healthz in time")


def _run_clients(
    clients: int, client: Callable[[int], tuple[list[float], int]]
) -> tuple[list[float], int, float]:
    """`clients` threads of `client(n)` (its latencies and failures), started together."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = time.perf_counter()

    def run(n: int) -> None:
        nonlocal errors
        mine, failed = client(n * 7)
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - start


def load(
    base: str, words: list[str], clients: int, seconds: float, max_requests: int
) -> tuple[list[float], int, float]:
    """Latencies, errors and elapsed time of `clients` threads until time or count runs out."""
    tickets = itertools.count()
    stop_at = time.perf_counter() + seconds

    def client(n: int) -> tuple[list[float], int]:
        mine: list[float] = []
        failed = 0
        with httpx.Client(base_url=base, timeout=10) as http:
            for i in itertools.count(n):
                if time.perf_counter() >= stop_at or next(tickets) >= max_requests:
                    break
                word = words[i % len(words)]
                began = time.perf_counter()
                try:
                    ok = http.get("/api/search", params={"q": word}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine.append(time.perf_counter() - began)
                failed += not ok
        return mine, failed

    return _run_clients(clients, client)


def _read_response(sock: socket.socket, pending: bytes) -> tuple[int, bytes]:
    """One HTTP/1.1 response with a Content-Length body: (status, bytes read past it)."""
    while b"\r\n\r\n" not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        pending += chunk
    head, _, rest = pending.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = next(
        int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        rest += chunk
    return status, rest[length:]


def load_light(
    base: str, words: list[str], clients: int, seconds: float
) -> tuple[list[float], int, float, float]:
    """The same closed loop from `clients` keep-alive sockets that send prepared requests and
    read the answers by their Content-Length, as a load generator such as wrk does: httpx's
    client costs about a millisecond of CPU a request, which on a machine of two cores is
    taken from the server it measures. Latencies, errors, elapsed and the clients' CPU time."""
    address = urllib.parse.urlsplit(base)
    host, port = address.hostname, address.port
    assert host == HOST and port is not None  # loopback only
    requests = [
        f"GET /api/search?{urllib.parse.urlencode({'q': w})} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Accept: application/json\r\n\r\n".encode("ascii")
        for w in words
    ]
    cpu_before = time.process_time()
    stop_at = time.perf_counter() + seconds

    def client(n: int) -> tuple[list[float], int]:
        mine: list[float] = []
        failed = 0
        sock = socket.create_connection((host, port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        try:
            for i in itertools.count(n):
                if time.perf_counter() >= stop_at:
                    break
                began = time.perf_counter()
                try:
                    sock.sendall(requests[i % len(requests)])
                    status, pending = _read_response(sock, pending)
                    ok = status == 200
                except OSError:
                    ok = False
                    sock.close()
                    sock = socket.create_connection((host, port), timeout=10)
                    pending = b""
                mine.append(time.perf_counter() - began)
                failed += not ok
        finally:
            sock.close()
        return mine, failed

    latencies, errors, elapsed = _run_clients(clients, client)
    return latencies, errors, elapsed, time.process_time() - cpu_before


def _one_client(
    base: str, words: list[str], seconds: float, n: int, out: Queue[Any], go: Any
) -> None:
    out.put(None)  # started: the clients load together, not as each process comes up
    go.wait()
    out.put(load(base, words[n:] + words[:n], 1, seconds, 1_000_000))


def load_processes(
    base: str, words: list[str], clients: int, seconds: float
) -> tuple[list[float], int, float]:
    """The same load from `clients` processes of one client each: independent clients, as on
    separate machines. Threads of one process also wait for that process's interpreter lock
    before reading each answer, which adds to the latencies they measure."""
    context = multiprocessing.get_context("spawn")  # a fork would copy the locks of past threads
    out: Queue[Any] = context.Queue()
    go = context.Event()
    procs = [
        context.Process(target=_one_client, args=(base, words, seconds, n * 7, out, go))
        for n in range(clients)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        out.get()
    go.set()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    latencies = [x for r in results for x in r[0]]
    return latencies, sum(r[1] for r in results), max(r[2] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="aksnews-bench-web-") as tmp:
        db = Path(tmp) / "aksnews.db"
        build_archive(db)
        words = query_words(db)
        baseline, mean = in_process_p95(db, words)

        port = _free_port()
        argv, label = web_command(port)
        proc = subprocess.Popen(
            argv, env=_env(db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/"
        )
        base = f"http://{HOST}:{port}"
        try:
            wait_healthy(base, proc)
            time.sleep(1.0)  # let start-up settle before reading the idle footprint
            idle = rss_mb(proc.pid)
            server_before, own_before = cpu_seconds(proc.pid), sum(os.times()[:2])
            latencies, errors, elapsed = load(
                base, words, args.clients, args.seconds, args.max_requests
            )
            server_cpu = cpu_seconds(proc.pid) - server_before
            client_cpu = sum(os.times()[:2]) - own_before
            loaded = rss_mb(proc.pid)
            apart, apart_errors, apart_elapsed = load_processes(
                base, words, args.clients, args.seconds
            )
            light_before = cpu_seconds(proc.pid)
            light, light_errors, light_elapsed, light_cpu = load_light(
                base, words, args.clients, args.seconds
            )
            light_server = cpu_seconds(proc.pid) - light_before
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    ordered = sorted(latencies)
    print(f"web search: {label} on {base}, {args.clients} clients, {len(words)} words")
    print(
        f"{'requests':<44} {len(latencies):9d} in {elapsed:5.1f} s  "
        f"({len(latencies) / elapsed:7.1f} req/s)"
    )
    print(f"{'errors':<44} {errors:9d}  (target 0)")
    print(f"{'/api/search p50':<44} {ordered[len(ordered) // 2] * 1000:9.1f} ms")
    print(f"{'/api/search p95 under load':<44} {p95(latencies) * 1000:9.1f} ms  (target <= 50 ms)")
    print(f"{'in-process search p95 (baseline)':<44} {baseline * 1000:9.1f} ms")
    print(
        f"{'throughput vs one in-process searcher':<44} "
        f"{len(latencies) / elapsed * baseline:9.2f}  (requests/s x in-process p95)"
    )
    # Where a request's time goes: both processes share the machine's cores.
    n = len(latencies)
    print(
        f"{'CPU per request: server, clients':<44} {server_cpu / n * 1000:9.2f} ms, "
        f"{client_cpu / n * 1000:.2f} ms  (in-process search mean {mean * 1000:.2f} ms; "
        f"{os.cpu_count()} cores)"
    )
    apart_sorted = sorted(apart)
    print(
        f"{'the same from ' + str(args.clients) + ' client processes: p95':<44} "
        f"{p95(apart) * 1000:9.1f} ms  (p50 {apart_sorted[len(apart) // 2] * 1000:.1f} ms, "
        f"{len(apart) / apart_elapsed:.1f} req/s, {apart_errors} errors)"
    )
    light_sorted = sorted(light)
    print(
        f"{'the same from ' + str(args.clients) + ' light clients: p95':<44} "
        f"{p95(light) * 1000:9.1f} ms  (p50 {light_sorted[len(light) // 2] * 1000:.1f} ms, "
        f"{len(light) / light_elapsed:.1f} req/s, {light_errors} errors; CPU per request: "
        f"server {light_server / len(light) * 1000:.2f} ms, clients "
        f"{light_cpu / len(light) * 1000:.2f} ms)"
    )
    print(f"{'idle RSS of ' + label:<44} {idle:9.1f} MB  (target <= 100 MB)")
    print(f"{'RSS of ' + label + ' after the load':<44} {loaded:9.1f} MB")


if __name__ == "__main__":
    main()
