"""Tier cut-offs by rank from a mergeable histogram: ties, zeros, tiny and empty populations."""

import json
import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.histogram import ScoreHistogram
from chalicelib.domain.ranking import RANKED, Cutoffs, Ranking, rank, rank_of
from chalicelib.domain.tiers import TierRules

RULES = TierRules()


def ranked(scores):
    return rank(ScoreHistogram.of(scores), RULES)


def test_histogram_counts_each_score_once_in_canonical_order():
    histogram = ScoreHistogram.of(iter([3, 0, 3, 7, 0, 0]))
    assert histogram.bins == ((7, 1), (3, 2), (0, 3))
    assert histogram.fans == 6
    assert histogram.count(3) == 2
    assert histogram.count(5) == 0
    assert histogram.at_least(3) == 3


def test_merged_partials_equal_the_histogram_of_the_whole():
    whole = [0, 0, 1, 5, 5, 9, 12, 12, 12, 40, 0, 3]
    partials = [ScoreHistogram.of(whole[i::3]) for i in range(3)]
    assert ScoreHistogram.merge(partials) == ScoreHistogram.of(whole)
    assert partials[0] + partials[1] + partials[2] == ScoreHistogram.of(whole)
    assert ScoreHistogram.merge([]) == ScoreHistogram()


def test_histogram_survives_json_and_refuses_a_damaged_copy():
    histogram = ScoreHistogram.of([0, 0, 4, 4, 11])
    stored = json.loads(json.dumps(histogram.to_dict()))
    assert ScoreHistogram.from_dict(stored) == histogram
    with pytest.raises(ValueError):
        ScoreHistogram.from_dict({**stored, "fans": 6})
    with pytest.raises(ValueError):
        ScoreHistogram.from_dict({**stored, "counts": {"4": 0, "0": 5}})
    with pytest.raises(ValueError):
        ScoreHistogram.from_dict({**stored, "format": 2})


def test_histogram_refuses_negative_scores_and_unordered_bins():
    with pytest.raises(ValueError):
        ScoreHistogram.of([3, -1])
    with pytest.raises(ValueError):
        ScoreHistogram(((1, 1), (2, 1)))


def test_ties_at_every_cut_off_go_to_the_higher_tier():
    # 20 fans: head rank 1, active rank 5, potential rank 11.
    scores = [10] * 3 + [8] * 5 + [5] * 5 + [0] * 7
    ranking = ranked(scores)
    assert ranking.entry == Cutoffs(head=10, active=8, potential=5)
    assert ranking.by_rank == {"head": 3, "active": 5, "potential": 5, "silent": 7}


def test_a_fan_exactly_at_a_cut_off_is_in_that_tier_and_one_point_less_is_not():
    ranking = ranked(range(1, 101))  # 100 distinct scores: rank k has score 101 - k
    assert ranking.entry == Cutoffs(head=96, active=76, potential=46)
    assert ranking.entry.tier_of(96) == "head"
    assert ranking.entry.tier_of(95) == "active"
    assert ranking.entry.tier_of(46) == "potential"
    assert ranking.entry.tier_of(45) == "silent"
    assert ranking.by_rank == {"head": 5, "active": 20, "potential": 30, "silent": 45}


def test_shares_are_taken_as_written_not_as_their_binary_float():
    assert 0.55 * 100 > 55  # the float product would put rank 56 at the potential cut-off
    assert rank_of(0.55, 100) == 55
    assert rank_of(0.07, 100) == 7  # 0.07 * 100 is 7.000000000000001 in floats


def test_all_zero_scores_leave_everyone_silent():
    ranking = ranked([0] * 50)
    assert ranking.entry == Cutoffs(1, 1, 1)
    assert ranking.by_rank == {"head": 0, "active": 0, "potential": 0, "silent": 50}


def test_no_fans():
    ranking = rank(ScoreHistogram(), RULES)
    assert ranking.fans == 0
    assert ranking.entry == ranking.exit == Cutoffs(1, 1, 1)
    assert sum(ranking.by_rank.values()) == 0


def test_fewer_than_twenty_fans_still_have_a_head_fan():
    ranking = ranked([4, 2, 0])  # head rank 1, active rank 1, potential rank ceil(1.65) = 2
    assert ranking.entry == Cutoffs(head=4, active=4, potential=2)
    assert ranking.by_rank == {"head": 1, "active": 0, "potential": 1, "silent": 1}


def test_when_most_fans_score_zero_every_fan_with_points_ranks_and_silent_grows():
    ranking = ranked([9, 3, 1] + [0] * 97)  # head needs 5 fans; only 3 have points
    assert ranking.entry == Cutoffs(1, 1, 1)
    assert ranking.by_rank == {"head": 3, "active": 0, "potential": 0, "silent": 97}


def test_exit_band_is_wider():
    ranking = ranked(range(1, 101))
    assert ranking.exit == Cutoffs(head=93, active=71, potential=41)


def test_ranking_survives_json():
    ranking = ranked([0, 3, 3, 8, 20, 1])
    assert Ranking.from_dict(json.loads(json.dumps(ranking.to_dict()))) == ranking


@pytest.mark.parametrize(
    "changes",
    [
        {"entry_shares": (0.0, 0.25, 0.55)},
        {"entry_shares": (0.3, 0.25, 0.55)},
        {"exit_shares": (0.04, 0.30, 0.60)},
        {"exit_shares": (0.075, 0.30, 1.2)},
        {"warning_days": 0},
        {"warning_days": 28},
    ],
)
def test_rules_refuse_inconsistent_shares_and_warning_days(changes):
    with pytest.raises(ValueError):
        TierRules(**changes)


populations = st.lists(st.integers(min_value=0, max_value=40), max_size=300)


@given(populations)
def test_cut_offs_match_a_sorted_list_and_shares_stay_within_the_ties(scores):
    histogram = ScoreHistogram.of(scores)
    ranking = rank(histogram, RULES)
    ordered = sorted(scores, reverse=True)
    positive = sum(1 for s in scores if s > 0)
    cumulative = {}
    for tier, share, cut in zip(RANKED, RULES.entry_shares, ranking.entry.ranked, strict=True):
        k = max(1, math.ceil(Fraction(str(share)) * len(scores)))
        at_rank = ordered[k - 1] if k <= len(ordered) else 0
        assert cut == max(1, at_rank)
        fans = sum(1 for s in scores if s >= cut)
        cumulative[tier] = fans
        if positive >= k:
            assert k <= fans <= k - 1 + histogram.count(cut)
        else:
            assert fans == positive
    assert ranking.entry.head >= ranking.entry.active >= ranking.entry.potential >= 1
    assert all(out <= into for into, out in zip(ranking.entry.ranked, ranking.exit.ranked, strict=True))
    assert ranking.by_rank["head"] == cumulative["head"]
    assert ranking.by_rank["active"] == cumulative["active"] - cumulative["head"]
    assert ranking.by_rank["potential"] == cumulative["potential"] - cumulative["active"]
    assert ranking.by_rank["silent"] == len(scores) - cumulative["potential"] >= scores.count(0)


@given(populations, st.integers(min_value=1, max_value=6))
def test_any_split_into_partials_merges_to_the_whole(scores, workers):
    partials = [ScoreHistogram.of(scores[i::workers]) for i in range(workers)]
    merged = ScoreHistogram.merge(ScoreHistogram.from_dict(p.to_dict()) for p in partials)
    assert merged == ScoreHistogram.of(scores)
    assert rank(merged, RULES) == rank(ScoreHistogram.of(scores), RULES)
