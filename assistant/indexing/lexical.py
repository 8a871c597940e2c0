"""German keyword search: an analyzer (stemming, umlauts, compounds) and a persisted BM25 index (bm25s).

German packs meaning into compounds ("Förderrichtlinie", "Datenschutz-Folgenabschätzung"), so a
query for "Richtlinie" must find "Förderrichtlinie" and vice versa. The analyzer therefore emits, for
each long word, its stem *and* the stems of its parts, where parts are words seen in the indexed
corpus (a data-driven decompounder: no dictionary to ship, and it adapts to each knowledge base).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import Stemmer  # PyStemmer: Snowball stemmers in C

from ..errors import IndexStateError
from ..text import STOPWORDS

if TYPE_CHECKING:
    import bm25s

_WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿß]+(?:[-'][0-9A-Za-zÀ-ÖØ-öø-ÿß]+)*")

_MIN_PART = 4  # shortest compound part considered a word of its own
_LINKING = ("", "s", "es", "n", "en", "e", "er", "ns")  # Fugenelemente between compound parts


def fold(text: str) -> str:
    """Lower-case, NFC-normalise and map ß → ss, so that spelling variants meet."""
    return unicodedata.normalize("NFC", text).lower().replace("ß", "ss")


class GermanAnalyzer:
    """Turns text into BM25 terms: stems of words, plus stems of compound parts known to the corpus."""

    def __init__(self, vocabulary: Iterable[str] = ()) -> None:
        self._stemmer = Stemmer.Stemmer("german")
        self.vocabulary: frozenset[str] = frozenset(vocabulary)

    def words(self, text: str) -> list[str]:
        """Folded word tokens without stopwords; hyphenated compounds also yield their parts."""
        result: list[str] = []
        for match in _WORD.finditer(fold(text)):
            word = match.group(0)
            parts = re.split(r"[-']", word)
            if len(parts) > 1:
                result.append(word.replace("-", "").replace("'", ""))
                result.extend(p for p in parts if p and p not in STOPWORDS)
            elif word not in STOPWORDS:
                result.append(word)
        return result

    def split_compound(self, word: str) -> list[str]:
        """Parts of a compound whose head is a corpus word ("förderrichtlinie" → ["förder", "richtlinie"]).

        German compounds are right-headed: the longest known head wins; the modifier may be a bare stem
        ("förder-") and loses a linking element ("-s-", "-en-") when that leaves a known word.
        """
        if len(word) < 2 * _MIN_PART - 1 or not self.vocabulary:
            return []
        for cut in range(_MIN_PART - 1, len(word) - _MIN_PART + 1):
            head = word[cut:]
            if head not in self.vocabulary:
                continue
            modifier = word[:cut]
            for link in _LINKING[1:]:
                if modifier.endswith(link) and modifier[: -len(link)] in self.vocabulary:
                    modifier = modifier[: -len(link)]
                    break
            return [*(self.split_compound(modifier) or [modifier]), head]
        return []

    def terms(self, text: str) -> list[str]:
        """The BM25 terms of a text."""
        terms: list[str] = []
        for word in self.words(text):
            terms.append(self.stem(word))
            for part in self.split_compound(word):
                terms.append(self.stem(part))
        return terms

    def stem(self, word: str) -> str:
        """The index term of one word: its Snowball stem with umlauts folded."""
        stem = self._stemmer.stemWord(word)
        # Fold umlauts after stemming: "Förderung" and "Foerderung"/"Forderung" typed without umlauts meet.
        return stem.replace("ä", "a").replace("ö", "o").replace("ü", "u")


def build_vocabulary(texts: Iterable[str], min_count: int = 2) -> set[str]:
    """Words that occur at least ``min_count`` times: candidates for compound parts."""
    analyzer = GermanAnalyzer()
    counts = Counter(w for text in texts for w in analyzer.words(text) if len(w) >= _MIN_PART and not w.isdigit())
    return {word for word, count in counts.items() if count >= min_count}


class KeywordIndex:
    """BM25 over chunk texts, persisted as a folder; ids are chunk ids."""

    FORMAT = 1

    def __init__(self, analyzer: GermanAnalyzer, ids: Sequence[str], retriever: "bm25s.BM25 | None") -> None:
        self.analyzer = analyzer
        self.ids = list(ids)
        self._retriever = retriever

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str]) -> "KeywordIndex":
        """Index texts (one per id) from scratch. Fast: a few thousand chunks take well under a second."""
        import bm25s

        analyzer = GermanAnalyzer(build_vocabulary(texts))
        corpus_terms = [analyzer.terms(t) for t in texts]
        retriever = None
        if any(corpus_terms):
            retriever = bm25s.BM25(k1=1.2, b=0.75)
            retriever.index(bm25s.tokenization.Tokenized(*_to_ids(corpus_terms)), show_progress=False)
        return cls(analyzer, ids, retriever)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top-``k`` (chunk id, BM25 score) pairs with a positive score, best first."""
        if self._retriever is None or not self.ids:
            return []
        term_ids = self._retriever.get_tokens_ids(self.analyzer.terms(query))  # terms the corpus lacks are left out
        if not term_ids:
            return []
        scores = self._retriever.get_scores_from_ids(term_ids)
        k = min(k, len(self.ids))
        top = sorted(range(len(scores)), key=lambda i: -scores[i])[:k]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def knows(self, word: str) -> bool:
        """Whether the corpus contains ``word`` (its stem, or the stem of one of its compound parts)."""
        if self._retriever is None:
            return False
        retriever = self._retriever
        words = self.analyzer.words(word) or [fold(word)]
        return any(
            retriever.get_tokens_ids([self.analyzer.stem(part) for part in [w, *self.analyzer.split_compound(w)]])
            for w in words
        )

    def save(self, folder: Path) -> None:
        """Write the index atomically: into a sibling temp folder, then swap it in."""
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.save(str(tmp / "bm25"))
        meta = {"format": self.FORMAT, "ids": self.ids, "vocabulary": sorted(self.analyzer.vocabulary)}
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex":
        """Load a saved index; raises IndexStateError when it is missing or unreadable."""
        import bm25s

        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") != cls.FORMAT:
                raise ValueError(f"format {meta.get('format')}")
            retriever = bm25s.BM25.load(str(folder / "bm25")) if (folder / "bm25").exists() else None
        except (OSError, ValueError, KeyError) as exc:
            raise IndexStateError("index.keyword_damaged", folder=folder, error=str(exc)) from exc
        return cls(GermanAnalyzer(meta["vocabulary"]), meta["ids"], retriever)


def _to_ids(corpus_terms: list[list[str]]) -> tuple[list[list[int]], dict[str, int]]:
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(term, len(vocab)) for term in terms] for terms in corpus_terms]
    return ids, vocab
