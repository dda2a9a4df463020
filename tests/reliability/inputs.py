"""Bad inputs, built on the spot (nothing large is committed): what people drop into a corpus
folder. Each builder writes one case under `corpus` and returns its relative path."""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

GOOD_TEXT = (
    "Қазақстан Республикасы — Орталық Азиядағы мемлекет. Елдің астанасы Астана қаласы.\n\n"
    "Халқы көп ұлтты, мемлекеттік тілі қазақ тілі. Ресми тіл ретінде орыс тілі де қолданылады.\n"
)


def write_pdf(corpus: Path) -> str:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\nstream\nBT /F1 12 Tf (text) Tj ET\n"
    (corpus / "scan.pdf").write_bytes(body + bytes(range(128, 256)) + b"\n%%EOF\n")
    return "scan.pdf"


def write_png(corpus: Path) -> str:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    image = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    image += chunk(b"IDAT", zlib.compress(b"\0\0")) + chunk(b"IEND", b"")
    (corpus / "photo.png").write_bytes(image)
    return "photo.png"


def write_zip(corpus: Path) -> str:
    import zipfile

    with zipfile.ZipFile(corpus / "archive.zip", "w") as archive:
        archive.writestr("inside.txt", GOOD_TEXT)
    return "archive.zip"


def write_executable(corpus: Path) -> str:
    elf = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"\x02\0\x3e\0" + os.urandom(200)
    (corpus / "tool").write_bytes(elf)
    return "tool"


def write_empty(corpus: Path) -> str:
    (corpus / "empty.txt").write_bytes(b"")
    return "empty.txt"


def write_nul_bytes(corpus: Path) -> str:
    (corpus / "nul.txt").write_bytes(GOOD_TEXT.encode() + b"\0" * 64 + GOOD_TEXT.encode())
    return "nul.txt"


def write_invalid_everywhere(corpus: Path) -> str:
    # UTF-8 lead bytes without their continuation, and bytes no code page assigns (0x98 in
    # cp1251), between NUL runs: no candidate reading of it is text
    data = (b"\xc3\x98\x00\x00\xff\xfe\x00" * 300) + os.urandom(64)
    (corpus / "garbage.dat").write_bytes(data)
    return "garbage.dat"


def write_mixed_encodings(corpus: Path) -> str:
    first, second = GOOD_TEXT.split("\n\n")
    data = first.encode("utf-8") + b"\n\n" + second.encode("kz1048")
    (corpus / "mixed.txt").write_bytes(data)
    return "mixed.txt"


def write_single_line(corpus: Path, megabytes: int) -> str:
    """One line of `megabytes` MB: no line break, no space (a minified dump)."""
    block = b"abcdefghij" * (1 << 17)  # 1.25 MiB
    with (corpus / "one-line.txt").open("wb") as data:
        written = 0
        while written < megabytes << 20:
            data.write(block)
            written += len(block)
    return "one-line.txt"


def write_deep(corpus: Path, depth: int = 60) -> str:
    folder = corpus.joinpath(*[f"level{n:02d}" for n in range(depth)])
    folder.mkdir(parents=True)
    (folder / "deep.txt").write_text(GOOD_TEXT, encoding="utf-8")
    return (folder / "deep.txt").relative_to(corpus).as_posix()


def write_non_utf8_name(corpus: Path) -> str:
    name = "маќала.txt".encode("cp1251")  # a name written on an old Windows machine
    path = os.path.join(os.fsencode(corpus), name)
    with open(path, "wb") as data:
        data.write(GOOD_TEXT.encode())
    return name.decode("utf-8", "backslashreplace")  # as the release names it


def write_symlink_outside(corpus: Path) -> str:
    outside = corpus.parent / "outside-secret.txt"
    outside.write_text(GOOD_TEXT, encoding="utf-8")
    (corpus / "link.txt").symlink_to(outside)
    return "link.txt"


def write_broken_symlink(corpus: Path) -> str:
    (corpus / "gone.txt").symlink_to(corpus / "no-such-file.txt")
    return "gone.txt"


def write_unreadable(corpus: Path) -> str:
    path = corpus / "locked.txt"
    path.write_text(GOOD_TEXT, encoding="utf-8")
    path.chmod(0)
    return "locked.txt"


def write_pipe(corpus: Path) -> str:
    os.mkfifo(corpus / "pipe.txt")
    return "pipe.txt"


BAD_INPUTS: dict[str, Callable[[Path], str]] = {
    "pdf": write_pdf,
    "png": write_png,
    "zip": write_zip,
    "executable": write_executable,
    "empty": write_empty,
    "invalid": write_invalid_everywhere,
    "deep": write_deep,
    "non_utf8_name": write_non_utf8_name,
    "symlink_outside": write_symlink_outside,
    "broken_symlink": write_broken_symlink,
    "unreadable": write_unreadable,
    "pipe": write_pipe,
}
