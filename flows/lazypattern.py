"""Regular expressions compiled when first used.

The `regex` module compiles in Python: the encoding stage's repairs alone take 0.1 s to
compile, which `tazala clean` would pay on every line although a line with no mojibake never
searches with them.
"""

from __future__ import annotations

from typing import Any

import regex


class LazyPattern:
    """A `regex` pattern compiled the first time it is used; `pattern` is there at once."""

    __slots__ = ("pattern", "_compiled")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled: regex.Pattern | None = None

    @property
    def compiled(self) -> regex.Pattern:
        if self._compiled is None:
            self._compiled = regex.compile(self.pattern)
        return self._compiled

    def search(self, *args: Any, **kwargs: Any) -> regex.Match | None:
        return self.compiled.search(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # anything else a compiled pattern has
        return getattr(self.compiled, name)
