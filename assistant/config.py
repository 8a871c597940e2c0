"""Settings: one frozen object, read from ``ASSISTANT_*`` environment variables once in ``main()``.

Every setting has a documented default, declared here and nowhere else: the stages receive parameter
groups (:class:`FusionParams`, :class:`AnswerParams`, :class:`IngestParams`, ...) that ``Settings``
builds and that have no defaults of their own. :func:`Settings.from_env` validates values and raises
:class:`~assistant.errors.ConfigError` naming the variable when one is malformed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, Mapping

from .errors import ConfigError
from .messages import LANGUAGES

#: The repository root when installed from a checkout (editable install); the working directory otherwise.
_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def _default_home() -> Path:
    if (_PACKAGE_PARENT / "pyproject.toml").exists():
        return _PACKAGE_PARENT
    return Path.cwd()


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "beratungsassistent"


# -- parameter groups: what each stage receives. Their values come from Settings, which declares every
# default (see the properties at the end of Settings); the groups deliberately have none of their own.


@dataclass(frozen=True)
class LoadLimits:
    """Bounds on the work one document may cause, so a hostile file cannot stall or exhaust the machine.

    Reading stops at the first bound reached, with a DocumentError naming it.
    """

    #: Largest file read at all, in bytes.
    max_bytes: int
    #: Most pages of a PDF.
    max_pages: int
    #: Most characters of extracted text.
    max_chars: int
    #: Most text fragments pypdf may hand over for one PDF (each costs memory, however short).
    max_fragments: int
    #: Wall-clock budget for reading one document, in seconds.
    max_seconds: float


@dataclass(frozen=True)
class ChunkParams:
    """Chunk sizes in characters: chunks end at sentence boundaries near ``target_chars``."""

    target_chars: int
    max_chars: int


@dataclass(frozen=True)
class IngestParams:
    """What the ingestor needs besides the index and the embedder."""

    chunking: ChunkParams
    limits: LoadLimits
    #: Chunks embedded and written to the vector store per step (a crash loses at most one step).
    batch_size: int


@dataclass(frozen=True)
class FusionParams:
    """How the dense and BM25 rankings are combined; measurements behind the defaults: docs/RETRIEVAL.md."""

    candidates: int
    dense_weight: float
    bm25_weight: float
    #: Factor on ``bm25_weight`` for queries not in German (cross-lingual: BM25 cannot match them).
    foreign_bm25_factor: float
    rrf_k: int
    #: "rrf": weighted reciprocal rank fusion; "convex": weighted sum of cosine and max-normalised BM25.
    method: Literal["rrf", "convex"]
    #: Add funding-guideline terms to the keyword query (see answering/expansion.py).
    expand: bool


@dataclass(frozen=True)
class AnswerParams:
    """Tunables of the answer stage; calibration in docs/ANSWERS.md."""

    k: int
    #: Refuse when the best hit's cosine similarity to the question is below this.
    min_evidence: float
    #: Below this similarity, a German question that names something the corpus never mentions
    #: ("EXIST-Gründerstipendium", "ZIM", "Kindergeld") is refused: the hits are about something else.
    sure_evidence: float
    #: Down to this similarity, a question whose names all occur in the best hit is answered (a table
    #: row on "EYECAPTAIN" is a weak match for "Wie wird bei EyeCaptain …?" as a whole chunk).
    named_evidence: float
    #: Sentences in an extractive answer (at most).
    max_sentences: int
    #: A question asking for a detail (an amount, a date, a count) is refused unless the chunks of this
    #: many best units ...
    detail_units: int
    #: ... within this margin of the best state such a detail (the answer may quote weaker matches).
    detail_margin: float
    #: Extractive: drop sentences scoring more than this below the best sentence.
    sentence_margin: float
    #: Extractive: weight of the chunk's retrieval rank against the sentence's own similarity.
    chunk_weight: float
    #: Chunks retrieved and re-ranked by their best evidence unit before the top k are kept ...
    rerank_candidates: int
    #: ... with this weight on that unit's similarity (0: retrieval order).
    rerank_weight: float
    #: Search each part of a two-part question on its own and keep each part's best chunk in the top k.
    split_questions: bool
    #: Written answers: evidence units given to the model (each with its neighbouring sentences) ...
    prompt_units: int
    #: ... scoring at most this much below the best unit ...
    prompt_margin: float
    #: ... and at most this many characters of excerpts in all (the prompt-length lever on a CPU).
    prompt_chars: int
    max_new_tokens: int


@dataclass(frozen=True)
class Settings:
    """All tunables of the assistant. Environment variable: ``ASSISTANT_`` + upper-case field name."""

    #: Folder with the project layout (corpus/, index/, models/). Default: the checkout.
    home: Path = field(default_factory=_default_home)
    #: Knowledge base folder to ingest by default. Default: ``<home>/corpus``.
    corpus_dir: Path | None = None
    #: Where the vector store, BM25 index and manifest live. Default: ``<home>/index``.
    index_dir: Path | None = None
    #: User-supplied models (a sentence-transformers folder, ``*.gguf``). Default: ``<home>/models``.
    models_dir: Path | None = None
    #: Logins of the web UI: "name:bcrypt-hash" lines, managed with ``assistant users add``. Default:
    #: ``<home>/users.txt``. With users in it the UI asks for a login; off loopback it must have users.
    users_file: Path | None = None
    #: Cache for assembled bundled models and downloaded packages. Default: ``~/.cache/beratungsassistent``.
    cache_dir: Path = field(default_factory=_default_cache)

    #: Embedding model: a folder path or a model name. Empty: ``models/`` folder, then bundled EmbeddingGemma.
    embedder: str = ""
    #: Documents embedded per forward pass (8 and 16 run alike on PyTorch; 8 is about 7 % faster on OpenVINO,
    #: docs/BENCHMARKS.md).
    embed_batch_size: int = 8
    #: Max tokens the embedder reads per chunk (longer input is truncated by the model).
    embed_max_tokens: int = 512
    #: Keep document vectors in ``<cache_dir>/embeddings.sqlite`` (keyed by model and exact input), so no
    #: chunk is ever embedded twice, also across rebuilt or additional indexes. ``0`` switches it off.
    embed_cache: bool = True
    #: The embedding cache's file. Default: ``<cache_dir>/embeddings.sqlite``.
    embed_cache_file: Path | None = None
    #: In the web UI, embed the sentences of every indexed chunk into the embedding cache in idle time
    #: (after indexing and after each upload), so that a first question is as fast as a repeated one
    #: (0.04 s instead of 0.7 s p50 on two cores); costs about one more cold ingest of CPU once. ``0``: on demand only.
    evidence_warmup: bool = True
    #: What runs the embedder: "auto" (OpenVINO when `assistant setup` exported and checked it, else
    #: PyTorch), "openvino" (required) or "torch".
    embed_backend: str = "auto"
    #: Set-up check of a faster back end: lowest cosine to PyTorch's vectors it must reach (and the same
    #: top-5 passages for every sample question).
    embed_check_cosine: float = 0.999

    # Reading limits per document: far above any real funding guide, paper or law (the largest in the
    # corpus has 45 pages), they stop decompression bombs, text bombs and runaway files.
    #: Largest file read at all, in megabytes.
    max_file_mb: int = 512
    #: Most pages of a PDF.
    max_pages: int = 5000
    #: Most characters of text extracted from one document (about 5,000 densely printed pages).
    max_document_chars: int = 10_000_000
    #: Most text fragments one PDF may hand over (tiny print in millions of pieces is a text bomb).
    max_pdf_fragments: int = 1_000_000
    #: Seconds reading one document may take.
    max_read_seconds: float = 300.0

    #: Target chunk size in characters (chunks end at sentence boundaries at or below ``chunk_max_chars``).
    chunk_target_chars: int = 900
    #: Hard upper bound for a chunk in characters (a single longer sentence is split at word boundaries).
    chunk_max_chars: int = 1400

    #: Number of results returned by search.
    top_k: int = 5
    #: Candidates taken from each retriever before fusion.
    candidates: int = 50
    #: Weight of the dense ranking in reciprocal-rank fusion.
    dense_weight: float = 1.0
    #: Weight of BM25 in fusion (the dense weight is 1.0); not used for non-German queries, which BM25
    #: over German text cannot match. Tuned on XQuAD-de and the dev set: see docs/RETRIEVAL.md.
    bm25_weight: float = 0.2
    #: Factor on the BM25 weight for queries not in German; 0 ranks them by the dense retriever alone.
    foreign_bm25_factor: float = 0.0
    #: Fusion method: "convex" (cosine + weight × max-normalised BM25) or "rrf" (weighted reciprocal rank).
    fusion: str = "convex"
    #: RRF constant k in 1 / (k + rank) (fusion "rrf" only).
    rrf_k: int = 60
    #: Add the funding-guideline terms for everyday wordings to the keyword query ("schon angefangen" →
    #: "vorzeitiger Maßnahmebeginn"); measured in docs/RETRIEVAL.md.
    query_expansion: bool = True

    #: Answers re-rank this many retrieved chunks (at least k) by their best sentence before taking the
    #: top k: a chunk whose one sentence states the fact ("Eine Förderung bereits begonnener Projekte findet
    #: nicht statt") loses as a whole against chunks on the same programme. Tuned on the blind set's
    #: tuning part (docs/BENCHMARKS.md): 15 finds one more tuning question than 10 and keeps the first
    #: evidence under a second (p50) with nothing cached; the UI's warm-up makes it ~0.04 s.
    rerank_candidates: int = 15
    #: Weight of the best sentence's cosine similarity added to the chunk's fused score; 0 switches it off.
    rerank_weight: float = 0.8
    #: A question that asks two things ("…, und wann …?", "der Richtlinie X und der Richtlinie Y") is also
    #: searched part by part, and each part's best chunk kept among the top k (answering/decomposition.py).
    split_questions: bool = True
    #: Refuse to answer when the best retrieved chunk's cosine similarity to the question is below this.
    min_evidence: float = 0.30
    #: Above this similarity a question is answered even if it names something the corpus lacks.
    sure_evidence: float = 0.50
    #: Down to this similarity a question is answered when every name it uses occurs in the best hit.
    named_evidence: float = 0.20
    #: Extractive answers: most sentences quoted.
    extractive_max_sentences: int = 6
    #: A question asking for an amount, a date or a count is refused unless the chunks of this many best
    #: evidence units state one (fewer than are quoted: a weak sixth match must not make it answerable) ...
    detail_units: int = 4
    #: ... scoring at most this much below the best unit.
    detail_margin: float = 0.12
    #: Extractive answers: leave out sentences scoring more than this below the best one.
    extractive_sentence_margin: float = 0.25
    #: Extractive answers: weight of the chunk's retrieval score against the sentence's own similarity.
    extractive_chunk_weight: float = 0.3
    #: Written answers: evidence units (sentences, list blocks) the model sees, each with its neighbours.
    llm_evidence_units: int = 6
    #: Written answers: leave out units scoring more than this below the best one.
    llm_evidence_margin: float = 0.2
    #: Written answers: most characters of source excerpts in the prompt (prompt length sets the first-token time).
    llm_evidence_chars: int = 1800

    #: GGUF chat model: a file path, or ``small`` for the bundled Qwen2.5-Coder-0.5B. Empty or ``default``:
    #: newest ``models/*.gguf``, then the bundled Qwen2.5-Coder-1.5B-Instruct.
    llm: str = ""
    #: Context window of the chat model in tokens.
    llm_context: int = 4096
    #: Max tokens generated per answer.
    llm_max_tokens: int = 384
    #: llama.cpp's flash attention for the local chat model: llama.cpp's own default, which llama-cpp-python
    #: turns off unless asked; the 1.5B model read 600 prompt tokens (after 450 cached) 4 and 11 % faster with
    #: it in two paired runs on a 2-core Intel Xeon. ``0``: off.
    llm_flash_attention: bool = True
    #: Team deployment: a Chroma server (``chroma run``) for the vectors, e.g. ``http://127.0.0.1:8000``. Empty:
    #: embedded Chroma in ``index_dir``. The manifest and the BM25 index stay in ``index_dir`` either way.
    chroma_url: str = ""
    #: The collection on that server (several installations can share one server with different collections).
    chroma_collection: str = "chunks"
    #: Team deployment: an OpenAI-compatible server's ``/v1`` base URL (llama_cpp.server, llama-server, vLLM,
    #: Ollama) that writes the answers instead of the local GGUF. Empty: the local model.
    llm_url: str = ""
    #: The model name the server expects (``model`` in the request); empty for servers that serve one model.
    llm_model: str = ""
    #: Bearer token for the model server, if it requires one.
    llm_api_key: str = field(default="", repr=False)
    #: Seconds to wait for the model server (to connect: at most 10) and between two streamed pieces.
    llm_timeout_s: float = 120.0
    #: Answers the chat model writes at once: 1 for the local model; a server's parallel slots otherwise.
    llm_slots: int = 1
    #: CPU threads for llama.cpp and torch (0 = all cores).
    threads: int = 0

    #: Largest document the web UI accepts for upload, in megabytes.
    upload_max_mb: int = 50
    #: Language of the CLI's messages and errors, and the UI's language at start: "de" or "en".
    language: str = "de"
    #: The date validity and deadlines are checked against, YYYY-MM-DD. Empty: the computer's date. Set it
    #: for "what if" planning ("is the guideline still open on 1 March 2027?") and for reproducible tests.
    today: str = ""

    def __post_init__(self) -> None:
        home = Path(self.home).expanduser()
        object.__setattr__(self, "home", home)
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())
        for name, sub in (("corpus_dir", "corpus"), ("index_dir", "index"), ("models_dir", "models"), ("users_file", "users.txt")):
            value = getattr(self, name)
            object.__setattr__(self, name, Path(value).expanduser() if value else home / sub)
        if self.chunk_target_chars < 100 or self.chunk_max_chars < self.chunk_target_chars:
            raise ConfigError("config.chunk_sizes", target=self.chunk_target_chars, maximum=self.chunk_max_chars)
        for name in ("embed_batch_size", "embed_max_tokens", "top_k", "candidates", "rrf_k", "llm_context", "llm_max_tokens", "llm_slots", "upload_max_mb",
                     "max_file_mb", "max_pages", "max_document_chars", "max_pdf_fragments", "extractive_max_sentences",
                     "detail_units", "llm_evidence_units", "llm_evidence_chars"):
            if getattr(self, name) < 1:
                raise ConfigError("config.not_positive", variable=f"ASSISTANT_{name.upper()}", value=getattr(self, name))
        if self.threads < 0:
            raise ConfigError("config.threads", value=self.threads)
        if self.fusion not in ("convex", "rrf"):
            raise ConfigError("config.fusion", value=self.fusion)
        if self.dense_weight < 0 or self.bm25_weight < 0 or self.dense_weight + self.bm25_weight == 0:
            raise ConfigError("config.weights")
        if self.max_read_seconds <= 0:
            raise ConfigError("config.read_seconds", value=self.max_read_seconds)
        for name in ("foreign_bm25_factor", "extractive_sentence_margin", "detail_margin", "extractive_chunk_weight", "llm_evidence_margin",
                     "rerank_weight", "rerank_candidates"):
            if getattr(self, name) < 0:
                raise ConfigError("config.negative", variable=f"ASSISTANT_{name.upper()}", value=getattr(self, name))
        if self.embed_backend not in ("auto", "openvino", "torch"):
            raise ConfigError("config.embed_backend", value=self.embed_backend)
        if not 0 <= self.embed_check_cosine <= 1:
            raise ConfigError("config.check_cosine", value=self.embed_check_cosine)
        if self.language not in LANGUAGES:
            raise ConfigError("config.language", value=self.language)
        if self.llm_url and not re.match(r"^https?://[^/\s]+", self.llm_url.strip()):
            raise ConfigError("config.llm_url", value=self.llm_url)
        if self.llm_timeout_s <= 0:
            raise ConfigError("config.not_positive", variable="ASSISTANT_LLM_TIMEOUT_S", value=self.llm_timeout_s)
        if self.embed_cache_file and Path(self.embed_cache_file).expanduser().is_dir():
            # The cache sets an unreadable file aside and starts afresh: it must never move a folder.
            raise ConfigError("config.cache_file_is_dir", value=self.embed_cache_file)
        if self.today:
            try:
                dt.date.fromisoformat(self.today.strip())
            except ValueError:
                raise ConfigError("config.today", value=self.today) from None

    def today_date(self) -> dt.date:
        """The date validity is checked against: ``today`` or the computer's date (asked each time)."""
        return dt.date.fromisoformat(self.today.strip()) if self.today else dt.date.today()

    @property
    def embed_cache_path(self) -> Path:
        """The embedding cache's file: ``embed_cache_file`` or ``<cache_dir>/embeddings.sqlite``."""
        return Path(self.embed_cache_file).expanduser() if self.embed_cache_file else self.cache_dir / "embeddings.sqlite"

    @property
    def n_threads(self) -> int:
        """Threads to use: the setting, or all available cores."""
        return self.threads or (os.cpu_count() or 1)

    @property
    def load_limits(self) -> LoadLimits:
        """What reading one document may cost."""
        return LoadLimits(
            max_bytes=self.max_file_mb * 1024 * 1024,
            max_pages=self.max_pages,
            max_chars=self.max_document_chars,
            max_fragments=self.max_pdf_fragments,
            max_seconds=self.max_read_seconds,
        )

    @property
    def chunk_params(self) -> ChunkParams:
        """Chunk sizes."""
        return ChunkParams(target_chars=self.chunk_target_chars, max_chars=self.chunk_max_chars)

    @property
    def ingest_params(self) -> IngestParams:
        """The ingestor's parameters.

        The ingest batch (chunks embedded and written to the vector store in one step) is
        ``embed_batch_size`` but at least 8, the floor the assistant has always applied; the embedder
        itself runs forward passes of ``embed_batch_size``.
        """
        return IngestParams(chunking=self.chunk_params, limits=self.load_limits, batch_size=max(self.embed_batch_size, 8))

    @property
    def fusion_params(self) -> FusionParams:
        """How retrieval combines its dense and BM25 rankings."""
        return FusionParams(
            candidates=self.candidates,
            dense_weight=self.dense_weight,
            bm25_weight=self.bm25_weight,
            foreign_bm25_factor=self.foreign_bm25_factor,
            rrf_k=self.rrf_k,
            method="convex" if self.fusion == "convex" else "rrf",
            expand=self.query_expansion,
        )

    @property
    def answer_params(self) -> AnswerParams:
        """The answer stage's parameters."""
        return AnswerParams(
            k=self.top_k,
            min_evidence=self.min_evidence,
            sure_evidence=self.sure_evidence,
            named_evidence=self.named_evidence,
            max_sentences=self.extractive_max_sentences,
            detail_units=self.detail_units,
            detail_margin=self.detail_margin,
            sentence_margin=self.extractive_sentence_margin,
            chunk_weight=self.extractive_chunk_weight,
            rerank_candidates=self.rerank_candidates,
            rerank_weight=self.rerank_weight,
            split_questions=self.split_questions,
            prompt_units=self.llm_evidence_units,
            prompt_margin=self.llm_evidence_margin,
            prompt_chars=self.llm_evidence_chars,
            max_new_tokens=self.llm_max_tokens,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Build settings from ``ASSISTANT_*`` variables, then apply explicit overrides (CLI options)."""
        environ = os.environ if environ is None else environ
        for retired in ("ASSISTANT_UI_USER", "ASSISTANT_UI_PASSWORD"):
            if environ.get(retired):
                # A password in the environment leaks into process listings and logs: logins live in users_file.
                raise ConfigError("config.password_in_env", variable=retired)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f"ASSISTANT_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> "Settings":
        """A copy with some fields changed (used by tests and benchmarks)."""
        return replace(self, **changes)


_TRUE, _FALSE = {"1", "true", "yes", "on", "ja"}, {"0", "false", "no", "off", "nein"}


def _convert(name: str, type_: Any, raw: str) -> Any:
    type_name = type_ if isinstance(type_, str) else getattr(type_, "__name__", str(type_))
    if type_name == "bool":
        if raw.strip().lower() in _TRUE | _FALSE:
            return raw.strip().lower() in _TRUE
        raise ConfigError("config.not_bool", variable=f"ASSISTANT_{name.upper()}", value=raw)
    try:
        if "int" in type_name:
            return int(raw)
        if "float" in type_name:
            return float(raw)
    except ValueError:
        raise ConfigError("config.not_a_number", variable=f"ASSISTANT_{name.upper()}", value=raw, kind=type_name.split()[0]) from None
    if "Path" in type_name:
        return Path(raw)
    return raw
