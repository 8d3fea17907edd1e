"""Make stored data safe to show in a terminal.

Anything that came from the vault, an import file or the user is *data*:
it must reach the screen as plain text, never as terminal control
sequences and never as Rich markup.  This module only depends on Rich so
it can be used by code that runs before Textual is imported.

What `clean` removes:

* ESC-introduced sequences (CSI ``ESC [ ... final``, OSC/DCS/SOS/PM/APC
  strings terminated by BEL or ST, and other ``ESC x`` escapes), and their
  8-bit C1 forms (``\\x9b``, ``\\x9d``, ``\\x90``, ...);
* every remaining C0 control, DEL and C1 control (U+0080-U+009F);
* Unicode bidi embeddings/overrides/isolates (U+202A-U+202E,
  U+2066-U+2069) and the Arabic letter mark (U+061C), which can make text
  read differently from how it is stored;
* zero-width and direction marks (U+200B-U+200F) and the BOM / zero-width
  no-break space (U+FEFF);
* lone surrogates (U+D800-U+DFFF), which cannot be encoded for the terminal
  and would crash the renderer.

Tab, newline and carriage return become a single space each in `clean`
(``\\r\\n`` counts as one line break), and U+2028/U+2029 (line/paragraph
separators) are treated as line breaks too.
"""

from __future__ import annotations

import re

from rich.text import Text

__all__ = ["clean", "clean_multiline", "as_text"]

# Escape sequences, 7-bit and 8-bit forms.  Strings (OSC, DCS, SOS, PM, APC)
# run to BEL or ST; an unterminated one is not matched here, its introducer
# is dropped below and the payload is left as harmless printable text.
_ESCAPE_SEQUENCE = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]       # CSI
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])                      # OSC DCS SOS PM APC
        [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)                     #   ... BEL or ST
    | \x1b [\x20-\x2f]* [\x30-\x7e]                               # other escapes
    """,
    re.VERBOSE,
)

_REMOVED: set[int] = set()
_REMOVED.update(range(0x00, 0x20))  # C0 (tab/newline/CR handled separately)
_REMOVED.add(0x7F)  # DEL
_REMOVED.update(range(0x80, 0xA0))  # C1
_REMOVED.add(0x061C)  # ARABIC LETTER MARK (bidi)
_REMOVED.update(range(0x200B, 0x2010))  # ZWSP ZWNJ ZWJ LRM RLM
_REMOVED.update(range(0x202A, 0x202F))  # LRE RLE PDF LRO RLO
_REMOVED.update(range(0x2066, 0x206A))  # LRI RLI FSI PDI
_REMOVED.add(0xFEFF)  # BOM / ZWNBSP
_REMOVED.update(range(0xD800, 0xE000))  # lone surrogates

_LINE_BREAKS = (0x0A, 0x0D, 0x2028, 0x2029)

_SINGLE_LINE_TABLE: dict[int, str | None] = dict.fromkeys(_REMOVED)
_SINGLE_LINE_TABLE.update({0x09: " ", **{c: " " for c in _LINE_BREAKS}})

_MULTI_LINE_TABLE: dict[int, str | None] = dict.fromkeys(_REMOVED)
_MULTI_LINE_TABLE.update({0x09: "    ", **{c: "\n" for c in _LINE_BREAKS}})


def _normalise(value: object) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = _ESCAPE_SEQUENCE.sub("", text)
    return text.replace("\r\n", "\n")


def clean(value: object) -> str:
    """Return ``str(value)`` as a single line of displayable text.

    ``None`` becomes ``""``.  Control and disguising characters are removed
    (see the module docstring); tab, CR, LF become one space each.
    """
    return _normalise(value).translate(_SINGLE_LINE_TABLE)


def clean_multiline(value: object) -> str:
    """Like `clean`, but keeps line breaks (as ``\\n``) and expands tabs.

    ``\\r\\n`` and lone ``\\r`` become ``\\n``; each tab becomes four spaces.
    """
    return _normalise(value).translate(_MULTI_LINE_TABLE)


def as_text(value: object, style: str = "") -> Text:
    """Render `value` as a Rich `Text`: cleaned, and never parsed as markup."""
    return Text(clean(value), style=style)
