"""Command palette: the actions of the current screen, and nothing else.

Textual's default system commands include "Screenshot", which writes an SVG of
the screen (member data) to disk; this provider replaces them (``App.COMMANDS``).
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from uwu_tui.widgets.keys import FIELD, KeyRow, screen_keys

__all__ = ["ScreenActionsProvider"]


class ScreenActionsProvider(Provider):
    """Lists the enabled, shown bindings of the screen the palette was opened over."""

    def _rows(self) -> list[KeyRow]:
        return [
            row
            for row in screen_keys(self.screen)
            if row.enabled and row.show and row.group != FIELD and row.action != "command_palette"
        ]

    @staticmethod
    def _command(row: KeyRow):
        return partial(row.node.run_action, row.action)

    async def discover(self) -> Hits:
        for row in self._rows():
            yield DiscoveryHit(row.description, self._command(row), help=f"Key: {row.keys}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for row in self._rows():
            score = matcher.match(row.description)
            if score > 0:
                yield Hit(score, matcher.highlight(row.description), self._command(row),
                          help=f"Key: {row.keys}")
