"""Team deployment end to end: a real `chroma run` and a real `python -m llama_cpp.server` (the small bundled model).

The assistant ingests through the Chroma server and answers through the model server; citations are
verified by our code as for the local model. Slow (the model server loads and answers on the CPU);
skipped with the reason when the small model is not set up (``assistant setup --llm small``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from assistant.app import build_app
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.models import resolve_llm
from tests.fakes import HashEmbedder
from tests.test_chroma_server import ChromaServer, _free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def model_server(tmp_path: Path) -> Iterator[str]:
    pytest.importorskip("sse_starlette", reason="llama-cpp-python's [server] extra is not installed (pip install -e '.[test]')")
    try:
        model = resolve_llm(Settings(llm="small"))
    except AssistantError as exc:
        pytest.skip(f"small bundled model not set up (assistant setup --llm small): {exc.render('en')}")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model.path), "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "4096", "--n_threads", str(os.cpu_count() or 2), "--model_alias", "qwen-small"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, "llama_cpp.server exited"
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "llama_cpp.server did not start"
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_ingest_on_chroma_server_and_answer_through_model_server(settings: Settings, tmp_path: Path, model_server: str) -> None:
    chroma = ChromaServer(tmp_path / "chroma-server")
    chroma.start()
    try:
        (settings.corpus_dir / "merkblatt.md").write_text(
            "# Merkblatt Ehrenamt\n\nDie Ehrenamtspauschale beträgt 840 Euro im Jahr. Sie ist steuerfrei.\n", encoding="utf-8")
        (settings.corpus_dir / "verein.md").write_text(
            "# Vereinsrecht\n\nEin Verein braucht mindestens sieben Mitglieder für die Eintragung.\n", encoding="utf-8")
        team = settings.with_(chroma_url=chroma.url, llm_url=model_server, llm_model="qwen-small", llm_slots=2, min_evidence=0.1)
        app = build_app(team, embedder=HashEmbedder(dimension=512))
        assert sorted(app.ingestor.ingest().added) == ["merkblatt.md", "verein.md"]
        answer = app.answerer.ask("Wie hoch ist die Ehrenamtspauschale?", mode="llm")
        assert not answer.refused and answer.mode == "llm", answer.text
        assert "840" in answer.text and answer.citations and answer.citations[0].source == "merkblatt.md"
        assert answer.attribution.get("verified", 0) >= 1 and answer.timings["prompt_tokens"] > 0
    finally:
        chroma.kill()
