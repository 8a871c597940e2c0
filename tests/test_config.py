"""Settings: the one place where defaults are declared, and the parameter groups built from it."""

from __future__ import annotations

import ast
import re
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from assistant.app import App
from assistant.config import AnswerParams, ChunkParams, FusionParams, IngestParams, LoadLimits, Settings
from assistant.errors import ConfigError


@pytest.mark.parametrize("group", [LoadLimits, ChunkParams, IngestParams, FusionParams, AnswerParams])
def test_parameter_groups_have_no_defaults_of_their_own(group: type) -> None:
    assert all(f.default is MISSING and f.default_factory is MISSING for f in fields(group))


def test_flat_environment_variables_reach_the_groups() -> None:
    settings = Settings.from_env({
        "ASSISTANT_MAX_PAGES": "100", "ASSISTANT_MAX_FILE_MB": "2", "ASSISTANT_CHUNK_TARGET_CHARS": "300",
        "ASSISTANT_FOREIGN_BM25_FACTOR": "0.5", "ASSISTANT_FUSION": "rrf", "ASSISTANT_EXTRACTIVE_MAX_SENTENCES": "2",
        "ASSISTANT_LLM_MAX_TOKENS": "99",
    })
    assert settings.load_limits.max_pages == 100 and settings.load_limits.max_bytes == 2 * 1024 * 1024
    assert settings.ingest_params.chunking == ChunkParams(target_chars=300, max_chars=1400)
    assert settings.fusion_params.foreign_bm25_factor == 0.5 and settings.fusion_params.method == "rrf"
    assert settings.answer_params.max_sentences == 2 and settings.answer_params.max_new_tokens == 99
    with pytest.raises(ConfigError, match="ASSISTANT_MAX_READ_SECONDS"):
        Settings.from_env({"ASSISTANT_MAX_READ_SECONDS": "0"})


def test_ingest_batch_is_the_embed_batch_but_at_least_eight() -> None:
    assert Settings(embed_batch_size=4).ingest_params.batch_size == 8
    assert Settings(embed_batch_size=64).ingest_params.batch_size == 64


def test_build_app_passes_the_groups_down(app: App, settings: Settings) -> None:
    assert app.retriever.params == settings.fusion_params
    assert app.answerer.params == settings.answer_params
    assert app.ingestor.params == settings.ingest_params


def test_only_disable_telemetry_changes_the_environment() -> None:
    package = Path(__file__).resolve().parent.parent / "assistant"
    writes = re.compile(r"os\.environ(\[[^\]]*\]\s*=[^=]|\.(update|setdefault|pop|clear)\()|os\.(putenv|unsetenv)\(")
    found = [(path.relative_to(package).as_posix(), number) for path in sorted(package.rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if writes.search(line)]
    function = next(node for node in ast.parse((package / "app.py").read_text(encoding="utf-8")).body
                    if isinstance(node, ast.FunctionDef) and node.name == "disable_telemetry")
    assert found and all(path == "app.py" and function.lineno <= line <= function.end_lineno for path, line in found), found
