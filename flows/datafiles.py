"""A release's files for data tools: documents.parquet, sentences.parquet and a dataset card.

Each correct-shard task writes its documents and sentences as Arrow tables (`write_parts`);
publishing appends them, in corpus order, to one Parquet file per table in row groups of a
fixed number of rows (`join_parts`), so the bytes do not depend on how the corpus was cut into
shards. The dataset card (README.md, `dataset_card`) names both files as configurations of the
Hugging Face `datasets` library, with their features: `load_dataset("output/v0002")` gives
the documents, `load_dataset("output/v0002", "sentences")` the sentences, ids as strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow

    from flows.document import Document

DOCUMENTS, SENTENCES = "documents.parquet", "sentences.parquet"
# Rows per row group: the documents' rows hold whole texts, the sentences' one sentence
ROW_GROUP = {DOCUMENTS: 1_000, SENTENCES: 100_000}
DATASET_CARD = "README.md"

# (column, Arrow type, `datasets` feature) of each table
COLUMNS = {
    DOCUMENTS: (
        ("id", "string", "string"),
        ("source", "string", "string"),
        ("encoding", "string", "string"),
        ("text", "string", "string"),
        ("languages", "list<string>", "sequence: string"),
    ),
    SENTENCES: (
        ("id", "string", "string"),
        ("document", "string", "string"),
        ("paragraph", "int32", "int32"),
        ("number", "int32", "int32"),
        ("language", "string", "string"),
        ("text", "string", "string"),
    ),
}


def schema(table: str) -> pyarrow.Schema:
    import pyarrow as pa

    types = {"string": pa.string(), "int32": pa.int32(), "list<string>": pa.list_(pa.string())}
    return pa.schema([(name, types[kind]) for name, kind, _ in COLUMNS[table]])


def document_rows(
    documents: Iterable[tuple[Document, list[list[str]], list[str]]],
) -> dict[str, list[dict[str, Any]]]:
    """The rows of both tables for (document, paragraphs, languages) triples."""
    rows: dict[str, list[dict[str, Any]]] = {DOCUMENTS: [], SENTENCES: []}
    for document, paragraphs, languages in documents:
        rows[DOCUMENTS].append(
            {
                "id": document.id,
                "source": document.source,
                "encoding": document.encoding,
                "text": document.text,
                "languages": languages,
            }
        )
        for p, (sentences, language) in enumerate(zip(paragraphs, languages, strict=True), 1):
            for s, text in enumerate(sentences, 1):
                sentence = f"{document.id}:p{p}:s{s}"
                rows[SENTENCES].append(
                    {
                        "id": sentence,
                        "document": document.id,
                        "paragraph": p,
                        "number": s,
                        "language": language,
                        "text": text,
                    }
                )
    return rows


def write_parts(folder: Path, rows: dict[str, list[dict[str, Any]]]) -> None:
    """One shard's rows of both tables, as Parquet files in its chunk folder."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for table, found in rows.items():
        pq.write_table(pa.Table.from_pylist(found, schema=schema(table)), folder / table)


def join_parts(folder: Path, chunks: list[Path]) -> None:
    """Each table's parts, in the chunks' order, as one Parquet file of the release, cut into
    row groups of ROW_GROUP rows whatever the parts' sizes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for table in (DOCUMENTS, SENTENCES):
        size = ROW_GROUP[table]
        with pq.ParquetWriter(folder / table, schema(table)) as writer:
            waiting, written = schema(table).empty_table(), False
            for chunk in chunks:
                waiting = pa.concat_tables([waiting, pq.read_table(chunk / table)])
                while waiting.num_rows >= size:
                    writer.write_table(waiting.slice(0, size), row_group_size=size)
                    waiting, written = waiting.slice(size), True
            # the rest; an empty release still gets one empty row group (a file any reader
            # opens, with the schema)
            if waiting.num_rows or not written:
                writer.write_table(waiting, row_group_size=size)


def dataset_card(version: str, totals: dict[str, int]) -> str:
    """The release's README.md: the `datasets` configurations and features, and what the
    files hold."""
    lines = ["---", f"pretty_name: tazala release {version}", "language:", "- kk", "configs:"]
    for number, (name, table) in enumerate((("documents", DOCUMENTS), ("sentences", SENTENCES))):
        lines += [f"- config_name: {name}"]
        lines += ["  default: true"] if number == 0 else []
        lines += ["  data_files:", "  - split: train", f"    path: {table}"]
    lines += ["dataset_info:"]
    for name, table in (("documents", DOCUMENTS), ("sentences", SENTENCES)):
        lines += [f"- config_name: {name}", "  features:"]
        for column, _, feature in COLUMNS[table]:
            kind, _, value = feature.partition(": ")
            lines += [f"  - name: {column}", f"    {kind if value else 'dtype'}: {value or kind}"]
    lines += ["---", "", f"# tazala release {version}", ""]
    lines += [
        f"{totals['documents']:,} documents, {totals['paragraphs']:,} paragraphs, "
        f"{totals['sentences']:,} sentences, {totals['words']:,} words of Kazakh text, "
        "cleaned by tazala (see report.md for what was changed and why).",
        "",
        "```python",
        "from datasets import load_dataset",
        'documents = load_dataset("path/to/this/folder")                # one row per document',
        'sentences = load_dataset("path/to/this/folder", "sentences")   # one row per sentence',
        "```",
        "",
        "- `documents.parquet`: id, source (the input file), encoding it was read in, text (one "
        "sentence per line, a blank line between paragraphs), languages (one per paragraph).",
        "- `sentences.parquet`: id (`DOCUMENT:pN:sM`), document, paragraph, number, language "
        "(its paragraph's), text.",
        "- `documents.jsonl`, `text/`, `changes.jsonl` (every applied edit), `review.jsonl` "
        "(suggestions not applied), `lexicon.tsv` (word counts), `manifest.json` (inputs, "
        "rules, code, the sha256 of every file: `tazala verify`).",
        "",
    ]
    return "\n".join(lines)
