"""PDF card tables: an ALL-CAPS row name, description lines and "LABEL: value" cells become one
"table" block per row instead of a heading and fragments (issue 12, item 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pytest

from assistant.loaders import Block, load_document
from assistant.loaders import pdf as pdf_loader
from assistant.loaders.base import Vocabulary
from assistant.loaders.pdf import _card_regions, _Heading, _Layout, _Line, _pdf_blocks, _Row
from tests.pdf_factory import make_pdf

POLICY_PAPER = Path(__file__).resolve().parent.parent / "corpus" / "civic-coding-policy-paper-2022.pdf"

# Body text of 9.5 pt on a 13-pt pitch, 95 characters to a full line: the policy paper's typography.
LAYOUT = _Layout(body_size=9.5, bold_is_body=False, full_line=95.0, pitch=13.0)
PROSE = [
    "Im Rahmen der Studie wurden zehn Projekte als Fallbeispiele ausgewählt, die durch ihre Zielset-",
    "zung und den Projektfortschritt geeignet erscheinen, um Best Practices zu identifizieren. Als Best",
    "Practices verstehen wir einzelne erfolgversprechende Praktiken für das gemeinwohlorientierte",
    "Projekt. Jeweils drei Fälle liegen im Ressortbereich der am Civic Coding Innovationsnetz betei-",
    "ligten Ministerien. Ein zehnter Fall wurde ressortübergreifend ausgewählt und eingeordnet.",
]


def _lines(spec: Sequence[str | None], *, positions: bool = True, top: float = 780.0) -> list[_Line]:
    """Lines from a compact spec: "*" in front marks bold, None is a paragraph gap (an empty line)."""
    lines: list[_Line] = []
    y = top
    for entry in spec:
        if entry is None:
            y -= 13.0  # one empty line: twice the pitch between the neighbours, a paragraph break
            continue
        bold = entry.startswith("*")
        text = entry.lstrip("*")
        lines.append(_Line(text, 45.0 if positions else None, y if positions else None, 9.5, bold))
        y -= 13.0
    return lines


CARD_PAGE = [
    "*4 FALLBEISPIELE UND ERFOLGSFAKTOREN",
    None,
    *PROSE,
    None,
    "*FALLBEISPIEL BEST PRACTICES",
    None,
    "*QUANTIFIED TREES (QTREES)",
    None,
    "KI-gestützte Bewässerungs-",
    "vorhersage für Stadtbäume",
    None,
    "ORGANISATION: Aufbau auf bestehende",
    "organisationale Ressourcen",
    None,
    "*VERNETZUNG/KOOPERATION:",
    "multisektorale Allianzen",
    None,
    "*MOZILLA COMMON VOICE",
    None,
    "Aufbau von über Crowdsourcing",
    "validierten Open-Source-",
    "Datensätzen für Training",
    None,
    "*DELIBERATION/PARTIZIPATION:",
    "Verbindung von Wissenschaft und Zivilgesell-",
    "schaft im Sinne eines Citizen-Science-Projektes",
    None,
    "GOVERNANCE: plurale Data-Governance",
]
CONTINUATION_PAGE = [
    "*FALLBEISPIEL BEST PRACTICES",
    None,
    "*KIVI",
    None,
    "Tool zur Erkennung von",
    "Hate Speech im Netz",
    None,
    "*TECHNISCHE UMSETZUNG:",
    "Nutzung bestehender Datenquellen",
    "ORGANISATION: interdisziplinäres Team",
    None,
    "Auch übergreifend lassen sich aus den Fallstudien und den Aussagen der Expert*innen Erfolgsfak-",
    "toren identifizieren. Ein grundlegender Faktor sind die finanziellen und strukturellen Ressourcen.",
]

QTREES_ROW = (
    "QUANTIFIED TREES (QTREES) — KI-gestützte Bewässerungsvorhersage für Stadtbäume — "
    "ORGANISATION: Aufbau auf bestehende organisationale Ressourcen; VERNETZUNG/KOOPERATION: multisektorale Allianzen"
)
VOICE_ROW = (
    "MOZILLA COMMON VOICE — Aufbau von über Crowdsourcing validierten Open-Source-Datensätzen für Training — "
    "DELIBERATION/PARTIZIPATION: Verbindung von Wissenschaft und Zivilgesellschaft im Sinne eines "
    "Citizen-Science-Projektes; GOVERNANCE: plurale Data-Governance"
)
KIVI_ROW = (
    "KIVI — Tool zur Erkennung von Hate Speech im Netz — "
    "TECHNISCHE UMSETZUNG: Nutzung bestehender Datenquellen; ORGANISATION: interdisziplinäres Team"
)


def _regions(lines: list[_Line]) -> dict[int, tuple[int, list[object]]]:
    return _card_regions(lines, LAYOUT, Vocabulary([line.text for line in lines]))  # type: ignore[return-value]


def _rows(lines: list[_Line]) -> list[str]:
    return [event.text for _, events in _regions(lines).values() for event in events if isinstance(event, _Row)]


def _blocks_without_card_detection(pages: list[list[_Line]], monkeypatch: pytest.MonkeyPatch) -> list[Block]:
    with monkeypatch.context() as patch:
        patch.setattr(pdf_loader, "_card_regions", lambda *args: {})
        return _pdf_blocks(pages)


# --------------------------------------------------------------------------------------------
# The row detector on synthetic lines
# --------------------------------------------------------------------------------------------


def test_card_region_becomes_one_row_per_case_with_the_title_as_heading() -> None:
    lines = _lines(CARD_PAGE)
    regions = _regions(lines)
    assert len(regions) == 1
    (start, (end, events)), = regions.items()
    assert lines[start].text == "FALLBEISPIEL BEST PRACTICES"
    assert end == len(lines)
    title = events[0]
    assert isinstance(title, _Heading) and title.table_title and title.text == "FALLBEISPIEL BEST PRACTICES"
    assert [event.text for event in events[1:] if isinstance(event, _Row)] == [QTREES_ROW, VOICE_ROW]
    assert len(events) == 3


def test_hyphenated_cell_lines_are_joined_like_paragraph_lines_but_compounds_keep_their_hyphen() -> None:
    rows = _rows(_lines(CARD_PAGE))
    text = " ".join(rows)
    assert "Bewässerungsvorhersage für Stadtbäume" in text  # "Bewässerungs-" + "vorhersage"
    assert "Zivilgesellschaft im Sinne" in text  # "Zivilgesell-" + "schaft"
    assert "Open-Source-Datensätzen" in text  # a capital after the hyphen: a compound, hyphen kept
    assert "Bewässerungs-" not in text and "Bewässerungs " not in text and "Open-Source- " not in text


def test_rows_become_table_blocks_with_page_and_section_and_the_text_after_the_table_leaves_its_section() -> None:
    blocks = _pdf_blocks([_lines(CARD_PAGE), _lines(CONTINUATION_PAGE)])
    tables = [block for block in blocks if block.kind == "table"]
    assert [(block.text, block.page) for block in tables] == [(QTREES_ROW, 1), (VOICE_ROW, 1), (KIVI_ROW, 2)]
    section = ("4 FALLBEISPIELE UND ERFOLGSFAKTOREN", "FALLBEISPIEL BEST PRACTICES")
    assert all(block.section == section for block in tables)
    headings = [block.text for block in blocks if block.kind == "heading"]
    # Rows never become headings; the title repeated on the continuation page opens no second section.
    assert headings == ["4 FALLBEISPIELE UND ERFOLGSFAKTOREN", "FALLBEISPIEL BEST PRACTICES"]
    after = blocks[-1]
    assert after.text.startswith("Auch übergreifend lassen sich") and after.kind == "paragraph"
    assert after.page == 2 and after.section == ("4 FALLBEISPIELE UND ERFOLGSFAKTOREN",)
    # Nothing of a row is left over as a fragment of its own.
    assert not any(block.text in ("QUANTIFIED TREES (QTREES)", "multisektorale Allianzen", "KIVI") for block in blocks)


def test_rows_are_found_without_line_positions() -> None:
    # Some PDFs give no usable text matrix: names are one line then, the rows still hold together.
    rows = _rows(_lines(CARD_PAGE, positions=False))
    assert QTREES_ROW in rows and VOICE_ROW in rows


def test_prose_with_all_caps_headings_and_hinweis_lines_stays_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    page = [
        "*ZUSAMMENFASSUNG",
        None,
        *PROSE,
        None,
        "Hinweis: Die Frist endet am 31. Oktober eines Jahres.",
        "Achtung: Anträge ohne Unterschrift werden nicht bearbeitet.",
        None,
        "*ANTRAGSVERFAHREN",
        None,
        "Die Anträge sind schriftlich bei der Bewilligungsbehörde einzureichen, die sie in der Reihen-",
        "folge ihres Eingangs prüft und nach pflichtgemäßem Ermessen über die Förderung entscheidet.",
        None,
        "*HINWEISE",
        "Kurze Vorbemerkung",
        "HINWEIS: Die Frist endet am 31. Oktober.",
        None,
        "AUTOR*INNEN",
        "Theresa Züger, Anna Katzy-Reinshagen",
    ]
    lines = _lines(page)
    assert _regions(lines) == {}  # a single "HINWEIS:" under a caps heading is no table
    blocks = _pdf_blocks([lines])
    assert blocks == _blocks_without_card_detection([lines], monkeypatch)
    assert not any(block.kind == "table" for block in blocks)


def test_full_width_prose_after_the_last_row_is_not_swallowed_into_a_cell() -> None:
    page = [
        *PROSE,
        None,
        "*QUANTIFIED TREES (QTREES)",
        "KI-gestützte Bewässerungs-",
        "vorhersage für Stadtbäume",
        "ORGANISATION: Aufbau auf bestehende",
        "organisationale Ressourcen",
        "GOVERNANCE: offene Daten",
        # Same type, no gap, but the full column width: body text again, not a cell.
        "Auch übergreifend lassen sich aus den Fallstudien und den Aussagen der Expert*innen Erfolgsfak-",
    ]
    lines = _lines(page)
    assert _rows(lines) == [
        "QUANTIFIED TREES (QTREES) — KI-gestützte Bewässerungsvorhersage für Stadtbäume — "
        "ORGANISATION: Aufbau auf bestehende organisationale Ressourcen; GOVERNANCE: offene Daten"
    ]
    (start, (end, _)), = _regions(lines).items()
    assert lines[end].text.startswith("Auch übergreifend")


def test_caption_with_a_number_is_no_label_and_a_long_run_of_caps_lines_is_no_table() -> None:
    lines = _lines(["TABELLE 1: FALLBEISPIELE", "ERFOLGSFAKTOREN", "TABELLE 2: HERAUSFORDERUNGEN", "FÖRDERUNG"] * 200)
    assert _regions(lines) == {}


# --------------------------------------------------------------------------------------------
# End to end: pypdf's text layer of generated and real PDFs
# --------------------------------------------------------------------------------------------


def test_generated_pdf_card_table_rows_keep_their_pages(tmp_path: Path) -> None:
    prose = [
        "Im Rahmen der Studie wurden zehn Projekte als Fallbeispiele ausgewählt, die durch ihre",
        "Zielsetzung und den Projektfortschritt geeignet erscheinen, um Best Practices zu finden.",
        "Jeweils drei Fälle liegen im Ressortbereich der am Innovationsnetz beteiligten Ministerien.",
        "Ein zehnter Fall wurde ressortübergreifend ausgewählt und in die Übersicht aufgenommen.",
        "Die farbliche Kennzeichnung hebt verschiedene Best Practices hervor, die wir beschreiben.",
    ]
    card = ["QUANTIFIED TREES (QTREES)", "", "KI-gestützte Bewässerungs-", "vorhersage für Stadtbäume", "",
            "ORGANISATION: Aufbau auf bestehende", "organisationale Ressourcen", "", "VERNETZUNG/KOOPERATION:",
            "multisektorale Allianzen"]
    path = make_pdf(
        tmp_path / "fallbeispiele.pdf",
        [["## 4 Fallbeispiele", *prose, "", "FALLBEISPIEL BEST PRACTICES", "", *card],
         ["FALLBEISPIEL BEST PRACTICES", "", "KIVI", "", "Tool zur Erkennung von", "Hate Speech im Netz", "",
          "TECHNISCHE UMSETZUNG:", "Nutzung bestehender Datenquellen", "", "ORGANISATION: interdisziplinäres Team"]],
        title="Fallbeispiele",
    )
    document = load_document(path)
    tables = [(block.text, block.page, block.section) for block in document.blocks if block.kind == "table"]
    assert tables == [
        (QTREES_ROW, 1, ("4 Fallbeispiele", "FALLBEISPIEL BEST PRACTICES")),
        (KIVI_ROW, 2, ("4 Fallbeispiele", "FALLBEISPIEL BEST PRACTICES")),
    ]
    assert not any("QTREES" in block.text or "KIVI" in block.text for block in document.blocks if block.kind == "heading")


@pytest.fixture(scope="module")
def policy_paper() -> list[Block]:
    if not POLICY_PAPER.exists():
        pytest.skip("corpus/civic-coding-policy-paper-2022.pdf is not in this checkout")
    return list(load_document(POLICY_PAPER).blocks)


def test_policy_paper_qtrees_row_is_one_block_with_its_name_and_description(policy_paper: list[Block]) -> None:
    matches = [block for block in policy_paper if "Bewässerungsvorhersage für Stadtbäume" in block.text]
    assert len(matches) == 1, [block.text for block in policy_paper if "Stadtbäume" in block.text]
    row = matches[0]
    assert "qtrees" in row.text.lower()
    assert "\n" not in row.text
    assert row.kind == "table" and row.page == 9
    assert row.section[-1] == "FALLBEISPIEL BEST PRACTICES"
    assert "multisektorale Allianzen" in row.text and "TECHNISCHE UMSETZUNG" in row.text


def test_policy_paper_case_study_table_has_ten_rows_on_pages_8_to_10_and_no_row_headings(
    policy_paper: list[Block],
) -> None:
    tables = [block for block in policy_paper if block.kind == "table"]
    assert [block.page for block in tables] == [8] + [9] * 5 + [10] * 4
    names = [block.text.split(" — ", 1)[0] for block in tables]
    assert names == [
        "BEE OBSERVER (BOB)", "QUANTIFIED TREES (QTREES)", "CARGOROCKET", "MOZILLA COMMON VOICE", "MBAZA CHATBOT",
        "KIVI", "AI HOKS", "EYECAPTAIN", "CLAUDETTE", "GENDERLY",
    ]
    headings = {block.text for block in policy_paper if block.kind == "heading"}
    assert not headings & set(names)
