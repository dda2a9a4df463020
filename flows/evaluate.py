"""Scoring against gold passages: the metrics of the project's shared scorer.

A gold file holds one passage per line: {"id", "raw", "gold", "kind"}; gold is one sentence per
line. Metrics are computed after folding matters of style (quotes, dashes, runs of white space,
spaces between initials):

  CER          character edit distance / gold length (lower is better)
  CER_red      CER reduction against the raw text, in percent
  word_fix     of the gold words the raw text got wrong, the share the output gets right
  word_break   of the gold words the raw text got right, the share the output gets wrong
  sent_P/R/F   sentence-boundary precision / recall / F1, boundaries matched within 1 character
  junk_left    on boilerplate passages: the share of the raw text's distance to gold left
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

QUOTES = re.compile(r"[«»“”„\"‟″]")
DASHES = re.compile(r"[‐‑‒–—―−-]")
INITIAL_GAP = re.compile(r"(?<=\b\w\.)\s+(?=[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ])")
SPACES = re.compile(r"\s+")
WORD = re.compile(r"\w+")


def fold_style(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = QUOTES.sub('"', text)
    text = DASHES.sub("-", text)
    text = INITIAL_GAP.sub("", text)
    return SPACES.sub(" ", text).strip()


def sentence_lines(text: str) -> list[str]:
    return [folded for line in text.split("\n") if (folded := fold_style(line))]


def sentence_ends(sentences: list[str]) -> tuple[str, list[int]]:
    """The sentences joined without white space, and the offset where each one ends."""
    joined, ends = "", []
    for sentence in sentences:
        joined += sentence.replace(" ", "")
        ends.append(len(joined))
    return joined, ends


def carry_offsets(source: str, target: str, offsets: list[int]) -> list[int]:
    """Map offsets in `source` to `target` along the edit alignment of the two strings."""
    mapped = []
    blocks = Levenshtein.opcodes(source, target)
    for offset in offsets:
        for block in blocks:
            if block.src_start <= offset <= block.src_end:
                if block.tag == "equal":
                    mapped.append(block.dest_start + offset - block.src_start)
                elif offset == block.src_end:
                    mapped.append(block.dest_end)
                else:
                    mapped.append(block.dest_start)
                break
    return mapped


def words_kept(source_words: list[str], gold_words: list[str]) -> list[bool]:
    """For each gold word: does the source hold it, aligned, letter for letter?"""
    kept = [False] * len(gold_words)
    for block in Levenshtein.opcodes(source_words, gold_words):
        if block.tag == "equal":
            kept[block.dest_start : block.dest_end] = [True] * (block.dest_end - block.dest_start)
    return kept


@dataclass
class PassageScore:
    chars: int
    edits_raw: int
    edits_out: int
    words: int
    words_wrong_raw: int
    fixed: int
    broken: int
    sent_gold: int
    sent_out: int
    sent_match: int


def score_passage(raw: str, gold: str, output: str) -> PassageScore:
    g, o, r = fold_style(gold), fold_style(output), fold_style(raw.replace("\n", " "))
    gold_words = WORD.findall(g)
    raw_ok = words_kept(WORD.findall(r), gold_words)
    out_ok = words_kept(WORD.findall(o), gold_words)
    gold_text, gold_ends = sentence_ends(sentence_lines(gold))
    out_text, out_ends = sentence_ends(sentence_lines(output))
    mapped = carry_offsets(out_text, gold_text, out_ends)
    return PassageScore(
        chars=len(g),
        edits_raw=Levenshtein.distance(r, g),
        edits_out=Levenshtein.distance(o, g),
        words=len(gold_words),
        words_wrong_raw=raw_ok.count(False),
        fixed=sum(1 for a, b in zip(raw_ok, out_ok, strict=True) if not a and b),
        broken=sum(1 for a, b in zip(raw_ok, out_ok, strict=True) if a and not b),
        sent_gold=len(gold_ends),
        sent_out=len(out_ends),
        sent_match=sum(1 for e in gold_ends if any(abs(e - m) <= 1 for m in mapped)),
    )


def _percent(part: float, whole: float, digits: int = 1) -> float:
    return round(100 * part / whole, digits) if whole else 0.0


def summarize(rows: list[PassageScore], junk: list[PassageScore] = ()) -> dict[str, object]:
    total = {k: sum(getattr(r, k) for r in rows) for k in PassageScore.__dataclass_fields__}
    cer_raw, cer = total["edits_raw"] / total["chars"], total["edits_out"] / total["chars"]
    precision = total["sent_match"] / total["sent_out"] if total["sent_out"] else 0.0
    recall = total["sent_match"] / total["sent_gold"] if total["sent_gold"] else 0.0
    right_raw = total["words"] - total["words_wrong_raw"]
    return {
        "passages": len(rows),
        "CER_raw": round(100 * cer_raw, 2),
        "CER": round(100 * cer, 2),
        "CER_red": _percent(cer_raw - cer, cer_raw),
        "word_fix": _percent(total["fixed"], total["words_wrong_raw"]),
        "word_break": _percent(total["broken"], right_raw, 2),
        "sent_P": round(100 * precision, 1),
        "sent_R": round(100 * recall, 1),
        "sent_F": round(200 * precision * recall / (precision + recall), 1)
        if precision + recall
        else 0.0,
        "words_wrong_raw": total["words_wrong_raw"],
        "junk_left": _percent(sum(r.edits_out for r in junk), sum(r.edits_raw for r in junk))
        if junk
        else None,
    }


class GoldError(ValueError):
    """A gold file that cannot be scored: the message names the file, the line and the fix."""


GOLD_FORM = 'each line is a JSON object with "raw" and "gold" texts'


def read_gold(path: Path) -> list[dict]:
    """The passages of a gold file, checked line by line (GoldError for the first problem)."""
    text = read_text_file(path, "give the .jsonl files in it")
    passages = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            passage = json.loads(line)
        except ValueError as problem:
            raise GoldError(f"{path}:{number}: not JSON ({problem.msg}): {GOLD_FORM}") from None
        if not isinstance(passage, dict):
            raise GoldError(f"{path}:{number}: a JSON {type(passage).__name__}: {GOLD_FORM}")
        for key in ("raw", "gold"):
            if not isinstance(passage.get(key), str):
                raise GoldError(f'{path}:{number}: no "{key}" text: {GOLD_FORM}')
        passages.append(passage)
    return passages


def read_text_file(path: Path, folder_hint: str) -> str:
    """A UTF-8 text file given on the command line; GoldError saying what is wrong with it."""
    if path.is_dir():
        raise GoldError(f"{path} is a folder: {folder_hint} ({path}/*)")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GoldError(f"{path}: no such file") from None
    except UnicodeDecodeError as problem:
        raise GoldError(f"{path}: not UTF-8 text (byte {problem.start})") from None
    except OSError as problem:
        raise GoldError(f"{path}: cannot be read ({problem.strerror or problem})") from None


def evaluate_gold(gold: Path | list[dict], clean: Callable[[str], str]) -> dict[str, object]:
    """Score `clean` (raw text -> one sentence per line) on every passage of a gold file (or
    on passages `read_gold` read)."""
    rows, junk = [], []
    for passage in read_gold(gold) if isinstance(gold, Path) else gold:
        score = score_passage(passage["raw"], passage["gold"], clean(passage["raw"]))
        (junk if passage.get("kind") == "boilerplate" else rows).append(score)
    return summarize(rows, junk)


LETTERS_AND_DIGITS = re.compile(r"\w")


def format_summary(summary: dict[str, object]) -> str:
    return "  ".join(f"{key}={value}" for key, value in summary.items())
