"""Text from the Hub or a dump, made safe to show on a terminal (one rule, one home).

Model ids, tags, file names and config values are written by anyone. Printed raw, an ESC
sequence in one of them drives the reader's terminal (retitles it, clears it, hides lines, on
some terminals answers back as typed input), and a right-to-left override reorders what is
shown. `printable` shows every such character as an escape instead (`\\x1b`, `\\u202e`): C0 and
C1 control characters, DEL, format characters (bidi overrides, zero-width marks), line and
paragraph separators, and anything else Python does not call printable. Everything else is kept,
so an ordinary id prints unchanged (and `printable` is idempotent).

Used by every text output of data (the CLI's tables, `explain`); JSON output needs no help (JSON
escapes control characters itself) and CSV written to a file or a pipe is data, kept exact.
"""

from __future__ import annotations


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """`text` with every non-printable character (see the module docstring) shown as an escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else _escape(c) for c in text)
