"""Where the benchmarks find their evaluation data, and the reader for XQuAD.

The evaluation data is not part of this repository: it lives in a folder ``shared/`` next to the
checkout (``../shared`` seen from the repository root) with ``eval/dev_qa.jsonl``,
``eval/xquad/xquad.{de,en}.json`` and ``corpus-extra/``. That location is the documented default of
the benchmarks' ``--questions``, ``--xquad-dir``, ``--extra`` and ``--upload`` options; pass the
option to read the data from anywhere else. The product package never looks there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

#: The repository root of this checkout.
REPOSITORY = Path(__file__).resolve().parent.parent
#: Questions shipped with the benchmarks (held out from tuning), used when the shared dev set is absent.
HELDOUT_QUESTIONS = Path(__file__).with_name("heldout_qa.jsonl")


def shared_dir(home: Path = REPOSITORY) -> Path:
    """The shared evaluation data next to a checkout: ``<home>/../shared``."""
    return home.parent / "shared"


#: The default location of the shared evaluation data.
SHARED = shared_dir()


@dataclass(frozen=True)
class XQuADItem:
    """One XQuAD question with the id of the paragraph that holds its answer."""

    question_id: str
    question: str
    paragraph: int


def load_xquad(path: Path) -> tuple[list[str], list[XQuADItem]]:
    """Paragraph texts (in file order) and questions of an XQuAD (SQuAD 1.1 format) file."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs: list[str] = []
    items: list[XQuADItem] = []
    for article in data:
        for para in article["paragraphs"]:
            paragraphs.append(para["context"])
            for qa in para["qas"]:
                items.append(XQuADItem(qa["id"], qa["question"], len(paragraphs) - 1))
    return paragraphs, items
