"""Kinds of applicant a funding rate or a limit can be stated for: companies, universities, municipalities ….

A guideline often states a value per kind of applicant: "Als Unternehmen … 50 Prozent", "Als Hochschule … bis zu 100
Prozent", "Als Kommune … bis zu 100 Prozent". "Bis zu wie viel Prozent seiner Ausgaben wird eine Landesbehörde
gefördert?" finds these passages, and each states a percentage, so the check of the kind of value
(``text.states_detail``) lets it through: the answer would give the rates of the others. :func:`other_applicants_only`
tells such a question apart from one the passages answer. It decides only where the passages themselves tell kinds
of applicant apart (two kinds or more, each beside a value): a passage that names one kind in passing ("Gelten die
Organisationen als Unternehmen …") refuses nothing on its own. A general rule beside rates per kind does not stop
it: "(2) … bis zu 10 % der Projektkosten zurückbehalten" stood beside the DBU's rate for universities, and
answers no question for a company's rate.

The names err the safe way: a kind of applicant a question names in words the list lacks makes no decision at all.
The funders' own names ("Deutsche Bundesstiftung Umwelt", "Bundesamt für Familie und zivilgesellschaftliche
Aufgaben") are no applicants, so compounds such as "Bundesstiftung" and "Bundesamt" are left out, and
"zivilgesellschaftlich" counts only before an organisation, an actor or the like; an authority that supervises
("Aufsichtsbehörde") is no applicant either, so only the word on its own counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .text import asked_detail, question_clauses, states_detail

_KINDS = {
    "company": r"\w*unternehmen[s]?\b|\bfirm(?:a|en)\b|\bkmu\b|\bmittelst[äa]nd\w*|\bstart-?ups?\b|\bgewerblich\w*"
    r"|\bcompan(?:y|ies)\b|\bbusiness(?:es)?\b(?!\s+(?:days?|hours?))|\bsmes?\b|\benterprises?\b",
    "university": r"\w*hochschul\w*|\buniversit\w*",
    "research": r"\w*forschungseinrichtung\w*|\bforschungsinstitut\w*|\bresearch\s+(?:institution|organi[sz]ation|institute)s?\b",
    "municipality": r"\w*kommunen?\b|\bkommunal\w*|\bgemeinden?\b|\bstädte\b|\bstadtverwaltung\w*|\blandkreis\w*"
    r"|\bmunicipal\w*|\blocal\s+(?:authorit|government)\w*",
    "state": r"\blandesbeh[öo]rden?\b|\blandes(?:amt|ämter|ämtern|ministeri\w*|verwaltung\w*)\b|\bstate\s+(?:authorit|agenc)\w*",
    "federal": r"\bbundesbeh[öo]rden?\b|\bfederal\s+(?:authorit|agenc)\w*",
    "authority": r"\bbeh[öo]rden?\b|\böffentlich\w*\s+stellen?\b|\böffentlich-rechtlich\w*|\bpublic\s+(?:authorit|bod)\w*",
    "nonprofit": r"\w*verein(?:e|en|s)?\b|\bstiftung(?:en)?\b|\bgemeinnützig\w*|\bzivilgesellschaft\b|\bngos?\b|\bnon-?profits?\b"
    r"|\bzivilgesellschaftliche[nrs]?\s+(?:organisation|akteur|träger|initiative|einrichtung|gruppe)\w*"
    r"|\bcivil\s+society\b|\bcharit(?:y|ies)\b",
}
_PATTERNS = {kind: re.compile(pattern, re.IGNORECASE) for kind, pattern in _KINDS.items()}
#: A value stated for authorities holds for every one of them: a Landesamt is answered by "öffentlich-rechtliche
#: Einrichtungen".
_BROADER = {"state": "authority", "federal": "authority", "municipality": "authority"}
#: The kinds of value that guidelines state per kind of applicant.
_VALUE_KINDS = frozenset({"percent", "amount", "count", "duration"})


def applicant_kinds(text: str) -> frozenset[str]:
    """The kinds of applicant ``text`` names ("company", "university", "research", "municipality", "state",
    "federal", "authority", "nonprofit")."""
    return frozenset(kind for kind, pattern in _PATTERNS.items() if pattern.search(text))


@dataclass(frozen=True)
class OtherApplicants:
    """A value asked for one kind of applicant (``asked``) that the passages state only for others (``stated``)."""

    asked: str
    stated: tuple[str, ...]


def other_applicants_only(question: str, chunks: Sequence[str]) -> OtherApplicants | None:
    """Whether the passages state the value a question asks for only for other kinds of applicant than the one it
    names; ``None`` when they state it for that kind, for no kind in particular, or the question names none.

    Per question a sentence asks ("…, und welche Obergrenze gilt für Behörden?"), for a rate, an amount, a number or
    a duration. ``chunks`` are all retrieved passages, not only the best few that decide whether a value is stated
    at all: the rate for the kind asked about is often a list item away from the best match, and one stated
    anywhere among them lets the question through. They count paragraph by paragraph (a line of a chunk: a list
    item, a numbered clause), each paragraph with a value of the kind asked for; they decide only when together
    they name two kinds of applicant or more, none of them the one asked about or a broader one.
    """
    paragraphs = [p for chunk in chunks for p in chunk.split("\n")]
    for clause in question_clauses(question):
        kind = asked_detail(clause)
        asked = applicant_kinds(clause)
        if kind not in _VALUE_KINDS or not asked:
            continue
        stated = frozenset().union(*(applicant_kinds(p) for p in paragraphs if states_detail(kind, p)))
        if len(stated) >= 2 and not any(a in stated or _BROADER.get(a) in stated for a in asked):
            return OtherApplicants(min(asked), tuple(sorted(stated)))
    return None
