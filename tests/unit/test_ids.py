"""Record ids (uwu_tui.data.ids.uuid7): RFC 9562 version 7, unique, time-ordered."""

from __future__ import annotations

import re
import threading
import time
import uuid

from uwu_tui.data import ids
from uwu_tui.data.ids import uuid7

CANONICAL = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_uuid7_is_a_valid_version_7_uuid() -> None:
    for _ in range(1000):
        text = uuid7()
        assert isinstance(text, str)
        assert CANONICAL.match(text), text
        parsed = uuid.UUID(text)
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_uuid7_carries_the_current_unix_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    value = uuid.UUID(uuid7()).int
    after = time.time_ns() // 1_000_000
    ms = value >> 80
    # The counter may push the stamp at most a millisecond or two ahead within a burst.
    assert before <= ms <= after + 2


def test_uuid7_unique_and_sorted_in_creation_order_over_10000_calls() -> None:
    made = [uuid7() for _ in range(10_000)]
    assert len(set(made)) == len(made)
    assert made == sorted(made)  # text order is creation order
    assert [uuid.UUID(m).int for m in made] == sorted(uuid.UUID(m).int for m in made)


def test_uuid7_sorts_across_milliseconds() -> None:
    first = uuid7()
    time.sleep(0.003)
    second = uuid7()
    assert first < second
    assert (uuid.UUID(second).int >> 80) > (uuid.UUID(first).int >> 80)


def test_uuid7_monotonic_when_the_wall_clock_steps_back(monkeypatch) -> None:
    made = [uuid7()]
    real = time.time_ns
    monkeypatch.setattr(ids.time, "time_ns", lambda: real() - 10 * 1_000_000_000)
    made += [uuid7() for _ in range(100)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)


def test_uuid7_counter_overflow_keeps_order(monkeypatch) -> None:
    """More than 4096 ids in one frozen millisecond still come out unique and in order."""
    frozen = time.time_ns() + 1_000_000_000  # a moment ahead of any id made so far
    monkeypatch.setattr(ids.time, "time_ns", lambda: frozen)
    made = [uuid7() for _ in range(5000)]
    assert len(set(made)) == len(made)
    assert made == sorted(made)
    assert all(uuid.UUID(m).version == 7 for m in made)


def test_uuid7_unique_and_ordered_across_threads() -> None:
    results: list[list[str]] = [[] for _ in range(4)]

    def work(bucket: list[str]) -> None:
        for _ in range(2000):
            bucket.append(uuid7())

    threads = [threading.Thread(target=work, args=(bucket,)) for bucket in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [m for bucket in results for m in bucket]
    assert len(set(everything)) == len(everything)
    for bucket in results:
        assert bucket == sorted(bucket)
