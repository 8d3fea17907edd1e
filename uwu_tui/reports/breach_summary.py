"""The breach summary for Executive Committee meetings, as Markdown. No personal data:
only counts, months and durations."""

from __future__ import annotations

from statistics import median
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uwu_tui.session import BreachSummary


def _stats(values: list[float], unit: str) -> str:
    if not values:
        return "none yet"
    return (f"median {median(values):.1f} {unit}, longest {max(values):.1f} {unit} "
            f"({len(values)} breaches)")


def render_markdown(summary: BreachSummary) -> str:
    lines = [
        "# Data breach summary",
        "",
        f"Produced {summary.produced_at}. Contains no member personal data.",
        "",
        f"Breaches recorded: **{summary.total}**",
        "",
        "## By status",
        "",
        "| status | count |",
        "|---|---|",
        *[f"| {status} | {count} |" for status, count in summary.by_status.items()],
        "",
        "## By month of discovery",
        "",
        "| month | count |",
        "|---|---|",
        *[f"| {month} | {count} |" for month, count in summary.by_month.items()],
        "",
        "## Timeliness",
        "",
        f"- From discovery to report: {_stats(summary.hours_to_report, 'hours')}",
        f"- From discovery to closure: {_stats(summary.days_to_close, 'days')}",
        f"- Regulator notified after 72 hours: {summary.late_notifications}",
        "",
    ]
    return "\n".join(lines)
