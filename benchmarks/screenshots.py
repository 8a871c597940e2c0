"""Screenshots of the chat, the sources panel and the documents tab for docs/ (real models, real index).

    .venv/bin/python -m benchmarks.screenshots   # needs /usr/bin/chromium and the playwright package

Starts the UI on a free localhost port over the configured index, asks the README's example question
and writes docs/screenshot-chat.png, docs/screenshot-sources.png and docs/screenshot-documents.png.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from assistant.app import build_app
from assistant.cli import EXAMPLE_QUERY
from assistant.config import Settings
from assistant.web.ui import create_server

DOCS = Path(__file__).resolve().parent.parent / "docs"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def main() -> None:
    app = build_app(Settings.from_env())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_server(app), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.1)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="de-DE")
        page.set_default_timeout(180_000)
        page.goto(f"http://127.0.0.1:{port}/")
        box = page.get_by_label("Ihre Frage")
        box.fill(EXAMPLE_QUERY)
        box.press("Enter")
        page.locator("#chat .answer .meta").wait_for()
        page.screenshot(path=str(DOCS / "screenshot-chat.png"))
        page.locator("#sources").screenshot(path=str(DOCS / "screenshot-sources.png"))
        page.get_by_role("tab", name="Dokumente").click()
        page.locator("#documents").wait_for()
        time.sleep(1)
        page.screenshot(path=str(DOCS / "screenshot-documents.png"))
        browser.close()
    server.should_exit = True
    print("written:", *(p.name for p in sorted(DOCS.glob("screenshot-*.png"))))


if __name__ == "__main__":
    main()
