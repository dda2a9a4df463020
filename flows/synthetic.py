"""A generated corpus for benchmarks: the sample corpus' lines redrawn with seeded variations.

Repeating the same files would flatter every per-word-type cache: a real archive keeps bringing
new word types (Heaps' law). So each generated line is a line of the source corpus in which
some words are replaced by a Kazakh stem of the installed hunspell dictionary, drawn with Zipf
frequencies and given a harmonic case suffix (new, mostly valid types), and some Kazakh letters
are read as their Russian look-alikes (new OCR-error types, as scanners make them). The same
seed gives the same files, byte for byte; `change_file` redraws one file and `add_file` writes a
new one, as an archive's edits do.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import regex

from flows.ingest import SkippedInput, decode_bytes
from flows.kazakh.dictionaries import dictionary_stems
from flows.kazakh.harmony import BACK_VOWELS, FRONT_VOWELS
from flows.rules import Rules

# Per Cyrillic word of four letters or more: the chance it becomes a new stem, and the chance
# one of its Kazakh letters is read as a Russian look-alike.
NEW_STEM_RATE = 0.10
OCR_ERROR_RATE = 0.015
LOOKALIKES = {"қ": "к", "ғ": "г", "ң": "н", "ү": "у", "ұ": "у", "ө": "о", "ә": "а", "і": "i"}
FILE_KB = 256

WORD = regex.compile(r"\p{Cyrillic}{4,}")
VOICELESS = set("пфктшсчцхщқ")
NASAL = set("мнң")


@dataclass(frozen=True)
class GeneratedCorpus:
    folder: Path
    files: int
    bytes: int


def case_suffixes(stem: str) -> tuple[str, ...]:
    """Plural, genitive, dative and locative endings that fit the stem's last sound and its
    vowel harmony (the suffix alternations of Kazakh grammar)."""
    vowels = [ch for ch in stem if ch in BACK_VOWELS or ch in FRONT_VOWELS]
    front = bool(vowels) and vowels[-1] in FRONT_VOWELS
    last = stem[-1]
    vowel = last in BACK_VOWELS + FRONT_VOWELS + "иуяюэё"
    voiceless = last in VOICELESS
    a, y, g = ("е", "і", "г") if front else ("а", "ы", "ғ")
    k = "к" if front else "қ"
    plural = "л" if vowel or last in "рй" else ("т" if voiceless else "д")
    genitive = "н" if vowel or last in NASAL else ("т" if voiceless else "д")
    dative = k if voiceless else g
    locative = "т" if voiceless else "д"
    return ("", f"{plural}{a}р", f"{genitive}{y}ң", f"{dative}{a}", f"{locative}{a}")


class LineVariator:
    """Redraws source lines: new stems with Zipf frequencies, OCR look-alikes."""

    def __init__(self, rng: random.Random) -> None:
        cyrillic = regex.compile(r"\p{Cyrillic}{3,}")
        stems = sorted({s.lower() for s in dictionary_stems("kk_KZ") if cyrillic.fullmatch(s)})
        rng.shuffle(stems)  # the seed decides which stems are frequent
        self.stems = stems
        self.rng = rng

    def zipf_stem(self) -> str:
        # a log-uniform rank is a Zipf draw: rank r comes with probability ~ 1/r
        rank = int(math.exp(self.rng.random() * math.log(len(self.stems))))
        return self.stems[min(rank, len(self.stems)) - 1]

    def vary_word(self, match: regex.Match) -> str:
        word = match.group()
        draw = self.rng.random()
        if draw < NEW_STEM_RATE and word.islower():
            stem = self.zipf_stem()
            return stem + self.rng.choice(case_suffixes(stem))
        if draw < NEW_STEM_RATE + OCR_ERROR_RATE:
            places = [i for i, ch in enumerate(word) if ch in LOOKALIKES]
            if places:
                i = self.rng.choice(places)
                return word[:i] + LOOKALIKES[word[i]] + word[i + 1 :]
        return word

    def vary_line(self, line: str) -> str:
        return WORD.sub(self.vary_word, line)


def source_lines(paths: list[Path], rules: Rules) -> list[str]:
    """The non-empty lines of the source files, decoded as the pipeline decodes them."""
    lines = []
    for path in paths:
        try:
            text = decode_bytes(path.read_bytes(), rules.encodings).text
        except SkippedInput:
            continue
        lines += [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("the source files hold no text to generate a corpus from")
    return lines


def generate_file(lines: list[str], variator: LineVariator, size: int) -> str:
    """About `size` bytes of consecutive source lines (a passage from a random place), varied;
    a blank line now and then, as documents have paragraphs."""
    rng = variator.rng
    out, written = [], 0
    at = rng.randrange(len(lines))
    while written < size:
        line = variator.vary_line(lines[at % len(lines)])
        out.append(line)
        written += len(line.encode("utf-8")) + 1
        at += 1
        if rng.random() < 0.1:
            out.append("")
            at = rng.randrange(len(lines))  # the next paragraph comes from elsewhere
    return "\n".join(out) + "\n"


def file_name(number: int) -> str:
    return f"gen-{number:05d}.txt"


def generate_corpus(
    sources: list[Path], rules: Rules, folder: Path, megabytes: float, seed: int = 0
) -> GeneratedCorpus:
    """Write `megabytes` of generated text into `folder` as files of about FILE_KB each."""
    lines = source_lines(sources, rules)
    folder.mkdir(parents=True, exist_ok=True)
    files = max(1, round(megabytes * 1e6 / (FILE_KB * 1024)))
    variator = LineVariator(random.Random(seed))
    total = 0
    for number in range(1, files + 1):
        variator.rng = random.Random(f"{seed}-{number}")
        data = generate_file(lines, variator, FILE_KB * 1024).encode("utf-8")
        (folder / file_name(number)).write_bytes(data)
        total += len(data)
    return GeneratedCorpus(folder, files, total)


def change_file(sources: list[Path], rules: Rules, folder: Path, number: int, seed: int) -> Path:
    """Redraw one generated file with another seed: an archive's edit of one document."""
    variator = LineVariator(random.Random(seed))
    variator.rng = random.Random(f"{seed}-changed-{number}")
    path = folder / file_name(number)
    text = generate_file(source_lines(sources, rules), variator, FILE_KB * 1024)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def add_file(
    sources: list[Path], rules: Rules, folder: Path, number: int, seed: int, size: int
) -> Path:
    """Write a new generated file of about `size` bytes, numbered after the corpus' files and
    drawn with a seed of its own: an archive's new document (its lines and new stems are not
    those of any file already there)."""
    variator = LineVariator(random.Random(seed))
    variator.rng = random.Random(f"{seed}-added-{number}")
    path = folder / file_name(number)
    if path.exists():
        raise FileExistsError(f"{path} already exists: an added file must be new")
    text = generate_file(source_lines(sources, rules), variator, size)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
