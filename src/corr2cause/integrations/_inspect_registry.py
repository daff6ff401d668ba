"""Entry point of the ``inspect_ai`` plugin registry.

inspect-ai imports this module when it loads the entry points of the ``inspect_ai`` group,
so that the task is found by name: ``inspect eval corr2cause/corr2cause``. The package
declares it in ``pyproject.toml``::

    [project.entry-points.inspect_ai]
    corr2cause = "corr2cause.integrations._inspect_registry"
"""

from corr2cause.integrations.inspect_task import (
    corr2cause,
    corr2cause_scorer,
    valid_f1,
    valid_precision,
    valid_recall,
)

__all__ = ["corr2cause", "corr2cause_scorer", "valid_f1", "valid_precision", "valid_recall"]
