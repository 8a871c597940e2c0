"""Text embeddings: the :class:`Embedder` protocol and its sentence-transformers adapter.

The adapter loads the model lazily (first use, once, offline) and applies the model's own prompts:
EmbeddingGemma is trained with ``task: search result | query: `` for queries and
``title: {title} | text: `` for documents, and ignoring them costs retrieval quality.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..errors import ModelError
from ..messages import Message

if TYPE_CHECKING:
    from ..config import Settings
    from ..models import ResolvedModel
    from .openvino_backend import Stamp

#: Placeholder in a document prompt that marks where the title goes (EmbeddingGemma: "title: none | text: ").
_TITLE_SLOT = "title: none"


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors; documents and queries may be embedded differently."""

    #: Stable identifier stored with the index, e.g. ``embeddinggemma-300m@cbf5a783`` (weights hash).
    name: str
    #: What computes the vectors, e.g. ``torch`` or ``openvino-bf16`` (shown in reports, not stored).
    backend: str

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        ...

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> np.ndarray:
        """Embed passages; ``titles`` (one per text, may be empty) give the model context. Shape (n, dimension)."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries. Shape (n, dimension)."""
        ...


class FairLock:
    """A lock granted in the order it was asked for.

    ``threading.Lock`` promises no order: with eight chat sessions and an upload on two cores, a
    session could lose the embedder to later arrivals again and again (measured: p95 35 s against
    5.6 s alone, docs/BENCHMARKS.md). Tickets serve them first come, first served.
    """

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._issued = 0
        self._serving = 0

    def __enter__(self) -> None:
        with self._turn:
            ticket = self._issued
            self._issued += 1
            while ticket != self._serving:
                self._turn.wait()

    def __exit__(self, *exc: object) -> None:
        with self._turn:
            self._serving += 1
            self._turn.notify_all()


class QueryBatcher:
    """Queries asked at the same moment share one forward pass.

    A short query is bound by reading the model's weights, not by arithmetic (OpenVINO bf16 on two
    cores: 17 ms for one query, 97 ms for eight together, docs/BENCHMARKS.md). When several chat
    sessions ask at once, the queries that arrive while one is being embedded wait their turn
    (:class:`FairLock`, first come, first served); the first of them embeds everything that has queued
    up behind it, and the later ones find their vectors ready. A query alone goes straight through.
    A failure reaches every caller whose queries were in the failed batch.
    """

    def __init__(self, encode: Callable[[list[str]], np.ndarray]) -> None:
        self._encode = encode
        self._turn = FairLock()
        self._queue = threading.Lock()
        self._waiting: list[_QueryRequest] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        request = _QueryRequest(list(texts))
        with self._queue:
            self._waiting.append(request)
        with self._turn:
            if not request.done:
                with self._queue:
                    batch, self._waiting = self._waiting, []
                self._run(batch)
        if request.error is not None:
            raise request.error
        return request.vectors

    def _run(self, batch: list[_QueryRequest]) -> None:
        try:
            vectors = self._encode([text for request in batch for text in request.texts])
        except BaseException as exc:  # handed to every waiting caller, raised in each
            for request in batch:
                request.error, request.done = exc, True
            return
        start = 0
        for request in batch:
            request.vectors = vectors[start : start + len(request.texts)]
            request.done = True
            start += len(request.texts)


class QueryVectors:
    """The vectors of the most recently asked queries, so that a repeated question (the same wording in
    another session, a re-asked one) skips the embedder; missing ones are embedded in one call."""

    def __init__(self, embed_queries: Callable[[Sequence[str]], np.ndarray], size: int) -> None:
        self._embed = embed_queries
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._guard = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> list[np.ndarray]:
        """One vector per text, in order."""
        found: dict[str, np.ndarray] = {}
        with self._guard:
            for text in texts:
                if text in self._vectors:
                    self._vectors.move_to_end(text)
                    found[text] = self._vectors[text]
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            found.update(zip(missing, self._embed(missing)))
            with self._guard:
                for text in missing:
                    self._vectors[text] = found[text]
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        return [found[text] for text in texts]


class _QueryRequest:
    """One caller's queries in a :class:`QueryBatcher`; filled in by whoever embeds its batch."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.vectors: np.ndarray = np.zeros((0, 0), dtype=np.float32)
        self.error: BaseException | None = None
        self.done = False


class SentenceTransformerEmbedder:
    """:class:`Embedder` backed by a local sentence-transformers model folder, on CPU.

    Nothing is imported or loaded until the first call that needs the model. Calls are serialised
    with a :class:`FairLock`, first come, first served: the model is shared between UI threads and
    Hugging Face tokenizers are not safe to use concurrently.
    """

    def __init__(
        self,
        path: Path,
        name: str,
        *,
        batch_size: int,
        max_tokens: int,
        threads: int,
        progress: bool = False,
        use_titles: bool = True,
    ) -> None:
        self.path = Path(path)
        self.name = name
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.threads = threads
        self.progress = progress
        self.use_titles = use_titles
        #: Seconds the model took to load (None until loaded); reported by benchmarks.
        self.load_seconds: float | None = None
        self.backend = "torch"
        self._model: Any = None
        self._lock = FairLock()
        self._queries = QueryBatcher(lambda texts: self._encode(self._loaded().encode_query, texts))

    @property
    def dimension(self) -> int:
        """Embedding size, read from the model configuration (loads the model, encodes nothing)."""
        model = self._loaded()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dimension = getter()
        if not dimension:
            raise ModelError("model.no_dimension", path=self.path)
        return int(dimension)

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> np.ndarray:
        """Embed passages with the model's document prompt (and the title, where the prompt has a slot)."""
        if titles is not None and len(titles) != len(texts):
            raise ValueError(f"embed_documents got {len(titles)} titles for {len(texts)} texts")
        model = self._loaded()
        # Each text may have its own title, so the prompt is written into the texts and the model's
        # default document prompt is switched off with prompt="".
        formatted = document_inputs(model.prompts.get("document", ""), texts, titles, self.use_titles)
        return self._encode(model.encode_document, formatted, prompt="")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries with the model's query prompt (none for models without prompts); queries of
        concurrent callers share forward passes (:class:`QueryBatcher`)."""
        return self._queries(texts)

    def _encode(self, method: Any, texts: list[str], **kwargs: Any) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            # sentence-transformers sorts the inputs by length before batching and restores the order,
            # so padding stays small when chunks of mixed length arrive in one call.
            vectors = method(
                texts,
                batch_size=self.batch_size,
                show_progress_bar=self.progress,
                normalize_embeddings=True,
                convert_to_numpy=True,
                **kwargs,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _loaded(self) -> Any:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def _load(self) -> Any:
        # The hub's offline switches are set by assistant.app.disable_telemetry() at start-up;
        # local_files_only keeps this load on disk in any case.
        if not self.path.is_dir():
            raise ModelError("model.embedder_folder_missing", path=self.path)
        start = time.perf_counter()
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelError("model.st_missing", error=str(exc)) from None
        torch.set_num_threads(max(1, self.threads))
        if not self.progress:
            silence_transformers_progress()
        try:
            model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            raise ModelError("model.embedder_load_failed", path=self.path, error=str(exc)) from None
        model.max_seq_length = min(self.max_tokens, model.max_seq_length or self.max_tokens)
        self.load_seconds = time.perf_counter() - start
        return model


def create_embedder(settings: Settings, progress: bool = False) -> Embedder:
    """Resolve the configured embedding model and wrap it for the configured back end (nothing is loaded yet).

    ``embed_backend`` "auto" runs the model on OpenVINO when ``assistant setup`` exported it and the
    export passed its check against PyTorch, and on PyTorch otherwise; "openvino" insists on it;
    "torch" never uses it. See :mod:`assistant.indexing.openvino_backend`.
    """
    from ..models import resolve_embedder
    from .openvino_backend import usable_export

    resolved = resolve_embedder(settings)
    if settings.embed_backend != "torch":
        export = usable_export(settings.cache_dir, resolved.name)
        if export is not None:
            return _on_openvino(resolved, settings, *export)
        if settings.embed_backend == "openvino":
            raise ModelError("model.openvino_not_ready", name=resolved.name)
    return _on_torch(resolved, settings, progress)


def prepare_backend(settings: Settings, say: Callable[[Message], None]) -> "Stamp | None":
    """``assistant setup``'s step: export the configured embedder for OpenVINO and check it against PyTorch.

    Returns the stamp (its ``precision`` is empty when no precision passed), or None when the back end
    is set to "torch". Raises :class:`ModelError` when OpenVINO is missing or the export fails.
    """
    if settings.embed_backend == "torch":
        return None
    from ..models import resolve_embedder
    from .openvino_backend import prepare_openvino

    resolved = resolve_embedder(settings)
    return prepare_openvino(resolved.path, resolved.name, settings.cache_dir, reference=_on_torch(resolved, settings),
                            make_candidate=lambda ir, precision: _on_openvino(resolved, settings, ir, precision),
                            min_cosine=settings.embed_check_cosine, say=say)


def _on_torch(resolved: "ResolvedModel", settings: Settings, progress: bool = False) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(resolved.path, resolved.name, batch_size=settings.embed_batch_size,
                                       max_tokens=settings.embed_max_tokens, threads=settings.n_threads, progress=progress)


def _on_openvino(resolved: "ResolvedModel", settings: Settings, ir: Path, precision: str) -> Embedder:
    from .openvino_backend import OpenVINOEmbedder, model_max_tokens

    # The same token limit as sentence-transformers applies: the setting, or the model's own if lower.
    return OpenVINOEmbedder(resolved.path, resolved.name, ir, precision, batch_size=settings.embed_batch_size,
                            max_tokens=model_max_tokens(resolved.path, settings.embed_max_tokens), threads=settings.n_threads)


def document_inputs(prompt: str, texts: Sequence[str], titles: Sequence[str] | None, use_titles: bool) -> list[str]:
    """The model's input for each passage: the document prompt, with the passage's title in its slot."""
    if not (use_titles and titles is not None and _TITLE_SLOT in prompt):
        return [prompt + text for text in texts]
    return [prompt.replace(_TITLE_SLOT, f"title: {_one_line(title) or 'none'}") + text for title, text in zip(titles, texts)]


def silence_transformers_progress() -> None:
    # transformers 5 draws a "Loading weights" bar on every load, which clutters CLI output and logs.
    try:
        from transformers.utils import logging as transformers_logging
    except ImportError:
        return
    transformers_logging.disable_progress_bar()


def _one_line(text: str) -> str:
    # A newline or "|" in a title would blur the "title: … | text: …" structure the model was trained on.
    return " ".join(text.replace("|", " ").split())
