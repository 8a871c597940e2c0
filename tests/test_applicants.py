"""Values stated per kind of applicant: "Bis zu wie viel Prozent wird eine Landesbehörde gefördert?" over the rates of
companies, universities and municipalities is refused; a question the passages answer for its kind is not."""

from __future__ import annotations

import pytest

from assistant.applicants import OtherApplicants, applicant_kinds, other_applicants_only
from assistant.config import Settings
from tests.test_question_analysis import PROGRAMME, _programme_app

RATES = (
    "* Als Unternehmen der gewerblichen Wirtschaft erhalten Sie normalerweise 50 Prozent Ihrer förderfähigen Kosten.\n"
    "* Als Hochschule können Sie bis zu 100 Prozent der zuwendungsfähigen Ausgaben erhalten.\n"
    "* Als Kommune können Sie normalerweise bis zu 100 Prozent der zuwendungsfähigen Ausgaben erhalten.\n"
)


@pytest.mark.parametrize(("text", "kinds"), [
    ("Als Unternehmen der gewerblichen Wirtschaft", {"company"}),
    ("Wir sind ein mittelständisches Unternehmen", {"company"}),
    ("an ein einzelnes KMU", {"company"}),
    ("Hochschulen und außeruniversitäre Forschungseinrichtungen", {"university", "research"}),
    ("Eine Stadtverwaltung als Partner", {"municipality"}),
    ("Städte und Gemeinden", {"municipality"}),
    ("Ein Landesamt möchte sich beteiligen", {"state"}),
    ("Bei öffentlich-rechtlichen Einrichtungen mit staatlicher Grundfinanzierung", {"authority"}),
    ("ein gemeinnütziger Sportverein", {"nonprofit"}),
    ("How much can a non-profit receive?", {"nonprofit"}),
    ("What share do universities and municipalities get?", {"university", "municipality"}),
    # Funders and supervisors are no applicants, nor is communication a municipality.
    ("Die Deutsche Bundesstiftung Umwelt fördert", set()),
    ("Das Bundesamt für Familie und zivilgesellschaftliche Aufgaben", set()),
    ("an zivilgesellschaftliche Organisationen", {"nonprofit"}),
    ("Expert*innen aus der Zivilgesellschaft", {"nonprofit"}),
    ("Meldung an die Aufsichtsbehörde", set()),
    ("Kommunikation und Öffentlichkeitsarbeit", set()),
    ("Within how many business days must the authority decide?", set()),
])
def test_kinds_of_applicant_named(text: str, kinds: set[str]) -> None:
    assert applicant_kinds(text) == kinds


def test_a_value_stated_only_for_other_kinds_of_applicant() -> None:
    found = other_applicants_only("Bis zu wie viel Prozent seiner Ausgaben wird ein Landesamt gefördert?", [RATES])
    assert found == OtherApplicants("state", ("company", "municipality", "university"))
    assert other_applicants_only("How much of its costs does a non-profit association get, as a percentage?", [RATES]) \
        == OtherApplicants("nonprofit", ("company", "municipality", "university"))


@pytest.mark.parametrize("question", [
    "Wie viel Prozent ihrer Ausgaben bekommt eine Stadtverwaltung?",  # the passages' own kind, in other words
    "What share of its costs does a university get?",
    "Wie viel Prozent bekommt eine Hochschule oder ein Landesamt?",  # one of the kinds asked about is stated
    "Wie viel Prozent der Kosten werden gefördert?",  # no kind of applicant asked about
    "Wer kann als Landesamt einen Antrag stellen?",  # no value asked for
])
def test_no_decision_where_the_passages_state_the_kind_asked_about_or_nothing_is_asked(question: str) -> None:
    assert other_applicants_only(question, [RATES]) is None


def test_a_value_for_authorities_holds_for_every_authority() -> None:
    rates = RATES + "(5) Bei öffentlich-rechtlichen Einrichtungen kann die Förderung bis zu 100 % betragen.\n"
    assert other_applicants_only("Bis zu wie viel Prozent wird ein Landesamt gefördert?", [rates]) is None


def test_the_passages_decide_only_where_they_tell_kinds_of_applicant_apart() -> None:
    # One kind named in passing beside an amount is no rate per kind: a rule for all applicants may say the same.
    one_kind = "Gelten die Organisationen als Unternehmen, wird die Förderung als De-minimis-Beihilfe bis 300.000 Euro gewährt.\n"
    assert other_applicants_only("Wie hoch ist die Förderung für einen Verein höchstens?", [one_kind]) is None
    # A value of another kind than the one asked for tells nothing: the rates are no durations.
    assert other_applicants_only("Wie lange wird ein Landesamt gefördert?", [RATES]) is None


def test_each_question_of_a_sentence_counts_on_its_own() -> None:
    question = "Wie viel Prozent bekommt eine Hochschule, und wie viel Prozent bekommt ein Landesamt?"
    assert other_applicants_only(question, [RATES]) == OtherApplicants("state", ("company", "municipality", "university"))


def test_the_refusal_names_whom_the_passages_speak_of(settings: Settings) -> None:
    app = _programme_app(settings, PROGRAMME + "\nFörderquoten im Programm Stadtgrün in Beispielstadt:\n" + RATES)
    refused = app.answerer.ask("Bis zu wie viel Prozent seiner Ausgaben wird ein Landesamt im Programm Stadtgrün gefördert?")
    assert refused.refused
    assert "keine Angabe für Landesbehörden" in refused.text and "nur für Unternehmen, Kommunen und Hochschulen" in refused.text
    answered = app.answerer.ask("Bis zu wie viel Prozent ihrer Ausgaben wird eine Kommune im Programm Stadtgrün gefördert?")
    assert not answered.refused and "100 Prozent" in answered.text
