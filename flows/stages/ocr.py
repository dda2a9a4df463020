"""OCR stage: Kazakh letters lost to Russian look-alikes and classic OCR swaps.

Its interface is final: it reads the corpus statistics and the confidence threshold from its
context, applies corrections at or above the threshold and suggests the rest for review.
It has no correction rules yet, so it changes nothing; the report says so.
"""

from __future__ import annotations

from flows.document import Changes
from flows.stages.base import Context, Stage


def fix_ocr_swaps(text: str, context: Context) -> tuple[str, Changes]:
    return text, Changes()


STAGE = Stage("ocr", fix_ocr_swaps, "not implemented yet: passes text through unchanged")
