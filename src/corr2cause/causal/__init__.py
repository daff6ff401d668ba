"""The exact causal core: d-separation, Markov equivalence, relations, classes and labels."""

from corr2cause.causal.d_separation import (
    Statement,
    d_separation_statements,
    is_d_separated,
    marginally_dependent_pairs,
    minimal_separating_statements,
)
from corr2cause.causal.markov_equivalence import (
    Pdag,
    cpdag,
    markov_equivalent,
    mec_members,
    meek_closure,
    pattern,
    skeleton,
    v_structures,
)
from corr2cause.causal.mec_classes import (
    LABEL3_NAMES,
    MecClass,
    label3_codes,
    mec_classes,
    relation_counts,
)
from corr2cause.causal.relations import RELATIONS, RelationEvaluator, relation_holds

__all__ = [
    "LABEL3_NAMES",
    "RELATIONS",
    "MecClass",
    "Pdag",
    "RelationEvaluator",
    "Statement",
    "cpdag",
    "d_separation_statements",
    "is_d_separated",
    "label3_codes",
    "marginally_dependent_pairs",
    "markov_equivalent",
    "mec_classes",
    "mec_members",
    "meek_closure",
    "minimal_separating_statements",
    "pattern",
    "relation_counts",
    "relation_holds",
    "skeleton",
    "v_structures",
]
