"""Eight chat sessions at once plus an upload, with the real models, over a copy of the built index.

    nice -n 5 .venv/bin/python -m benchmarks.concurrency --out concurrency.json
        [--questions ../shared/eval/dev_qa.jsonl] [--upload ../shared/corpus-extra/egovg.md]
        [--llm-max-tokens 128] [--llm-sessions 8] [--scenarios extractive,extractive+upload,llm+upload]

Each session is a thread calling :meth:`assistant.web.ui.ChatUI.ask`, the callback Gradio runs per browser
tab; one more thread uploads a document through :meth:`ChatUI.upload` at the same moment. Scenarios:

* ``extractive`` (the default mode without a chat model): the dev questions spread over 8 sessions
  (session i asks questions i, i+8, i+16 … one after another, as a user would), no upload;
* ``extractive+upload``: the same while a document is uploaded;
* ``llm+upload``: 8 sessions, one question each, all in llm mode (the chat model serves one at a
  time; the others wait in the visible queue), while a document is uploaded.

The index is in the state the web UI brings it to: the evidence units of every chunk warmed into a
fresh embedding cache (``EvidenceWarmer``, timed and reported), nothing else cached. Each of the
three runs — the questions alone, all at once, alone again — gets a freshly built app, so no run
profits from another's query-vector cache or model state.

Per turn: time to the first status, to the first answer content (first generated text, or the
extractive answer) and in total; p50/p95; the longest LLM queue seen; peak RSS (``VmHWM``). "No
mixing": every turn's answer (text and cited sources) must equal the answer the same session gets
when run alone, before or after the upload (the upload may legitimately change an answer).

Nothing in the real corpus or index is touched: both are copied to a temporary folder (the manifest's
file paths pointed at the copy), a fresh copy per scenario, deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from assistant.app import App, build_app
from assistant.config import Settings
from assistant.evaluation import load_jsonl, percentile
from assistant.indexing.lexical import KeywordIndex
from assistant.indexing.store import Index, Manifest
from assistant.web.conversation import Session
from assistant.web.ui import ChatUI
from benchmarks.bench import peak_rss_mb, reset_peak_rss, status_mb
from benchmarks.data import SHARED

SESSIONS = 8
#: Scenario name: (answer mode, upload at the same time).
SCENARIOS = {"extractive": ("extractive", False), "extractive+upload": ("extractive", True), "llm+upload": ("llm", True)}
#: How often the monitor thread samples the LLM queue and the resident memory.
SAMPLE_SECONDS = 0.05

AnswerKey = tuple[str, tuple[tuple[str, int | None], ...]]


@dataclass
class TurnResult:
    """One question of one session."""

    session: int
    question_id: str
    mode: str
    first_status_s: float = 0.0
    first_content_s: float | None = None
    total_s: float = 0.0
    status: str = ""
    refused: bool | None = None
    max_queue_position: int = 0
    matches_sequential: bool | None = None
    #: For a turn that matches neither sequential run: whether its answer is another session's (mixing)
    #: and the three answers side by side, so the difference can be read.
    is_other_sessions_answer: bool | None = None
    mismatch: dict[str, Any] | None = None
    error: str = ""


@dataclass
class Scenario:
    """One concurrent run and its sequential reference runs."""

    name: str
    mode: str
    sessions: list[list[dict[str, Any]]]
    with_upload: bool = True
    turns: list[TurnResult] = field(default_factory=list)
    upload: dict[str, Any] = field(default_factory=dict)
    wall_s: float = 0.0
    longest_queue: int = 0
    peak_rss_mb: float = 0.0
    rss_before_mb: float = 0.0
    sequential_total_s: list[float] = field(default_factory=list)
    index_consistent: bool = False
    #: Whether VmHWM was reset before the concurrent run (else it includes model loading and earlier runs).
    peak_reset: bool = False
    #: The evidence warm-up before the runs: units embedded and seconds.
    warmup: dict[str, Any] = field(default_factory=dict)


def copy_knowledge_base(settings: Settings, folder: Path) -> Settings:
    """Corpus and index copied into ``folder``; settings pointing at the copy (records' paths too)."""
    corpus, index = folder / "corpus", folder / "index"
    shutil.copytree(settings.corpus_dir, corpus)
    shutil.copytree(settings.index_dir, index, ignore=shutil.ignore_patterns(".lock"))
    manifest = Manifest.load(index / "manifest.json")
    if manifest is None or not manifest.documents:
        raise SystemExit(f"{settings.index_dir} holds no index: run `assistant ingest` first.")
    original = settings.corpus_dir.resolve()
    for record in manifest.documents.values():
        path = Path(record.path)
        if path.is_relative_to(original):
            record.path = str(corpus / path.relative_to(original))
    manifest.save(index / "manifest.json")
    check = Index(index)
    try:
        if check.damage is not None or check.missing_chunks:
            raise SystemExit(f"The copy of {settings.index_dir} is incomplete (copied while being written?): retry.")
    finally:
        check.close()
    # A fresh embedding cache: an uploaded document is new, so its real embedding cost is measured.
    return settings.with_(corpus_dir=corpus, index_dir=index, embed_cache=True, embed_cache_file=folder / "embeddings.sqlite")


@contextmanager
def opened(settings: Settings, mode: str) -> Iterator[App]:
    """A freshly built app over ``settings`` (models loaded, chat model primed as the UI does), closed afterwards."""
    app = build_app(settings)
    try:
        app.embedder.embed_queries(["Modell laden"])
        if mode == "llm":
            app.answerer.warm_up()
        yield app
    finally:
        app.index.close()


def warm_evidence(settings: Settings) -> dict[str, Any]:
    """What the web UI does after indexing: every chunk's evidence units into the embedding cache."""
    with opened(settings, "extractive") as app:
        if app.warmer is None:
            raise SystemExit("ASSISTANT_EVIDENCE_WARMUP is off: the benchmark measures the UI's default state.")
        started = time.perf_counter()
        app.warmer.request()
        app.warmer.wait()
        return {"units": app.warmer.embedded, "seconds": round(time.perf_counter() - started, 1)}


def answer_key(session: Session) -> AnswerKey:
    """What must not differ between a concurrent and a sequential run: answer text and cited sources."""
    turn = session.turns[-1]
    if turn.answer is None:
        return (f"{turn.status}: {turn.error}", ())
    return (turn.answer.text, tuple((c.source, c.page) for c in turn.answer.citations))


def ask_sequentially(app: App, sessions: Sequence[Sequence[dict[str, Any]]], mode: str) -> tuple[list[list[AnswerKey]], list[float]]:
    """Every session's questions, one session after the other: the reference answers and their times."""
    ui = ChatUI.for_app(app)
    ui.build()  # the callbacks update the components it creates
    keys: list[list[AnswerKey]] = []
    totals: list[float] = []
    for questions in sessions:
        session = Session()
        keys.append([])
        for item in questions:
            started = time.perf_counter()
            for _ in ui.ask(item["q"], mode, session):
                pass
            totals.append(time.perf_counter() - started)
            keys[-1].append(answer_key(session))
    return keys, totals


def run_session(ui: ChatUI, number: int, questions: Sequence[dict[str, Any]], mode: str, start: threading.Barrier,
                results: list[TurnResult], keys: list[AnswerKey]) -> None:
    """One browser tab: its questions one after another, each streamed to the end."""
    session = Session()
    start.wait()
    for item in questions:
        result = TurnResult(number, str(item.get("id", "")), mode)
        started = time.perf_counter()
        try:
            for update in ui.ask(item["q"], mode, session):
                now = time.perf_counter() - started
                turn = session.turns[-1]
                if not result.first_status_s:
                    result.first_status_s = now
                if result.first_content_s is None and (turn.draft or turn.answer is not None):
                    result.first_content_s = now
                if turn.status == "queued":
                    result.max_queue_position = max(result.max_queue_position, turn.queue_position)
            turn = session.turns[-1]
            result.status = turn.status
            result.error = turn.error
            result.refused = turn.answer.refused if turn.answer is not None else None
        except Exception as exc:  # noqa: BLE001 - a crash is a result of this benchmark, not its end
            result.status, result.error = "crash", f"{type(exc).__name__}: {exc}"
        result.total_s = time.perf_counter() - started
        results.append(result)
        keys.append(answer_key(session) if session.turns else ("crash", ()))


def run_upload(ui: ChatUI, source: Path, folder: Path, start: threading.Barrier, out: dict[str, Any]) -> None:
    """The documents tab: one file uploaded while the sessions run (Gradio hands over a temporary copy)."""
    incoming = folder / "gradio-upload"
    incoming.mkdir()
    temporary = incoming / source.name
    shutil.copy2(source, temporary)
    start.wait()
    started = time.perf_counter()
    try:
        out["message"] = ui.upload([str(temporary)], "Deutsch", progress=lambda *a, **k: None)[ui.view.library_status]  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001
        out["message"] = f"crash: {type(exc).__name__}: {exc}"
    out["seconds"] = round(time.perf_counter() - started, 2)


def index_consistent(app: App) -> bool:
    """Chroma, BM25 and the manifest list exactly the same chunks, none twice."""
    manifest = app.index.manifest
    chroma = [c.id for c in app.index.vectors.all_chunks()]
    keyword = KeywordIndex.load(app.index.keyword_path).ids
    return (
        manifest is not None
        and len(chroma) == len(set(chroma))
        and set(chroma) == set(keyword) == manifest.chunk_ids()
    )


def run_scenario(base: Settings, scenario: Scenario, upload: Path, work: Path) -> None:
    """Reference answers alone, then all sessions (and the upload) at once, then references again."""
    settings = copy_knowledge_base(base, work)
    scenario.warmup = warm_evidence(settings)
    with opened(settings, scenario.mode) as app:
        before, totals = ask_sequentially(app, scenario.sessions, scenario.mode)
    scenario.sequential_total_s = [round(t, 3) for t in totals]
    with opened(settings, scenario.mode) as app:
        ui = ChatUI.for_app(app)
        ui.build()
        start = threading.Barrier(len(scenario.sessions) + 1 + scenario.with_upload)
        results: list[list[TurnResult]] = [[] for _ in scenario.sessions]
        keys: list[list[AnswerKey]] = [[] for _ in scenario.sessions]
        threads = [
            threading.Thread(target=run_session, args=(ui, n, questions, scenario.mode, start, results[n], keys[n]), daemon=True)
            for n, questions in enumerate(scenario.sessions)
        ]
        if scenario.with_upload:
            threads.append(threading.Thread(target=run_upload, args=(ui, upload, work, start, scenario.upload), daemon=True))
        done = threading.Event()

        def monitor() -> None:
            while not done.is_set():
                scenario.longest_queue = max(scenario.longest_queue, len(ui.queue))
                time.sleep(SAMPLE_SECONDS)

        watcher = threading.Thread(target=monitor, daemon=True)
        scenario.rss_before_mb = status_mb("VmRSS") or 0.0
        scenario.peak_reset = reset_peak_rss()
        for thread in threads:
            thread.start()
        watcher.start()
        start.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        scenario.wall_s = round(time.perf_counter() - started, 2)
        done.set()
        watcher.join()
        scenario.peak_rss_mb = peak_rss_mb()
        if app.warmer is not None:
            app.warmer.wait()  # the upload's evidence, as the UI warms it: part of the state "after"
            app.warmer.close()
    with opened(settings, scenario.mode) as app:
        after, _ = ask_sequentially(app, scenario.sessions, scenario.mode)
        for n, session_results in enumerate(results):
            for t, result in enumerate(session_results):
                result.matches_sequential = keys[n][t] in (before[n][t], after[n][t])
                if not result.matches_sequential:
                    others = {key for run in (before, after) for m, turns in enumerate(run) if m != n for key in turns}
                    result.is_other_sessions_answer = keys[n][t] in others
                    result.mismatch = {"concurrent": keys[n][t], "before": before[n][t], "after": after[n][t]}
                scenario.turns.append(result)
        scenario.index_consistent = index_consistent(app)
        manifest = app.index.manifest
        uploaded = [s for s in (manifest.documents if manifest else {}) if s.startswith("uploads/")]
        scenario.upload["indexed_as"] = uploaded
        if uploaded:
            record = manifest.documents[uploaded[0]]  # type: ignore[union-attr]
            hits = app.retriever.search(record.title, 5)
            scenario.upload["chunks"] = len(record.chunk_ids)
            scenario.upload["searchable"] = any(h.chunk.source == uploaded[0] for h in hits)


def fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def summary(scenario: Scenario) -> dict[str, Any]:
    """p50/p95 of each latency, crashes, mixing."""
    turns = scenario.turns
    out: dict[str, Any] = {"turns": len(turns), "wall_s": scenario.wall_s}
    for name in ("first_status_s", "first_content_s", "total_s"):
        values = [getattr(t, name) for t in turns if getattr(t, name) is not None]
        out[name] = {"p50": round(percentile(values, 50) or 0, 3), "p95": round(percentile(values, 95) or 0, 3),
                     "max": round(max(values, default=0), 3)}
    alone = scenario.sequential_total_s
    out["sequential_total_s"] = {"p50": round(percentile(alone, 50) or 0, 3), "p95": round(percentile(alone, 95) or 0, 3),
                                 "sum": round(sum(alone), 2)}
    out["crashes"] = sum(t.status in ("crash", "error") for t in turns)
    out["not_matching_sequential"] = [f"s{t.session}/{t.question_id}" for t in turns if not t.matches_sequential]
    out["another_sessions_answer"] = [f"s{t.session}/{t.question_id}" for t in turns if t.is_other_sessions_answer]
    out["longest_queue"] = scenario.longest_queue
    out["max_queue_position_seen"] = max((t.max_queue_position for t in turns), default=0)
    out["rss_before_mb"] = scenario.rss_before_mb
    out["peak_rss_mb"] = scenario.peak_rss_mb
    out["peak_is_of_concurrent_run_only"] = scenario.peak_reset
    out["upload"] = scenario.upload if scenario.with_upload else None
    out["evidence_warmup"] = scenario.warmup
    alone_p95 = out["sequential_total_s"]["p95"]
    out["total_p95_over_alone_p95"] = round(out["total_s"]["p95"] / alone_p95, 2) if alone_p95 else None
    out["index_consistent"] = scenario.index_consistent
    return out


def markdown(scenario: Scenario, stats: dict[str, Any]) -> str:
    lines = [
        f"### {scenario.name}: {len(scenario.sessions)} sessions, {stats['turns']} questions"
        f"{', upload at the same time' if scenario.with_upload else ''}; evidence warm-up {scenario.warmup}",
        "",
        "| session | question | first status s | first content s | total s | queue pos. | status | = sequential |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in sorted(scenario.turns, key=lambda t: (t.session, t.question_id)):
        lines.append(
            f"| {t.session} | {t.question_id} | {fmt(t.first_status_s)} | {fmt(t.first_content_s)} | {fmt(t.total_s)} | "
            f"{t.max_queue_position or '–'} | {t.status}{' (refused)' if t.refused else ''} | {'yes' if t.matches_sequential else 'NO'} |"
        )
    lines += [
        "",
        "| metric | p50 | p95 | max |",
        "|---|---|---|---|",
    ]
    for name in ("first_status_s", "first_content_s", "total_s"):
        s = stats[name]
        lines.append(f"| {name} | {s['p50']:.2f} | {s['p95']:.2f} | {s['max']:.2f} |")
    seq = stats["sequential_total_s"]
    lines.append(f"| total_s, each question alone | {seq['p50']:.2f} | {seq['p95']:.2f} | (sum {seq['sum']:.1f}) |")
    up = stats["upload"] or {}
    lines += [
        "",
        f"Wall time {stats['wall_s']:.1f} s; crashes {stats['crashes']}; answers differing from the sequential run: "
        f"{stats['not_matching_sequential'] or 'none'} (another session's answer: {stats['another_sessions_answer'] or 'none'}); longest LLM queue {stats['longest_queue']} "
        f"(highest position shown {stats['max_queue_position_seen']}); RSS before {stats['rss_before_mb']:.0f} MB, "
        f"peak (VmHWM{', reset before the run' if stats['peak_is_of_concurrent_run_only'] else ', whole process'}) "
        f"{stats['peak_rss_mb']:.0f} MB.",
        f"Upload: {up.get('message', '').splitlines()[0] if up.get('message') else '?'} in {up.get('seconds', '?')} s; "
        f"searchable afterwards: {up.get('searchable')}; index consistent (Chroma = BM25 = manifest): {stats['index_consistent']}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=SHARED / "eval" / "dev_qa.jsonl")
    parser.add_argument("--upload", type=Path, default=SHARED / "corpus-extra" / "egovg.md")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"some of {', '.join(SCENARIOS)}")
    parser.add_argument("--llm-max-tokens", type=int, default=128)
    parser.add_argument("--llm-sessions", type=int, default=SESSIONS, help="questions in the llm scenario (one per session)")
    parser.add_argument("--out", type=Path, required=True, help="JSON results")
    args = parser.parse_args()
    questions = load_jsonl(args.questions)
    base = Settings.from_env().with_(llm_max_tokens=args.llm_max_tokens)
    scenarios = []
    for name in [m.strip() for m in args.scenarios.split(",") if m.strip()]:
        if name not in SCENARIOS:
            parser.error(f"unknown scenario {name!r}: choose from {', '.join(SCENARIOS)}")
        mode, with_upload = SCENARIOS[name]
        if mode == "extractive":
            sessions = [questions[n::SESSIONS] for n in range(SESSIONS)]
        else:
            sessions = [[item] for item in questions[: args.llm_sessions]]
        scenarios.append(Scenario(name, mode, sessions, with_upload))
    report: dict[str, Any] = {"settings": {"threads": base.n_threads, "llm_max_tokens": base.llm_max_tokens,
                                           "index": str(base.index_dir), "upload": str(args.upload)}, "scenarios": {}}
    for scenario in scenarios:
        with tempfile.TemporaryDirectory(prefix="concurrency-") as work:
            print(f"{scenario.name}: running …", file=sys.stderr, flush=True)
            run_scenario(base, scenario, args.upload, Path(work))
        stats = summary(scenario)
        report["scenarios"][scenario.name] = {"summary": stats, "turns": [asdict(t) for t in scenario.turns]}
        print(markdown(scenario, stats), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"JSON: {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
