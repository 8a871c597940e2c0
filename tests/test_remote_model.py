"""The OpenAI-compatible model server client, against a small local server that speaks the protocol."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from assistant.answering.remote import OpenAIChatModel
from assistant.app import build_app
from assistant.config import Settings
from assistant.errors import ConfigError, ModelError
from assistant.web.conversation import LlmQueue
from tests.fakes import HashEmbedder


class FakeServer:
    """An OpenAI-compatible server on a free localhost port; ``mode`` chooses how it behaves."""

    def __init__(self, mode: str = "ok", tokenizer: str = "extras") -> None:
        self.mode = mode
        self.tokenizer = tokenizer
        self.requests: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                outer.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                if self.path == "/extras/tokenize/count" and outer.tokenizer == "extras":
                    return self._json({"count": len(body["input"].split())})
                if self.path == "/tokenize" and outer.tokenizer == "tokenize":
                    return self._json({"tokens": list(range(len(body["content"].split())))})
                if self.path != "/v1/chat/completions":
                    return self._json({"error": "not found"}, 404)
                if outer.mode == "error":
                    return self._json({"error": {"message": "model not loaded"}}, 503)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                if outer.mode == "garbage":
                    self.wfile.write(b"<html>proxy error</html>\n")
                    return
                if outer.mode == "slow":
                    time.sleep(2)
                for event in outer.events(body["messages"]):
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

            def _json(self, data: object, status: int = 200) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def events(messages: list[dict[str, str]]) -> Iterator[dict[str, Any]]:
        """Quotes the first sentence of the first source with [1], piece by piece, then the usage."""
        block = re.search(r"^\[1\] [^\n]*\n(.*?)(?:\n\[2\] |\n\n|$)", messages[-1]["content"], re.DOTALL | re.MULTILINE)
        sentence = re.split(r"(?<=\.)\s+", block.group(1).strip())[0].rstrip(".") if block else "Keine Quelle"
        pieces = re.findall(r"\S+\s*", sentence + " [1].")
        for piece in pieces:
            yield {"choices": [{"index": 0, "delta": {"content": piece}}]}
        yield {"choices": [], "usage": {"prompt_tokens": 321, "completion_tokens": len(pieces)}}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    yield fake
    fake.close()


def _model(url: str, timeout: float = 5.0, **kwargs: Any) -> OpenAIChatModel:
    return OpenAIChatModel(url, "qwen", "geheim", context_window=4096, timeout_s=timeout, **kwargs)


MESSAGES = [{"role": "user", "content": "Quellen:\n[1] Merkblatt\nAntragsberechtigt sind Vereine. Mehr.\n\nFrage: Wer?"}]


def test_streams_pieces_with_usage_and_sends_model_and_key(server: FakeServer) -> None:
    model = _model(server.url)
    generation = model.stream(MESSAGES, max_tokens=64, stop=["</s>"])
    assert "".join(generation) == "Antragsberechtigt sind Vereine [1]."
    assert generation.stats.prompt_tokens == 321 and generation.stats.completion_tokens == 4
    request = server.requests[-1]
    assert request["auth"] == "Bearer geheim"
    assert request["body"]["model"] == "qwen" and request["body"]["stream"] is True and request["body"]["stop"] == ["</s>"]
    assert model.has_chat_template and model.context_window == 4096 and model.name == f"qwen @ {server.url.split('/')[2]}"


def test_token_counts_use_the_servers_tokenizer_or_a_conservative_estimate() -> None:
    for tokenizer, expected in [("extras", 3), ("tokenize", 3), ("none", 6)]:
        fake = FakeServer(tokenizer=tokenizer)
        try:
            assert _model(fake.url).count_tokens("drei Wörter hier") == expected  # estimate: ceil(16 / 3.0) chars
        finally:
            fake.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("mode, message", [("error", "meldet Fehler 503"), ("garbage", "keine Antwort im OpenAI-Format")])
def test_server_errors_become_clear_messages(mode: str, message: str) -> None:
    fake = FakeServer(mode)
    try:
        with pytest.raises(ModelError) as raised:
            "".join(_model(fake.url).stream(MESSAGES, 32))
        assert message in raised.value.render("de")
    finally:
        fake.close()


def test_unreachable_and_slow_servers_never_hang() -> None:
    with pytest.raises(ModelError) as raised:
        "".join(_model(f"http://127.0.0.1:{_free_port()}/v1").stream(MESSAGES, 32))
    assert "nicht erreichbar" in raised.value.render("de")
    slow = FakeServer("slow")
    try:
        started = time.monotonic()
        with pytest.raises(ModelError) as raised:
            "".join(_model(slow.url, timeout=0.5).stream(MESSAGES, 32))
        assert "nicht rechtzeitig" in raised.value.render("de") and time.monotonic() - started < 2
    finally:
        slow.close()


def test_bad_server_url_settings() -> None:
    with pytest.raises(ConfigError, match="http"):
        Settings(llm_url="127.0.0.1:8080")
    with pytest.raises(ModelError):
        _model("ftp://server/v1")


def test_answers_through_the_server_are_attributed_and_verified(settings: Settings, server: FakeServer) -> None:
    (settings.corpus_dir / "merkblatt.md").write_text("# Merkblatt\n\nAntragsberechtigt sind gemeinnützige Vereine in Sachsen.\n",
                                                        encoding="utf-8")
    app = build_app(settings.with_(llm_url=server.url, llm_model="qwen", min_evidence=0.1), embedder=HashEmbedder(dimension=1024))
    app.ingestor.ingest()
    assert app.answerer.default_mode == "llm"
    answer = app.answerer.ask("Wer ist antragsberechtigt?", mode="llm")
    assert answer.mode == "llm" and not answer.refused
    assert "Antragsberechtigt sind gemeinnützige Vereine in Sachsen [1]" in answer.text
    assert answer.citations[0].source == "merkblatt.md" and answer.unverified_sentences == 0
    assert answer.timings["prompt_tokens"] == 321


def test_a_server_that_is_down_gives_the_chat_a_message_not_a_hang(settings: Settings) -> None:
    from assistant.web.conversation import Session, answer_turn

    (settings.corpus_dir / "merkblatt.md").write_text("# Merkblatt\n\nAntragsberechtigt sind gemeinnützige Vereine.\n", encoding="utf-8")
    app = build_app(settings.with_(llm_url=f"http://127.0.0.1:{_free_port()}/v1", min_evidence=0.1), embedder=HashEmbedder(dimension=1024))
    app.ingestor.ingest()
    session = Session()
    for _ in answer_turn(app.answerer, app.index, session, "Wer ist antragsberechtigt?", "llm", LlmQueue()):
        pass
    turn = session.turns[-1]
    assert turn.error is not None and "nicht erreichbar" in turn.error.render("de")


def test_the_queue_admits_as_many_answers_as_the_server_has_slots() -> None:
    queue = LlmQueue(slots=2)
    first, second, third = queue.enter(), queue.enter(), queue.enter()
    assert first.wait(0) and second.wait(0) and not third.wait(0)
    assert [t.position() for t in (first, second, third)] == [0, 0, 1]
    first.release()
    assert third.wait(0) and third.position() == 0
    with pytest.raises(ValueError):
        LlmQueue(slots=0)
