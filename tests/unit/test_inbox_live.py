"""The live inbox: sessions in other processes on the same vault see new items within
5 seconds, by a cheap poll (PRAGMA data_version, then a small query)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tests.unit.test_breaches import (  # noqa: F401  (fixtures)
    CASEWORKER,
    OFFICER,
    PASSES,
    Clock,
    People,
    ago,
    clock,
    memoised_argon2,
    new_member,
    people,
    report,
    template,
)
from uwu_tui.data import inbox
from uwu_tui.session import iso, utc_now

REPO = Path(__file__).resolve().parents[2]

# The second process: signs in (passphrase on stdin, never in argv), then polls every
# 0.5 s and prints each new item as a JSON line.
CHILD = textwrap.dedent("""
    import json, sys, time
    from uwu_tui.session import Session, iso

    vault, username = sys.argv[1], sys.argv[2]
    session = Session.open(vault, username, sys.stdin.readline().rstrip("\\n"))
    after = iso(session.now())
    print(json.dumps({"ready": after}), flush=True)
    while True:
        for item in session.poll_inbox(after):
            print(json.dumps({"kind": item.kind, "id": item.id, "entity_id": item.entity_id,
                              "urgent": item.urgent}), flush=True)
            after = max(after, item.created_at)
        time.sleep(0.5)
""")


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put((time.monotonic(), line))
    into.put((time.monotonic(), None))


def _next(lines: queue.Queue, timeout: float) -> tuple[float, dict]:
    at, line = lines.get(timeout=timeout)
    assert line is not None, "the second process ended"
    return at, json.loads(line)


def test_two_processes_on_one_vault_deliver_within_5_seconds(template: Path,
                                                             tmp_path: Path) -> None:
    shutil.copytree(template.parent, tmp_path / "vault")
    path = tmp_path / "vault" / template.name
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), OFFICER],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    crowd = People(path, utc_now)  # real time in both processes
    try:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(PASSES[OFFICER] + "\n")
        child.stdin.close()
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_lines, args=(child.stdout, lines), daemon=True).start()
        try:
            _, ready = _next(lines, timeout=60)  # one real Argon2id derivation
        except queue.Empty:
            child.kill()
            pytest.fail(f"the second process did not start: {child.stderr.read()[-2000:]}")
        assert "ready" in ready

        bob = crowd.bob
        started = time.monotonic()
        made = bob.report_breach(discovered_at=iso(utc_now()), description="Lost phone",
                                 members_unknown=True)
        at, seen = _next(lines, timeout=10)
        latency = at - started
        assert (seen["kind"], seen["entity_id"], seen["urgent"]) == ("breach", made.id, True)
        assert latency < 5.0, f"delivered after {latency:.2f} s"

        # A second item, of another kind, is delivered too; nothing is delivered twice.
        started = time.monotonic()
        conflict = bob.declare_conflict("other", "I stand for branch office against olga")
        at, seen = _next(lines, timeout=10)
        assert (seen["kind"], seen["entity_id"]) == ("conflict", conflict.id)
        assert at - started < 5.0, f"delivered after {at - started:.2f} s"
        with pytest.raises(queue.Empty):
            lines.get(timeout=1.2)  # two more polls: no repeats
    finally:
        crowd.close()
        child.kill()
        child.wait(timeout=10)
        for stream in (child.stdout, child.stderr):
            if stream:
                stream.close()


def test_poll_skips_the_query_when_nothing_was_committed(people: People, clock: Clock,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    alice, bob = people.alice, people.bob
    start = iso(clock.now)
    queries: list[str] = []
    real = inbox.newer_than

    def counted(*args, **kwargs):
        queries.append("newer_than")
        return real(*args, **kwargs)

    monkeypatch.setattr(inbox, "newer_than", counted)
    assert alice.poll_inbox(start) == []  # the first poll always looks
    assert len(queries) == 1

    statements: list[str] = []
    alice._conn().set_trace_callback(statements.append)
    for _ in range(3):
        assert alice.poll_inbox(start) == []
    assert len(queries) == 1
    # Only the pragma ran (the tracer may report a statement more than once).
    assert statements and set(statements) == {"PRAGMA data_version"}

    clock.advance(seconds=1)
    made = report(bob, clock)  # another connection commits
    items = alice.poll_inbox(start)
    assert [(i.kind, i.entity_id) for i in items] == [("breach", made.id)]
    assert len(queries) == 2
    statements.clear()
    assert alice.poll_inbox(start) == []
    assert set(statements) == {"PRAGMA data_version"} and len(queries) == 2
    alice._conn().set_trace_callback(None)


def test_poll_returns_only_new_unacknowledged_items_for_me(people: People,
                                                           clock: Clock) -> None:
    alice, olga, bob, sam = people.alice, people.olga, people.bob, people.sam
    start = iso(clock.now)
    for session in (alice, olga, sam):
        assert session.poll_inbox(start) == []
    clock.advance(seconds=1)
    first = report(bob, clock)
    clock.advance(seconds=1)
    incident = bob.report_incident("member safety", "Threat made outside the depot")
    clock.advance(seconds=1)
    second = report(bob, clock, description="Files in an unlocked cabinet")

    [one, two] = alice.poll_inbox(start)
    assert [one.entity_id, two.entity_id] == [first.id, second.id]  # oldest first
    assert [i.entity_id for i in sam.poll_inbox(start)] == [incident.id]
    # `after` moves on: only what is newer.
    clock.advance(seconds=1)
    third = report(bob, clock, description="Fax to the wrong number")
    assert [i.entity_id for i in olga.poll_inbox(two.created_at)] == [third.id]

    # Acknowledged items are not returned, to the one who acknowledged them.
    alice.acknowledge(one.id)
    clock.advance(seconds=1)
    bob.report_incident("ethical concern", "Rep accepted a gift")  # someone else commits
    assert [i.entity_id for i in alice.poll_inbox(start)] == [second.id, third.id]
    assert [i.entity_id for i in olga.poll_inbox(start)] == [first.id, second.id, third.id]
    assert bob.poll_inbox(start) == []
    assert alice.inbox_unread() == 2 and olga.inbox_unread() == 3


def test_poll_sees_items_addressed_to_me_by_name(people: People, clock: Clock) -> None:
    bob, sam = people.bob, people.sam
    start = iso(clock.now)
    assert bob.poll_inbox(start) == []
    made = bob.report_incident("ethical concern", "Rep accepted a gift")
    clock.advance(minutes=1)
    sam.resolve_incident(made.id, made.version, "Gift returned; rep reminded of the policy")
    [item] = bob.poll_inbox(start)
    assert (item.kind, item.to_user, item.entity_id) == ("incident resolved", CASEWORKER,
                                                         made.id)
    assert people.cara.poll_inbox(start) == []
