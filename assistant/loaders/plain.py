"""Plain text and the byte decoding shared by the text formats (Markdown, HTML, plain text)."""

from __future__ import annotations

import codecs
import re

from ..errors import DocumentError
from .base import BULLET, ENUMERATED, Block, Document, Vocabulary, join_lines, normalize_text, tidy


# --------------------------------------------------------------------------------------------
# Text decoding (Markdown, HTML, plain text)
# --------------------------------------------------------------------------------------------


def decode_text(data: bytes, name: str) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else a legacy code page.

    Raises DocumentError for binary data. Legacy files are read as CP1252 (a superset of Latin-1 for
    printable characters) when that decodes cleanly: charset-normalizer guesses CP1250 or even CP1006
    for short German texts. charset-normalizer decides only when CP1252 cannot decode the bytes.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if _looks_binary(data):
        raise DocumentError("doc.binary", name=name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("latin-1")


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > 0.05 * len(sample)


# --------------------------------------------------------------------------------------------
# Plain text
# --------------------------------------------------------------------------------------------


def load_text(text: str, name: str, stem: str) -> Document:
    """Paragraphs split at blank lines; a short first line without final punctuation is the title."""
    paragraphs = [block for block in re.split(r"\n[ \t]*\n", normalize_text(text).replace("\t", " ")) if block.strip()]
    vocabulary = Vocabulary(paragraphs)
    title = ""
    blocks: list[Block] = []
    if paragraphs:
        first_line = tidy(paragraphs[0].strip().split("\n", 1)[0])
        if len(first_line) <= 100 and not first_line.endswith((".", ",", ";", ":", "!", "?")):
            title = first_line
            if "\n" not in paragraphs[0].strip():
                blocks.append(Block(title, "heading", (title,)))
                paragraphs = paragraphs[1:]
    for paragraph in paragraphs:
        lines = [line for line in paragraph.split("\n") if line.strip()]
        if len(lines) > 1 and all(BULLET.match(line.strip()) or ENUMERATED.match(line.strip()) for line in lines):
            for line in lines:
                item = tidy(BULLET.sub("", line.strip(), count=1))
                if item:
                    blocks.append(Block(item, "list_item"))
            continue
        joined = tidy(join_lines(lines, vocabulary))
        if joined:
            blocks.append(Block(joined, "paragraph"))
    return Document(source=name, title=title or stem, kind="text", blocks=tuple(blocks))
