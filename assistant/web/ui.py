"""Gradio adapter: the web UI's layout and thin callbacks; all logic lives in pure modules.

* :mod:`assistant.web.conversation` — follow-up rewriting, per-tab session, streaming a turn, LLM queue
* :mod:`assistant.web.presentation` — chat messages, sources panel, documents table, status (escaped)
* :mod:`assistant.web.library` — uploads, deletion, re-indexing
* :mod:`assistant.web.serving` — document routes, login, host and port checks

Concurrency: every browser tab has its own :class:`~assistant.web.conversation.Session` in ``gr.State``;
extractive answers run in parallel, llm answers line up in one :class:`~assistant.web.conversation.LlmQueue`
(the model serves one request at a time) and show their position; indexing runs in its own Gradio
queue with one slot, so chatting stays responsive meanwhile.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import gradio as gr

from .conversation import LlmQueue, Session, answer_turn, stop_turn
from ..errors import AssistantError, ConfigError
from ..indexing.ingest import ProgressCallback
from .library import delete_document, reindex, upload_documents
from .presentation import (
    LANGUAGES,
    chat_messages,
    collect_status,
    document_choices,
    document_headers,
    document_rows,
    sources_html,
    status_html,
    texts,
)
from .serving import BasicAuthMiddleware, document_router

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

    from ..app import App

UPLOAD_TYPES = [".pdf", ".md", ".markdown", ".html", ".htm", ".txt"]
#: Answers computed at the same time (each holds a worker thread; llm answers still queue for the model).
ANSWER_CONCURRENCY = 8

CSS = """
.answer p { margin: 0 0 .5em; }
.answer ul { margin: .2em 0 .5em 1.2em; }
.answer .notice { font-size: .9em; opacity: .85; }
.answer .meta { font-size: .8em; opacity: .7; margin-top: .4em; }
.answer .status { font-style: italic; }
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


class ChatUI:
    """The web UI for one :class:`~assistant.app.App`; :meth:`build` returns the Gradio Blocks."""

    def __init__(self, app: "App", language: str = "de") -> None:
        self.app = app
        self.language = language
        self.queue = LlmQueue()

    # -- layout ---------------------------------------------------------------------------------------

    def build(self) -> gr.Blocks:
        """Lay out chat, documents and status tabs and wire the callbacks."""
        t = texts(self.language)
        language_label = next(label for label, code in LANGUAGES.items() if code == self.language)
        with gr.Blocks(title=t["title"], analytics_enabled=False, delete_cache=(3600, 3600)) as blocks:
            session = gr.State(Session(language=self.language))
            with gr.Row(equal_height=True):
                heading = gr.Markdown(self._heading(t), elem_id="heading")
                language = gr.Radio(list(LANGUAGES), value=language_label, label=t["language"], elem_id="language", scale=0, min_width=220)
            with gr.Tabs():
                with gr.Tab(t["tab_chat"], id="chat") as chat_tab:
                    with gr.Row(equal_height=False):
                        with gr.Column(scale=3, min_width=360):
                            chatbot = gr.Chatbot(
                                label=t["chat_label"], elem_id="chat", height="58vh", placeholder=t["chat_placeholder"],
                                buttons=["copy", "copy_all"], feedback_options=None, latex_delimiters=[],
                                sanitize_html=True, group_consecutive_messages=False,
                            )
                            question = gr.Textbox(
                                label=t["question"], placeholder=t["question_placeholder"], elem_id="question",
                                lines=1, max_lines=4, autofocus=True,
                            )
                            with gr.Row():
                                send = gr.Button(t["send"], variant="primary", elem_id="send")
                                stop = gr.Button(t["stop"], variant="stop", elem_id="stop")
                                new = gr.Button(t["new_chat"], variant="secondary", elem_id="new-chat")
                            mode = gr.Radio(
                                self._mode_choices(t), value=self.app.answerer.default_mode, label=t["mode"],
                                info=t["mode_info"], elem_id="mode",
                            )
                            with gr.Accordion(t["query_accordion"], open=False, elem_id="query-accordion") as query_accordion:
                                query = gr.Textbox(label=t["query_label"], interactive=False, elem_id="query")
                        with gr.Column(scale=2, min_width=320):
                            sources = gr.HTML(sources_html(Session(language=self.language)), elem_id="sources", js_on_load=None)
                with gr.Tab(t["tab_documents"], id="documents") as documents_tab:
                    upload = gr.File(
                        label=t["upload"].format(mb=self.app.settings.upload_max_mb), file_count="multiple",
                        file_types=UPLOAD_TYPES, type="filepath", elem_id="upload",
                    )
                    library_status = gr.Textbox(label="Status", interactive=False, lines=3, elem_id="library-status")
                    records = self._records()
                    table = gr.Dataframe(
                        value=document_rows(records, self.language), headers=document_headers(self.language),
                        label=t["documents_table"], interactive=False, wrap=True, elem_id="documents", max_height=480,
                        column_widths=["28%", "9%", "8%", "10%", "15%", "30%"],
                    )
                    with gr.Row(equal_height=True):
                        choice = gr.Dropdown(document_choices(records), value=None, label=t["delete_choice"], elem_id="delete-choice", scale=3)
                        delete = gr.Button(t["delete"], variant="stop", elem_id="delete", scale=1)
                    with gr.Row():
                        reindex_button = gr.Button(t["reindex"], elem_id="reindex")
                        refresh = gr.Button(t["refresh"], elem_id="refresh")
                with gr.Tab(t["tab_status"], id="status") as status_tab:
                    status = gr.HTML(status_html(collect_status(self.app), self.language), elem_id="status", js_on_load=None)

            private: dict[str, Any] = {"api_visibility": "private"}
            gr.on(
                [send.click, question.submit], self.ask, inputs=[question, mode, session],
                outputs=[chatbot, sources, query, question, session], show_progress="hidden",
                # A question sent right after "Stopp" (or while an answer runs) waits for it instead of being dropped.
                trigger_mode="always_last",
                concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answer", **private,
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

            relabelled = [
                heading, language, chat_tab, documents_tab, status_tab, chatbot, question, send, stop, new, mode,
                query_accordion, query, upload, table, choice, delete, reindex_button, refresh, sources, status, session,
            ]
            language.change(
                self.switch_language, inputs=[language, session], outputs=relabelled, queue=False,
                js="(label, session) => { document.documentElement.lang = label === 'English' ? 'en' : 'de'; return [label, session]; }",
                **private,
            )
        blocks.queue(max_size=64)
        return blocks

    @staticmethod
    def _heading(t: dict[str, str]) -> str:
        return f"# {t['title']}\n{t['intro']}"

    @staticmethod
    def _mode_choices(t: dict[str, str]) -> list[tuple[str, str]]:
        return [(t["mode_extractive"], "extractive"), (t["mode_llm"], "llm")]

    def _records(self) -> list[Any]:
        manifest = self.app.index.manifest
        return list(manifest.documents.values()) if manifest is not None else []

    # -- chat callbacks ------------------------------------------------------------------------------

    def ask(self, question: str, mode: str, session: Session) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat; only changed outputs are sent after the first update."""
        if not (question or "").strip():
            gr.Warning(texts(session.language)["empty_question"])
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), session
            return
        last_sources = None
        first = True
        for turn in answer_turn(self.app, session, question, "llm" if mode == "llm" else "extractive", self.queue):
            panel = sources_html(session)
            if turn.stop_requested:
                return  # the stop (or new conversation) callback has rendered the chat already
            yield (
                chat_messages(session),
                panel if panel != last_sources else gr.skip(),
                turn.query if first else gr.skip(),
                "" if first else gr.skip(),  # clear the box once; the user may already type the next question
                session,
            )
            last_sources = panel
            first = False

    def stop(self, session: Session) -> tuple[Any, ...]:
        """Stop button: the running answer ends at its next piece; show the turn as stopped."""
        stop_turn(session)
        return chat_messages(session), sources_html(session), session

    def new_conversation(self, session: Session) -> tuple[Any, ...]:
        """Start over in this tab (keeps the language; a running answer stops)."""
        session.reset()
        return [], sources_html(session), "", session

    # -- documents callbacks -------------------------------------------------------------------------

    def upload(self, files: list[str] | None, language_label: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Store and index uploaded files, then refresh the table (the upload field is cleared)."""
        code = LANGUAGES.get(language_label, "de")
        pairs = [(Path(f), Path(f).name) for f in files or []]
        try:
            lines = upload_documents(self.app, pairs, code, progress=self._progress(progress, code))
        except AssistantError as exc:
            gr.Warning(str(exc))
            lines = [str(exc)]
        return ("\n".join(lines), *self._library_views(code), None)

    def delete(self, source: str | None, language_label: str) -> tuple[Any, ...]:
        """Delete the chosen document from the index (its file goes to the trash folder)."""
        code = LANGUAGES.get(language_label, "de")
        try:
            message = delete_document(self.app, source, code)
        except AssistantError as exc:
            gr.Warning(str(exc))
            message = str(exc)
        return (message, *self._library_views(code))

    def reindex(self, language_label: str, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Incrementally re-index the corpus folder."""
        code = LANGUAGES.get(language_label, "de")
        try:
            lines = reindex(self.app, code, progress=self._progress(progress, code))
        except AssistantError as exc:
            gr.Warning(str(exc))
            lines = [str(exc)]
        return ("\n".join(lines), *self._library_views(code))

    def refresh(self, language_label: str) -> tuple[Any, ...]:
        """Documents table, delete choices and status, read fresh from the index."""
        return self._library_views(LANGUAGES.get(language_label, "de"))

    def _library_views(self, language: str) -> tuple[Any, ...]:
        records = self._records()
        return (
            gr.Dataframe(value=document_rows(records, language), headers=document_headers(language)),
            gr.Dropdown(choices=document_choices(records), value=None),
            status_html(collect_status(self.app), language),
        )

    @staticmethod
    def _progress(progress: gr.Progress, language: str) -> ProgressCallback:
        t = texts(language)

        def update(stage: str, done: int, total: int) -> None:
            if total:
                progress((done, total), desc=t.get(f"progress_{stage}", stage), unit="")

        return update

    # -- language ------------------------------------------------------------------------------------

    def switch_language(self, language_label: str, session: Session) -> list[Any]:
        """Relabel every component and re-render the conversation in the chosen language."""
        code = LANGUAGES.get(language_label, "de")
        session.language = code
        t = texts(code)
        records = self._records()
        return [
            self._heading(t),
            gr.Radio(label=t["language"]),
            gr.Tab(label=t["tab_chat"]),
            gr.Tab(label=t["tab_documents"]),
            gr.Tab(label=t["tab_status"]),
            gr.Chatbot(value=chat_messages(session), label=t["chat_label"], placeholder=t["chat_placeholder"]),
            gr.Textbox(label=t["question"], placeholder=t["question_placeholder"]),
            gr.Button(t["send"]),
            gr.Button(t["stop"]),
            gr.Button(t["new_chat"]),
            gr.Radio(choices=self._mode_choices(t), label=t["mode"], info=t["mode_info"]),
            gr.Accordion(label=t["query_accordion"]),
            gr.Textbox(label=t["query_label"]),
            gr.File(label=t["upload"].format(mb=self.app.settings.upload_max_mb)),
            gr.Dataframe(value=document_rows(records, code), headers=document_headers(code), label=t["documents_table"]),
            gr.Dropdown(label=t["delete_choice"]),
            gr.Button(t["delete"]),
            gr.Button(t["reindex"]),
            gr.Button(t["refresh"]),
            sources_html(session),
            status_html(collect_status(self.app), code),
            session,
        ]


def create_server(app: "App", *, language: str = "de", credentials: tuple[str, str] | None = None) -> "FastAPI":
    """The complete web app: document routes plus the Gradio UI at ``/``, optionally behind a login."""
    from fastapi import FastAPI

    blocks = ChatUI(app, language).build()
    server = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    server.include_router(document_router(app))  # before the mount at "/", which would catch everything
    gr.mount_gradio_app(
        server, blocks, path="/", footer_links=[], run_history=False, ssr_mode=False, pwa=False, mcp_server=False,
        enable_monitoring=False, max_file_size=f"{app.settings.upload_max_mb}mb", show_error=True,
        theme=gr.themes.Default(text_size=gr.themes.sizes.text_lg), css=CSS, js=JS,
    )
    if credentials is not None:
        server.add_middleware(BasicAuthMiddleware, username=credentials[0], password=credentials[1])
    return server


def web_server(app: "App", host: str, port: int, credentials: tuple[str, str] | None = None) -> "uvicorn.Server":
    """The HTTP server for the web UI, configured but not started (``run()`` blocks until it is stopped).

    Gradio's own ``launch()`` is never called: it would check for updates online and offer share
    links; the app is mounted into FastAPI instead (see :func:`create_server`).
    """
    import uvicorn

    config = uvicorn.Config(create_server(app, credentials=credentials), host=host.strip("[]"), port=port, log_level="warning")
    return uvicorn.Server(config)


def serve(app: "App", host: str, port: int, credentials: tuple[str, str] | None = None) -> None:
    """Run the web UI until interrupted (blocking)."""
    server = web_server(app, host, port, credentials)
    shown = host if host not in ("0.0.0.0", "::") else "<IP-Adresse dieses Rechners>"
    shown = f"[{shown}]" if ":" in shown else shown
    print(f"Beratungsassistent läuft: http://{shown}:{port}/   (Beenden mit Strg+C)", flush=True, file=sys.stdout)
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl+C it handled: a normal end, not an interrupted command
    if not server.started:
        raise ConfigError(
            f"Die Oberfläche konnte auf {host}:{port} nicht starten (siehe Meldung oben; Port belegt?). "
            "Einen anderen Port wählen: assistant ui --port N"
        )
