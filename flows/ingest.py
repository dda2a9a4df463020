"""Ingest: find the corpus files, turn bytes into text, and name each document.

Encoding detection here is deliberately plain: a byte-order mark, else strict UTF-8, else
cp1251 recorded as a fallback (the manifest says so). Scoring candidate code pages with a
Kazakh character model is a later capability; until then a non-UTF-8 file is flagged in the
report rather than trusted.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
FALLBACK_ENCODING = "cp1251"
UNSAFE_ID_CHARACTERS = re.compile(r"[^\w.-]+")


class SkippedInput(Exception):
    """An input that cannot become a document; the message is the reason the user sees."""


@dataclass(frozen=True)
class Input:
    """One corpus file: where it is, what it is called in the release, and its bytes' digest."""

    path: str  # relative to the corpus folder, with "/" separators
    document: str  # the document id
    size: int
    sha256: str


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    method: str  # how the encoding was decided: "bom", "strict", "fallback"


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


def decode_bytes(data: bytes) -> Decoded:
    """Bytes to text, or SkippedInput with the reason."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding, "bom")
            except UnicodeDecodeError as exc:
                raise SkippedInput(f"invalid {encoding} after its byte-order mark: {exc}") from None
    if not data.strip():
        raise SkippedInput("empty file")
    if b"\0" in data:
        raise SkippedInput("binary file (contains NUL bytes)")
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "strict")
    except UnicodeDecodeError:
        return Decoded(
            data.decode(FALLBACK_ENCODING, errors="replace"), FALLBACK_ENCODING, "fallback"
        )
