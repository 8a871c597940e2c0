"""HTTP side of the web UI without Gradio: document routes, access control, host and port checks.

``/quelle/<source>`` serves an indexed document so a citation can be opened: a PDF inline (the link
adds ``#page=N``, which browsers' PDF viewers honour), any document as its indexed text with the cited
chunk highlighted (``?chunk=ID``, scrolled to by ``#stelle``). Documents are looked up **only** by
their name in the index manifest — a path in the URL is never opened — so nothing outside the indexed
documents can be reached. Document text is escaped; the page runs no script (strict CSP).
"""

from __future__ import annotations

import html
import ipaddress
import json
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, MutableMapping, Sequence

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from ..errors import ConfigError
from ..messages import text

if TYPE_CHECKING:
    from ..indexing.chunking import Chunk
    from ..indexing.store import DocumentRecord, Index
    from .users import UserFile

#: For the passage view: text only, no scripts, no external anything.
HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PDF_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

DEFAULT_PORT = 7860
_PORT_TRIES = 20

_STYLE = """
body { font: 17px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 48rem; margin: 2rem auto;
       padding: 0 1rem; color: #1f2937; background: #fff; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem; }
.chunk { white-space: pre-line; margin: .6rem 0; }
.page { color: #6b7280; font-size: .85rem; margin: 1rem 0 0; }
mark { background: #fde68a; color: inherit; padding: .1rem 0; }
#stelle { scroll-margin-top: 3rem; outline: 2px solid #d97706; outline-offset: 4px; }
.meta { color: #4b5563; }
@media (prefers-color-scheme: dark) { body { background: #111827; color: #e5e7eb; } mark { background: #92400e; }
  .meta, .page { color: #9ca3af; } a { color: #93c5fd; } }
"""


def page_language(accept_language: str | None) -> str:
    """'en' when the browser prefers English, else 'de'."""
    first = (accept_language or "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "de"


def passage_page(record: "DocumentRecord", chunks: Sequence["Chunk"], chunk_id: str | None, language: str = "de") -> str:
    """A whole document's indexed text as a standalone HTML page, the chunk ``chunk_id`` marked and anchored."""
    e = html.escape
    body: list[str] = []
    section: str | None = None
    page: int | None = None
    for chunk in sorted(chunks, key=lambda c: c.ordinal):
        if chunk.page and chunk.page != page:
            page = chunk.page
            body.append(f'<p class="page" id="seite-{page}">{e(text("page.page", language))} {page}</p>')
        if chunk.section and chunk.section != section:
            section = chunk.section
            body.append(f"<h2>{e(section)}</h2>")
        if chunk.id == chunk_id:
            body.append(f'<p class="chunk" id="stelle" aria-label="{e(text("page.passage", language))}"><mark>{e(chunk.text)}</mark></p>')
        else:
            body.append(f'<p class="chunk">{e(chunk.text)}</p>')
    links = ""
    if record.kind == "pdf":
        from .presentation import document_url

        cited = next((c for c in chunks if c.id == chunk_id), None)
        url = document_url(record.source, page=cited.page if cited and cited.page else None)
        links = f' · <a href="{e(url)}">{e(text("page.pdf_link", language))}</a>'
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(record.title)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{e(record.title)}</h1><p class=\"meta\">{e(record.source)}{links}<br>{e(text('page.note', language))}</p></header>"
        f"<main>{''.join(body)}</main></body></html>"
    )


def error_page(title: str, message: str, language: str = "de") -> str:
    """A minimal HTML error page (escaped)."""
    e = html.escape
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{e(title)}</h1><p>{e(message)}</p></body></html>"
    )


def document_router(index: "Index") -> APIRouter:
    """FastAPI routes serving indexed documents (see module docstring)."""
    router = APIRouter()

    @router.get("/quelle/{source:path}", include_in_schema=False)
    def open_document(source: str, request: Request, chunk: str | None = None, page: int | None = None) -> Response:
        language = page_language(request.headers.get("accept-language"))
        record = index.record(source)
        if record is None:
            return HTMLResponse(
                error_page(text("page.not_found", language), text("page.not_indexed", language, source=source), language),
                404, HTML_HEADERS,
            )
        path = Path(record.path)
        if record.kind == "pdf" and chunk is None:
            if not path.is_file():
                page_html = error_page(text("page.not_found", language), text("page.missing", language, path=path), language)
                return HTMLResponse(page_html, 404, HTML_HEADERS)
            return FileResponse(
                path, media_type="application/pdf", filename=path.name, content_disposition_type="inline",
                headers=PDF_HEADERS,
            )
        chunks, _ = index.chunks(list(record.chunk_ids))
        return HTMLResponse(passage_page(record, chunks, chunk, language), 200, HTML_HEADERS)

    return router


# -- access control --------------------------------------------------------------------------------------

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class BasicAuthMiddleware:
    """HTTP Basic authentication against the users file for every request (pages, API, websockets, documents).

    One check in front of everything, so the document routes are protected exactly like the Gradio
    app. The logged-in name goes into the request scope (``scope["user"]``) for the app. Run behind a
    TLS-terminating reverse proxy when the UI is reachable from the network (docs/DEPLOYMENT.md):
    Basic credentials travel with every request.
    """

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], users: "UserFile") -> None:
        self.app = app
        self.users = users
        #: Which user a Gradio session (``session_hash``) belongs to: its state — the chat, an upload in
        #: progress, a briefing — is served to that user only, even if another learns the hash.
        self._owners: dict[str, str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        supplied = headers.get(b"authorization", b"")
        user = None
        if supplied[:6].lower() == b"basic ":
            # bcrypt is slow on purpose: checked off the event loop (and then remembered, see UserFile.login).
            user = await anyio.to_thread.run_sync(self.users.login, supplied[6:].strip())
        if user is not None:
            scope["user"] = user
            receive, session = await _session_of(scope, receive)
            if session is not None and self._owners.setdefault(session, user) != user:
                await _deny(scope, send, 403)
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await send({
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"www-authenticate", b'Basic realm="Beratungsassistent", charset="UTF-8"'),
                (b"content-type", b"text/plain; charset=utf-8"),
            ],
        })
        language = page_language(headers.get(b"accept-language", b"").decode("latin-1"))
        await send({"type": "http.response.body", "body": text("serve.login_required", language).encode()})


#: Largest JSON body read to find a Gradio session id (event payloads are small; uploads are multipart).
_SESSION_BODY_LIMIT = 1024 * 1024


async def _session_of(scope: Scope, receive: Receive) -> tuple[Receive, str | None]:
    """The Gradio ``session_hash`` a request names (query string or JSON body), and a ``receive`` that
    replays the body it read."""
    from urllib.parse import parse_qs

    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("session_hash"):
        return receive, query["session_hash"][0]
    headers = dict(scope.get("headers") or [])
    if scope["type"] != "http" or scope.get("method") != "POST" or b"json" not in headers.get(b"content-type", b""):
        return receive, None
    chunks: list[bytes] = []
    size, more = 0, True
    while more and size <= _SESSION_BODY_LIMIT:
        message = await receive()
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
    body = b"".join(chunks)
    replayed = False

    async def replay() -> MutableMapping[str, Any]:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    session = None
    if not more:
        try:
            data = json.loads(body or b"{}")
            session = data.get("session_hash") if isinstance(data, dict) else None
        except ValueError:
            session = None
    return replay, session if isinstance(session, str) else None


async def _deny(scope: Scope, send: Send, status: int) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": b"Forbidden"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def ui_login(host: str, users: "UserFile") -> "UserFile | None":
    """The logins the UI asks for, or None to serve without.

    With users in the file, a login is always required. Without users, the UI serves openly on loopback
    only: a non-loopback host would open the documents and questions to the network (ConfigError).
    """
    if users.names():
        return users
    if is_loopback(host):
        return None
    raise ConfigError("serve.users_needed", host=host, path=users.path)


def pick_port(host: str, requested: int | None) -> int:
    """The requested port if free (ConfigError if not), else the first free one from 7860 on."""
    candidates = [requested] if requested is not None else list(range(DEFAULT_PORT, DEFAULT_PORT + _PORT_TRIES))
    for port in candidates:
        if not 0 < port < 65536:
            raise ConfigError("serve.bad_port", port=port)
        if _port_free(host, port):
            return port
    if requested is not None:
        raise ConfigError("serve.port_taken", port=requested, host=host)
    raise ConfigError("serve.ports_taken", first=DEFAULT_PORT, last=DEFAULT_PORT + _PORT_TRIES - 1, host=host)


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError:
            return False
    return True
