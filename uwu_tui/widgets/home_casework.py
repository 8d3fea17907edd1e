"""`HomeCasework`: what needs attention today, for the home screen.

One keyboard list in four parts, from `Session.home()`: my open cases by next action
due, overdue plan actions, stale cases (no entry for `stale_days`), and members on my
cases whose details were not verified in `verify_months`. Enter on a case or an action
opens the case; on a member, opens the member (need-to-know applies as everywhere).

Put it in a screen and call `reload()` when the screen resumes; it posts `Loaded`
with the summary (for the inbox count, say) each time. An overdue case says "overdue";
in privacy mode member names show as initials.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from uwu_tui.display import clean
from uwu_tui.session import Case, DirectoryEntry, HomeSummary
from uwu_tui.widgets.dates import uk_date
from uwu_tui.widgets.privacy import shown_label, watch_privacy
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["HomeCasework"]


def _case_line(case: Case, name: str, when: str, *, overdue: bool = False) -> Text:
    text = Text()
    if overdue:  # a word as well as reverse video: not conveyed by style alone
        text.append(f"{when:<10}", style="bold reverse")
        text.append(" overdue  ", style="bold")
    else:
        text.append(f"{when:<10}  ")
    text.append(clean(case.case_type).capitalize(), style="bold")
    text.append(f": {clean(case.title)}")
    if name:
        text.append(f"  {name}", style="italic")
    return text


class HomeCasework(VaultAccess, OptionList):
    """Cases, overdue actions, stale cases and members to re-verify, each line openable."""

    class Loaded(Message):
        def __init__(self, summary: HomeSummary, today: str) -> None:
            super().__init__()
            self.summary = summary
            self.today = today  # ISO date, local, by the session's clock

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, stale_days: int = 28, verify_months: int = 12,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.stale_days = stale_days
        self.verify_months = verify_months
        self.summary: HomeSummary | None = None
        self._names: dict[str, str] = {}
        self._last: HomeCasework.Loaded | None = None

    def on_mount(self) -> None:
        watch_privacy(self, lambda _: self._loaded(self._last) if self._last else None)
        self.reload()

    def _shown_name(self, member_id: str, key: str) -> str:
        """The name stored under `key` as it may be shown now (initials in privacy mode)."""
        name = self._names.get(key, "")
        return shown_label(self, member_id, name) if name else ""

    @work(exclusive=True, group="home-casework", exit_on_error=False)
    async def reload(self) -> None:
        try:
            session = self.session
            summary = await self.call(session.home, stale_days=self.stale_days,
                                      verify_months=self.verify_months)
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Failed(one_line(error)))
            return
        self.post_message(self.Loaded(summary, session.now().astimezone().date().isoformat()))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self._last = message
        summary = self.summary = message.summary
        self._names = {case.id: clean(entry.display_name) if entry else ""
                       for case, entry in summary.my_cases}
        self._names.update({entry.id: clean(entry.display_name) for entry in summary.unverified})
        today = message.today
        options: list[Option | None] = []

        def heading(title: str, count: int) -> None:
            if options:
                options.append(None)
            options.append(Option(Text(f"{title} ({count})", style="bold"), disabled=True))

        heading("My open cases, next action first", len(summary.my_cases))
        for case, entry in summary.my_cases:
            due = case.next_action_due
            overdue = bool(due and due < today)
            name = self._shown_name(case.member_id, case.id)
            options.append(Option(_case_line(case, name, uk_date(due) or "—", overdue=overdue),
                                  id=f"case:{case.id}"))
        heading("Overdue plan actions", len(summary.overdue))
        for action, case in summary.overdue:
            text = Text()
            text.append(f"{uk_date(action.due):<10}  ", style="bold reverse")
            text.append(clean(action.description))
            text.append(f"  ({clean(case.title)}, {clean(action.owner)})", style="italic")
            options.append(Option(text, id=f"action:{action.id}:{case.id}"))
        heading(f"No entry for {self.stale_days} days", len(summary.stale))
        for case in summary.stale:
            last = uk_date(case.last_entry_at) or "no entry"
            name = self._shown_name(case.member_id, case.id)
            options.append(Option(_case_line(case, name, last), id=f"stale:{case.id}"))
        heading(f"Details not verified in {self.verify_months} months",
                len(summary.unverified))
        for entry in summary.unverified:
            options.append(Option(self._member_line(entry), id=f"member:{entry.id}"))
        highlighted = self.highlighted
        self.clear_options()
        self.add_options(options)
        first = next((i for i, o in enumerate(self.options) if not o.disabled), None)
        if highlighted is not None and highlighted < self.option_count:
            self.highlighted = highlighted
        elif first is not None:
            self.highlighted = first

    def _member_line(self, entry: DirectoryEntry) -> Text:
        text = Text(shown_label(self, entry.id, entry.display_name), style="bold")
        text.append(f"  {clean(entry.membership_no)}  {clean(entry.branch)}")
        return text

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error", markup=False)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        from uwu_tui.screens.open_record import open_case, open_member

        event.stop()
        kind, _, rest = (event.option.id or "").partition(":")
        if kind in ("case", "stale"):
            open_case(self.screen, rest, member_label=self._names.get(rest, ""))
        elif kind == "action":
            case_id = rest.rpartition(":")[2]
            open_case(self.screen, case_id, member_label=self._names.get(case_id, ""))
        elif kind == "member":
            open_member(self.screen, rest, self._shown_name(rest, rest))
