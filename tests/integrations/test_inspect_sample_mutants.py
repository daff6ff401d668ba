"""inspect samples, field by field (``make mutation``): target and metadata of one item each way.

The end-to-end inspect tests run a model; these pin the sample itself: a valid item's target is
"Yes", an invalid one's "No", and the metadata keys the breakdowns read are spelled as
documented.
"""

from __future__ import annotations

import pytest

pytest.importorskip("inspect_ai")

from corr2cause.dataset.readers import EvalItem
from corr2cause.integrations.inspect_task import item_to_sample
from corr2cause.integrations.paper_prompt import paper_prompt

PREMISE = (
    "Suppose there is a closed system of 2 variables, A and B. All the statistical relations "
    "among these 2 variables are as follows: A correlates with B."
)


@pytest.mark.parametrize(
    ("label", "target", "label3"), [(1, "Yes", "entailment"), (0, "No", "neutral")]
)
def test_sample_target_and_metadata(label: int, target: str, label3: str) -> None:
    item = EvalItem(
        id="x-1",
        premise=PREMISE,
        hypothesis="A directly causes B.",
        input="",
        label=label,
        num_variables=2,
        relation="parent",
        label3=label3,
        variant="original",
        template="parent",
    )
    sample = item_to_sample(item)
    assert (sample.id, sample.target) == ("x-1", target)
    assert sample.input == paper_prompt(PREMISE, "A directly causes B.")
    assert sample.metadata == {
        "label": label,
        "num_variables": 2,
        "relation": "parent",
        "label3": label3,
        "template": "parent",
        "variant": "original",
    }
