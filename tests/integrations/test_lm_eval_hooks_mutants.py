"""lm-eval hooks, per document: exact records for hand-made log-likelihoods and generations.

Kills mutants that the end-to-end lm-eval tests let through (``make mutation``,
docs/testing.md): a metric key renamed, the wrong tuple field read as the log-likelihood, an
empty generation list indexed.
"""

from __future__ import annotations

from corr2cause.integrations.lm_eval import hooks


def test_multiple_choice_reads_the_log_likelihood_not_the_greedy_flag() -> None:
    # " No" (choice 0) is likelier at -1.0 than " Yes" at -2.0, although only " Yes" is greedy
    record = hooks.process_results_mc({"label": 1}, [(-1.0, False), (-2.0, True)])
    assert record == {"f1": (1, 0), "precision": (1, 0), "recall": (1, 0), "acc": 0.0}
    record = hooks.process_results_mc({"label": 1}, [(-3.0, True), (-0.5, False)])
    assert record == {"f1": (1, 1), "precision": (1, 1), "recall": (1, 1), "acc": 1.0}


def test_a_tie_is_read_as_no() -> None:
    record = hooks.process_results_mc({"label": 0}, [(-1.0, True), (-1.0, True)])
    assert record == {"f1": (0, 0), "precision": (0, 0), "recall": (0, 0), "acc": 1.0}


def test_generation_records() -> None:
    assert hooks.process_results_gen({"label": 0}, ["Yes."]) == {
        "f1": (0, 1),
        "precision": (0, 1),
        "recall": (0, 1),
        "acc": 0.0,
        "unparseable": 0.0,
    }
    # no generation at all: unparseable, read as "No" (the paper's rule)
    assert hooks.process_results_gen({"label": 1}, []) == {
        "f1": (1, 0),
        "precision": (1, 0),
        "recall": (1, 0),
        "acc": 0.0,
        "unparseable": 1.0,
    }
