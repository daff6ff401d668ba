"""corr2cause: the reference toolkit for the Corr2Cause benchmark.

The package is layered so that data flows one way::

    graphs -> causal -> dataset -> solver -> evaluation -> training -> integrations -> cli

Lower layers never import higher ones (``errors`` and ``atomic`` sit below them all; the test
tooling in ``corr2cause.testing`` is imported only by the CLI and the tests).
``tests/test_layers.py`` enforces the order and the absence of import cycles;
``docs/architecture.md`` says what each package owns.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
