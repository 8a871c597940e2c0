"""End to end over a small corpus with a real sentence-transformers model (MiniLM) and a real Chroma store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.app import build_app
from assistant.cli import main
from assistant.config import Settings
from tests.pdf_factory import make_pdf

pytestmark = pytest.mark.slow


def _corpus(folder: Path) -> None:
    make_pdf(
        folder / "richtlinie.pdf",
        [
            ["# 1 Zuwendungszweck", "", "Gefoerdert werden Projekte, die Daten fuer das Gemeinwohl nutzen."],
            ["# 3 Zuwendungsempfaenger", "", "Antragsberechtigt sind gemeinnuetzige Vereine und Stiftungen."],
            ["# 5 Umfang", "", "Die Zuwendung betraegt hoechstens 90 Prozent der Ausgaben."],
        ],
        title="Richtlinie Gemeinwohl-Daten",
        header="Bekanntmachung Gemeinwohl-Daten",
    )
    (folder / "bienen.md").write_text(
        "---\ntitle: Bee Observer\n---\n\n# Projekt\n\nBee Observer misst mit Sensoren in Bienenstoecken "
        "Temperatur und Gewicht der Bienenvoelker.\n",
        encoding="utf-8",
    )


@pytest.fixture
def real_settings(tmp_path: Path) -> Settings:
    (tmp_path / "corpus").mkdir()
    _corpus(tmp_path / "corpus")
    return Settings(home=tmp_path, cache_dir=tmp_path / "cache", embedder="minilm", threads=2)


def test_ingest_search_and_page_citations_with_real_model(real_settings: Settings) -> None:
    app = build_app(real_settings)
    report = app.ingestor.ingest()
    assert sorted(report.added) == ["bienen.md", "richtlinie.pdf"] and not report.failed
    assert app.index.manifest.embedder.startswith("all-minilm-l6-v2@") and app.index.manifest.dimension == 384

    hits = app.retriever.search("Antragsberechtigt Vereine Stiftungen", 3)
    top = hits[0].chunk
    assert (top.source, top.page, top.section) == ("richtlinie.pdf", 2, "3 Zuwendungsempfaenger")
    assert "Bekanntmachung" not in top.text  # running header removed
    # MiniLM is English-only, but the English question still finds the bee project through the dense side.
    english = app.retriever.search("Which project uses sensors to measure the temperature of beehives?", 2)
    assert english[0].chunk.source == "bienen.md" and english[0].bm25_score is None

    # A fresh process (new app, same folders) reuses everything: nothing is embedded again.
    again = build_app(real_settings).ingestor.ingest()
    assert again.unchanged and not again.changed and again.chunks_embedded == 0


def test_cli_search_json_contract(real_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in {"ASSISTANT_HOME": str(real_settings.home), "ASSISTANT_CACHE_DIR": str(real_settings.cache_dir),
                        "ASSISTANT_EMBEDDER": "minilm"}.items():
        monkeypatch.setenv(name, value)
    assert main(["ingest", "--quiet"]) == 0
    capsys.readouterr()
    questions = real_settings.home / "q.jsonl"
    questions.write_text('{"id": "a", "q": "Wie hoch ist die Zuwendung?"}\n{"id": "b", "q": "Bee Observer Sensoren"}\n', encoding="utf-8")
    assert main(["search", "--json", "--questions", str(questions), "-k", "2"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    first = lines[0]["retrieved"][0]
    assert set(first) >= {"source", "page", "section", "score", "text"}
    assert first["source"] == "richtlinie.pdf" and first["page"] == 3 and "90 Prozent" in first["text"]
    assert lines[1]["retrieved"][0]["page"] is None

    # Another embedder on the same index is refused with the fix in the message.
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "")
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(real_settings.home / "models"))
    assert main(["search", "Bienen"]) in (4, 5)  # 4: bundled model not set up in this temp cache; 5: mismatch
    assert "assistant" in capsys.readouterr().err
