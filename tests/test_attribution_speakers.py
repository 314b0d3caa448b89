"""Cross-article speaker identity: conservative joins, each with its reason; user edits."""

from __future__ import annotations

from typing import Any

from wiretrace.attribution.speakers import Canon, canonical_speakers
from wiretrace.models import Quote, Span, SpeakerEdit


def by_quote(canon: Canon, quotes: list[Quote]) -> dict[str, str | None]:
    """Quote id -> canonical speaker name, as the statements stage asks it per quote."""
    return {q.id: canon.speaker_of(q) for q in quotes}


def entity(name: str, label: str = "PERSON", n: int = 1, **extra: Any) -> dict[str, Any]:
    return {"name": name, "labels": {label: n}, "forms": [name], "roles": [], **extra}


def quote(article: str, speaker: str, n: int = 0) -> Quote:
    return Quote(
        id=f"{article}-{speaker}-{n}",
        article=article,
        span=Span(n, n + 5),
        text="words",
        kind="direct",
        speaker=speaker,
    )


RECORDS: dict[str, dict[str, Any]] = {
    "a1": {
        "entities": [
            entity("Hillary Clinton", roles=["Democratic presidential nominee"], genders={"f": 4}),
            entity("Donald Trump", roles=["Republican nominee"]),
        ]
    },
    "a2": {"entities": [entity("Donald J. Trump"), entity("Ivanka Trump")]},
    "a3": {"entities": [entity("Bill Clinton", genders={"m": 3}), entity("Hillary Clinton")]},
    # the title speaks where its holder is named: it is Clinton
    "a4": {"entities": [entity("Hillary Clinton")]},
    # the same title where Clinton is not named: left as written
    "a5": {"entities": [entity("Trump", "ORG", 3)]},
    "a6": {"entities": [entity("Clinton", forms=["Clinton", "Mrs. Clinton"])]},
}
QUOTES = [
    quote("a1", "Hillary Clinton"),
    quote("a1", "Donald Trump"),
    quote("a2", "Donald J. Trump"),
    quote("a2", "Ivanka Trump"),
    quote("a3", "Bill Clinton"),
    quote("a4", "Democratic presidential nominee"),
    quote("a5", "Democratic presidential nominee"),
    quote("a5", "Trump"),
    quote("a6", "Mrs. Clinton"),
]


def test_titles_join_only_with_in_text_evidence_and_never_name_anyone() -> None:
    canon = canonical_speakers(RECORDS, QUOTES)
    by = by_quote(canon, QUOTES)
    assert by["a4-Democratic presidential nominee-0"] == "Hillary Clinton"
    assert by["a5-Democratic presidential nominee-0"] == "Democratic presidential nominee"
    names = {s.name for s in canon.speakers}
    assert "Hillary Clinton" in names and "Bill Clinton" in names
    reasons = dict(canon.evidence["Hillary Clinton"])
    assert "named in the same article" in reasons["Democratic presidential nominee"]


def test_distinct_people_never_merge_and_full_names_do() -> None:
    canon = canonical_speakers(RECORDS, QUOTES)
    by = by_quote(canon, QUOTES)
    assert by["a1-Donald Trump-0"] == by["a2-Donald J. Trump-0"]
    assert by["a2-Ivanka Trump-0"] == "Ivanka Trump"
    assert by["a3-Bill Clinton-0"] == "Bill Clinton"
    # "Trump" could be Donald or Ivanka: it stays as written
    assert by["a5-Trump-0"] == "Trump"
    # "Mrs. Clinton" is a woman: not Bill; the one Clinton left is Hillary
    assert by["a6-Mrs. Clinton-0"] == "Hillary Clinton"


def test_a_person_is_never_an_organisation_because_of_a_title_or_a_tag() -> None:
    records = {
        **RECORDS,
        "a7": {"entities": [entity("Donald J. Trump", "ORG", 5)]},
    }
    quotes = [*QUOTES, quote("a7", "Donald J. Trump")]
    canon = canonical_speakers(records, quotes)
    kinds = {s.name: s.kind for s in canon.speakers}
    trump = by_quote(canon, quotes)["a1-Donald Trump-0"]
    assert trump is not None and kinds[trump] == "person"
    assert kinds["Hillary Clinton"] == "person"
    assert "Democratic presidential nominee" not in kinds or (
        kinds["Democratic presidential nominee"] != "org"
    )


def test_user_edits_merge_split_rename() -> None:
    edits = [
        SpeakerEdit("merge", "Trump", "Donald Trump"),
        SpeakerEdit("split", "Donald J. Trump"),
        SpeakerEdit("rename", "Bill Clinton", "William J. Clinton"),
    ]
    canon = canonical_speakers(RECORDS, QUOTES, edits)
    by = by_quote(canon, QUOTES)
    assert by["a5-Trump-0"] == by["a1-Donald Trump-0"]
    assert by["a2-Donald J. Trump-0"] == "Donald J. Trump" != by["a1-Donald Trump-0"]
    assert by["a3-Bill Clinton-0"] == "William J. Clinton"
    reasons = dict(canon.evidence["William J. Clinton"])
    assert "renamed by a user" in reasons["Bill Clinton"]
    assert any("merged by a user" in why for _, why in canon.evidence[by["a1-Donald Trump-0"]])
