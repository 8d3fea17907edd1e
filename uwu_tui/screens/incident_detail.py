"""`IncidentDetailScreen`: (supervisors, officers) one incident: take it, record actions, resolve.

Opened from the handlers' list. Reads `Session.incident_detail` once (audited as a view)
and after a refusal; each change comes back from the Session and is shown as saved.
t takes the incident in hand, n records an action taken, r resolves it with a resolution
of at least ten characters, which the reporter then sees. A resolved incident takes no
more changes; the keys for them go. m and c open the member and the case it concerns
(`open_record`: need-to-know and the audit apply as anywhere else). The member is named
by directory fields (`Session.directory_labels`), as initials in privacy mode until
revealed (F7, audited).
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from uwu_tui.display import clean, clean_multiline
from uwu_tui.errors import ConflictError
from uwu_tui.screens.register_text import RegisterTextScreen
from uwu_tui.screens.registers_base import STYLES
from uwu_tui.session import DirectoryEntry, Incident, IncidentDetail, IncidentNote
from uwu_tui.widgets.dates import uk_datetime
from uwu_tui.widgets.privacy import shown_label, watch_privacy
from uwu_tui.widgets.vault_thread import VaultAccess, one_line

__all__ = ["IncidentDetailScreen"]

MIN_RESOLUTION = 10


class IncidentDetailScreen(VaultAccess, Screen[None]):
    CSS_PATH = ["casework.tcss", "registers.tcss"]
    DEFAULT_CLASSES = "casework registers"
    SCREEN_LABEL = "Incident"
    AUTO_FOCUS = "#incident-body"

    BINDINGS = [
        Binding("escape", "back", "Back", id="incident.back"),
        Binding("t", "take", "Take in hand", id="incident.take"),
        Binding("n", "note", "Record action", id="incident.note"),
        Binding("r", "resolve", "Resolve", id="incident.resolve"),
        Binding("m", "open_member", "Open member", id="incident.open-member",
                tooltip="The member it concerns (need-to-know applies; audited as a view)."),
        Binding("c", "open_case", "Open case", id="incident.open-case",
                tooltip="The case it was reported from (audited as a view)."),
    ]

    class DetailLoaded(Message):
        def __init__(self, detail: IncidentDetail, note: str = "",
                     member: DirectoryEntry | None = None) -> None:
            super().__init__()
            self.detail = detail
            self.note = note
            self.member = member

    class Changed(Message):
        def __init__(self, incident: Incident, note: str) -> None:
            super().__init__()
            self.incident = incident
            self.note = note

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, incident: Incident) -> None:
        super().__init__()
        self.incident = incident
        self.notes: list[IncidentNote] = []
        #: The member it concerns (directory fields), once loaded.
        self.member: DirectoryEntry | None = None
        self.loaded = False
        self._busy = False
        self._version = incident.version

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._title(), id="incident-title", classes="screen-title", markup=False)
        with VerticalScroll(id="incident-body", classes="register-body"):
            yield Static(id="incident-facts", markup=False)
            yield Static(id="incident-notes", classes="register-notes", markup=False)
        yield Static("Loading…", id="incident-status", classes="status-line", markup=False)
        yield Footer()

    @property
    def privacy_subject(self) -> str | None:
        """The member F7 reveals in privacy mode: the one the incident concerns."""
        return self.member.id if self.member is not None else None

    def on_mount(self) -> None:
        self._show()
        watch_privacy(self, lambda _: self._show(), init=False)
        self._load()

    # ---- loading -----------------------------------------------------------------------

    @work(exclusive=True, group="incident-load", exit_on_error=False)
    async def _load(self, note: str = "") -> None:
        try:
            found = await self.call(self.session.incident_detail, self.incident.id)
            member_id = found.incident.member_id
            names = (await self.call(self.session.directory_labels, [member_id])
                     if member_id else {})
        except Exception as error:  # one line, never a traceback
            self.post_message(self.Failed(one_line(error)))
        else:
            self.post_message(self.DetailLoaded(found, note, names.get(member_id or "")))

    @on(DetailLoaded)
    def _loaded(self, message: DetailLoaded) -> None:
        self.incident = message.detail.incident
        self.notes = list(message.detail.notes)
        self.member = message.member
        self.loaded = True
        self._show()
        self._status(message.note or self._hint())

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._busy = False
        self._status(message.text, error=True)

    # ---- showing -----------------------------------------------------------------------

    def _title(self) -> Text:
        item = self.incident
        return Text.assemble((clean(item.reference), "bold"), "  ", clean(item.kind), "  ",
                             (clean(item.status), STYLES.get(item.status, "")))

    def _show(self) -> None:
        item = self.incident
        self.query_one("#incident-title", Static).update(self._title())
        facts = Text()

        def line(label: str, value: str, style: str = "") -> None:
            if facts:
                facts.append("\n")
            facts.append(f"{label:<14}", style="dim")
            facts.append(value, style=style)

        line("Reported", f"{uk_datetime(item.reported_at)} by {clean(item.reported_by)}")
        line("Status", clean(item.status), STYLES.get(item.status, ""))
        line("Handled by", clean(item.handled_by) if item.handled_by else "nobody yet")
        member = self.member
        name = (f"{shown_label(self, member.id, member.display_name)} "
                f"({clean(member.membership_no)})" if member is not None else "")
        if item.case_id:
            line("Concerns", f"a case of {name}: c opens it, m opens the member's record"
                 if name else "a case: c opens it, m opens the member's record")
        elif item.member_id:
            line("Concerns", f"{name}: m opens their record" if name
                 else "a member: m opens their record")
        facts.append("\n\n")
        facts.append("What happened\n", style="bold")
        facts.append(clean_multiline(item.description))
        if item.resolution:
            facts.append("\n\n")
            facts.append(f"Resolution ({uk_datetime(item.resolved_at)})\n", style="bold")
            facts.append(clean_multiline(item.resolution))
        self.query_one("#incident-facts", Static).update(facts)
        notes = Text()
        notes.append(f"Actions recorded ({len(self.notes)})", style="bold")
        if not self.notes:
            notes.append("\nNone yet.", style="dim")
        for note in self.notes:
            notes.append(f"\n{uk_datetime(note.at)} {clean(note.by_user)}: ", style="dim")
            notes.append(clean_multiline(note.body))
        self.query_one("#incident-notes", Static).update(notes)
        self.refresh_bindings()

    def _hint(self) -> str:
        item = self.incident
        if item.status == "resolved":
            return "Resolved: no more changes. The reporter sees the resolution."
        me = self.uwu.session.user.username if self.uwu.session else ""
        if item.handled_by != me:
            return "t takes it in hand; n records an action; r resolves it."
        return "n records an action taken; r resolves it."

    def _status(self, text: str, *, error: bool = False) -> None:
        line = self.query_one("#incident-status", Static)
        line.update(Text(clean(text)))
        line.set_class(error, "-error")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_member":
            return self.incident.member_id is not None
        if action == "open_case":
            return self.incident.case_id is not None
        if action not in ("take", "note", "resolve"):
            return True
        if not self.loaded or self.incident.status == "resolved":
            return False
        if action == "take":
            session = self.uwu.session
            return session is not None and self.incident.handled_by != session.user.username
        return True

    # ---- changes -----------------------------------------------------------------------

    def action_take(self) -> None:
        if self._busy:
            return
        self._busy = True
        self._status("Saving…")
        self._take(self.incident)

    @work(exclusive=True, group="incident-change", exit_on_error=False)
    async def _take(self, item: Incident) -> None:
        try:
            saved = await self.call(self.session.take_incident, item.id, item.version)
        except ConflictError as error:
            self.post_message(self.Failed(one_line(error)))
            self._load("Someone else changed this incident meanwhile: here it is now.")
        except Exception as error:
            self.post_message(self.Failed(one_line(error)))
        else:
            self.post_message(self.Changed(saved, f"{item.reference} is in your hands."))

    @on(Changed)
    def _changed(self, message: Changed) -> None:
        self._busy = False
        self.incident = message.incident
        self._show()
        self._status(message.note)

    def action_note(self) -> None:
        save = partial(self.session.add_incident_note, self.incident.id)
        self.app.push_screen(
            RegisterTextScreen(f"Record an action on {self.incident.reference}",
                               "What was done *", save, done="Action recorded.",
                               what="this note"),
            callback=self._noted)

    def _noted(self, note: IncidentNote | None) -> None:
        if note is not None:
            self.notes.append(note)
            self._show()
            self._status("Action recorded.")

    def action_resolve(self) -> None:
        item = self.incident
        self._version = item.version
        self.app.push_screen(
            RegisterTextScreen(f"Resolve {item.reference}",
                               f"Resolution * (at least {MIN_RESOLUTION} characters)",
                               self._resolve_now,
                               intro="The reporter sees this. No changes after resolving.",
                               minimum=MIN_RESOLUTION, done=f"{item.reference} resolved.",
                               what="this resolution"),
            callback=self._resolved)

    def _resolve_now(self, resolution: str) -> Incident:
        """On the vault thread. If someone changed the incident since it was read, show it
        as it is now and resolve against that on the next save (the text stays typed)."""
        session = self.session
        try:
            return session.resolve_incident(self.incident.id, self._version, resolution)
        except ConflictError as error:
            current = error.current
            if not isinstance(current, Incident):
                raise
            self._version = current.version
            self.post_message(self.Changed(current, "Someone else changed this incident "
                                                    "meanwhile: shown as it is now."))
            raise ConflictError(f"Someone else changed it meanwhile (now {current.status}); "
                                "check, then save again to resolve it.") from None

    def _resolved(self, incident: Incident | None) -> None:
        if incident is not None:
            self.incident = incident
            self._show()
            self._status(f"{incident.reference} resolved; the reporter was told.")

    def action_open_member(self) -> None:
        from uwu_tui.screens.open_record import open_member

        if self.incident.member_id is not None:
            open_member(self, self.incident.member_id)

    def action_open_case(self) -> None:
        from uwu_tui.screens.open_record import open_case

        if self.incident.case_id is not None:
            open_case(self, self.incident.case_id)

    def action_back(self) -> None:
        self.dismiss(None)
