"""The result cache: each file's result of each pass, kept between runs.

A nightly run over a growing archive should not repeat work whose inputs did not change. Each
input file's repair result (its repaired document, how it was decoded, its word counts) is
kept under a key made of the file's bytes, its path and id, the fingerprint of the rules the
repair stages read (all but the review decisions, rules/kk/variants.tsv), the code version
and the run parameters; its correct result under that key plus the whole rules' fingerprint
and the digest of the corpus statistics it was corrected with. A review decision thus
corrects every document again, but repairs none. Keys are per file, not per shard, so a
file added in the middle of the corpus does not shift every later shard out of the cache.

    output/.cache/repair/<key>.json      decoded input, skip reason or word counts
    output/.cache/repair/<key>.doc.json  the repaired document
    output/.cache/correct/<key>.doc.json the corrected document
    output/.cache/model/<key>.toml       a decision model fitted on the corpus ([ocr] model =
                                         "corpus"), keyed by the rules, code and parameters
                                         and the statistics digest

Entries are written under a temporary name and renamed, so a killed run leaves no half entry;
the metadata file is renamed last and marks the entry complete. After a release is published,
entries the run did not use are removed: the cache holds one corpus' worth of results.

Every entry checks itself: its first line holds the sha256 of its file name and its content, so
a bit flip, a truncated file or two entries swapped under each other's names is found on read.
A damaged entry is recomputed, with a warning; it is never released and never fails a run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flows.document import Document, document_from_json, document_to_json
from flows.release import write_new_file

CACHE = ".cache"
PASSES = ("repair", "correct", "model")  # the cache's folders
ENTRY_HEADER = "tazala-cache-1 "  # then the entry's digest (entry_digest) and a line break

log = logging.getLogger("tazala")


def digest(*parts: object) -> str:
    """sha256 of the parts as canonical JSON: a cache key."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def cache_folder(output: str | Path) -> Path:
    return Path(output) / CACHE


def repair_entry(cache: Path, key: str) -> tuple[Path, Path]:
    """The metadata file and the document file of a repair entry."""
    return cache / "repair" / f"{key}.json", cache / "repair" / f"{key}.doc.json"


def correct_entry(cache: Path, key: str, basis: str) -> Path:
    """The corrected document of a repair entry, corrected on this basis (the rules, code,
    parameters and corpus statistics: pipeline.process_shards)."""
    return cache / "correct" / f"{digest(key, basis)}.doc.json"


def model_entry(cache: Path, key: str) -> Path:
    """A decision model fitted on a corpus: its readable file, as a cache entry."""
    return cache / "model" / f"{key}.toml"


def write_atomically(path: Path, text: str) -> None:
    """Write beside the target and rename: readers see the old file, or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_new_file(temporary, text)  # never through a link planted under the temporary name
    os.replace(temporary, path)


def entry_digest(name: str, content: bytes) -> str:
    """The digest an entry carries: of its file name too, so that an entry copied or renamed
    to another key's name does not pass for that key's result."""
    return hashlib.sha256(name.encode() + b"\0" + content).hexdigest()


def write_entry(path: Path, content: str) -> None:
    """A cache entry: its digest line, then its content."""
    digest_line = f"{ENTRY_HEADER}{entry_digest(path.name, content.encode())}\n"
    write_atomically(path, digest_line + content)


def read_entry(path: Path) -> str | None:
    """An entry's content, or None when there is none; a damaged entry (its digest does not
    match, its header is gone, it is not UTF-8 or not a file) is None too, with a warning: the
    caller recomputes it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as problem:
        return damaged(path, problem.strerror or str(problem))
    header, _, content = data.partition(b"\n")
    expected = entry_digest(path.name, content).encode()
    if header != ENTRY_HEADER.encode() + expected:
        return damaged(path, "its content does not match its digest")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return damaged(path, "not UTF-8")


def damaged(path: Path, why: str) -> None:
    log.warning("cache entry %s is damaged (%s); it is recomputed", path, why)
    return None


def write_document(path: Path, document: Document) -> None:
    write_entry(path, json.dumps(document_to_json(document), ensure_ascii=False))


def read_document(path: Path) -> Document | None:
    """The cached document, or None when there is no intact one (then it is recomputed)."""
    content = read_entry(path)
    if content is None:
        return None
    try:
        return document_from_json(json.loads(content))
    except (ValueError, KeyError, TypeError) as problem:
        # a digest that matches over content that does not parse: written by other code
        return damaged(path, f"not a document: {problem}")


def write_meta(path: Path, meta: dict[str, Any]) -> None:
    write_entry(path, json.dumps(meta, ensure_ascii=False, sort_keys=True))


def read_meta(path: Path) -> dict[str, Any] | None:
    """The entry's metadata, or None when there is no intact entry (then it is recomputed)."""
    content = read_entry(path)
    if content is None:
        return None
    try:
        meta = json.loads(content)
    except ValueError as problem:
        return damaged(path, f"not JSON: {problem}")
    return meta if isinstance(meta, dict) else damaged(path, "not a JSON object")


def prune_cache(cache: Path, used: Iterable[Path]) -> int:
    """Remove every cache file this run did not use (and leftovers of killed runs); returns
    how many files went."""
    if cache.is_symlink():  # not the run's own cache: remove the link, never the files
        cache.unlink()
        return 1
    keep = {path.resolve() for path in used}
    removed = 0
    for step in PASSES:
        folder = cache / step
        if folder.is_symlink():  # not the cache's own folder: remove the link, not its files
            folder.unlink()
            removed += 1
            continue
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.resolve() not in keep:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
