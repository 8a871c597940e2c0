"""Loading by file type: Markdown, HTML, plain text, encodings, Unicode cleanup, hyphenation joining
and the errors for unreadable files. PDF loading is tested in test_pdf.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.loaders import Block, Document, load_document
from assistant.loaders.base import join_lines, normalize_text, tidy
from assistant.errors import DocumentError


def _block(document: Document, fragment: str) -> Block:
    matches = [block for block in document.blocks if fragment in block.text]
    assert len(matches) == 1, [block.text for block in document.blocks]
    return matches[0]


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------

# Trailing spaces matter (a hard line break after a heading carries its subtitle), so lines are explicit.
MARKDOWN = "\n".join(
    [
        "---",
        'title: "Förderprogramm: KI für das Gemeinwohl (BMFSFJ)"',
        'publisher: "Förderdatenbank des Bundes"',
        "date: 2021-11-03",
        "language: de",
        "---",
        "",
        "#  Titel der Förderlinie: KI für das Gemeinwohl ",
        "",
        "###  Kurztext ",
        "",
        "Das Bundesministerium für Familie, Senioren, Frauen und Jugend (  BMFSFJ  ) fördert  **Projekte**",
        'mit `Künstlicher Intelligenz`, siehe [Förderdatenbank](https://foerderdatenbank.de "Förderdatenbank \\(Bund\\)").',
        "![Logo](logo.png)",
        "",
        "##  KAPITEL I   ",
        "ALLGEMEINE BESTIMMUNGEN",
        "",
        "####  Artikel 1   ",
        "Gegenstand",
        "",
        "Gefördert werden:",
        "",
        "  * Grundlagen für gemeinwohlorientierte KI, ",
        "  * Anwendungen ",
        "    * für Bürgerinnen und Bürger",
        "    * für Vereine",
        "1. Erste Stufe: Skizze",
        "2. Zweite Stufe: Antrag",
        "",
        "| Förderquote | Höchstbetrag |",
        "|---|---|",
        "| bis zu 90 % | EUR 250.000 |",
        "",
        "*[ KI ]: Künstliche Intelligenz",
        "  *[",
        "      z.B.",
        "     ]: zum Beispiel",
        "",
    ]
)


@pytest.fixture
def markdown(tmp_path: Path) -> Document:
    path = tmp_path / "programm.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    return load_document(path)


def test_markdown_front_matter_gives_title_and_metadata(markdown: Document) -> None:
    assert markdown.title == "Förderprogramm: KI für das Gemeinwohl (BMFSFJ)"
    assert markdown.metadata == {"publisher": "Förderdatenbank des Bundes", "date": "2021-11-03", "language": "de"}
    assert markdown.kind == "markdown" and markdown.pages is None


def test_markdown_heading_hierarchy_and_subtitles(markdown: Document) -> None:
    headings = [(block.text, block.section) for block in markdown.blocks if block.kind == "heading"]
    assert headings == [
        # The single top-level heading names the document and does not prefix every path.
        ("Titel der Förderlinie: KI für das Gemeinwohl", ("Titel der Förderlinie: KI für das Gemeinwohl",)),
        ("Kurztext", ("Kurztext",)),
        ("KAPITEL I – ALLGEMEINE BESTIMMUNGEN", ("KAPITEL I – ALLGEMEINE BESTIMMUNGEN",)),
        ("Artikel 1 – Gegenstand", ("KAPITEL I – ALLGEMEINE BESTIMMUNGEN", "Artikel 1 – Gegenstand")),
    ]
    assert _block(markdown, "Gefördert werden:").section == ("KAPITEL I – ALLGEMEINE BESTIMMUNGEN", "Artikel 1 – Gegenstand")


def test_markdown_inline_markup_and_scraping_noise_are_removed(markdown: Document) -> None:
    assert _block(markdown, "Bundesministerium").text == (
        "Das Bundesministerium für Familie, Senioren, Frauen und Jugend (BMFSFJ) fördert Projekte "
        "mit Künstlicher Intelligenz, siehe Förderdatenbank."
    )
    texts = " ".join(block.text for block in markdown.blocks)
    assert "Logo" not in texts and "logo.png" not in texts
    assert "]:" not in texts and "zum Beispiel" not in texts
    assert all(block.text.strip() for block in markdown.blocks)


def test_markdown_lists_and_tables(markdown: Document) -> None:
    items = [block.text for block in markdown.blocks if block.kind == "list_item"]
    assert items == [
        "Grundlagen für gemeinwohlorientierte KI,",
        "Anwendungen",
        "für Bürgerinnen und Bürger",
        "für Vereine",
        "1. Erste Stufe: Skizze",
        "2. Zweite Stufe: Antrag",
    ]
    rows = [block.text for block in markdown.blocks if block.kind == "table"]
    assert rows == ["Förderquote | Höchstbetrag", "bis zu 90 % | EUR 250.000"]


def test_markdown_without_front_matter_uses_first_heading_then_file_name(tmp_path: Path) -> None:
    headed = tmp_path / "notiz.md"
    headed.write_text("Vorspann ohne Überschrift.\n\n# Beratungsnotiz\n\nText.\n", encoding="utf-8")
    assert load_document(headed).title == "Beratungsnotiz"
    plain = tmp_path / "stichpunkte.md"
    plain.write_text("- Punkt eins\n- Punkt zwei\n", encoding="utf-8")
    assert load_document(plain).title == "stichpunkte"


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>AEG &bdquo;URBAN.KI&ldquo; startete</title>
<style>p { color: red }</style><script>var tracking = "Cookie-Banner";</script></head>
<body>
<header><a href="/">Startseite</a></header>
<nav><a href="/aeg">AEG</a> | <a href="/kontakt">Kontakt</a></nav>
<div class="teaser">Newsletter abonnieren</div>
<main>
<header><h1>AEG URBAN.KI startete</h1></header>
<p>Die AEG traf sich am 26.&nbsp;März 2025 zum ersten Mal.</p>
<h2>Ziele</h2>
<p>Das Netzwerk soll:</p>
<ul><li>Impulse liefern,</li><li>Kooperationen <b>schaffen</b>.</li></ul>
<h3>Termine</h3>
<table><tr><th>Datum</th><th>Ort</th></tr><tr><td>8. Mai</td><td>Düsseldorf</td></tr></table>
<aside>Verwandte Artikel</aside>
<form><label>Suche</label></form>
</main>
<footer>Impressum | Datenschutz</footer>
</body></html>
"""


def test_html_boilerplate_is_dropped_and_main_content_structured(tmp_path: Path) -> None:
    path = tmp_path / "aeg.html"
    path.write_text(HTML, encoding="utf-8")
    document = load_document(path)
    assert document.title == "AEG „URBAN.KI“ startete" and document.kind == "html"
    texts = " ".join(block.text for block in document.blocks)
    for noise in ("Startseite", "Kontakt", "Newsletter", "Cookie", "color", "Verwandte", "Suche", "Impressum"):
        assert noise not in texts
    headings = [block.text for block in document.blocks if block.kind == "heading"]
    assert headings == ["AEG URBAN.KI startete", "Ziele", "Termine"]
    assert _block(document, "Die AEG traf sich").text == "Die AEG traf sich am 26. März 2025 zum ersten Mal."
    assert _block(document, "Das Netzwerk soll").section == ("Ziele",)
    items = [(block.text, block.section) for block in document.blocks if block.kind == "list_item"]
    assert items == [("Impulse liefern,", ("Ziele",)), ("Kooperationen schaffen.", ("Ziele",))]
    rows = [(block.text, block.section) for block in document.blocks if block.kind == "table"]
    assert rows == [("Datum | Ort", ("Ziele", "Termine")), ("8. Mai | Düsseldorf", ("Ziele", "Termine"))]


def test_html_without_title_uses_first_h1(tmp_path: Path) -> None:
    path = tmp_path / "seite.htm"
    path.write_text("<h1>Förderaufruf 2025</h1><p>Bewerbungen bis Juni.</p>", encoding="utf-8")
    document = load_document(path)
    assert document.title == "Förderaufruf 2025"
    assert [block.text for block in document.blocks if block.kind == "paragraph"] == ["Bewerbungen bis Juni."]


# --------------------------------------------------------------------------------------------
# Plain text and encodings
# --------------------------------------------------------------------------------------------


def test_text_paragraphs_title_and_cp1252_decoding(tmp_path: Path) -> None:
    path = tmp_path / "hinweise.txt"
    text = (
        "Hinweise zur Antragstellung\n\nAnträge für Förder-\nprojekte über 5.000 € sind „schriftlich“ einzureichen.\n\n"
        "Rückfragen – gern im Café à la carte.\n"
    )
    path.write_bytes(text.encode("cp1252"))
    document = load_document(path)
    assert document.title == "Hinweise zur Antragstellung" and document.kind == "text"
    assert [block.text for block in document.blocks if block.kind == "paragraph"] == [
        "Anträge für Förderprojekte über 5.000 € sind „schriftlich“ einzureichen.",
        "Rückfragen – gern im Café à la carte.",
    ]


def test_text_with_utf8_bom_and_sentence_first_line_takes_file_name_as_title(tmp_path: Path) -> None:
    path = tmp_path / "bienen.txt"
    path.write_bytes("\ufeffDas Projekt beobachtet Bienenstöcke mit Sensoren.\n\nDie Daten sind offen.\n".encode("utf-8"))
    document = load_document(path)
    assert document.title == "bienen"
    assert [block.text for block in document.blocks] == [
        "Das Projekt beobachtet Bienenstöcke mit Sensoren.",
        "Die Daten sind offen.",
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("leer.txt", b"  \n\n", "leer"),
        ("leer.pdf", b"", "leer"),
        ("binaer.txt", b"\x00\x01\x02\x03PK" * 200, "Binärdaten"),
        ("bild.md", bytes(range(32)) * 50, "Binärdaten"),
        ("brief.docx", b"PK\x03\x04", "nicht unterstützt"),
        ("nur-navigation.html", b"<nav>Startseite</nav><footer>Impressum</footer>", "keinen Text"),
    ],
)
def test_unreadable_files_raise_specific_document_error(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=message) as error:
        load_document(path)
    assert name in str(error.value)


def test_missing_file_raises_document_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="kann nicht gelesen werden"):
        load_document(tmp_path / "fehlt.pdf")


# --------------------------------------------------------------------------------------------
# Cleaning helpers
# --------------------------------------------------------------------------------------------


def test_unicode_is_normalised() -> None:
    raw = "Fo\u0308rder\u00adrichtlinie: \ufb01nanzielle Hilfe\u00a0für \ufb02exible\x07 Projekte\u200b."
    assert tidy(raw) == "Förderrichtlinie: finanzielle Hilfe für flexible Projekte."
    assert normalize_text("Zeile 1\r\nZeile 2\fZeile 3") == "Zeile 1\nZeile 2\nZeile 3"


@pytest.mark.parametrize(
    ("lines", "joined"),
    [
        (["nach Maßgabe dieser Förder-", "richtlinie gilt"], "nach Maßgabe dieser Förderrichtlinie gilt"),
        (["gefördert werden KI-", "Projekte"], "gefördert werden KI-Projekte"),
        (["KI-", "basierte Systeme"], "KI-basierte Systeme"),
        (["die Civic Coding-", "Studie"], "die Civic Coding-Studie"),
        (["Forschungs-", "und Umsetzungsvorhaben"], "Forschungs- und Umsetzungsvorhaben"),
        (["Liefer-", "oder Dienstleistungen"], "Liefer- oder Dienstleistungen"),
        (["Versuchs-", ", Untersuchungs- oder"], "Versuchs-, Untersuchungs- oder"),
        (["ENTWICKLUNG GEMEINWOHL-", "ORIENTIERTER KI-SYSTEME"], "ENTWICKLUNG GEMEINWOHLORIENTIERTER KI-SYSTEME"),
        (["Soft\u00ad", "hyphen"], "Softhyphen"),
        (["Bürgern –", "und Familien"], "Bürgern – und Familien"),
    ],
)
def test_line_joining_undoes_hyphenation_only_inside_words(lines: list[str], joined: str) -> None:
    assert join_lines(lines) == joined
