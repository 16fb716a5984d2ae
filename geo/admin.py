"""The admin reference table: admin-0 and admin-1 units of Ukraine, Poland and Lithuania.

P-code is the key; ISO 3166-2 is kept alongside. Ukrainian P-codes follow OCHA COD-AB and differ from the
ISO number for Crimea, Luhansk, Chernivtsi, Kyiv city and Sevastopol. Polish P-codes use the TERYT number
(which is also the old numeric ISO code, PL-14 = PL-MZ). Lithuanian P-codes use the national county
numbering (01 Alytus … 10 Vilnius): no OCHA COD exists to check them against.

Centroids are representative points of the OpenStreetMap-derived admin-1 boundaries (© OpenStreetMap
contributors, via Elastic Maps Service, ODbL), rounded to 0.01°.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class AdminUnit:
    """One admin unit of the reference table."""

    pcode: str
    iso: str
    country: str  # ISO 3166-1 alpha-3
    level: int
    name_en: str
    name_local: str
    lat: float
    lon: float
    aliases: tuple[str, ...] = ()

    @property
    def parent(self) -> str | None:
        """P-code of the country for admin-1 units, None for countries."""
        return self.pcode[:2] if self.level == 1 else None


_U = AdminUnit
COUNTRIES: tuple[AdminUnit, ...] = (
    _U("UA", "UA", "UKR", 0, "Ukraine", "Україна", 49.0, 31.4, ("UKR",)),
    _U("PL", "PL", "POL", 0, "Poland", "Polska", 52.1, 19.4, ("POL",)),
    _U("LT", "LT", "LTU", 0, "Lithuania", "Lietuva", 55.3, 23.9, ("LTU",)),
)

UKRAINE: tuple[AdminUnit, ...] = (
    _U("UA05", "UA-05", "UKR", 1, "Vinnytsia", "Вінницька область", 48.97, 28.74, ("Vinnytska", "Vinnitsa")),
    _U("UA07", "UA-07", "UKR", 1, "Volyn", "Волинська область", 51.17, 24.87, ("Volynska", "Volhynia")),
    _U("UA44", "UA-09", "UKR", 1, "Luhansk", "Луганська область", 48.95, 38.82, ("Luhanska", "Lugansk")),
    _U("UA12", "UA-12", "UKR", 1, "Dnipropetrovsk", "Дніпропетровська область", 48.32, 34.30,
       ("Dnipropetrovska", "Dnipro", "Dnipropetrovsk Oblast")),
    _U("UA14", "UA-14", "UKR", 1, "Donetsk", "Донецька область", 47.91, 37.77, ("Donetska",)),
    _U("UA18", "UA-18", "UKR", 1, "Zhytomyr", "Житомирська область", 50.71, 28.36, ("Zhytomyrska", "Zhitomir")),
    _U("UA21", "UA-21", "UKR", 1, "Zakarpattia", "Закарпатська область", 48.46, 23.30,
       ("Zakarpatska", "Transcarpathia", "Zakarpattya")),
    _U("UA23", "UA-23", "UKR", 1, "Zaporizhzhia", "Запорізька область", 47.13, 35.67,
       ("Zaporizka", "Zaporizhzhya", "Zaporozhye")),
    _U("UA26", "UA-26", "UKR", 1, "Ivano-Frankivsk", "Івано-Франківська область", 48.65, 24.59,
       ("Ivano-Frankivska", "Ivano Frankivska", "Ivano Frankivsk")),
    _U("UA80", "UA-30", "UKR", 1, "Kyiv city", "Київ", 50.43, 30.51, ("Kiev", "Kyiv City", "Kiev city", "Misto Kyiv")),
    _U("UA32", "UA-32", "UKR", 1, "Kyiv", "Київська область", 50.10, 31.28, ("Kyivska", "Kyiv Oblast", "Kiev Oblast")),
    _U("UA35", "UA-35", "UKR", 1, "Kirovohrad", "Кіровоградська область", 48.51, 32.44,
       ("Kirovohradska", "Kropyvnytskyi", "Kirovograd")),
    _U("UA85", "UA-40", "UKR", 1, "Sevastopol", "Севастополь", 44.54, 33.51, ("Sevastopol city",)),
    _U("UA01", "UA-43", "UKR", 1, "Autonomous Republic of Crimea", "Автономна Республіка Крим", 45.21, 33.96,
       ("Crimea", "Avtonomna Respublika Krym", "Krym")),
    _U("UA46", "UA-46", "UKR", 1, "Lviv", "Львівська область", 49.67, 23.82, ("Lvivska", "Lvov", "Lwów")),
    _U("UA48", "UA-48", "UKR", 1, "Mykolaiv", "Миколаївська область", 47.24, 31.96, ("Mykolaivska", "Nikolaev")),
    _U("UA51", "UA-51", "UKR", 1, "Odesa", "Одеська область", 46.51, 30.54, ("Odeska", "Odessa")),
    _U("UA53", "UA-53", "UKR", 1, "Poltava", "Полтавська область", 49.72, 33.86, ("Poltavska",)),
    _U("UA56", "UA-56", "UKR", 1, "Rivne", "Рівненська область", 50.84, 26.63, ("Rivnenska", "Rovno")),
    _U("UA59", "UA-59", "UKR", 1, "Sumy", "Сумська область", 51.23, 34.24, ("Sumska",)),
    _U("UA61", "UA-61", "UKR", 1, "Ternopil", "Тернопільська область", 49.49, 25.51, ("Ternopilska",)),
    _U("UA63", "UA-63", "UKR", 1, "Kharkiv", "Харківська область", 49.61, 36.38, ("Kharkivska", "Kharkov")),
    _U("UA65", "UA-65", "UKR", 1, "Kherson", "Херсонська область", 46.51, 33.98, ("Khersonska",)),
    _U("UA68", "UA-68", "UKR", 1, "Khmelnytskyi", "Хмельницька область", 49.50, 27.01,
       ("Khmelnytska", "Khmelnytsky", "Khmelnitsky")),
    _U("UA71", "UA-71", "UKR", 1, "Cherkasy", "Черкаська область", 49.18, 31.89, ("Cherkaska", "Cherkassy")),
    _U("UA74", "UA-74", "UKR", 1, "Chernihiv", "Чернігівська область", 51.54, 31.85, ("Chernihivska", "Chernigov")),
    _U("UA73", "UA-77", "UKR", 1, "Chernivtsi", "Чернівецька область", 48.23, 25.78, ("Chernivetska", "Chernovtsy")),
)

POLAND: tuple[AdminUnit, ...] = (
    _U("PL02", "PL-DS", "POL", 1, "Lower Silesia", "dolnośląskie", 50.96, 16.28, ("Dolnośląskie", "Lower Silesian", "PL-02")),
    _U("PL04", "PL-KP", "POL", 1, "Kuyavia-Pomerania", "kujawsko-pomorskie", 53.05, 18.47,
       ("Kujawsko-Pomorskie", "Kuyavian-Pomeranian", "PL-04")),
    _U("PL06", "PL-LU", "POL", 1, "Lublin", "lubelskie", 51.31, 22.78, ("Lubelskie", "PL-06")),
    _U("PL08", "PL-LB", "POL", 1, "Lubusz", "lubuskie", 52.25, 15.22, ("Lubuskie", "PL-08")),
    _U("PL10", "PL-LD", "POL", 1, "Łódź", "łódzkie", 51.63, 19.44, ("Lodzkie", "Łódzkie", "Lodz", "PL-10")),
    _U("PL12", "PL-MA", "POL", 1, "Lesser Poland", "małopolskie", 49.83, 20.26, ("Małopolskie", "Malopolskie", "PL-12")),
    _U("PL14", "PL-MZ", "POL", 1, "Masovia", "mazowieckie", 52.29, 21.09, ("Mazowieckie", "Masovian", "PL-14")),
    _U("PL16", "PL-OP", "POL", 1, "Opole", "opolskie", 50.58, 17.84, ("Opolskie", "PL-16")),
    _U("PL18", "PL-PK", "POL", 1, "Subcarpathia", "podkarpackie", 49.95, 22.08, ("Podkarpackie", "Subcarpathian", "PL-18")),
    _U("PL20", "PL-PD", "POL", 1, "Podlaskie", "podlaskie", 53.36, 22.85, ("Podlasie", "PL-20")),
    _U("PL22", "PL-PM", "POL", 1, "Pomerania", "pomorskie", 54.15, 17.98, ("Pomorskie", "Pomeranian", "PL-22")),
    _U("PL24", "PL-SL", "POL", 1, "Silesia", "śląskie", 50.25, 18.91, ("Śląskie", "Slaskie", "Silesian", "PL-24")),
    _U("PL26", "PL-SK", "POL", 1, "Holy Cross", "świętokrzyskie", 50.73, 20.77, ("Świętokrzyskie", "Swietokrzyskie", "PL-26")),
    _U("PL28", "PL-WN", "POL", 1, "Warmia-Masuria", "warmińsko-mazurskie", 53.79, 20.97,
       ("Warmińsko-Mazurskie", "Warminsko-Mazurskie", "Warmian-Masurian", "PL-28")),
    _U("PL30", "PL-WP", "POL", 1, "Greater Poland", "wielkopolskie", 52.38, 17.50, ("Wielkopolskie", "PL-30")),
    _U("PL32", "PL-ZP", "POL", 1, "West Pomerania", "zachodniopomorskie", 53.60, 15.50,
       ("Zachodniopomorskie", "West Pomeranian", "PL-32")),
)

LITHUANIA: tuple[AdminUnit, ...] = (
    _U("LT01", "LT-AL", "LTU", 1, "Alytus", "Alytaus apskritis", 54.22, 24.07, ("Alytaus",)),
    _U("LT02", "LT-KU", "LTU", 1, "Kaunas", "Kauno apskritis", 54.97, 24.19, ("Kauno",)),
    _U("LT03", "LT-KL", "LTU", 1, "Klaipėda", "Klaipėdos apskritis", 55.84, 21.11, ("Klaipedos", "Klaipėdos", "Klaipeda")),
    _U("LT04", "LT-MR", "LTU", 1, "Marijampolė", "Marijampolės apskritis", 54.68, 23.19, ("Marijampoles", "Marijampole")),
    _U("LT05", "LT-PN", "LTU", 1, "Panevėžys", "Panevėžio apskritis", 55.89, 24.89, ("Panevezio", "Panevezys")),
    _U("LT06", "LT-SA", "LTU", 1, "Šiauliai", "Šiaulių apskritis", 55.91, 23.29, ("Siauliu", "Siauliai")),
    _U("LT07", "LT-TA", "LTU", 1, "Tauragė", "Tauragės apskritis", 55.33, 22.44, ("Taurages", "Taurage")),
    _U("LT08", "LT-TE", "LTU", 1, "Telšiai", "Telšių apskritis", 56.01, 22.15, ("Telsiu", "Telsiai")),
    _U("LT09", "LT-UT", "LTU", 1, "Utena", "Utenos apskritis", 55.50, 25.62, ("Utenos",)),
    _U("LT10", "LT-VL", "LTU", 1, "Vilnius", "Vilniaus apskritis", 54.79, 25.25, ("Vilniaus",)),
)

ADMIN_UNITS: tuple[AdminUnit, ...] = COUNTRIES + UKRAINE + POLAND + LITHUANIA

_SUFFIXES = re.compile(
    r"\b(oblast|oblast'|region|voivodeship|województwo|wojewodztwo|county|apskritis|obl\.?|"
    r"область|province)\b",
    re.IGNORECASE,
)


def normalise_name(name: str) -> str:
    """Fold case, accents, punctuation and admin-type words, so 'Odesa Oblast' matches 'odesa'."""
    text = unicodedata.normalize("NFKD", name.strip().lower().replace("ł", "l"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _SUFFIXES.sub(" ", text)
    return re.sub(r"[^0-9a-zа-яіїєґ]+", "", text)


def _build_index() -> dict[str, AdminUnit]:
    index: dict[str, AdminUnit] = {}
    for unit in ADMIN_UNITS:
        keys = {unit.pcode, unit.iso, unit.iso.replace("-", "")} if unit.level else {unit.pcode, unit.iso}
        for key in keys:
            index[f"code:{key.upper()}"] = unit
        for name in (unit.name_en, unit.name_local, *unit.aliases):
            if re.fullmatch(r"[A-Z]{2}-\d{2}|[A-Z]{3}", name):
                index[f"code:{name}"] = unit
            else:
                index.setdefault(f"name:{normalise_name(name)}", unit)
    return index


_INDEX = _build_index()


def resolve(value: str) -> AdminUnit | None:
    """Return the unit a P-code, ISO code (with or without hyphen, old numeric Polish codes included)
    or a name or alias refers to, or None. Codes are tried before names; names are matched folded."""
    if not value or not value.strip():
        return None
    key = value.strip().upper()
    unit = _INDEX.get(f"code:{key}")
    if unit is not None:
        return unit
    return _INDEX.get(f"name:{normalise_name(value)}")


def by_pcode() -> dict[str, AdminUnit]:
    """All units keyed by P-code."""
    return {unit.pcode: unit for unit in ADMIN_UNITS}
