"""Reading published releases, with nothing but Python's standard library.

A project downstream reads a release without tazala's pipeline: this module imports no
Prefect, Dask, FastAPI or regex, so `pip install --no-deps tazala` (or this one file) is
enough, and `import flows.reader` starts in milliseconds (a test checks what it imports).

    from flows.reader import open_release
    release = open_release("output")          # the latest; open_release("output", 2)
    for document in release.documents():
        for sentence in document.sentences():
            ...
    for sentence in release.sentences():      # with ids: sentence.id == "doc:p2:s1"
        ...
    for edit in release.changes():            # every applied edit; release.review(): the rest
        ...
    release.to_pandas("sentences")            # with pandas installed; to_dataset with datasets

`verify_release` hashes a release's files again against its manifest (`tazala verify`).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# \Z, not $: `$` also matches before a final newline ("v0001\n")
RELEASE_NAME = re.compile(r"v([0-9]{4,})\Z")
RELEASE_NUMBER = re.compile(r"[0-9]+\Z")  # `tazala show 2`: ASCII digits only (not ², not ٢)
LATEST = "LATEST"
MANIFEST = "manifest.json"
LEXICON = "lexicon.tsv"
DECISION_MODEL = "decision_model.toml"  # a model the run fitted on its corpus ([ocr] model)


def release_versions(output: Path) -> list[str]:
    """Published release names in version order (temporary folders are not releases)."""
    if not output.is_dir():
        return []
    names = [p.name for p in output.iterdir() if p.is_dir() and RELEASE_NAME.match(p.name)]
    return sorted(names, key=lambda name: int(name[1:]))


class ReleaseNameError(ValueError):
    """A version argument that is not a release name (a path, say): refused, never opened."""


class DamagedRelease(ValueError):
    """A release file that cannot be read back; the message names it and what to do."""


# What every manifest holds and the commands read without asking (`tazala versions`, `show`,
# `diff`, a run's summary): a manifest without them is damaged, not merely old.
MANIFEST_FIELDS = {
    "fingerprint": str,
    "code_version": str,
    "rules_fingerprint": str,
    "parameters": dict,
    "inputs": list,
    "skipped": list,
    "totals": dict,
    "stages": dict,
}
MANIFEST_TOTALS = ("documents", "paragraphs", "sentences", "words", "edits", "suggestions")


def read_manifest(folder: Path) -> dict[str, Any]:
    """The release's manifest; DamagedRelease naming the file when it is not one."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except ValueError as error:  # not UTF-8, not JSON: cut short, overwritten
        problem: str | None = f"not JSON: {error}"
    else:
        problem = manifest_problem(manifest)
    if problem:
        raise DamagedRelease(
            f"{path} is damaged ({problem[:120]}): restore {folder.name} from a copy, or move "
            f"the folder out of {folder.parent} (the other releases stay readable)"
        )
    return manifest


def manifest_problem(manifest: Any) -> str | None:
    """What makes this parsed manifest unreadable to the commands, or None."""
    if not isinstance(manifest, dict):
        return f"a JSON {type(manifest).__name__}, not an object"
    for name, kind in MANIFEST_FIELDS.items():
        if not isinstance(manifest.get(name), kind):
            return f"no {name} ({kind.__name__})"
    for name in MANIFEST_TOTALS:
        count = manifest["totals"].get(name)
        if not isinstance(count, int) or isinstance(count, bool):
            return f"totals.{name} is not a count"
    return None


def release_checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file of a release folder but its manifest, by path in the folder
    (`text/001.txt`), in path order: what the manifest records as `files`."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and not path.is_symlink() and name != MANIFEST:
            found[name] = sha256_file(path)
    return found


def release_content(folder: Path) -> dict[str, str]:
    """Every file of a release with the sha256 of its content, the manifest's without its
    `published_at`: what two releases of the same fingerprint share, byte for byte."""
    found = release_checksums(folder)
    manifest = read_manifest(folder)
    manifest.pop("published_at", None)
    found[MANIFEST] = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    return dict(sorted(found.items()))


def sha256_file(path: Path | bytes) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class UnverifiableRelease(ValueError):
    """A release whose manifest records no checksums (published before they were kept)."""


def verify_release(folder: Path) -> list[str]:
    """The files of a release that differ from its manifest's checksums, each with how
    (changed, missing, not in the manifest); empty when the release is as published."""
    recorded = read_manifest(folder).get("files")
    if not isinstance(recorded, dict):
        raise UnverifiableRelease(
            f"{folder.name} records no checksums (published before releases kept them): run "
            "`tazala run` again to publish a release that can be verified"
        )
    found = release_checksums(folder)
    problems = [
        f"{name}: {'missing' if name not in found else 'changed'}"
        for name, digest in recorded.items()
        if found.get(name) != digest
    ]
    problems += [f"{name}: not in the manifest" for name in found if name not in recorded]
    return sorted(problems)


def release_name(version: str) -> str:
    """`v0002` or `2` as a release name; ReleaseNameError for anything else (a path above all:
    `tazala show ../../x` must not read outside the output folder)."""
    if RELEASE_NAME.match(version):
        return version
    if RELEASE_NUMBER.match(version):
        return f"v{int(version):04d}"
    raise ReleaseNameError(
        f"{version!r} is not a release name: give one as v0002 or 2 (`tazala versions` lists them)"
    )


def latest_version(output: Path) -> str | None:
    latest = output / LATEST
    if latest.is_file():
        name = latest.read_text(encoding="utf-8").strip()
        if RELEASE_NAME.match(name) and (output / name / MANIFEST).is_file():
            return name
    versions = release_versions(output)
    return versions[-1] if versions else None


def jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The objects of a JSON-lines file of a release, one at a time."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a release: `id` is `DOCUMENT:pN` (N from 1), stable while the
    document's file keeps its path and its paragraphs their order."""

    id: str
    document: str
    number: int
    language: str  # kk, ru, en or other
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class Sentence:
    """One sentence of a release: `id` is `DOCUMENT:pN:sM` (both from 1)."""

    id: str
    document: str
    paragraph: int
    number: int
    language: str  # its paragraph's
    text: str


@dataclass(frozen=True)
class ReleaseDocument:
    """One row of documents.jsonl. Its id is the file's path made safe (`web--2024--news`;
    a large file's parts end in `.part001`, ...): the same file has the same id in every
    release."""

    id: str
    source: str
    encoding: str
    text: str
    paragraphs: list[list[str]]
    languages: list[str]  # one per paragraph: kk, ru, en or other

    def paragraph_units(self) -> Iterator[Paragraph]:
        """The paragraphs with their ids and languages."""
        for number, (sentences, language) in enumerate(
            zip(self.paragraphs, self.languages, strict=True), 1
        ):
            yield Paragraph(f"{self.id}:p{number}", self.id, number, language, tuple(sentences))

    def sentence_units(self) -> Iterator[Sentence]:
        """The sentences with their ids and their paragraphs' languages."""
        for paragraph in self.paragraph_units():
            for number, text in enumerate(paragraph.sentences, 1):
                sentence_id = f"{paragraph.id}:s{number}"
                yield Sentence(
                    sentence_id, self.id, paragraph.number, number, paragraph.language, text
                )

    def sentences(self) -> Iterator[str]:
        """The sentences' texts, in order."""
        for paragraph in self.paragraphs:
            yield from paragraph


@dataclass(frozen=True)
class Release:
    path: Path
    version: str
    manifest: dict[str, Any]

    def documents(self) -> Iterator[ReleaseDocument]:
        for row in jsonl_rows(self.path / "documents.jsonl"):
            text = row["text"]
            yield ReleaseDocument(
                row["id"],
                row["source"],
                row["encoding"],
                text,
                sentences_of(text, row["paragraphs"]),
                row.get("languages", ["kk"] * len(row["paragraphs"])),
            )

    def document(self, document_id: str) -> ReleaseDocument:
        """The document with this id; KeyError naming the release when there is none."""
        for document in self.documents():
            if document.id == document_id:
                return document
        raise KeyError(f"no document {document_id!r} in release {self.version}")

    def paragraphs(self) -> Iterator[Paragraph]:
        """Every paragraph of the release, in order, with its id and language."""
        for document in self.documents():
            yield from document.paragraph_units()

    def sentences(self) -> Iterator[Sentence]:
        """Every sentence of the release, in order, with its id, paragraph and language."""
        for document in self.documents():
            yield from document.sentence_units()

    def changes(self) -> Iterator[dict[str, Any]]:
        """Every applied edit (changes.jsonl), in order: document, stage, rule, before,
        after, position, confidence, evidence, alternatives."""
        yield from jsonl_rows(self.path / "changes.jsonl")

    def review(self) -> Iterator[dict[str, Any]]:
        """Every suggestion not applied (review.jsonl), in the same form as `changes`."""
        yield from jsonl_rows(self.path / "review.jsonl")

    def word_counts(self) -> dict[str, int]:
        """The corpus word counts (lexicon.tsv): form -> count, most frequent first."""
        counts = {}
        with (self.path / LEXICON).open(encoding="utf-8") as lines:
            for line in lines:
                form, _, count = line.rstrip("\n").partition("\t")
                counts[form] = int(count)
        return counts

    def statistics(self) -> Any:
        """The corpus statistics this release was corrected with, as the correct stages read
        them (flows.statistics.CorpusStatistics: needs tazala's dependencies installed)."""
        from flows.statistics import load_statistics

        return load_statistics(self.path / LEXICON)

    def rows(self, table: str = "documents") -> Iterator[dict[str, Any]]:
        """The rows of one table: "documents" (id, source, encoding, text), "sentences" (id,
        document, paragraph, number, language, text), "changes" or "review" (each edit, its
        evidence as a JSON string)."""
        if table == "documents":
            for document in self.documents():
                yield {
                    "id": document.id,
                    "source": document.source,
                    "encoding": document.encoding,
                    "text": document.text,
                }
        elif table == "sentences":
            for sentence in self.sentences():
                yield asdict(sentence)
        elif table in ("changes", "review"):
            for row in jsonl_rows(self.path / f"{table}.jsonl"):
                yield {**row, "evidence": json.dumps(row.get("evidence"), ensure_ascii=False)}
        else:
            raise ValueError(f"no table {table!r}: documents, sentences, changes or review")

    def to_pandas(self, table: str = "documents") -> Any:
        """One table (`rows`) as a pandas DataFrame; ids stay strings. Needs pandas."""
        pandas = optional_package("pandas", "to_pandas")
        return pandas.DataFrame.from_records(list(self.rows(table)))

    def to_dataset(self, table: str = "documents") -> Any:
        """One table (`rows`) as a Hugging Face `datasets.Dataset`. Needs datasets."""
        datasets = optional_package("datasets", "to_dataset")
        return datasets.Dataset.from_list(list(self.rows(table)))


def open_release(output: str | Path = "output", version: str | int | None = None) -> Release:
    """Open a published release: the latest by default, or `version` ("v0002", "2" or 2).
    ReleaseNameError when `version` is not a release name, DamagedRelease when its manifest
    cannot be read."""
    output = Path(output)
    if version is None:
        version = latest_version(output)
        if version is None:
            raise FileNotFoundError(f"no release in {output}/; run `tazala run` to publish one")
    else:
        version = release_name(str(version))
    folder = output / version
    if not (folder / MANIFEST).is_file():
        known = ", ".join(release_versions(output)) or "none"
        raise FileNotFoundError(f"no release {version} in {output}/ (published: {known})")
    return Release(folder, version, read_manifest(folder))


def sentences_of(text: str, paragraphs: list[list[Any]]) -> list[list[str]]:
    """A row's paragraphs as sentence texts: its [start, end) offsets into the text, or the
    sentences themselves (releases before the offsets)."""
    return [
        [text[span[0] : span[1]] if isinstance(span, list) else span for span in paragraph]
        for paragraph in paragraphs
    ]


def optional_package(name: str, method: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ImportError(
            f"Release.{method} needs {name}: pip install {name} (the reader itself needs "
            "nothing but Python)"
        ) from None
