"""Briefings and conversations as Markdown and PDF, from one list of blocks.

The PDF is laid out by fpdf2 (pure Python, well kept; it also makes the test PDFs): A4, page numbers
"Seite 3 von 7" in the footer, the knowledge base's date and the date of the validity check in the
header of the first page, sources as a numbered list with document, page and section. It embeds a
Unicode TrueType font found on the machine (DejaVu, Liberation, Arial, Noto); without one it falls
back to the PDF core font, and the few characters that font lacks (typographic quotes, dashes) are
written as their ASCII look-alikes — the file is always produced.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Sequence

from ..errors import InputError
from ..messages import text
from ..programmes.dates import format_date
from ..loaders.base import collapse_whitespace
from ..programmes.profiles import format_euro
from ..text import shortened
from .briefing import Briefing, Line, Source

if TYPE_CHECKING:
    from ..answering.answer import Answer

BlockKind = Literal["title", "h2", "h3", "p", "li", "quote", "meta"]
#: Characters of a passage repeated in the source list (the body quotes it in full; the link target has it all).
SOURCE_QUOTE_CHARS = 240
#: Output formats by file suffix.
FORMATS = {".md": "markdown", ".markdown": "markdown", ".pdf": "pdf"}

#: Unicode fonts looked for, regular and bold (Debian/Ubuntu, Fedora, macOS, Windows).
_FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf", "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
)
#: What the core font cannot show, written as it can.
_ASCII = str.maketrans({"„": '"', "“": '"', "”": '"', "‚": "'", "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...",
                        "•": "-", "€": "EUR", "→": "->", "≥": ">=", "≤": "<=", "×": "x", "\u00a0": " "})


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str


def _refs(refs: Sequence[int]) -> str:
    return " " + "".join(f"[{n}]" for n in refs) if refs else ""


def _line(line: Line) -> str:
    return (f"„{line.text}“" if line.quote else line.text) + _refs(line.refs)


def briefing_blocks(briefing: Briefing) -> list[Block]:
    """The briefing as blocks: the five parts, then the sources (labels in the briefing's language)."""
    lang = briefing.language
    project = briefing.project
    blocks = [
        Block("title", text("brief.title", lang, name=project.name or text("brief.unnamed", lang))),
        Block("meta", text("brief.meta", lang, kb=format_date(briefing.knowledge_base_date, lang) if briefing.knowledge_base_date else "–", today=format_date(briefing.today, lang),
                           mode=text("brief.mode.llm", lang) if briefing.mode == "llm" else text("brief.mode.extractive", lang))),
        Block("h2", text("brief.section.project", lang)),
        Block("p", project.description),
    ]
    facts = [
        (text("brief.field.legal_form", lang), project.legal_form),
        (text("brief.field.topic", lang), project.topic),
        (text("brief.field.budget", lang), format_euro(project.budget_eur) if project.budget_eur else ""),
        (text("brief.field.duration", lang), text("brief.months", lang, months=project.duration_months) if project.duration_months else ""),
        (text("brief.field.personal_data", lang), _yes_no(project.personal_data, lang)),
        (text("brief.field.ai_on_people", lang), _yes_no(project.ai_on_people, lang)),
    ]
    blocks += [Block("li", f"{label}: {value or text('programme.not_stated', lang)}") for label, value in facts]

    blocks.append(Block("h2", text("brief.section.programmes", lang)))
    if not briefing.programmes and not briefing.expired:
        blocks.append(Block("p", text("programme.none", lang)))
    for fit in briefing.programmes:
        verdict = {"fits": text("brief.verdict.fits", lang), "check": text("brief.verdict.check", lang),
                   "does_not_fit": text("brief.verdict.does_not_fit", lang)}[fit.verdict]
        blocks.append(Block("h3", f"{fit.name} — {verdict}"))
        blocks += [Block("li", _line(line)) for line in fit.lines]
    if briefing.expired:
        blocks.append(Block("h3", text("brief.expired", lang)))
        blocks += [Block("li", f"{fit.name}: {fit.status_text}" + _refs(fit.lines[0].refs if fit.lines else ())) for fit in briefing.expired]

    blocks.append(Block("h2", text("brief.section.conditions", lang)))
    if not briefing.conditions:
        blocks.append(Block("p", text("brief.no_fitting", lang)))
    for name, lines in briefing.conditions:
        blocks.append(Block("h3", name))
        blocks += [Block("li", _line(line)) for line in lines]

    blocks.append(Block("h2", text("brief.section.ethics", lang)))
    for question, lines in briefing.ethics:
        blocks.append(Block("h3", question))
        blocks += [Block("quote" if line.quote else "li", _line(line)) for line in lines]
    if briefing.unverified_sentences:
        blocks.append(Block("meta", text("brief.unverified", lang, count=briefing.unverified_sentences)))

    blocks.append(Block("h2", text("brief.section.open", lang)))
    blocks += [Block("li", q) for q in briefing.open_questions] or [Block("p", text("brief.no_open", lang))]
    blocks += source_blocks(briefing.sources, lang)
    return blocks


def _yes_no(value: bool | None, language: str) -> str:
    return "" if value is None else text("brief.yes", language) if value else text("brief.no", language)


def source_blocks(sources: Sequence[Source], language: str) -> list[Block]:
    """The numbered source list: "[3] Title, S. 11 — Section (file): „passage“"."""
    blocks = [Block("h2", text("brief.section.sources", language))]
    for source in sources:
        page = text("answer.page", language, page=source.page) if source.page else ""
        section = f" — {source.section}" if source.section else ""
        blocks.append(Block("li", f"[{source.n}] {source.title}{page}{section} ({source.source}): „{shortened(source.quote, SOURCE_QUOTE_CHARS)}“"))
    return blocks


def conversation_blocks(turns: Sequence[tuple[str, "Answer"]], language: str, today: dt.date) -> list[Block]:
    """A chat ("Gespräch exportieren"): each question, its answer as shown, and its sources."""
    blocks = [Block("title", text("export.chat_title", language)), Block("meta", text("export.chat_meta", language, today=format_date(today, language)))]
    for number, (question, answer) in enumerate(turns, start=1):
        blocks.append(Block("h2", text("export.question", language, n=number, question=question)))
        if answer.notice:
            blocks.append(Block("meta", answer.notice))
        for raw in answer.text.split("\n"):
            stripped = raw.strip()
            if stripped:
                blocks.append(Block("li" if stripped.startswith("- ") else "p", stripped[2:] if stripped.startswith("- ") else stripped))
        if answer.citations:
            blocks.append(Block("h3", text("export.sources", language)))
            for c in answer.citations:
                page = text("answer.page", language, page=c.page) if c.page else ""
                section = f" — {c.section}" if c.section else ""
                blocks.append(Block("li", f"[{c.n}] {c.title}{page}{section} ({c.source})"))
    return blocks


# -- writers --------------------------------------------------------------------------------------


#: Markdown of each block kind, around the escaped text.
_MARKDOWN = {"title": "# {}\n", "h2": "\n## {}\n", "h3": "\n### {}\n", "li": "- {}", "quote": "> {}\n", "meta": "*{}*\n", "p": "{}\n"}


def markdown(blocks: Sequence[Block]) -> str:
    """Blocks as Markdown (text from documents is set as text: Markdown characters are escaped)."""
    return "\n".join(_MARKDOWN[block.kind].format(_escape_markdown(block.text)) for block in blocks).rstrip() + "\n"


def _escape_markdown(value: str) -> str:
    value = collapse_whitespace(value)
    for char in "\\`*_#|<":
        value = value.replace(char, "\\" + char)
    return value.replace("[", "\\[").replace("]", "\\]") if "](" in value else value


def pdf_bytes(blocks: Sequence[Block], language: str) -> bytes:
    """Blocks as an A4 PDF with page numbers."""
    from fpdf import FPDF

    regular, bold = next(((r, b) for r, b in _FONT_CANDIDATES if os.path.exists(r) and os.path.exists(b)), (None, None))
    family = "body" if regular else "helvetica"

    def clean(value: str) -> str:
        return value if regular else value.translate(_ASCII).encode("latin-1", "replace").decode("latin-1")

    class _Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(family, size=8)
            # "{nb}" is replaced by the page count when the document is closed.
            self.cell(0, 8, clean(text("export.page", language, page=self.page_no(), pages="{nb}")), align="C")

    pdf = _Pdf(format="A4")
    pdf.alias_nb_pages()
    if regular and bold:
        pdf.add_font("body", "", regular)
        pdf.add_font("body", "B", bold)

    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(18, 16, 18)
    pdf.add_page()
    styles = {"title": ("B", 16, 3), "h2": ("B", 13, 2), "h3": ("B", 11, 1.5), "p": ("", 10, 1.5), "li": ("", 10, 1),
              "quote": ("", 9.5, 1.5), "meta": ("", 8.5, 2)}
    for block in blocks:
        style, size, gap = styles[block.kind]
        pdf.set_font(family, style, size)
        if block.kind in ("h2", "title"):
            pdf.ln(2)
        body = clean(collapse_whitespace(block.text))
        if block.kind == "li":
            pdf.set_x(pdf.l_margin + 3)
            pdf.multi_cell(0, 5, ("• " if regular else "- ") + body, new_x="LMARGIN", new_y="NEXT")
        elif block.kind == "quote":
            pdf.set_x(pdf.l_margin + 6)
            pdf.multi_cell(0, 4.8, body, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(0, size * 0.5, body, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)
    return bytes(pdf.output())


def write_export(blocks: Sequence[Block], path: Path, language: str) -> Path:
    """Write ``blocks`` to ``path`` as Markdown or PDF by its suffix, atomically (never a half-written file)."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputError("export.bad_suffix", path=path, suffixes=", ".join(sorted(FORMATS)))
    data = markdown(blocks).encode("utf-8") if kind == "markdown" else pdf_bytes(blocks, language)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError("export.no_folder", folder=folder)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # mkstemp creates the file for its owner only; a document to hand over is readable like any other.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
