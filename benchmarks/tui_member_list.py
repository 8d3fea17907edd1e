"""How the members screen behaves on a big directory (default 100,000 members).

    .venv/bin/python benchmarks/tui_member_list.py [--members 100000] [--pages 50]

Measures, headless at 80x24 with the real MembersScreen, Session and vault thread:

- first paint: from pushing the screen to the first page of names on screen;
- paging: PageDown held through `--pages` screens of the directory (the list fetches keyset
  pages of 100 as it nears its end): per-key latency p50/p95/max, and the time of each
  `Session.member_page` call;
- rendering: the cost of painting one screenful of rows with few and with many rows loaded
  (the Line API paints only what is visible, so this should not grow);
- search-as-you-type: typing a surname letter by letter, time from the last key to the
  final results on screen;
- for comparison, Textual's DataTable: the cost of appending a page of 100 rows to a table
  that already holds 0, 10,000 and 50,000 rows, and what holding them costs in memory.

Prints a table; asserts nothing (timings are measured here, never in unit tests).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.app import App  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from uwu_tui.data.ids import uuid7  # noqa: E402
from uwu_tui.screens.members import MembersScreen  # noqa: E402
from uwu_tui.session import Session, iso  # noqa: E402
from uwu_tui.widgets.member_list import MemberList  # noqa: E402
from uwu_tui.widgets.vault_thread import VaultThread  # noqa: E402

USER, NAME, PASS = "timer", "Bench Officer", "quiet violet tractor lamp"
FAMILIES = ["Abara", "Bergström", "Chowdhury", "Doyle", "Evans", "Fitzgerald", "García",
            "Hughes", "Iqbal", "Jankowski", "Kelly", "Lindqvist", "Mensah", "Nowak", "O'Brien",
            "Patel", "Quinn", "Rahman", "Singh", "Thompson", "Ueda", "Vasquez", "Walsh",
            "Xu", "Yilmaz", "Zielinski"]
GIVEN = ["Ada", "Bryn", "Cai", "Dara", "Eli", "Fen", "Gus", "Hana", "Ira", "Jo", "Kit", "Lev"]


def build(path: Path, count: int) -> None:
    """Synthetic members written straight through the data layer in one transaction (a
    benchmark fixture; the app itself only ever writes through Session)."""
    session = Session.create(path, USER, NAME, PASS)
    now = iso(session.now())
    columns = ("id", "membership_no", "given_name", "family_name", "branch", "email",
               "employer", "created_at", "updated_at", "origin")
    rows = ((uuid7(), f"B{i:07d}", GIVEN[i % len(GIVEN)] + str(i % 89),
             f"{FAMILIES[i % len(FAMILIES)]}{i // 997 % 50:02d}", f"Branch {i % 40}",
             f"member{i}@example.org", f"Employer {i % 300}", now, now, "local")
            for i in range(count))
    with session._write("load synthetic members") as conn:
        conn.executemany(f"INSERT INTO member ({', '.join(columns)}) "
                         f"VALUES ({', '.join('?' * len(columns))})", rows)
    session.close()


class Host(App[None]):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.vault_thread = VaultThread()

    def on_unmount(self) -> None:
        self.vault_thread.shutdown()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


async def measure_screen(path: Path, pages: int) -> dict[str, str]:
    session = Session.open(path, USER, PASS)
    fetches: list[float] = []
    real_page = session.member_page

    def timed_page(*args, **kwargs):
        start = time.perf_counter()
        try:
            return real_page(*args, **kwargs)
        finally:
            fetches.append(time.perf_counter() - start)

    session.member_page = timed_page  # type: ignore[method-assign]
    app = Host(session)
    out: dict[str, str] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        start = time.perf_counter()
        await app.push_screen(MembersScreen())
        screen = app.screen
        member_list = screen.query_one(MemberList)
        while member_list.row_count == 0:
            await pilot.pause(0.001)
        await pilot.pause()
        out["first paint (push to names shown)"] = ms(time.perf_counter() - start)

        member_list.focus()
        await pilot.pause()
        region = member_list.scrollable_content_region
        t0 = time.perf_counter()
        for _ in range(200):
            member_list.render_lines(region.reset_offset)
        few = (time.perf_counter() - t0) / 200

        # Pilot's own round trip for one key, on a key nothing handles: its floor.
        baseline: list[float] = []
        for _ in range(20):
            t = time.perf_counter()
            await pilot.press("f12")
            baseline.append(time.perf_counter() - t)

        # What a key costs the app: the cursor move plus repainting the visible rows.
        handled: list[float] = []
        through_pilot: list[float] = []
        steps = pages * (region.height - 1)
        for step in range(steps):
            t = time.perf_counter()
            member_list.action_cursor_down()
            member_list.render_lines(region.reset_offset)
            handled.append(time.perf_counter() - t)
            if step % 10 == 0:
                t = time.perf_counter()
                await pilot.press("down")
                through_pilot.append(time.perf_counter() - t)
            while member_list.cursor >= member_list.row_count - 2 and member_list.has_more:
                await pilot.pause(0.001)  # the next page is on its way
        loaded = member_list.row_count
        out[f"key down, handler + repaint x{steps} (rows now {loaded:,})"] = (
            f"p50 {pct(handled, .5) * 1000:.3f} ms, p95 {pct(handled, .95) * 1000:.3f} ms, "
            f"max {max(handled) * 1000:.3f} ms")
        out["key down through Pilot / Pilot floor (unhandled key)"] = (
            f"p50 {pct(through_pilot, .5) * 1000:.1f} ms / {pct(baseline, .5) * 1000:.1f} ms")
        out[f"Session.member_page(100) x{len(fetches)}"] = (
            f"p50 {pct(fetches, .5) * 1000:.2f} ms, p95 {pct(fetches, .95) * 1000:.2f} ms")

        t0 = time.perf_counter()
        for _ in range(200):
            member_list.render_lines(region.reset_offset)
        many = (time.perf_counter() - t0) / 200
        out["paint one screen of rows (few loaded / many)"] = (
            f"{few * 1000:.3f} ms / {many * 1000:.3f} ms")

        search = screen.query_one("#member-search")
        search.focus()
        searches: list[float] = []
        real_find = session.find_members

        def timed_find(*args, **kwargs):
            start = time.perf_counter()
            try:
                return real_find(*args, **kwargs)
            finally:
                searches.append(time.perf_counter() - start)

        session.find_members = timed_find  # type: ignore[method-assign]
        for typed in ("ke", "kel", "kell", "kelly", "kelly0", "kelly01", "b00123", "branch 1",
                      "mem", "member5", "employer 2"):
            t = time.perf_counter()
            search.value = typed
            await pilot.pause(0)
            while screen.shown_seq != screen._seq:
                await pilot.pause(0.001)
            out[f"search '{typed}': keystroke to results (of which the query)"] = (
                f"{(time.perf_counter() - t) * 1000:.1f} ms ({searches[-1] * 1000:.1f} ms)")
    session.close()
    return out


async def measure_datatable() -> dict[str, str]:
    out: dict[str, str] = {}
    rows = [(f"Family{i}, Given{i}", f"B{i:07d}", f"Branch {i % 40}") for i in range(50_100)]

    class TableApp(App[None]):
        def compose(self):
            yield DataTable()

    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(DataTable)
        table.add_columns("Name", "Number", "Branch")
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        held = 0
        for target in (0, 10_000, 50_000):
            if held < target:
                table.add_rows(rows[held:target])
                held = target
                await pilot.pause()
            t = time.perf_counter()
            table.add_rows(rows[held:held + 100])
            await pilot.pause()
            out[f"DataTable: append 100 rows to {held:,}"] = ms(time.perf_counter() - t)
            held += 100
        out["DataTable: memory holding 50,100 rows"] = (
            f"{(tracemalloc.get_traced_memory()[0] - base) / 1e6:.1f} MB")
        tracemalloc.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--skip-datatable", action="store_true")
    parser.add_argument("--vault", type=Path, help="reuse (or build and keep) this vault")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.vault or Path(folder) / "bench.db"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            build(path, args.members)
            print(f"built a vault with {args.members:,} members in "
                  f"{time.perf_counter() - t:.1f} s")
        results = asyncio.run(measure_screen(path, args.pages))
    if not args.skip_datatable:
        results.update(asyncio.run(measure_datatable()))
    width = max(len(k) for k in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
