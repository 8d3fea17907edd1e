"""The subject access report: everything held about one member, as a readable HTML page.

Pure rendering (no Textual, no SQL). Every stored value is HTML-escaped, so nothing a
member or a caseworker typed can become markup or script in the report.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from uwu_tui.session import SubjectAccess

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; line-height: 1.4; }
h1, h2, h3 { font-weight: 600; } table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
th, td { border: 1px solid #999; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #eee; } .amended { color: #555; } .body { white-space: pre-wrap; }
.meta { color: #444; font-size: .9rem; }
"""


def _v(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return escape(str(value))


def _table(headers: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_v(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(data: SubjectAccess) -> str:
    m = data.member
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Subject access report {escape(m.membership_no)}</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Subject access report</h1>",
        f"<p class='meta'>Produced {_v(data.produced_at)} by {_v(data.produced_by)}. "
        "This report lists all personal data the union's casework system holds about you, "
        "who has seen or changed it, and to whom it was disclosed.</p>",
        "<h2>Your details</h2>",
        _table(["field", "value"], [
            ("Membership number", m.membership_no), ("Given name", m.given_name),
            ("Family name", m.family_name), ("Preferred name", m.preferred_name),
            ("Date of birth", m.date_of_birth), ("Email", m.email), ("Phone", m.phone),
            ("Address", m.address), ("Employer", m.employer), ("Workplace", m.workplace),
            ("Branch", m.branch), ("Status", m.status),
            ("Details last verified", m.last_verified),
            ("Record created", m.created_at), ("Record last updated", m.updated_at),
        ]),
        "<h2>Communication needs</h2>",
        _table(["field", "value"], [
            ("Language", m.language), ("Interpreter needed", m.interpreter),
            ("Adjustments", m.adjustments),
        ]),
        f"<h2>Cases ({len(data.cases)})</h2>",
    ]
    if not data.cases:
        parts.append("<p>No cases.</p>")
    for record in data.cases:
        c = record.case
        parts.append(f"<h3>{_v(c.title)} ({_v(c.case_type)})</h3>")
        parts.append(_table(["opened", "status", "closed", "assigned caseworker"],
                            [(c.opened_at, c.status, c.closed_at, c.assigned_to)]))
        if record.events:
            parts.append("<p><strong>History</strong></p>")
            parts.append(_table(["when", "change", "reason", "by"],
                                [(e.at, e.detail, e.reason, e.by_user) for e in record.events]))
        parts.append(f"<p><strong>Case record ({len(record.entries)} entries)</strong></p>")
        rows = []
        for e in sorted(record.entries, key=lambda x: (x.occurred_at, x.recorded_at)):
            note = ""
            if e.amends:
                note = f"Amendment of an earlier entry. Reason: {e.amend_reason}"
            elif e.amended_by:
                note = "Amended later (the amendment is listed too)"
            rows.append((e.occurred_at, e.recorded_at, e.kind, e.channel, e.author, e.body, note))
        parts.append(_table(["occurred", "recorded", "kind", "channel", "by", "text", "note"],
                            rows))
        if record.plan_actions:
            parts.append("<p><strong>Plan actions</strong></p>")
            parts.append(_table(["action", "owner", "due", "done"],
                                [(p.description, p.owner, p.due, p.done_at)
                                 for p in record.plan_actions]))
    parts.append(f"<h2>Consents ({len(data.consents)})</h2>")
    parts.append(_table(
        ["given", "purpose", "recipient", "method", "wording", "expires", "withdrawn",
         "superseded"],
        [(k.given_on, k.purpose, k.recipient, k.method, k.wording, k.expires_on,
          f"{k.withdrawn_on} ({k.withdrawn_how})" if k.withdrawn_on else None,
          "yes" if k.superseded_by else None) for k in data.consents]))
    parts.append(f"<h2>Disclosures ({len(data.disclosures)})</h2>")
    parts.append(_table(
        ["when", "recipient", "purpose", "what", "basis", "by"],
        [(d.disclosed_at, d.recipient, d.purpose, d.what,
          d.basis + (f": {d.legal_citation}" if d.legal_citation else ""), d.disclosed_by)
         for d in data.disclosures]))
    parts.append(f"<h2>Who accessed your record ({len(data.access_log)} events)</h2>")
    parts.append(_table(["when", "who", "action", "what"],
                        [(r.at, r.username, r.action, r.summary) for r in data.access_log]))
    parts.append("</body></html>")
    return "\n".join(parts)
