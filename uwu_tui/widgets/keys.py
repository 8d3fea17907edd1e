"""The keys of a screen, for the help screen and the command palette.

Read from ``Screen.active_bindings`` (what the Footer shows, after each node's
``check_action``), so help can never drift from the real bindings.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import App
from textual.dom import DOMNode
from textual.keys import format_key
from textual.screen import Screen

__all__ = ["KeyRow", "key_label", "screen_keys"]

_NAMES = {
    "escape": "Esc",
    "enter": "Enter",
    "tab": "Tab",
    "space": "Space",
    "backspace": "Backspace",
    "delete": "Delete",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
}

#: Bindings that do nothing in uwu (SafeAppMixin keeps member data off the clipboard).
_HIDDEN_ACTIONS = {"screen.copy_text", "copy_text"}
#: Clearer words than Textual's defaults.
_DESCRIPTIONS = {"command_palette": "Command palette: this screen's actions"}

#: Group order: the screen's own keys, then the app's, then the focused field's.
SCREEN, APP, FIELD = "screen", "app", "field"


def key_label(key: str) -> str:
    """``ctrl+l`` -> ``Ctrl+L``, ``question_mark`` -> ``?``, ``f1`` -> ``F1``."""
    *modifiers, name = key.split("+")
    if name in _NAMES:
        shown = _NAMES[name]
    elif len(name) > 1 and name[0] == "f" and name[1:].isdigit():
        shown = name.upper()
    else:
        shown = format_key(name)
        if len(shown) == 1 and modifiers:
            shown = shown.upper()
        elif len(shown) > 1:
            shown = shown.replace("_", " ").title()
    return "+".join([m.capitalize() for m in modifiers] + [shown])


@dataclass(frozen=True)
class KeyRow:
    keys: str
    description: str
    action: str
    node: DOMNode
    enabled: bool
    group: str
    show: bool


def _group(node: DOMNode) -> str:
    if isinstance(node, App):
        return APP
    if isinstance(node, Screen):
        return SCREEN
    return FIELD


def screen_keys(screen: Screen) -> list[KeyRow]:
    """Every active binding with a description, keys of one action merged."""
    merged: dict[tuple[int, str], list] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or binding.action in _HIDDEN_ACTIONS:
            continue
        slot = merged.setdefault((id(active.node), binding.action), [[], binding, active])
        label = binding.key_display if binding.key_display else key_label(key)
        if label not in slot[0]:
            slot[0].append(label)
    rows = [
        KeyRow(
            keys=", ".join(labels),
            description=_DESCRIPTIONS.get(binding.action, binding.description),
            action=binding.action,
            node=active.node,
            enabled=active.enabled,
            group=_group(active.node),
            show=binding.show,
        )
        for labels, binding, active in merged.values()
    ]
    order = {SCREEN: 0, APP: 1, FIELD: 2}
    return sorted(rows, key=lambda row: order[row.group])
