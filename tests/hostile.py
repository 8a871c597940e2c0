"""Fuzz-style corpus of hostile and broken documents for ingest tests.

:func:`make_hostile_corpus` writes one file per case into a folder and returns what the indexer must
do with each: index it (and which text must or must not be searchable afterwards), skip it as a
duplicate, or refuse it with a message containing specific words. Random content is seeded, so the
corpus is the same on every run. PDFs are generated (fpdf2 via :mod:`tests.pdf_factory`, pypdf's
writer for encryption) or assembled by hand where no library writes such a file on purpose
(thousands of pages, a decompression bomb).
"""

from __future__ import annotations

import io
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Sequence

from assistant.indexing.ingest import printable_name
from tests.pdf_factory import make_image_pdf, make_pdf

Outcome = Literal["indexed", "failed", "duplicate"]

#: Pages of the generated many-pages PDF.
MANY_PAGES = 3000
#: Uncompressed size of the Flate bomb's content stream (the file itself is about 1/1000 of it).
BOMB_BYTES = 400 * 1024 * 1024

GOOD_TEXT = (
    "Die Stiftung Gemeinwohl fördert Reparaturcafés in ländlichen Regionen. Anträge können Vereine "
    "bis zum 30. Juni stellen, die Förderquote beträgt 80 Prozent der Ausgaben."
)


@dataclass(frozen=True)
class Expected:
    """What ingesting one file must lead to.

    ``message`` holds lower-case fragments that the per-file message must contain (failed cases);
    ``contains`` words that must be found in the indexed chunks, ``excludes`` words that must not.
    ``duplicate_of`` names the source a duplicate is reported against.
    """

    outcome: Outcome
    message: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    duplicate_of: str | None = None
    note: str = ""


@dataclass
class HostileCorpus:
    """The generated files: source name (as the indexer names it) → expectation.

    ``hidden`` lists files that must be skipped silently (names starting with a dot, like ``.git``).
    """

    folder: Path
    expected: dict[str, Expected] = field(default_factory=dict)
    hidden: list[str] = field(default_factory=list)

    def sources(self, outcome: Outcome) -> list[str]:
        """Sources with the given expected outcome, sorted."""
        return sorted(s for s, e in self.expected.items() if e.outcome == outcome)


def make_hostile_corpus(folder: Path, seed: int = 1234, large: bool = True) -> HostileCorpus:
    """Write every hostile case into ``folder``; see the module docstring. Returns the expectations.

    ``large=False`` leaves out the three cases that take seconds each (the many-pages PDF, the text
    bomb and the huge one-line text), for quick runs of the command line and upload paths.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    corpus = HostileCorpus(folder)
    add = corpus.expected.__setitem__

    # -- good files that must be indexed next to the broken ones ---------------------------------
    make_pdf(folder / "gut.pdf", [["# Reparaturcafés", "", GOOD_TEXT]], title="Reparaturcafé-Förderung")
    add("gut.pdf", Expected("indexed", contains=("Reparaturcafés",)))
    (folder / "gut.md").write_text(f"# Bürgerhaushalt\n\n{_sentences(rng, 'Bürgerhaushalt', 3)}\n", encoding="utf-8")
    add("gut.md", Expected("indexed", contains=("Bürgerhaushalt",)))

    # -- broken PDFs -------------------------------------------------------------------------------
    (folder / "kaputt.pdf").write_bytes(b"%PDF-1.7\n" + rng.randbytes(20_000))
    add("kaputt.pdf", Expected("failed", message=("beschädigt",)))

    whole = make_pdf(
        folder / "ganz.tmp", [[f"Seite {n} über Dorfläden und Nahversorgung im Landkreis."] for n in range(1, 9)]
    ).read_bytes()
    (folder / "ganz.tmp").unlink()
    (folder / "abgeschnitten.pdf").write_bytes(whole[: len(whole) // 2])
    add("abgeschnitten.pdf", Expected("failed", message=("beschädigt",)))

    _encrypted(folder / "kennwort.pdf", user_password="geheim", algorithm="RC4-128")
    add("kennwort.pdf", Expected("failed", message=("passwortgeschützt",)))
    _encrypted(folder / "schreibschutz.pdf", user_password="", algorithm="RC4-128", text="Schreibschutz Quartiersfonds")
    add("schreibschutz.pdf", Expected("indexed", contains=("Quartiersfonds",)))
    if _has_aes():  # pypdf writes (and reads) AES only with the cryptography package
        _encrypted(folder / "kennwort-aes.pdf", user_password="geheim", algorithm="AES-256")
        add("kennwort-aes.pdf", Expected("failed", message=("passwortgeschützt",)))
        _encrypted(folder / "schreibschutz-aes.pdf", user_password="", algorithm="AES-128", text="Schreibschutz Kiezkasse")
        add("schreibschutz-aes.pdf", Expected("indexed", contains=("Kiezkasse",)))

    make_image_pdf(folder / "scan.pdf", pages=2)
    add("scan.pdf", Expected("failed", message=("keinen textlayer", "ocr")))

    if large:
        (folder / "tausend-seiten.pdf").write_bytes(many_pages_pdf(MANY_PAGES))
        add("tausend-seiten.pdf", Expected("indexed", contains=(f"Projekt Nummer {MANY_PAGES}.",)))

    (folder / "bombe.pdf").write_bytes(flate_bomb_pdf(BOMB_BYTES))
    add("bombe.pdf", Expected("failed", message=("entpackt",)))

    if large:
        (folder / "textbombe.pdf").write_bytes(text_bomb_pdf())
        add("textbombe.pdf", Expected("failed", message=("zeichen", "höchstens")))

    # -- empty and binary files --------------------------------------------------------------------
    (folder / "leer.md").write_bytes(b"")
    add("leer.md", Expected("failed", message=("leer",)))
    (folder / "leer.pdf").write_bytes(b"")
    add("leer.pdf", Expected("failed", message=("leer",)))
    (folder / "nur-leerzeichen.txt").write_bytes(b" \n\t\r\n  ")
    add("nur-leerzeichen.txt", Expected("failed", message=("leer",)))
    (folder / "binaer.pdf").write_bytes(rng.randbytes(4096))
    add("binaer.pdf", Expected("failed", message=("keine pdf-datei",)))
    (folder / "binaer.md").write_bytes(b"\x7fELF\x02\x01\x01\x00" + rng.randbytes(4096))
    add("binaer.md", Expected("failed", message=("binärdaten",)))
    (folder / "zip-als.md").write_bytes(_zip_bytes())
    add("zip-als.md", Expected("failed", message=("binärdaten",)))

    # -- encodings and markup ----------------------------------------------------------------------
    (folder / "latin1.txt").write_bytes("Zuschüsse für Dorfläden\n\nDie Gemeinde zahlt Zuschüsse für Dorfläden, "
                                        "Größe bis 400 m².\n".encode("latin-1"))
    add("latin1.txt", Expected("indexed", contains=("Zuschüsse", "Größe")))
    (folder / "cp1252.md").write_bytes("# Fördermittel – „Kulturerbe“\n\nDie Förderung für Denkmäler beträgt "
                                       "höchstens 5.000 €.\n".encode("cp1252"))
    add("cp1252.md", Expected("indexed", contains=("Denkmäler", "5.000 €", "„Kulturerbe“")))
    (folder / "utf16.txt").write_bytes("Nachbarschaftshilfe\n\nDie Nachbarschaftshilfe wird gefördert.\n".encode("utf-16"))
    add("utf16.txt", Expected("indexed", contains=("Nachbarschaftshilfe",)))
    (folder / "skripte.html").write_text(
        "<html><head><title>Jugendbeteiligung</title><style>body{color:red} .geheimstil{}</style>"
        "<script>alert('geheimskript'); fetch('https://example.org/track')</script></head><body>"
        "<iframe src='https://example.org'>geheimrahmen</iframe><noscript>geheimnoscript</noscript>"
        "<main><h1>Jugendbeteiligung</h1><p>Jugendparlamente erhalten ein eigenes Budget.</p>"
        "<script type='module'>geheimmodul()</script><p onclick=\"geheimklick()\">Sitzungen sind öffentlich.</p>"
        "</main></body></html>",
        encoding="utf-8",
    )
    add("skripte.html", Expected(
        "indexed", contains=("Jugendparlamente", "öffentlich"),
        excludes=("geheimstil", "geheimskript", "geheimrahmen", "geheimnoscript", "geheimmodul", "geheimklick", "example.org"),
    ))
    if large:
        long_line = " ".join(f"Wort{n % 997} Quartier" for n in range(80_000))  # ~1.1 MB, one line
        (folder / "eine-zeile.txt").write_text(long_line, encoding="utf-8")
        add("eine-zeile.txt", Expected("indexed", contains=("Wort996",)))
    (folder / "ohne-leerzeichen.md").write_text("x" * 2_000_000, encoding="utf-8")
    add("ohne-leerzeichen.md", Expected("indexed", contains=("x" * 1000,), note="one 2-MB word: broken into 1000s"))

    # -- duplicates and odd file names -------------------------------------------------------------
    (folder / "kopie-von-gut.pdf").write_bytes((folder / "gut.pdf").read_bytes())
    add("kopie-von-gut.pdf", Expected("duplicate", duplicate_of="gut.pdf"))
    escape_name = "steuer\x1b[31mzeichen\x07\tname.md"
    (folder / escape_name).write_text("# Steuerzeichen\n\nDer Dateiname enthält Steuerzeichen für Terminals.\n", encoding="utf-8")
    add(printable_name(escape_name), Expected("indexed", contains=("Terminals",)))
    newline_name = "zeilen\numbruch.md"
    (folder / newline_name).write_text("# Umbruch\n\nDer Dateiname enthält einen Zeilenumbruch mitten drin.\n", encoding="utf-8")
    add(printable_name(newline_name), Expected("indexed", contains=("Zeilenumbruch",)))
    bidi_name = "bidi\u202egpj.md"  # shows as "bidimd.jpg" in a terminal
    (folder / bidi_name).write_text("# Bidi\n\nEin Name mit Richtungsumkehr täuscht die Endung vor.\n", encoding="utf-8")
    add(printable_name(bidi_name), Expected("indexed", contains=("Richtungsumkehr",)))
    deep = folder / ("u" * 120) / ("v" * 120)
    deep.mkdir(parents=True)
    long_name = "l" * 240 + ".md"  # file names may have 255 bytes; the source path gets ~490 characters
    (deep / long_name).write_text("# Lang\n\nEin sehr langer Dateipfad mit Förderhinweisen zur Bibliothek.\n", encoding="utf-8")
    add(f"{'u' * 120}/{'v' * 120}/{long_name}", Expected("indexed", contains=("Bibliothek",)))
    (folder / "-rf.md").write_text("# Optionen\n\nEin Dateiname, der wie eine Befehlsoption aussieht.\n", encoding="utf-8")
    add("-rf.md", Expected("indexed", contains=("Befehlsoption",)))
    (folder / "..punkte.md").write_text("# Versteckt\n\nversteckttext\n", encoding="utf-8")
    (folder / "...").mkdir()
    (folder / "..." / "drin.md").write_text("# Drin\n\nIm Ordner mit drei Punkten.\n", encoding="utf-8")
    corpus.hidden += ["..punkte.md", ".../drin.md"]
    return corpus


# ------------------------------------------------------------------------------------------------
# Hand-assembled PDFs
# ------------------------------------------------------------------------------------------------


def raw_pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF from object bodies (object 1 must be the catalog), with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _stream(data: bytes, compress: bool = False) -> bytes:
    extra = b" /Filter /FlateDecode" if compress else b""
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def _pages(contents: Sequence[bytes]) -> list[bytes]:
    """Catalog, page tree, font and one page + content stream per entry of ``contents`` (already wrapped)."""
    count = len(contents)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
        _FONT,
    ]
    for i, content in enumerate(contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(content)
    return objects


def many_pages_pdf(pages: int) -> bytes:
    """A valid PDF with ``pages`` small text pages (about 150 bytes each), built in milliseconds."""
    contents = [
        _stream(b"BT /F1 11 Tf 72 420 Td (Abschnitt %d: Die Gemeinde foerdert Projekt Nummer %d.) Tj ET" % (n, n))
        for n in range(1, pages + 1)
    ]
    return raw_pdf(_pages(contents))


def flate_bomb_pdf(uncompressed: int) -> bytes:
    """One page whose content stream is a Flate bomb: ``uncompressed`` bytes of spaces, ~1000:1 packed."""
    packer = zlib.compressobj(9)
    block = b" " * (1 << 20)
    parts = [packer.compress(b"BT /F1 11 Tf 72 420 Td (Bombe) Tj ET\n")]
    for _ in range(uncompressed // len(block)):
        parts.append(packer.compress(block))
    parts.append(packer.flush())
    return raw_pdf(_pages([_stream(b"".join(parts), compress=True)]))


def text_bomb_pdf(chars_per_page: int = 300_000, pages: int = 40) -> bytes:
    """Pages whose one shared, packed content stream prints ``chars_per_page`` characters in 1-pt type."""
    words = b"Zuschuss " * (chars_per_page // 9)
    content = b"BT /F1 1 Tf 10 830 Td (" + words + b") Tj ET"
    stream = _stream(zlib.compress(content, 9), compress=True)
    contents = [stream] * pages  # the same object text on every page, written once per page object
    return raw_pdf(_pages(contents))


def fragment_bomb_pdf(fragments_per_page: int, pages: int = 1) -> bytes:
    """Pages packed with one-word text fragments on their own lines (each a separate pypdf callback)."""
    content = b"BT /F1 1 Tf 1 TL 10 830 Td\n" + b"T* (Zuschuss) Tj\n" * fragments_per_page + b"ET"
    stream = _stream(zlib.compress(content, 9), compress=True)
    return raw_pdf(_pages([stream] * pages))


def _encrypted(path: Path, user_password: str, algorithm: str, text: str = "Geheime Förderliste") -> Path:
    """A text PDF encrypted by pypdf's writer (owner password always set)."""
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(path, [["# " + text, "", f"{text}: Diese Datei ist verschlüsselt gespeichert."]])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=user_password, owner_password="eigentuemer", algorithm=algorithm)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def _has_aes() -> bool:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return False
    return True


def _zip_bytes() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inhalt.md", "# Gepackt\n\n" + "Inhalt " * 500)
    return buffer.getvalue()


def _sentences(rng: random.Random, topic: str, count: int) -> str:
    verbs = ["stärkt", "verbessert", "finanziert", "begleitet", "fördert"]
    objects = ["das Ehrenamt", "die Jugendarbeit", "kommunale Projekte", "die Teilhabe", "offene Daten"]
    return " ".join(f"Der {topic} {rng.choice(verbs)} {rng.choice(objects)}." for _ in range(count))
