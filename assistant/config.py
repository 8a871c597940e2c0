"""Settings: one frozen object, read from ``ASSISTANT_*`` environment variables once in ``main()``.

Every setting has a documented default; :func:`Settings.from_env` validates values and raises
:class:`~assistant.errors.ConfigError` naming the variable when one is malformed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError

#: The repository root when installed from a checkout (editable install); the working directory otherwise.
_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def _default_home() -> Path:
    if (_PACKAGE_PARENT / "pyproject.toml").exists():
        return _PACKAGE_PARENT
    return Path.cwd()


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "beratungsassistent"


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
    #: Cache for assembled bundled models and downloaded packages. Default: ``~/.cache/beratungsassistent``.
    cache_dir: Path = field(default_factory=_default_cache)

    #: Embedding model: a folder path or a model name. Empty: ``models/`` folder, then bundled EmbeddingGemma.
    embedder: str = ""
    #: Documents embedded per forward pass.
    embed_batch_size: int = 16
    #: Max tokens the embedder reads per chunk (longer input is truncated by the model).
    embed_max_tokens: int = 512
    #: Keep document vectors in ``<cache_dir>/embeddings.sqlite`` (keyed by model and exact input), so no
    #: chunk is ever embedded twice, also across rebuilt or additional indexes. ``0`` switches it off.
    embed_cache: bool = True

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
    #: Fusion method: "convex" (cosine + weight × max-normalised BM25) or "rrf" (weighted reciprocal rank).
    fusion: str = "convex"
    #: RRF constant k in 1 / (k + rank) (fusion "rrf" only).
    rrf_k: int = 60

    #: Refuse to answer when the best retrieved chunk's cosine similarity to the question is below this.
    min_evidence: float = 0.30
    #: Above this similarity a question is answered even if it names something the corpus lacks.
    sure_evidence: float = 0.55

    #: GGUF chat model: a file path. Empty: newest ``models/*.gguf``, then the bundled Gemma 3 270M.
    llm: str = ""
    #: Context window of the chat model in tokens.
    llm_context: int = 4096
    #: Max tokens generated per answer.
    llm_max_tokens: int = 384
    #: CPU threads for llama.cpp and torch (0 = all cores).
    threads: int = 0

    #: Largest document the web UI accepts for upload, in megabytes.
    upload_max_mb: int = 50

    def __post_init__(self) -> None:
        home = Path(self.home).expanduser()
        object.__setattr__(self, "home", home)
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())
        for name, sub in (("corpus_dir", "corpus"), ("index_dir", "index"), ("models_dir", "models")):
            value = getattr(self, name)
            object.__setattr__(self, name, Path(value).expanduser() if value else home / sub)
        if self.chunk_target_chars < 100 or self.chunk_max_chars < self.chunk_target_chars:
            raise ConfigError(
                "ASSISTANT_CHUNK_TARGET_CHARS must be >= 100 and <= ASSISTANT_CHUNK_MAX_CHARS "
                f"(got {self.chunk_target_chars} and {self.chunk_max_chars})."
            )
        for name in ("embed_batch_size", "embed_max_tokens", "top_k", "candidates", "rrf_k", "llm_context", "llm_max_tokens", "upload_max_mb"):
            if getattr(self, name) < 1:
                raise ConfigError(f"ASSISTANT_{name.upper()} must be a positive integer (got {getattr(self, name)}).")
        if self.threads < 0:
            raise ConfigError(f"ASSISTANT_THREADS must be 0 (all cores) or positive (got {self.threads}).")
        if self.fusion not in ("convex", "rrf"):
            raise ConfigError(f"ASSISTANT_FUSION must be 'convex' or 'rrf' (got {self.fusion!r}).")
        if self.dense_weight < 0 or self.bm25_weight < 0 or self.dense_weight + self.bm25_weight == 0:
            raise ConfigError("ASSISTANT_DENSE_WEIGHT and ASSISTANT_BM25_WEIGHT must be >= 0 and not both 0.")

    @property
    def n_threads(self) -> int:
        """Threads to use: the setting, or all available cores."""
        return self.threads or (os.cpu_count() or 1)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Build settings from ``ASSISTANT_*`` variables, then apply explicit overrides (CLI options)."""
        environ = os.environ if environ is None else environ
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
        raise ConfigError(f"ASSISTANT_{name.upper()}={raw!r} must be 1 or 0 (true/false, on/off).")
    try:
        if "int" in type_name:
            return int(raw)
        if "float" in type_name:
            return float(raw)
    except ValueError:
        raise ConfigError(f"ASSISTANT_{name.upper()}={raw!r} is not a valid {type_name.split()[0]}.") from None
    if "Path" in type_name:
        return Path(raw)
    return raw
