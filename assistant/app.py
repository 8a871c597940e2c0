"""Composition root: ``build_app(settings)`` wires every stage once; CLI, UI and tests all use it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import Settings
from .embeddings import create_embedder
from .ingest import Ingestor
from .retrieval import FusionParams, Retriever
from .store import Index

if TYPE_CHECKING:
    from .embeddings import Embedder


def disable_telemetry() -> None:
    """Make every library we use stay offline and silent (set before any of them is imported)."""
    for name, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "ANONYMIZED_TELEMETRY": "False",  # chromadb
        "GRADIO_ANALYTICS_ENABLED": "False",
        "DO_NOT_TRACK": "1",
        "TOKENIZERS_PARALLELISM": "false",
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


def fusion_params(settings: Settings) -> FusionParams:
    """Fusion parameters from settings."""
    return FusionParams(
        candidates=settings.candidates,
        dense_weight=settings.dense_weight,
        bm25_weight=settings.bm25_weight,
        rrf_k=settings.rrf_k,
    )


def build_app(settings: Settings, *, embedder: "Embedder | None" = None, chroma_client: Any | None = None) -> App:
    """Wire the assistant. Tests pass a fake embedder and an in-memory Chroma client."""
    disable_telemetry()
    embedder = embedder if embedder is not None else create_embedder(settings)
    index = Index(settings.index_dir, client=chroma_client)
    retriever = Retriever(index, embedder, fusion_params(settings))
    ingestor = Ingestor(
        index,
        embedder,
        settings.corpus_dir,
        target_chars=settings.chunk_target_chars,
        max_chars=settings.chunk_max_chars,
        batch_size=max(settings.embed_batch_size, 8),
    )
    return App(settings=settings, embedder=embedder, index=index, retriever=retriever, ingestor=ingestor)
