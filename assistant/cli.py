"""Command line: ``assistant setup | ingest | search | ask | eval | bench | documents | ui``.

Errors are translated here, once: an :class:`~assistant.errors.AssistantError` becomes its message on
stderr and its exit code; nothing else prints tracebacks for expected failures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TextIO

from .config import Settings
from .errors import AssistantError, IndexStateError, InputError

EXAMPLE_QUERY = "Wer ist nach der Förderrichtlinie KI für das Gemeinwohl antragsberechtigt?"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Beratungsassistent: offline Antworten mit Belegen aus Förderrichtlinien, Policy Papers und Gesetzen.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="BEFEHL")

    setup = sub.add_parser("setup", help="gebündelte Modelle einmalig bereitstellen (lädt Pakete aus PyPI)")
    setup.add_argument("--verify", action="store_true", help="Prüfsummen der Modelle vollständig neu berechnen")

    ingest = sub.add_parser("ingest", help="Dokumente indexieren (inkrementell)")
    ingest.add_argument("paths", nargs="*", type=Path, help="Dateien oder Ordner (Standard: corpus/)")
    ingest.add_argument("--rebuild", action="store_true", help="Index verwerfen und neu aufbauen")
    ingest.add_argument("--no-prune", action="store_true", help="entfernte Dateien nicht aus dem Index löschen")
    ingest.add_argument("--quiet", action="store_true", help="keine Fortschrittsbalken")

    search = sub.add_parser("search", help="Belegstellen suchen (ohne Sprachmodell)")
    search.add_argument("query", nargs="?", help="Suchanfrage oder Frage")
    search.add_argument("-k", type=int, default=None, help="Anzahl Treffer (Standard: 5)")
    search.add_argument("--json", action="store_true", help="maschinenlesbare Ausgabe (siehe eval/README.md)")
    search.add_argument("--questions", type=Path, help="JSONL-Datei mit {id, q} je Zeile")

    ask = sub.add_parser("ask", help="Frage beantworten, mit geprüften Quellenangaben")
    ask.add_argument("question", nargs="?", help="die Frage")
    ask.add_argument("-k", type=int, default=None, help="Anzahl Quellen (Standard: 5)")
    ask.add_argument("--mode", choices=["extractive", "llm"], help="extractive = Belegstellen ohne Sprachmodell; llm = KI-Antwort")
    ask.add_argument("--json", action="store_true", help="maschinenlesbare Ausgabe (siehe eval/README.md)")
    ask.add_argument("--questions", type=Path, help="JSONL-Datei mit {id, q} je Zeile")

    evaluate = sub.add_parser("eval", help="Qualität messen: Suche und Antworten auf einer QA-Datei (dev_qa.jsonl-Format)")
    evaluate.add_argument("questions", type=Path, help="JSONL mit id, q, type, gold, facts")
    evaluate.add_argument("--modes", default="extractive,llm", help="kommagetrennt: extractive,llm (Standard: beide)")
    evaluate.add_argument("-k", type=int, default=None, help="Quellen je Antwort (Standard: 5)")
    evaluate.add_argument("--out", type=Path, default=Path("eval-report"), help="Ordner für report.json und report.md")

    bench = sub.add_parser("bench", help="Geschwindigkeit messen: Indexieren, Suche bis Korpus x10, Sprachmodell, LangChain-Vergleich")
    bench.add_argument("--questions", type=Path, default=None,
                       help="QA-Datei für Latenz und Trefferquote (Standard: ../shared/eval/dev_qa.jsonl, sonst benchmarks/heldout_qa.jsonl)")
    bench.add_argument("--extra", type=Path, default=None,
                       help="zusätzliche Dokumente für die großen Korpora (Standard: ../shared/corpus-extra, falls vorhanden)")
    bench.add_argument("--scales", default="1,3,10", help="Korpus-Vielfache für die Latenzkurve (Standard: 1,3,10)")
    bench.add_argument("--repeat", type=int, default=3, help="Durchläufe der Fragen je Messpunkt (Standard: 3)")
    bench.add_argument("--llm-runs", type=int, default=3, help="Fragen für die Sprachmodell-Messung (Standard: 3)")
    bench.add_argument("--llm-max-tokens", type=int, default=128, help="Tokens je Sprachmodell-Antwort (Standard: 128)")
    bench.add_argument("--no-llm", action="store_true", help="Sprachmodell nicht messen")
    bench.add_argument("--no-baseline", action="store_true", help="LangChain-Vergleich auslassen")
    bench.add_argument("--quick", action="store_true", help="kurzer Lauf: Vielfache 1,2, eine Wiederholung, eine LLM-Frage")
    bench.add_argument("--out", type=Path, default=Path("bench-report"), help="Ordner für bench.json, bench.md und die Grafik")

    sub.add_parser("documents", help="indexierte Dokumente auflisten")

    ui = sub.add_parser("ui", help="Weboberfläche starten (Chat mit Quellen, Dokumente verwalten)")
    ui.add_argument("--host", default="127.0.0.1", help="Adresse (Standard: 127.0.0.1, nur dieser Rechner)")
    ui.add_argument("--port", type=int, default=None, help="Port (Standard: erster freier ab 7860)")
    ui.add_argument("--no-ingest", action="store_true", help="vor dem Start nicht inkrementell indexieren")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``assistant`` console script."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return _COMMANDS[args.command](settings, args)
    except AssistantError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Abgebrochen. Ein erneuter Aufruf setzt dort fort, wo aufgehört wurde.", file=sys.stderr)
        return 130


def _setup(settings: Settings, args: argparse.Namespace) -> int:
    from .models import fetch_bundled_models

    fetch_bundled_models(settings, progress=True, verify=args.verify)
    print(f"Modelle bereit in {settings.cache_dir / 'models'}")
    return 0


def _ingest(settings: Settings, args: argparse.Namespace) -> int:
    from .app import build_app

    app = build_app(settings)
    with _progress_bars(enabled=not args.quiet) as progress:
        report = app.ingestor.ingest(
            args.paths or None, prune=not args.no_prune, rebuild=args.rebuild, progress=progress
        )
    for source, message in sorted(report.failed.items()):
        print(f"Übersprungen: {message}", file=sys.stderr)
    for source, original in sorted(report.duplicates.items()):
        print(f"Übersprungen: {source} ist inhaltsgleich mit dem bereits indexierten {original}.", file=sys.stderr)
    print(
        f"{len(report.added)} neu, {len(report.updated)} aktualisiert, {len(report.unchanged)} unverändert, "
        f"{len(report.removed)} entfernt, {len(report.failed)} fehlerhaft; "
        f"{report.chunks_embedded} Abschnitte eingebettet, {report.chunks_cached} aus dem Cache, "
        f"{report.chunks_reused} wiederverwendet "
        f"in {report.seconds:.1f} s. Index: {app.index.vectors.count()} Abschnitte."
    )
    return 3 if report.failed else 0


def _search(settings: Settings, args: argparse.Namespace) -> int:
    if (args.query is None) == (args.questions is None):
        raise InputError("Bitte genau eines angeben: eine Suchanfrage oder --questions DATEI.jsonl")
    k = _positive_k(args.k, settings)
    app = _app_with_index(settings)
    if args.questions is not None:
        for item in read_questions(args.questions):
            hits, seconds = _timed_search(app, item["q"], k)
            _print_json({"id": item["id"], "retrieved": [h.to_json() for h in hits], "timings": {"retrieval_s": seconds}})
        return 0
    hits, seconds = _timed_search(app, args.query, k)
    if args.json:
        _print_json({"id": None, "query": args.query, "retrieved": [h.to_json() for h in hits], "timings": {"retrieval_s": seconds}})
    else:
        _print_hits(hits, seconds, sys.stdout)
    return 0


def _ask(settings: Settings, args: argparse.Namespace) -> int:
    if (args.question is None) == (args.questions is None):
        raise InputError("Bitte genau eines angeben: eine Frage oder --questions DATEI.jsonl")
    k = _positive_k(args.k, settings)
    app = _app_with_index(settings)
    if args.questions is not None:
        for item in read_questions(args.questions):
            answer = app.answerer.ask(item["q"], mode=args.mode, k=k)
            _print_json(answer.to_json(item["id"]))
        return 0
    answer = app.answerer.ask(args.question, mode=args.mode, k=k)
    if args.json:
        _print_json(answer.to_json())
        return 0
    if answer.notice:
        print(f"Hinweis: {answer.notice}\n")
    print(answer.text)
    if answer.citations:
        print("\nQuellen:" if answer.language == "de" else "\nSources:")
        for citation in answer.citations:
            print(f"[{citation.n}] {citation.label()}")
    t = answer.timings
    print(f"\n({answer.mode}, Suche {t['retrieval_s']:.2f} s, gesamt {t['total_s']:.2f} s)", file=sys.stderr)
    return 0


def _eval(settings: Settings, args: argparse.Namespace) -> int:
    from .evaluation import evaluate_file

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in ("extractive", "llm")]
    if unknown or not modes:
        raise InputError(f"--modes: unbekannt {', '.join(unknown) or '(leer)'}; erlaubt sind extractive und llm.")
    items = list(read_questions(args.questions))
    app = _app_with_index(settings, ingest_if_empty=True)
    markdown = evaluate_file(app, items, modes, _positive_k(args.k, settings), args.out, progress=sys.stderr)
    print(markdown)
    print(f"Bericht: {args.out / 'report.json'}, {args.out / 'report.md'}", file=sys.stderr)
    return 0


def _bench(settings: Settings, args: argparse.Namespace) -> int:
    from benchmarks.bench import BenchOptions, run_bench

    shared = settings.home.parent / "shared"
    questions = args.questions or next(
        (p for p in (shared / "eval" / "dev_qa.jsonl", settings.home / "benchmarks" / "heldout_qa.jsonl") if p.is_file()),
        shared / "eval" / "dev_qa.jsonl",
    )
    extra = args.extra or (shared / "corpus-extra" if (shared / "corpus-extra").is_dir() else None)
    try:
        scales = tuple(int(part) for part in ("1,2" if args.quick else args.scales).split(",") if part.strip())
    except ValueError:
        raise InputError(f"--scales: kommagetrennte ganze Zahlen erwartet, z. B. 1,3,10 (erhalten: {args.scales!r}).") from None
    options = BenchOptions(
        questions=questions,
        extra_dir=extra,
        scales=scales,
        repeat=1 if args.quick else args.repeat,
        llm_runs=1 if args.quick else args.llm_runs,
        llm_max_tokens=args.llm_max_tokens,
        baseline=not args.no_baseline,
        llm=not args.no_llm,
    )
    started = time.perf_counter()
    run_bench(settings, options, args.out, progress=lambda stage: print(f"[{time.perf_counter() - started:6.0f} s] {stage}", file=sys.stderr, flush=True))
    print((args.out / "bench.md").read_text(encoding="utf-8"))
    print(f"Bericht: {args.out / 'bench.json'}, {args.out / 'bench.md'}", file=sys.stderr)
    return 0


def _documents(settings: Settings, args: argparse.Namespace) -> int:
    from .indexing.store import Manifest

    manifest = Manifest.load(settings.index_dir / "manifest.json")
    if manifest is None or not manifest.documents:
        print(f"Keine Dokumente indexiert ({settings.index_dir}). Indexieren mit: assistant ingest")
        return 0
    print(f"Embedding-Modell: {manifest.embedder} ({manifest.dimension} Dimensionen)")
    for record in sorted(manifest.documents.values(), key=lambda r: r.source):
        pages = f"{record.pages} S." if record.pages else "–"
        print(f"{record.source}\t{record.kind}\t{pages}\t{len(record.chunk_ids)} Abschnitte\t{record.indexed_at}\t{record.title}")
    return 0


def _ui(settings: Settings, args: argparse.Namespace) -> int:
    import os

    from .app import build_app
    from .errors import IndexMismatchError
    from .web.serving import is_loopback, pick_port, ui_credentials

    credentials = ui_credentials(args.host, os.environ)
    port = pick_port(args.host, args.port)
    app = build_app(settings)
    if not args.no_ingest:
        print(f"Wissensbasis prüfen ({settings.corpus_dir}) …", file=sys.stderr)
        try:
            _ingest_with_progress(app)
        except IndexStateError as exc:
            if isinstance(exc, IndexMismatchError):
                raise
            # Another process is indexing right now: the UI can start on the current index anyway.
            print(f"Hinweis: {exc} Die Oberfläche startet mit dem bisherigen Index.", file=sys.stderr)
    if not is_loopback(args.host):
        print(
            f"Achtung: Die Oberfläche ist unter {args.host} für andere Rechner im Netz erreichbar (Anmeldung "
            "erforderlich, Verbindung unverschlüsselt per HTTP). Nur in vertrauenswürdigen Netzen verwenden.",
            file=sys.stderr,
        )
    from .web.ui import serve

    serve(app, args.host, port, credentials)
    return 0


_COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "setup": _setup,
    "ingest": _ingest,
    "search": _search,
    "ask": _ask,
    "eval": _eval,
    "bench": _bench,
    "documents": _documents,
    "ui": _ui,
}


# -- helpers shared by commands ------------------------------------------------------------------


def _positive_k(k: int | None, settings: Settings) -> int:
    k = k if k is not None else settings.top_k
    if k < 1:
        raise InputError(f"-k muss mindestens 1 sein (war {k}).")
    return k


def _app_with_index(settings: Settings, ingest_if_empty: bool = False) -> Any:
    from .app import build_app

    app = build_app(settings)
    if ingest_if_empty and (app.index.manifest is None or not app.index.manifest.documents):
        # A fresh checkout: evaluate the shipped knowledge base rather than stop at an empty index.
        print(f"Index leer: die Wissensbasis ({settings.corpus_dir}) wird zuerst indexiert …", file=sys.stderr)
        _ingest_with_progress(app)
    if app.index.manifest is None or not app.index.manifest.documents:
        raise IndexStateError(f"Der Index in {settings.index_dir} ist leer. Zuerst indexieren: assistant ingest")
    return app


def _ingest_with_progress(app: Any) -> None:
    """Bring the index up to date with the corpus, with progress bars and a per-file report on stderr."""
    from .web.library import report_messages

    with _progress_bars(enabled=True) as progress:
        report = app.ingestor.ingest(progress=progress)
    for line in report_messages(report, "de"):
        print(line, file=sys.stderr)


def read_questions(path: Path) -> Iterator[dict[str, Any]]:
    """Questions from a JSONL file ({"id", "q"} per line); InputError names the bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: Fragendatei nicht lesbar ({exc}).") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}, Zeile {number}: kein gültiges JSON ({exc.msg}).") from exc
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not item["q"].strip():
            raise InputError(f'{path}, Zeile {number}: erwartet ein Objekt mit Textfeld "q".')
        item.setdefault("id", str(number))
        yield item


def _timed_search(app: Any, query: str, k: int) -> tuple[list[Any], float]:
    started = time.perf_counter()
    hits = app.retriever.search(query, k)
    return hits, round(time.perf_counter() - started, 4)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _print_hits(hits: list[Any], seconds: float, out: TextIO) -> None:
    if not hits:
        print("Keine Treffer.", file=out)
        return
    for number, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        page = f", S. {chunk.page}" if chunk.page else ""
        section = f" — {chunk.section}" if chunk.section else ""
        snippet = " ".join(chunk.text.split())
        snippet = snippet if len(snippet) <= 300 else snippet[:300].rsplit(" ", 1)[0] + " …"
        print(f"[{number}] {chunk.title}{page}{section}  (Relevanz {hit.score:.2f}, Ähnlichkeit {hit.dense_score:.2f})", file=out)
        print(f"    {snippet}", file=out)
    print(f"({len(hits)} Treffer in {seconds:.2f} s)", file=out)


class _progress_bars:
    """tqdm bars on stderr for the ingest stages; a no-op when disabled or not a terminal-friendly run."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bars: dict[str, Any] = {}

    def __enter__(self) -> Callable[[str, int, int], None] | None:
        if not self.enabled:
            return None
        from tqdm import tqdm

        labels = {"lesen": "Dateien lesen", "einbetten": "Abschnitte einbetten"}

        def update(stage: str, done: int, total: int) -> None:
            bar = self._bars.get(stage)
            if bar is None:
                bar = self._bars[stage] = tqdm(total=total, desc=labels.get(stage, stage), unit="", file=sys.stderr)
            bar.total = total
            bar.n = done
            bar.refresh()

        return update

    def __exit__(self, *exc: object) -> None:
        for bar in self._bars.values():
            bar.close()
