"""Test tooling for users and for this project's own tests: a stub OpenAI-compatible server.

* :class:`~corr2cause.testing.stub_server.StubOpenAIServer` - a local server with fault
  injection (error statuses, ``Retry-After``, malformed bodies, trickled bodies, hangs after
  the headers, connection resets, rejected parameters);
* :mod:`corr2cause.testing.styles` - scripted answers in the styles of model families (think
  blocks, ``\\boxed{}``, ``reasoning_content``, JSON, o-series, gpt-oss), with the verdict
  taken from the exact solver or fixed;
* ``corr2cause serve`` - the same from the command line, for dry runs of inspect, lm-eval or
  a user's own pipeline without a model.

Nothing in the library depends on this package; it sits above :mod:`corr2cause.evaluation`.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "STYLES",
    "StubOpenAIServer",
    "StubReply",
    "StubRequest",
    "scripted_server",
    "solver_verdict",
    "styled_answer",
]

_HOME = {
    "STYLES": "styles",
    "StubOpenAIServer": "stub_server",
    "StubReply": "stub_server",
    "StubRequest": "stub_server",
    "scripted_server": "styles",
    "solver_verdict": "styles",
    "styled_answer": "styles",
}


def __getattr__(name: str) -> Any:
    # lazy, so that ``python -m corr2cause.testing.stub_server`` does not import itself twice
    if name not in _HOME:
        raise AttributeError(f"module 'corr2cause.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"corr2cause.testing.{_HOME[name]}"), name)
