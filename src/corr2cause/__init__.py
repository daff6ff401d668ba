"""corr2cause: the reference toolkit for the Corr2Cause benchmark.

The package is layered so that data flows one way::

    graphs -> causal -> dataset -> solver -> evaluation -> training -> cli

Lower layers never import higher ones.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
