"""Tests for uwu_tui.crash: crash reports never carry member data."""

from __future__ import annotations

import sqlite3

import pytest
from rich.traceback import Traceback

from uwu_tui.crash import FOOTER, MAX_FRAMES, safe_report, safe_report_from_rich

LOCAL_CANARY = "CANARY-Jane-Doe-1970"
MESSAGE_CANARY = "CANARY-NI-AB123456C"


class MemberRecordError(Exception):
    pass


def load_member_record(member_id: int) -> None:
    member_name = LOCAL_CANARY  # noqa: F841 - a local that must not leak
    raise MemberRecordError(f"no grievance for {MESSAGE_CANARY}")


def catch(func, *args) -> BaseException:
    try:
        func(*args)
    except BaseException as exc:  # noqa: BLE001
        return exc
    raise AssertionError("did not raise")


def assert_no_canaries(report: str) -> None:
    assert LOCAL_CANARY not in report
    assert MESSAGE_CANARY not in report
    assert "Jane" not in report
    assert "AB123456C" not in report


def test_report_has_type_and_function_but_no_data() -> None:
    exc = catch(load_member_record, 1970)
    report = safe_report(exc)
    assert_no_canaries(report)
    assert "1970" not in report  # argument value
    lines = report.splitlines()
    assert lines[0] == f"uwu: internal error: {__name__}.MemberRecordError"
    assert "in load_member_record" in report
    assert lines[-1] == FOOTER


def test_frames_are_located_without_absolute_paths() -> None:
    exc = catch(load_member_record, 1)
    frame_lines = [line for line in safe_report(exc).splitlines() if line.startswith("  at ")]
    assert frame_lines
    # The innermost frame is last and is this test module, named by module.
    assert frame_lines[-1].startswith(f"  at {__name__}:")
    assert frame_lines[-1].endswith(" in load_member_record")
    assert all("/" not in line.split(":")[0] for line in frame_lines)


def test_uwu_tui_frames_use_package_relative_path() -> None:
    from uwu_tui import display

    class Boom:
        def __str__(self) -> str:
            raise ValueError(MESSAGE_CANARY)

    report = safe_report(catch(display.clean, Boom()))
    assert_no_canaries(report)
    assert "  at uwu_tui/display.py:" in report
    assert "in _normalise" in report


def test_builtin_exception_with_data_in_message() -> None:
    records = {"someone": 1}
    exc = catch(lambda: records[f"Jane Smith {MESSAGE_CANARY}"])
    report = safe_report(exc)
    assert report.splitlines()[0] == "uwu: internal error: KeyError"
    assert_no_canaries(report)


def test_sqlite_constraint_message_is_dropped() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE m (ni TEXT UNIQUE)")
    db.execute("INSERT INTO m VALUES (?)", (MESSAGE_CANARY,))

    def insert_again() -> None:
        secret = LOCAL_CANARY  # noqa: F841
        db.execute("INSERT INTO m VALUES (?)", (MESSAGE_CANARY,))
        db.execute(f"INSERT INTO m VALUES ('{MESSAGE_CANARY}')")

    exc = catch(insert_again)
    report = safe_report(exc)
    assert report.splitlines()[0] == "uwu: internal error: sqlite3.IntegrityError"
    assert_no_canaries(report)


def test_chained_causes_show_types_only() -> None:
    def outer() -> None:
        try:
            load_member_record(1)
        except MemberRecordError as err:
            raise RuntimeError(f"wrapped {MESSAGE_CANARY}") from err

    report = safe_report(catch(outer))
    assert_no_canaries(report)
    lines = report.splitlines()
    assert lines[0] == "uwu: internal error: RuntimeError"
    assert lines[1] == f"  caused by: {__name__}.MemberRecordError"


def test_wrapper_with_error_attribute_without_traceback() -> None:
    """Textual's WorkerFailed: created, not raised; real error in ``.error``."""

    class WorkerFailed(Exception):
        def __init__(self, error: BaseException) -> None:
            self.error = error
            super().__init__(f"Worker raised exception: {error!r}")

    report = safe_report(WorkerFailed(catch(load_member_record, 1)))
    assert_no_canaries(report)
    assert "caused by: " in report and "MemberRecordError" in report
    assert "in load_member_record" in report


def test_at_most_max_frames_innermost_kept() -> None:
    def recurse(n: int) -> None:
        if n == 0:
            load_member_record(0)
        recurse(n - 1)

    report = safe_report(catch(recurse, 30))
    frame_lines = [line for line in report.splitlines() if line.startswith("  at ")]
    assert len(frame_lines) == MAX_FRAMES
    assert frame_lines[-1].endswith("in load_member_record")


def test_exception_without_traceback() -> None:
    report = safe_report(ValueError(MESSAGE_CANARY))
    assert report == f"uwu: internal error: ValueError\n{FOOTER}"


def test_no_locals_even_for_exceptions_carrying_notes() -> None:
    exc = catch(load_member_record, 1)
    exc.add_note(f"note {LOCAL_CANARY}")
    assert_no_canaries(safe_report(exc))


def test_rich_traceback_with_locals_is_reduced() -> None:
    try:
        load_member_record(1)
    except MemberRecordError:
        rich_tb = Traceback(show_locals=True)
    report = safe_report_from_rich(rich_tb)
    assert_no_canaries(report)
    assert report.splitlines()[0] == "uwu: internal error: MemberRecordError"
    assert "in load_member_record" in report
    assert report.splitlines()[-1] == FOOTER


@pytest.mark.parametrize("bad", [object(), None])
def test_never_raises(bad: object) -> None:
    class Weird(Exception):
        pass

    exc = Weird()
    exc.error = bad  # type: ignore[attr-defined]
    assert safe_report(exc).startswith("uwu: internal error")
