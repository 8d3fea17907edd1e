"""UI tests for SafeAppMixin and PassphraseInput (headless, via run_test)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.traceback import Traceback
from textual.app import App, ComposeResult
from textual.widgets import Input, Label

from uwu_tui.widgets.passphrase_input import PassphraseInput
from uwu_tui.widgets.safe_app import SafeAppMixin

LOCAL_CANARY = "CANARY-Jane-Doe-1970"
MESSAGE_CANARY = "CANARY-NI-AB123456C"
PASSPHRASE = "secret-canary-passphrase"


class CaseworkError(Exception):
    pass


class RichCaseworkError(Exception):
    """An exception Textual would hand to ``panic`` (it has ``__rich__``)."""

    def __rich__(self) -> str:
        return f"rendered {MESSAGE_CANARY}"


def fail_with_member_data(error_type: type[Exception] = CaseworkError) -> None:
    member_name = LOCAL_CANARY  # noqa: F841 - a local that must not leak
    raise error_type(f"duplicate member {MESSAGE_CANARY}")


class RecordingMixin:
    """Keeps a copy of the exit renderables; Textual prints and clears them on exit."""

    recorded: list

    def _print_error_renderables(self) -> None:
        self.recorded = list(self._exit_renderables)
        super()._print_error_renderables()


def render(renderables: list) -> str:
    console = Console(file=io.StringIO(), width=120, record=True, color_system=None)
    for renderable in renderables:
        console.print(renderable)
    return console.export_text()


def assert_safe(output: str, type_name: str, stderr: str | None = None) -> None:
    if stderr is not None:
        # What Textual actually printed on exit.
        assert LOCAL_CANARY not in stderr
        assert MESSAGE_CANARY not in stderr
        assert "uwu: internal error" in stderr
    assert LOCAL_CANARY not in output
    assert MESSAGE_CANARY not in output
    assert "Jane" not in output
    assert f"uwu: internal error: {type_name}" in output
    assert "Nothing was written to disk." in output


class CrashOnMountApp(RecordingMixin, SafeAppMixin, App[None]):
    def __init__(self, error_type: type[Exception]) -> None:
        super().__init__()
        self.error_type = error_type

    def on_mount(self) -> None:
        fail_with_member_data(self.error_type)


class CrashOnKeyApp(RecordingMixin, SafeAppMixin, App[None]):
    BINDINGS = [("b", "boom", "Boom")]

    def compose(self) -> ComposeResult:
        yield Label("casework")

    def action_boom(self) -> None:
        fail_with_member_data()


class PassphraseApp(SafeAppMixin, App[None]):
    def compose(self) -> ComposeResult:
        yield PassphraseInput(placeholder="Passphrase", id="pass")


class ClipboardAllowedApp(SafeAppMixin, App[None]):
    clipboard_allowed = True

    def compose(self) -> ComposeResult:
        yield Input(id="plain")


class PlainInputApp(App[None]):
    """Control: stock Textual would copy the passphrase."""

    def compose(self) -> ComposeResult:
        yield Input(password=True, id="pass")


@pytest.mark.parametrize(
    "error_type, type_name",
    [
        (CaseworkError, f"{__name__}.CaseworkError"),
        (RichCaseworkError, f"{__name__}.RichCaseworkError"),
        (KeyError, "KeyError"),
    ],
)
async def test_crash_on_mount_report_is_safe(error_type, type_name, capsys) -> None:
    app = CrashOnMountApp(error_type)
    with pytest.raises(error_type):
        async with app.run_test():
            pass
    assert app.return_code == 1
    output = render(app.recorded)
    assert_safe(output, type_name, capsys.readouterr().err)
    assert "in fail_with_member_data" in output
    assert "in on_mount" in output


async def test_crash_from_key_binding_report_is_safe(capsys) -> None:
    app = CrashOnKeyApp()
    with pytest.raises(CaseworkError):
        async with app.run_test() as pilot:
            await pilot.press("b")
            await pilot.pause()
    output = render(app.recorded)
    assert_safe(output, f"{__name__}.CaseworkError", capsys.readouterr().err)
    assert "in action_boom" in output


async def test_crash_in_worker_reports_the_real_error(capsys) -> None:
    from textual.worker import WorkerFailed

    class WorkerCrashApp(RecordingMixin, SafeAppMixin, App[None]):
        def on_mount(self) -> None:
            self.run_worker(self.load, exit_on_error=True)

        async def load(self) -> None:
            fail_with_member_data()

    app = WorkerCrashApp()
    with pytest.raises(WorkerFailed):
        async with app.run_test() as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
    output = render(app.recorded)
    assert_safe(output, "textual.worker.WorkerFailed", capsys.readouterr().err)
    assert f"caused by: {__name__}.CaseworkError" in output
    assert "in fail_with_member_data" in output


async def test_panic_with_rich_traceback_is_reduced(capsys) -> None:
    """Textual's input thread panics with ``rich.traceback.Traceback()``."""
    app = CrashOnKeyApp()
    async with app.run_test():
        try:
            fail_with_member_data()
        except CaseworkError:
            app.panic(Traceback(show_locals=True))
    output = render(app.recorded)
    assert_safe(output, "CaseworkError", capsys.readouterr().err)


async def test_panic_with_other_renderables_is_unchanged() -> None:
    app = CrashOnKeyApp()
    async with app.run_test():
        app.panic("cannot open vault")
    assert "cannot open vault" in render(app.recorded)


async def test_copy_to_clipboard_is_blocked_by_default() -> None:
    app = CrashOnKeyApp()
    async with app.run_test():
        app.copy_to_clipboard(LOCAL_CANARY)
        assert app.clipboard == ""
    assert app.ALLOW_SELECT is False


async def test_copy_to_clipboard_when_allowed() -> None:
    app = ClipboardAllowedApp()
    async with app.run_test() as pilot:
        app.copy_to_clipboard("ok to copy")
        assert app.clipboard == "ok to copy"
        await pilot.click("#plain")
        await pilot.press(*"abc", "shift+home", "ctrl+c")
        assert app.clipboard == "abc"


async def type_passphrase(pilot, app) -> PassphraseInput:
    field = app.query_one("#pass", PassphraseInput)
    field.focus()
    await pilot.press(*PASSPHRASE)
    assert field.value == PASSPHRASE
    return field


async def test_passphrase_input_copy_and_cut_keys_do_nothing() -> None:
    app = PassphraseApp()
    # Even with the app clipboard enabled, the field must not copy itself.
    app.clipboard_allowed = True
    async with app.run_test() as pilot:
        field = await type_passphrase(pilot, app)
        await pilot.press("shift+home")  # select all
        assert not field.selection.is_empty
        await pilot.press("ctrl+c", "super+c", "ctrl+x")
        await pilot.pause()
        assert app.clipboard == ""
        assert field.value == PASSPHRASE
        assert app.is_running


async def test_passphrase_input_copy_and_cut_actions_do_nothing() -> None:
    app = PassphraseApp()
    app.clipboard_allowed = True
    async with app.run_test() as pilot:
        field = await type_passphrase(pilot, app)
        field.select_all()
        field.action_copy()
        field.action_cut()
        await field.run_action("copy")
        await field.run_action("cut")
        await app.screen.run_action("copy_text")
        assert app.clipboard == ""
        assert field.value == PASSPHRASE
        assert field.selected_text == ""


async def test_passphrase_input_contributes_nothing_to_screen_selection() -> None:
    from textual.selection import Selection

    app = PassphraseApp()
    async with app.run_test() as pilot:
        field = await type_passphrase(pilot, app)
        assert field.allow_select is False
        assert field.get_selection(Selection(None, None)) is None
        app.screen.selections = {field: Selection(None, None)}
        assert not app.screen.get_selected_text()


async def test_passphrase_input_selection_safe_even_if_value_were_rendered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stock Input 8.2 happens to render a non-Text visual, so the base
    ``Widget.get_selection`` yields None; the override must not rely on that."""
    from rich.text import Text
    from textual.selection import Selection

    app = PassphraseApp()
    async with app.run_test() as pilot:
        field = await type_passphrase(pilot, app)
        monkeypatch.setattr(field, "_render", lambda: Text(field.value))
        assert field.get_selection(Selection(None, None)) is None
        app.screen.selections = {field: Selection(None, None)}
        assert PASSPHRASE not in (app.screen.get_selected_text() or "")


async def test_passphrase_input_is_always_masked() -> None:
    app = PassphraseApp()
    async with app.run_test() as pilot:
        field = await type_passphrase(pilot, app)
        assert field.password is True
        field.password = False
        assert field.password is True
        assert PASSPHRASE not in field._value.plain
        assert PassphraseInput("x", "p", None, False).password is True
        assert PassphraseInput(password=False).password is True


async def test_passphrase_input_clear_secret() -> None:
    app = PassphraseApp()
    async with app.run_test() as pilot:
        field = await type_passphrase(pilot, app)
        field.clear_secret()
        assert field.value == ""


async def test_paste_into_passphrase_input_still_works() -> None:
    app = PassphraseApp()
    async with app.run_test() as pilot:
        field = app.query_one("#pass", PassphraseInput)
        field.focus()
        app._clipboard = "pasted"
        await pilot.press("ctrl+v")
        assert field.value == "pasted"


async def test_control_stock_input_would_copy() -> None:
    """Guards the tests above: stock Textual copies on ctrl+c / ctrl+x."""
    app = PlainInputApp()
    async with app.run_test() as pilot:
        field = app.query_one("#pass", Input)
        field.focus()
        await pilot.press(*PASSPHRASE, "shift+home", "ctrl+c")
        assert app.clipboard == PASSPHRASE
