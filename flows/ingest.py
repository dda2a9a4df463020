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
import math
import os
import re
import stat
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from flows.kazakh.charmodel import CharModel, kazakh_model
from flows.release import sha256_file

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
# Stray NUL bytes in a text: at most this share of its bytes, and the rest must read as text
# (random bytes score about -4.2 per character, Kazakh or Russian text -2 to -3).
NUL_SHARE = 0.1
TEXT_WITH_NULS_FLOOR = -3.5
# A code-page reading below this per character, on at least RANDOM_SAMPLE bytes, is noise:
# random bytes score -4.2 to -4.6 in every code page, text of the candidate languages -1 to -3.1
RANDOM_FLOOR = -3.9
RANDOM_SAMPLE = 512
_EXTRACT = "extract its text first (for example with pdftotext) and put the text file in the corpus"
_SAVE = "save it as plain text (UTF-8) and put that in the corpus"
BINARY_SIGNATURES = (
    (b"%PDF-", f"a PDF document: {_EXTRACT}"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image: run OCR on it first"),
    (b"\xff\xd8\xff", "a JPEG image: run OCR on it first"),
    (b"GIF87a", "a GIF image: run OCR on it first"),
    (b"GIF89a", "a GIF image: run OCR on it first"),
    (b"II*\0", "a TIFF image: run OCR on it first"),
    (b"MM\0*", "a TIFF image: run OCR on it first"),
    (b"PK\x03\x04", f"a ZIP archive, or a .docx/.odt/.epub (ZIP inside): unpack it or {_SAVE}"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", f"a Word 97-2003 or other OLE document: {_SAVE}"),
    (b"{\\rtf", f"an RTF document: {_SAVE}"),
    (b"\x1f\x8b", "a gzip archive: unpack it"),
    (b"\xfd7zXZ\0", "an xz archive: unpack it"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: unpack it"),
    (b"Rar!\x1a\x07", "a RAR archive: unpack it"),
    (b"\x7fELF", "a program (ELF): not text"),
    (b"SQLite format 3\0", "an SQLite database: export its text first"),
)
UNSAFE_ID_CHARACTERS = re.compile(r"[^\w.-]+")
# A document id names files of the release (text/ID.txt, with part and duplicate suffixes):
# well under the 255 bytes a file name may have.
MAX_ID_BYTES = 160


class SourcesError(ValueError):
    """corpus/sources.toml is malformed; the message names file and line."""


class SkippedInput(Exception):
    """An input that cannot become a document; the message is the reason the user sees."""


class InputChanged(RuntimeError):
    """A file read other bytes than planning hashed (edited, replaced or truncated during the
    run): what the release would hold is not what its manifest says, so the run stops."""


@dataclass(frozen=True)
class Input:
    """One corpus file: where it is, what it is called in the release, and its bytes' digest."""

    path: str  # relative to the corpus folder, with "/" separators
    document: str  # the document id
    size: int  # of the file, or of the part
    sha256: str  # of the whole file
    part: tuple[int, int] | None = None  # a large file's part: its bytes [start, end)
    encoding: str | None = None  # decided on a split file's first part, for all its parts
    raw: str | None = None  # the path's bytes in hex, when they are not UTF-8 (`path` shows \\xNN)
    part_sha256: str | None = None  # of the part's bytes, for a part

    def location(self, corpus: Path) -> Path | bytes:
        """Where the file is, to open it."""
        if self.raw is None:
            return corpus / self.path
        return os.path.join(os.fsencode(corpus), bytes.fromhex(self.raw))

    def read_bytes(self, corpus: Path) -> bytes:
        with open(self.location(corpus), "rb") as data:
            if self.part is None:
                return data.read()
            start, end = self.part
            data.seek(start)
            return data.read(end - start)

    def read_planned_bytes(self, corpus: Path) -> bytes:
        """The bytes planning hashed, read once; InputChanged when the file holds others now
        (OSError when it cannot be read)."""
        data = self.read_bytes(corpus)
        expected = self.sha256 if self.part is None else self.part_sha256
        if expected is not None and hashlib.sha256(data).hexdigest() != expected:
            raise InputChanged(
                f"{self.path} changed after the run was planned (its bytes are not the ones "
                "hashed for the manifest); nothing was published: run again once it is saved"
            )
        return data


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    # how the encoding was decided: "pinned", "bom", "ascii", "model", "first part" (of a
    # split file) or "mixed" (lines in two encodings: UTF-8 and `encoding`, each read in its own)
    method: str
    score: float | None = None  # character-model score per character of the sample
    runner_up: str | None = None  # the next most plausible encoding, if any
    runner_up_score: float | None = None
    note: str | None = None  # what else the user should know: stray NUL bytes, mixed lines

    def describe(self) -> dict[str, object]:
        """What the manifest records of the decision."""
        described = {
            "encoding": self.encoding,
            "method": self.method,
            "score": self.score,
            "runner_up": self.runner_up,
            "runner_up_score": self.runner_up_score,
        }
        return described | ({"note": self.note} if self.note else {})


def discover_inputs(corpus: Path) -> tuple[list[Input], list[dict[str, str]]]:
    """Every regular, non-hidden file below `corpus`, in path order, with a unique id; and
    what was found but cannot be read, each with the reason the user sees (`skipped`).

    Symbolic links are read when they lead to a file inside the corpus folder and skipped
    when they lead outside it (a corpus must not pull in other files of the machine), nowhere,
    or to a folder (a folder inside is read where it is; following links could loop)."""
    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus} does not exist; pass --corpus DIR")
    root = corpus.resolve()
    found: list[tuple[tuple[str, ...], bytes]] = []
    skipped: list[dict[str, str]] = []

    base = os.fsencode(corpus)

    def unreadable_folder(error: OSError) -> None:
        name = os.fsencode(error.filename or "")
        skipped.append(skip(name, base, f"folder cannot be listed: {error.strerror}"))

    for folder, folders, files in os.walk(base, onerror=unreadable_folder):
        folders[:] = [name for name in folders if not name.startswith(b".")]
        for name in list(folders):
            path = os.path.join(folder, name)
            if os.path.islink(path):
                folders.remove(name)  # os.walk does not follow it; say so
                skipped.append(skip(path, base, symlink_problem(path, root, folder=True)))
        for name in files:
            if name.startswith(b"."):
                continue
            path = os.path.join(folder, name)
            if problem := file_problem(path, root):
                skipped.append(skip(path, base, problem))
            else:
                relative = os.path.relpath(path, base)
                found.append((tuple(display_path(relative).split("/")), relative))
    inputs, taken = [], set()
    for parts, relative in sorted(found):
        path = "/".join(parts)
        document = unique_id(document_id(path), taken)
        taken.add(document)
        raw = None if is_utf8(relative) else relative.hex()
        location = os.path.join(base, relative)
        try:
            item = Input(path, document, os.stat(location).st_size, sha256_file(location), raw=raw)
        except OSError as error:
            skipped.append({"path": path, "reason": f"cannot be read: {error.strerror}"})
            taken.discard(document)
            continue
        inputs.append(item)
    return inputs, in_path_order(skipped)


def in_path_order(skipped: list[dict[str, str]]) -> list[dict[str, str]]:
    """Skipped files in the order of the corpus walk (folders as path parts)."""
    return sorted(skipped, key=lambda entry: entry["path"].split("/"))


def file_problem(path: bytes, root: Path) -> str | None:
    """Why the file at `path` is not read as a document, or None when it is."""
    if os.path.islink(path) and (problem := symlink_problem(path, root, folder=False)):
        return problem
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return f"cannot be read: {error.strerror}"
    if not stat.S_ISREG(mode):
        return f"not a regular file ({SPECIAL_FILES.get(stat.S_IFMT(mode), 'special file')})"
    if not os.access(path, os.R_OK):
        return "cannot be read: permission denied"
    return None


def symlink_problem(path: bytes, root: Path, folder: bool) -> str | None:
    try:
        target = Path(os.fsdecode(path)).resolve(strict=True)
    except (OSError, RuntimeError):
        return "broken symbolic link (its target does not exist, or the links loop)"
    if not target.is_relative_to(root):
        return "symbolic link to a place outside the corpus folder: not read"
    if folder:
        return "symbolic link to a folder: not followed (its files are read where they are)"
    return None


SPECIAL_FILES = {
    stat.S_IFIFO: "named pipe",
    stat.S_IFSOCK: "socket",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFDIR: "folder",
}


def skip(path: bytes, base: bytes, reason: str) -> dict[str, str]:
    return {"path": display_path(os.path.relpath(path, base)), "reason": reason}


def is_utf8(name: bytes) -> bool:
    try:
        name.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def display_path(relative: bytes) -> str:
    """A path as the release names it: valid UTF-8 always (JSON, reports, Prefect's API);
    bytes of a name that is not UTF-8 (written on an old Windows machine) become \\xNN."""
    return relative.decode("utf-8", "backslashreplace").replace(os.sep, "/")


def document_id(relative: str) -> str:
    """A file-name-safe id from the path: folders joined by "--", the extension dropped; an
    id too long for a file name is cut and ends in a digest of the whole path."""
    stem = relative.rsplit(".", 1)[0] if "." in relative.rsplit("/", 1)[-1] else relative
    parts = [UNSAFE_ID_CHARACTERS.sub("_", part).strip("._") or "_" for part in stem.split("/")]
    document = "--".join(parts)
    if len(document.encode()) > MAX_ID_BYTES:
        cut = document.encode()[: MAX_ID_BYTES - 17].decode("utf-8", "ignore")
        document = f"{cut}_{hashlib.sha256(relative.encode()).hexdigest()[:16]}"
    return document


def unique_id(candidate: str, taken: set[str]) -> str:
    n, unique = 1, candidate
    while unique in taken:
        n += 1
        unique = f"{candidate}_{n}"
    return unique


def decode_bytes(
    data: bytes, candidates: tuple[str, ...] = ("utf-8",), pinned: str | None = None
) -> Decoded:
    """Bytes to text, or SkippedInput with the reason the user sees."""
    if kind := binary_format(data):
        raise SkippedInput(f"binary file ({kind})")
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
    valid_utf8 = not sixteen_bit and "utf-8" in candidates and is_utf8(data)
    if (
        not sixteen_bit
        and "utf-8" in candidates
        and not valid_utf8
        and (mixed := decode_mixed(data, candidates))
    ):
        return mixed
    if valid_utf8 and (decided := read_as_valid_utf8(data, candidates)):
        return decided
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
    if not sixteen_bit:
        utf8 = _decode_sample(sample, "utf-8", complete=len(data) <= SAMPLE_BYTES)
        scored = prefer_valid_utf8(scored, utf8)
    for rank, (_, _, encoding, score) in enumerate(scored):
        if sixteen_bit and score < TEXT_FLOOR:
            break
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue  # the sample decoded, the whole file does not
        if not sixteen_bit and looks_random(encoding, score, len(sample)):
            raise SkippedInput(
                f"not text: its most plausible reading ({encoding}) scores {score:.2f} per "
                f"character, as random bytes do (about -4.3); if it is text, pin its encoding "
                "in corpus/sources.toml"
            )
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
        return text_with_nul_bytes(data, candidates)
    raise SkippedInput(f"not valid in any candidate encoding ({', '.join(candidates)})")


STEP_WORDS = 256  # a rival reading is scored this many words at a time, while it can still win


def read_as_valid_utf8(data: bytes, candidates: tuple[str, ...]) -> Decoded | None:
    """What `detect_encoding` decides for valid UTF-8 that stays UTF-8 (most files), with
    fewer readings scored whole; None when it may decide otherwise (then it scores all).

    Its answer is the UTF-8 reading, its score, and the runner-up: the most plausible of the
    readings that differ from it (by total, then by the order of the candidates), with its
    score. Only that one needs its exact total: no letter adds to a score, so a reading whose
    running total falls below the best total found is no runner-up and is left there. The
    readings go best first by the total of their first words, so the best is mostly known
    after one. Whether UTF-8 stands is asked against the best of all readings, as
    `prefer_valid_utf8` asks it."""
    model = kazakh_model()
    if len(set(candidates)) != len(candidates) or not model.never_gains:
        return None
    complete = len(data) <= SAMPLE_BYTES
    sample = data[:SAMPLE_BYTES]
    utf8 = _decode_sample(sample, "utf-8", complete)
    if not utf8:
        return None
    utf8_key = (model.score(utf8), -candidates.index("utf-8"))
    best = utf8_key  # of all readings, as the sort in detect_encoding finds it
    rivals = []
    for order, encoding in enumerate(candidates):
        if encoding == "utf-8" or encoding.startswith(SIXTEEN_BIT):
            continue
        text = _decode_sample(sample, encoding, complete)
        if text == utf8:
            best = max(best, (utf8_key[0], -order))  # the same text scores the same
        elif text:
            rivals.append((order, encoding, text))
    runner_up = most_plausible(rivals, model)
    if runner_up:
        best = max(best, runner_up[:2])
    if best != utf8_key and not utf8_stands(utf8, utf8_key[0], best[0]):
        return None
    return Decoded(
        data.decode("utf-8"),
        "utf-8",
        "model",
        round(utf8_key[0] / len(utf8), 3),
        runner_up[2] if runner_up else None,
        round(runner_up[0] / len(runner_up[3]), 3) if runner_up else None,
    )


def most_plausible(
    readings: list[tuple[int, str, str]], model: CharModel
) -> tuple[float, int, str, str] | None:
    """The reading (order, encoding, text) with the highest (total, -order), as
    (total, -order, encoding, text); each other reading is scored only until its running
    total falls below the best total (it cannot then reach it)."""
    steps = {order: model.score_steps(text, STEP_WORDS) for order, _, text in readings}
    first = {order: next(steps[order]) for order in steps}
    best: tuple[float, int, str, str] | None = None
    for order, encoding, text in sorted(readings, key=lambda r: first[r[0]][0], reverse=True):
        total, done = first[order]
        while not done and (best is None or total >= best[0]):
            total, done = next(steps[order])
        if done and (best is None or (total, -order) > best[:2]):
            best = (total, -order, encoding, text)
    return best


# Valid UTF-8 is read as a code page only on strong evidence: reading it so is the repair of
# mojibake, and must beat what validity itself says. Bytes of a code-page text seldom form
# valid UTF-8 by chance: every character beyond ASCII of the UTF-8 reading needs a lead byte
# and continuation bytes in the right order, which random high bytes give with a probability
# of at most 30/128 x 64/128 (a two-byte character, as Cyrillic letters are). Each such
# character is then log(128*128 / (30*64)) = 2.1 nats of evidence for UTF-8, added to the
# gain a mojibake repair needs in the encoding stage (rules/pipeline.toml [encoding] min_gain).
UTF8_EVIDENCE_PER_CHARACTER = math.log(128 * 128 / (30 * 64))
UTF8_PRIOR = 4.0
# And the text must be long enough to judge: below a dozen such characters (two short words)
# the character model scores word edges more than letters (`ғ` alone is an unlikely word, its
# cp1251 reading `Т“` a likely one), so a single letter or a short word stays UTF-8.
UTF8_MIN_CHARACTERS = 12


def utf8_stands(utf8: str, utf8_total: float, rival_total: float) -> bool:
    """Does a valid UTF-8 reading stay, against a code-page reading of the same bytes?"""
    characters = sum(not ch.isascii() for ch in utf8)
    if characters < UTF8_MIN_CHARACTERS:
        return True
    return rival_total - utf8_total < UTF8_PRIOR + UTF8_EVIDENCE_PER_CHARACTER * characters


def prefer_valid_utf8(
    scored: list[tuple[float, int, str, float]], utf8: str | None
) -> list[tuple[float, int, str, float]]:
    """The scored readings, the UTF-8 one first when it is valid and no rival beats it by
    the evidence `utf8_stands` asks for."""
    entry = next((s for s in scored if s[2] == "utf-8"), None)
    if entry is None or utf8 is None or scored[0] is entry:
        return scored
    if utf8_stands(utf8, entry[0], scored[0][0]):
        return [entry] + [s for s in scored if s is not entry]
    return scored


def looks_random(encoding: str, score: float, sample_bytes: int) -> bool:
    """A code-page reading as implausible as random bytes give, of a sample long enough to
    tell. Valid UTF-8 with letters beyond ASCII is text whatever its script, so never."""
    return encoding != "utf-8" and sample_bytes >= RANDOM_SAMPLE and score < RANDOM_FLOOR


def text_with_nul_bytes(data: bytes, candidates: tuple[str, ...]) -> Decoded:
    """A text with stray NUL bytes (padding left by a crashed editor or copy): read without
    them, their number noted. Binary data with NULs reads as noise and is skipped."""
    nul_bytes = data.count(0)
    stripped = data.replace(b"\0", b"")
    if nul_bytes <= NUL_SHARE * len(data) and stripped.strip():
        decoded = decode_bytes(stripped, candidates)
        if decoded.score is None or decoded.score >= TEXT_WITH_NULS_FLOOR:
            return replace(decoded, note=f"{nul_bytes:,} NUL bytes in the file, dropped")
    raise SkippedInput("binary file (NUL bytes, and no reading of it looks like text)")


def decode_mixed(data: bytes, candidates: tuple[str, ...]) -> Decoded | None:
    """A file pasted together from UTF-8 lines and lines in a code page, or None when it is
    not one: the code page is detected on the lines that are not UTF-8, and each line that
    is valid UTF-8 is read as UTF-8 when that reading is the more plausible one."""
    lines = data.split(b"\n")
    utf8 = [not line.isascii() and is_utf8(line) for line in lines]
    if not any(utf8):
        return None  # no line with UTF-8 letters
    rest = b"\n".join(line for u, line in zip(utf8, lines, strict=True) if not u)
    code_page = detect_encoding(rest, tuple(c for c in candidates if c != "utf-8"))
    model = kazakh_model()
    texts, chosen = [], 0
    for is_utf8_line, line in zip(utf8, lines, strict=True):
        text = line.decode(code_page.encoding)
        if is_utf8_line and utf8_stands(
            multi := line.decode("utf-8"), model.score(multi), model.score(text)
        ):
            text, chosen = multi, chosen + 1
        texts.append(text)
    if not chosen:
        return None
    note = f"lines in two encodings: {chosen:,} read as UTF-8, the others as {code_page.encoding}"
    encoding = f"utf-8+{code_page.encoding}"
    return replace(code_page, text="\n".join(texts), encoding=encoding, method="mixed", note=note)


def binary_format(data: bytes) -> str | None:
    """The kind of a binary file, told by its first bytes, with what to do about it."""
    for signature, kind in BINARY_SIGNATURES:
        if data.startswith(signature):
            return kind
    if data.startswith(b"MZ") and b"\0" in data[:64]:
        return "a Windows program: not text"
    if data.startswith(b"BZh") and data[3:4].isdigit() and data[4:10] == b"1AY&SY":
        return "a bzip2 archive: unpack it"
    return None


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
