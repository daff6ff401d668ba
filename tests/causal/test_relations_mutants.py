"""Relation look-ups: the messages a user sees for an unknown relation (``make mutation``).

The expected list is written out from SPEC section 2, not joined from ``RELATIONS``.
"""

from __future__ import annotations

import re

import pytest

from corr2cause.causal.relations import textbook_relation_holds

EXPECTED = (
    "unknown relation 'cause'; expected one of parent, non-parent ancestor, child, "
    "non-child descendant, has_collider, has_confounder"
)


def test_textbook_reading_names_the_known_relations() -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(EXPECTED)}$"):
        textbook_relation_holds((0, 0b001, 0b010), "cause", 0, 2)
