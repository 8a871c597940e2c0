#!/usr/bin/env python3
"""Mechanical checks for the blind test set (eval/blind/*.jsonl); stdlib + pypdf only.

    .venv/bin/python eval/blind/check.py                 # check tune.jsonl + heldout.jsonl (+ tune-extra, tune-near, tune-near2)
    .venv/bin/python eval/blind/check.py --split ALL.jsonl   # (re)write the split, then check

Checks: ids (and questions) are unique; types, languages and required fields are valid;
refuse items have no gold and no facts; every gold passage is 15-60 characters and occurs,
under the matching rule of shared/eval/README.md (lower-cased, all whitespace and hyphens
removed), in the text of a named source file -- for PDFs within one page (pypdf text layer;
retrieval chunks never span pages), for Markdown the raw text, for HTML the text with tags
stripped; multi-document items name at least two sources and have gold in each of them.
Warnings (not errors): a fact group none of whose alternatives occurs in the sources of a
question, a listed page that does not hold the gold, a question that repeats its gold
or already contains a fact alternative (an echoing answer would cover it).
Prints counts per type, refuse subtype, language, split and source document.
tune-extra.jsonl, tune-near.jsonl and tune-near2.jsonl (supplementary tuning sets, see README.md), when present, get the same item
checks and share the id/question uniqueness checks, but are not part of the split.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import sys
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[1] / "corpus"
FILES = {"tune": HERE / "tune.jsonl", "heldout": HERE / "heldout.jsonl"}
EXTRA = {"tune-extra": HERE / "tune-extra.jsonl", "tune-near": HERE / "tune-near.jsonl", "tune-near2": HERE / "tune-near2.jsonl"}  # checked when present; never part of the split
TUNE_SHARE = 0.4

TYPES = {"fact", "list", "multi", "en", "comparison", "yesno", "dates", "refuse"}
SUBTYPES = {"near-domain", "out-of-domain"}
LANGS = {"de", "en"}
REQUIRED = ("id", "q", "type", "gold", "facts", "lang", "source")

_IGNORED = re.compile(r"[\s\-\u00ad\u2010\u2011]+")


def norm(text: str) -> str:
    """The contract's comparison form: lower-cased, whitespace and hyphens removed."""
    return _IGNORED.sub("", text.lower())


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs) -> None:  # keep words apart
        self.parts.append(" ")


_cache: dict[str, list[str]] = {}


def pages(source: str) -> list[str]:
    """The source's text: one string per page for PDFs, one string otherwise (normalized)."""
    if source not in _cache:
        path = CORPUS / source
        if path.suffix.lower() == ".pdf":
            from pypdf import PdfReader

            raw = [p.extract_text() or "" for p in PdfReader(str(path)).pages]
        elif path.suffix.lower() in {".html", ".htm"}:
            parser = _TextOnly()
            parser.feed(path.read_text(encoding="utf-8"))
            raw = [html.unescape("".join(parser.parts))]
        else:
            raw = [path.read_text(encoding="utf-8")]
        _cache[source] = [norm(t) for t in raw]
    return _cache[source]


def load(path: Path) -> list[dict]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                sys.exit(f"{path.name}:{n}: not JSON: {exc}")
    return items


def key(item: dict) -> str:
    return hashlib.sha256(item["id"].encode("utf-8")).hexdigest()


def split(items: list[dict]) -> dict[str, list[dict]]:
    """Deterministic, stratified by (type, subtype): per stratum the items with the smallest
    sha256(id) go to tune (round(40 %)), the rest to heldout; file order follows the ids."""
    strata: dict[tuple, list[dict]] = defaultdict(list)
    for item in items:
        strata[(item["type"], item.get("subtype", ""))].append(item)
    out: dict[str, list[dict]] = {"tune": [], "heldout": []}
    for members in strata.values():
        members = sorted(members, key=key)
        n_tune = round(TUNE_SHARE * len(members))
        out["tune"] += members[:n_tune]
        out["heldout"] += members[n_tune:]
    for part in out.values():
        part.sort(key=lambda i: i["id"])
    return out


def check(items: list[tuple[str, dict]]) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    warnings: list[str] = []
    ids = Counter(i["id"] for _, i in items if "id" in i)
    qs = Counter(norm(i.get("q", "")) for _, i in items)
    for part, item in items:
        where = f"{part}:{item.get('id', '?')}"
        missing = [k for k in REQUIRED if k not in item]
        if missing:
            errors.append(f"{where}: missing {missing}")
            continue
        if ids[item["id"]] > 1:
            errors.append(f"{where}: duplicate id")
        if qs[norm(item["q"])] > 1:
            errors.append(f"{where}: duplicate question")
        type_, lang, gold, facts = item["type"], item["lang"], item["gold"], item["facts"]
        sources = item["source"]
        if type_ not in TYPES:
            errors.append(f"{where}: unknown type {type_!r}")
        if lang not in LANGS:
            errors.append(f"{where}: unknown lang {lang!r}")
        if type_ == "en" and lang != "en":
            errors.append(f"{where}: type en needs lang en")
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            errors.append(f"{where}: source must be a list of file names")
            continue
        for s in sources:
            if not (CORPUS / s).is_file():
                errors.append(f"{where}: source {s} not in corpus/")
        if any(not (CORPUS / s).is_file() for s in sources):
            continue
        page_list = item.get("page")
        if page_list is not None and (not isinstance(page_list, list) or len(page_list) != len(sources)):
            errors.append(f"{where}: page must be a list parallel to source")
            page_list = None
        if type_ == "refuse":
            if gold or facts:
                errors.append(f"{where}: refuse item with gold/facts")
            if item.get("subtype") not in SUBTYPES:
                errors.append(f"{where}: refuse item needs subtype in {sorted(SUBTYPES)}")
            if item.get("subtype") == "out-of-domain" and sources:
                errors.append(f"{where}: out-of-domain item names a source")
            continue
        if "subtype" in item:
            errors.append(f"{where}: subtype only for refuse items")
        if not gold or not isinstance(gold, list):
            errors.append(f"{where}: no gold")
            continue
        if not sources:
            errors.append(f"{where}: answerable item without source")
            continue
        if (
            not facts
            or not isinstance(facts, list)
            or not all(isinstance(g, list) and g and all(isinstance(a, str) and a.strip() for a in g) for g in facts)
        ):
            errors.append(f"{where}: facts must be a non-empty list of non-empty lists of strings")
            continue
        docs_with_gold = set()
        for g in gold:
            if not 15 <= len(g.strip()) <= 60:
                errors.append(f"{where}: gold {g!r} has {len(g.strip())} characters (15-60)")
            ng = norm(g)
            found = False
            for si, s in enumerate(sources):
                texts = pages(s)
                hits = [pi + 1 for pi, t in enumerate(texts) if ng in t]
                if not hits:
                    continue
                found = True
                docs_with_gold.add(s)
                if len(texts) > 1 and page_list is not None and page_list[si] is not None:
                    wanted = page_list[si] if isinstance(page_list[si], list) else [page_list[si]]
                    if not set(hits) & set(wanted):
                        warnings.append(f"{where}: gold {g!r} in {s} on page(s) {hits}, listed {wanted}")
            if not found:
                errors.append(f"{where}: gold {g!r} not found (within one page) in {sources}")
            if ng and ng in norm(item["q"]):
                warnings.append(f"{where}: question repeats its gold {g!r}")
        if type_ == "multi":
            if len(sources) < 2:
                errors.append(f"{where}: multi item needs two or more sources")
            for s in sources:
                if s not in docs_with_gold:
                    errors.append(f"{where}: no gold passage from {s}")
        # extractive answers are verbatim excerpts: every fact group (English questions too)
        # should have an alternative that occurs in the sources
        alltext = "".join("".join(pages(s)) for s in sources)
        for group in facts:
            if not any(norm(a) in alltext for a in group):
                warnings.append(f"{where}: fact group {group} not verbatim in the sources")
            echoed = [a for a in group if norm(a) in norm(item["q"])]
            if echoed:
                warnings.append(f"{where}: fact alternative(s) {echoed} already in the question")
    return errors, warnings


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", type=Path, metavar="ALL.jsonl", help="write tune/heldout from this file first")
    ap.add_argument("-q", "--quiet", action="store_true", help="no warnings")
    args = ap.parse_args()

    if args.split:
        parts = split(load(args.split))
        for name, part in parts.items():
            with FILES[name].open("w", encoding="utf-8") as fh:
                for item in part:
                    fh.write(json.dumps(item, ensure_ascii=False) + "\n")
        print(f"wrote {FILES['tune'].name} ({len(parts['tune'])}) and {FILES['heldout'].name} ({len(parts['heldout'])})")

    present = {**FILES, **{name: path for name, path in EXTRA.items() if path.is_file()}}
    items = [(name, item) for name, path in present.items() for item in load(path)]
    errors, warnings = check(items)

    # the split on file must be the deterministic one (tune + heldout only)
    expected = split([i for n, i in items if n in FILES and "type" in i and "id" in i])
    for name in FILES:
        have = {i["id"] for n, i in items if n == name}
        if have != {i["id"] for i in expected[name]}:
            errors.append(f"{name}.jsonl differs from the deterministic split (run --split)")

    by_type: Counter = Counter()
    by_lang: Counter = Counter()
    by_split: Counter = Counter()
    by_source: Counter = Counter()
    for part, i in items:
        t = i.get("type", "?") + (f"/{i['subtype']}" if i.get("subtype") else "")
        by_type[t] += 1
        by_lang[i.get("lang", "?")] += 1
        by_split[(part, i.get("type", "?"))] += 1
        for s in i.get("source", []):
            by_source[s] += 1

    print(f"{len(items)} questions")
    print("\nper type                total  tune  heldout  extra   de  en")
    for t in sorted(by_type):
        base = t.split("/")[0]
        sub = t.split("/")[1] if "/" in t else None
        sel = [(p, i) for p, i in items if i.get("type") == base and (sub is None or i.get("subtype") == sub)]
        n_t = sum(1 for p, _ in sel if p == "tune")
        n_h = sum(1 for p, _ in sel if p == "heldout")
        n_de = sum(1 for _, i in sel if i.get("lang") == "de")
        print(f"  {t:<22}{len(sel):>6}{n_t:>6}{n_h:>9}{len(sel) - n_t - n_h:>7}{n_de:>5}{len(sel) - n_de:>4}")
    print(f"\nper language: " + ", ".join(f"{k} {v}" for k, v in sorted(by_lang.items())))
    print("per split: " + ", ".join(f"{n} {sum(1 for p, _ in items if p == n)}" for n in present))
    print("\nper source document (questions naming it):")
    for s in sorted(p.name for p in CORPUS.iterdir() if p.suffix in {".md", ".pdf", ".html"} and p.name != "SOURCES.md"):
        print(f"  {by_source.get(s, 0):>4}  {s}")
    if warnings and not args.quiet:
        print(f"\n{len(warnings)} warning(s):")
        for w in warnings:
            print("  " + w)
    if errors:
        print(f"\n{len(errors)} error(s):")
        for e in errors:
            print("  " + e)
        return 1
    print("\nOK: no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
