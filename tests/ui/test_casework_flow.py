"""The caseworker's day through the casework screens: find a member, open them, open a case,
write an entry, amend it, and find it again by note search. Asserts on the widgets and
then on the vault through the Session."""

from __future__ import annotations

from pathlib import Path

from casework_host import (
    SIZE,
    CaseworkHost,
    add_member,
    fill,
    open_session,
    wait_for,
    wait_screen,
)
from tests.conftest import OFFICER
from textual.widgets import OptionList, Select, TextArea

from uwu_tui.screens.case import CaseScreen
from uwu_tui.screens.case_form import CaseFormScreen
from uwu_tui.screens.entry_editor import EntryEditorScreen
from uwu_tui.screens.member import MemberScreen
from uwu_tui.screens.members import MembersScreen
from uwu_tui.screens.note_search import NoteSearchScreen
from uwu_tui.widgets.member_list import MemberList
from uwu_tui.widgets.timeline import Timeline


async def test_find_open_case_entry_amend_and_search(vault_path: Path) -> None:
    session = open_session(vault_path, OFFICER)
    jane = add_member(session, "M10001", "Jane", "Doe", email="jane@example.org")
    add_member(session, "M10002", "John", "Smith")
    add_member(session, "M10003", "Janet", "Dodds")

    app = CaseworkHost(session, MembersScreen)
    async with app.run_test(size=SIZE) as pilot:
        members = await wait_screen(pilot, MembersScreen)
        member_list = members.query_one(MemberList)
        await wait_for(pilot, lambda: member_list.row_count == 3, what="the directory")

        # find: search as you type
        await fill(pilot, "#member-search", "doe")
        await wait_for(pilot, lambda: [e.id for e in member_list.rows] == [jane.id],
                       what="search results")
        # open: Enter in the search box opens the highlighted member
        await pilot.press("enter")
        member_screen = await wait_screen(pilot, MemberScreen)
        assert member_screen.member.id == jane.id
        await wait_for(pilot, lambda: member_screen.loaded, what="member tabs")

        # new case, by keyboard: type Select, title, save
        await pilot.press("c")
        form = await wait_screen(pilot, CaseFormScreen)
        assert form.query_one("#case-type", Select).has_focus
        await pilot.press("enter", "down", "enter")  # open the menu, first type, choose it
        assert form.query_one("#case-type", Select).value == "grievance"
        await fill(pilot, "#case-title", "Night-shift rota")
        await pilot.press("ctrl+s")
        case_screen = await wait_screen(pilot, CaseScreen)
        await wait_for(pilot, lambda: case_screen.loaded, what="the case")
        assert case_screen.case.title == "Night-shift rota"
        assert case_screen.case.assigned_to == OFFICER

        # a new entry: interaction by phone
        await pilot.press("e")
        editor = await wait_screen(pilot, EntryEditorScreen)
        editor.query_one("#entry-body", TextArea).text = "Spoke to the manager about the rota."
        await pilot.press("ctrl+s")  # no channel yet: refused, typing kept
        await wait_for(pilot, lambda: editor.query_one("#err-channel").has_class("-shown"))
        assert app.screen is editor
        assert editor.query_one("#entry-body", TextArea).text.startswith("Spoke to the manager")
        channel = editor.query_one("#entry-channel", Select)
        channel.focus()
        await pilot.press("enter", "down", "down", "enter")  # blank, in person, phone
        assert channel.value == "phone"
        await pilot.press("ctrl+s")
        await wait_screen(pilot, CaseScreen)
        timeline = case_screen.query_one(Timeline)
        await wait_for(pilot, lambda: len(timeline.entries) == 1, what="the saved entry")
        original = timeline.entries[0]
        assert original.channel == "phone"

        # amend it: a reason, the corrected text; the original stays, marked amended
        await pilot.press("a")
        editor = await wait_screen(pilot, EntryEditorScreen)
        assert editor.amending
        body = editor.query_one("#entry-body", TextArea)
        assert body.text == original.body
        body.text = "Spoke to the site manager about the night rota (pelican crossing)."
        await pilot.press("ctrl+s")  # no reason yet
        await wait_for(pilot, lambda: editor.query_one("#err-amend_reason").has_class("-shown"))
        await fill(pilot, "#entry-reason", "Wrong manager named")
        await pilot.press("ctrl+s")
        await wait_screen(pilot, CaseScreen)
        await wait_for(pilot, lambda: len(timeline.entries) == 2, what="the amendment")
        amendment, amended = timeline.entries
        assert amendment.amends == original.id
        assert amended.id == original.id and amended.amended_by == amendment.id
        option_text = str(timeline.get_option_at_index(1).prompt)
        assert "[amended]" in option_text and "Spoke to the manager" in option_text

        # note search finds the amendment and opens the case at it
        await app.push_screen(NoteSearchScreen())
        search = await wait_screen(pilot, NoteSearchScreen)
        await fill(pilot, "#note-query", "pelican")
        hits = search.query_one("#note-hits", OptionList)
        await wait_for(pilot, lambda: hits.option_count == 1, what="note hits")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CaseScreen)
                       and app.screen is not case_screen, what="the case from the hit")
        found = app.screen
        await wait_for(pilot, lambda: found.loaded, what="the case timeline")
        assert found.query_one(Timeline).current.id == amendment.id

    # the vault agrees
    entries = session.case_entries(case_screen.case.id)
    assert [(e.id, e.amends) for e in entries] == [(amendment.id, original.id),
                                                   (original.id, None)]
    assert entries[0].amend_reason == "Wrong manager named"
    assert entries[1].body == "Spoke to the manager about the rota."
    assert [hit.entry.id for hit in session.search_notes("pelican")] == [amendment.id]
    cases = session.member_cases(jane.id)
    assert [(c.case_type, c.title, c.assigned_to) for c in cases] == [
        ("grievance", "Night-shift rota", OFFICER)]
    session.close()
