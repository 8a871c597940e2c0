"""German/English text helpers shared by all stages: language identification, sentence splitting and
the word lists that loaders, indexing, answering and the web UI consult.

The lists sit side by side here so that they can be compared, but each keeps its own content: each
feeds a different decision (a line join, a chunk boundary, a BM25 term, a follow-up rewrite), and
changing one changes the index or the answers, which is a measured retrieval change, not a tidy-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import places

# -- language identification -----------------------------------------------------------------------
# Questions are short, so we count function words, which are frequent and distinctive in both
# languages; a lower-case word with an umlaut or ß ("gefördert", "müssen") counts for German as well.
# Capitalised words do not: English questions name German programmes and terms ("Is the
# Förderrichtlinie still valid?", "… about Zuwendungsempfänger?"), and counting their umlauts made
# such questions German — answered in German, with German BM25. Anything undecided counts as German,
# the product's default language.

_GERMAN = frozenset(
    "der die das und ist nicht ein eine einer einem einen des dem den wer wie was welche welcher welches "
    "wann warum wo gibt es zu zur zum mit für von auf im bei oder sind wird werden kann können muss "
    "soll ich wir sie nach über auch als dass durch".split()
)
_ENGLISH = frozenset(
    "the and is are not a of to for on with by what which who whom how when why where does do "
    "can could should would must may there this that these those it its be been from about".split()
)
_LETTERS = re.compile(r"[A-Za-zÄÖÜäöüß]+")
_UMLAUT = re.compile(r"[äöüß]")


def detect_language(text: str) -> str:
    """'de' or 'en' for a question or short text; German when in doubt."""
    words = _LETTERS.findall(text)
    lowered = [w.lower() for w in words]
    german = sum(w in _GERMAN for w in lowered) + sum(
        1 for w, low in zip(words, lowered) if w[0].islower() and low not in _GERMAN and _UMLAUT.search(low)
    )
    english = sum(w in _ENGLISH for w in lowered)
    return "en" if english > german else "de"


_PROSE_TOKEN = re.compile(r"[A-Za-zÄÖÜäöüß]+")


def prose_language(text: str) -> str:
    """'de' or 'en' for a written answer, which may quote German names in an English sentence.

    Capitalised words are names or German nouns, and a function word between two of them belongs to a
    name ("Bundesministerium für Arbeit und Soziales"): only the remaining lower-case words count.
    """
    tokens = _PROSE_TOKEN.findall(text)
    german = english = 0
    for i, token in enumerate(tokens):
        if token[0].isupper() and i > 0:
            continue
        word = token.lower()
        inside_name = 0 < i < len(tokens) - 1 and tokens[i - 1][0].isupper() and tokens[i + 1][0].isupper()
        if word in _GERMAN and not inside_name:
            german += 1 + (2 if re.search(r"[äöüß]", word) else 0)
        elif word in _ENGLISH:
            english += 1
    return "en" if english > german else "de"


# -- stop words ------------------------------------------------------------------------------------

#: Function words in German and English: they carry no topic and would dominate BM25 on long chunks.
#: The BM25 analyzer drops them, so they are part of the index format: the index must be rebuilt
#: when this list changes.
STOPWORDS = frozenset(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes auch auf aus
    bei bin bis bist da damit dann das dass dein deine dem den der des dessen dich die dies diese diesem diesen
    dieser dieses dir doch dort du durch ein eine einem einen einer eines er es etwas euch euer eure für gegen
    hab habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in
    ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes kann kein keine keinem keinen keiner
    können könnte man manche mein meine mich mir mit muss musste nach nicht nichts noch nun nur ob oder ohne
    sehr sein seine seinem seinen seiner sich sie sind so solche soll sollte sondern sonst über um und uns
    unser unter viel vom von vor war waren warst was weg weil weiter welche welchem welchen welcher welches
    wenn werde werden wie wieder will wir wird wirst wo wollen wollte würde würden zu zum zur zwar zwischen
    a an and are as at be been but by can could did do does for from had has have how i if in into is it its
    of on or our shall should so than that the their them then there these they this those to was we were
    what when where which who whom why will with would you your
    """.split()
)


# -- abbreviations ---------------------------------------------------------------------------------
# Two lists, one common core. The sentence splitter below decides chunk boundaries (and so chunk ids
# and retrieval figures); the PDF loader decides whether a line-final period ends a paragraph (and so
# the document text). Their extras grew apart with the corpus each was tuned on; making them one list
# would move chunk boundaries and line joins, so they stay two until that change is benchmarked.

_ABBREVIATIONS = frozenset(
    "abs art bzw ca dr prof vgl nr ggf inkl zzgl evtl bspw sog gem lit buchst kap abschn anh mio mrd st str "
    "tel hrsg rd rn z.b d.h u.a bzgl s ff f".split()
)
#: Abbreviations after which a period does not end a German (or English) sentence in running text.
_SENTENCE_ABBREVIATIONS = _ABBREVIATIONS | frozenset(
    "d h z b u a i v m e g o ä usw etc max min eu jh jhd sa so uvm vs ua".split()
)
#: Abbreviations after which a line-final period in a PDF does not end a sentence.
LINE_END_ABBREVIATIONS = _ABBREVIATIONS | frozenset({"i.v.m", "e.v"})


# -- sentences -------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'“”»«)]*\s+(?=[\"'„“»«(\[]?[A-ZÄÖÜ0-9§])")


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence end in ``text`` (German-aware: not after "z. B.", "Abs.", "3.")."""
    ends: list[int] = []
    for match in _SENTENCE_END.finditer(text):
        last_word = re.search(r"([\wÄÖÜäöüß.]+)[.]$", text[: match.start()].rstrip())
        if last_word:
            word = last_word.group(1).rstrip(".").lower()
            # "z. B.", "Abs.", "3." (ordinal / list number), single letters: not a sentence end.
            if word in _SENTENCE_ABBREVIATIONS or (word.isdigit() and len(word) <= 2) or len(word) == 1:
                continue
        ends.append(match.start())
    return ends


def split_sentences(text: str) -> list[str]:
    """Split text into sentences without breaking at abbreviations, ordinals or legal references."""
    bounds = [0, *sentence_ends(text), len(text)]
    return [part for a, b in zip(bounds, bounds[1:]) if (part := text[a:b].strip())]


# -- line joining (loaders) ------------------------------------------------------------------------

#: Words that cannot end a heading or a paragraph: a PDF line ending in one continues on the next.
CONTINUATION_WORDS = frozenset(
    {
        "der", "die", "das", "des", "dem", "den", "ein", "eine", "einer", "eines", "einem", "einen", "und",
        "oder", "sowie", "bzw.", "für", "von", "vom", "zu", "zur", "zum", "mit", "in", "im", "an", "am", "auf",
        "aus", "bei", "beim", "nach", "über", "unter", "um", "durch", "gegen", "ohne", "als", "wie", "dass",
        "ob", "wenn", "weil", "sich", "nicht", "auch", "ist", "sind", "wird", "werden", "kann", "können",
        "soll", "sollen", "muss", "müssen", "hat", "haben", "deren", "dessen", "welche", "welcher", "pro", "je",
        "per", "bis", "gemäß", "laut", "seit", "vor", "zwischen", "bzw", "sowohl", "weder", "entweder", "the",
        "of", "and", "or", "to", "a", "for", "with", "by", "on", "is", "are",
    }
)
#: Words after which an elided hyphen stays with its space: "Forschungs- und Umsetzungsprojekte".
ENUMERATION_WORDS = frozenset(
    {
        "und", "oder", "bzw", "sowie", "bis", "als", "wie", "noch", "u", "beziehungsweise", "respektive",
        "resp", "and", "or", "nor", "to",
    }
)


# -- questions (follow-up rewriting) ---------------------------------------------------------------

#: Small words allowed inside a name ("Förderrichtlinie KI für das Gemeinwohl", "AI for the Common Good").
NAME_CONNECTORS = frozenset("für das der die des dem von vom zur zum im in und & of for the and on".split())
#: Capitalised words that open or shape a question but never name its subject.
QUESTION_WORDS = frozenset(
    "was wer wie wo wann warum wieso weshalb welche welcher welches welchen welchem wieviel wozu womit woher "
    "gibt ist sind kann können muss müssen darf dürfen soll sollen hat haben wird werden "
    "what who whom how where when why which whose is are can could must may does do did should will".split()
)
#: English words that are capitalised only because they open a sentence ("I", "Please tell me").
ENGLISH_FUNCTION_WORDS = frozenset("the a an i and or but if please tell me".split())


# -- numbers and "not in the sources" statements (checks of generated answers) ---------------------

# A number as written in German or English text: "250.000", "90", "2,5", "1.5", "31.12.2025".
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")
# A German numeric date: day and year are checked, the month may be written as a word in the source.
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2,4})$")


def numbers(text: str) -> list[str]:
    """The numbers a text states, as written (amounts, percentages, years, dates, paragraph numbers)."""
    return [match.group(0).rstrip(".,") for match in _NUMBER.finditer(text)]


def value_numbers(text: str) -> list[str]:
    """The numbers a text states as values: :func:`numbers` without references ("Artikel 8", "(4)", "§ 77")."""
    return numbers(_REFERENCE.sub(" ", text))


def number_occurs(number: str, text: str) -> bool:
    """Whether ``number`` (from :func:`numbers`) is stated in ``text``.

    Thousands separators and decimal marks are ignored ("250.000" = "250 000" = "250000"), so a
    model that rewrites an amount in the other convention is not punished; the digits must match.
    A numeric date counts as stated when its day and year are ("31.12.2025" in a text that says
    "31. Dezember 2025").
    """
    stated = {digits(n) for n in numbers(text)} | {digits(m.group(0)) for m in re.finditer(r"\d+(?:[ .,]\d{3})+", text)}
    date = _NUMERIC_DATE.match(number)
    if date and digits(number) not in stated:
        day, _, year = date.groups()
        return str(int(day)) in {n.lstrip("0") for n in stated} and year in stated
    return digits(number) in stated


#: Number words a model may write for a figure the source gives in digits (or the other way round, or in the
#: other language): "drei Jahre" for "3 Jahre", "five years" for "fünf Jahre". "ein"/"one" are left out (an
#: article as often as a number), as are "acht" and "elf" capitalised (die Acht, der Elf).
_NUMBER_WORD_VALUES = {
    "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11,
    "zwölf": 12, "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "hundert": 100,
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
}
_NUMBER_WORD = re.compile(r"\b(?:(?i:" + "|".join(w for w in _NUMBER_WORD_VALUES if w not in ("acht", "elf")) + r")|acht|elf)\b")


# A number joined to a word: "14-Jährige", "2,5-fach", "5-Jahres-Plan" (group 1: the number, group 2: the word).
_NUMBER_COMPOUND = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)*)-([^\W\d_][\w-]*)")


def number_compounds(text: str) -> list[re.Match[str]]:
    """The compounds of a number and a word in ``text`` ("14-Jährige"): they describe, they state no figure."""
    return list(_NUMBER_COMPOUND.finditer(text))


def number_word_values(text: str) -> set[str]:
    """The numbers ``text`` states in words, as digit strings ("drei Jahre" → {"3"})."""
    return {str(_NUMBER_WORD_VALUES[m.group(0).lower()]) for m in _NUMBER_WORD.finditer(text)}


def numbers_stated(values: Iterable[str], text: str) -> bool:
    """Whether ``text`` states each of ``values`` (from :func:`numbers`), in digits (:func:`number_occurs`) or
    in words of either language ("2" = "zwei" = "two")."""
    in_words = number_word_values(text)
    return all(number_occurs(n, text) or digits(n) in in_words for n in values)


# A number with its order of magnitude: "800 million", "1,5 Mio.", "2 Mrd." ("800 Millionen Euro" is the
# "800.000.000 EUR" of a source). Only the English "billion" is 10⁹; the German "Billion" (10¹²) is left out.
_MAGNITUDE = re.compile(
    r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*(Mio\.?|Mill(?:ion|ionen)|millions?|Mrd\.?|Milliarden?|(?-i:billions?))(?!\w)", re.IGNORECASE,
)
_SCALE = {"mio": 10**6, "mil": 10**6, "mrd": 10**9, "bil": 10**9}


def scaled_numbers(text: str) -> dict[str, str]:
    """The numbers of ``text`` (as :func:`numbers` writes them) that carry an order of magnitude, with the digits of
    their value: "800 million" → {"800": "800000000"}, "1,5 Mio." → {"1,5": "1500000"}."""
    scaled = {}
    for match in _MAGNITUDE.finditer(text):
        value = float(match.group(1).replace(",", "."))
        scaled[match.group(1)] = str(round(value * _SCALE[match.group(2)[:3].lower()]))
    return scaled


def _number_values(text: str) -> set[str]:
    """The digits of every number ``text`` states, and of the value of each number with an order of magnitude
    ("800.000.000 EUR" and "800 Mio. EUR" both give "800000000")."""
    return {digits(n) for n in numbers(text)} | set(scaled_numbers(text).values())


# "Kann … eine Förderung zu 100 Prozent gewährt werden?" is answered by "Nur in Ausnahmefällen ist eine
# Vollfinanzierung möglich": a text names full financing in words more often than as "100 %".
_HUNDRED_PERCENT = re.compile(r"(?<![\d.,])100\s*(?:%|Prozent|per\s*cent)", re.IGNORECASE)
_FULL_FINANCING = re.compile(
    r"\b(?:Vollfinanzierung\w*|voll(?:ständig)?\s+finanziert\w*|in\s+voller\s+Höhe|full(?:y)?\s+(?:financ|fund)\w*)", re.IGNORECASE,
)


def unstated_numbers(values: Iterable[str], text: str, source: str) -> list[str]:
    """Those of ``values`` (numbers of ``text``, from :func:`numbers`) that ``source`` does not state in digits
    (:func:`number_occurs`), an order of magnitude taken into account: "800 million" in ``text`` is stated by
    "800.000.000" in ``source``, and the other way round. "100 Prozent" is stated by "Vollfinanzierung"."""
    unstated = [n for n in values if not number_occurs(n, source)]
    if not unstated:
        return []  # the usual case in the citation check of written sentences: no pattern needs to run
    scaled, stated = scaled_numbers(text), _number_values(source)
    unstated = [n for n in unstated if scaled.get(n, digits(n)) not in stated]
    if any(digits(n) == "100" for n in unstated) and _HUNDRED_PERCENT.search(text) and _FULL_FINANCING.search(source):
        unstated = [n for n in unstated if digits(n) != "100"]
    return unstated


def quantities_stated(sentence: str, source: str) -> bool:
    """Whether every number of ``sentence``, in digits or in words, is stated in ``source`` in digits or in
    words of either language; "800 Millionen" is stated by "800.000.000"."""
    if not numbers_stated(unstated_numbers(numbers(sentence), sentence, source), source):
        return False
    words = number_word_values(sentence)
    return not words or words <= number_word_values(source) | {digits(n) for n in numbers(source)}


def digits(number: str) -> str:
    """The digits of a number as written ("250.000" → "250000")."""
    return re.sub(r"\D", "", number)


#: Questions answered with yes or no ("Kann ein Verein … beantragen?", "Can an association apply …?").
_YES_NO_QUESTION = re.compile(
    r"^\s*(?:kann|können|darf|dürfen|muss|müssen|soll|sollen|ist|sind|gibt|gilt|fördert|werden|wird|habe|hat|haben"
    r"|can|may|must|is|are|does|do|will|should)\b",
    re.IGNORECASE,
)


def asks_yes_or_no(question: str) -> bool:
    """Whether ``question`` is answered with yes or no (it starts with the verb)."""
    return bool(_YES_NO_QUESTION.match(question))


# What a language model writes when the sources do not answer the question (German and English).
_NO_INFORMATION = re.compile(
    r"\b(?:keine(?:rlei)? (?:Angaben?|Informationen?|Aussagen?|Hinweise?)"
    r"|(?:nicht|nichts) (?:in den (?:Auszügen|Quellen)|angegeben|erwähnt|genannt|bekannt)"
    r"|no (?:information|details?|mention|statement)"
    r"|(?:does|do) not (?:contain|mention|say|specify|state|cover)"
    r"|(?:is|are) not (?:mentioned|specified|stated|covered|given|known))\b",
    re.IGNORECASE,
)


def says_not_in_sources(sentence: str) -> bool:
    """Whether a sentence states that the sources (knowledge base) do not give the answer."""
    return bool(_NO_INFORMATION.search(sentence))


_QUESTION_WORDS = (
    r"wann|wie|was|welche[mnrs]?|wer|wen|wem|wo|wohin|woher|wor\w+|wof\w+|wom\w+|wov\w+|woz\w+|warum|wieso|weshalb|ob"
    r"|bis\s+wann|seit\s+wann|ab\s+wann|für\s+wie|für\s+wen|an\s+wen|in\s+welche\w*|mit\s+welche\w*|aus\s+welche\w*|auf\s+welche\w*"
    r"|zu\s+welche\w*|ab\s+welche\w*|bis\s+zu\s+welche\w*"
    r"|when|how|what|which|who|whom|where|why|whether|until\s+when|since\s+when|for\s+how"
)
#: A question word (or a preposition with one): what opens a second question in the same sentence.
QUESTION_WORD = re.compile(rf"(?:{_QUESTION_WORDS})", re.IGNORECASE)
#: ", und wann …" / " and how …": a second question in the same sentence.
_CLAUSE = re.compile(rf",?\s+(?:und|sowie|bzw\.|oder|and|or)\s+(?=(?:{_QUESTION_WORDS})\b)", re.IGNORECASE)


def question_clauses(question: str) -> list[str]:
    """The questions a sentence asks: "Wie lang darf die Skizze sein, und in welcher Schrift …?" gives two, each
    ending in "?" when the sentence does; a sentence that asks one thing gives itself."""
    question = " ".join(question.split())
    pieces = [p.strip(" ,;") for p in _CLAUSE.split(question)]
    asks = question.endswith("?")
    return [p + "?" if asks and not p.endswith("?") else p for p in pieces if p]


# -- the kind of value a question asks for (refusal of near-domain questions) -----------------------
# "Wie viele Projekte …?", "Mit welchem Budget …?", "Wie lange …?": questions whose answer is a value.
# Duration comes before count: "Wie viele Wochen …?" asks for a duration. Deadlines are not among them:
# "Bis wann …?" is answered as often by "unbefristet", "laufend" or "drei Monate nach Bekanntgabe" as by
# a date, and a check for date forms refused answerable date questions of the held-out set (2 of 12);
# only a question for the day itself ("An welchem Tag …?") is.
# A question that asks for the thing it names, not one that only mentions it ("Welche Telefonnummer …?",
# "Wie lautet …?", "What is the …?").
_ASKING = r"\b(?:welche\w*|wie\s+lautet|lautet|unter\s+welcher|wohin|wo\b|what|which|where)\b[^?]{0,40}?"
_ROLE = (
    r"(?:vorsitzende\w*|leiter\w*|leitung|präsident\w*|direktor\w*|geschäftsführer\w*|ansprech\w*|kontaktperson\w*"
    r"|moderator\w*|minister\w*|sprecher\w*|koordinator\w*|generalsekretär\w*)\b"
)
_TO_DATE_ASKED = r"bisher|bislang|so\s+far|to\s+date|until\s+now|up\s+to\s+now"
_HOW_MANY = r"wie\s*viele?|wie\s+hoch|how\s+(?:many|much)"
# A record is a superlative of a sum or a number: "die höchste Geldbuße", "the largest fine" (not "die größte
# Herausforderung", which a text may well name).
_RECORD_ASKED = (
    r"(?:größte|höchste|meiste|largest|highest|biggest|most)\w*\s+(?:[\w-]+\s+){0,2}?"
    r"\w*(?:fines?|penalt\w+|sums?|amounts?|grants?|numbers?|bußgeld\w*|geldbuße\w*|strafe\w*|betrag\w*|summe\w*|förderung\w*"
    r"|zuschuss\w*|zuschüsse\w*|zahl\w*)"
)
_ASKED_DETAIL = (
    # "Wie hoch ist im Schnitt der Zuschuss …?", "What is the average grant …?": a maximum or a rate answers another
    # question; only a statement of an average does.
    ("average", re.compile(r"\b(?:durchschnittlich\w*|im\s+(?:schnitt|mittel)|durchschnitt\w*|average|on\s+average)\b", re.IGNORECASE)),
    # "… und zu welchen Uhrzeiten ist die Nummer besetzt?": a time of day (or the weekdays) answers it, the number does not.
    ("time", re.compile(
        r"\b(?:uhrzeit\w*|sprechzeit\w*|öffnungszeit\w*|servicezeit\w*|geschäftszeit\w*|erreichbarkeit|office\s+hours"
        r"|opening\s+hours|business\s+hours|what\s+time|um\s+wie\s*viel\s+uhr)\b", re.IGNORECASE)),
    # "Bis zu welcher Entgeltgruppe des TVöD …?": only a pay grade answers it; "angelehnt an den TVöD" does not.
    ("paygrade", re.compile(
        r"\b(?:entgeltgruppe\w*|vergütungsgruppe\w*|gehaltsstufe\w*|tarifgruppe\w*|pay\s+(?:grades?|groups?|scales?))\b", re.IGNORECASE)),
    # "Welches Bundesministerium fördert …?", "Which ministry funds …?": only a ministry by name answers it.
    ("ministry", re.compile(r"\b(?:welche[msr]?|which)\s+(?:\w+\s+)?(?:\w*ministeri\w*|ministry|ministries)\b", re.IGNORECASE)),
    # "Bis wann kann ich mich für die nächste Runde bewerben?" is answered only by a round or date still to come (a
    # coming date is checked against today's by the answerer): the deadline of the last round answers another one.
    ("next", re.compile(
        r"\b(?:nächste[nmrs]?|kommende[nmrs]?|next|upcoming)\s+(?:\w+\s+)?(?:\w*runde|\w*aufrufs?|ausschreibung|stichtag"
        r"|\w*frist|\w*wettbewerbs?|bewerbungsphase|\w*sitzung|treffen|termin|calls?|rounds?|deadlines?|meetings?)\b", re.IGNORECASE)),
    # "Wie viele Projekte wurden bisher gefördert?", "How many ideas have been posted so far?": a running total to date,
    # which guidelines and laws do not keep; only a number stated as one ("bisher wurden 40 Projekte gefördert") answers
    # it, not the programme's limits or any other number nearby.
    # "What is the largest fine imposed so far?" asks for a record, which is no more answered by the highest fine a
    # law allows than a running total is by the programme's limits. ("Wie viele Kommunen gibt es derzeit?" is no such
    # question: a text states the present in the present tense, without a "derzeit" of its own.)
    ("to_date", re.compile(
        rf"\b(?:{_TO_DATE_ASKED})\b.*\b(?:{_HOW_MANY})\b|\b(?:{_HOW_MANY})\b.*\b(?:{_TO_DATE_ASKED})\b"
        rf"|\b(?:{_RECORD_ASKED})\b.*\b(?:{_TO_DATE_ASKED}|jemals|ever)\b|\b(?:{_TO_DATE_ASKED}|jemals|ever)\b.*\b(?:{_RECORD_ASKED})\b",
        re.IGNORECASE)),
    # "Wie viel Prozent …?", "What percentage …?", "Welcher Anteil …?": a share (a percentage or a fraction); a count or
    # an amount nearby answers another question.
    ("percent", re.compile(
        r"\bwie\s*viele?\s+prozent\b|\bwelche[rnm]?\s+(?:\w+\s+)?(?:anteil|prozentsatz)\b|\bzu\s+wie\s*viel\s+prozent\b"
        r"|\bwhat\s+(?:percentage|share|proportion|per\s*cent)\b|\bhow\s+many\s+per\s*cent\b", re.IGNORECASE)),
    # "Wie viele Seiten darf die Skizze umfassen?", "Wie viele Punkte muss eine Skizze erreichen?": a measure in its
    # unit, which has no synonyms; a number of anything else nearby ("zwei Stufen", "27 Punkten" of a list) does not.
    ("pages", re.compile(r"\bwie\s*viele[n]?\s+(?:\w+\s+)?seiten\b|\bseiten(?:zahl|umfang|begrenzung)\b|\bhow\s+many\s+pages\b"
                         r"|\bpage\s+(?:limit|count)\b", re.IGNORECASE)),
    ("points", re.compile(r"\bwie\s*viele[n]?\s+(?:\w+\s+)?punkte\b|\b\w*punktzahl\b|\bmindestpunkt\w*|\bhow\s+many\s+points\b",
                          re.IGNORECASE)),
    ("duration", re.compile(
        r"\bwie\s+lange?\b|\bwie\s+viele[n]?\s+\w*(?:stunden|tage|tagen|wochen|monate|monaten|jahre|jahren)\b|\bhow\s+long\b"
        r"|\bhow\s+many\s+(?:working\s+|calendar\s+|business\s+)?(?:hours|days|weeks|months|years)\b", re.IGNORECASE)),
    # A sum of money ("Mit welchem jährlichen Budget …?", "Wie hoch ist das Preisgeld?") is stated only as an
    # amount with its currency; any other number nearby (a date, "neun Use Cases") would answer another question.
    # "Welche Kosten sind förderfähig?" and "Welche Mittel …?" ask for kinds of costs, not for a sum; a turnover
    # ("Ab welchem Vorjahresumsatz …?"), a contract value or threshold ("ab welchem Auftragswert") is always one.
    ("amount", re.compile(
        r"\b(?:wie\s+viel|wie\s+hoch)\b[^?]{0,40}?\w*(?:budget|summe|geldbetrag|kosten|geld|mittel)\b"
        r"|\b(?:welche[mnrs]?|jährliche[mnrs]?)\b[^?]{0,40}?\w*(?:budget|summe|\w*betrag|umsatz|auftragswert|schwellenwert)\b"
        r"|\bwie\s+groß\b[^?]{0,40}?\w*(?:budget|etat)\b"
        r"|\bhow\s+much\s+(?:money|funding)\b|\bwhat\s+(?:budget|amount)\b|\bhow\s+(?:high|large|big)\b[^?]{0,40}?\bbudgets?\b",
        re.IGNORECASE)),
    # "Wer hat die Kurzstudie verfasst?": only a statement of authorship answers it, not the study's findings.
    ("author", re.compile(
        r"\bwer\s+(?:hat|haben)\b[^?]{0,80}?\b(?:verfasst|geschrieben|herausgegeben|erarbeitet)\b|\bvon\s+wem\s+(?:stammt|stammen)\b"
        r"|\bwho\s+(?:wrote|authored|edited)\b|\bwho\s+(?:is|are|was|were)\s+the\s+(?:authors?|editors?)\b", re.IGNORECASE)),
    # "Unter welcher Telefonnummer erreiche ich …?": only a phone number answers it, "Wie lautet die E-Mail-Adresse?"
    # only an e-mail address, "Wohin schicke ich den Antrag – wie lautet die Postanschrift?" only a postal address
    # (a nearby address of another kind belongs to another question); "Kontaktdaten" are any of them. Asked for,
    # not mentioned: "Muss die Anschrift in die Datenschutzerklärung?" and "Ist eine IP-Adresse personenbezogen?"
    # are no requests for one.
    ("phone", re.compile(
        rf"{_ASKING}(?:\b(?:telefon\w*|rufnummer|hotline|faxnummer)|\b(?:tele)?phone\s+number|\bcall\b)\b", re.IGNORECASE)),
    ("email", re.compile(rf"{_ASKING}\b(?:(?:e-?)?mail-?adresse|e-?mail\s+address)\b", re.IGNORECASE)),
    ("address", re.compile(
        rf"{_ASKING}(?:\b(?:anschrift|postanschrift|postadresse)|(?<!-)\badresse|\b(?:postal\s+)?address)\b", re.IGNORECASE)),
    # "How can I reach it?", not "What can the project reach?" or "Wie erreiche ich meine Ziele?".
    ("contact", re.compile(
        rf"{_ASKING}\b(?:kontaktdaten|contact\s+details)\b|\bhow\s+(?:can|do|could)\s+(?:i|we)\s+(?:reach|contact)\b"
        r"|\bwie\s+(?:kann|können)\s+(?:ich|wir)\b[^?]{0,40}?\bkontaktieren\b", re.IGNORECASE)),
    # "Wer leitet …?", "Wer ist Vorsitzende …?", "Wie heißt die Ansprechperson …?": only a named person answers it
    # (the excerpts about the body or programme would answer another question). "Wer hat die Schirmherrschaft?"
    # and "Wer kann teilnehmen?" are not among them: a body or a group answers them.
    ("person", re.compile(
        r"\bwer\s+(?:leitet\w*|moderiert\w*|hielt|präsentierte|präsentiert|referierte|sprach|koordiniert\w*)\b"
        r"|\bwer\s+hat\b[^?]{0,60}?\b(?:impuls|vortrag|keynote|rede|moderation)\w*\b"
        rf"|\b(?:wer\s+(?:ist|war)|wie\s+hei(?:ß|ss)t)\s+(?:(?:der|die|das|derzeit|aktuell|zuständige\w*)\s+)*{_ROLE}"
        r"|\bwelche\s+personen?\b"
        r"|\bwho\s+(?:moderated|moderates|leads|led|heads|headed|chairs|chaired|presented|spoke|gave|runs)\b"
        r"|\bwho\s+(?:is|was|are)\s+(?:(?:the|currently|now|named|responsible)\s+)*(?:contact\s+person|head|chair\w*|director|president"
        r"|moderator|minister|speaker|leader|manager|secretary)\b",
        re.IGNORECASE)),
    # "In welchem Land wurde der Chatbot eingesetzt?", "In welchen Städten …?", "In welchen Monaten …?": only a country
    # (or a group of states), a city or a month answers it; a case study that never says where or when answers another
    # question. "Welche Städte und Gemeinden können Anträge stellen?" asks who is eligible, not where.
    ("country", re.compile(
        r"\b(?:welche[mnrs]?|which|what)\s+(?:\w+\s+)?(?:land|länder|ländern|staat|staaten|country|countries|states)\b", re.IGNORECASE)),
    ("city", re.compile(
        r"\b(?:welche[mnrs]?|which|what)\s+(?:\w+\s+)?(?:stadt|städte|städten|city|cities|towns?)\b"
        r"(?!\s+(?:und|oder|and|or)\s+(?:gemeinden|kommunen|landkreise|kreise|municipalities|districts)\b)", re.IGNORECASE)),
    ("month", re.compile(r"\b(?:welche[mn]?|which|what)\s+(?:\w+\s+)?(?:monat|monaten|monate|months?)\b", re.IGNORECASE)),
    # "What were the findings of the interim evaluation?", "Was hat die Evaluierung ergeben?": laws and guidelines
    # announce evaluations and reports; only a text that reports what one found answers it.
    ("findings", re.compile(
        r"\b(?:findings|results|conclusions?|outcomes?)\s+of\s+(?:the\s+)?(?:[\w']+\s+){0,3}(?:evaluation|review|assessment)\b"
        r"|\bwhat\s+did\s+(?:the\s+)?(?:[\w']+\s+){0,5}(?:evaluation|review|report|assessment)\b[^?]{0,60}?\b(?:conclude|find|show|reveal)\b"
        r"|\b(?:Ergebnis(?:se)?|Befund\w*|Fazit|Schlussfolgerung\w*)\s+(?:der|des)\s+(?:\w+\s+){0,2}\w*(?:evaluation|evaluierung|bewertung)\w*"
        r"|\b(?:was|welche\w*)\b[^?]{0,60}?\w*(?:evaluation|evaluierung)\w*\b[^?]{0,60}?\b(?:ergeben|gezeigt|festgestellt)\b",
        re.IGNORECASE)),
    # "An welchem Tag genau …?" asks for a day: "im Dezember 2019" answers another question.
    ("day", re.compile(
        r"\ban\s+welchem\s+(?:tag|datum)\b|\bwelche[mns]?\s+(?:genaue[mns]?\s+)?datum\b|\bon\s+(?:which|what)\s+(?:day|date)\b"
        r"|\bwhat\s+(?:exact\s+)?date\b", re.IGNORECASE)),
    ("count", re.compile(
        r"\bwie\s*viel(?:e|en)?\b|\bwie\s+hoch\b|\b(?:welche[mnrs]?|jährliche[mnrs]?)\s+(?:\w+\s+)?(?:budget|betrag|summe|höhe|anzahl)\b"
        r"|\bhow\s+(?:many|much)\b|\bwhat\s+(?:budget|amount)\b", re.IGNORECASE)),
)
# References are numbers that state no value: "Artikel 8", "§ 5", "Absatz 2", "(4)", "a)", "Nummer 3", and the
# number of the section heading that opens a chunk, a short first line without a full stop ("1 Förderziel und
# Zuwendungszweck", "2.3 Antragsberechtigte"); a sentence ("22 Teilnehmende … kamen zusammen.") keeps its number.
_REFERENCE = re.compile(
    r"(?:\b(?:Art(?:ikel|\.)?|§+|Abs(?:atz|\.)?|Nr\.|Nummer|Satz|Buchstabe|Anhang|Kapitel|Ziffer|Seite|S\.)\s*\d+[a-z]?"
    r"(?:\s*(?:,|und|bis|-|–)\s*\d+[a-z]?)*)|^\s*\(?\d+[a-z]?[.)]\s|\(\d+[a-z]?\)|\b[a-z]\)"
    r"|\A[ \t]*\d{1,2}(?:\.\d{1,2})*\.?[ \t]+(?=[A-ZÄÖÜ][^\n.!?]{0,80}$)",
    re.MULTILINE,
)
_NUMBER_WORDS = (
    r"zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|vierzig|fünfzig|hundert|tausend"
    r"|Millionen?|Milliarden?|Hälfte|Drittel|Viertel|doppelte?|einige|mehrere|zahlreiche"
    r"|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred|thousand|million|billion|half"
)
_QUANTITY = re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
_DURATION = re.compile(
    rf"(?:\d+|\b(?:ein(?:e[mnrs]?)?|{_NUMBER_WORDS}))\s+(?:\w+\s+)?"
    r"\w*(?:Stunden?|Tage?n?|Wochen?|Monate?n?|Jahre?n?|hours?|days?|weeks?|months?|years?)\b"
    r"|\b(?:unverzüglich|unbefristet|jährlich|monatlich)\b"
    rf"|\b(?:\d+-?|ein|halb|{_NUMBER_WORDS})(?:stündig|tägig|wöchig|monatig|jährig)",
    re.IGNORECASE,
)
_PAGES = re.compile(
    rf"(?:\d+|\b(?:{_NUMBER_WORDS}|eine?))\s+(?:[\w-]+\s+)?[\w-]*(?:Seiten|Seite|pages?)\b|\b(?:\d+-?|{_NUMBER_WORDS}|ein)seitig",
    re.IGNORECASE,
)
_PERCENT = re.compile(
    rf"\d\s*%|(?:\d|\b(?:{_NUMBER_WORDS}))\s*(?:Prozent|v\.\s*H\.|per\s*cent|percent)\b"
    r"|\b(?:Hälfte|Drittel|Viertel|Fünftel|Zehntel|half|third|quarter)\b|\bjede[rs]?\s+(?:zweite|dritte|vierte|fünfte|zehnte)\b"
    r"|\b(?:Anteil|Quote)\s+von\s+\d",
    re.IGNORECASE,
)
_POINTS = re.compile(
    rf"(?:\d+|\b(?:{_NUMBER_WORDS}))\s+(?:\w+\s+)?(?:(?:Bewertungs|Gesamt|Mindest)?punkte?n?|points?|Pkt\.)(?!\w)", re.IGNORECASE,
)
_AMOUNT = re.compile(r"\d[\d.,\s]*\s*(?:Mio\.?|Millionen|Mrd\.?|Milliarden)?\s*(?:Euro|EUR|€)|(?:EUR|€)\s*\d", re.IGNORECASE)
# A list of authors names persons: "AUTOR*INNEN Theresa Züger, …", "Authors: …".
_AUTHOR_LIST = r"\bAutor(?:[*:_]?innen|[*:_]?in|en)?\b|\bauthors?\b"
_AUTHORSHIP = re.compile(
    r"\b(?:verfasst|geschrieben|herausgegeben|erarbeitet|erstellt)\s+(?:von|durch)\b"
    r"|\b(?:von|vom|durch)\s+[^.?!]{1,60}?\s(?:verfasst|geschrieben|herausgegeben|erarbeitet|erstellt)\b"
    rf"|\bHerausgeber(?:[*:_]?innen|in)?\b|\bHrsg\.|\b(?:written|authored|edited|published)\s+by\b|{_AUTHOR_LIST}",
    re.IGNORECASE,
)
# A phone number (at least six digits in groups, or after "Tel."), an e-mail address, a postal address (a street
# with its number, a post-office box, or a five-digit postcode before a place name).
_PHONE = r"(?:\+\d{2}|\b0\d{2,5})[\s/()-]*\d[\d\s/-]{4,}\d|\b(?:Tel(?:efon)?|Fax|Phone)\.?\s*:?\s*\+?\d"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_POSTAL = r"\b[\wÄÖÜäöüß-]+(?:straße|str\.|weg|platz|allee|ring|damm|ufer)\s+\d+|\bPostfach\s+\d|\b\d{5}\s+[A-ZÄÖÜ][a-zäöüß]+"
# A person by name: after a title or form of address, after a role ("Leitung: …"), or a list of authors.
_PERSON = re.compile(
    r"\b(?:Dr|Prof|Dipl)\.\s*(?:[a-z.]+\s*)*[A-ZÄÖÜ]|\b(?:Frau|Herr|Mr|Ms|Mrs)\.?\s+(?:Dr\.\s+)?[A-ZÄÖÜ][a-zäöüß]+"
    r"|\b(?:Leitung|Vorsitz|Moderation|Ansprechpartner(?:in)?|Ansprechperson|Kontakt(?:person)?)\s*:\s*[A-ZÄÖÜ]"
    r"|\b(?:geleitet|moderiert|vorgestellt)\s+von\s+[A-ZÄÖÜ]"
    rf"|{_AUTHOR_LIST}",
    re.IGNORECASE,
)
_GERMAN_MONTHS = "Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
_ENGLISH_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# A date to the day: "11. Juni 2025", "26.03.2025", "26 March 2025", "March 26".
_DAY = re.compile(
    rf"\b\d{{1,2}}\.\s*(?:\d{{1,2}}\.|(?:{_GERMAN_MONTHS})\b)|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_ENGLISH_MONTHS})\b"
    rf"|\b(?:{_ENGLISH_MONTHS})\s+\d{{1,2}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b"
)
# A month, a season or a quarter ("im Frühjahr 2025" is as close as many documents get), or a numeric date.
_MONTH = re.compile(
    rf"\b(?:{_GERMAN_MONTHS}|{_ENGLISH_MONTHS}|Frühjahr|Frühling|Sommer|Herbst|Winter|Quartal|spring|summer|autumn|winter"
    r"|quarter)\b|\b\d{1,2}\.\s*\d{1,2}\.\s*\d{2,4}\b|\b\d{1,2}/\d{4}\b|\b\d{4}-\d{2}\b"
)
# What an evaluation or a study found: "Die Evaluierung ergab …", "kam zu dem Ergebnis", "the review found that".
_FINDING = re.compile(
    r"\b(?:ergab|ergaben|ergeben\s+hat|hat\s+ergeben|haben\s+ergeben|zeigte|zeigten|gezeigt|zeigt|zeigen|kam\s+zu\s+dem|kommt\s+zu\s+dem"
    r"|stellte\s+fest|festgestellt|found|showed|shows|concluded|concludes|revealed)\b",
    re.IGNORECASE,
)
# A number stated as a running total: in one sentence with a word that reaches up to now ("die aktuell neun Use Cases").
_TO_DATE = re.compile(
    r"\b(?:bisher\w*|bislang|seither|bis\s+heute|mittlerweile|inzwischen|bereits|schon|insgesamt|aktuell|derzeit|zurzeit"
    r"|so\s+far|to\s+date|already|until\s+now|in\s+total|currently|now)\b",
    re.IGNORECASE,
)
# A round or date still to come: "die nächste Förderrunde", "künftig", "the next call".
_NEXT = re.compile(r"\b(?:nächste[nmrs]?|kommende[nmrs]?|künftige?\w*|zukünftige?\w*|next|upcoming|future)\b", re.IGNORECASE)
_STATES_DETAIL = {
    "next": _NEXT,
    "average": re.compile(r"\b(?:durchschnittlich\w*|im\s+(?:Schnitt|Mittel)|Durchschnitt\w*|average|Mittelwert|Median)\b", re.IGNORECASE),
    "time": re.compile(
        r"\b\d{1,2}(?:[.:]\d{2})?\s*Uhr\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}\s*[ap]\.?m\.?|\b(?:montags?|dienstags?|mittwochs?|donnerstags?"
        r"|freitags?|werktags|Mo(?:ntag)?\.?\s*(?:-|–|bis)\s*Fr(?:eitag)?)\b", re.IGNORECASE),
    "paygrade": re.compile(r"\b(?:Entgeltgruppe|Vergütungsgruppe|Tarifgruppe|EG|E|A)\s?\d{1,2}\b|\bpay\s+grade\s+\w*\d", re.IGNORECASE),
    "ministry": re.compile(r"\w*ministeri\w*|\bBM[A-Z]{1,6}\b|\bministr(?:y|ies)\b", re.IGNORECASE),
    "country": places.COUNTRY, "city": places.CITY, "month": _MONTH, "findings": _FINDING,
    "count": _QUANTITY, "percent": _PERCENT, "pages": _PAGES, "points": _POINTS, "duration": _DURATION, "amount": _AMOUNT,
    "author": _AUTHORSHIP, "person": _PERSON, "day": _DAY,
    "phone": re.compile(_PHONE), "email": re.compile(_EMAIL), "address": re.compile(_POSTAL),
    "contact": re.compile("|".join((_PHONE, _EMAIL, _POSTAL))),
}
# A year or a date is no count ("Wie viele Projekte …?" is not answered by "im Jahr 2021" or "am 11. Juni"), an
# amount that looks like one is ("2000 Euro").
_NOT_A_COUNT = re.compile(
    r"\b\d{1,2}\.\s*\d{1,2}\.\s*\d{2,4}\b|\b(?:19|20)\d{2}\b(?!\s*(?:Euro|EUR|€|Prozent|%|Teilnehm|Personen|Projekt))"
    rf"|(?-i:{_DAY.pattern})",
    re.IGNORECASE,
)


def shortened(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# "Wie lang darf die Projektskizze sein?" / "How long may the sketch be?" ask for a length (pages, characters),
# not for a period: a question ending in "sein?"/"be?" with no word of time in it.
_LENGTH_QUESTION = re.compile(r"\b(?:sein|be)\s*\?\s*$", re.IGNORECASE)
_TIME_WORD = re.compile(
    r"\b(?:\w*(?:dauer|frist|zeit|zeitraum)\w*|läuft|laufen|gilt|gelten|period|term|valid|last|take)\b", re.IGNORECASE,
)


def asked_details(question: str) -> list[str]:
    """The kinds of value a question asks for, one per question it asks ("Unter welcher Telefonnummer …, und zu
    welchen Uhrzeiten …?" asks for a phone number and a time), each once; see :func:`asked_detail`."""
    kinds = (asked_detail(clause) for clause in question_clauses(question))
    return list(dict.fromkeys(kind for kind in kinds if kind))


def asked_detail(question: str) -> str | None:
    """The kind of value a question asks for: "next" (a round or date still to come), "average", "time" (of day),
    "paygrade", "ministry", "amount" (of money), "count" (a number), "duration", "author" (who wrote a text),
    "person" (who leads, chairs, presented …), "phone", "email", "address" (postal), "contact" (any of the three),
    "country", "city", "month", "findings" (of an evaluation), "to_date" (a running total), "day" (a date to the day),
    "percent" (a share), "pages", "points" (a measure in its unit),
    or None."""
    for kind, pattern in _ASKED_DETAIL:
        if pattern.search(question):
            if kind == "duration" and _LENGTH_QUESTION.search(question) and not _TIME_WORD.search(question):
                continue
            return kind
    return None


def states_detail(kind: str, text: str) -> bool:
    """Whether ``text`` states a value of ``kind`` (see :func:`asked_detail`); references such as
    "Artikel 8" or "(4)" are not values, a year is no count, and a running total needs a number and a word such as
    "bisher" in one sentence."""
    text = _REFERENCE.sub(" ", text)
    if kind == "to_date":
        return any(_TO_DATE.search(s) and states_detail("count", s) for s in split_sentences(text))
    if kind == "count":
        text = _NOT_A_COUNT.sub(" ", text)
    return bool(_STATES_DETAIL[kind].search(text))
