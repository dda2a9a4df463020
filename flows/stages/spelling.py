"""Spelling stage: one spelling per word across the corpus (variant clusters).

Its interface is final: it reads the corpus statistics and the confidence threshold from its
context, applies merges at or above the threshold and suggests the rest for review.
It has no variant rules yet, so it changes nothing; the report says so.
"""

from __future__ import annotations

from flows.document import Changes
from flows.stages.base import Context, Stage


def fix_spelling(text: str, context: Context) -> tuple[str, Changes]:
    return text, Changes()


STAGE = Stage("spelling", fix_spelling, "not implemented yet: passes text through unchanged")
