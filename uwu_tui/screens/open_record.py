"""Open a member or a case from any screen, with need-to-know and break-glass.

`open_member(node, member_id, label)` asks `Session.member_access`: where a caseworker
holds no case it offers `BreakGlassScreen`, otherwise it opens the record
(`Session.open_member`, audited as a view) and pushes `MemberScreen`. A refusal (a
conflict of interest, a role that may not open records, a locked vault) is one line.

`open_case(node, case_id, entry_id=None)` opens a case (`Session.open_case`) and pushes
`CaseScreen`, focused at `entry_id` when given (a note-search hit).

Both start a worker on `node` (usually the calling screen) and return it.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.worker import Worker

from uwu_tui.errors import NeedsBreakGlass
from uwu_tui.policy.access import Access
from uwu_tui.session import Member
from uwu_tui.widgets.vault_thread import one_line

__all__ = ["open_case", "open_member"]


def open_member(node: DOMNode, member_id: str, label: str = "") -> Worker[None]:
    return node.run_worker(_open_member(node, member_id, label), group="open-record",
                           exclusive=True, exit_on_error=False)


def open_case(node: DOMNode, case_id: str, entry_id: str | None = None,
              member_label: str = "") -> Worker[None]:
    return node.run_worker(_open_case(node, case_id, entry_id, member_label),
                           group="open-record", exclusive=True, exit_on_error=False)


async def _open_member(node: DOMNode, member_id: str, label: str) -> None:
    from uwu_tui.screens.break_glass import BreakGlassScreen
    from uwu_tui.screens.member import MemberScreen

    app = node.app
    session = app.session

    def show(member: Member | None) -> None:
        if member is not None:
            app.push_screen(MemberScreen(member))

    explanation = ""
    try:
        decision = await app.vault_thread.run(session.member_access, member_id)
        if decision is Access.NEEDS_BREAK_GLASS:
            explanation = ("You hold no case for this member. To open the record anyway, give "
                           "a reason; supervisors will be told.")
        else:
            member = await app.vault_thread.run(session.open_member, member_id)
            show(member)
            return
    except NeedsBreakGlass as error:  # the access changed between the two calls
        explanation = one_line(error)
    except Exception as error:  # one line, never a traceback
        app.notify(one_line(error), title="Not opened", severity="error", markup=False)
        return
    app.push_screen(BreakGlassScreen(member_id, label, explanation), callback=show)


async def _open_case(node: DOMNode, case_id: str, entry_id: str | None,
                     member_label: str) -> None:
    from uwu_tui.screens.case import CaseScreen

    app = node.app
    try:
        case = await app.vault_thread.run(app.session.open_case, case_id)
    except Exception as error:
        app.notify(one_line(error), title="Not opened", severity="error", markup=False)
        return
    app.push_screen(CaseScreen(case, focus_entry=entry_id, member_label=member_label))
