"""The "Beratung vorbereiten" tab and "Gespräch exportieren": runs and files, without Gradio.

A briefing runs in a worker thread so the tab can show each step as it happens and stop between
steps when "Abbrechen" is clicked. In llm mode it lines up in the chat's
:class:`~assistant.web.conversation.LlmQueue` like a chat answer (one model, one request at a time).
Exported files are written to a private temporary folder, from where Gradio copies them into its
download cache; files older than :data:`EXPORT_MAX_AGE_S` are removed on the next export.
"""

from __future__ import annotations

import queue
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from ..advising.briefing import Briefing, build_briefing, knowledge_base_date
from ..advising.export import briefing_blocks, conversation_blocks, markdown, write_export
from ..advising.project import profile_from_fields
from ..errors import AssistantError, BriefingCancelled
from ..messages import text
from .conversation import QUEUE_POLL_SECONDS, LlmQueue, Session

if TYPE_CHECKING:
    from ..answering.answer import Answerer
    from ..answering.retrieval import Retriever
    from ..indexing.store import Index
    from ..programmes.book import ProgrammeBook

#: Exports are removed from the private folder after an hour (Gradio keeps its own copy as long).
EXPORT_MAX_AGE_S = 3600
_EXPORTS = Path(tempfile.gettempdir()) / "beratungsassistent-exports"


@dataclass
class BriefRun:
    """A tab's briefing in progress: the cancel flag its worker checks between steps.

    A plain flag (not an Event): Gradio deep-copies a state's initial value for every tab.
    """

    cancelled: bool = False

    def is_cancelled(self) -> bool:
        return self.cancelled


@dataclass(frozen=True)
class BriefEvent:
    """What the tab shows next: a progress line, an error, or the finished briefing and its files."""

    status: str
    briefing: Briefing | None = None
    files: tuple[Path, ...] = ()
    preview: str = ""


def run_briefing(
    fields: Mapping[str, Any],
    mode: str,
    language: str,
    run: BriefRun,
    *,
    book: "ProgrammeBook",
    retriever: "Retriever",
    answerer: "Answerer",
    index: "Index",
    llm_queue: LlmQueue,
) -> Iterator[BriefEvent]:
    """Assemble a briefing from the form's ``fields``, yielding progress; the last event has the files."""
    run.cancelled = False
    try:
        project = profile_from_fields(fields, text("ui.brief.form", language))
    except AssistantError as exc:
        yield BriefEvent(exc.render(language))
        return
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    ticket = llm_queue.enter() if mode == "llm" else None

    def work() -> None:
        try:
            if ticket is not None:
                while not ticket.wait(QUEUE_POLL_SECONDS):
                    if run.is_cancelled():
                        raise BriefingCancelled("brief.cancelled")
                    events.put(("progress", text("ui.brief.waiting", language, position=ticket.position())))
            briefing = build_briefing(
                project, book=book, retriever=retriever, answerer=answerer, language=language, mode=mode,
                knowledge_base_date=knowledge_base_date(index.records().values()),
                progress=lambda step, total, label: events.put(("progress", f"{label} ({step}/{total})")),
                cancelled=run.is_cancelled,
            )
            events.put(("done", briefing))
        except AssistantError as exc:
            events.put(("error", exc.render(language)))
        except Exception as exc:  # noqa: BLE001 - shown in the tab instead of a silent stop
            events.put(("error", text("ui.brief.failed", language, error=f"{type(exc).__name__}: {exc}")))
        finally:
            if ticket is not None:
                ticket.release()

    threading.Thread(target=work, name="briefing", daemon=True).start()
    while True:
        kind, payload = events.get()
        if kind == "progress":
            yield BriefEvent(payload)
        elif kind == "error":
            yield BriefEvent(payload)
            return
        else:
            blocks = briefing_blocks(payload)
            files = export_files(blocks, _slug(project.name or "beratungsmappe"), language)
            yield BriefEvent(text("ui.brief.done", language, sources=len(payload.sources)), payload, files, markdown(blocks))
            return


def export_conversation(session: Session, language: str, today: Callable[[], Any]) -> tuple[Path, ...]:
    """The tab's conversation as Markdown and PDF (InputError-free: an empty chat gives no files)."""
    turns = [(t.question, t.answer) for t in session.turns if t.answer is not None]
    if not turns:
        return ()
    return export_files(conversation_blocks(turns, language, today()), "gespraech", language)


def export_files(blocks: Any, stem: str, language: str) -> tuple[Path, ...]:
    """``blocks`` written as ``<stem>.md`` and ``<stem>.pdf`` into a fresh private folder."""
    _EXPORTS.mkdir(mode=0o700, exist_ok=True)
    _sweep()
    folder = Path(tempfile.mkdtemp(dir=_EXPORTS))
    return tuple(write_export(blocks, folder / f"{stem}{suffix}", language) for suffix in (".md", ".pdf"))


def _sweep() -> None:
    cutoff = time.time() - EXPORT_MAX_AGE_S
    for folder in _EXPORTS.iterdir():
        try:
            if folder.stat().st_mtime < cutoff:
                for file in folder.iterdir():
                    file.unlink()
                folder.rmdir()
        except OSError:
            continue  # another process's export, or already gone


def _slug(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.strip().casefold())
    return "-".join(part for part in cleaned.split("-") if part)[:60] or "beratungsmappe"

