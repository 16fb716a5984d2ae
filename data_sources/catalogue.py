"""The reference catalogue: the IASC MHPSS 4Ws activity taxonomy and the starter indicator catalogue, with
their names (and the indicators' definitions and units) in English, Ukrainian and Polish.

Activity codes follow the 2012 IASC 4Ws manual's community- and person-focused groups as listed in
DESIGN.md; the wording still has to be checked against the manual before the codes are called official.
The Ukrainian and Polish texts are data, not interface messages: seeding writes them to the ``*_uk`` and
``*_pl`` columns and :mod:`dashboard.names` reads them (English when a translation is empty). Terms follow
the working group's glossary (ПЗПСП / MHPSS, МПК / IASC, ТРГ / tGR). Units are written as they read after a
number ("350 осіб", "350 osób").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Activity:
    code: str
    name: str
    group: str
    pyramid_layer: int | None
    name_uk: str = ""
    name_pl: str = ""


ACTIVITIES: tuple[Activity, ...] = (
    Activity("1.1", "Information dissemination to the community at large", "community-focused", 1,
             name_uk="Поширення інформації серед широкої громади",
             name_pl="Rozpowszechnianie informacji wśród ogółu społeczności"),
    Activity("1.2", "Facilitation of conditions for community mobilisation, organisation and ownership",
             "community-focused", 2,
             name_uk="Сприяння створенню умов для мобілізації, самоорганізації громади та її відповідальності "
                     "за власні ініціативи",
             name_pl="Tworzenie warunków do mobilizacji, samoorganizacji i współodpowiedzialności społeczności"),
    Activity("1.3", "Strengthening of community and family support", "community-focused", 2,
             name_uk="Зміцнення підтримки з боку громади та сім'ї",
             name_pl="Wzmacnianie wsparcia ze strony społeczności i rodziny"),
    Activity("1.4", "Safe spaces", "community-focused", 2,
             name_uk="Безпечні простори", name_pl="Bezpieczne przestrzenie"),
    Activity("1.5", "Psychosocial support in education", "community-focused", 2,
             name_uk="Психосоціальна підтримка в освіті", name_pl="Wsparcie psychospołeczne w edukacji"),
    Activity("1.6", "Psychosocial considerations in other sectors (protection, health, shelter, WASH…)",
             "community-focused", 1,
             name_uk="Урахування психосоціальних аспектів в інших секторах (захист, охорона здоров'я, житло, "
                     "WASH…)",
             name_pl="Uwzględnianie aspektów psychospołecznych w innych sektorach (ochrona, zdrowie, schronienie, "
                     "WASH…)"),
    Activity("2.1", "Person-focused psychosocial work (e.g. psychological first aid, case management)",
             "person-focused", 3,
             name_uk="Індивідуальна психосоціальна робота (напр., перша психологічна допомога, ведення випадку)",
             name_pl="Indywidualna praca psychospołeczna (np. pierwsza pomoc psychologiczna, prowadzenie "
                     "przypadku)"),
    Activity("2.2", "Psychological intervention", "person-focused", 3,
             name_uk="Психологічне втручання", name_pl="Interwencja psychologiczna"),
    Activity("2.3", "Clinical management of mental disorders by non-specialised providers", "person-focused", 3,
             name_uk="Клінічне ведення психічних розладів неспеціалізованими надавачами послуг",
             name_pl="Postępowanie kliniczne w zaburzeniach psychicznych prowadzone przez niespecjalistycznych "
                     "świadczeniodawców"),
    Activity("2.4", "Clinical management of mental disorders by specialised providers", "person-focused", 4,
             name_uk="Клінічне ведення психічних розладів спеціалізованими надавачами послуг",
             name_pl="Postępowanie kliniczne w zaburzeniach psychicznych prowadzone przez specjalistycznych "
                     "świadczeniodawców"),
    Activity("3.1", "Assessment", "general", None, name_uk="Оцінювання", name_pl="Ocena"),
    Activity("3.2", "Training and supervision of workers", "general", None,
             name_uk="Навчання та супервізія працівників", name_pl="Szkolenia i superwizja pracowników"),
    Activity("3.3", "Staff care", "general", None, name_uk="Турбота про персонал", name_pl="Opieka nad personelem"),
    Activity("3.4", "Coordination", "general", None, name_uk="Координація", name_pl="Koordynacja"),
    Activity("3.5", "Advocacy", "general", None, name_uk="Адвокація", name_pl="Rzecznictwo"),
    Activity("3.6", "Research", "general", None, name_uk="Дослідження", name_pl="Badania"),
)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    definition: str
    unit: str
    aggregation: str
    framework_ref: str
    disaggregations: str
    is_headline: bool
    sort_order: int
    name_uk: str = ""
    name_pl: str = ""
    definition_uk: str = ""
    definition_pl: str = ""
    unit_uk: str = ""
    unit_pl: str = ""


#: Indicator and activity fields with a Ukrainian and a Polish version.
TRANSLATED_FIELDS = {"indicators": ("name", "definition", "unit"), "activities": ("name",)}
LANGUAGES = ("uk", "pl")

_PEOPLE = "sex,age_band,population_group,disability"
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "PPL_REACHED", "People reached with MHPSS services",
        "Number of individuals who received at least one MHPSS service (any IASC pyramid layer) for the "
        "first time in the reporting period, counted by the organisation that delivered the service.",
        "people", "unique_max",
        "Ukraine 2025 Protection cluster (ActivityInfo): # of individuals who received individual or "
        "group-based psychosocial support", _PEOPLE, True, 10,
        name_uk="Особи, охоплені послугами ПЗПСП",
        name_pl="Osoby objęte usługami MHPSS",
        definition_uk="Кількість осіб, які вперше у звітному періоді отримали щонайменше одну послугу ПЗПСП "
                      "(будь-якого рівня піраміди втручань МПК); їх враховує організація, яка надала послугу.",
        definition_pl="Liczba osób, które w okresie sprawozdawczym po raz pierwszy otrzymały co najmniej jedną "
                      "usługę MHPSS (na dowolnym poziomie piramidy interwencji IASC), liczonych przez "
                      "organizację, która udzieliła usługi.",
        unit_uk="осіб", unit_pl="osób",
    ),
    Indicator(
        "CHILDREN_REACHED", "Girls and boys reached with MHPSS services",
        "Number of children (0–17) who benefited from age-, gender- and disability-sensitive MHPSS services "
        "for the first time in the reporting period.",
        "children", "unique_max",
        "Ukraine 2025 Child Protection AoR (ActivityInfo): # of girls and boys benefiting from age, gender, "
        "disability sensitive MHPSS services", _PEOPLE, False, 20,
        name_uk="Дівчата та хлопці, охоплені послугами ПЗПСП",
        name_pl="Dziewczęta i chłopcy objęci usługami MHPSS",
        definition_uk="Кількість дітей (0–17 років), які вперше у звітному періоді отримали послуги ПЗПСП, "
                      "чутливі до віку, гендеру та інвалідності.",
        definition_pl="Liczba dzieci (0–17 lat), które w okresie sprawozdawczym po raz pierwszy skorzystały "
                      "z usług MHPSS uwzględniających wiek, płeć i niepełnosprawność.",
        unit_uk="дітей", unit_pl="dzieci",
    ),
    Indicator(
        "CAREGIVERS_PSS", "Parents and caregivers receiving psychosocial support",
        "Number of parents or caregivers who received psychosocial support for the first time in the period.",
        "people", "unique_max",
        "Ukraine 2025 Child Protection AoR (ActivityInfo): # of parents/caregivers who receive psychosocial "
        "support", "sex,population_group", False, 30,
        name_uk="Батьки та опікуни, які отримують психосоціальну підтримку",
        name_pl="Rodzice i opiekunowie otrzymujący wsparcie psychospołeczne",
        definition_uk="Кількість батьків або опікунів, які вперше в цьому періоді отримали психосоціальну "
                      "підтримку.",
        definition_pl="Liczba rodziców lub opiekunów, którzy po raz pierwszy w danym okresie otrzymali wsparcie "
                      "psychospołeczne.",
        unit_uk="осіб", unit_pl="osób",
    ),
    Indicator(
        "TRAININGS_HELD", "Trainings held",
        "Number of MHPSS trainings (courses, workshops, supervision sessions) completed in the period.",
        "trainings", "sum", "tWG Poland work plan: capacity building", "", True, 40,
        name_uk="Проведені навчання",
        name_pl="Przeprowadzone szkolenia",
        definition_uk="Кількість навчань з ПЗПСП (курсів, семінарів, сесій супервізії), завершених у цьому "
                      "періоді.",
        definition_pl="Liczba szkoleń z zakresu MHPSS (kursów, warsztatów, sesji superwizyjnych) zakończonych "
                      "w danym okresie.",
        unit_uk="навчань", unit_pl="szkoleń",
    ),
    Indicator(
        "SPECIALISTS_TRAINED", "Specialists trained in MHPSS",
        "Number of social, health, education and humanitarian workers who completed an MHPSS training "
        "in the period.",
        "people", "sum",
        "Ukraine 2025 Protection cluster (ActivityInfo): # of humanitarian / government staff trained on "
        "protection approaches or issues", "sex", True, 50,
        name_uk="Фахівці, які пройшли навчання з ПЗПСП",
        name_pl="Specjaliści przeszkoleni w zakresie MHPSS",
        definition_uk="Кількість працівників соціальної сфери, охорони здоров'я, освіти та гуманітарного "
                      "сектору, які завершили навчання з ПЗПСП у цьому періоді.",
        definition_pl="Liczba pracowników pomocy społecznej, ochrony zdrowia, edukacji i sektora "
                      "humanitarnego, którzy ukończyli szkolenie z zakresu MHPSS w danym okresie.",
        unit_uk="осіб", unit_pl="osób",
    ),
    Indicator(
        "HELPLINE_CONTACTS", "People reached through helplines",
        "Number of calls or chats answered by MHPSS helplines and hotlines in the period.",
        "contacts", "sum", "tWG Poland work plan: remote support", "sex,population_group", True, 60,
        name_uk="Особи, охоплені через лінії допомоги",
        name_pl="Osoby objęte wsparciem przez linie wsparcia",
        definition_uk="Кількість дзвінків або чатів, на які відповіли лінії допомоги та гарячі лінії ПЗПСП "
                      "у цьому періоді.",
        definition_pl="Liczba rozmów telefonicznych lub czatów obsłużonych przez linie wsparcia i infolinie "
                      "MHPSS w danym okresie.",
        unit_uk="звернень", unit_pl="kontaktów",
    ),
    Indicator(
        "COMMUNITIES_RC", "Communities with Resilience Centres or safe spaces",
        "Number of communities (hromadas or municipalities) with an operating Resilience Centre, "
        "child-friendly space or other MHPSS safe space at the end of the period.",
        "communities", "latest",
        "Ukraine 2025 Child Protection AoR (ActivityInfo): # of child-friendly spaces / Community "
        "Resilience Centres established", "", True, 70,
        name_uk="Громади з центрами життєстійкості або безпечними просторами",
        name_pl="Społeczności z centrami odporności lub bezpiecznymi przestrzeniami",
        definition_uk="Кількість громад (територіальних громад або муніципалітетів), у яких на кінець періоду "
                      "працює центр життєстійкості, дружній до дитини простір або інший безпечний простір ПЗПСП.",
        definition_pl="Liczba społeczności (hromad lub gmin), w których na koniec okresu działa centrum "
                      "odporności, przestrzeń przyjazna dziecku lub inna bezpieczna przestrzeń MHPSS.",
        unit_uk="громад", unit_pl="społeczności",
    ),
    Indicator(
        "REFERRALS", "Referrals made",
        "Number of referrals to specialised mental health, protection or other services made in the period.",
        "referrals", "sum", "tWG Poland referral pathways", "sex,population_group", False, 80,
        name_uk="Здійснені направлення",
        name_pl="Dokonane skierowania",
        definition_uk="Кількість направлень до спеціалізованих служб психічного здоров'я, служб захисту або "
                      "інших служб, здійснених у цьому періоді.",
        definition_pl="Liczba skierowań do specjalistycznych usług zdrowia psychicznego, usług ochrony lub "
                      "innych usług, dokonanych w danym okresie.",
        unit_uk="направлень", unit_pl="skierowań",
    ),
    Indicator(
        "ORGS_REPORTING", "Organisations reporting",
        "Number of distinct organisations that reported at least one figure for the period.",
        "organisations", "distinct_organisations", "tWG Poland 4W reporting", "", True, 90,
        name_uk="Організації, що звітують",
        name_pl="Organizacje raportujące",
        definition_uk="Кількість різних організацій, які подали щонайменше одне значення за цей період.",
        definition_pl="Liczba różnych organizacji, które zgłosiły co najmniej jedną wartość za dany okres.",
        unit_uk="організацій", unit_pl="organizacji",
    ),
    Indicator(
        "TWG_MEMBERS", "Organisations in the tWG",
        "Number of organisations that have joined the MHPSS Technical Working Group in Poland.",
        "organisations", "latest", "tWG Poland factsheet", "", False, 100,
        name_uk="Організації — учасниці ТРГ",
        name_pl="Organizacje członkowskie tGR",
        definition_uk="Кількість організацій, які приєдналися до Технічної робочої групи з ПЗПСП у Польщі.",
        definition_pl="Liczba organizacji, które przystąpiły do Technicznej Grupy Roboczej ds. MHPSS w Polsce.",
        unit_uk="організацій", unit_pl="organizacji",
    ),
    Indicator(
        "IDP_HOTLINE_DEMAND", "IDPs asking for a psychological support hotline",
        "Share of surveyed internally displaced people who asked for the number of a free psychological "
        "support hotline.",
        "% of surveyed", "latest", "IOM Ukraine needs survey", "", False, 110,
        name_uk="ВПО, які запитують номер гарячої лінії психологічної підтримки",
        name_pl="Osoby wewnętrznie przesiedlone pytające o infolinię wsparcia psychologicznego",
        definition_uk="Частка опитаних внутрішньо переміщених осіб, які попросили номер безкоштовної гарячої "
                      "лінії психологічної підтримки.",
        definition_pl="Odsetek ankietowanych osób wewnętrznie przesiedlonych, które poprosiły o numer "
                      "bezpłatnej infolinii wsparcia psychologicznego.",
        unit_uk="% опитаних", unit_pl="% ankietowanych",
    ),
)
