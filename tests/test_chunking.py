"""Chunk boundaries and metadata."""

from __future__ import annotations

from assistant.config import ChunkParams
from assistant.indexing.chunking import chunk_document
from assistant.loaders.base import Block, Document
from assistant.text import split_sentences


def _doc(blocks: list[Block], title: str = "Richtlinie") -> Document:
    return Document(source="r.pdf", title=title, kind="pdf", blocks=tuple(blocks), pages=2)


def test_split_sentences_keeps_abbreviations_and_ordinals_together() -> None:
    text = (
        "Gefördert werden z. B. Vereine gem. Art. 5 Abs. 2 der Verordnung. "
        "Die Frist endet am 3. November 2021. Danach gilt Nr. 4 entsprechend! Was bleibt? Nichts."
    )
    assert split_sentences(text) == [
        "Gefördert werden z. B. Vereine gem. Art. 5 Abs. 2 der Verordnung.",
        "Die Frist endet am 3. November 2021.",
        "Danach gilt Nr. 4 entsprechend!",
        "Was bleibt?",
        "Nichts.",
    ]


def test_chunks_never_cross_sections_or_pages() -> None:
    blocks = [
        Block("1 Ziel", "heading", ("1 Ziel",), 1),
        Block("Ziel ist die Förderung.", "paragraph", ("1 Ziel",), 1),
        Block("Fortsetzung auf Seite zwei.", "paragraph", ("1 Ziel",), 2),
        Block("2 Gegenstand", "heading", ("2 Gegenstand",), 2),
        Block("Gefördert werden Projekte.", "paragraph", ("2 Gegenstand",), 2),
    ]
    chunks = chunk_document(_doc(blocks))
    assert [(c.section, c.page, c.text) for c in chunks] == [
        ("1 Ziel", 1, "1 Ziel\nZiel ist die Förderung."),
        ("1 Ziel", 2, "1 Ziel\nFortsetzung auf Seite zwei."),
        ("2 Gegenstand", 2, "2 Gegenstand\nGefördert werden Projekte."),
    ]
    assert [c.ordinal for c in chunks] == [0, 1, 2]
    assert all(c.source == "r.pdf" and c.title == "Richtlinie" for c in chunks)


def test_section_path_is_joined_with_separator() -> None:
    blocks = [Block("Text.", "paragraph", ("7 EMPFEHLUNGEN", "2.2 Aufwandsgerechte Förderung"), 3)]
    (chunk,) = chunk_document(_doc(blocks))
    assert chunk.section == "7 EMPFEHLUNGEN > 2.2 Aufwandsgerechte Förderung"
    assert chunk.header() == "Richtlinie — 7 EMPFEHLUNGEN > 2.2 Aufwandsgerechte Förderung"
    assert chunk.embedding_title() == "Richtlinie"  # the section path is for BM25 and citations, not the embedder


def test_id_follows_the_embedding_input_not_the_section() -> None:
    # The innermost heading opens the chunk text; a parent section is not embedded.
    first = chunk_document(_doc([Block("Gleicher Text.", "paragraph", ("Teil A", "§ 1 Zweck"), 1)]))[0]
    moved = chunk_document(_doc([Block("Gleicher Text.", "paragraph", ("Teil B", "§ 1 Zweck"), 1)]))[0]
    retitled = chunk_document(_doc([Block("Gleicher Text.", "paragraph", ("Teil A", "§ 1 Zweck"), 1)], title="Andere"))[0]
    assert first.id == moved.id and first.section != moved.section  # the stored vector stays valid
    assert retitled.id != first.id


def test_long_paragraph_is_cut_at_sentence_ends_only() -> None:
    sentences = [f"Satz Nummer {i} beschreibt eine Fördervoraussetzung im Detail." for i in range(60)]
    blocks = [Block(" ".join(sentences), "paragraph", ("A",), 1)]
    chunks = chunk_document(_doc(blocks), ChunkParams(target_chars=300, max_chars=500))
    assert len(chunks) > 3
    for chunk in chunks:
        assert len(chunk.text) <= 500
        assert chunk.text.startswith("A\nSatz Nummer") and chunk.text.endswith("Detail.")
    rejoined = " ".join(c.text.removeprefix("A\n") for c in chunks)
    assert rejoined == " ".join(sentences)


def test_single_overlong_sentence_is_split_at_words() -> None:
    blocks = [Block(" ".join(["Wort"] * 400), "paragraph", (), None)]
    chunks = chunk_document(_doc(blocks), ChunkParams(target_chars=200, max_chars=300))
    assert all(len(c.text) <= 300 for c in chunks)
    assert sum(c.text.count("Wort") for c in chunks) == 400
    assert all(c.page is None for c in chunks)


def test_list_items_pack_with_their_intro_and_keep_lines() -> None:
    blocks = [
        Block("Gefördert werden:", "paragraph", ("S",), 1),
        Block("Vereine,", "list_item", ("S",), 1),
        Block("Stiftungen.", "list_item", ("S",), 1),
    ]
    (chunk,) = chunk_document(_doc(blocks))
    assert chunk.text == "S\nGefördert werden:\nVereine,\nStiftungen."


def test_small_tail_is_merged_into_previous_chunk() -> None:
    blocks = [
        Block("A" * 80 + ".", "paragraph", ("S",), 1),
        Block("B" * 80 + ".", "paragraph", ("S",), 1),
        Block("Kurz.", "paragraph", ("S",), 1),
    ]
    chunks = chunk_document(_doc(blocks), ChunkParams(target_chars=100, max_chars=200))
    assert [c.text[-5:] for c in chunks] == ["AAAA.", "Kurz."]
    assert chunks[-1].text.startswith("S\nB") and chunks[-1].text.count("S\n") == 1


def test_ids_are_stable_and_depend_on_content_and_title() -> None:
    blocks = [Block("Gleicher Text.", "paragraph", ("S",), 1), Block("Gleicher Text.", "paragraph", ("T",), 1)]
    first = chunk_document(_doc(blocks))
    again = chunk_document(_doc(blocks))
    retitled = chunk_document(_doc(blocks, title="Anderer Titel"))
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == 2
    assert {c.id for c in first}.isdisjoint(c.id for c in retitled)


def test_repeated_identical_text_in_one_section_gets_distinct_ids() -> None:
    blocks = [
        Block("X" * 90 + ".", "paragraph", ("S",), 1),
        Block("Y" * 90 + ".", "paragraph", ("S",), 1),
        Block("X" * 90 + ".", "paragraph", ("S",), 1),
    ]
    chunks = chunk_document(_doc(blocks), ChunkParams(target_chars=100, max_chars=150))
    assert len(chunks) == 3 and len({c.id for c in chunks}) == 3


def test_heading_repeated_as_body_text_is_not_doubled() -> None:
    blocks = [Block("§ 14 Wahl", "paragraph", ("§ 14 Wahl",), 3), Block("(1) Text.", "paragraph", ("§ 14 Wahl",), 3)]
    (chunk,) = chunk_document(_doc(blocks))
    assert chunk.text == "§ 14 Wahl\n(1) Text."


def test_headings_and_empty_blocks_alone_make_no_chunk() -> None:
    blocks = [Block("KAPITEL I", "heading", ("KAPITEL I",), None), Block("   ", "paragraph", ("KAPITEL I",), None)]
    assert chunk_document(_doc(blocks)) == []
