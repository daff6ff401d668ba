"""The error for a premise no DAG orients (``make mutation``): its exact message and sentence.

The chordless 4-cycle A - B - C - D - A, with each non-adjacent pair separated by both of its
common neighbours, states no collider at all; a cycle of four without chords cannot be oriented
acyclically without one, so no DAG has exactly these independencies. The message names the
skeleton (undirected, edges in name order), and the first independence that rules a collider
out (A and C are separated by a set containing B, so A -> B <- C is excluded).
"""

from __future__ import annotations

import re

import pytest

from corr2cause.solver import InconsistentPremiseError
from corr2cause.solver.parse import parse_premise
from corr2cause.solver.reconstruct import reconstruct

CYCLE = (
    "Suppose there is a closed system of 4 variables, A, B, C and D. All the statistical "
    "relations among these 4 variables are as follows: A correlates with B. A correlates with "
    "C. A correlates with D. B correlates with C. B correlates with D. C correlates with D. "
    "However, A and C are independent given B and D. B and D are independent given A and C."
)


def test_chordless_cycle_without_colliders() -> None:
    sentence = "However, A and C are independent given B and D."
    expected = (
        "no DAG satisfies the premise: its independencies allow no collider at all, but the "
        "skeleton they determine (A - B, A - D, B - C, C - D) has a cycle without chords, "
        f"which no DAG orients without a collider; e.g. '{sentence}' rules out A -> B <- C"
    )
    with pytest.raises(InconsistentPremiseError, match=f"^{re.escape(expected)}$") as info:
        reconstruct(parse_premise(CYCLE))
    assert info.value.sentence == sentence
