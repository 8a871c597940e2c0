"""Document loaders: PDF reconstruction (furniture, hyphenation, headings, pages), Markdown, HTML,
plain text, encodings, Unicode cleanup and the errors for unreadable files."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.documents import Block, Document, join_lines, load_document, normalize_text, tidy
from assistant.errors import DocumentError
from tests.pdf_factory import make_image_pdf, make_pdf

GUIDELINE_PAGES = [
    [
        "# Förderrichtlinie Testprogramm",
        "## 1 Zuwendungszweck",
        "Der Bund gewährt Zuwendungen für gemeinwohlorientierte Projekte nach Maßgabe dieser Förder-",
        "richtlinie und der haushaltsrechtlichen Vorschriften. Gefördert werden insbesondere KI-",
        "Projekte von Vereinen, Stiftungen und gemeinnützigen Gesellschaften sowie Forschungs-",
        "und Umsetzungsvorhaben von Hochschulen und anderen öffentlichen Einrichtungen.",
        "",
        "Die  Zuwendung  wird  als  Zuschuss  gewährt  und  ist  an  den  Zuwendungszweck  gebunden.",
        "",
        "Die Förderung richtet sich an Organisationen, die Daten für das Gemeinwohl nutzen und gemeinwohl-",
    ],
    [
        "orientierte Anwendungen entwickeln, erproben und dauerhaft als offene Software bereitstellen.",
        "",
        "## 2 Gegenstand der Förderung",
        "Gefördert werden Vorhaben in den folgenden Bereichen:",
        "- Aufbau offener Datenbestände für zivilgesellschaftliche Organisationen,",
        "- Qualifizierung von Fachkräften in gemeinnützigen Einrichtungen.",
        "",
        "2.1 Förderfähige Ausgaben",
        "Zuwendungsfähig sind Personalausgaben und Sachausgaben, die unmittelbar dem Vorhaben dienen.",
        "Ausgaben für Datenpflege und Dokumentation werden ausdrücklich anerkannt.",
    ],
    [
        "## 3 Verfahren",
        "Anträge sind bis zum 31. Oktober eines Jahres bei der Bewilligungsbehörde einzureichen. Die",
        "Bewilligungsbehörde prüft die Anträge in der Reihenfolge ihres Eingangs und entscheidet nach",
        "pflichtgemäßem Ermessen im Rahmen der verfügbaren Haushaltsmittel über die Förderung.",
    ],
]
HEADER = "Bekanntmachung des Bundesministeriums vom 3. November 2021"


@pytest.fixture(scope="module")
def guideline(tmp_path_factory: pytest.TempPathFactory) -> Document:
    path = make_pdf(
        tmp_path_factory.mktemp("pdf") / "richtlinie.pdf",
        GUIDELINE_PAGES,
        title="Förderrichtlinie KI für das Gemeinwohl",
        header=HEADER,
    )
    return load_document(path, "foerderung/richtlinie.pdf")


def _block(document: Document, fragment: str) -> Block:
    matches = [block for block in document.blocks if fragment in block.text]
    assert len(matches) == 1, [block.text for block in document.blocks]
    return matches[0]


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def test_pdf_document_carries_title_metadata_source_and_page_count(guideline: Document) -> None:
    assert guideline.title == "Förderrichtlinie KI für das Gemeinwohl"
    assert guideline.source == "foerderung/richtlinie.pdf"
    assert guideline.kind == "pdf" and guideline.pages == 3


def test_pdf_running_header_and_page_footer_are_removed(guideline: Document) -> None:
    texts = [block.text for block in guideline.blocks]
    assert not any("Bekanntmachung des Bundesministeriums" in text for text in texts)
    assert not any("Seite" in text for text in texts)


def test_pdf_pages_are_one_based_and_blocks_stay_on_their_page(guideline: Document) -> None:
    assert _block(guideline, "Der Bund gewährt").page == 1
    assert _block(guideline, "Qualifizierung von Fachkräften").page == 2
    assert _block(guideline, "Anträge sind bis zum 31. Oktober").page == 3
    # A paragraph running over the page break is split, the hyphenated word completed on page 1.
    first_half = _block(guideline, "Die Förderung richtet sich an Organisationen")
    second_half = _block(guideline, "Anwendungen entwickeln, erproben")
    assert first_half.page == 1 and first_half.text.endswith("und gemeinwohlorientierte")
    assert second_half.page == 2 and second_half.text.startswith("Anwendungen entwickeln")


def test_pdf_hyphenated_line_ends_are_joined_but_compounds_and_enumerations_kept(guideline: Document) -> None:
    text = _block(guideline, "Der Bund gewährt").text
    assert "dieser Förderrichtlinie und" in text
    assert "insbesondere KI-Projekte von Vereinen" in text
    assert "sowie Forschungs- und Umsetzungsvorhaben" in text
    # The paragraph is one line: no line breaks survive.
    assert "\n" not in text


def test_pdf_justified_double_spaces_are_collapsed(guideline: Document) -> None:
    assert _block(guideline, "Zuschuss").text == (
        "Die Zuwendung wird als Zuschuss gewährt und ist an den Zuwendungszweck gebunden."
    )


def test_pdf_headings_become_section_paths(guideline: Document) -> None:
    headings = [block.text for block in guideline.blocks if block.kind == "heading"]
    assert headings == [
        "Förderrichtlinie Testprogramm",
        "1 Zuwendungszweck",
        "2 Gegenstand der Förderung",
        "2.1 Förderfähige Ausgaben",
        "3 Verfahren",
    ]
    assert _block(guideline, "Der Bund gewährt").section == ("1 Zuwendungszweck",)
    # A body-type numbered heading nests below the bold one; the cover title opens no section.
    assert _block(guideline, "Zuwendungsfähig sind").section == ("2 Gegenstand der Förderung", "2.1 Förderfähige Ausgaben")
    assert _block(guideline, "Anträge sind").section == ("3 Verfahren",)


def test_pdf_list_items_and_paragraphs(guideline: Document) -> None:
    items = [block for block in guideline.blocks if block.kind == "list_item"]
    assert [item.text for item in items] == [
        "Aufbau offener Datenbestände für zivilgesellschaftliche Organisationen,",
        "Qualifizierung von Fachkräften in gemeinnützigen Einrichtungen.",
    ]
    # Lines of one paragraph are joined; a sentence-final line does not split a full-width paragraph.
    assert _block(guideline, "Zuwendungsfähig sind").text.endswith(
        "dienen. Ausgaben für Datenpflege und Dokumentation werden ausdrücklich anerkannt."
    )
    assert _block(guideline, "Anträge sind").text.endswith("über die Förderung.")


def test_pdf_law_layout_with_varying_footer_and_legal_headings(tmp_path: Path) -> None:
    pages = [
        [
            "## Abschnitt 1 Allgemeine Bestimmungen",
            "## § 1 Gegenstand",
            "Diese Verordnung trifft nähere Bestimmungen über das einzuhaltende Verfahren bei der Vergabe",
            "öffentlicher Aufträge durch öffentliche Auftraggeber.",
        ],
        [
            "## § 2 Anwendungsbereich",
            "(1) Diese Verordnung gilt für Aufträge, deren geschätzter Auftragswert die Schwellenwerte",
            "erreicht oder überschreitet.",
            "",
            "(2) Sie gilt nicht für Konzessionen.",
        ],
    ]
    header = "Verordnung über die Vergabe öffentlicher Aufträge"
    path = make_pdf(tmp_path / "vgv.pdf", pages, header=header, footer="- {page} -")
    document = load_document(path)
    texts = [block.text for block in document.blocks]
    assert not any("Verordnung über die Vergabe" in text for text in texts)
    assert not any(text.strip("- ").isdigit() for text in texts)
    # No title metadata: the first heading names the document.
    assert document.title == "Abschnitt 1 Allgemeine Bestimmungen"
    absatz = _block(document, "(1) Diese Verordnung gilt")
    assert absatz.page == 2 and absatz.section == ("Abschnitt 1 Allgemeine Bestimmungen", "§ 2 Anwendungsbereich")
    assert absatz.text.endswith("Schwellenwerte erreicht oder überschreitet.")
    assert _block(document, "(2) Sie gilt nicht").section[-1] == "§ 2 Anwendungsbereich"


def test_pdf_protected_only_against_changes_is_read(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "geschuetzt.pdf", [["Offener Inhalt mit Rechteschutz."]], owner_password="chef")
    assert [block.text for block in load_document(path).blocks] == ["Offener Inhalt mit Rechteschutz."]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("leer.pdf", b"", "leer"),
        ("kaputt.pdf", bytes(range(256)) * 8, "keine PDF-Datei"),
        ("abgebrochen.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> abgebrochen\n", "beschädigt"),
    ],
)
def test_unreadable_pdf_raises_specific_document_error(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=message) as error:
        load_document(path)
    assert name in str(error.value)


def test_password_protected_pdf_raises_document_error(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "geheim.pdf", [["Geheimer Inhalt."]], user_password="geheim")
    with pytest.raises(DocumentError, match="passwortgeschützt"):
        load_document(path)


def test_image_only_pdf_asks_for_ocr(tmp_path: Path) -> None:
    path = make_image_pdf(tmp_path / "scan.pdf", pages=2)
    with pytest.raises(DocumentError, match="keinen Textlayer.*OCR"):
        load_document(path)


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
        ("binaer.txt", b"\x00\x01\x02\x03PK" * 200, "Binärdaten"),
        ("bild.md", bytes(range(32)) * 50, "Binärdaten"),
        ("brief.docx", b"PK\x03\x04", "nicht unterstützt"),
        ("nur-navigation.html", b"<nav>Startseite</nav><footer>Impressum</footer>", "keinen Text"),
    ],
)
def test_unreadable_text_files_raise_specific_document_error(tmp_path: Path, name: str, content: bytes, message: str) -> None:
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


def test_pdf_table_of_contents_becomes_list_items_not_sections(tmp_path: Path) -> None:
    pages = [
        [
            "## Inhaltsverzeichnis",
            "1 Einleitung . . . . . . . . . . . . . . . . . . . . . . . . 2",
            "2 Förderung . . . . . . . . . . . . . . . . . . . . . . . . 2",
        ],
        [
            "## 1 Einleitung",
            "Das Programm unterstützt gemeinwohlorientierte Projekte mit Zuschüssen.",
            "## 2 Förderung",
            "Gefördert werden Personal- und Sachausgaben.",
        ],
    ]
    document = load_document(make_pdf(tmp_path / "programm.pdf", pages, footer=None))
    entries = [(block.text, block.section) for block in document.blocks if block.kind == "list_item"]
    assert entries == [("1 Einleitung", ("Inhaltsverzeichnis",)), ("2 Förderung", ("Inhaltsverzeichnis",))]
    assert _block(document, "Das Programm unterstützt").section == ("1 Einleitung",)
    assert _block(document, "Gefördert werden Personal-").section == ("2 Förderung",)
