"""A standard LangChain RAG ingest as the baseline our pipeline is benchmarked against.

PyPDFLoader (one document per page) and TextLoader, RecursiveCharacterTextSplitter with its usual
1000/200 setting, and an in-memory Chroma collection in cosine space, embedded with the *same*
:class:`~assistant.indexing.embeddings.Embedder` as our pipeline: documents without titles (a standard pipeline
has none), queries with the model's query prompt. It indexes the same files our ingest does.

HTML is read raw with TextLoader, tags included: LangChain's HTML loaders need BeautifulSoup,
unstructured or a network fetch, and reading the file as text is what a naive pipeline does.

LangChain is an optional dependency (the ``bench`` extra) and is imported only when a baseline is built.
"""

from __future__ import annotations

import time
import uuid
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from assistant.errors import ConfigError, DocumentError
from assistant.indexing.ingest import discover

if TYPE_CHECKING:
    from assistant.indexing.embeddings import Embedder

INSTALL_HINT = "pip install -e '.[bench]'"


@dataclass(frozen=True)
class BaselineIndex:
    """A built LangChain baseline: what it indexed, how long that took, and its search."""

    files: int
    pages: int  # loaded LangChain documents of PDFs (one per page) + 1 per other file
    chunks: int
    ingest_seconds: float  # load + split + embed + add to Chroma
    _store: Any = field(repr=False, compare=False)

    def search(self, query: str, k: int) -> list[str]:
        """Texts of the ``k`` chunks most similar to ``query``, best first."""
        n = min(k, self.chunks)
        if n <= 0:
            return []
        return [document.page_content for document in self._store.similarity_search(query, k=n)]


def build_langchain_baseline(
    corpus_dir: Path,
    embedder: "Embedder",
    *,
    chunk_size: int = 1000,
    chunk_overlap: int = 200,
    batch_size: int = 64,
) -> BaselineIndex:
    """Load, split, embed and store the corpus files the LangChain way; time it all.

    The files are those our ingest would index (same suffixes, SOURCES.md/README.md/licences and
    hidden files skipped). An embedder that loads its model lazily loads it inside the timed span:
    warm it first to compare ingest times fairly. Raises ConfigError without LangChain installed,
    DocumentError naming the file a loader fails on.
    """
    lc = _langchain()
    files, _ = discover([Path(corpus_dir)])
    store = lc.Chroma(
        collection_name=f"langchain-baseline-{uuid.uuid4().hex}",
        embedding_function=_embeddings_adapter(lc.Embeddings)(embedder),
        client=_ephemeral_client(),
        collection_metadata={"hnsw:space": "cosine"},
    )
    splitter = lc.RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)

    started = time.perf_counter()
    pages = 0
    documents: list[Any] = []
    for file, _root in files:
        loaded = _load(lc, file)
        pages += len(loaded) if file.suffix.lower() == ".pdf" else 1
        documents.extend(loaded)
    chunks = splitter.split_documents(documents)
    for start in range(0, len(chunks), batch_size):
        store.add_documents(chunks[start : start + batch_size])
    seconds = time.perf_counter() - started
    return BaselineIndex(files=len(files), pages=pages, chunks=len(chunks), ingest_seconds=seconds, _store=store)


def _load(lc: SimpleNamespace, file: Path) -> list[Any]:
    loader = lc.PyPDFLoader(str(file)) if file.suffix.lower() == ".pdf" else lc.TextLoader(str(file), encoding="utf-8")
    try:
        return loader.load()
    except Exception as exc:  # LangChain wraps decode and parse errors in several types; all mean "unreadable".
        raise DocumentError("bench.baseline_unreadable", path=file, error_type=type(exc).__name__, error=str(exc)) from exc


def _langchain() -> SimpleNamespace:
    """The LangChain classes used here; ConfigError with the install command when they are missing."""
    try:
        with warnings.catch_warnings():
            # langchain-community announces its sunset on import; the loaders used here still work.
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_chroma import Chroma
            from langchain_community.document_loaders import PyPDFLoader, TextLoader
            from langchain_core.embeddings import Embeddings
            from langchain_text_splitters import RecursiveCharacterTextSplitter
    except ImportError as exc:
        raise ConfigError("bench.langchain_missing", missing=exc.name or str(exc), hint=INSTALL_HINT) from exc
    return SimpleNamespace(
        Chroma=Chroma,
        PyPDFLoader=PyPDFLoader,
        TextLoader=TextLoader,
        Embeddings=Embeddings,
        RecursiveCharacterTextSplitter=RecursiveCharacterTextSplitter,
    )


@lru_cache(maxsize=1)
def _embeddings_adapter(base: type) -> type:
    """A LangChain ``Embeddings`` subclass over our Embedder (built lazily: LangChain is optional)."""

    class EmbedderEmbeddings(base):  # type: ignore[misc, valid-type]
        def __init__(self, embedder: "Embedder") -> None:
            self.embedder = embedder

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            # No titles: a standard pipeline has none, so documents get the model's "title: none" prompt.
            return self.embedder.embed_documents(list(texts)).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self.embedder.embed_queries([text])[0].tolist()

    return EmbedderEmbeddings


def _ephemeral_client() -> Any:
    """An in-memory Chroma client with telemetry off, as :func:`assistant.indexing.store.open_chroma` sets it."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
