"""PDF loading: running headers/footers, hyphenation, headings and section paths, pages, tables of
contents, and the errors for damaged, encrypted and image-only files."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.loaders import Block, Document, load_document
from assistant.errors import DocumentError
from assistant.loaders.pdf import load_pdf
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


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 8, "keine PDF-Datei"),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> abgebrochen\n", "beschädigt"),
    ],
)
def test_damaged_pdf_raises_document_error_naming_the_file(content: bytes, message: str) -> None:
    with pytest.raises(DocumentError, match=message) as error:
        load_pdf(content, "berichte/kaputt.pdf", "kaputt", Settings().load_limits)
    assert "berichte/kaputt.pdf" in str(error.value)


def test_password_protected_pdf_raises_document_error(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "geheim.pdf", [["Geheimer Inhalt."]], user_password="geheim")
    with pytest.raises(DocumentError, match="passwortgeschützt"):
        load_document(path)


def test_image_only_pdf_asks_for_ocr(tmp_path: Path) -> None:
    path = make_image_pdf(tmp_path / "scan.pdf", pages=2)
    with pytest.raises(DocumentError, match="keinen Textlayer.*OCR"):
        load_document(path)
