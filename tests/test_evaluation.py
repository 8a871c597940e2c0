"""Evaluation metrics and the eval report."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.app import build_app
from assistant.config import Settings
from assistant.evaluation import RankingMetrics, evaluate_file, fact_recall, first_hit_rank, is_hit, percentile
from tests.fakes import HashEmbedder


def test_gold_match_ignores_case_whitespace_and_hyphens() -> None:
    assert is_hit("Die Förder-\nrichtlinie  gilt.", ["förderrichtlinie GILT"])
    assert not is_hit("Die Richtlinie gilt.", ["förderrichtlinie"])
    assert first_hit_rank(["a", "b gold", "gold"], ["GOLD"]) == 2


def test_ranking_metrics() -> None:
    metrics = RankingMetrics.from_ranks([1, 3, None, 12])
    assert (metrics.hit1, metrics.hit5) == (0.25, 0.5)
    assert abs(metrics.mrr10 - (1 + 1 / 3) / 4) < 1e-9


def test_fact_recall_and_percentile() -> None:
    assert fact_recall("Bienen und Citizen-Science", [["Bienen"], ["Wissenschaft", "citizen-science"], ["Honig"]]) == 2 / 3
    assert fact_recall("x", []) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5 and percentile([], 95) is None


def test_evaluate_file_writes_json_and_markdown(settings: Settings, tmp_path: Path) -> None:
    (settings.corpus_dir / "a.txt").write_text(
        "Antragsberechtigt sind juristische Personen des öffentlichen Rechts.\n\n"
        "Bienen werden mit Sensoren im Bienenstock beobachtet.",
        encoding="utf-8",
    )
    app = build_app(settings.with_(min_evidence=0.15), embedder=HashEmbedder(dimension=4096))
    app.ingestor.ingest()
    items = [
        {"id": "q1", "q": "Wer ist antragsberechtigt?", "type": "fact", "gold": ["juristische Personen"], "facts": [["juristische"], ["Verein"]]},
        {"id": "q2", "q": "Wie wird das Wetter?", "type": "refuse", "gold": [], "facts": []},
    ]
    markdown = evaluate_file(app, items, ["extractive"], 3, tmp_path / "out")
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    summary = report["summary"]["extractive"]
    assert summary["hit@1"] == 1.0 and summary["refusal_accuracy"] == 1.0
    assert summary["citation_hit_rate"] == 1.0 and summary["citations_valid"] is True
    assert summary["fact_recall"] == 0.5
    assert "| extractive | **all** |" in markdown and "| extractive | refuse |" in markdown
    assert (tmp_path / "out" / "report.md").read_text(encoding="utf-8") == markdown


def test_language_of_a_written_answer_ignores_the_verbatim_evidence_it_adds() -> None:
    from assistant.evaluation import score_answer

    item = {"id": "e1", "q": "How much funding per year?", "type": "en", "gold": [], "facts": [["250.000"]]}
    written = ("An organisation can receive up to 250,000 euros per year [1].\n\n"
               "The sources also say (verbatim, in the documents' language):\n"
               "- „Die Förderung beträgt für „Künstliche Intelligenz“ jährlich maximal 300.000 Euro und wird für die "
               "Dauer von drei Jahren gewährt, wenn die Voraussetzungen der Nummer 3 erfüllt sind.“ [2]")
    answer = {"answer": written, "refused": False, "mode": "llm", "language": "en", "citations": [], "retrieved": [],
              "timings": {"total_s": 1.0, "first_token_s": 0.5}}
    assert score_answer(item, answer).language_ok is True
    german = dict(answer, answer="Eine Organisation erhält jährlich bis zu 250.000 Euro, wenn sie die Voraussetzungen erfüllt [1].")
    assert score_answer(item, german).language_ok is False
