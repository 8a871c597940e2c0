"""Structure-aware chunking: documents → retrievable chunks that follow sections, pages and sentences.

Rules, in order of priority:

1. A chunk never crosses a section (heading path) or a page, so its citation (title, page, section) is
   exact.
2. A chunk starts with the innermost heading of its section (the whole path is ``Chunk.section``),
   followed by whole blocks (paragraphs, list items, table rows) up to ``target_chars``; a block
   longer than ``max_chars`` is split at sentence boundaries, and only a single sentence longer than
   ``max_chars`` is split at word boundaries.
3. A tiny trailing piece is merged into its predecessor when the result stays within ``max_chars``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable, Iterator

from ..config import ChunkParams, Settings
from ..loaders import Block, Document
from ..text import split_sentences

SECTION_SEPARATOR = " > "


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit of text with its provenance.

    ``id`` is a stable content hash (source + title + section + text), so re-ingesting an unchanged
    document yields the same ids. ``section`` is the heading path joined with " > ".
    """

    id: str
    source: str
    title: str
    page: int | None
    section: str
    text: str
    ordinal: int  # position of the chunk within its document, 0-based

    def header(self) -> str:
        """Title and section path: the context BM25 indexes a chunk with (not part of ``text``)."""
        return f"{self.title} — {self.section}" if self.section else self.title

    def embedding_title(self) -> str:
        """The title the embedder sees with the chunk: the document title only.

        EmbeddingGemma's document prompt has a slot for the document title. The section path stays out:
        the innermost heading already opens the chunk text, and the path would add a sixth to the
        tokens embedded per chunk for no measurable retrieval gain (docs/BENCHMARKS.md).
        """
        return self.title


def _split_words(text: str, max_chars: int) -> Iterator[str]:
    words = text.split()
    piece: list[str] = []
    length = 0
    for word in words:
        if piece and length + 1 + len(word) > max_chars:
            yield " ".join(piece)
            piece, length = [], 0
        piece.append(word)
        length += len(word) + (1 if length else 0)
    if piece:
        yield " ".join(piece)


def _pieces(block: Block, max_chars: int) -> Iterator[str]:
    """The block's text in pieces of at most ``max_chars``, cut at sentences (words as a last resort)."""
    if len(block.text) <= max_chars:
        yield block.text
        return
    buffer = ""
    for sentence in split_sentences(block.text):
        for part in ([sentence] if len(sentence) <= max_chars else _split_words(sentence, max_chars)):
            if buffer and len(buffer) + 1 + len(part) > max_chars:
                yield buffer
                buffer = ""
            buffer = f"{buffer} {part}" if buffer else part
    if buffer:
        yield buffer


def _chunk_id(source: str, title: str, text: str, occurrence: int) -> str:
    # Everything that goes into the embedding input is hashed, so an unchanged id means a reusable vector.
    # The section is not embedded: when only it changes, the stored vector stays valid (metadata is rewritten).
    key = "\x00".join((source, title, text, str(occurrence)))
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return digest[:24]


def _groups(blocks: Iterable[Block]) -> Iterator[tuple[tuple[str, ...], int | None, list[Block]]]:
    """Consecutive non-heading blocks sharing section and page."""
    key: tuple[tuple[str, ...], int | None] | None = None
    group: list[Block] = []
    for block in blocks:
        if block.kind == "heading" or not block.text.strip():
            continue
        block_key = (block.section, block.page)
        if block_key != key and group:
            assert key is not None
            yield key[0], key[1], group
            group = []
        key = block_key
        group.append(block)
    if group and key is not None:
        yield key[0], key[1], group


def chunk_document(document: Document, params: ChunkParams | None = None) -> list[Chunk]:
    """Split a document into chunks (see module docstring for the rules).

    ``params`` give the sizes (default: those of the default :class:`~assistant.config.Settings`).
    """
    params = params or Settings().chunk_params
    target_chars, max_chars = params.target_chars, params.max_chars
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for section_path, page, blocks in _groups(document.blocks):
        section = SECTION_SEPARATOR.join(section_path)
        # Every chunk starts with its innermost heading: a reader (and the retrievers) see what the
        # passage is about, and headings that carry the key statement ("2.5 Allianzen fördern") are citable.
        heading = section_path[-1] if section_path else ""
        if heading and blocks and blocks[0].text.strip() == heading:
            blocks = blocks[1:]  # the heading repeated as body text
        texts: list[str] = []
        current = ""
        for block in blocks:
            for piece in _pieces(block, max_chars - len(heading) - 1):
                # List items and table rows stay on their own line; paragraphs are separated by a blank line.
                joiner = "\n" if block.kind in ("list_item", "table") else "\n\n"
                if current and len(current) + len(joiner) + len(piece) > target_chars:
                    texts.append(current)
                    current = ""
                if not current and heading:
                    current = heading
                    joiner = "\n"
                current = f"{current}{joiner}{piece}" if current else piece
        if current and current != heading:
            tail = current[len(heading) + 1 :] if heading else current
            if texts and len(tail) < target_chars // 4 and len(texts[-1]) + 2 + len(tail) <= max_chars:
                texts[-1] = f"{texts[-1]}\n\n{tail}"
            else:
                texts.append(current)
        for text in texts:
            base = _chunk_id(document.source, document.title, text, 0)
            occurrence = seen.get(base, 0)
            seen[base] = occurrence + 1
            chunk_id = base if occurrence == 0 else _chunk_id(document.source, document.title, text, occurrence)
            chunks.append(
                Chunk(
                    id=chunk_id,
                    source=document.source,
                    title=document.title,
                    page=page,
                    section=section,
                    text=text,
                    ordinal=len(chunks),
                )
            )
    return chunks
