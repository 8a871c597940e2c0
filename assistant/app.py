"""Composition root: ``build_app(settings)`` wires every stage once; CLI, UI and tests all use it."""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from .answering.answer import Answerer, Mode
from .config import Settings
from .indexing.embedding_cache import EmbeddingCache
from .indexing.embeddings import create_embedder
from .errors import ModelError
from .indexing.ingest import Ingestor
from .answering.retrieval import Retriever
from .answering.validity import ValidityNotes
from .answering.warmup import EvidenceWarmer
from .programmes.book import ProgrammeBook
from .models import ResolvedModel, resolve_llm
from .indexing.store import Index, open_chroma_server

if TYPE_CHECKING:
    from .indexing.embeddings import Embedder
    from .answering.llm import ChatModel


def disable_telemetry() -> None:
    """Make every library we use stay offline and silent (set before any of them is imported).

    The only code that changes ``os.environ``: ``cli.main`` calls it at start-up and ``build_app`` for
    library use. The Hugging Face offline switches are forced (every model is local, so a hub request
    could only leak); the other switches keep a value the user set.
    """
    os.environ.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    # openvino.convert_model (set-up's export) reports usage to Google Analytics through the
    # openvino-telemetry package unless the user opted out in ~/intel; without the package it uses its
    # built-in no-op stub. A None entry makes every import of the package fail, so the stub is used.
    sys.modules.setdefault("openvino_telemetry", None)
    for name, value in {
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "ANONYMIZED_TELEMETRY": "False",  # chromadb
        "GRADIO_ANALYTICS_ENABLED": "False",
        "DO_NOT_TRACK": "1",
        "TOKENIZERS_PARALLELISM": "false",
        # OpenMP threads that spin while waiting starve each other on a 2-core laptop (measured:
        # llama.cpp dropped from ~15 to ~1.3 tokens/s with another process busy); sleep instead.
        "OMP_WAIT_POLICY": "PASSIVE",
    }.items():
        os.environ.setdefault(name, value)


@dataclass
class App:
    """The assembled assistant. Models inside are loaded lazily on first use."""

    settings: Settings
    embedder: "Embedder"
    index: Index
    retriever: Retriever
    ingestor: Ingestor
    answerer: Answerer
    #: The funding programmes of the index (profiles from ingest) and their status on ``settings.today``.
    programmes: ProgrammeBook
    #: Which chat model answers in llm mode (None when none is available), for status displays.
    llm: "ResolvedModel | None"
    #: Embeds the evidence units of the index in idle time (the web UI requests it); None when switched
    #: off or without an embedding cache to keep them in.
    warmer: EvidenceWarmer | None = None


class LazyChatModel:
    """Creates the chat model on first request, once (thread-safe): nothing is loaded or contacted before.

    ``create`` makes the model; an error it raises (a model not set up) is raised again on each request.
    """

    def __init__(self, create: Callable[[], "ChatModel"]) -> None:
        self._create = create
        self._model: "ChatModel | None" = None
        self._lock = threading.Lock()

    def __call__(self) -> "ChatModel":
        with self._lock:
            if self._model is None:
                self._model = self._create()
            return self._model

    @classmethod
    def local(cls, settings: Settings, resolved: "ResolvedModel | None", error: ModelError | None) -> "LazyChatModel":
        """The GGUF ``resolved`` on llama.cpp; ``error`` (why there is none) when it is None."""

        def create() -> "ChatModel":
            if resolved is None:
                assert error is not None
                raise error
            from .answering.llm import LlamaCppChatModel

            return LlamaCppChatModel(resolved.path, resolved.name, n_ctx=settings.llm_context, n_threads=settings.n_threads,
                                     flash_attention=settings.llm_flash_attention)

        return cls(create)

    @classmethod
    def remote(cls, settings: Settings) -> "LazyChatModel":
        """The OpenAI-compatible model server of ``ASSISTANT_LLM_URL`` (team deployment)."""

        def create() -> "ChatModel":
            from .answering.remote import OpenAIChatModel

            return OpenAIChatModel(settings.llm_url.strip(), settings.llm_model, settings.llm_api_key,
                                   context_window=settings.llm_context, timeout_s=settings.llm_timeout_s)

        return cls(create)


def build_app(
    settings: Settings,
    *,
    embedder: "Embedder | None" = None,
    chroma_client: Any | None = None,
    chat_model: "ChatModel | None" = None,
) -> App:
    """Wire the assistant. Tests pass a fake embedder, chat model and Chroma client."""
    disable_telemetry()
    embedder = embedder if embedder is not None else create_embedder(settings)
    if chroma_client is None and settings.chroma_url:
        # Team deployment: vectors on a Chroma server; manifest and BM25 stay in index_dir on this machine.
        index = Index(settings.index_dir, client=open_chroma_server(settings.chroma_url), collection=settings.chroma_collection, shared=True)
    else:
        index = Index(settings.index_dir, client=chroma_client)
    retriever = Retriever(index, embedder, settings.fusion_params)
    cache = embedding_cache(settings, embedder)
    ingestor = Ingestor(index, embedder, settings.corpus_dir, settings.ingest_params, cache)
    resolved: ResolvedModel | None = None
    if chat_model is not None:
        factory: Callable[[], ChatModel] = lambda: chat_model  # noqa: E731
        default_mode: Mode = "llm"
    elif settings.llm_url:
        # Team deployment: answers from an OpenAI-compatible model server (created on first use).
        factory = LazyChatModel.remote(settings)
        default_mode = "llm"
    else:
        error: ModelError | None = None
        try:
            resolved = resolve_llm(settings)
        except ModelError as exc:
            error = exc
        factory = LazyChatModel.local(settings, resolved, error)
        # Only an instruct model (one with a chat template) can write answers; a base model would
        # continue the prompt as a document and get facts wrong, so it is never the default voice.
        default_mode = "llm" if resolved is not None and resolved.has_chat_template else "extractive"
    programmes = ProgrammeBook(index.records, settings.today_date)
    notes = ValidityNotes(programmes, lambda ids: index.chunks(ids)[0])
    answerer = Answerer(retriever, embedder, factory, default_mode, settings.answer_params, cache, notes,
                        settings.today_date)
    warmer = None
    if settings.evidence_warmup and cache is not None:
        warmer = EvidenceWarmer(answerer.warm_evidence, index.searchable_chunks, settings.embed_batch_size)
    return App(settings, embedder, index, retriever, ingestor, answerer, programmes, resolved, warmer)


def embedding_cache(settings: Settings, embedder: "Embedder") -> EmbeddingCache | None:
    """The on-disk vector cache for ``embedder`` (None when switched off).

    The namespace holds everything that changes a document vector besides its input: the model and
    its weights fingerprint (in the name) and the truncation length.
    """
    if not settings.embed_cache:
        return None
    return EmbeddingCache(settings.embed_cache_path, f"{embedder.name}|max_tokens={settings.embed_max_tokens}")

