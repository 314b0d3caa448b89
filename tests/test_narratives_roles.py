"""Who does what to whom: roles of named participants from the dependency parse."""

from __future__ import annotations

import pytest

from wiretrace.narratives.roles import RoleAgreement, compare, participant_roles

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    from wiretrace.nlp.models import NlpConfig, load_spacy

    return load_spacy(NlpConfig().spacy_model)


def roles(nlp, text: str):  # type: ignore[no-untyped-def]
    return participant_roles(nlp(text))


def test_actor_and_acted_on_in_active_passive_and_by_phrases(nlp) -> None:  # type: ignore[no-untyped-def]
    assert roles(nlp, "Moscow accused Pashinyan of undermining the ties.") == {
        "moscow": {"agent"},
        "pashinyan": {"patient"},
    }
    passive = roles(nlp, "Pashinyan was accused by Moscow of undermining the ties.")
    assert passive == {"moscow": {"agent"}, "pashinyan": {"patient"}}
    # a name inside a title or a coordination takes the phrase's role
    titled = roles(nlp, "Lawmakers criticised Prime Minister Nikol Pashinyan and Yerevan.")
    assert titled["pashinyan"] == {"patient"} and titled["yerevan"] == {"patient"}


def test_reversed_roles_are_told_from_a_reworded_echo(nlp) -> None:  # type: ignore[no-untyped-def]
    statement = roles(nlp, "Moscow blames Pashinyan for the crisis.")
    reworded = compare(statement, roles(nlp, "Pashinyan was blamed by Moscow for the war."))
    assert reworded == RoleAgreement(agree=2, conflict=0) and not reworded.reversed
    flipped = compare(statement, roles(nlp, "Pashinyan blamed Moscow for the crisis."))
    assert flipped == RoleAgreement(agree=0, conflict=2) and flipped.reversed
    # a participant the echo does not name, or names outside a role, decides nothing
    assert compare(statement, roles(nlp, "Moscow's envoy left Yerevan.")) == RoleAgreement(0, 0)


def test_passival_infinitive_and_negation(nlp) -> None:  # type: ignore[no-untyped-def]
    # "X is to blame": X is the one blamed, as in "Moscow accused Pashinyan"
    blamed = roles(nlp, "Pashinyan is to blame for the crisis.")
    assert blamed == {"pashinyan": {"patient"}}
    assert not compare(blamed, roles(nlp, "Moscow accused Pashinyan.")).reversed
    assert compare(blamed, roles(nlp, "Pashinyan criticised the peacekeepers.")).reversed
    # "to blame" with an object of its own is an ordinary infinitive
    assert roles(nlp, "The plan is to blame Armenia.") == {"armenia": {"patient"}}
    # a negated predicate asserts no role
    assert roles(nlp, "Russia is not to blame.") == {}
    assert roles(nlp, "Russia did not attack Armenia.") == {}
