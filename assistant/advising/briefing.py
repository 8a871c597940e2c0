"""An advisory briefing ("Beratungsmappe") for one project, every statement cited and verified.

Made from what the rest of the product already checks, in five parts:

1. **Programmes**: every funding programme of the knowledge base with why it fits or not — who may
   apply against the legal form, the maximum amount against the budget, the duration, the status on
   today's date, and how close its text is to the project (retrieval rank). Expired ones are listed
   apart ("abgelaufen"). Each reason is a profile field, i.e. a verbatim passage (see
   :mod:`assistant.programmes.profiles`), and its figures are those the passage states.
2. **Conditions** of the fitting programmes: funding rate and own contribution, exclusions, procedure
   and deadlines — profile passages again.
3. **Ethics and data protection**: questions chosen from the project's answers (personal data? AI
   used on people?) answered by :class:`~assistant.answering.answer.Answerer` like chat questions,
   so their citations are verified the same way (extractive: verbatim; llm: attributed sentences).
4. **Open questions** for the session: made by rules from what is missing or unclear (no legal form,
   eligibility not stated for it, no maximum amount in the document, …). They ask, they state nothing.
5. **Sources**: every cited passage, numbered, with document, page and section.

Assembling it runs several retrievals (and, in llm mode, generations): ``progress`` is told each step
and ``cancelled`` is asked between steps (the UI's "Abbrechen").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from ..errors import BriefingCancelled
from ..messages import Message, text
from ..loaders.base import collapse_whitespace
from ..programmes.profiles import Profile, Statement, format_euro, format_percent
from .project import ProjectProfile

if TYPE_CHECKING:
    from ..answering.answer import Answer, Answerer
    from ..answering.retrieval import Retriever
    from ..indexing.store import DocumentRecord
    from ..programmes.book import ProgrammeBook

#: Programmes whose conditions are detailed (the best fitting ones).
CONDITION_PROGRAMMES = 3

BriefingProgress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Source:
    """One numbered passage of the briefing's source list."""

    n: int
    source: str
    title: str
    page: int | None
    section: str
    quote: str


@dataclass(frozen=True)
class Line:
    """A statement of the briefing with the sources that state it (``quote``: it is their verbatim text)."""

    text: str
    refs: tuple[int, ...] = ()
    quote: bool = False


@dataclass
class ProgrammeFit:
    """One programme judged against the project."""

    name: str
    source: str
    status: str
    status_text: str
    verdict: str  # "fits" (formally: who may apply, amount, duration, in force), "check" or "does_not_fit"
    lines: list[Line] = field(default_factory=list)
    #: Cosine similarity of the project description to the programme's closest passage (ordering).
    closeness: float = 0.0


@dataclass
class Briefing:
    """The assembled briefing; rendered by :mod:`assistant.advising.export`."""

    project: ProjectProfile
    language: str
    today: dt.date
    knowledge_base_date: dt.date | None
    mode: str
    programmes: list[ProgrammeFit] = field(default_factory=list)
    expired: list[ProgrammeFit] = field(default_factory=list)
    conditions: list[tuple[str, list[Line]]] = field(default_factory=list)
    ethics: list[tuple[str, list[Line]]] = field(default_factory=list)
    open_questions: list[str] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    #: Sentences of written answers that no source supports (shown marked, never as cited).
    unverified_sentences: int = 0


class _Sources:
    """The briefing's numbered source list: one number per distinct passage."""

    def __init__(self) -> None:
        self.items: list[Source] = []
        self._numbers: dict[tuple[str, int | None, str], int] = {}

    def cite(self, source: str, title: str, page: int | None, section: str, quote: str) -> int:
        quote = collapse_whitespace(quote)
        key = (source, page, quote)
        if key not in self._numbers:
            n = len(self.items) + 1
            self.items.append(Source(n, source, title, page, section, quote))
            self._numbers[key] = n
        return self._numbers[key]

    def statement(self, profile: Profile, statement: Statement) -> int:
        return self.cite(profile.source, profile.name, statement.page, statement.section, statement.quote)


# -- legal forms and who may apply ----------------------------------------------------------------

_PRIVATE_LAW = r"privaten\s+Rechts|Privatrechts|öffentlichen\s+und\s+privaten\s+Rechts|private\s+Organisationen"
_PUBLIC_LAW = r"öffentlichen(?:\s+und\s+privaten)?\s+Rechts|öffentliche(?:\s+und\s+private)?\s+Organisationen"
#: Legal form (as people write it) → what a guideline calls such an applicant.
_LEGAL_FORMS: tuple[tuple[str, str], ...] = (
    (r"\be\.\s?V\b|\bVerein", rf"Verein|gemeinnützige\s+Organisation|gesellschaftliche\s+Organisation|juristische\s+Personen|{_PRIVATE_LAW}"),
    (r"gGmbH|GmbH|\bUG\b|\bAG\b|Unternehmen|Firma|Genossenschaft|\beG\b",
     rf"Unternehmen|juristische\s+Personen|{_PRIVATE_LAW}"),
    (r"Stiftung", rf"Stiftung|gesellschaftliche\s+Organisation|juristische\s+Personen|{_PRIVATE_LAW}"),
    (r"Kommune|Gemeinde|Stadt|Landkreis|Kreis|Behörde|Verwaltung",
     rf"Kommune|Einrichtungen\s+der\s+Kommunen|Gebietskörperschaft|juristische\s+Personen|{_PUBLIC_LAW}"),
    (r"Hochschule|Universität|Forschungseinrichtung|Institut",
     rf"Hochschule|Forschungseinrichtung|juristische\s+Personen|{_PUBLIC_LAW}"),
    (r"Privatperson|natürliche\s+Person|Einzelperson", r"natürliche(?:\s+und\s+juristische)?\s+Personen"),
)


def applicant_terms(legal_form: str) -> str | None:
    """The pattern of applicant descriptions that include ``legal_form`` (None: a form we do not know)."""
    for form, terms in _LEGAL_FORMS:
        if re.search(form, legal_form, re.IGNORECASE):
            return terms
    return None


def eligibility(legal_form: str, profile: Profile) -> str:
    """"yes" (the applicants passage names it), "excluded" (the exclusions passage does), else "unclear"."""
    terms = applicant_terms(legal_form)
    if not legal_form or terms is None:
        return "unclear"
    excluded = " ".join(s.quote for s in profile.fields["excluded"].statements)
    for form, _ in _LEGAL_FORMS:
        if re.search(form, legal_form, re.IGNORECASE) and re.search(form, excluded, re.IGNORECASE):
            return "excluded"
    applicants = " ".join(s.quote for s in profile.fields["applicants"].statements)
    return "yes" if applicants and re.search(terms, applicants, re.IGNORECASE) else "unclear"


_NUMBER_WORDS = {"ein": 1, "einem": 1, "einen": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6}


def months_of(duration: str) -> int | None:
    """"maximal drei Jahren" → 36, "24 Monaten" → 24 (None when it states no length)."""
    match = re.search(r"(\d+|\w+)\s+(Jahren|Jahre|Jahr|Monaten|Monate)", duration)
    if not match:
        return None
    number = int(match.group(1)) if match.group(1).isdigit() else _NUMBER_WORDS.get(match.group(1).casefold())
    if number is None:
        return None
    return number * 12 if match.group(2).startswith("Jahr") else number


# -- assembly -------------------------------------------------------------------------------------


def ethics_questions(project: ProjectProfile) -> list[Message]:
    """The questions part 3 asks the knowledge base, by what the project does."""
    questions = [Message("brief.q.guideline_duties")]
    if project.personal_data is not False:  # yes, or not known yet: better prepared than not
        questions += [Message("brief.q.legal_basis"), Message("brief.q.dpia"), Message("brief.q.transparency")]
    if project.ai_on_people:
        questions += [Message("brief.q.automated_decisions"), Message("brief.q.ethics")]
    return questions


def build_briefing(
    project: ProjectProfile,
    *,
    book: "ProgrammeBook",
    retriever: "Retriever",
    answerer: "Answerer",
    language: str,
    mode: str = "extractive",
    knowledge_base_date: dt.date | None = None,
    progress: BriefingProgress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Briefing:
    """Assemble the briefing for ``project`` (BriefingCancelled when ``cancelled()`` turns true)."""
    today = book.today()
    briefing = Briefing(project, language, today, knowledge_base_date, mode)
    sources = _Sources()
    questions = ethics_questions(project)
    total = 2 + len(questions)
    step = 0

    def advance(label: str) -> None:
        nonlocal step
        if cancelled is not None and cancelled():
            raise BriefingCancelled("brief.cancelled")
        if progress is not None:
            progress(step, total, label)
        step += 1

    advance(text("brief.step.programmes", language))
    profiles = book.profiles()
    closeness = retriever.closeness(project.query, [p.source for p in profiles])
    for profile in profiles:
        fit = _judge(project, profile, book.dated(profile), today, language, sources)
        fit.closeness = closeness.get(profile.source, 0.0)
        (briefing.expired if fit.status == "expired" else briefing.programmes).append(fit)
    # Formally fitting first; within each group the programme whose text is closest to the project.
    order = {"fits": 0, "check": 1, "does_not_fit": 2}
    briefing.programmes.sort(key=lambda f: (order[f.verdict], -f.closeness, f.name))
    for place, fit in enumerate(sorted(briefing.programmes, key=lambda f: -f.closeness), start=1):
        fit.lines.append(Line(text("brief.topic", language, place=place, count=len(briefing.programmes),
                                   similarity=f"{fit.closeness:.2f}".replace(".", ",") if language == "de" else f"{fit.closeness:.2f}")))

    advance(text("brief.step.conditions", language))
    for fit in [f for f in briefing.programmes if f.verdict != "does_not_fit"][:CONDITION_PROGRAMMES]:
        profile = book.profile(fit.source)
        if profile is not None:
            briefing.conditions.append((fit.name, _conditions(profile, language, sources)))

    for question in questions:
        asked = question.render("de")  # the sources are German: asked in German, answered in the briefing
        advance(text("brief.step.question", language, question=question.render(language)))
        answer = answerer.ask(asked, mode=mode)  # type: ignore[arg-type]
        briefing.ethics.append((question.render(language), _answer_lines(answer, sources)))
        briefing.unverified_sentences += answer.unverified_sentences

    briefing.open_questions = _open_questions(project, briefing, book, language)
    briefing.sources = sources.items
    if progress is not None:
        progress(total, total, text("brief.step.done", language))
    return briefing


def _judge(project: ProjectProfile, profile: Profile, dated: Profile, today: dt.date, language: str, sources: _Sources) -> ProgrammeFit:
    """Why ``profile`` fits the project or not: each reason a profile passage (``dated``: whose validity counts)."""
    status = dated.status(today)
    fit = ProgrammeFit(profile.name, profile.source, status, dated.status_text(today, language), "check")
    validity = dated.fields["validity"].statements
    refs = (sources.statement(dated, validity[0]),) if validity else ()  # "unbefristet / nicht angegeben" cites nothing
    fit.lines.append(Line(text("brief.validity", language, status=fit.status_text), refs))
    who = eligibility(project.legal_form, profile)
    applicants = profile.fields["applicants"]
    if applicants.statements:
        refs = tuple(sources.statement(profile, s) for s in applicants.statements)
        fit.lines.append(Line(_eligibility_text(who, project.legal_form, language), refs))
    excluded = profile.fields["excluded"]
    if who == "excluded" and excluded.statements:
        fit.lines.append(Line(collapse_whitespace(excluded.statements[0].quote), (sources.statement(profile, excluded.statements[0]),), quote=True))
    amount = profile.fields["max_amount"]
    within: bool | None = None
    if amount.statements and amount.number:
        refs = tuple(sources.statement(profile, s) for s in amount.statements)
        if project.budget_eur:
            # "300.000 EUR jährlich" over a 24-month project allows twice that.
            years = max(1.0, (project.duration_months or 12) / 12) if "jährlich" in amount.value else 1.0
            within = project.budget_eur <= amount.number * years
            budget = format_euro(project.budget_eur)
            line = (text("brief.amount.within", language, budget=budget, amount=amount.value) if within
                    else text("brief.amount.beyond", language, budget=budget, amount=amount.value))
            fit.lines.append(Line(line, refs))
        else:
            fit.lines.append(Line(text("brief.amount", language, amount=amount.value), refs))
    duration = profile.fields["duration"]
    longer = False
    if duration.statements:
        refs = (sources.statement(profile, duration.statements[0]),)
        longest = months_of(duration.value)
        if project.duration_months and longest:
            longer = project.duration_months > longest
            line = (text("brief.duration.beyond", language, months=project.duration_months, duration=duration.value) if longer
                    else text("brief.duration.within", language, months=project.duration_months, duration=duration.value))
        else:
            line = text("brief.duration", language, duration=duration.value)
        fit.lines.append(Line(line, refs))
    if status == "expired" or who == "excluded" or within is False or longer:
        fit.verdict = "does_not_fit"
    elif who == "yes" and status != "not_yet":
        fit.verdict = "fits"
    return fit


def _eligibility_text(who: str, legal_form: str, language: str) -> str:
    form = legal_form or text("brief.no_legal_form", language)
    if who == "yes":
        return text("brief.eligible.yes", language, form=form)
    if who == "excluded":
        return text("brief.eligible.excluded", language, form=form)
    return text("brief.eligible.unclear", language, form=form)


def _conditions(profile: Profile, language: str, sources: _Sources) -> list[Line]:
    lines: list[Line] = []
    rate = profile.fields["funding_rate"]
    if rate.statements and rate.number is not None:
        refs = tuple(sources.statement(profile, s) for s in rate.statements)
        lines.append(Line(text("brief.rate", language, rate=rate.value, own=_own_share(rate.value)), refs))
    for name in ("excluded", "procedure", "deadlines"):
        for statement in profile.fields[name].statements:
            lines.append(Line(collapse_whitespace(statement.quote), (sources.statement(profile, statement),), quote=True))
    if not lines:
        lines.append(Line(text("brief.no_conditions", language)))
    return lines


def _own_share(rate: str) -> str:
    """The own contribution a funding rate leaves: "90 %" → "10 %", "50–100 %" → "0–50 %"."""
    shares = sorted({max(0.0, 100 - float(r.replace(",", "."))) for r in re.findall(r"\d+(?:,\d+)?", rate)})
    return format_percent(shares[0], shares[-1] if len(shares) > 1 else None)


_MARKER = re.compile(r"\[(\d+)\]")


def _answer_lines(answer: "Answer", sources: _Sources) -> list[Line]:
    """An answer's statements with the briefing's numbers: verbatim quotes (extractive) or attributed sentences."""
    if answer.refused:
        return [Line(answer.text.split("\n")[0])]
    if answer.mode == "extractive":
        return [
            Line(collapse_whitespace(quote), (sources.cite(c.source, c.title, c.page, c.section, quote),), quote=True)
            for c in answer.citations for quote in c.quotes
        ]
    numbers = {c.n: sources.cite(c.source, c.title, c.page, c.section, c.quotes[0] if c.quotes else c.text)
               for c in answer.citations}
    lines = []
    for raw in answer.text.split("\n"):
        if not raw.strip():
            continue
        refs = tuple(numbers[int(n)] for n in _MARKER.findall(raw) if int(n) in numbers)
        lines.append(Line(_MARKER.sub("", raw).strip(" -"), refs))
    return lines


def _open_questions(project: ProjectProfile, briefing: Briefing, book: "ProgrammeBook", language: str) -> list[str]:
    questions: list[str] = []
    if not project.legal_form:
        questions.append(text("brief.open.legal_form", language))
    if project.budget_eur is None:
        questions.append(text("brief.open.budget", language))
    if project.duration_months is None:
        questions.append(text("brief.open.duration", language))
    if project.personal_data is None:
        questions.append(text("brief.open.personal_data", language))
    if project.ai_on_people is None:
        questions.append(text("brief.open.ai_on_people", language))
    for fit in briefing.programmes:
        if fit.verdict == "does_not_fit":
            continue
        profile = book.profile(fit.source)
        if profile is None:
            continue
        if project.legal_form and eligibility(project.legal_form, profile) == "unclear":
            questions.append(text("brief.open.eligibility", language, form=project.legal_form, programme=fit.name))
        applicants = " ".join(s.quote for s in profile.fields["applicants"].statements)
        if re.search(r"gemeinnützig", applicants, re.IGNORECASE):
            questions.append(text("brief.open.non_profit", language, programme=fit.name))
        if not profile.fields["max_amount"].stated:
            questions.append(text("brief.open.no_amount", language, programme=fit.name))
        if not profile.fields["deadlines"].stated:
            questions.append(text("brief.open.no_deadline", language, programme=fit.name))
        rate = profile.fields["funding_rate"]
        if rate.number is not None and rate.number < 100:
            questions.append(text("brief.open.own_share", language, programme=fit.name, own=_own_share(rate.value)))
    for fit in briefing.expired:
        questions.append(text("brief.open.successor", language, programme=fit.name, status=fit.status_text))
    return list(dict.fromkeys(questions))


def knowledge_base_date(records: Iterable["DocumentRecord"]) -> dt.date | None:
    """The date of the newest indexed document."""
    dates = []
    for record in records:
        try:
            dates.append(dt.datetime.fromisoformat(record.indexed_at).date())
        except ValueError:
            continue
    return max(dates, default=None)
