"""Sign-in throttling: after 3 failures for a username, a growing delay.

The 4th attempt waits 1 s after the 3rd failure, then 2, 4, 8 … capped at 60 s.
"""

from __future__ import annotations

FREE_FAILURES = 3
MAX_DELAY = 60


def delay_after(failures: int) -> int:
    """Seconds to wait after `failures` consecutive failures before the next try."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_DELAY, 2 ** (failures - FREE_FAILURES))


def seconds_to_wait(failures: int, last_failure: float, now: float) -> float:
    remaining = last_failure + delay_after(failures) - now
    return max(0.0, remaining)
