"""Evidence warm-up: every chunk's units embedded ahead into the cache, so a first question embeds no sentence."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.answering.evidence import chunk_units
from assistant.answering.warmup import EvidenceWarmer
from assistant.app import build_app
from assistant.config import Settings
from assistant.errors import ModelError
from assistant.web.ui import ChatUI
from tests.test_embedding_cache import CountingEmbedder

TEXTS = {
    "foerderung.md": (
        "# Förderrichtlinie Gemeinwohl\n\nDie Förderquote beträgt 50 Prozent der zuwendungsfähigen Ausgaben. "
        "Gefördert werden Vorhaben gemeinnütziger Träger. Die Laufzeit beträgt höchstens drei Jahre.\n\n"
        "## Antrag\n\nAnträge sind beim Projektträger einzureichen. Die Frist endet am 31. März.\n"
    ),
    "datenschutz.md": (
        "# Datenschutz\n\nPersonenbezogene Daten werden nur mit Einwilligung verarbeitet. "
        "Die Einwilligung kann jederzeit widerrufen werden.\n"
    ),
}


def _app(settings: Settings, embedder: CountingEmbedder):  # type: ignore[no-untyped-def]
    for name, text in TEXTS.items():
        (settings.corpus_dir / name).write_text(text, encoding="utf-8")
    app = build_app(settings, embedder=embedder)
    app.ingestor.ingest()
    embedder.embedded.clear()
    return app


def test_warm_up_embeds_every_unit_once_and_questions_then_embed_no_sentence(settings: Settings) -> None:
    embedder = CountingEmbedder()
    app = _app(settings, embedder)
    assert app.warmer is not None
    chunks = app.index.searchable_chunks()
    units = sorted(unit for chunk in chunks for unit in chunk_units(chunk))
    app.warmer.request()
    assert app.warmer.wait(30)
    assert sorted(embedder.embedded) == units and app.warmer.embedded == len(units)

    embedder.embedded.clear()
    answer = app.answerer.ask("Wie hoch ist die Förderquote?", mode="extractive")
    assert not answer.refused and "50 Prozent" in answer.text
    assert embedder.embedded == []  # the first question found every sentence vector in the cache

    app.warmer.request()  # nothing new: nothing embedded
    assert app.warmer.wait(30) and embedder.embedded == [] and app.warmer.embedded == len(units)
    app.warmer.close()
    app.index.close()


def test_warm_up_batches_and_stops_between_batches(settings: Settings) -> None:
    embedder = CountingEmbedder()
    app = _app(settings, embedder)
    chunks = app.index.searchable_chunks()
    calls: list[int] = []
    original = embedder.embed_documents

    def counting(texts, titles=None):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return original(texts, titles)

    embedder.embed_documents = counting  # type: ignore[method-assign]
    total = sum(len(chunk_units(chunk)) for chunk in chunks)
    assert app.answerer.warm_evidence(chunks, 2, stop=lambda: len(calls) >= 2) == 4
    assert calls == [2, 2]
    assert app.answerer.warm_evidence(chunks, 2) == total - 4  # resumes with what is missing
    app.index.close()


def test_upload_in_the_ui_warms_the_new_document(settings: Settings, tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    app = _app(settings, embedder)
    assert app.warmer is not None
    app.warmer.request()
    assert app.warmer.wait(30)
    ui = ChatUI.for_app(app)
    ui.build()
    upload = tmp_path / "neu.md"
    upload.write_text("# Ehrenamt\n\nDie Ehrenamtspauschale beträgt 840 Euro im Jahr.\n", encoding="utf-8")
    embedder.embedded.clear()
    ui.upload([str(upload)], "Deutsch", progress=lambda *a, **k: None)  # type: ignore[arg-type]
    assert app.warmer.wait(30)
    assert "Die Ehrenamtspauschale beträgt 840 Euro im Jahr." in embedder.embedded
    embedder.embedded.clear()
    assert "840 Euro" in app.answerer.ask("Wie hoch ist die Ehrenamtspauschale?", mode="extractive").text
    assert embedder.embedded == []
    app.warmer.close()
    app.index.close()


@pytest.mark.parametrize("changes", [{"embed_cache": False}, {"evidence_warmup": False}])
def test_no_warmer_without_a_cache_or_when_switched_off(settings: Settings, changes: dict[str, bool]) -> None:
    app = build_app(settings.with_(**changes), embedder=CountingEmbedder())
    assert app.warmer is None
    app.index.close()


def test_settings_read_the_warm_up_switch_and_cache_file(tmp_path: Path) -> None:
    assert Settings.from_env({"ASSISTANT_EVIDENCE_WARMUP": "0"}).evidence_warmup is False
    settings = Settings.from_env({"ASSISTANT_EMBED_CACHE_FILE": str(tmp_path / "v.sqlite"), "ASSISTANT_CACHE_DIR": str(tmp_path / "c")})
    assert settings.embed_cache_path == tmp_path / "v.sqlite"
    assert Settings(cache_dir=tmp_path / "c").embed_cache_path == tmp_path / "c" / "embeddings.sqlite"
    assert Settings(cache_dir=tmp_path / "c").with_(cache_dir=tmp_path / "d").embed_cache_path == tmp_path / "d" / "embeddings.sqlite"


def test_warmer_survives_a_failing_pass_and_serves_the_next_request() -> None:
    passes: list[str] = []

    def warm(chunks, batch_size, stop):  # type: ignore[no-untyped-def]
        passes.append("pass")
        if len(passes) == 1:
            raise ModelError("model.no_dimension", path=Path("x"))
        return len(chunks)

    warmer = EvidenceWarmer(warm, lambda: ["a", "b"], 8)  # type: ignore[arg-type, list-item]
    warmer.request()
    assert warmer.wait(10) and warmer.embedded == 0
    warmer.request()
    assert warmer.wait(10) and warmer.embedded == 2 and passes == ["pass", "pass"]
    warmer.close()


def test_a_request_during_a_pass_runs_another_pass() -> None:
    started = threading.Event()
    release = threading.Event()
    seen: list[int] = []

    def warm(chunks, batch_size, stop):  # type: ignore[no-untyped-def]
        started.set()
        release.wait(10)
        seen.append(len(chunks))
        return len(chunks)

    sizes = iter([1, 2])
    warmer = EvidenceWarmer(warm, lambda: ["x"] * next(sizes), 8)  # type: ignore[arg-type]
    warmer.request()
    assert started.wait(10)
    warmer.request()  # arrives during the first pass (a second upload)
    assert not warmer.wait(0.1)
    release.set()
    assert warmer.wait(10) and seen == [1, 2] and warmer.embedded == 3
    warmer.close()


def test_a_folder_as_cache_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    from assistant.errors import ConfigError

    folder = tmp_path / "vectors"
    folder.mkdir()
    (folder / "keep.txt").write_text("data", encoding="utf-8")
    with pytest.raises(ConfigError, match="ASSISTANT_EMBED_CACHE_FILE muss eine Datei sein"):
        Settings.from_env({"ASSISTANT_EMBED_CACHE_FILE": str(folder)})
    assert (folder / "keep.txt").read_text(encoding="utf-8") == "data"
