"""Small PDFs built with fpdf2 for tests: running header, page-number footer, title metadata, headings.

Every string in ``pages`` is one printed line, so line breaks (and hyphenation) are exactly what the
test wrote. Markup per line:

* ``"# Text"``  – bold 16 pt heading, ``"## Text"`` – bold 12 pt heading
* ``""``        – an empty line (vertical gap, i.e. a paragraph break)
* anything else – body text in 10 pt Helvetica, printed as is (double spaces included)

The core fonts cover Latin-1 only (ä, ö, ü, ß, but no en dash or typographic quotes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos

LINE_HEIGHT = 5.0  # mm, body text


class _Pdf(FPDF):
    def __init__(self, header_text: str | None, footer_text: str | None) -> None:
        super().__init__(format="A4")
        self.header_text = header_text
        self.footer_text = footer_text
        self.set_auto_page_break(auto=False)

    def header(self) -> None:
        if self.header_text:
            self.set_font("helvetica", size=8)
            self.cell(0, 5, self.header_text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(6)

    def footer(self) -> None:
        if self.footer_text:
            self.set_y(-15)
            self.set_font("helvetica", size=8)
            self.cell(0, 5, self.footer_text.format(page=self.page_no(), pages="{nb}"), align="C")


def make_pdf(
    path: Path,
    pages: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    header: str | None = None,
    footer: str | None = "Seite {page} von {pages}",
    owner_password: str | None = None,
    user_password: str | None = None,
) -> Path:
    """Write a PDF with one list of lines per page; ``footer`` may use ``{page}`` and ``{pages}``.

    ``owner_password``/``user_password`` encrypt the file (RC4); without a user password it opens
    without a prompt, as many "protected" official PDFs do.
    """
    pdf = _Pdf(header, footer)
    if title:
        pdf.set_title(title)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            if not line:
                pdf.ln(LINE_HEIGHT)
            elif line.startswith("## "):
                pdf.ln(2)
                pdf.set_font("helvetica", "B", 12)
                pdf.cell(0, 7, line[3:], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            elif line.startswith("# "):
                pdf.set_font("helvetica", "B", 16)
                pdf.cell(0, 9, line[2:], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            else:
                pdf.set_font("helvetica", size=10)
                pdf.cell(0, LINE_HEIGHT, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if owner_password or user_password:
        pdf.set_encryption(owner_password=owner_password or "owner", user_password=user_password)
    pdf.output(str(path))
    return path


def make_image_pdf(path: Path, pages: int = 1) -> Path:
    """A "scanned" PDF: every page holds only an image, there is no text layer."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(image).rectangle((40, 40, 360, 160), outline="black", width=4)
    pdf = FPDF(format="A4")
    for _ in range(pages):
        pdf.add_page()
        pdf.image(image, x=20, y=20, w=170)
    pdf.output(str(path))
    return path
