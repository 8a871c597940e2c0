"""Gradio adapter: the web UI's layout and thin callbacks; all logic lives in pure modules.

* :mod:`assistant.web.conversation` — follow-up rewriting, per-tab session, streaming a turn, LLM queue
* :mod:`assistant.web.presentation` — chat messages, sources panel, documents table, status (escaped)
* :mod:`assistant.web.library` — uploads, deletion, re-indexing
* :mod:`assistant.web.serving` — document routes, login, host and port checks

Concurrency: every browser tab has its own :class:`~assistant.web.conversation.Session` in ``gr.State``;
extractive answers run in parallel, llm answers line up in one :class:`~assistant.web.conversation.LlmQueue`
(the model serves one request at a time) and show their position; indexing runs in its own Gradio
queue with one slot, so chatting stays responsive meanwhile. At start the corpus is indexed in the
background (:class:`~assistant.indexing.background.BackgroundIngest`): the UI serves at once, a banner
shows the progress, and uploads, deletions and re-indexing wait for that run.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import gradio as gr

from .conversation import LlmQueue, Session, Turn, answer_turn, stop_turn
from ..errors import AssistantError, ConfigError
from ..indexing.background import BackgroundIngest, IngestStatus
from ..indexing.ingest import ProgressCallback, stage_label
from ..messages import text
from ..programmes.book import overview
from ..programmes.dates import format_date
from .library import delete_document, reindex, report_messages, upload_documents
from .presentation import (
    LANGUAGES,
    chat_messages,
    collect_status,
    document_choices,
    document_headers,
    document_rows,
    indexing_html,
    sources_html,
    status_html,
)
from .advising import BriefRun, export_conversation, run_briefing
from .programmes import (
    MAX_COMPARED,
    Filters,
    compare_choices,
    comparison_html,
    programme_headers,
    programme_rows,
    status_choices,
)
from .serving import BasicAuthMiddleware, document_router

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

    from ..answering.answer import Answerer
    from ..answering.warmup import EvidenceWarmer
    from ..app import App
    from ..config import Settings
    from ..indexing.ingest import Ingestor
    from ..indexing.store import DocumentRecord, Index
    from ..models import ResolvedModel
    from ..answering.retrieval import Retriever
    from ..programmes.book import ProgrammeBook
    from .users import UserFile

#: What a callback returns: new values or updates for some components, keyed by component (the rest stay).
Updates = dict[Any, Any]

#: Legal forms offered in the briefing form (any other may be typed in).
LEGAL_FORMS = ["e.V.", "gGmbH", "GmbH", "Stiftung", "Genossenschaft", "Kommune", "Hochschule", "Unternehmen"]
UPLOAD_TYPES = [".pdf", ".md", ".markdown", ".html", ".htm", ".txt"]
#: Answers computed at the same time (each holds a worker thread; llm answers still queue for the model).
ANSWER_CONCURRENCY = 8

CSS = """
.answer p { margin: 0 0 .5em; }
.answer ul { margin: .2em 0 .5em 1.2em; }
.answer .notice { font-size: .9em; opacity: .85; }
.answer .meta { font-size: .8em; opacity: .7; margin-top: .4em; }
.answer .status { font-style: italic; }
.answer .evidence { border-left: 3px solid rgba(127, 127, 127, .4); padding-left: .7em; margin-bottom: .6em; font-size: .95em; }
.answer.refusal { border-left: 5px solid #b45309; background: rgba(251, 191, 36, .15); padding: .6em .9em; border-radius: 6px; }
.answer.error { border-left: 5px solid #b91c1c; background: rgba(248, 113, 113, .15); padding: .6em .9em; border-radius: 6px; }
.answer .box-title { margin-bottom: .3em; }
.answer .cursor { animation: blink 1s steps(2) infinite; }
@keyframes blink { 50% { opacity: 0; } }
a.cite { font-weight: 600; text-decoration: none; padding: 0 .1em; position: relative; white-space: nowrap; }
a.cite:hover, a.cite:focus { text-decoration: underline; }
.sources p, .sources blockquote { display: block; }
.sources ol { padding-left: 1.2em; }
.sources li { margin-bottom: 1em; }
.sources .source-meta { font-size: .9em; opacity: .8; margin: .1em 0; }
.sources .passage { white-space: pre-line; border-left: 3px solid #9ca3af; margin: .4em 0; padding: .2em .7em;
  max-height: 18em; overflow: auto; font-size: .95em; }
.sources mark { background: #fde68a; color: #111827; }
.sources li:focus, .sources li:target { outline: 3px solid #2563eb; outline-offset: 3px; border-radius: 4px; }
.sources .refusal-note { border-left: 5px solid #b45309; padding-left: .6em; }
.status table { border-collapse: collapse; } .status th, .status td { text-align: left; padding: .3em 1em .3em 0; vertical-align: top; }
.indexing { border-left: 5px solid #2563eb; background: rgba(96, 165, 250, .12); padding: .5em .9em; border-radius: 6px; }
.indexing.failed { border-left-color: #b91c1c; background: rgba(248, 113, 113, .15); }
.indexing.done { border-left-color: #15803d; background: rgba(74, 222, 128, .12); }
table.compare { border-collapse: collapse; width: 100%; } table.compare caption { text-align: left; opacity: .8; }
table.compare th, table.compare td { text-align: left; vertical-align: top; padding: .4em .8em .4em 0; border-top: 1px solid rgba(127, 127, 127, .3); }
table.compare blockquote { margin: .3em 0; padding-left: .6em; border-left: 3px solid #9ca3af; font-size: .9em; white-space: pre-line; }
table.compare .where { font-size: .85em; } .status-expired { color: #b91c1c; } .status-open { color: #15803d; }
.not-stated { opacity: .7; font-style: italic; }
#programmes td, #programmes td * { white-space: normal !important; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
"""

#: Runs once on page load: document language for screen readers, and citation links that move focus
#: to their source entry (the chat's Markdown renderer is not in charge of in-page navigation).
JS = """
() => {
  document.documentElement.lang = 'de';
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.cite');
    if (!link) return;
    const id = (link.getAttribute('href') || '').replace(/^#/, '');
    const target = document.getElementById(id);
    if (!target) return;
    event.preventDefault();
    event.stopPropagation();
    target.scrollIntoView({behavior: 'smooth', block: 'start'});
    target.focus({preventScroll: true});
  }, true);
}
"""


@dataclass
class View:
    """The components the callbacks update, created by :meth:`ChatUI.build`."""

    heading: gr.Markdown
    language: gr.Radio
    indexing: gr.HTML
    indexing_timer: gr.Timer
    chat_tab: gr.Tab
    documents_tab: gr.Tab
    status_tab: gr.Tab
    programmes_tab: gr.Tab
    brief_tab: gr.Tab
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    stop: gr.Button
    new: gr.Button
    mode: gr.Radio
    query_accordion: gr.Accordion
    query: gr.Textbox
    sources: gr.HTML
    upload: gr.File
    library_status: gr.Textbox
    table: gr.Dataframe
    choice: gr.Dropdown
    delete: gr.Button
    reindex: gr.Button
    refresh: gr.Button
    status: gr.HTML
    programmes_intro: gr.Markdown
    programme_status: gr.Dropdown
    programme_applicant: gr.Textbox
    programme_amount: gr.Number
    programme_table: gr.Dataframe
    programme_compare: gr.Dropdown
    programme_comparison: gr.HTML
    export_chat: gr.Button
    export_files: gr.File
    brief_intro: gr.Markdown
    brief_name: gr.Textbox
    brief_description: gr.Textbox
    brief_legal_form: gr.Dropdown
    brief_topic: gr.Textbox
    brief_budget: gr.Number
    brief_months: gr.Number
    brief_personal: gr.Radio
    brief_ai: gr.Radio
    brief_mode: gr.Radio
    brief_start: gr.Button
    brief_cancel: gr.Button
    brief_status: gr.Textbox
    brief_files: gr.File
    brief_preview: gr.Markdown
    brief_run: gr.State
    session: gr.State


class ChatUI:
    """The web UI over an answerer and an index; :meth:`build` returns the Gradio Blocks.

    The callbacks return ``{component: update}`` for the components of :attr:`view` they change, so
    they need :meth:`build` to have run.
    """

    def __init__(
        self,
        answerer: "Answerer",
        ingestor: "Ingestor",
        index: "Index",
        settings: "Settings",
        *,
        embedder_name: str,
        llm: "ResolvedModel | None",
        programmes: "ProgrammeBook",
        retriever: "Retriever",
        language: str = "de",
        background: BackgroundIngest | None = None,
        warmer: "EvidenceWarmer | None" = None,
    ) -> None:
        self.answerer = answerer
        self.programmes = programmes
        self.retriever = retriever  # the briefing judges programmes by their closeness to the project
        self.ingestor = ingestor
        self.index = index
        self.settings = settings
        self.embedder_name = embedder_name  # for the status tab, as are settings and llm
        self.llm = llm
        self.language = language
        self.queue = LlmQueue(settings.llm_slots)
        #: The start-up indexing run, if any: shown in a banner; library changes wait for it.
        self.background = background
        #: Embeds the evidence units of new documents after an upload or re-indexing (idle time).
        self.warmer = warmer
        self._view: View | None = None

    @classmethod
    def for_app(cls, app: "App", language: str = "de", background: BackgroundIngest | None = None) -> "ChatUI":
        """The UI wired to the parts of an assembled app (and to the start-up indexing run, if any)."""
        return cls(
            app.answerer, app.ingestor, app.index, app.settings,
            embedder_name=app.embedder.name, llm=app.llm, programmes=app.programmes,
            retriever=app.retriever, language=language, background=background, warmer=app.warmer,
        )

    @property
    def view(self) -> View:
        """The components of the last :meth:`build`."""
        if self._view is None:
            raise RuntimeError("ChatUI.build() creates the components the callbacks update")
        return self._view

    # -- layout ---------------------------------------------------------------------------------------

    def build(self) -> gr.Blocks:
        """Lay out chat, documents and status tabs and wire the callbacks."""
        code = self.language
        language_label = next(label for label, code in LANGUAGES.items() if code == self.language)
        with gr.Blocks(title=text("ui.title", code), analytics_enabled=False, delete_cache=(3600, 3600)) as blocks:
            session = gr.State(Session(language=self.language))
            with gr.Row(equal_height=True):
                heading = gr.Markdown(self._heading(code), elem_id="heading")
                language = gr.Radio(list(LANGUAGES), value=language_label, label=text("ui.language", code), elem_id="language", scale=0, min_width=220)
            indexing = gr.HTML(indexing_html(self._ingest_status(), code), elem_id="indexing", js_on_load=None)
            # Ticks only while the start-up indexing runs (each page load has its own timer).
            indexing_timer = gr.Timer(2.0, active=self._ingest_pending())
            with gr.Tabs():
                with gr.Tab(text("ui.tab.chat", code), id="chat") as chat_tab:
                    with gr.Row(equal_height=False):
                        with gr.Column(scale=3, min_width=360):
                            chatbot = gr.Chatbot(
                                label=text("ui.chat_label", code), elem_id="chat", height="58vh", placeholder=text("ui.chat_placeholder", code),
                                buttons=["copy", "copy_all"], feedback_options=None, latex_delimiters=[],
                                sanitize_html=True, group_consecutive_messages=False,
                            )
                            question = gr.Textbox(
                                label=text("ui.question", code), placeholder=text("ui.question_placeholder", code), elem_id="question",
                                lines=1, max_lines=4, autofocus=True,
                            )
                            with gr.Row():
                                send = gr.Button(text("ui.send", code), variant="primary", elem_id="send")
                                stop = gr.Button(text("ui.stop", code), variant="stop", elem_id="stop")
                                new = gr.Button(text("ui.new_chat", code), variant="secondary", elem_id="new-chat")
                            mode = gr.Radio(
                                self._mode_choices(code), value=self.answerer.default_mode, label=text("ui.mode", code),
                                info=text("ui.mode_info", code), elem_id="mode",
                            )
                            with gr.Accordion(text("ui.query_accordion", code), open=False, elem_id="query-accordion") as query_accordion:
                                query = gr.Textbox(label=text("ui.query_label", code), interactive=False, elem_id="query")
                            export_chat = gr.Button(text("ui.export_chat", code), variant="secondary", elem_id="export-chat", size="sm")
                            export_files = gr.File(label=text("ui.export_files", code), file_count="multiple", interactive=False,
                                                   visible=False, elem_id="export-files")
                        with gr.Column(scale=2, min_width=320):
                            sources = gr.HTML(sources_html(Session(language=self.language)), elem_id="sources", js_on_load=None)
                with gr.Tab(text("ui.tab.documents", code), id="documents") as documents_tab:
                    upload = gr.File(
                        label=text("ui.upload", code, mb=self.settings.upload_max_mb), file_count="multiple",
                        file_types=UPLOAD_TYPES, type="filepath", elem_id="upload",
                    )
                    library_status = gr.Textbox(label=text("ui.library_status", code), interactive=False, lines=3, elem_id="library-status")
                    records = self._records()
                    table = gr.Dataframe(
                        value=document_rows(records, self.language), headers=document_headers(self.language),
                        label=text("ui.documents_table", code), interactive=False, wrap=True, elem_id="documents", max_height=480,
                        column_widths=["28%", "9%", "8%", "10%", "15%", "30%"],
                    )
                    with gr.Row(equal_height=True):
                        choice = gr.Dropdown(document_choices(records), value=None, label=text("ui.delete_choice", code), elem_id="delete-choice", scale=3)
                        delete = gr.Button(text("ui.delete", code), variant="stop", elem_id="delete", scale=1)
                    with gr.Row():
                        reindex_button = gr.Button(text("ui.reindex", code), elem_id="reindex")
                        refresh = gr.Button(text("ui.refresh", code), elem_id="refresh")
                with gr.Tab(text("ui.tab.programmes", code), id="programmes") as programmes_tab:
                    rows = overview(self.programmes, code)
                    programmes_intro = gr.Markdown(self._programmes_intro(code), elem_id="programmes-intro")
                    with gr.Row(equal_height=True):
                        programme_status = gr.Dropdown(status_choices(code), value="all", label=text("ui.programmes.status_filter", code),
                                                       elem_id="programme-status", scale=1)
                        programme_applicant = gr.Textbox(label=text("ui.programmes.applicant_filter", code), elem_id="programme-applicant",
                                                         placeholder=text("ui.programmes.applicant_placeholder", code), scale=2)
                        programme_amount = gr.Number(label=text("ui.programmes.min_amount", code), value=None, minimum=0,
                                                     elem_id="programme-amount", scale=1)
                    programme_table = gr.Dataframe(
                        value=programme_rows(rows, Filters(), code), headers=programme_headers(code), datatype="markdown",
                        label=text("ui.programmes.table", code), interactive=False, wrap=True, elem_id="programmes", max_height=520,
                    )
                    programme_compare = gr.Dropdown(compare_choices(rows), value=[], multiselect=True, max_choices=MAX_COMPARED,
                                                    label=text("ui.programmes.compare", code), elem_id="programme-compare")
                    programme_comparison = gr.HTML(self._comparison([], code), elem_id="programme-comparison", js_on_load=None)
                with gr.Tab(text("ui.tab.brief", code), id="brief") as brief_tab:
                    brief_run = gr.State(BriefRun())
                    brief_intro = gr.Markdown(text("ui.brief.intro", code), elem_id="brief-intro")
                    with gr.Row(equal_height=False):
                        with gr.Column(scale=2, min_width=360):
                            brief_name = gr.Textbox(label=text("ui.brief.name", code), elem_id="brief-name")
                            brief_description = gr.Textbox(label=text("ui.brief.description", code), lines=5, elem_id="brief-description",
                                                           placeholder=text("ui.brief.description_placeholder", code))
                            with gr.Row():
                                brief_legal_form = gr.Dropdown(LEGAL_FORMS, value=None, allow_custom_value=True, elem_id="brief-legal-form",
                                                               label=text("ui.brief.legal_form", code))
                                brief_topic = gr.Textbox(label=text("ui.brief.topic", code), elem_id="brief-topic")
                            with gr.Row():
                                brief_budget = gr.Number(label=text("ui.brief.budget", code), minimum=0, elem_id="brief-budget")
                                brief_months = gr.Number(label=text("ui.brief.months", code), minimum=0, precision=0, elem_id="brief-months")
                            brief_personal = gr.Radio(self._yes_no(code), value="", label=text("ui.brief.personal_data", code), elem_id="brief-personal")
                            brief_ai = gr.Radio(self._yes_no(code), value="", label=text("ui.brief.ai_on_people", code), elem_id="brief-ai")
                            brief_mode = gr.Radio(self._mode_choices(code), value="extractive", label=text("ui.brief.mode", code), elem_id="brief-mode")
                            with gr.Row():
                                brief_start = gr.Button(text("ui.brief.start", code), variant="primary", elem_id="brief-start")
                                brief_cancel = gr.Button(text("ui.brief.cancel", code), variant="stop", elem_id="brief-cancel")
                            brief_status = gr.Textbox(label=text("ui.brief.status", code), interactive=False, elem_id="brief-status")
                            brief_files = gr.File(label=text("ui.brief.files", code), file_count="multiple", interactive=False, elem_id="brief-files")
                        with gr.Column(scale=3, min_width=420):
                            brief_preview = gr.Markdown(label=text("ui.brief.preview", code), elem_id="brief-preview", sanitize_html=True)
                with gr.Tab(text("ui.tab.status", code), id="status") as status_tab:
                    status = gr.HTML(self._status_html(records, self.language), elem_id="status", js_on_load=None)
            self._view = View(
                heading, language, indexing, indexing_timer, chat_tab, documents_tab, status_tab, programmes_tab, brief_tab, chatbot,
                question, send, stop, new, mode, query_accordion, query, sources, upload, library_status, table, choice, delete,
                reindex_button, refresh, status, programmes_intro, programme_status, programme_applicant, programme_amount,
                programme_table, programme_compare, programme_comparison, export_chat, export_files, brief_intro, brief_name,
                brief_description, brief_legal_form, brief_topic, brief_budget, brief_months, brief_personal, brief_ai, brief_mode,
                brief_start, brief_cancel, brief_status, brief_files, brief_preview, brief_run, session,
            )

            # The callbacks return {component: update}: these lists only declare what each may update.
            private: dict[str, Any] = {"api_visibility": "private"}
            gr.on(
                [send.click, question.submit], self.ask, inputs=[question, mode, session],
                outputs=[chatbot, sources, query, question, session], show_progress="hidden",
                # A question sent right after "Stopp" (or while an answer runs) waits for it instead of being dropped.
                trigger_mode="always_last",
                concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answer",
                # Callable by gradio_client (scripts, the team load run) but not advertised; behind the login like all else.
                api_name="ask", api_visibility="undocumented",
            )
            # Stopping sets a flag the streaming step checks (see conversation.stop_turn): Gradio's
            # `cancels=` leaves the browser's request pending and swallows a question sent right after.
            stop.click(self.stop, inputs=[session], outputs=[chatbot, sources, session], queue=False, **private)
            for starts_over in (new.click, chatbot.clear):  # the chat's own bin icon also starts over
                starts_over(self.new_conversation, inputs=[session], outputs=[chatbot, sources, query, session], queue=False, **private)

            library_outputs = [library_status, table, choice, status]
            upload.upload(
                self.upload, inputs=[upload, language], outputs=[*library_outputs, upload],
                concurrency_limit=1, concurrency_id="ingest", **private,
            )
            delete.click(self.delete, inputs=[choice, language], outputs=library_outputs, concurrency_limit=1, concurrency_id="ingest", **private)
            reindex_button.click(self.reindex, inputs=[language], outputs=library_outputs, concurrency_limit=1, concurrency_id="ingest", **private)
            refresh.click(self.refresh, inputs=[language], outputs=[table, choice, status], queue=False, **private)
            blocks.load(self.refresh, inputs=[language], outputs=[table, choice, status], queue=False, **private)
            filters = [programme_status, programme_applicant, programme_amount, language]
            gr.on([programme_status.change, programme_applicant.submit, programme_applicant.blur, programme_amount.change, programmes_tab.select],
                  self.filter_programmes, inputs=filters, outputs=[programmes_intro, programme_table, programme_compare],
                  queue=False, show_progress="hidden", **private)
            programme_compare.change(self.compare_programmes, inputs=[programme_compare, language], outputs=[programme_comparison],
                                     queue=False, show_progress="hidden", **private)
            export_chat.click(self.export_conversation, inputs=[session], outputs=[export_files], queue=False, **private)
            brief_inputs = [brief_name, brief_description, brief_legal_form, brief_topic, brief_budget, brief_months, brief_personal,
                            brief_ai, brief_mode, language, brief_run]
            brief_start.click(self.brief, inputs=brief_inputs, outputs=[brief_status, brief_preview, brief_files],
                              concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answer", show_progress="hidden", **private)
            brief_cancel.click(self.cancel_brief, inputs=[brief_run, language], outputs=[brief_status], queue=False, **private)
            indexing_timer.tick(self.indexing_tick, inputs=[language], outputs=[indexing, indexing_timer, table, choice, status],
                                queue=False, show_progress="hidden", **private)

            relabelled = [
                heading, language, indexing, chat_tab, documents_tab, status_tab, programmes_tab, chatbot, question, send, stop, new, mode,
                query_accordion, query, upload, table, choice, delete, reindex_button, refresh, sources, status,
                programmes_intro, programme_status, programme_applicant, programme_amount, programme_table, programme_compare,
                programme_comparison, brief_tab, export_chat, export_files, brief_intro, brief_name, brief_description, brief_legal_form,
                brief_topic, brief_budget, brief_months, brief_personal, brief_ai, brief_mode, brief_start, brief_cancel, brief_status,
                brief_files, brief_preview, session,
            ]
            language.change(
                self.switch_language, inputs=[language, session], outputs=relabelled, queue=False,
                js="(label, session) => { document.documentElement.lang = label === 'English' ? 'en' : 'de'; return [label, session]; }",
                **private,
            )
        blocks.queue(max_size=64)
        return blocks

    @staticmethod
    def _heading(code: str) -> str:
        return f"# {text('ui.title', code)}\n{text('ui.intro', code)}"

    @staticmethod
    def _yes_no(code: str) -> list[tuple[str, str]]:
        return [(text("brief.yes", code), "ja"), (text("brief.no", code), "nein"), (text("ui.brief.unknown", code), "")]

    @staticmethod
    def _mode_choices(code: str) -> list[tuple[str, str]]:
        return [(text("ui.mode.extractive", code), "extractive"), (text("ui.mode.llm", code), "llm")]

    def _records(self) -> list["DocumentRecord"]:
        return list(self.index.records().values())

    def _status_html(self, records: list["DocumentRecord"], language: str) -> str:
        info = collect_status(self.settings, self.embedder_name, self.llm, self.answerer.default_mode, records)
        return status_html(info, language)

    # -- chat callbacks ------------------------------------------------------------------------------

    def ask(self, question: str, mode: str, session: Session) -> Iterator[Updates]:
        """Stream one answer into the chat; only changed outputs are sent after the first update."""
        v = self.view
        if not (question or "").strip():
            gr.Warning(text("ui.empty_question", session.language))
            yield {v.session: session}
            return
        last_sources = None
        first = True
        turn: Turn | None = None
        turns = answer_turn(self.answerer, self.index, session, question, "llm" if mode == "llm" else "extractive", self.queue)
        for turn in turns:
            if turn.stop_requested:
                break
            panel = sources_html(session)
            update: Updates = {v.chatbot: chat_messages(session), v.session: session}
            if panel != last_sources:
                update[v.sources] = panel
            if first:
                update[v.query] = turn.query
                update[v.question] = ""  # clear the box once; the user may already type the next question
            yield update
            last_sources = panel
            first = False
        if turn is not None and turn.stop_requested:
            # The stop (or new-conversation) callback has rendered the chat, but an update this stream sent just
            # before the flag was set can reach the browser after it and bring back the half-written answer with
            # its cursor. The stream's last update is therefore the session as it is now: stopped, or cleared.
            yield {v.chatbot: chat_messages(session), v.sources: sources_html(session), v.session: session}

    def stop(self, session: Session) -> Updates:
        """Stop button: the running answer ends at its next piece; show the turn as stopped."""
        stop_turn(session)
        v = self.view
        return {v.chatbot: chat_messages(session), v.sources: sources_html(session), v.session: session}

    def new_conversation(self, session: Session) -> Updates:
        """Start over in this tab (keeps the language; a running answer stops)."""
        session.reset()
        v = self.view
        return {v.chatbot: [], v.sources: sources_html(session), v.query: "", v.session: session}

    # -- documents callbacks -------------------------------------------------------------------------

    def _ingest_status(self) -> IngestStatus | None:
        return self.background.status() if self.background is not None else None

    def _ingest_pending(self) -> bool:
        """Whether the start-up run is going or about to start (the UI is built just before it starts)."""
        status = self._ingest_status()
        return status is not None and status.state in ("idle", "running")

    def indexing_tick(self, language_label: str) -> Updates:
        """The banner's progress; when the run has ended, its summary, the fresh documents table, and no more ticks."""
        code = LANGUAGES.get(language_label, "de")
        status = self._ingest_status()
        v = self.view
        update: Updates = {v.indexing: indexing_html(status, code)}
        if not self._ingest_pending():
            update[v.indexing_timer] = gr.Timer(active=False)
            update.update(self._library_views(code))
        return update

    def _after_background(self, code: str, progress: gr.Progress | None = None) -> None:
        """Wait for the start-up indexing run: the index takes one writer at a time."""
        if self.background is None or self.background.wait(0):
            return
        if progress is not None:
            progress(0, desc=text("ui.indexing.waiting", code))
        self.background.wait()

    def upload(self, files: list[str] | None, language_label: str, progress: gr.Progress = gr.Progress()) -> Updates:
        """Store and index uploaded files, then refresh the table (the upload field is cleared)."""
        code = LANGUAGES.get(language_label, "de")
        pairs = [(Path(f), Path(f).name) for f in files or []]
        self._after_background(code, progress)
        try:
            lines = upload_documents(
                self.ingestor, self.index, pairs, max_bytes=self.settings.upload_max_mb * 1024 * 1024,
                language=code, progress=self._progress(progress, code),
            )
        except AssistantError as exc:
            gr.Warning(exc.render(code))
            lines = [exc.render(code)]
        self._warm_new_documents()
        return {self.view.library_status: "\n".join(lines), **self._library_views(code), self.view.upload: None}

    def delete(self, source: str | None, language_label: str) -> Updates:
        """Delete the chosen document from the index (its file goes to the trash folder)."""
        code = LANGUAGES.get(language_label, "de")
        self._after_background(code)
        try:
            message = delete_document(self.ingestor, self.index, source, code)
        except AssistantError as exc:
            gr.Warning(exc.render(code))
            message = exc.render(code)
        return {self.view.library_status: message, **self._library_views(code)}

    def reindex(self, language_label: str, progress: gr.Progress = gr.Progress()) -> Updates:
        """Incrementally re-index the corpus folder."""
        code = LANGUAGES.get(language_label, "de")
        self._after_background(code, progress)
        try:
            lines = reindex(self.ingestor, code, progress=self._progress(progress, code))
        except AssistantError as exc:
            gr.Warning(exc.render(code))
            lines = [exc.render(code)]
        self._warm_new_documents()
        return {self.view.library_status: "\n".join(lines), **self._library_views(code)}

    def _warm_new_documents(self) -> None:
        """Let the warmer embed the evidence units of what was just indexed (also after a partial failure)."""
        if self.warmer is not None:
            self.warmer.request()

    def refresh(self, language_label: str) -> Updates:
        """Documents table, delete choices and status, read fresh from the index."""
        return self._library_views(LANGUAGES.get(language_label, "de"))

    def _library_views(self, language: str) -> Updates:
        records = self._records()
        v = self.view
        return {
            v.table: gr.Dataframe(value=document_rows(records, language), headers=document_headers(language)),
            v.choice: gr.Dropdown(choices=document_choices(records), value=None),
            v.status: self._status_html(records, language),
        }

    @staticmethod
    def _progress(progress: gr.Progress, language: str) -> ProgressCallback:
        def update(stage: str, done: int, total: int) -> None:
            if total:
                progress((done, total), desc=stage_label(stage, language), unit="")

        return update

    # -- programmes ----------------------------------------------------------------------------------

    def _programmes_intro(self, code: str) -> str:
        return text("ui.programmes.intro", code, date=format_date(self.programmes.today(), code))

    def _comparison(self, chosen: list[str], code: str) -> str:
        return comparison_html(overview(self.programmes, code), chosen, code, format_date(self.programmes.today(), code))

    def filter_programmes(self, status: str, applicant: str, min_amount: float | None, language_label: str) -> Updates:
        """The overview as filtered (read fresh: an upload or re-index may have added a programme)."""
        code = LANGUAGES.get(language_label, "de")
        rows = overview(self.programmes, code)
        filters = Filters(status or "all", applicant or "", float(min_amount) if min_amount else None)
        v = self.view
        return {
            v.programmes_intro: self._programmes_intro(code),
            v.programme_table: gr.Dataframe(value=programme_rows(rows, filters, code), headers=programme_headers(code)),
            v.programme_compare: gr.Dropdown(choices=compare_choices(rows)),
        }

    def compare_programmes(self, chosen: list[str] | None, language_label: str) -> Updates:
        """The chosen programmes side by side with every field and its passage."""
        return {self.view.programme_comparison: self._comparison(list(chosen or []), LANGUAGES.get(language_label, "de"))}

    # -- briefing and export --------------------------------------------------------------------------

    def brief(self, name: str, description: str, legal_form: str | None, topic: str, budget: float | None, months: float | None,
              personal: str, ai: str, mode: str, language_label: str, run: BriefRun) -> Iterator[Updates]:
        """Assemble the briefing, showing each step; at the end the preview and the two files."""
        code = LANGUAGES.get(language_label, "de")
        fields = {"name": name, "beschreibung": description, "rechtsform": legal_form, "thema": topic, "budget": budget,
                  "laufzeit_monate": int(months) if months else None, "personenbezogene_daten": personal, "ki_an_menschen": ai}
        v = self.view
        events = run_briefing(fields, "llm" if mode == "llm" else "extractive", code, run, book=self.programmes, retriever=self.retriever,
                              answerer=self.answerer, index=self.index, llm_queue=self.queue)
        for event in events:
            update: Updates = {v.brief_status: event.status}
            if event.briefing is not None:
                update[v.brief_preview] = event.preview
                update[v.brief_files] = [str(f) for f in event.files]
            yield update

    def cancel_brief(self, run: BriefRun, language_label: str) -> Updates:
        """"Abbrechen": the briefing stops before its next step."""
        run.cancelled = True
        return {self.view.brief_status: text("brief.cancelled", LANGUAGES.get(language_label, "de"))}

    def export_conversation(self, session: Session) -> Updates:
        """This tab's conversation with its sources as Markdown and PDF downloads."""
        files = export_conversation(session, session.language, self.programmes.today)
        if not files:
            gr.Warning(text("ui.export_empty", session.language))
            return {self.view.export_files: gr.File(value=None, visible=False)}
        return {self.view.export_files: gr.File(value=[str(f) for f in files], visible=True)}

    # -- language ------------------------------------------------------------------------------------

    def switch_language(self, language_label: str, session: Session) -> Updates:
        """Relabel every component and re-render the conversation in the chosen language."""
        code = LANGUAGES.get(language_label, "de")
        session.language = code
        records = self._records()
        v = self.view
        return {
            v.heading: self._heading(code),
            v.language: gr.Radio(label=text("ui.language", code)),
            v.indexing: indexing_html(self._ingest_status(), code),
            v.chat_tab: gr.Tab(label=text("ui.tab.chat", code)),
            v.documents_tab: gr.Tab(label=text("ui.tab.documents", code)),
            v.status_tab: gr.Tab(label=text("ui.tab.status", code)),
            v.programmes_tab: gr.Tab(label=text("ui.tab.programmes", code)),
            v.chatbot: gr.Chatbot(value=chat_messages(session), label=text("ui.chat_label", code), placeholder=text("ui.chat_placeholder", code)),
            v.question: gr.Textbox(label=text("ui.question", code), placeholder=text("ui.question_placeholder", code)),
            v.send: gr.Button(text("ui.send", code)),
            v.stop: gr.Button(text("ui.stop", code)),
            v.new: gr.Button(text("ui.new_chat", code)),
            v.mode: gr.Radio(choices=self._mode_choices(code), label=text("ui.mode", code), info=text("ui.mode_info", code)),
            v.query_accordion: gr.Accordion(label=text("ui.query_accordion", code)),
            v.query: gr.Textbox(label=text("ui.query_label", code)),
            v.upload: gr.File(label=text("ui.upload", code, mb=self.settings.upload_max_mb)),
            v.table: gr.Dataframe(value=document_rows(records, code), headers=document_headers(code), label=text("ui.documents_table", code)),
            v.choice: gr.Dropdown(label=text("ui.delete_choice", code)),
            v.delete: gr.Button(text("ui.delete", code)),
            v.reindex: gr.Button(text("ui.reindex", code)),
            v.refresh: gr.Button(text("ui.refresh", code)),
            v.sources: sources_html(session),
            v.status: self._status_html(records, code),
            v.programmes_intro: self._programmes_intro(code),
            # The filters start over: the overview is rendered anew in the other language.
            v.programme_status: gr.Dropdown(choices=status_choices(code), value="all", label=text("ui.programmes.status_filter", code)),
            v.programme_applicant: gr.Textbox(value="", label=text("ui.programmes.applicant_filter", code),
                                              placeholder=text("ui.programmes.applicant_placeholder", code)),
            v.programme_amount: gr.Number(value=None, label=text("ui.programmes.min_amount", code)),
            v.programme_table: gr.Dataframe(value=programme_rows(overview(self.programmes, code), Filters(), code),
                                            headers=programme_headers(code), label=text("ui.programmes.table", code)),
            v.programme_compare: gr.Dropdown(value=[], multiselect=True, label=text("ui.programmes.compare", code)),
            v.programme_comparison: self._comparison([], code),
            v.brief_tab: gr.Tab(label=text("ui.tab.brief", code)),
            v.export_chat: gr.Button(text("ui.export_chat", code)),
            v.export_files: gr.File(label=text("ui.export_files", code)),
            v.brief_intro: text("ui.brief.intro", code),
            v.brief_name: gr.Textbox(label=text("ui.brief.name", code)),
            v.brief_description: gr.Textbox(label=text("ui.brief.description", code), placeholder=text("ui.brief.description_placeholder", code)),
            v.brief_legal_form: gr.Dropdown(label=text("ui.brief.legal_form", code)),
            v.brief_topic: gr.Textbox(label=text("ui.brief.topic", code)),
            v.brief_budget: gr.Number(label=text("ui.brief.budget", code)),
            v.brief_months: gr.Number(label=text("ui.brief.months", code)),
            v.brief_personal: gr.Radio(choices=self._yes_no(code), label=text("ui.brief.personal_data", code)),
            v.brief_ai: gr.Radio(choices=self._yes_no(code), label=text("ui.brief.ai_on_people", code)),
            v.brief_mode: gr.Radio(choices=self._mode_choices(code), label=text("ui.brief.mode", code)),
            v.brief_start: gr.Button(text("ui.brief.start", code)),
            v.brief_cancel: gr.Button(text("ui.brief.cancel", code)),
            v.brief_status: gr.Textbox(label=text("ui.brief.status", code)),
            v.brief_files: gr.File(label=text("ui.brief.files", code)),
            v.brief_preview: gr.Markdown(label=text("ui.brief.preview", code)),
            v.session: session,
        }


def create_server(
    app: "App", *, language: str = "de", users: "UserFile | None" = None, background: BackgroundIngest | None = None,
) -> "FastAPI":
    """The complete web app: document routes plus the Gradio UI at ``/``, optionally behind a login."""
    from fastapi import FastAPI

    blocks = ChatUI.for_app(app, language, background).build()
    server = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    server.include_router(document_router(app.index))  # before the mount at "/", which would catch everything
    gr.mount_gradio_app(
        server, blocks, path="/", footer_links=[], run_history=False, ssr_mode=False, pwa=False, mcp_server=False,
        enable_monitoring=False, max_file_size=f"{app.settings.upload_max_mb}mb", show_error=True,
        theme=gr.themes.Default(text_size=gr.themes.sizes.text_lg), css=CSS, js=JS,
    )
    if users is not None:
        server.add_middleware(BasicAuthMiddleware, users=users)
    return server


def web_server(
    app: "App", host: str, port: int, users: "UserFile | None" = None, background: BackgroundIngest | None = None,
) -> "uvicorn.Server":
    """The HTTP server for the web UI, configured but not started (``run()`` blocks until it is stopped).

    Gradio's own ``launch()`` is never called: it would check for updates online and offer share
    links; the app is mounted into FastAPI instead (see :func:`create_server`).
    """
    import uvicorn

    server = create_server(app, language=app.settings.language, users=users, background=background)
    config = uvicorn.Config(server, host=host.strip("[]"), port=port, log_level="warning")
    return uvicorn.Server(config)


def serve(app: "App", host: str, port: int, users: "UserFile | None" = None, *, index_corpus: bool = True) -> None:
    """Run the web UI until interrupted (blocking); with ``index_corpus``, index the corpus folder meanwhile."""
    language = app.settings.language
    warm = app.warmer.request if app.warmer is not None else (lambda: None)

    def finished(status: IngestStatus) -> None:
        _print_finish(status, language)
        warm()  # the evidence of the new index, in idle time

    background = BackgroundIngest(app.ingestor, on_finish=finished) if index_corpus else None
    server = web_server(app, host, port, users, background)
    shown = host if host not in ("0.0.0.0", "::") else text("ui.this_host", language)
    shown = f"[{shown}]" if ":" in shown else shown
    print(text("ui.running", language, host=shown, port=port), flush=True, file=sys.stdout)
    if background is not None:
        print(text("cli.indexing_in_background", language, folder=app.settings.corpus_dir), flush=True, file=sys.stderr)
        background.start()
    else:
        warm()
    # The first written answer should not pay for loading the model and reading its instructions.
    threading.Thread(target=_warm_up, args=(app.answerer, language), name="warm-up", daemon=True).start()
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl+C it handled: a normal end, not an interrupted command
    if not server.started:
        raise ConfigError("ui.start_failed", host=host, port=port)


def _warm_up(answerer: "Answerer", language: str) -> None:
    try:
        answerer.warm_up(language)
    except AssistantError:
        pass  # a missing or broken model is reported where it is used: in the answer that needs it


def _print_finish(status: IngestStatus, language: str) -> None:
    """The start-up indexing run's outcome on stderr, as ``assistant ingest`` reports it."""
    if status.error is not None:
        print(text("ui.indexing.failed", language, reason=status.error.render(language)), file=sys.stderr, flush=True)
    elif status.report is not None:
        for line in report_messages(status.report, language):
            print(line, file=sys.stderr, flush=True)
