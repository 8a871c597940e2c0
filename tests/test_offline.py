"""Offline, verifiably: ingest, search and ask (library and CLI) with every outbound connection blocked.

The ``no_network`` fixture (tests/conftest.py) refuses and records any attempt to resolve or connect to
a non-loopback address and sets the telemetry switches exactly as ``disable_telemetry()`` does; a
test fails at teardown if anything tried, even if the library swallowed the error.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from assistant.app import build_app
from assistant.config import Settings
from tests.conftest import Cli, NetworkGuard, OfflineViolation
from tests.fakes import HashEmbedder, ScriptedChatModel
from tests.pdf_factory import make_pdf

#: Every switch that keeps a library we use from phoning home (and the values that do it).
TELEMETRY_SWITCHES = {
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "DO_NOT_TRACK": "1",
}


def _corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    make_pdf(
        folder / "richtlinie.pdf",
        [["# 3 Zuwendungsempfaenger", "", "Antragsberechtigt sind gemeinnuetzige Vereine und Stiftungen."],
         ["# 5 Umfang", "", "Die Zuwendung betraegt hoechstens 90 Prozent der Ausgaben."]],
        title="Richtlinie Gemeinwohl-Daten",
    )
    (folder / "bienen.md").write_text(
        "# Bee Observer\n\nBee Observer misst mit Sensoren in Bienenstoecken Temperatur und Gewicht.\n", encoding="utf-8"
    )


def test_guard_blocks_outbound_and_allows_loopback(no_network: NetworkGuard) -> None:
    """The guard itself: outbound refused and recorded, loopback and local names still work."""
    with pytest.raises(OfflineViolation):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    with pytest.raises(OfflineViolation):
        socket.getaddrinfo("huggingface.co", 443)
    with pytest.raises(OfflineViolation):
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM).connect_ex(("2001:db8::1", 443, 0, 0))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
    assert socket.getaddrinfo("localhost", 80)
    assert no_network.attempts == ["create_connection 192.0.2.1:80", "getaddrinfo huggingface.co", "connect_ex 2001:db8::1:443"]
    no_network.attempts.clear()  # these were provoked on purpose


def test_telemetry_switches_are_set(no_network: NetworkGuard) -> None:
    # A library imported earlier may have set a switch in its own spelling ("True" for "1").
    spellings = {"1": {"1", "true"}, "False": {"false", "0"}}
    for name, value in TELEMETRY_SWITCHES.items():
        assert os.environ.get(name, "").lower() in spellings[value], name


def test_ingest_search_and_ask_make_no_connection(no_network: NetworkGuard, tmp_path: Path) -> None:
    _corpus(tmp_path / "corpus")
    settings = Settings(home=tmp_path, cache_dir=tmp_path / "cache", min_evidence=0.15)
    reply = "Antragsberechtigt sind gemeinnuetzige Vereine und Stiftungen [1]."
    app = build_app(settings, embedder=HashEmbedder(dimension=4096), chat_model=ScriptedChatModel(reply))
    report = app.ingestor.ingest()
    assert sorted(report.added) == ["bienen.md", "richtlinie.pdf"]
    assert app.retriever.search("Antragsberechtigt Vereine", 2)[0].chunk.source == "richtlinie.pdf"
    extractive = app.answerer.ask("Wer ist antragsberechtigt?", mode="extractive")
    assert not extractive.refused and "Vereine und Stiftungen" in extractive.text
    generated = app.answerer.ask("Wer ist antragsberechtigt?", mode="llm")
    assert generated.mode == "llm" and generated.text.startswith(reply)
    assert app.answerer.ask("Wie wird das Wetter morgen?", mode="llm").refused


@pytest.fixture
def cli_home(cli: Cli) -> Cli:
    """The CLI on a small corpus, with an embedder whose scores need a lower evidence threshold."""
    _corpus(cli.home / "corpus")
    cli.dimension = 4096
    cli.env(min_evidence=0.15)
    return cli


def test_cli_commands_make_no_connection(no_network: NetworkGuard, cli_home: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    cli = cli_home
    assert cli("ingest", "--quiet") == 0
    assert cli("documents") == 0
    assert cli("search", "--json", "Antragsberechtigt Vereine") == 0
    capsys.readouterr()
    assert cli("ask", "--json", "--mode", "extractive", "Wer ist antragsberechtigt?") == 0
    answer = json.loads(capsys.readouterr().out)
    assert not answer["refused"] and answer["citations"][0]["source"] == "richtlinie.pdf"


def test_eval_on_a_fresh_checkout_indexes_the_corpus_first(
    no_network: NetworkGuard, cli_home: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "qa.jsonl"
    questions.write_text(json.dumps({"id": "q1", "q": "Wer ist antragsberechtigt?", "type": "fact",
                                     "gold": ["antragsberechtigt"], "facts": [["Vereine"]]}, ensure_ascii=False), encoding="utf-8")
    assert not (tmp_path / "index" / "manifest.json").exists()
    assert cli_home("eval", str(questions), "--modes", "extractive", "--out", str(tmp_path / "report")) == 0
    assert "wird zuerst indexiert" in capsys.readouterr().err
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["extractive"]["hit@5"] == 1.0


@pytest.mark.slow
def test_real_embedder_loads_and_answers_offline(no_network: NetworkGuard, tmp_path: Path) -> None:
    """The real sentence-transformers stack (MiniLM from its package) never reaches for the hub."""
    _corpus(tmp_path / "corpus")
    settings = Settings(home=tmp_path, cache_dir=tmp_path / "cache", embedder="minilm", threads=2)
    app = build_app(settings)
    assert sorted(app.ingestor.ingest().added) == ["bienen.md", "richtlinie.pdf"]
    hits = app.retriever.search("Which project measures the temperature of beehives?", 1)
    assert hits[0].chunk.source == "bienen.md"
    answer = app.answerer.ask("Wer ist antragsberechtigt?", mode="extractive")
    assert answer.citations and answer.citations[0].source == "richtlinie.pdf"


def test_web_ui_starts_serves_and_answers_offline(no_network: NetworkGuard, tmp_path: Path) -> None:
    """The server ``assistant ui`` runs (``ui.web_server``, started by ``serve``) on loopback: the page loads
    and one chat request is answered through Gradio's queue over HTTP, with every outbound connection blocked."""
    import threading
    import time
    import urllib.request
    import uuid

    from assistant.web.serving import pick_port
    from assistant.web.ui import web_server

    _corpus(tmp_path / "corpus")
    settings = Settings(home=tmp_path, cache_dir=tmp_path / "cache", min_evidence=0.15)
    reply = "Antragsberechtigt sind gemeinnuetzige Vereine und Stiftungen [1]."
    app = build_app(settings, embedder=HashEmbedder(dimension=4096), chat_model=ScriptedChatModel(reply))
    app.ingestor.ingest()
    port = pick_port("127.0.0.1", None)
    server = web_server(app, "127.0.0.1", port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # No proxy: a proxy from the environment would be a connection to another machine.
    http = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    base = f"http://127.0.0.1:{port}"
    try:
        started_by = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < started_by, "the UI server did not start"
            time.sleep(0.05)
        with http.open(base + "/", timeout=30) as page:
            assert page.status == 200 and "<html" in page.read().decode("utf-8").lower()
        with http.open(base + "/config", timeout=30) as response:
            config = json.load(response)
        ask = next(d for d in config["dependencies"] if d["api_name"] == "ask")
        session = uuid.uuid4().hex
        body = {"data": ["Wer ist antragsberechtigt?", "llm", None], "fn_index": ask["id"],
                "trigger_id": ask["targets"][0][0], "session_hash": session}
        request = urllib.request.Request(
            f"{base}{config['api_prefix']}/queue/join", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        with http.open(request, timeout=30) as joined:
            assert "event_id" in json.load(joined)
        messages = []
        with http.open(f"{base}{config['api_prefix']}/queue/data?session_hash={session}", timeout=30) as stream:
            for line in stream:
                if line.startswith(b"data:"):
                    messages.append(json.loads(line[5:]))
                    if messages[-1]["msg"] == "process_completed":
                        break
        assert messages[-1]["msg"] == "process_completed" and messages[-1]["success"], messages[-1]
        chat = messages[-1]["output"]["data"][0]
        answer = chat[-1]["content"][0]["text"]
        assert "Vereine und Stiftungen" in answer and 'class="cite"' in answer
    finally:
        server.should_exit = True
        thread.join(10)
    assert no_network.attempts == []
