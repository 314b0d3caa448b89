"""Generated news articles on everyday topics, for tests and benchmarks of story clustering.

The articles are built from sentence templates filled with random fictional names, places
and numbers, so a corpus of any size can be made offline and shipped with no third-party
text. Articles of one topic resemble each other; topics do not resemble one another.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from wiretrace.models import RawDocument
from wiretrace.stories.cluster import ArticleFeatures

_FIRST = [
    "Ada",
    "Bram",
    "Celia",
    "Dario",
    "Elin",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kaia",
    "Lukas",
    "Mira",
    "Nils",
    "Oona",
    "Pavel",
    "Rhea",
    "Sven",
    "Tilda",
    "Umar",
]
_LAST = [
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Brandt",
    "Castell",
    "Dunmore",
    "Eriksen",
    "Faulk",
    "Garrow",
    "Hale",
    "Iversen",
    "Jarnel",
    "Kessler",
    "Lomax",
    "Marsh",
    "Norcott",
]
_TOWNS = [
    "Pellham",
    "Ostrava Mill",
    "Quenby",
    "Rowan Cross",
    "Saltmere",
    "Tarrow",
    "Ulverby",
    "Vale Norton",
    "Whitcombe",
    "Yarrowby",
    "Ashgrove",
    "Birchholt",
    "Colbeck",
    "Dunmere",
]
_TEAMS = ["Rovers", "United", "Athletic", "Wanderers", "City", "Harriers", "Rangers"]
_FIRMS = [
    "Brightloom",
    "Cobaltix",
    "Dunnock Foods",
    "Ember Logistics",
    "Fernway Retail",
    "Glimmer Labs",
    "Halcyon Tools",
    "Ironbark Mills",
]

_TOPICS: dict[str, tuple[list[str], list[str]]] = {
    "football": (
        [
            "{town} {team} beat {town2} {team2} {g1}-{g2} in a tense league match",
            "{town} {team} end winless run against {town2} {team2}",
        ],
        [
            "{person} scored twice in the second half as {town} {team} came from behind.",
            "The home crowd of {n} fans cheered as the final whistle blew.",
            "Coach {person2} praised the defence after the match and said the squad had grown.",
            "{town2} {team2} had taken the lead early through a header from a corner.",
            "The result lifts {town} {team} to {rank}th place in the table.",
            "Next weekend {town} {team} travel away to face {town3} {team}.",
            "The goalkeeper made {g1} saves, including a penalty stop just before half time.",
            "Supporters had complained about ticket prices before kick-off.",
        ],
    ),
    "earnings": (
        [
            "{firm} reports {pct} percent rise in quarterly profit",
            "Shares in {firm} climb after strong sales quarter",
        ],
        [
            "{firm} said revenue reached {n} million for the quarter, ahead of analyst forecasts.",
            "Chief executive {person} credited demand for the company's new product line.",
            "The retailer expects margins to stay under pressure from shipping costs.",
            "Shares rose {pct} percent in early trading on the exchange.",
            "Analysts at a local brokerage raised their price target for the stock.",
            "The company plans to open {g1} new stores next year and hire {n} staff.",
            "{person2}, the finance director, said the dividend would be raised.",
            "Investors welcomed the news after two weak quarters.",
        ],
    ),
    "gardening": (
        [
            "{town} allotment show crowns giant marrow champion",
            "Record entries at the {town} flower and vegetable show",
        ],
        [
            "{person} won first prize with a marrow weighing {g1} kilograms.",
            "More than {n} visitors toured the marquees over the weekend.",
            "The judges said the dahlias this year were the best in a decade.",
            "Children entered painted pebbles and miniature gardens in a special class.",
            "Organiser {person2} thanked volunteers who set up the tents.",
            "A late frost in spring had threatened many of the tomato entries.",
            "Proceeds from the cake stall will go to the village hall roof fund.",
            "The show has been held every summer since the allotments opened.",
        ],
    ),
    "technology": (
        [
            "{firm} unveils a lighter laptop with longer battery life",
            "{firm} launches new phone with folding screen",
        ],
        [
            "The device weighs {g1} hundred grams and goes on sale next month.",
            "{firm} says the battery lasts up to {g2} hours of video playback.",
            "Product lead {person} demonstrated the new keyboard at a launch event.",
            "Reviewers praised the display but questioned the price of {n} euros.",
            "The company will release a software update with new camera features.",
            "Rival makers are expected to answer with their own models this autumn.",
            "{person2}, an industry analyst, said the market for premium devices is crowded.",
            "Pre-orders opened on the company's website on launch day.",
        ],
    ),
    "school": (
        ["{town} school opens new science block", "Pupils in {town} move into rebuilt classrooms"],
        [
            "Headteacher {person} said the laboratories would transform chemistry lessons.",
            "The building cost {n} thousand and was paid for by the county.",
            "Pupils planted a tree outside the entrance on the first morning.",
            "The old huts used for lessons for {g1} decades will be removed in summer.",
            "Parents toured the classrooms at an open evening.",
            "{person2}, chair of governors, thanked the builders for finishing on time.",
            "The school now has places for {n} pupils.",
            "A rooftop garden will be used for biology classes.",
        ],
    ),
    "cooking": (
        [
            "{town} bakery wins national sourdough award",
            "Family bakery in {town} named best in the region",
        ],
        [
            "Baker {person} starts work at four every morning to feed the starter.",
            "The winning loaf uses a blend of rye and spelt flours.",
            "Queues formed outside the shop the morning after the announcement.",
            "The bakery sells around {n} loaves on a busy Saturday.",
            "{person2}, who judged the contest, praised the crust and the open crumb.",
            "The family opened the shop {g1} years ago in a former post office.",
            "Customers can now join weekend classes on bread making.",
            "The prize comes with a trophy and a week of training in a city kitchen.",
        ],
    ),
    "astronomy": (
        [
            "Amateur astronomers in {town} spot bright comet",
            "Stargazers gather in {town} for meteor shower",
        ],
        [
            "{person} photographed the comet from a field outside the town.",
            "The astronomy club counted {n} meteors in a single hour.",
            "Clear skies and a new moon made for ideal viewing conditions.",
            "Club secretary {person2} lent telescopes to families who came along.",
            "The comet should remain visible with binoculars for {g1} more weeks.",
            "Local councillors have been asked to dim street lights on viewing nights.",
            "Children learned to find the pole star and the plough.",
            "The club meets on the first Friday of every month.",
        ],
    ),
    "transport": (
        [
            "New cycle lane opens between {town} and {town2}",
            "{town} unveils bus timetable with later evening services",
        ],
        [
            "The route runs for {g1} kilometres along the old railway line.",
            "{person}, the council's transport lead, cut the ribbon on Monday.",
            "Cyclists said the smooth surface was a big improvement.",
            "The project cost {n} thousand and took two years to complete.",
            "Buses will now run every {g2} minutes on weekday evenings.",
            "{person2} from the cycling club hopes more children will ride to school.",
            "Benches and lighting have been added at three points along the path.",
            "A survey will count users over the first year.",
        ],
    ),
}


@dataclass(frozen=True)
class GeneratedArticle:
    id: str
    topic: str
    title: str
    text: str
    outlet: str
    published: str

    def document(self) -> RawDocument:
        """The article as a document to add to a store (its title the first line)."""
        return RawDocument(
            self.id,
            self.title + "\n\n" + self.text,
            "text",
            title=self.title,
            outlet=self.outlet,
            published=self.published,
        )


def generate(
    n: int,
    seed: int = 0,
    start: date = date(2024, 1, 1),
    days: int = 365,
    sentences: tuple[int, int] = (6, 8),
) -> list[GeneratedArticle]:
    """``n`` articles over ``days`` days from ``start``, topics drawn at random."""
    rng = random.Random(seed)
    topics = sorted(_TOPICS)
    out = []
    for i in range(n):
        topic = rng.choice(topics)
        titles, body = _TOPICS[topic]

        def fill(t: str) -> str:
            return t.format(
                person=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                person2=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                town=rng.choice(_TOWNS),
                town2=rng.choice(_TOWNS),
                town3=rng.choice(_TOWNS),
                team=rng.choice(_TEAMS),
                team2=rng.choice(_TEAMS),
                firm=rng.choice(_FIRMS),
                g1=rng.randint(2, 9),
                g2=rng.randint(1, 30),
                n=rng.randint(100, 9000),
                pct=rng.randint(2, 40),
                rank=rng.randint(2, 19),
            )

        k = rng.randint(*sentences)
        text = "\n\n".join(fill(s) for s in rng.sample(body, min(k, len(body))))
        out.append(
            GeneratedArticle(
                id=f"gen-{seed}-{i:06d}",
                topic=topic,
                title=fill(rng.choice(titles)),
                text=text,
                outlet=f"{rng.choice(_TOWNS)} {rng.choice(['Gazette', 'Echo', 'Chronicle'])}",
                published=(start + timedelta(days=rng.randrange(days))).isoformat(),
            )
        )
    return out


def features(n: int, dim: int = 384, per_day: int = 300, seed: int = 0) -> list[ArticleFeatures]:
    """``n`` generated article features (no text): topics of ~20 articles, each a direction
    in a ``dim``-wide space, a few entities and a run of 1-7 days; the topics start on any
    day of ``n / per_day`` days, so every day has articles (one time block)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    topics = max(1, n // 20)
    centres = rng.standard_normal((topics, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    start = rng.integers(0, max(1, n // per_day), topics)
    length = rng.integers(1, 8, topics)
    topic = rng.integers(0, topics, n)
    out = []
    for k in range(n):
        t = int(topic[k])
        vec = centres[t] + 0.04 * rng.standard_normal(dim).astype(np.float32)
        vec /= np.linalg.norm(vec)
        names = rng.choice(5, 3, replace=False)
        day = 738000 + int(start[t]) + int(rng.integers(0, length[t]))
        out.append(ArticleFeatures(f"a{k:07d}", vec, tuple(f"t{t}e{e}" for e in names), day))
    return out
