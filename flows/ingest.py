"""Ingest: find the corpus files, turn bytes into text, and name each document.

The encoding of a file is, in this order: pinned by `corpus/sources.toml` (or `--encoding`),
given by a byte-order mark, or detected: every candidate of `rules/kk/encodings.tsv` that
decodes the bytes is scored with the Kazakh/Russian character model and the most plausible
reading wins (not the first that does not fail: cp1251, KZ-1048 and PT154 decode any byte).
The choice, its score and the runner-up go into the manifest.
"""

from __future__ import annotations

import codecs
import fnmatch
import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from flows.kazakh.charmodel import kazakh_model

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SOURCES = "sources.toml"  # per-path encoding pins, at the corpus root; not a document
SAMPLE_BYTES = 1 << 16  # enough text to tell code pages apart, cheap to score nine times
SIXTEEN_BIT = ("utf-16", "utf-32")
# A NUL-bearing file is text only if a 16-bit reading scores at least this per character;
# binary data read as UTF-16 is CJK-looking noise at about the foreign-letter cost.
TEXT_FLOOR = -4.5
UNSAFE_ID_CHARACTERS = re.compile(r"[^\w.-]+")


class SourcesError(ValueError):
    """corpus/sources.toml is malformed; the message names file and line."""


class SkippedInput(Exception):
    """An input that cannot become a document; the message is the reason the user sees."""


@dataclass(frozen=True)
class Input:
    """One corpus file: where it is, what it is called in the release, and its bytes' digest."""

    path: str  # relative to the corpus folder, with "/" separators
    document: str  # the document id
    size: int  # of the file, or of the part
    sha256: str  # of the whole file
    part: tuple[int, int] | None = None  # a large file's part: its bytes [start, end)
    encoding: str | None = None  # decided on a split file's first part, for all its parts

    def read_bytes(self, corpus: Path) -> bytes:
        with (corpus / self.path).open("rb") as data:
            if self.part is None:
                return data.read()
            start, end = self.part
            data.seek(start)
            return data.read(end - start)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    method: str  # how the encoding was decided: "pinned", "bom", "ascii", "model"
    score: float | None = None  # character-model score per character of the sample
    runner_up: str | None = None  # the next most plausible encoding, if any
    runner_up_score: float | None = None

    def describe(self) -> dict[str, object]:
        """What the manifest records of the decision."""
        return {
            "encoding": self.encoding,
            "method": self.method,
            "score": self.score,
            "runner_up": self.runner_up,
            "runner_up_score": self.runner_up_score,
        }


def discover_inputs(corpus: Path) -> list[Input]:
    """Every regular, non-hidden file below `corpus`, in path order, with a unique id."""
    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus} does not exist; pass --corpus DIR")
    paths = sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus).parts)
    )
    inputs, taken = [], set()
    for path in paths:
        relative = path.relative_to(corpus).as_posix()
        document = unique_id(document_id(relative), taken)
        taken.add(document)
        inputs.append(Input(relative, document, path.stat().st_size, sha256_file(path)))
    return inputs


def document_id(relative: str) -> str:
    """A file-name-safe id from the path: folders joined by "--", the extension dropped."""
    stem = relative.rsplit(".", 1)[0] if "." in relative.rsplit("/", 1)[-1] else relative
    parts = [UNSAFE_ID_CHARACTERS.sub("_", part).strip("._") or "_" for part in stem.split("/")]
    return "--".join(parts)


def unique_id(candidate: str, taken: set[str]) -> str:
    n, unique = 1, candidate
    while unique in taken:
        n += 1
        unique = f"{candidate}_{n}"
    return unique


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def decode_bytes(
    data: bytes, candidates: tuple[str, ...] = ("utf-8",), pinned: str | None = None
) -> Decoded:
    """Bytes to text, or SkippedInput with the reason the user sees."""
    if pinned:
        try:
            return Decoded(data.decode(pinned), codecs.lookup(pinned).name, "pinned")
        except UnicodeDecodeError as exc:
            raise SkippedInput(f"not valid {pinned}, the encoding pinned for it: {exc}") from None
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding, "bom")
            except UnicodeDecodeError as exc:
                raise SkippedInput(f"invalid {encoding} after its byte-order mark: {exc}") from None
    if not data.strip():
        raise SkippedInput("empty file")
    if data.isascii() and b"\0" not in data:
        return Decoded(data.decode("ascii"), "utf-8", "ascii")
    return detect_encoding(data, candidates)


def detect_encoding(data: bytes, candidates: tuple[str, ...]) -> Decoded:
    """The candidate whose reading of the bytes the character model finds most plausible."""
    sixteen_bit = b"\0" in data  # NUL bytes: UTF-16/32 text, or binary
    model = kazakh_model()
    sample = data[:SAMPLE_BYTES]
    scored = []
    for order, encoding in enumerate(candidates):
        if encoding.startswith(SIXTEEN_BIT) != sixteen_bit:
            continue
        text = _decode_sample(sample, encoding, complete=len(data) <= SAMPLE_BYTES)
        if text:
            # Readings of the same bytes compete on total log-probability: per character,
            # a reading that splits each letter in two (UTF-8 read as a code page) would
            # look only half as bad as it is.
            total = model.score(text)
            scored.append((total, -order, encoding, total / len(text)))
    scored.sort(reverse=True)
    for rank, (_, _, encoding, score) in enumerate(scored):
        if sixteen_bit and score < TEXT_FLOOR:
            break
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue  # the sample decoded, the whole file does not
        # The runner-up is the best other reading that differs: cp1251 and KZ-1048 read a
        # text without Kazakh letters the same, and then the choice does not matter.
        complete = len(data) <= SAMPLE_BYTES
        chosen = _decode_sample(sample, encoding, complete)
        runner_up = next(
            (s for s in scored[rank + 1 :] if _decode_sample(sample, s[2], complete) != chosen),
            None,
        )
        return Decoded(
            text,
            encoding,
            "model",
            round(score, 3),
            runner_up[2] if runner_up else None,
            round(runner_up[3], 3) if runner_up else None,
        )
    if sixteen_bit:
        raise SkippedInput("binary file (NUL bytes, and no UTF-16/32 reading looks like text)")
    raise SkippedInput(f"not valid in any candidate encoding ({', '.join(candidates)})")


def _decode_sample(sample: bytes, encoding: str, complete: bool) -> str | None:
    """The sample as text, allowing a multi-byte character cut at its end."""
    if encoding.startswith("utf-16") and len(sample) % 2:
        sample = sample[:-1]
    for cut in range(0 if complete else 4):
        try:
            return sample[: len(sample) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
    try:
        return sample.decode(encoding)
    except UnicodeDecodeError:
        return None


def read_sources(corpus: Path) -> dict[str, str]:
    """Encoding pins of corpus/sources.toml: {glob: encoding}, validated."""
    path = corpus / SOURCES
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    try:
        pins = tomllib.loads(text).get("encodings", {})
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path}: {exc}") from None
    for pattern, encoding in pins.items():
        line = next((n for n, row in enumerate(text.splitlines(), 1) if pattern in row), 1)
        if not isinstance(encoding, str):
            raise SourcesError(f"{path}:{line}: the encoding for {pattern!r} must be a string")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise SourcesError(
                f"{path}:{line}: unknown encoding {encoding!r} for {pattern!r}"
            ) from None
    return pins


def pinned_encoding(path: str, pins: dict[str, str]) -> str | None:
    """The encoding pinned for a corpus path: the last matching glob wins."""
    found = None
    for pattern, encoding in pins.items():
        if fnmatch.fnmatch(path, pattern):
            found = encoding
    return found
