"""The exact Corr2Cause solver: read an item as text, rebuild its causal class, decide, explain.

A Corr2Cause premise lists every correlation and conditional independence of N variables; under
causal sufficiency, Markov and faithfulness these are the d-separation statements of an unknown
DAG, and they pin the DAG down to its Markov equivalence class (MEC). A hypothesis names one
causal relation between two variables; it is *valid* iff the relation holds in every DAG of the
class (SPEC sections 1-2). This package decides every item exactly, in four steps:

1. :mod:`~corr2cause.solver.parse` reads premise and hypothesis sentences in every wording the
   benchmark uses, with any variable names;
2. :mod:`~corr2cause.solver.reconstruct` rebuilds the class from the stated independencies
   (skeleton, separating sets, v-structures, Meek rules, member DAGs) and verifies that the
   statements are *exactly* those of the class, reporting inconsistent premises;
3. :mod:`~corr2cause.solver.solution` counts the member DAGs in which the relation holds, with a
   cache per premise, and :mod:`~corr2cause.solver.explain` explains the answer with the CPDAG
   and witness DAGs;
4. :mod:`~corr2cause.solver.audit` compares a file's gold labels with the exact ones
   (:mod:`~corr2cause.solver.records` reads and writes the files).

Examples
--------
>>> from corr2cause.solver import Solver
>>> sol = Solver().solve_input(
...     "Premise: Suppose there is a closed system of 2 variables, A and B. All the statistical "
...     "relations among these 2 variables are as follows: A correlates with B.\\n"
...     "Hypothesis: A directly causes B."
... )
>>> sol.label, sol.label3, sol.fraction
(0, 'neutral', 0.5)
"""

from corr2cause.solver.audit import (
    AuditReport,
    Disagreement,
    audit_file,
    audit_records,
    write_errata,
)
from corr2cause.solver.errors import InconsistentPremiseError, ParseError, SolverError
from corr2cause.solver.parse import (
    ParsedHypothesis,
    ParsedPremise,
    parse_hypothesis,
    parse_premise,
    split_input,
)
from corr2cause.solver.reconstruct import Reconstruction, RelationTable, reconstruct
from corr2cause.solver.records import Record, RecordError, prediction, read_records
from corr2cause.solver.solution import Solution, Solver

__all__ = [
    "AuditReport",
    "Disagreement",
    "InconsistentPremiseError",
    "ParseError",
    "ParsedHypothesis",
    "ParsedPremise",
    "Reconstruction",
    "Record",
    "RecordError",
    "RelationTable",
    "Solution",
    "Solver",
    "SolverError",
    "audit_file",
    "audit_records",
    "parse_hypothesis",
    "parse_premise",
    "prediction",
    "read_records",
    "reconstruct",
    "split_input",
    "write_errata",
]
