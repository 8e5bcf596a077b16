"""Reading local documents for `aksnews ingest`: bytes in, checked text out; then the parse step
the archive mirrors (split_document, ingest_text).

Air-gapped sites and tests feed files instead of URLs. Every way a file can be wrong (missing,
too big, binary, not UTF-8) becomes an InputError naming the file, before anything is parsed.
"""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from aksnews.errors import InputError

if TYPE_CHECKING:
    from aksnews.model.records import IngestReport, SplitDocument
    from aksnews.parsers.base import ParseOptions, Parser
    from aksnews.store.handle import Archive
    from aksnews.store.state import DocumentMeta


def read_document(path: Path, *, max_bytes: int) -> str:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path}: is a directory, not a document")
    if info.st_size > max_bytes:
        raise InputError(
            f"{path}: {info.st_size:,} bytes is larger than the {max_bytes:,}-byte limit "
            "(max_document_bytes)"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if len(data) > max_bytes:  # it grew while we looked, or it is a pipe
        raise InputError(f"{path}: larger than the {max_bytes:,}-byte limit (max_document_bytes)")
    return decode_document(data, str(path))


def decode_document(data: bytes, name: str) -> str:
    """Strict UTF-8 (a BOM is dropped); binary data and other encodings are refused."""
    if b"\x00" in data[:65536]:
        raise InputError(f"{name}: binary data (NUL bytes), not a text document")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{name}: not valid UTF-8 at byte {exc.start} (line {line}); "
            "convert the file to UTF-8 first"
        ) from None
    text = text.removeprefix("\ufeff")
    # Windows line endings would make every section hash differ from the same text with LF.
    return text.replace("\r\n", "\n")


def file_mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)


def split_document(
    parser: Parser, text: str, path: str, options: ParseOptions | None = None
) -> SplitDocument:
    """Check `text` is the parser's kind of document and cut it into release sections; the
    sections are parsed when the store asks (only the new or changed ones)."""
    from aksnews.model.records import SplitDocument
    from aksnews.parsers.base import ParseOptions

    options = options or ParseOptions()
    parser.check(text, path)
    sections, warnings = parser.split(text, path, options)
    return SplitDocument(
        source=parser.name,
        text=text,
        path=path,
        sections=tuple(sections),
        warnings=tuple(warnings),
        parse=lambda section: parser.parse_section(section, path, options),
        whole=options.release is None,  # a single-release draft withdraws nothing
    )


def ingest_text(
    archive: Archive,
    parser: Parser,
    text: str,
    *,
    path: str,
    meta: DocumentMeta,
    options: ParseOptions | None = None,
    accept_shrink: bool = False,
    dry_run: bool = False,
) -> IngestReport:
    """Make the source's releases in `archive` mirror `text` (one transaction)."""
    document = split_document(parser, text, path, options)
    return archive.ingest(document, meta=meta, accept_shrink=accept_shrink, dry_run=dry_run)
