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
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, TextIO

from .config import Settings
from .errors import AssistantError, ConfigError, IndexStateError, InputError, ModelError
from .messages import DEFAULT_LANGUAGE, Message, text

if TYPE_CHECKING:
    from .app import App

#: Builds the assistant from settings; ``assistant.app.build_app`` unless a test injects another.
AppFactory = Callable[[Settings], "App"]

EXAMPLE_QUERY = "Wer ist nach der Förderrichtlinie KI für das Gemeinwohl antragsberechtigt?"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Beratungsassistent: offline Antworten mit Belegen aus Förderrichtlinien, Policy Papers und Gesetzen.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="BEFEHL")

    setup = sub.add_parser("setup", help="gebündelte Modelle einmalig bereitstellen (lädt Pakete aus PyPI)")
    setup.add_argument("--verify", action="store_true", help="Prüfsummen der Modelle vollständig neu berechnen")
    setup.add_argument("--llm", choices=["small"],
                       help="small = zusätzlich das kleine, schnellere Sprachmodell (Qwen2.5-Coder-0.5B; ASSISTANT_LLM=small)")

    ingest = sub.add_parser("ingest", help="Dokumente indexieren (inkrementell)")
    ingest.add_argument("paths", nargs="*", type=Path, help="Dateien oder Ordner (Standard: corpus/)")
    ingest.add_argument("--rebuild", action="store_true", help="Index verwerfen und neu aufbauen")
    ingest.add_argument("--no-prune", action="store_true", help="entfernte Dateien nicht aus dem Index löschen")
    ingest.add_argument("--quiet", action="store_true", help="keine Fortschrittsbalken")

    search = sub.add_parser("search", help="Belegstellen suchen (ohne Sprachmodell)")
    search.add_argument("query", nargs="?", help="Suchanfrage oder Frage")
    search.add_argument("-k", type=int, default=None, help=f"Anzahl Treffer (Standard: ASSISTANT_TOP_K, sonst {Settings.top_k})")
    search.add_argument("--json", action="store_true", help="maschinenlesbare Ausgabe (siehe eval/README.md)")
    search.add_argument("--questions", type=Path, help="JSONL-Datei mit {id, q} je Zeile")

    ask = sub.add_parser("ask", help="Frage beantworten, mit geprüften Quellenangaben")
    ask.add_argument("question", nargs="?", help="die Frage")
    ask.add_argument("-k", type=int, default=None, help=f"Anzahl Quellen (Standard: ASSISTANT_TOP_K, sonst {Settings.top_k})")
    ask.add_argument("--mode", choices=["extractive", "llm"], help="extractive = Belegstellen ohne Sprachmodell; llm = KI-Antwort")
    ask.add_argument("--json", action="store_true", help="maschinenlesbare Ausgabe (siehe eval/README.md)")
    ask.add_argument("--questions", type=Path, help="JSONL-Datei mit {id, q} je Zeile")

    evaluate = sub.add_parser("eval", help="Qualität messen: Suche und Antworten auf einer QA-Datei (dev_qa.jsonl-Format)")
    evaluate.add_argument("questions", type=Path, help="JSONL mit id, q, type, gold, facts")
    evaluate.add_argument("--modes", default="extractive,llm", help="kommagetrennt: extractive,llm (Standard: beide)")
    evaluate.add_argument("-k", type=int, default=None, help=f"Quellen je Antwort (Standard: ASSISTANT_TOP_K, sonst {Settings.top_k})")
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
    bench.add_argument("--reference-batch-size", type=int, default=None,
                       help="Batchgröße der PyTorch-Referenz beim Backend-Vergleich (Standard: wie konfiguriert)")
    bench.add_argument("--quick", action="store_true", help="kurzer Lauf: Vielfache 1,2, eine Wiederholung, eine LLM-Frage")
    bench.add_argument("--out", type=Path, default=Path("bench-report"), help="Ordner für bench.json, bench.md und die Grafik")

    sub.add_parser("documents", help="indexierte Dokumente auflisten")

    brief = sub.add_parser("brief", help="Beratungsmappe für ein Projektprofil (YAML): passende Programme, Bedingungen, Ethik/Datenschutz, offene Fragen, Quellen")
    brief.add_argument("profile", type=Path, help="Projektprofil, z. B. docs/examples/projektprofil.yaml")
    brief.add_argument("--out", type=Path, help="Zieldatei .md oder .pdf (ohne: Markdown auf die Standardausgabe)")
    brief.add_argument("--mode", choices=["extractive", "llm"], default="extractive",
                       help="extractive = wörtliche Belegstellen (Standard, schnell); llm = KI-Antworten mit geprüften Belegen")

    programmes = sub.add_parser("programmes", help="Förderprogramme der Wissensbasis: Steckbriefe mit Gültigkeit und Belegen")
    programmes.add_argument("--json", action="store_true", help="maschinenlesbare Ausgabe mit allen Belegstellen")

    users = sub.add_parser("users", help="Anmeldungen der Weboberfläche verwalten (Datei ASSISTANT_USERS_FILE, bcrypt)")
    users_sub = users.add_subparsers(dest="action", required=True, metavar="AKTION")
    add = users_sub.add_parser("add", help="Benutzer anlegen oder Passwort ändern (fragt das Passwort ab)")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="Passwort aus der ersten Zeile der Standardeingabe (für Skripte)")
    users_sub.add_parser("remove", help="Benutzer entfernen").add_argument("name")
    users_sub.add_parser("list", help="Benutzernamen auflisten")

    ui = sub.add_parser("ui", help="Weboberfläche starten (Chat mit Quellen, Dokumente verwalten)")
    ui.add_argument("--host", default="127.0.0.1", help="Adresse (Standard: 127.0.0.1, nur dieser Rechner)")
    ui.add_argument("--port", type=int, default=None, help="Port (Standard: erster freier ab 7860)")
    ui.add_argument("--no-ingest", action="store_true", help="beim Start nicht im Hintergrund indexieren")
    return parser


def main(argv: Sequence[str] | None = None, *, app_factory: AppFactory | None = None) -> int:
    """Entry point of the ``assistant`` console script; tests inject ``app_factory`` (fake models)."""
    args = _parser().parse_args(argv)
    from .app import build_app, disable_telemetry

    disable_telemetry()  # start-up: before any command imports a library that reads the switches
    language = DEFAULT_LANGUAGE  # until the settings, which choose it, are read
    try:
        settings = Settings.from_env()
        language = settings.language
        return _COMMANDS[args.command](settings, args, app_factory or build_app)
    except AssistantError as exc:
        print(text("cli.error", language, message=exc.render(language)), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(text("cli.interrupted", language), file=sys.stderr)
        return 130


def _setup(settings: Settings, args: argparse.Namespace, build_app: AppFactory) -> int:
    from .models import fetch_bundled_models

    fetch_bundled_models(settings, small_llm=args.llm == "small", progress=True, verify=args.verify)
    _prepare_embed_backend(settings)
    print(text("cli.models_ready", settings.language, folder=settings.cache_dir / "models"))
    return 0


def _prepare_embed_backend(settings: Settings) -> None:
    """Export and check the faster embedding back end; without it, say why and keep PyTorch."""
    from .indexing.embeddings import prepare_backend

    language = settings.language
    try:
        stamp = prepare_backend(settings, say=lambda message: print(message.render(language), flush=True))
    except ModelError as exc:
        if settings.embed_backend == "openvino":
            raise
        print(text("setup.openvino_unavailable", language, reason=exc.render(language)), file=sys.stderr)
        return
    if stamp is not None:
        print(text("setup.openvino_ready", language, precision=stamp.precision) if stamp.precision
              else text("setup.openvino_failed", language))


def _ingest(settings: Settings, args: argparse.Namespace, build_app: AppFactory) -> int:
    app = build_app(settings)
    language = settings.language
    with _progress_bars(language, enabled=not args.quiet) as progress:
        report = app.ingestor.ingest(
            args.paths or None, prune=not args.no_prune, rebuild=args.rebuild, progress=progress
        )
    for source, reason in sorted(report.failed.items()):
        print(text("cli.skipped", language, reason=reason), file=sys.stderr)
    for source, original in sorted(report.duplicates.items()):
        print(text("cli.skipped_duplicate", language, source=source, original=original), file=sys.stderr)
    print(text(
        "cli.ingest_summary", language, added=len(report.added), updated=len(report.updated),
        unchanged=len(report.unchanged), removed=len(report.removed), failed=len(report.failed),
        embedded=report.chunks_embedded, cached=report.chunks_cached, reused=report.chunks_reused,
        seconds=report.seconds, total=app.index.chunk_count(),
    ))
    return 3 if report.failed else 0


def _search(settings: Settings, args: argparse.Namespace, build_app: AppFactory) -> int:
    if (args.query is None) == (args.questions is None):
        raise InputError("cli.search_one_of")
    k = _positive_k(args.k, settings)
    app = _app_with_index(settings, build_app)
    if args.questions is not None:
        for item in read_questions(args.questions):
            hits, seconds = _timed_search(app, item["q"], k)
            _print_json({"id": item["id"], "retrieved": [h.to_json() for h in hits], "timings": {"retrieval_s": seconds}})
        return 0
    hits, seconds = _timed_search(app, args.query, k)
    if args.json:
        _print_json({"id": None, "query": args.query, "retrieved": [h.to_json() for h in hits], "timings": {"retrieval_s": seconds}})
    else:
        _print_hits(hits, seconds, sys.stdout, settings.language)
    return 0


def _ask(settings: Settings, args: argparse.Namespace, build_app: AppFactory) -> int:
    if (args.question is None) == (args.questions is None):
        raise InputError("cli.ask_one_of")
    k = _positive_k(args.k, settings)
    app = _app_with_index(settings, build_app)
    if args.questions is not None:
        for item in read_questions(args.questions):
            answer = app.answerer.ask(item["q"], mode=args.mode, k=k)
            _print_json(answer.to_json(item["id"]))
        return 0
    answer = app.answerer.ask(args.question, mode=args.mode, k=k)
    if args.json:
        _print_json(answer.to_json())
        return 0
    language = settings.language
    if answer.notice:
        print(text("cli.notice", language, notice=answer.notice) + "\n")
    print(answer.text)
    if answer.citations:
        # In the answer's language, like the answer above.
        print("\n" + text("cli.sources", answer.language))
        for citation in answer.citations:
            print(f"[{citation.n}] {citation.label(answer.language)}")
    t = answer.timings
    timings = text("cli.ask_timings", language, mode=answer.mode, retrieval=t["retrieval_s"], total=t["total_s"])
    print("\n" + timings, file=sys.stderr)
    return 0


def _eval(settings: Settings, args: argparse.Namespace, build_app: AppFactory) -> int:
    from .evaluation import evaluate_file

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in ("extractive", "llm")]
    if unknown or not modes:
        raise InputError("cli.unknown_modes", unknown=", ".join(unknown) or Message("cli.empty_value"))
    items = list(read_questions(args.questions))
    app = _app_with_index(settings, build_app, ingest_if_empty=True)
    markdown = evaluate_file(app, items, modes, _positive_k(args.k, settings), args.out, progress=sys.stderr)
    print(markdown)
    print(text("cli.report", settings.language, files=f"{args.out / 'report.json'}, {args.out / 'report.md'}"), file=sys.stderr)
    return 0


def _bench(settings: Settings, args: argparse.Namespace, build_app: AppFactory) -> int:
    bench = _import_bench()
    questions = args.questions or bench.default_questions(settings.home)
    extra = args.extra or bench.default_extra_dir(settings.home)
    try:
        scales = tuple(int(part) for part in ("1,2" if args.quick else args.scales).split(",") if part.strip())
    except ValueError:
        raise InputError("cli.bad_scales", value=args.scales) from None
    options = bench.BenchOptions(
        questions=questions,
        extra_dir=extra,
        scales=scales,
        repeat=1 if args.quick else args.repeat,
        llm_runs=1 if args.quick else args.llm_runs,
        llm_max_tokens=args.llm_max_tokens,
        baseline=not args.no_baseline,
        llm=not args.no_llm,
        reference_batch_size=args.reference_batch_size,
    )
    started = time.perf_counter()
    bench.run_bench(settings, options, args.out, progress=lambda stage: print(f"[{time.perf_counter() - started:6.0f} s] {stage}", file=sys.stderr, flush=True))
    print((args.out / "bench.md").read_text(encoding="utf-8"))
    print(text("cli.report", settings.language, files=f"{args.out / 'bench.json'}, {args.out / 'bench.md'}"), file=sys.stderr)
    return 0


def _import_bench() -> Any:
    """The ``benchmarks.bench`` module: benchmarks are not part of the product and load only for this command."""
    try:
        from benchmarks import bench
    except ImportError as exc:
        raise ConfigError("cli.bench_missing", missing=exc.name or str(exc)) from exc
    return bench


def _documents(settings: Settings, args: argparse.Namespace, build_app: AppFactory) -> int:
    from .indexing.store import Manifest

    manifest = Manifest.load(settings.index_dir / "manifest.json")
    language = settings.language
    if manifest is None or not manifest.documents:
        print(text("cli.no_documents", language, folder=settings.index_dir))
        return 0
    print(text("cli.embedder", language, name=manifest.embedder, dimension=manifest.dimension))
    for record in sorted(manifest.documents.values(), key=lambda r: r.source):
        pages = text("cli.pages", language, pages=record.pages) if record.pages else "–"
        chunks = text("cli.chunks", language, chunks=len(record.chunk_ids))
        print(f"{record.source}\t{record.kind}\t{pages}\t{chunks}\t{record.indexed_at}\t{record.title}")
    return 0


#: Characters of a profile value on one line of ``assistant programmes`` (``--json`` has it all).
CLI_VALUE_CHARS = 160


def _programmes(settings: Settings, args: argparse.Namespace, build_app: AppFactory) -> int:
    from .programmes.book import overview
    from .programmes.dates import format_date
    from .programmes.profiles import FIELD_LABELS, FIELDS
    from .text import shortened

    app = _app_with_index(settings, build_app, ingest_if_empty=True)
    # Profiles are made at ingest: bring changed files (and an index of an older version) up to date first.
    _ingest_with_progress(app, settings.language, quiet_when_unchanged=True)
    language = settings.language
    rows = overview(app.programmes, language)
    today = app.programmes.today()
    if args.json:
        _print_json({"today": today.isoformat(), "programmes": [row.to_json() for row in rows]})
        return 0
    if not rows:
        print(text("programme.none", language))
        return 0
    print(text("programme.cli_header", language, count=len(rows), date=format_date(today, language)))
    for row in rows:
        profile = row.profile
        print(f"\n{profile.name} — {row.status_text}")
        print(f"  {text('programme.field.source', language)}: {profile.source}")
        for name in FIELDS:
            field = profile.fields[name]
            value = field.value or text("programme.not_stated", language)
            pages = sorted({s.page for s in field.statements if s.page})
            where = f" [{', '.join(text('answer.page', language, page=p).strip(' ,') for p in pages)}]" if pages else ""
            print(f"  {FIELD_LABELS[name].render(language)}: {shortened(value, CLI_VALUE_CHARS)}{where}")
    return 0


def _brief(settings: Settings, args: argparse.Namespace, build_app: AppFactory) -> int:
    from .advising.briefing import build_briefing, knowledge_base_date
    from .advising.export import FORMATS, briefing_blocks, markdown, write_export
    from .advising.project import load_profile

    language = settings.language
    if args.out is not None and args.out.suffix.lower() not in FORMATS:
        raise InputError("export.bad_suffix", path=args.out, suffixes=", ".join(sorted(FORMATS)))
    project = load_profile(args.profile)  # a bad profile is reported before any model loads
    app = _app_with_index(settings, build_app, ingest_if_empty=True)
    _ingest_with_progress(app, language, quiet_when_unchanged=True)

    def progress(step: int, total: int, label: str) -> None:
        print(f"[{step}/{total}] {label}", file=sys.stderr)

    briefing = build_briefing(
        project, book=app.programmes, retriever=app.retriever, answerer=app.answerer, language=language, mode=args.mode,
        knowledge_base_date=knowledge_base_date(app.index.records().values()), progress=progress,
    )
    blocks = briefing_blocks(briefing)
    if args.out is None:
        sys.stdout.write(markdown(blocks))
    else:
        print(text("cli.brief_written", language, path=write_export(blocks, args.out, language)), file=sys.stderr)
    return 0


def _users(settings: Settings, args: argparse.Namespace, build_app: AppFactory) -> int:
    from .web.users import UserFile

    language = settings.language
    users = UserFile(settings.users_file)  # type: ignore[arg-type]
    if args.action == "list":
        names = users.names()
        print("\n".join(names) if names else text("users.none", language, path=users.path))
        return 0
    if args.action == "remove":
        users.remove(args.name)
        print(text("users.removed", language, name=args.name))
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        password = getpass.getpass(text("users.prompt", language, name=args.name))
        if getpass.getpass(text("users.prompt_again", language)) != password:
            raise InputError("users.mismatch")
    new = users.add(args.name, password)
    print(text("users.added", language, name=args.name, path=users.path) if new else text("users.changed", language, name=args.name, path=users.path))
    return 0


def _ui(settings: Settings, args: argparse.Namespace, build_app: AppFactory) -> int:
    from .web.serving import is_loopback, pick_port, ui_login
    from .web.users import UserFile

    users = ui_login(args.host, UserFile(settings.users_file))  # type: ignore[arg-type]
    port = pick_port(args.host, args.port)
    app = build_app(settings)
    language = settings.language
    # An index built with another embedding model cannot serve at all: say so now, not in every answer.
    # (The check compares names only; nothing is loaded.) Everything else about indexing happens in the
    # background while the UI serves.
    app.index.check_embedder(app.embedder.name, repairing=True)
    if not is_loopback(args.host):
        print(text("cli.network_warning", language, host=args.host), file=sys.stderr)
    from .web.ui import serve

    serve(app, args.host, port, users, index_corpus=not args.no_ingest)
    return 0


_COMMANDS: dict[str, Callable[[Settings, argparse.Namespace, AppFactory], int]] = {
    "setup": _setup,
    "programmes": _programmes,
    "brief": _brief,
    "users": _users,
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
        raise InputError("cli.k_too_small", k=k)
    return k


def _app_with_index(settings: Settings, build_app: AppFactory, ingest_if_empty: bool = False) -> "App":
    app = build_app(settings)
    if ingest_if_empty and not app.index.records():
        # A fresh checkout: evaluate the shipped knowledge base rather than stop at an empty index.
        print(text("cli.indexing_first", settings.language, folder=settings.corpus_dir), file=sys.stderr)
        _ingest_with_progress(app, settings.language)
    if not app.index.records():
        raise IndexStateError("cli.index_empty", folder=settings.index_dir)
    return app


def _ingest_with_progress(app: Any, language: str, quiet_when_unchanged: bool = False) -> None:
    """Bring the index up to date with the corpus, with progress bars and a per-file report on stderr."""
    from .web.library import report_messages

    with _progress_bars(language, enabled=True) as progress:
        report = app.ingestor.ingest(progress=progress)
    if quiet_when_unchanged and not (report.changed or report.failed):
        return
    for line in report_messages(report, language):
        print(line, file=sys.stderr)


def read_questions(path: Path) -> Iterator[dict[str, Any]]:
    """Questions from a JSONL file ({"id", "q"} per line); InputError names the bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("cli.questions_unreadable", path=path, error=str(exc)) from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError("cli.questions_bad_json", path=path, line=number, error=exc.msg) from exc
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not item["q"].strip():
            raise InputError("cli.questions_no_q", path=path, line=number)
        item.setdefault("id", str(number))
        yield item


def _timed_search(app: Any, query: str, k: int) -> tuple[list[Any], float]:
    started = time.perf_counter()
    hits = app.retriever.search(query, k)
    return hits, round(time.perf_counter() - started, 4)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _print_hits(hits: list[Any], seconds: float, out: TextIO, language: str) -> None:
    if not hits:
        print(text("cli.no_hits", language), file=out)
        return
    for number, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        page = text("answer.page", language, page=chunk.page) if chunk.page else ""
        section = f" — {chunk.section}" if chunk.section else ""
        snippet = " ".join(chunk.text.split())
        snippet = snippet if len(snippet) <= 300 else snippet[:300].rsplit(" ", 1)[0] + " …"
        print(text(
            "cli.hit", language, number=number, title=chunk.title, page=page, section=section,
            score=hit.score, similarity=hit.dense_score,
        ), file=out)
        print(f"    {snippet}", file=out)
    print(text("cli.hits_summary", language, count=len(hits), seconds=seconds), file=out)


class _progress_bars:
    """tqdm bars on stderr for the ingest stages; a no-op when disabled or not a terminal-friendly run."""

    def __init__(self, language: str, enabled: bool) -> None:
        self.language = language
        self.enabled = enabled
        self._bars: dict[str, Any] = {}

    def __enter__(self) -> Callable[[str, int, int], None] | None:
        if not self.enabled:
            return None
        from tqdm import tqdm

        from .indexing.ingest import stage_label

        def update(stage: str, done: int, total: int) -> None:
            bar = self._bars.get(stage)
            if bar is None:
                bar = self._bars[stage] = tqdm(total=total, desc=stage_label(stage, self.language), unit="", file=sys.stderr)
            bar.total = total
            bar.n = done
            bar.refresh()

        return update

    def __exit__(self, *exc: object) -> None:
        for bar in self._bars.values():
            bar.close()
