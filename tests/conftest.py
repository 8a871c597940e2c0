"""Shared fixtures: settings in a temp dir, an app with the deterministic fake embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import App, build_app
from assistant.config import Settings
from tests.fakes import HashEmbedder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose corpus, index, models and cache all live in a temp dir."""
    (tmp_path / "corpus").mkdir()
    return Settings(home=tmp_path, cache_dir=tmp_path / "cache")


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def app(settings: Settings, embedder: HashEmbedder) -> App:
    return build_app(settings, embedder=embedder)
