"""No secret in any log, at any level: `digest --send`, `run-once` and `notify` run as real
processes with --debug against webhook URLs that carry a unique token in their path and query
and a user:password, through resets, 5xx, 429s and refused payloads. The token and the
password appear in none of stdout, stderr, the files the runs leave, or the database rows
(the inventory holds only the env: references). The redacting filter is also checked on the
records third-party libraries write (slack_sdk, httpx, httpcore, urllib3).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import column, create_engine, inspect, select, table

from aksnews import redact

from fault_server import OK, Answer, Fault, fault_server

TESTS = Path(__file__).parent.parent


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = [str(Path(sys.executable).with_name("aksnews")), "--debug", *args]
    return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _database_text(url: str) -> list[tuple[str, str]]:
    """(table, row as text) for every row of every table."""
    engine = create_engine(url)
    out = []
    with engine.connect() as conn:
        for name in inspect(engine).get_table_names():
            columns = [c["name"] for c in inspect(engine).get_columns(name)]
            query = select(table(name, *(column(c) for c in columns)))
            out.extend((name, repr(tuple(row))) for row in conn.execute(query))
    engine.dispose()
    return out


def test_no_secret_in_output_logs_files_or_rows(tmp_path: Path) -> None:
    token = f"tok{uuid.uuid4().hex}"
    password = f"pw{uuid.uuid4().hex}"
    work = tmp_path / "work"
    work.mkdir()
    db = f"sqlite:///{tmp_path / 'aksnews.db'}"
    with fault_server() as server:
        slack_path = f"/services/T000/B000/{token}"
        teams_path = f"/workflows/{token}/triggers/manual/paths/invoke"
        slack_url = server.url(slack_path, userinfo=f"hook:{password}")
        teams_url = server.url(teams_path, userinfo=f"hook:{password}") + f"?sig={token}"
        inventory = tmp_path / "inventory.yaml"
        # Both behind env: secrets (an inline webhook must be https://): the inventory stores
        # only their names, so no row at all may hold the token.
        inventory.write_text(
            "teams:\n"
            "  - name: payments\n"
            "    slack: {webhook: env:PAYMENTS_SLACK_WEBHOOK}\n"
            "    teams: {webhook: env:PAYMENTS_TEAMS_WEBHOOK}\n",
            encoding="utf-8",
        )
        missing = server.url("/missing")  # the sources: every poll fails, quickly
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AKSNEWS_")},
            "AKSNEWS_DATABASE_URL": db,
            "PAYMENTS_SLACK_WEBHOOK": slack_url,
            "PAYMENTS_TEAMS_WEBHOOK": teams_url,
            "AKSNEWS_AKS_URL": missing,
            "AKSNEWS_AKS_CALENDAR_URL": missing,
            "AKSNEWS_DEPRECATION_GUIDE_URL": missing,
            "AKSNEWS_KUBERNETES_URL": missing + "/{minor}",
            "AKSNEWS_KUBERNETES_MINORS": "1.32-1.32",
            "AKSNEWS_FETCH_RETRIES": "0",
        }
        date = dt.datetime(2026, 3, 16, 12, tzinfo=dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
        server.script(slack_path, Answer(503, "busy"), OK, Answer(200, "invalid_payload"))
        server.script(teams_path, Fault.RESET, Answer(429, "", {"Retry-After": date}), OK)
        runs = [
            (["inventory", "load", str(inventory)], 0),
            # slack 503: pending; teams reset after the post: uncertain.
            (["digest", "--team", "payments", "--today", "2026-03-02", "--send"], 1),
            # The sources fail (exit 1); the pending slack message is due: sent.
            (["run-once"], 1),
            # slack answers 200 invalid_payload: failed; teams 429 with a date: pending.
            (["digest", "--team", "payments", "--today", "2026-03-09", "--send"], 1),
            (["notify", "--now", "2026-03-17T00:00Z"], 0),
            (["outbox"], 0),
            (["outbox", "--json"], 0),
        ]
        outputs = []
        for args, code in runs:
            done = _run(args, env, work)
            assert done.returncode == code, (args, done.stdout, done.stderr)
            outputs.append(done.stdout + done.stderr)
        headers = server.headers
        assert len(server.posts) == 6
    final = json.loads(done.stdout)
    assert sorted((r["key"][-10:], r["channel"], r["status"]) for r in final) == [
        ("2026-03-02", "slack", "sent"),
        ("2026-03-02", "teams", "uncertain"),
        ("2026-03-09", "slack", "failed"),
        ("2026-03-09", "teams", "sent"),
    ]
    everything = "\n".join(outputs)
    for secret in (token, password):
        assert secret not in everything
        for path in work.rglob("*"):
            if path.is_file():
                assert secret not in path.read_text(encoding="utf-8", errors="replace"), path
        rows = _database_text(db)
        assert any("env:PAYMENTS_TEAMS_WEBHOOK" in text for _, text in rows)
        assert [(name, text) for name, text in rows if secret in text] == []
    # The runs did log: third-party request lines and our own delivery lines, redacted.
    assert "HTTP Request: POST http://127.0.0.1" in everything
    assert "delivery id=" in everything and "bytes=" in everything
    # The peer did receive the credentials (so they were there to leak).
    assert any(h.get("Authorization", "").startswith("Basic ") for h in headers)


def _emit(logger: str, message: str, *args: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    redact.install()
    try:
        logging.getLogger(logger).warning(message, *args)
    finally:
        root.removeHandler(handler)
    return stream.getvalue()


def test_filter_redacts_what_third_party_loggers_write() -> None:
    token = f"tok{uuid.uuid4().hex}"
    url = f"https://user:pass{token}@hooks.slack.com/services/T0/B0/{token}"
    cases = [
        ("httpx", 'HTTP Request: POST %s "HTTP/1.1 200 OK"', (url,)),
        ("httpcore.http11", "send_request_headers.started request=%r", (url,)),
        ("urllib3.connectionpool", '%s://%s:%s "%s %s %s" %s', ("https", "hooks.slack.com",
         443, "POST", f"/services/T0/B0/{token}", "HTTP/1.1", 200)),
        ("slack_sdk.web.base_client", "Sending a request - url: %s, json_body: %s, headers: %s",
         ("https://slack.com/api/chat.postMessage", {"text": token, "blocks": []},
          {"Authorization": f"Bearer xoxb-{token}"})),
        ("slack_sdk.web.base_client", "Received the following response - body: %s", (token,)),
        ("aksnews.x", "Authorization: Basic %s", (token,)),
        ("aksnews.x", "teams %s", (f"https://x.logic.azure.com/workflows/1/paths/invoke?sv=1&sig={token}",)),
    ]  # fmt: skip
    for logger, message, args in cases:
        line = _emit(logger, message, *args)
        assert line.strip() and token not in line, (logger, line)
    assert "json_body: <" in _emit("slack_sdk.web.base_client", *cases[3][1:2], *cases[3][2])


def test_remembered_secrets_are_redacted_wherever_they_appear() -> None:
    token = f"tok{uuid.uuid4().hex}"
    redact.remember(f"https://example.org/hook/{token}")
    try:
        assert token not in redact.redact(f"posting to /hook/{token} failed")
        assert redact.redact("https://raw.githubusercontent.com/Azure/AKS/x.md") == (
            "https://raw.githubusercontent.com/Azure/AKS/x.md"  # other URLs stay readable
        )
    finally:
        redact.forget_all()
