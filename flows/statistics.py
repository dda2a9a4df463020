"""Corpus statistics: how often each word form occurs across the corpus.

The statistics pass counts forms per shard; the counts are summed into the corpus lexicon,
which the correct pass reads (a form seen 40 times is a word; a form seen once whose OCR twin
is seen 40 times is probably an error). A release keeps the lexicon as `lexicon.tsv`, so that
`tazala clean` can use a published corpus' evidence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import regex

# Letters with their combining marks; hyphenated compounds (жан-жақты) count as one form.
WORD = regex.compile(r"[\p{L}\p{M}]+(?:-[\p{L}\p{M}]+)*")


def count_words(text: str) -> Counter[str]:
    return Counter(WORD.findall(text))


@dataclass(frozen=True)
class CorpusStatistics:
    """Word-form counts of a corpus; empty when no corpus evidence is used."""

    counts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    # digest of a short line -> the documents that hold it (flows/stages/repeats.py)
    repeated: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def tokens(self) -> int:
        return sum(self.counts.values())

    def count(self, form: str) -> int:
        return self.counts.get(form, 0)


def merge_counts(parts: Iterable[Mapping[str, int]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for part in parts:
        total.update(part)
    return total


def write_counts(path: Path, counts: Mapping[str, int]) -> None:
    """form<TAB>count, most frequent first, ties in code-point order (deterministic)."""
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    with path.open("w", encoding="utf-8", newline="\n") as out:
        # line by line: joined, the lines of a 200 MB corpus' 180,000 forms were 20 MB more
        # in the process that reduces the statistics
        out.writelines(f"{form}\t{n}\n" for form, n in rows)


# A well-formed lexicon file, whole: `read_counts` then splits it at once instead of line by line
# (a release of 20 MB has 45,000 forms, and `tazala clean` reads them at start).
# (possessive: a line's parts cannot give back what they took, and the check runs twice as fast)
COUNTS_FILE = re.compile(r"(?:[^\t\n]*+\t[0-9]++\n)*+(?:[^\t\n]*+\t[0-9]++)?+")


def read_counts(path: Path) -> Counter[str]:
    return Counter(read_count_table(path))


def read_count_table(path: Path) -> dict[str, int]:
    """The counts as a plain dict, made once (no copy into a Counter: the statistics of a
    correcting process are a read-only mapping of it)."""
    text = path.read_text(encoding="utf-8")
    if COUNTS_FILE.fullmatch(text):
        fields = text.removesuffix("\n").replace("\t", "\n").split("\n") if text else []
        del text  # gone before the dict is made (the fields hold their own strings)
        return dict(zip(fields[0::2], map(int, fields[1::2]), strict=True))
    return dict(read_counts_by_line(path))


def read_counts_by_line(path: Path) -> Counter[str]:
    """The reference reading, which says which line is wrong."""
    counts: Counter[str] = Counter()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            form, sep, n = line.rstrip("\n").partition("\t")
            if not sep or not n.isdigit():
                raise ValueError(f"{path}:{number}: expected 'form<TAB>count', got {line!r}")
            counts[form] = int(n)
    return counts


def load_statistics(path: Path, repeated: Path | None = None) -> CorpusStatistics:
    """The lexicon, and the repeated lines when their file is given (a run's, not a
    release's: `tazala clean` judges one text, with no corpus of documents around it)."""
    lines = MappingProxyType(read_count_table(repeated)) if repeated else MappingProxyType({})
    return CorpusStatistics(MappingProxyType(read_count_table(path)), lines)
