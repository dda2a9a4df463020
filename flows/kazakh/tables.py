"""Tables built from the installed word lists and the rules, cached on disk once.

Building the lexicon's stem tables from the hunspell lists takes most of a second (decoding the
ru_RU list alone a third of one), which is the whole start-up of `tazala clean`. So what is built
from the word lists and the rules is written once under `cache_folder()`, as marshal data (plain
containers load fastest), and read back by every later process.

A cache file is named by what its content depends on, so a stale one is never read: the rules
fingerprint when the rules shape it, tazala's source (a digest of every file), the word-list
files installed and the Python version (marshal's format is its own). Each file carries a
checksum of its payload: a file that is truncated, corrupt or unreadable is built again, never
trusted, and a cache folder that cannot be written only means building every time.

Reading even a cached table of 224,000 stems costs 70 ms (every word becomes a string object and
every string is hashed), while one line of text asks about a few hundred. So the big tables are
stored in buckets by the first letters of their keys (`LazyTable`): a process fills the buckets
its words ask for, and a run that asks about many words soon has them all.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import threading
import zlib
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

FORMAT = 1  # bump when what a cache file holds changes shape
MAGIC = b"tazala-table\0"
KEEP_PER_NAME = 3  # cache files kept per table name: other checkouts or rules may use theirs
KEY_LETTERS = 2  # a LazyTable's bucket: keys sharing their first two letters
# Lookups a LazyTable answers bucket by bucket before it fills the rest at once: a line of text
# asks a few hundred, a corpus run millions (and then a plain dict's speed matters).
LAZY_LOOKUPS = 4096

T = TypeVar("T")


def cache_folder() -> Path:
    base = os.environ.get("TAZALA_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "tazala" if base else Path.home() / ".cache" / "tazala"


def table_key(name: str, *parts: str) -> str:
    """The key of a cached table: its name, what it depends on (`parts`), the word lists
    installed, tazala's source and the Python version."""
    from flows.kazakh.dictionaries import resources_identity  # (which imports this module)

    source = "|".join((str(FORMAT), sys.version, source_digest(), resources_identity(), name))
    return hashlib.sha256("|".join((source, *parts)).encode()).hexdigest()[:16]


@cache
def source_digest() -> str:
    """A digest of every source file of tazala (as `flows.release.code_version`, without the
    packages' metadata it reads): any change to the code that builds a table is a new key."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cached_table(name: str, key: str, build: Callable[[], T]) -> T:
    """The table `build` makes, read from the cache when a file for `key` is there and whole;
    otherwise built, and written for the next process (when the cache folder can be written).
    `build` must return plain containers marshal can write (dict, list, tuple, str, bytes,
    numbers, frozenset)."""
    try:
        path = cache_folder() / f"{name}-{key}.marshal"
    except RuntimeError:  # no home folder to put the cache in
        return build()
    found = read_table(path)
    if found is not None:
        return found
    table = build()
    write_table(path, table)
    return table


def read_table(path: Path) -> Any | None:
    """The table of a cache file, or None when it is missing, unreadable or not whole."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = len(MAGIC) + 4
    if len(data) < header or not data.startswith(MAGIC):
        return None
    payload = memoryview(data)[header:]
    if zlib.crc32(payload) != int.from_bytes(data[len(MAGIC) : header], "big"):
        return None
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None


def write_table(path: Path, table: Any) -> None:
    """Write atomically (a temporary file renamed over the name): a reader sees the old file,
    no file or the whole new one. Any failure leaves the cache as it was."""
    # a name of this process and thread: a run's worker threads may build the same table
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        payload = marshal.dumps(table)
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as out:
            out.write(MAGIC + zlib.crc32(payload).to_bytes(4, "big") + payload)
        os.replace(temporary, path)
    except (OSError, ValueError):
        forget(temporary)
        return
    prune(path)


def forget(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def prune(path: Path) -> None:
    """Keep the newest KEEP_PER_NAME files of a table name: the cache stays small while the
    code, the rules or the word lists change."""
    name = path.name.rsplit("-", 1)[0]
    try:
        files = sorted(
            path.parent.glob(f"{name}-*.marshal"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for old in files[KEEP_PER_NAME:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # another process pruned it first, or the folder is read-only


# --- tables filled on demand --------------------------------------------------------------------


def bucketed(table: dict[str, Any]) -> dict[str, bytes]:
    """A table split for `LazyTable`: first letters of the keys -> the marshalled part."""
    parts: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        parts.setdefault(key[:KEY_LETTERS], {})[key] = value
    return {prefix: marshal.dumps(part) for prefix, part in sorted(parts.items())}


class _Table(dict):
    __slots__ = ("buckets", "lookups", "key")

    def __reduce__(self) -> tuple:
        return (dict, (dict(self.items()),))  # a copy is a plain dict


class FullTable(_Table):
    """A LazyTable with every bucket filled: a dict with nothing in the way (its class is
    swapped in when the last bucket is filled)."""

    __slots__ = ()


class LazyTable(_Table):
    """A read-only dict that fills itself bucket by bucket, the first time a key of that bucket
    is asked for, and fills everything at once for anything but a lookup of one key (iterating,
    its length) or after LAZY_LOOKUPS lookups. Then it becomes a `FullTable`: lookups at the
    speed of a dict. Answers are those of the whole table at every moment.

    `key`: the cache key it was read under (what tables built from it may be cached under)."""

    __slots__ = ()

    def __init__(self, buckets: dict[str, bytes], key: str = "") -> None:
        super().__init__()
        self.buckets = dict(buckets)
        self.lookups = 0
        self.key = key

    # A run's worker threads share the tables: a bucket is merged before it is forgotten, so
    # a thread that finds no bucket for a key finds the key's entries in the dict (a merge
    # from a dict of strings is one step under the GIL; two threads merging the same bucket
    # merge the same entries).
    def _bucket_of(self, key: object) -> None:
        self.lookups += 1
        if self.lookups > LAZY_LOOKUPS:
            self.fill()
        elif isinstance(key, str) and (part := self.buckets.get(key[:KEY_LETTERS])):
            dict.update(self, marshal.loads(part))
            self.buckets.pop(key[:KEY_LETTERS], None)

    def fill(self) -> FullTable:
        for prefix, part in list(self.buckets.items()):
            dict.update(self, marshal.loads(part))
            self.buckets.pop(prefix, None)
        self.__class__ = FullTable
        return self  # type: ignore[return-value]

    def __contains__(self, key: object) -> bool:
        self._bucket_of(key)
        return dict.__contains__(self, key)

    def __getitem__(self, key: str) -> Any:
        self._bucket_of(key)
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        self._bucket_of(key)
        return dict.get(self, key, default)

    # everything else reads the whole table
    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.fill())

    def __len__(self) -> int:
        return len(self.fill())

    def __eq__(self, other: object) -> bool:
        return self.fill() == other

    def __ne__(self, other: object) -> bool:
        return self.fill() != other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self.fill())

    def __reversed__(self):  # type: ignore[no-untyped-def]
        return reversed(self.fill())

    def __or__(self, other: Any) -> dict:
        return dict(self.fill()) | other

    def __ror__(self, other: Any) -> dict:
        return other | dict(self.fill())

    def keys(self):  # type: ignore[no-untyped-def]
        return self.fill().keys()

    def values(self):  # type: ignore[no-untyped-def]
        return self.fill().values()

    def items(self):  # type: ignore[no-untyped-def]
        return self.fill().items()

    def copy(self) -> dict:
        return dict(self.fill())

    def _read_only(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a LazyTable is read-only")

    __setitem__ = __delitem__ = __ior__ = _read_only  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _read_only  # type: ignore[assignment]


def lazy_table(name: str, key: str, build: Callable[[], dict[str, Any]]) -> LazyTable:
    """A cached table read lazily: `build` makes the whole dict (string keys)."""
    return LazyTable(cached_table(name, key, lambda: bucketed(build())), key)


def joined(words: Iterable[str]) -> bytes:
    """Words as one UTF-8 block (one string per word costs more to read than to split)."""
    return "\n".join(words).encode()


def split(block: bytes) -> list[str]:
    return block.decode().split("\n") if block else []
