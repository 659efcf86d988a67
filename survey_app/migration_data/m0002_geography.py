"""The reference data of migration 0002: Denmark's regions and its 98 municipalities.

Written from the files ``regions.csv`` and ``municipalities.csv`` (kept as test data in
``tests/data/reference/``, see ``tests/unit/test_geography.py``, which checks a fresh database
against them), row for row and in their order. This is what migration 0002 inserts; it is part of
that migration and is never edited. A later change (a new region, a municipality that moves or
merges) comes as a new migration with its own data.

Dates are ISO text as stored. A region with a ``successor`` hands its municipalities to that
region the day after its ``valid_to`` (Region Hovedstaden and Region Sjælland become Region
Østdanmark on 1 January 2027). A municipality's ``region`` is its region on the earliest date.
"""

from __future__ import annotations

from typing import NamedTuple


class Region(NamedTuple):
    id: str
    name: str
    code: str | None  # the official region code; None for a region not yet given one
    valid_from: str
    valid_to: str | None  # inclusive; None while valid
    successor: str | None = None


class Municipality(NamedTuple):
    code: str  # the official municipality code, without leading zeros
    name: str
    region: str  # the region at the earliest date


REGIONS = [
    Region("hovedstaden", "Region Hovedstaden", "1084", "2007-01-01", "2026-12-31", successor="ostdanmark"),
    Region("sjaelland", "Region Sjælland", "1085", "2007-01-01", "2026-12-31", successor="ostdanmark"),
    Region("syddanmark", "Region Syddanmark", "1083", "2007-01-01", None),
    Region("midtjylland", "Region Midtjylland", "1082", "2007-01-01", None),
    Region("nordjylland", "Region Nordjylland", "1081", "2007-01-01", None),
    Region("ostdanmark", "Region Østdanmark", None, "2027-01-01", None),
]

MUNICIPALITIES = [
    Municipality("101", "København", "hovedstaden"),
    Municipality("147", "Frederiksberg", "hovedstaden"),
    Municipality("151", "Ballerup", "hovedstaden"),
    Municipality("153", "Brøndby", "hovedstaden"),
    Municipality("155", "Dragør", "hovedstaden"),
    Municipality("157", "Gentofte", "hovedstaden"),
    Municipality("159", "Gladsaxe", "hovedstaden"),
    Municipality("161", "Glostrup", "hovedstaden"),
    Municipality("163", "Herlev", "hovedstaden"),
    Municipality("165", "Albertslund", "hovedstaden"),
    Municipality("167", "Hvidovre", "hovedstaden"),
    Municipality("169", "Høje-Taastrup", "hovedstaden"),
    Municipality("173", "Lyngby-Taarbæk", "hovedstaden"),
    Municipality("175", "Rødovre", "hovedstaden"),
    Municipality("183", "Ishøj", "hovedstaden"),
    Municipality("185", "Tårnby", "hovedstaden"),
    Municipality("187", "Vallensbæk", "hovedstaden"),
    Municipality("190", "Furesø", "hovedstaden"),
    Municipality("201", "Allerød", "hovedstaden"),
    Municipality("210", "Fredensborg", "hovedstaden"),
    Municipality("217", "Helsingør", "hovedstaden"),
    Municipality("219", "Hillerød", "hovedstaden"),
    Municipality("223", "Hørsholm", "hovedstaden"),
    Municipality("230", "Rudersdal", "hovedstaden"),
    Municipality("240", "Egedal", "hovedstaden"),
    Municipality("250", "Frederikssund", "hovedstaden"),
    Municipality("253", "Greve", "sjaelland"),
    Municipality("259", "Køge", "sjaelland"),
    Municipality("260", "Halsnæs", "hovedstaden"),
    Municipality("265", "Roskilde", "sjaelland"),
    Municipality("269", "Solrød", "sjaelland"),
    Municipality("270", "Gribskov", "hovedstaden"),
    Municipality("306", "Odsherred", "sjaelland"),
    Municipality("316", "Holbæk", "sjaelland"),
    Municipality("320", "Faxe", "sjaelland"),
    Municipality("326", "Kalundborg", "sjaelland"),
    Municipality("329", "Ringsted", "sjaelland"),
    Municipality("330", "Slagelse", "sjaelland"),
    Municipality("336", "Stevns", "sjaelland"),
    Municipality("340", "Sorø", "sjaelland"),
    Municipality("350", "Lejre", "sjaelland"),
    Municipality("360", "Lolland", "sjaelland"),
    Municipality("370", "Næstved", "sjaelland"),
    Municipality("376", "Guldborgsund", "sjaelland"),
    Municipality("390", "Vordingborg", "sjaelland"),
    Municipality("400", "Bornholm", "hovedstaden"),
    Municipality("410", "Middelfart", "syddanmark"),
    Municipality("420", "Assens", "syddanmark"),
    Municipality("430", "Faaborg-Midtfyn", "syddanmark"),
    Municipality("440", "Kerteminde", "syddanmark"),
    Municipality("450", "Nyborg", "syddanmark"),
    Municipality("461", "Odense", "syddanmark"),
    Municipality("479", "Svendborg", "syddanmark"),
    Municipality("480", "Nordfyns", "syddanmark"),
    Municipality("482", "Langeland", "syddanmark"),
    Municipality("492", "Ærø", "syddanmark"),
    Municipality("510", "Haderslev", "syddanmark"),
    Municipality("530", "Billund", "syddanmark"),
    Municipality("540", "Sønderborg", "syddanmark"),
    Municipality("550", "Tønder", "syddanmark"),
    Municipality("561", "Esbjerg", "syddanmark"),
    Municipality("563", "Fanø", "syddanmark"),
    Municipality("573", "Varde", "syddanmark"),
    Municipality("575", "Vejen", "syddanmark"),
    Municipality("580", "Aabenraa", "syddanmark"),
    Municipality("607", "Fredericia", "syddanmark"),
    Municipality("615", "Horsens", "midtjylland"),
    Municipality("621", "Kolding", "syddanmark"),
    Municipality("630", "Vejle", "syddanmark"),
    Municipality("657", "Herning", "midtjylland"),
    Municipality("661", "Holstebro", "midtjylland"),
    Municipality("665", "Lemvig", "midtjylland"),
    Municipality("671", "Struer", "midtjylland"),
    Municipality("706", "Syddjurs", "midtjylland"),
    Municipality("707", "Norddjurs", "midtjylland"),
    Municipality("710", "Favrskov", "midtjylland"),
    Municipality("727", "Odder", "midtjylland"),
    Municipality("730", "Randers", "midtjylland"),
    Municipality("740", "Silkeborg", "midtjylland"),
    Municipality("741", "Samsø", "midtjylland"),
    Municipality("746", "Skanderborg", "midtjylland"),
    Municipality("751", "Aarhus", "midtjylland"),
    Municipality("756", "Ikast-Brande", "midtjylland"),
    Municipality("760", "Ringkøbing-Skjern", "midtjylland"),
    Municipality("766", "Hedensted", "midtjylland"),
    Municipality("773", "Morsø", "nordjylland"),
    Municipality("779", "Skive", "midtjylland"),
    Municipality("787", "Thisted", "nordjylland"),
    Municipality("791", "Viborg", "midtjylland"),
    Municipality("810", "Brønderslev", "nordjylland"),
    Municipality("813", "Frederikshavn", "nordjylland"),
    Municipality("820", "Vesthimmerlands", "nordjylland"),
    Municipality("825", "Læsø", "nordjylland"),
    Municipality("840", "Rebild", "nordjylland"),
    Municipality("846", "Mariagerfjord", "nordjylland"),
    Municipality("849", "Jammerbugt", "nordjylland"),
    Municipality("851", "Aalborg", "nordjylland"),
    Municipality("860", "Hjørring", "nordjylland"),
]
