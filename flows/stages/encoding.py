"""Encoding stage: repair mojibake with ftfy, configured for encoding repair only.

ftfy repairs UTF-8 that was decoded as cp1251, cp1252 or Latin-1. Everything else ftfy can do
(quotes, ligatures, widths, HTML entities, normalisation, line breaks, control characters) is
switched off here: those are other stages' decisions, and a corpus' quotes are its own.
"""

from __future__ import annotations

import ftfy

from flows.document import Changes, Edit, changed_span
from flows.stages.base import Context, Stage

ENCODING_ONLY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=True,
)


def fix_encoding(text: str, context: Context | None = None) -> tuple[str, Changes]:
    """Repair mojibake line by line; each repaired line is one edit with ftfy's plan."""
    changes = Changes()
    if text.isascii():
        return text, changes
    lines, offset = text.split("\n"), 0
    for i, line in enumerate(lines):
        if not line.isascii():
            fixed, plan = ftfy.fix_and_explain(line, config=ENCODING_ONLY)
            if fixed != line:
                start, before, after = changed_span(line, fixed)
                steps = [list(step) for step in plan or []]
                changes.apply(
                    Edit("encoding", "ftfy", before, after, offset + start, 1.0, {"plan": steps})
                )
                lines[i] = fixed
        offset += len(line) + 1
    return "\n".join(lines), changes


STAGE = Stage(
    "encoding",
    fix_encoding,
    "mojibake repaired by ftfy (UTF-8 read as cp1251/cp1252/Latin-1); "
    "Kazakh code pages (KZ-1048, PT154) and KZ fonts are not repaired yet",
)
