"""Versioned releases: fingerprint and atomic publishing (the reader is flows/reader.py).

A release is a folder `output/vNNNN/` that never changes once published. It is written in a
hidden temporary folder beside it and renamed into place, so a reader never sees half a
release; `output/LATEST` names the newest. The fingerprint hashes the inputs, the rules, the
code version and the parameters: equal fingerprints give byte-identical releases (but for the
manifest's `published_at`), and a run whose fingerprint is already published publishes
nothing. The manifest records the sha256 of every other file of the release (`files`), which
`verify_release` (`tazala verify`) hashes again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from flows import __version__
from flows.crash import crash_point
from flows.kazakh.dictionaries import resources_version
from flows.reader import (  # the reader's names, as the pipeline and commands import them
    DECISION_MODEL,
    LATEST,
    LEXICON,
    MANIFEST,
    MANIFEST_FIELDS,
    MANIFEST_TOTALS,
    RELEASE_NAME,
    DamagedRelease,
    Paragraph,
    Release,
    ReleaseDocument,
    ReleaseNameError,
    Sentence,
    UnverifiableRelease,
    jsonl_rows,
    latest_version,
    manifest_problem,
    open_release,
    read_manifest,
    release_checksums,
    release_name,
    release_versions,
    sha256_file,
    verify_release,
)

__all__ = [
    "DECISION_MODEL",
    "LATEST",
    "LEXICON",
    "MANIFEST",
    "MANIFEST_FIELDS",
    "MANIFEST_TOTALS",
    "RELEASE_NAME",
    "DamagedRelease",
    "Paragraph",
    "Release",
    "ReleaseDocument",
    "ReleaseNameError",
    "Sentence",
    "UnverifiableRelease",
    "jsonl_rows",
    "latest_version",
    "manifest_problem",
    "open_release",
    "read_manifest",
    "release_checksums",
    "release_name",
    "release_versions",
    "sha256_file",
    "verify_release",
]

TEMPORARY_PREFIX = ".tmp-"


@cache
def code_version() -> str:
    """The package version plus a digest of its source and of the language resources it
    learns from (the hunspell dictionaries' version), so that any change counts."""
    package = Path(__file__).parent
    digest = hashlib.sha256(resources_version().encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def release_fingerprint(
    inputs: list[tuple[str, str]], rules_fingerprint: str, code: str, parameters: dict[str, Any]
) -> str:
    """sha256 over (path, sha256) of every input, the rules, the code and the parameters."""
    payload = {"inputs": inputs, "rules": rules_fingerprint, "code": code, "parameters": parameters}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def find_release(output: Path, fingerprint: str) -> str | None:
    """The published release with this fingerprint, if any."""
    for version in reversed(release_versions(output)):
        try:
            if read_manifest(output / version)["fingerprint"] == fingerprint:
                return version
        except (OSError, DamagedRelease):
            continue
    return None


def new_release_folder(output: Path, fingerprint: str) -> Path:
    """A fresh hidden folder to write a release into before it is published."""
    output.mkdir(parents=True, exist_ok=True)
    folder = output / f"{TEMPORARY_PREFIX}{fingerprint[:16]}-{os.getpid()}"
    if folder.is_symlink() or folder.is_file():
        folder.unlink()  # a link planted here: remove the link, never what it points to
    elif folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    return folder


def publish_folder(folder: Path, output: Path, finalize: Callable[[Path, str], None]) -> str:
    """Rename a finished release folder into place as the next version; point LATEST at it.

    `finalize(folder, version)` writes what names the version (manifest, report) just before
    the rename. The rename is atomic: a reader sees either no release or the whole of it.
    """
    while True:
        versions = release_versions(output)
        version = f"v{int(versions[-1][1:]) + 1 if versions else 1:04d}"
        finalize(folder, version)
        try:
            folder.rename(output / version)
            crash_point("latest")
            break
        except OSError:
            if not (output / version).exists():
                raise
            # Another run took this number between our listing and the rename: take the next.
    write_latest(output, version)
    return version


def write_latest(output: Path, version: str) -> None:
    temporary = output / f"{TEMPORARY_PREFIX}{LATEST}-{os.getpid()}"
    write_new_file(temporary, version + "\n")
    os.replace(temporary, output / LATEST)  # replaces a link named LATEST, never follows it


def write_new_file(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path`, never through a link: one already there is removed
    (not its target), and one planted after that makes the open fail (O_NOFOLLOW)."""
    path.unlink(missing_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
    with os.fdopen(os.open(path, flags, 0o666), "wb") as out:  # the umask applies
        out.write(text.encode("utf-8"))


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
