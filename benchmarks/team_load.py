"""Team load run: N concurrent chats through the Gradio client against a Chroma server and a model server.

    nice -n 5 .venv/bin/python -m benchmarks.team_load --out docs/benchmarks/team-load.json
        [--chats 16] [--llm small] [--questions ../shared/eval/dev_qa.jsonl] [--max-tokens 128]

Starts ``chroma run`` and ``python -m llama_cpp.server`` (the bundled model ``--llm``) on free local
ports, ingests a copy of the configured corpus through the Chroma server (vectors from the embedding
cache where present), serves the UI with logins (4 users) and then:

1. asks each question once, one chat after the other (the reference answers);
2. opens ``--chats`` clients at once — each its own browser-like session, logged in as one of the users —
   each asking one question in llm mode ("KI-Antwort"), and records the time to the complete answer;
3. checks that every concurrent answer (answer text and cited sources, timings removed) equals its own
   reference, and if not, whether it is another chat's (mixing) or only differs in wording.

Reports p50/p95/max, errors, mismatches and "another chat's answer" (must be 0). Measure on an otherwise
idle machine; name the CPU with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from assistant.app import build_app
from assistant.config import Settings
from assistant.evaluation import load_jsonl, percentile
from assistant.models import resolve_llm
from assistant.web.ui import create_server
from assistant.web.users import UserFile
from benchmarks.bench import machine
from benchmarks.data import SHARED

USERS = [(f"berater{n}", f"passwort-berater-{n}") for n in range(1, 5)]
_TIMINGS = re.compile(r'<p class="meta">.*?</p>|<p class="notice">.*?</p>', re.DOTALL)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(check: Any, what: str, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start")
        time.sleep(0.3)


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.HTTPError:
        return False


def answer_key(output: tuple[Any, ...]) -> str:
    """The chat's last answer (text and cited sources) without the timings that differ from run to run."""
    messages, sources = output[0], output[1]
    if isinstance(sources, dict):  # an update object when the panel was sent as a component update
        sources = sources.get("value") or ""
    content = messages[-1]["content"]
    text = content[0]["text"] if isinstance(content, list) else str(content)
    cited = re.findall(r'<span class="file">(.*?)</span>', sources)
    return _TIMINGS.sub("", text) + " | " + ",".join(cited)


def ask(url: str, user: tuple[str, str], question: str) -> tuple[str, float]:
    from gradio_client import Client

    client = Client(url, httpx_kwargs={"auth": user}, verbose=False)
    started = time.perf_counter()
    output = client.predict(question, "llm", api_name="/ask")
    return answer_key(output), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--chats", type=int, default=16)
    parser.add_argument("--llm", default="small", help="bundled model alias or GGUF path for the model server")
    parser.add_argument("--questions", type=Path, default=SHARED / "eval" / "dev_qa.jsonl")
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()
    base = Settings.from_env()
    questions = [q["q"] for q in load_jsonl(args.questions) if q.get("type") != "refuse"][: args.chats]
    while len(questions) < args.chats:
        questions += questions[: args.chats - len(questions)]
    work = Path(tempfile.mkdtemp(prefix="team-load-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        shutil.copytree(base.corpus_dir, work / "corpus")
        chroma_port, llm_port, ui_port = _free_port(), _free_port(), _free_port()
        chroma = f"http://127.0.0.1:{chroma_port}"
        processes.append(subprocess.Popen([str(Path(sys.executable).with_name("chroma")), "run", "--path", str(work / "chroma"),
                                           "--host", "127.0.0.1", "--port", str(chroma_port)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        model = resolve_llm(base.with_(llm=args.llm))
        processes.append(subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model.path), "--host", "127.0.0.1",
                                           "--port", str(llm_port), "--n_ctx", str(base.llm_context), "--n_threads",
                                           str(base.n_threads), "--model_alias", "team"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        llm = f"http://127.0.0.1:{llm_port}/v1"
        _wait(lambda: _up(f"{chroma}/api/v2/heartbeat"), "chroma run")
        _wait(lambda: _up(f"{llm}/models"), "llama_cpp.server")
        settings = base.with_(corpus_dir=work / "corpus", index_dir=work / "index", chroma_url=chroma, llm_url=llm, llm_model="team",
                              llm_max_tokens=args.max_tokens, users_file=work / "users.txt")
        app = build_app(settings)
        started = time.perf_counter()
        report = app.ingestor.ingest()
        ingest_s = time.perf_counter() - started
        users = UserFile(work / "users.txt")
        for name, password in USERS:
            users.add(name, password)
        server = uvicorn.Server(uvicorn.Config(create_server(app, users=users), host="127.0.0.1", port=ui_port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        _wait(lambda: server.started, "the UI")
        url = f"http://127.0.0.1:{ui_port}/"

        reference = {}
        sequential = []
        for question in dict.fromkeys(questions):
            key, seconds = ask(url, USERS[0], question)
            reference[question] = key
            sequential.append(seconds)

        results: list[dict[str, Any]] = [{} for _ in questions]
        barrier = threading.Barrier(len(questions))

        def chat(n: int) -> None:
            barrier.wait()
            try:
                key, seconds = ask(url, USERS[n % len(USERS)], questions[n])
                results[n] = {"question": questions[n], "seconds": round(seconds, 2), "key": key}
            except Exception as exc:  # noqa: BLE001 - an error is a result of this run
                results[n] = {"question": questions[n], "error": f"{type(exc).__name__}: {exc}"}

        threads = [threading.Thread(target=chat, args=(n,)) for n in range(len(questions))]
        wall = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall_s = time.perf_counter() - wall
        server.should_exit = True

        times = [r["seconds"] for r in results if "seconds" in r]
        mismatches, mixed = [], []
        for r in results:
            if "key" in r and r["key"] != reference[r["question"]]:
                mismatches.append(r["question"])
                if any(r["key"] == key for q, key in reference.items() if q != r["question"]):
                    mixed.append(r["question"])
        data = {
            "machine": machine(),
            "settings": {"chats": len(questions), "model_server": f"llama_cpp.server, {model.name}", "chroma": "chroma run",
                         "users": len(USERS), "max_tokens": args.max_tokens, "ui_answer_concurrency": 8},
            "ingest": {"seconds": round(ingest_s, 1), "chunks_cached": report.chunks_cached, "chunks_embedded": report.chunks_embedded},
            "sequential_s": {"p50": percentile(sequential, 50), "p95": percentile(sequential, 95), "n": len(sequential)},
            "concurrent_s": {"p50": percentile(times, 50), "p95": percentile(times, 95), "max": max(times, default=None),
                             "wall": round(wall_s, 1)},
            "errors": [r for r in results if "error" in r],
            "not_matching_reference": mismatches,
            "another_chats_answer": mixed,
            "chats": [{k: v for k, v in r.items() if k != "key"} for r in results],
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        print(json.dumps({k: data[k] for k in ("sequential_s", "concurrent_s", "errors", "not_matching_reference", "another_chats_answer")},
                         ensure_ascii=False, indent=1))
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
