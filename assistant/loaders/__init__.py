"""Loaders: files → cleaned :class:`Document` objects (blocks in reading order with section and page).

``load_document`` picks the loader by file suffix; each format lives in its own module and builds
on the types and cleaning of :mod:`.base`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import DocumentError
from .base import DEFAULT_LIMITS, SUPPORTED_SUFFIXES, Block, Document, LoadLimits, tidy, too_much_text
from .markup import load_html, load_markdown
from .pdf import load_pdf
from .plain import decode_text, load_text

__all__ = ["Block", "Document", "LoadLimits", "DEFAULT_LIMITS", "SUPPORTED_SUFFIXES", "load_document"]

#: Loaders of the text formats, by the kind that SUPPORTED_SUFFIXES gives a suffix.
TEXT_LOADERS: dict[str, Callable[[str, str, str], Document]] = {
    "markdown": load_markdown,
    "html": load_html,
    "text": load_text,
}


def load_document(path: Path, source: str | None = None, limits: LoadLimits = DEFAULT_LIMITS) -> Document:
    """Load and clean one file; raises DocumentError with a specific message when it cannot be read."""
    path = Path(path)
    name = source or path.name
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(
            f"{name}: Dateityp {path.suffix or '(ohne Endung)'} wird nicht unterstützt – "
            f"unterstützt werden {', '.join(sorted(SUPPORTED_SUFFIXES))}."
        )
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise DocumentError(
                f"{name}: Die Datei ist {size / 2**20:.0f} MB groß, gelesen werden höchstens "
                f"{limits.max_bytes / 2**20:.0f} MB – bitte in kleinere Dateien aufteilen."
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(
            f"{name}: Datei kann nicht gelesen werden ({exc.strerror or exc}) – bitte Pfad und Zugriffsrechte prüfen."
        ) from exc
    if not data.strip():
        raise DocumentError(f"{name}: Die Datei ist leer – bitte eine Fassung mit Inhalt ablegen oder die Datei entfernen.")
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
        raise DocumentError(
            f"{name}: enthält nach der Bereinigung keinen Text (nur Markup, Leerzeilen oder Navigation) – "
            "bitte den Inhalt prüfen."
        )
    return document
