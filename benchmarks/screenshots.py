"""Screenshots of the UI for docs/ (real models, real index).

    .venv/bin/python -m benchmarks.screenshots [--only chat,programmes,briefing]   # needs /usr/bin/chromium and playwright

Starts the UI on a free localhost port over the configured index and writes
docs/screenshot-chat.png, -sources.png, -documents.png (the README's example question),
docs/screenshot-programmes.png (the programme table and two programmes compared) and
docs/screenshot-briefing.png (the briefing of docs/examples/projektprofil.yaml).
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from assistant.advising.project import load_profile
from assistant.app import build_app
from assistant.cli import EXAMPLE_QUERY
from assistant.config import Settings
from assistant.web.ui import create_server

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXAMPLE_PROFILE = DOCS / "examples" / "projektprofil.yaml"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="chat,programmes,briefing", help="comma-separated: chat, programmes, briefing")
    wanted = set(parser.parse_args().only.split(","))
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
        if "chat" in wanted:
            chat(page)
        if "programmes" in wanted:
            programmes(page)
        if "briefing" in wanted:
            briefing(page)
        browser.close()
    server.should_exit = True
    print("written:", *(p.name for p in sorted(DOCS.glob("screenshot-*.png"))))


def chat(page) -> None:  # type: ignore[no-untyped-def]
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


def programmes(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Förderprogramme").click()
    page.locator("#programmes a:visible").first.wait_for()
    compare = page.get_by_label("Vergleichen (2–4 Programme wählen)")
    for name in ("Transformationscluster Soziale Innovationen für nachhaltige Städte", "Umweltschutzförderung der Deutschen Bundesstiftung Umwelt"):
        compare.click()
        page.get_by_role("option", name=name).click()
    page.locator("#programme-comparison table.compare").wait_for()
    page.locator("#heading").click()  # closes the dropdown
    page.evaluate("window.scrollTo(0, 0)")
    time.sleep(1)
    page.set_viewport_size({"width": 1440, "height": 1800})
    page.screenshot(path=str(DOCS / "screenshot-programmes.png"))
    page.set_viewport_size({"width": 1440, "height": 1000})


def briefing(page) -> None:  # type: ignore[no-untyped-def]
    project = load_profile(EXAMPLE_PROFILE)
    page.get_by_role("tab", name="Beratung vorbereiten").click()
    page.get_by_label("Projektname").fill(project.name)
    page.get_by_label("Projektbeschreibung (Pflicht)").fill(project.description)
    page.locator("#brief-legal-form input").fill(project.legal_form)
    page.locator("#brief-legal-form input").press("Enter")
    page.get_by_label("Thema").fill(project.topic)
    page.locator("#brief-budget input").fill(f"{project.budget_eur:.0f}")
    page.locator("#brief-months input").fill(str(project.duration_months))
    page.locator("#brief-personal").get_by_label("ja").check()
    page.locator("#brief-ai").get_by_label("nein").check()
    page.get_by_role("button", name="Mappe erstellen").click()
    page.wait_for_function("document.querySelector('#brief-status textarea').value.startsWith('Fertig')")
    page.locator("#brief-preview h1").wait_for()
    page.evaluate("window.scrollTo(0, 0)")
    time.sleep(1)
    page.set_viewport_size({"width": 1440, "height": 1500})
    page.screenshot(path=str(DOCS / "screenshot-briefing.png"))
    page.set_viewport_size({"width": 1440, "height": 1000})


if __name__ == "__main__":
    main()
