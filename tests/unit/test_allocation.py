"""Sharing the envelope: ranking, the remainder, the waiting list, the proportional mode, and the
properties that must hold whatever the dossiers (hypothesis)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplugin.rules import Candidate, allocate_envelope

D = Decimal


def with_envelope(reglement, envelope, **changes):  # type: ignore[no-untyped-def]
    return dataclasses.replace(reglement, envelope=D(envelope), **changes)


def test_dossiers_are_funded_in_order_of_score_and_the_last_gets_the_remainder(reglement):
    r = with_envelope(reglement, "25000")
    result = allocate_envelope(
        [
            Candidate(1, True, D("50"), D("10000")),
            Candidate(2, True, D("80"), D("12000")),
            Candidate(3, True, D("70"), D("8000")),
            Candidate(4, True, D("60"), D("3000")),
        ],
        r,
    )
    assert [(g.number, g.rank, g.allocated, g.status) for g in result.grants] == [
        (2, 1, D("12000"), "finance"),
        (3, 2, D("8000"), "finance"),
        (4, 3, D("3000"), "finance"),
        (1, 4, D("2000"), "partiel"),
    ]
    assert result.total == D("25000") and result.left == 0


def test_after_the_partial_grant_the_others_wait(reglement):
    r = with_envelope(reglement, "15000")
    result = allocate_envelope(
        [
            Candidate(1, True, D("90"), D("10000")),
            Candidate(2, True, D("80"), D("8000")),
            Candidate(3, True, D("70"), D("1000")),
        ],
        r,
    )
    assert [g.status for g in result.grants] == ["finance", "partiel", "attente"]


def test_skip_mode_funds_the_next_dossier_that_fits(reglement):
    r = with_envelope(reglement, "15000", remainder="suivant")
    result = allocate_envelope(
        [
            Candidate(1, True, D("90"), D("10000")),
            Candidate(2, True, D("80"), D("8000")),
            Candidate(3, True, D("70"), D("1000")),
        ],
        r,
    )
    assert [(g.number, g.status, g.allocated) for g in result.grants] == [
        (1, "finance", D("10000")),
        (2, "attente", D("0")),
        (3, "finance", D("1000")),
    ]


def test_proportional_mode_shares_the_envelope_by_the_same_ratio(reglement):
    r = with_envelope(reglement, "10000", allocation_mode="proportionnel")
    result = allocate_envelope([Candidate(1, True, D("90"), D("10000")), Candidate(2, True, D("50"), D("5000"))], r)
    assert [g.allocated for g in result.grants] == [D("6666"), D("3333")]
    assert all(g.status == "partiel" for g in result.grants)
    assert result.total <= r.envelope


def test_ties_are_broken_by_population_then_submission_then_number(reglement):
    early = datetime.fromisoformat("2021-09-01T10:00:00+02:00")
    late = datetime.fromisoformat("2021-09-02T10:00:00+02:00")
    result = allocate_envelope(
        [
            Candidate(4, True, D("60"), D("1"), 500, late),
            Candidate(3, True, D("60"), D("1"), 500, early),
            Candidate(2, True, D("60"), D("1"), 100, late),
            Candidate(1, True, D("60"), D("1"), 500, early),
        ],
        reglement,
    )
    assert [g.number for g in result.grants] == [2, 1, 3, 4]


def test_ineligible_and_unassessed_dossiers_are_not_ranked(reglement):
    result = allocate_envelope(
        [Candidate(1, False, D("90"), D("0")), Candidate(2, True, None, D("5000")), Candidate(3, True, D("50"), None)],
        reglement,
    )
    assert [(g.number, g.rank, g.status) for g in result.grants] == [
        (2, None, "non_classe"),  # not « attente »: the waiting list is of ranked dossiers
        (3, None, "non_classe"),
        (1, None, "ineligible"),
    ]
    assert result.total == 0


def test_the_same_dossier_twice_is_refused(reglement):
    with pytest.raises(ValueError, match="en double"):
        allocate_envelope([Candidate(1, True, D("1"), D("1")), Candidate(1, True, D("2"), D("1"))], reglement)


# Properties.

money = st.decimals(min_value=0, max_value=200000, places=0)
scores = st.decimals(min_value=0, max_value=100, places=2)
candidates = st.lists(
    st.builds(
        Candidate,
        number=st.integers(1, 10**6),
        eligible=st.booleans(),
        score=st.one_of(st.none(), scores),
        amount=st.one_of(st.none(), money),
        population=st.one_of(st.none(), st.integers(0, 150000)),
    ),
    max_size=40,
    unique_by=lambda c: c.number,
)
settings_ = st.fixed_dictionaries(
    {
        "envelope": st.decimals(min_value=0, max_value=500000, places=2),
        "allocation_mode": st.sampled_from(["ordre", "proportionnel"]),
        "remainder": st.sampled_from(["partiel", "suivant"]),
    }
)


@settings(max_examples=300, deadline=None)
@given(candidates, settings_)
def test_the_sum_allocated_never_exceeds_the_envelope(reglement, pool, options):
    r = dataclasses.replace(reglement, **options)
    result = allocate_envelope(pool, r)
    assert result.total <= r.envelope
    assert result.left >= 0
    for grant in result.grants:
        assert grant.allocated >= 0
        assert grant.allocated <= (grant.amount or 0)


@settings(max_examples=200, deadline=None)
@given(candidates, settings_, st.randoms())
def test_the_result_does_not_depend_on_the_order_of_the_input(reglement, pool, options, rnd):
    r = dataclasses.replace(reglement, **options)
    shuffled = list(pool)
    rnd.shuffle(shuffled)
    assert allocate_envelope(pool, r) == allocate_envelope(shuffled, r)


@settings(max_examples=300, deadline=None)
@given(candidates, settings_, st.data())
def test_a_better_score_never_gets_less(reglement, pool, options, data):
    ranked = [c for c in pool if c.rankable]
    if not ranked:
        return
    r = dataclasses.replace(reglement, **options)
    chosen = data.draw(st.sampled_from(ranked))
    better = data.draw(st.decimals(min_value=chosen.score, max_value=100, places=2))
    improved = [dataclasses.replace(c, score=better) if c.number == chosen.number else c for c in pool]
    before = allocate_envelope(pool, r).grant(chosen.number).allocated
    after = allocate_envelope(improved, r).grant(chosen.number).allocated
    assert after >= before
