"""What a question asks for — a count, a duration, or names — and how that steers the refusal
(issue 12: near-domain questions, whose programme exists but whose detail does not)."""

from __future__ import annotations

import pytest

from assistant.app import App, build_app
from assistant.config import Settings
from assistant.text import asked_detail, asked_details, states_detail
from tests.fakes import HashEmbedder


@pytest.mark.parametrize(("question", "kind"), [
    ("Wie viele Projekte wurden in der ersten Förderrunde bewilligt?", "count"),
    ("Mit welchem jährlichen Budget ist das Civic Data Lab ausgestattet?", "amount"),
    ("Wie hoch sind die Kosten des Projekts?", "amount"),
    ("Wie hoch ist die Förderquote für Hochschulen?", "count"),
    ("How much funding can an organisation receive per year?", "amount"),
    ("How many projects were funded?", "count"),
    ("Wie viele Wochen braucht die Prüfung?", "duration"),
    ("Wie lange gilt die Richtlinie?", "duration"),
    ("Wie lang darf die Projektskizze höchstens sein?", None),  # a length (pages), not a period
    ("How long may the project outline be?", None),
    ("Wie lang muss die Frist mindestens sein?", "duration"),
    ("How long can a project be funded?", "duration"),
    ("Bis wann müssen Anträge eingereicht werden?", None),  # "unbefristet" answers it as well as a date
    ("Wann ist eine Datenschutz-Folgenabschätzung nötig?", None),
    ("Welche Themenfelder fördert die DBU?", None),
    ("Wer hat die Kurzstudie zur AI-readiness verfasst?", "author"),
    ("Who wrote the policy paper?", "author"),
    ("Wer hat 2023 den Umweltpreis bekommen?", None),
    ("Unter welcher Telefonnummer erreiche ich das Bundesamt?", "phone"),
    ("Wie lautet die E-Mail-Adresse der Geschäftsstelle?", "email"),
    ("What is the phone number of the head office?", "phone"),
    ("Wohin schicke ich den Antrag – wie lautet die Postanschrift?", "address"),
    ("Welche Kontaktdaten hat der Projektträger?", "contact"),
    ("Which organisation is the contact point, and how can I reach it?", "contact"),
    ("What can the project reach with this funding?", None),
    ("Wer leitet die Initiative?", "person"),
    ("Wie heißt die zuständige Ansprechperson im Sekretariat?", "person"),
    ("Who moderated the workshop?", "person"),
    ("Wer hat die Schirmherrschaft übernommen?", None),  # a body answers it as well as a person
    ("Wer kann teilnehmen?", None),
    ("Wie hoch ist das Preisgeld des Umweltpreises?", "amount"),
    ("Welche Kosten sind förderfähig?", None),  # kinds of costs, not a sum
    ("Ab welchem Vorjahresumsatz gilt die Regelung nicht mehr?", "amount"),  # a turnover is a sum of money
    ("Welche Umsatzsteuer fällt an?", None),
    ("Bis wann kann ich mich für die nächste Runde des Wettbewerbs bewerben?", "next"),
    ("When is the next funding round?", "next"),
    ("Was passiert in der nächsten Phase des Projekts?", None),
    ("An welchem Tag genau fand die Auftaktveranstaltung statt?", "day"),
    ("On which date did the community first meet?", "day"),
    ("Ist eine IP-Adresse ein personenbezogenes Datum?", None),  # mentioned, not asked for
    ("Muss die Anschrift des Verantwortlichen genannt werden?", None),
    ("Welche Pflichten gelten für E-Mail-Newsletter?", None),
    ("Wie hoch ist im Schnitt der Zuschuss pro Projekt?", "average"),  # a maximum answers another question
    ("What is the average grant per project?", "average"),
    ("Zu welchen Uhrzeiten ist die Hotline besetzt?", "time"),
    ("What are the office hours of the helpdesk?", "time"),
    ("Welches Bundesministerium fördert die Initiative?", "ministry"),
    ("Which federal ministry funds the initiative?", "ministry"),
    ("Was fördert das Ministerium?", None),
    ("Who is currently the Secretary General of the foundation?", "person"),
    ("Who is the named contact person at the agency?", "person"),
    ("Bis zu welchem Stichtag muss die Skizze vor der nächsten Kuratoriumssitzung eingehen?", "next"),
    ("Bis zu welchem Datum mussten die Skizzen eingereicht werden?", "day"),
    ("Ab welchem Auftragswert gelten die EU-Vergaberegeln?", "amount"),
    ("Welchen Festbetrag gibt es für eine Tagung?", "amount"),
    ("Bis zu welcher Entgeltgruppe des TVöD werden Personalausgaben anerkannt?", "paygrade"),
    ("In welchem Land wurde der Chatbot eingesetzt?", "country"),
    ("Which countries can take part in the programme?", "country"),
    ("Aus welchen Ländern kommen die Teilnehmenden?", "country"),
    ("Welche Staatsangehörigkeit müssen Antragstellende haben?", None),
    ("In welchen Städten werden die Cluster umgesetzt?", "city"),
    ("In which city does the agency sit?", "city"),
    ("Welche Städte und Gemeinden können Anträge stellen?", None),  # who is eligible, not where
    ("In welchen Monaten wurden die Interviews geführt?", "month"),
    ("In which month did the community first meet?", "month"),
    ("Wie viele Monate dauert die Förderung?", "duration"),
    ("What were the findings of the interim evaluation of the programme?", "findings"),
    ("What did the Commission's first evaluation report conclude?", "findings"),
    ("Was hat die Evaluierung des Programms ergeben?", "findings"),
    ("Welche Ergebnisse der Zwischenevaluierung liegen vor?", "findings"),
    ("Zu welchen Ergebnissen kommt die Studie?", None),  # a study states its results; an announced evaluation does not
    ("Wie viele Projekte wurden bisher aus dem Programm gefördert?", "to_date"),
    ("How many ideas have users posted so far?", "to_date"),
    ("Wie viele Projekte werden gefördert?", "count"),
    ("Aus wie vielen Partnern darf ein Verbund bestehen?", "count"),
    ("What is the largest fine imposed under the GDPR so far?", "to_date"),
    ("Welches Projekt hat bisher die höchste Förderung bekommen?", "to_date"),
    ("Was war bisher die größte Herausforderung der Projekte?", None),  # a superlative of no sum or number
    ("Wie hoch können die Geldbußen höchstens sein?", "count"),  # what a law allows, no record
    ("Wie viele Seiten darf die Projektskizze umfassen?", "pages"),
    ("How many pages may the outline have?", "pages"),
    ("Wie viele Punkte muss eine Skizze in der Bewertung mindestens erreichen?", "points"),
    ("Wie viel Prozent der Kosten werden gefördert?", "percent"),
    ("What percentage of organisations are ready to use AI?", "percent"),
    ("Welcher Anteil am Gesamtbudget ist das?", "percent"),
    ("How large is the annual budget of the organisation?", "amount"),
    ("Wie groß ist das Budget des Programms?", "amount"),
    ("Wie hoch ist die Förderquote?", "count"),  # "Vollfinanzierung" answers it as well as "80 %"
    ("Mit wie vielen Arbeitsstunden muss ich rechnen?", "duration"),
    ("How many working days does the authority have?", "duration"),
])
def test_asked_detail(question: str, kind: str | None) -> None:
    assert asked_detail(question) == kind


@pytest.mark.parametrize(("question", "kinds"), [
    ("Unter welcher Telefonnummer erreiche ich das Team, und zu welchen Uhrzeiten ist die Nummer besetzt?", ["phone", "time"]),
    ("Wie lange darf die Rahmenvereinbarung laufen, und ab welchem Auftragswert gelten die EU-Regeln?", ["duration", "amount"]),
    # "Wie lang … sein" in the first of two questions is a length, as in a question of its own.
    ("Wie lang darf die Projektskizze sein, und in welcher Schrift soll sie gesetzt werden?", []),
    ("Wie viele Personen kamen, und wie viele davon aus Kommunen?", ["count"]),  # each kind once
    ("Welche Themen fördert die DBU?", []),
])
def test_asked_details_are_the_kinds_of_each_question_a_sentence_asks(question: str, kinds: list[str]) -> None:
    assert asked_details(question) == kinds


def test_the_average_the_time_of_day_and_the_ministry_are_stated_by_name() -> None:
    assert states_detail("average", "Die Zuschüsse betragen durchschnittlich 120.000 Euro.")
    assert states_detail("average", "im Schnitt drei Jahre") and not states_detail("average", "bis zu 300.000 Euro")
    assert states_detail("time", "Mo–Fr 9:00 bis 15:00") and states_detail("time", "von 9 Uhr bis 12 Uhr")
    assert states_detail("time", "montags bis donnerstags erreichbar") and not states_detail("time", "Tel.: 0151 4076 7839")
    assert states_detail("ministry", "gefördert vom Bundesministerium für Familie") and states_detail("ministry", "Das BMFSFJ fördert")
    assert not states_detail("ministry", "Die Initiative wird von Kommunen getragen.")
    assert states_detail("paygrade", "höchstens bis Entgeltgruppe 13 TVöD") and states_detail("paygrade", "vergleichbar E 13")
    assert not states_detail("paygrade", "Personalausgaben werden bis zur Höhe des TVöD (Bund) anerkannt.")


def test_a_country_a_city_and_a_month_are_stated_by_name() -> None:
    assert states_detail("country", "Der Chatbot wurde in Ruanda eingesetzt.") and states_detail("country", "in ganz Nordrhein-Westfalen")
    assert states_detail("country", "Mitglieder der EFTA, die dem EWR angehören") and states_detail("country", "aus allen EU-Mitgliedstaaten")
    assert not states_detail("country", "Kooperation zwischen lokalen, internationalen sowie Regierungsorganisationen")
    assert states_detail("city", "zwei Veranstaltungen in Berlin") and states_detail("city", "im Stadtteil Leipzig-Grünau")
    assert not states_detail("city", "Essener Bürgerinnen") and not states_detail("city", "innerhalb einer Stadt bzw. Stadtregion")
    assert states_detail("month", "im Dezember 2019") and states_detail("month", "am 26.03.2025") and states_detail("month", "im Frühjahr")
    assert not states_detail("month", "im Jahr 2019")


def test_a_total_to_date_is_a_number_in_a_sentence_that_reaches_up_to_now() -> None:
    assert states_detail("to_date", "Bisher wurden 40 Projekte gefördert.")
    assert states_detail("to_date", "die Initiative, die aktuell neun Use Cases von Kommunen erprobt")
    assert not states_detail("to_date", "Gefördert werden bis zu 40 Projekte. Bisher liegen keine Berichte vor.")
    assert not states_detail("to_date", "Das Programm läuft bisher seit 2021.")  # a year is no count


def test_pages_and_points_are_numbers_in_their_unit() -> None:
    assert states_detail("pages", "Die Projektskizze soll maximal zwölf Seiten (DIN A4) umfassen.")
    assert states_detail("pages", "höchstens 10 DIN-A4-Seiten") and states_detail("pages", "Ideenskizzen (zwei bis drei Seiten)")
    assert states_detail("pages", "eine zweiseitige Skizze") and states_detail("pages", "no more than 15 pages")
    assert not states_detail("pages", "siehe Seite 5") and not states_detail("pages", "in zwei Stufen mit je drei Gutachten")
    assert states_detail("points", "mindestens 60 von 100 Punkten") and states_detail("points", "fasst diese in 27 Punkten zusammen")
    assert not states_detail("points", "drei Schwerpunkte") and not states_detail("points", "zwölf Seiten")


def test_a_share_is_a_percentage_or_a_fraction() -> None:
    assert states_detail("percent", "bis zu 80 % der Ausgaben") and states_detail("percent", "zehn Prozent der Mittel")
    assert states_detail("percent", "die Hälfte der Kosten") and states_detail("percent", "ten per cent")
    assert not states_detail("percent", "22 Teilnehmende aus der Verwaltung") and not states_detail("percent", "bis zu 250.000 Euro")


def test_a_date_to_the_day_is_no_count() -> None:
    assert not states_detail("count", "Dieser Frage sind wir am 11. Juni im Rahmen der Roadshow nachgegangen.")
    assert not states_detail("count", "The meeting took place on 11 June.")
    assert states_detail("count", "22 Teilnehmende kamen am 11. Juni zusammen.")


def test_findings_are_what_an_evaluation_found() -> None:
    assert states_detail("findings", "Die Zwischenevaluierung ergab, dass die Mittel wirksam eingesetzt wurden.")
    assert states_detail("findings", "The review found that the programme reached its targets.")
    assert not states_detail("findings", "Die Kommission nimmt eine Zwischenevaluierung des Programms vor, sobald ausreichend Informationen vorliegen.")


def test_states_detail_ignores_references_and_years_for_counts() -> None:
    assert not states_detail("count", "gemäß Artikel 8 und Absatz 2 sowie (4) und a) die Pflichten")
    assert not states_detail("count", "Das Lab wurde im Jahr 2021 errichtet.")
    assert states_detail("count", "bis zu 250.000 Euro jährlich") and states_detail("count", "mindestens drei Bewerber")
    assert states_detail("count", "Zuschüsse von 2000 Euro")
    assert states_detail("duration", "mindestens zehn Tage") and states_detail("duration", "binnen 72 Stunden")
    assert states_detail("duration", "innerhalb von zehn Arbeitstagen nach Eingang")
    assert not states_detail("duration", "zwei Beiträge und drei Verfahren")
    assert not states_detail("duration", "Die Prüfung erfolgt durch den Normenkontrollrat.")


def test_the_number_of_a_chunks_opening_heading_is_no_count() -> None:
    assert not states_detail("count", "1 Förderziel und Zuwendungszweck\nZur Erreichung sollen Projekte umgesetzt werden.")
    assert not states_detail("count", "2.3 Antragsberechtigte\nAntragsberechtigt sind Vereine.")
    assert states_detail("count", "22 Teilnehmende aus der Stadtverwaltung kamen zusammen.")  # a sentence, not a heading
    assert states_detail("count", "Beteiligt sind\n12 Kommunen")  # only the opening line can be a heading


def test_a_contact_is_a_phone_number_an_email_or_a_postal_address() -> None:
    assert states_detail("phone", "Tel.: 0541 9633-0") and states_detail("phone", "Telefon +49 30 18555-0")
    assert states_detail("email", "Fragen an info@example.org") and states_detail("address", "An der Bornau 2, 49090 Osnabrück")
    assert states_detail("address", "Postfach 1705") and states_detail("address", "Musterstraße 12")
    assert not states_detail("phone", "Fragen an info@example.org")  # an e-mail answers no question for a phone number
    assert not states_detail("email", "50679 Köln")
    assert all(states_detail("contact", t) for t in ("Tel.: 0541 9633-0", "info@example.org", "50679 Köln"))
    assert not states_detail("contact", "Bußgelder bis zu 10 000 000 EUR nach Artikel 83")
    assert not states_detail("contact", "tritt am 15.11.2021 in Kraft und gilt bis 31.12.2025")


def test_a_person_is_named_with_a_title_a_role_or_as_author() -> None:
    assert states_detail("person", "Dr. Karoline Krenn vom Deutschen Institut für Urbanistik")
    assert states_detail("person", "Leitung: Anna Beispiel") and states_detail("person", "AUTOR*INNEN Theresa Züger")
    assert not states_detail("person", "Die Initiative wird vom Institut für Urbanistik getragen.")


def test_a_day_is_a_date_to_the_day() -> None:
    assert states_detail("day", "am 11. Juni 2025 in Leipzig") and states_detail("day", "am 26.03.2025")
    assert states_detail("day", "on 26 March 2025") and states_detail("day", "on March 26, 2025")
    assert not states_detail("day", "von Dezember 2019 bis Mai 2020") and not states_detail("day", "im Jahr 2025")


def test_a_duration_may_be_a_compound() -> None:
    assert states_detail("duration", "In einer zweistündigen Onlinesession") and states_detail("duration", "eine 3-tägige Konferenz")


def test_an_amount_needs_its_currency() -> None:
    assert states_detail("amount", "maximal EUR 250.000 jährlich") and states_detail("amount", "bis zu 300.000 Euro")
    assert states_detail("amount", "ein Budget von 1,5 Mio. Euro") and states_detail("amount", "Kosten von 840 €")
    assert not states_detail("amount", "aktuell neun Use Cases in 12 Kommunen seit 2021")


def test_authorship_is_stated_by_authors_or_by_whom_a_text_was_written() -> None:
    assert states_detail("author", "AUTOR*INNEN Theresa Züger, Anna Katzy-Reinshagen")
    assert states_detail("author", "Die Studie wurde vom Institut X im Frühjahr erstellt.")
    assert states_detail("author", "verfasst von Institut X")
    assert states_detail("author", "Herausgeberin: Stiftung Y") and states_detail("author", "written by the Civic Coding team")
    assert not states_detail("author", "Die Kurzstudie zeigt, wie AI-readiness gemessen wird.")
    assert not states_detail("author", "Erinnerung an autoritäre Regime")


PROGRAMME = """# Programm Stadtgrün

Das Programm Stadtgrün fördert Vorhaben zur Begrünung von Innenhöfen in Beispielstadt.
Gefördert werden Vereine und Initiativen mit Sitz in Beispielstadt.
"""


def _programme_app(settings: Settings, text: str = PROGRAMME) -> App:
    (settings.corpus_dir / "programm.md").write_text(text, encoding="utf-8")
    app = build_app(settings.with_(min_evidence=0.15), embedder=HashEmbedder(dimension=4096))
    app.ingestor.ingest()
    return app


def test_a_question_for_a_value_the_sources_do_not_state_is_refused(settings: Settings) -> None:
    app = _programme_app(settings)
    refused = app.answerer.ask("Wie viele Vorhaben fördert das Programm Stadtgrün in Beispielstadt?")
    assert refused.refused and "keine Zahl und keinen Betrag" in refused.text
    answered = app.answerer.ask("Wer wird vom Programm Stadtgrün in Beispielstadt gefördert?")
    assert not answered.refused and "Vereine und Initiativen" in answered.text


def test_a_question_that_asks_two_things_is_refused_when_the_sources_state_only_one(settings: Settings) -> None:
    app = _programme_app(settings, PROGRAMME + (
        "\nFragen beantwortet das Programmbüro unter der Telefonnummer 0301 234567. Die Uhrzeiten der Sprechstunde "
        "gibt das Programmbüro noch bekannt.\n"))
    refused = app.answerer.ask("Unter welcher Telefonnummer erreiche ich das Programm Stadtgrün, und zu welchen Uhrzeiten ist sie besetzt?")
    assert refused.refused and "keine Uhrzeit und keine Wochentage" in refused.text
    answered = app.answerer.ask("Unter welcher Telefonnummer erreiche ich das Programm Stadtgrün?")
    assert not answered.refused and "0301 234567" in answered.text


def test_a_question_for_the_next_round_needs_one_still_to_come(settings: Settings) -> None:
    past = PROGRAMME + "\nFür die erste Runde des Programms Stadtgrün waren Bewerbungen bis zum 31. März 2025 einzureichen.\n"
    question = "Bis wann kann ich mich für die nächste Runde des Programms Stadtgrün in Beispielstadt bewerben?"
    refused = _programme_app(settings.with_(today="2026-11-28"), past).answerer.ask(question)
    assert refused.refused and "keine kommende Runde" in refused.text
    # The same deadline before it has passed answers the question.
    assert not _programme_app(settings.with_(today="2025-01-15"), past).answerer.ask(question).refused


def test_a_question_for_a_contact_needs_one_of_that_kind(settings: Settings) -> None:
    app = _programme_app(settings, PROGRAMME + "\nFragen zum Programm Stadtgrün beantwortet das Grünflächenamt unter "
                         "stadtgruen@beispielstadt.example.\n")
    phone = app.answerer.ask("Unter welcher Telefonnummer erreiche ich das Programm Stadtgrün in Beispielstadt?")
    assert phone.refused and "keine Telefonnummer" in phone.text
    email = app.answerer.ask("Wie lautet die E-Mail-Adresse für Fragen zum Programm Stadtgrün in Beispielstadt?")
    assert not email.refused and "stadtgruen@beispielstadt.example" in email.text


def test_a_question_where_something_happened_needs_a_place_by_name(settings: Settings) -> None:
    app = _programme_app(settings, PROGRAMME + "\nDas Vorbild des Programms Stadtgrün, ein Hofbegrünungsprojekt, wurde "
                         "2019 in einer Großstadt erprobt und im Herbst 2021 in Wien ausgezeichnet. Das Land trägt die Hälfte der Kosten "
                         "des Programms Stadtgrün.\n")
    country = app.answerer.ask("In welchem Land liegt Beispielstadt, die Stadt des Programms Stadtgrün?")
    assert country.refused and "kein Land und keinen Staat mit Namen" in country.text
    city = app.answerer.ask("In welcher Stadt wurde das Vorbild des Programms Stadtgrün ausgezeichnet?")
    assert not city.refused and "Wien" in city.text
    assert not app.answerer.ask("In welchem Monat wurde das Vorbild des Programms Stadtgrün ausgezeichnet?").refused


@pytest.mark.parametrize(("question", "lacking", "missing", "stating"), [
    # A running total: the programme's limits answer another question.
    ("Wie viele Vorhaben hat das Programm Stadtgrün in Beispielstadt bisher gefördert?",
     "Das Programm Stadtgrün fördert bis zu 12 Vorhaben im Jahr.", "keine bisherige Gesamtzahl",
     "Bisher hat das Programm Stadtgrün 30 Vorhaben gefördert."),
    # Pages: a number of anything else does not answer it.
    ("Wie viele Seiten darf die Skizze für das Programm Stadtgrün in Beispielstadt umfassen?",
     "Die Skizze für das Programm Stadtgrün wird in zwei Stufen von drei Gutachtern bewertet.", "keine Seitenzahl",
     "Die Skizze für das Programm Stadtgrün darf höchstens fünf Seiten umfassen."),
])
def test_a_question_for_a_total_to_date_or_for_pages_needs_one(
    settings: Settings, question: str, lacking: str, missing: str, stating: str,
) -> None:
    refused = _programme_app(settings, PROGRAMME + f"\n{lacking}\n").answerer.ask(question)
    assert refused.refused and missing in refused.text
    assert not _programme_app(settings, PROGRAMME + f"\n{stating}\n").answerer.ask(question).refused


def test_below_the_minimum_only_a_hit_naming_everything_the_question_names_counts(settings: Settings) -> None:
    (settings.corpus_dir / "programm.md").write_text(PROGRAMME, encoding="utf-8")
    # No hit reaches the minimum; every hit is above the floor for named questions.
    app = build_app(settings.with_(min_evidence=0.99, named_evidence=0.01), embedder=HashEmbedder(dimension=4096))
    app.ingestor.ingest()
    assert not app.answerer.ask("Wen fördert das Programm Stadtgrün in Beispielstadt?").refused
    assert app.answerer.ask("Wen fördert das Programm Stadtgrün in Musterdorf?").refused
    strict = build_app(settings.with_(min_evidence=0.99, named_evidence=0.99), embedder=HashEmbedder(dimension=4096))
    assert strict.answerer.ask("Wen fördert das Programm Stadtgrün in Beispielstadt?").refused


def test_number_words_count_as_numbers_in_either_language() -> None:
    from assistant.text import number_word_values, quantities_stated

    assert number_word_values("drei Jahre, five years, außer Acht, ein Projekt") == {"3", "5"}
    assert quantities_stated("höchstens drei Jahre", "eine Laufzeit von maximal drei Jahren")
    assert quantities_stated("3 Jahre", "drei Jahre") and quantities_stated("drei Jahre", "3 Jahre")
    assert quantities_stated("at most three years", "maximal drei Jahren")
    assert not quantities_stated("höchstens fünf Jahre", "maximal drei Jahren")  # an invented count
    assert not quantities_stated("bis zu 20 Prozent", "bis zu 90 Prozent")


def test_an_amount_in_millions_is_the_same_amount_in_digits() -> None:
    from assistant.text import quantities_stated, scaled_numbers

    assert scaled_numbers("800 million euros, 1,5 Mio. EUR, 2 Mrd. Euro") == {"800": "800000000", "1,5": "1500000", "2": "2000000000"}
    assert scaled_numbers("2 billion euros") == {"2": "2000000000"} and scaled_numbers("2 Billionen Euro") == {}  # 10¹²
    assert quantities_stated("Es gibt zusätzlich 800 Millionen Euro.", "eine Mittelzuweisung von 800.000.000 EUR")
    assert quantities_stated("Es gibt zusätzlich 800.000.000 Euro.", "eine Mittelzuweisung von 800 Mio. EUR")
    assert not quantities_stated("Es gibt zusätzlich 900 Millionen Euro.", "eine Mittelzuweisung von 800.000.000 EUR")


def test_only_the_best_units_decide_whether_the_detail_asked_for_is_stated(settings: Settings) -> None:
    # The count stands in a weaker unit of another section: quoted further down (the margin lets every unit
    # in), it must not make the question answerable when the best units say nothing of the kind.
    text = PROGRAMME + "\n# Haushalt\n\nIm Haushalt von Beispielstadt stehen Mittel für 12 Vorhaben bereit.\n"
    question = "Wie viele Vorhaben fördert das Programm Stadtgrün in Beispielstadt?"
    quoting_all = settings.with_(extractive_sentence_margin=1.0, detail_margin=1.0)
    weighed_by_all = _programme_app(quoting_all.with_(detail_units=6), text).answerer.ask(question)
    assert not weighed_by_all.refused and "12 Vorhaben" in weighed_by_all.text
    weighed_by_best = _programme_app(quoting_all.with_(index_dir=settings.index_dir.with_name("other"), detail_units=1), text)
    assert weighed_by_best.answerer.ask(question).refused
    within_margin = _programme_app(quoting_all.with_(index_dir=settings.index_dir.with_name("third"), detail_units=6, detail_margin=0.0), text)
    assert within_margin.answerer.ask(question).refused  # six units may decide, but only those as good as the best


@pytest.mark.parametrize(("other", "document", "question", "missing", "answerable", "shown"), [
    # The question names a programme by acronym: ABC's number answers no question on XYZ.
    ("# Förderprogramm XYZ\n\nDas Förderprogramm XYZ fördert Begrünung in Beispielstadt. Das Programmbüro berät "
     "Antragstellende zur Begrünung.\n",
     "# Förderprogramm ABC\n\nDas Förderprogramm ABC fördert Begrünung in Beispielstadt. Das Programmbüro erreichen Sie "
     "unter der Telefonnummer 0301 234567.\n",
     "Unter welcher Telefonnummer erreiche ich das Programmbüro des Förderprogramms XYZ?", "keine Telefonnummer",
     "Unter welcher Telefonnummer erreiche ich das Programmbüro des Förderprogramms ABC?", "0301 234567"),
    # "re:publica" is styled as a brand: the participants of a workshop elsewhere answer no question on it.
    ("# Stadtgrün unterwegs\n\nZuletzt war das Programm Stadtgrün auf der re:publica in Beispielstadt. Einen Bericht "
     "darüber gibt es im Newsletter.\n",
     "# Workshop Stadtgrün\n\nZum Workshop des Programms Stadtgrün in Beispielstadt kamen 22 Teilnehmende aus der "
     "Verwaltung.\n",
     "Wie viele Personen kamen zum Workshop des Programms Stadtgrün auf der re:publica?", "keine Zahl",
     "Wie viele Personen kamen zum Workshop des Programms Stadtgrün in Beispielstadt?", "22 Teilnehmende"),
])
def test_a_value_counts_only_where_the_programme_or_event_the_question_names_is(
    settings: Settings, other: str, document: str, question: str, missing: str, answerable: str, shown: str,
) -> None:
    (settings.corpus_dir / "other.md").write_text(other, encoding="utf-8")
    app = _programme_app(settings, document)
    refused = app.answerer.ask(question)
    assert refused.refused and missing in refused.text
    answered = app.answerer.ask(answerable)
    assert not answered.refused and shown in answered.text
