"""Place names that answer "In welchem Land …?" and "In welcher Stadt …?": a small gazetteer.

The refusal checks (``text.states_detail``) need to tell whether an excerpt names a country or a city at all:
"In welchem Land wurde der Chatbot eingesetzt?" over a case study that never says where is near the domain,
and the excerpts would answer another question. A name list errs the safe way: a place it lacks makes a
question look unanswered, so it holds every sovereign state (in German and English), the German Länder,
every German city of about 100,000 inhabitants or more, the capitals of Europe and the world's best-known
cities; a common word that is also a city ("Essen", "Halle") only lets a question through that could have been
refused. Names are matched as whole words and case-sensitively (they are capitalised in both languages).
"""

from __future__ import annotations

import re

# Sovereign states (UN members and observers, Kosovo, Taiwan), German name | English name where it differs.
_COUNTRIES = """
Afghanistan|Ägypten|Egypt|Albanien|Albania|Algerien|Algeria|Andorra|Angola|Antigua und Barbuda|Antigua and Barbuda|
Äquatorialguinea|Equatorial Guinea|Argentinien|Argentina|Armenien|Armenia|Aserbaidschan|Azerbaijan|Äthiopien|Ethiopia|
Australien|Australia|Bahamas|Bahrain|Bangladesch|Bangladesh|Barbados|Belarus|Weißrussland|Belgien|Belgium|Belize|Benin|
Bhutan|Bolivien|Bolivia|Bosnien und Herzegowina|Bosnia and Herzegovina|Botsuana|Botswana|Brasilien|Brazil|Brunei|
Bulgarien|Bulgaria|Burkina Faso|Burundi|Chile|China|Costa Rica|Côte d'Ivoire|Elfenbeinküste|Ivory Coast|Dänemark|Denmark|
Deutschland|Germany|Dominica|Dominikanische Republik|Dominican Republic|Dschibuti|Djibouti|Ecuador|El Salvador|Eritrea|
Estland|Estonia|Eswatini|Fidschi|Fiji|Finnland|Finland|Frankreich|France|Gabun|Gabon|Gambia|Georgien|Georgia|Ghana|
Grenada|Griechenland|Greece|Guatemala|Guinea|Guinea-Bissau|Guyana|Haiti|Honduras|Indien|India|Indonesien|Indonesia|
Irak|Iraq|Iran|Irland|Ireland|Island|Iceland|Israel|Italien|Italy|Jamaika|Jamaica|Japan|Jemen|Yemen|Jordanien|Jordan|
Kambodscha|Cambodia|Kamerun|Cameroon|Kanada|Canada|Kap Verde|Cabo Verde|Cape Verde|Kasachstan|Kazakhstan|Katar|Qatar|
Kenia|Kenya|Kirgisistan|Kyrgyzstan|Kiribati|Kolumbien|Colombia|Komoren|Comoros|Kongo|Congo|Kosovo|Kroatien|Croatia|
Kuba|Cuba|Kuwait|Laos|Lesotho|Lettland|Latvia|Libanon|Lebanon|Liberia|Libyen|Libya|Liechtenstein|Litauen|Lithuania|
Luxemburg|Luxembourg|Madagaskar|Madagascar|Malawi|Malaysia|Malediven|Maldives|Mali|Malta|Marokko|Morocco|Marshallinseln|
Marshall Islands|Mauretanien|Mauritania|Mauritius|Mexiko|Mexico|Mikronesien|Micronesia|Moldau|Moldawien|Moldova|Monaco|
Mongolei|Mongolia|Montenegro|Mosambik|Mozambique|Myanmar|Namibia|Nauru|Nepal|Neuseeland|New Zealand|Nicaragua|
Niederlande|Netherlands|Holland|Niger|Nigeria|Nordkorea|North Korea|Nordmazedonien|North Macedonia|Norwegen|Norway|Oman|
Österreich|Austria|Osttimor|Timor-Leste|East Timor|Pakistan|Palau|Palästina|Palestine|Panama|Papua-Neuguinea|
Papua New Guinea|Paraguay|Peru|Philippinen|Philippines|Polen|Poland|Portugal|Ruanda|Rwanda|Rumänien|Romania|Russland|
Russia|Salomonen|Solomon Islands|Sambia|Zambia|Samoa|San Marino|São Tomé und Príncipe|Sao Tome and Principe|
Saudi-Arabien|Saudi Arabia|Schweden|Sweden|Schweiz|Switzerland|Senegal|Serbien|Serbia|Seychellen|Seychelles|
Sierra Leone|Simbabwe|Zimbabwe|Singapur|Singapore|Slowakei|Slovakia|Slowenien|Slovenia|Somalia|Spanien|Spain|
Sri Lanka|St. Kitts und Nevis|Saint Kitts and Nevis|St. Lucia|Saint Lucia|St. Vincent und die Grenadinen|
Saint Vincent and the Grenadines|Südafrika|South Africa|Sudan|Südsudan|South Sudan|Südkorea|South Korea|Korea|Suriname|
Syrien|Syria|Tadschikistan|Tajikistan|Taiwan|Tansania|Tanzania|Thailand|Togo|Tonga|Trinidad und Tobago|
Trinidad and Tobago|Tschad|Chad|Tschechien|Czechia|Czech Republic|Tunesien|Tunisia|Türkei|Türkiye|Turkey|Turkmenistan|
Tuvalu|Uganda|Ukraine|Ungarn|Hungary|Uruguay|Usbekistan|Uzbekistan|Vanuatu|Vatikanstadt|Vatikan|Vatican|Venezuela|
Vereinigte Arabische Emirate|United Arab Emirates|Vereinigtes Königreich|United Kingdom|Großbritannien|Great Britain|
England|Schottland|Scotland|Wales|Nordirland|Northern Ireland|Vereinigte Staaten|United States|USA|Vietnam|
Zentralafrikanische Republik|Central African Republic|Zypern|Cyprus
"""

# The German Länder ("In welchem Land …?" also asks for one of them), German | English.
_LAENDER = """
Baden-Württemberg|Bayern|Bavaria|Berlin|Brandenburg|Bremen|Hamburg|Hessen|Hesse|Mecklenburg-Vorpommern|Niedersachsen|
Lower Saxony|Nordrhein-Westfalen|North Rhine-Westphalia|Rheinland-Pfalz|Rhineland-Palatinate|Saarland|Sachsen|Saxony|
Sachsen-Anhalt|Saxony-Anhalt|Schleswig-Holstein|Thüringen|Thuringia
"""

# German cities of about 100,000 inhabitants or more and the Land capitals; capitals of Europe and well-known cities
# elsewhere, German | English name where it differs.
_CITIES = """
Aachen|Augsburg|Bergisch Gladbach|Berlin|Bielefeld|Bochum|Bonn|Bottrop|Braunschweig|Bremen|Bremerhaven|Chemnitz|
Cottbus|Darmstadt|Dessau|Dortmund|Dresden|Duisburg|Düren|Düsseldorf|Erfurt|Erlangen|Essen|Esslingen|Flensburg|
Frankfurt|Freiburg|Fürth|Gelsenkirchen|Gera|Göttingen|Gütersloh|Hagen|Halle|Hamburg|Hamm|Hanau|Hannover|Hanover|
Heidelberg|Heilbronn|Herne|Hildesheim|Ingolstadt|Iserlohn|Jena|Kaiserslautern|Karlsruhe|Kassel|Kiel|Koblenz|Köln|
Cologne|Konstanz|Krefeld|Leipzig|Leverkusen|Lübeck|Ludwigsburg|Ludwigshafen|Lüneburg|Magdeburg|Mainz|Mannheim|Marburg|
Moers|Mönchengladbach|Mülheim|München|Munich|Münster|Neuss|Nürnberg|Nuremberg|Oberhausen|Offenbach|Oldenburg|
Osnabrück|Paderborn|Pforzheim|Potsdam|Recklinghausen|Regensburg|Remscheid|Reutlingen|Rostock|Saarbrücken|Salzgitter|
Schwerin|Siegen|Solingen|Stuttgart|Trier|Tübingen|Ulm|Wiesbaden|Witten|Wolfsburg|Wuppertal|Würzburg|Zwickau|
Amsterdam|Athen|Athens|Barcelona|Belgrad|Belgrade|Bern|Bratislava|Brüssel|Brussels|Budapest|Bukarest|Bucharest|
Dublin|Genf|Geneva|Helsinki|Istanbul|Kiew|Kyiv|Kopenhagen|Copenhagen|Krakau|Krakow|Lissabon|Lisbon|Ljubljana|London|
Luxemburg|Luxembourg|Lyon|Madrid|Mailand|Milan|Marseille|Minsk|Moskau|Moscow|Nikosia|Nicosia|Oslo|Paris|Prag|Prague|
Riga|Rom|Rome|Rotterdam|Sarajevo|Skopje|Sofia|Stockholm|Straßburg|Strasbourg|Tallinn|Tirana|Valletta|Vilnius|Warschau|
Warsaw|Wien|Vienna|Zagreb|Zürich|Zurich|Abuja|Accra|Addis Abeba|Addis Ababa|Bangalore|Bangkok|Boston|Buenos Aires|
Chicago|Delhi|Neu-Delhi|New Delhi|Dubai|Hongkong|Hong Kong|Jakarta|Johannesburg|Kairo|Cairo|Kapstadt|Cape Town|
Kigali|Lagos|Los Angeles|Mexiko-Stadt|Mexico City|Montreal|Mumbai|Nairobi|New York|Peking|Beijing|Rio de Janeiro|
San Francisco|Santiago|São Paulo|Seoul|Shanghai|Singapur|Singapore|Sydney|Tel Aviv|Tokio|Tokyo|Toronto|Vancouver|
Washington
"""


def _names(block: str) -> list[str]:
    return [name.strip() for name in block.replace("\n", "").split("|") if name.strip()]


def _whole_names(names: list[str]) -> str:
    # Longest first, so that "Guinea-Bissau" wins over "Guinea"; a name is a whole word, also before a hyphen
    # ("Berlin-Mitte", "Leipzig-Grünau") but not inside a longer word ("Essener" is no match for "Essen").
    alternatives = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
    return rf"(?<![\w-])(?:{alternatives})(?![^\W_])"


#: A country or a German Land by name, or a group of states that answers "In welchen Ländern …?" ("den
#: Mitgliedstaaten der EU", "assoziierte Drittländer", "EFTA/EWR").
COUNTRY = re.compile(
    _whole_names(_names(_COUNTRIES) + _names(_LAENDER))
    + r"|\b(?:EU-)?Mitgliedstaat\w*|\bDrittl[aä]nd\w*|\b(?:EFTA|EWR|EEA)\b|\bmember\s+states?\b|\bthird\s+countr(?:y|ies)\b"
)
#: A city by name.
CITY = re.compile(_whole_names(_names(_CITIES)))
