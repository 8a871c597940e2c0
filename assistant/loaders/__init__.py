"""Loaders: files → cleaned :class:`Document` objects (blocks in reading order with section and page).

``load_document`` picks the loader by file suffix; each format lives in its own module and builds
on the types and cleaning of :mod:`.base`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..config import LoadLimits, Settings
from ..errors import DocumentError
from ..messages import Message
from .base import SUPPORTED_SUFFIXES, Block, Document, tidy, too_much_text
from .markup import load_html, load_markdown
from .pdf import load_pdf
from .plain import decode_text, load_text

__all__ = ["Block", "Document", "LoadLimits", "SUPPORTED_SUFFIXES", "load_document"]

#: Loaders of the text formats, by the kind that SUPPORTED_SUFFIXES gives a suffix.
TEXT_LOADERS: dict[str, Callable[[str, str, str], Document]] = {
    "markdown": load_markdown,
    "html": load_html,
    "text": load_text,
}


def load_document(path: Path, source: str | None = None, limits: LoadLimits | None = None) -> Document:
    """Load and clean one file; raises DocumentError with a specific message when it cannot be read.

    ``limits`` bound the work (default: those of the default :class:`~assistant.config.Settings`).
    """
    limits = limits or Settings().load_limits
    path = Path(path)
    name = source or path.name
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(
            "doc.unsupported_type", name=name, suffix=path.suffix or Message("doc.no_suffix"),
            supported=", ".join(sorted(SUPPORTED_SUFFIXES)),
        )
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise DocumentError("doc.too_large", name=name, size_mb=size / 2**20, limit_mb=limits.max_bytes / 2**20)
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError("doc.unreadable", name=name, error=exc.strerror or str(exc)) from exc
    if not data.strip():
        raise DocumentError("doc.empty", name=name)
    # A file name may carry control characters; the fallback title must not.
    stem = tidy(path.stem) or path.stem
    if kind == "pdf":
        document = load_pdf(data, name, stem, limits)
    else:
        text = decode_text(data, name)
        if len(text) > limits.max_chars:
            raise too_much_text(name, limits)
        document = TEXT_LOADERS[kind](text, name, stem)
    if not document.blocks:
        raise DocumentError("doc.no_text", name=name)
    return document
