"""The document library behind the UI's documents tab: safe upload names, storing, deleting, re-indexing.

Uploads land in ``<corpus>/uploads/`` so that a later ``assistant ingest`` keeps them; a deleted
document's file moves to ``<corpus>/.papierkorb/`` (hidden folders are never indexed), so nothing is
lost by a wrong click. Files that end up not indexed (unreadable, duplicates) are not kept.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..loaders import SUPPORTED_SUFFIXES
from ..errors import AssistantError, InputError
from ..messages import Message, text
from ..indexing.ingest import IGNORED_NAMES, IngestReport, ProgressCallback, file_sha256, printable_name

if TYPE_CHECKING:
    from ..indexing.ingest import Ingestor
    from ..indexing.store import Index

UPLOAD_FOLDER = "uploads"
TRASH_FOLDER = ".papierkorb"
MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r'[<>:"|?*]')

def sanitize_filename(name: str) -> str:
    """A safe file name for an upload: base name only, no control characters, at most 120 characters.

    Folders (``../``, ``C:\\…``, absolute paths) are dropped, leading dots removed (hidden files are
    never indexed), names the indexer skips (README.md …) renamed, and the extension kept. Raises
    :class:`InputError` for unsupported file types.
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    # Category C: control and format characters, including bidi overrides that disguise extensions.
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    base = " ".join(_UNSAFE.sub("_", base).split()).rstrip(" .")
    dot = base.rfind(".")
    stem, suffix = (base[:dot], base[dot:]) if dot >= 0 else (base, "")
    if suffix.lower() not in SUPPORTED_SUFFIXES:
        raise InputError(
            "library.unsupported_type", name=name, suffix=suffix or Message("doc.no_suffix"),
            supported=", ".join(sorted(SUPPORTED_SUFFIXES)),
        )
    suffix = suffix.lower()
    stem = stem.strip(" .") or "dokument"
    if stem + suffix in IGNORED_NAMES or (stem + suffix).upper() in {n.upper() for n in IGNORED_NAMES}:
        stem += "-hochgeladen"
    return _fit(stem, suffix)


def _fit(stem: str, suffix: str, extra: str = "") -> str:
    room = MAX_NAME_CHARS - len(suffix) - len(extra)
    return stem[:room].rstrip(" .") + extra + suffix


@dataclass(frozen=True)
class StoredUpload:
    """An upload saved into the corpus; ``created`` is False when an identical file was there already."""

    name: str  # as the user called it (shown through printable_name)
    path: Path
    created: bool


def store_upload(temp_path: Path, original_name: str, corpus_dir: Path, max_bytes: int) -> StoredUpload:
    """Copy an uploaded file into ``<corpus>/uploads/`` under a sanitised, unused name.

    An existing file with the same name is never overwritten: identical content reuses it, different
    content gets a numeric suffix (``bericht-2.pdf``). Raises :class:`InputError` for unsupported
    types, empty files and files over ``max_bytes``.
    """
    size = temp_path.stat().st_size
    if size > max_bytes:
        raise InputError("library.too_large", size=_mb(size), limit=_mb(max_bytes))
    if size == 0:
        raise InputError("library.empty")
    name = sanitize_filename(original_name)
    folder = corpus_dir / UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    digest = file_sha256(temp_path)
    stem, suffix = os.path.splitext(name)
    # Written under a hidden name first (ignored by any concurrent ingest), then linked into place:
    # os.link fails instead of overwriting when another upload took the name meanwhile.
    partial = folder / f".{uuid.uuid4().hex}.part"
    with temp_path.open("rb") as source, partial.open("wb") as target:
        for block in iter(lambda: source.read(1 << 20), b""):
            target.write(block)
    try:
        number = 1
        while True:
            candidate = folder / (name if number == 1 else _fit(stem, suffix, f"-{number}"))
            if candidate.exists():
                if candidate.is_file() and file_sha256(candidate) == digest:
                    return StoredUpload(original_name, candidate, False)
                number += 1
                continue
            try:
                os.link(partial, candidate)
            except FileExistsError:
                continue
            return StoredUpload(original_name, candidate, True)
    finally:
        partial.unlink(missing_ok=True)


def move_to_trash(path: Path, corpus_dir: Path) -> Path | None:
    """Move a deleted document's file to ``<corpus>/.papierkorb/<same relative path>``.

    Returns the new path, or None when the file is missing or lies outside the corpus folder (files
    elsewhere are not ours to move).
    """
    corpus = corpus_dir.resolve()
    try:
        path = path.resolve()
    except OSError:
        return None
    if not path.is_file() or not path.is_relative_to(corpus):
        return None
    relative = path.relative_to(corpus)
    if relative.parts[0] == TRASH_FOLDER:
        return None
    target = corpus / TRASH_FOLDER / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    number = 2
    while target.exists():
        target = target.with_name(f"{relative.stem}-{number}{relative.suffix}")
        number += 1
    path.rename(target)
    return target


def upload_documents(
    ingestor: "Ingestor",
    index: "Index",
    files: Sequence[tuple[Path, str]],
    *,
    max_bytes: int,
    language: str = "de",
    progress: ProgressCallback | None = None,
) -> list[str]:
    """Store uploaded ``(temporary path, original name)`` files and index them; one message per file.

    Files go into the ingestor's corpus folder (at most ``max_bytes`` each). Indexing is incremental
    (only the new files are read and embedded), so the answer can use a document right after; the
    message per file gives its chunk and page counts from ``index``. Temporary upload files are
    removed. Raises the ingestor's :class:`~assistant.errors.IndexStateError` when another indexing
    run holds the index.
    """
    if not files:
        return [text("library.nothing", language)]
    messages: list[str] = []
    stored: list[StoredUpload] = []
    for temp_path, name in files:
        try:
            stored.append(store_upload(Path(temp_path), name, ingestor.corpus_dir, max_bytes))
        except (InputError, OSError) as exc:
            reason = exc.render(language) if isinstance(exc, InputError) else (exc.strerror or str(exc))
            messages.append(text("library.rejected", language, name=printable_name(name), reason=reason))
        finally:
            Path(temp_path).unlink(missing_ok=True)
    if not stored:
        return messages
    try:
        report = ingestor.ingest([s.path for s in stored], prune=False, progress=progress)
    except AssistantError:
        for upload in stored:
            if upload.created:
                upload.path.unlink(missing_ok=True)
        raise
    for upload in stored:
        source = ingestor.source_name(upload.path.resolve(), upload.path.resolve().parent)
        record = index.record(source)
        details = {"name": printable_name(upload.name), "chunks": len(record.chunk_ids) if record else 0,
                   "pages": text("library.pages", language, pages=record.pages) if record and record.pages else ""}
        if source in report.added:
            messages.append(text("library.added", language, **details))
        elif source in report.updated:
            messages.append(text("library.updated", language, **details))
        elif source in report.unchanged:
            messages.append(text("library.unchanged", language, **details))
        else:
            if source in report.duplicates:
                messages.append(text(
                    "library.duplicate", language, name=printable_name(upload.name), original=report.duplicates[source]
                ))
            else:
                reason = report.failed.get(source, "?")
                messages.append(text("library.failed", language, name=printable_name(upload.name), reason=reason))
            if upload.created:
                upload.path.unlink(missing_ok=True)  # would only be skipped or fail again on every re-index
    return messages


def delete_document(ingestor: "Ingestor", index: "Index", source: str | None, language: str = "de") -> str:
    """Remove a document from ``index`` and move its file to the trash folder; a message for the user."""
    if not source:
        raise InputError("library.choose")
    record = index.record(source)
    if record is None or not ingestor.remove(source):
        raise InputError("library.not_indexed", source=printable_name(source))
    trashed = move_to_trash(Path(record.path), ingestor.corpus_dir)
    message = text("library.deleted", language, title=printable_name(record.title), source=printable_name(source))
    if trashed:
        return message + text("library.trashed", language, path=printable_name(str(trashed)))
    return message + text("library.kept", language)


def reindex(ingestor: "Ingestor", language: str = "de", progress: ProgressCallback | None = None) -> list[str]:
    """Bring the index in step with the corpus folder (incremental); a summary and any problems."""
    report = ingestor.ingest(progress=progress)
    return report_messages(report, language)


def report_messages(report: IngestReport, language: str) -> list[str]:
    """An ingest report as lines for the user: a summary, then each failure and duplicate."""
    lines = [text(
        "library.summary", language, added=len(report.added), updated=len(report.updated),
        unchanged=len(report.unchanged), removed=len(report.removed), failed=len(report.failed), seconds=report.seconds,
    )]
    lines += [text("library.failed", language, name=source, reason=reason) for source, reason in sorted(report.failed.items())]
    lines += [
        text("library.duplicate", language, name=source, original=original)
        for source, original in sorted(report.duplicates.items())
    ]
    return lines


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")
