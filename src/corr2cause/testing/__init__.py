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

from corr2cause.testing.stub_server import StubOpenAIServer, StubReply, StubRequest
from corr2cause.testing.styles import STYLES, scripted_server, solver_verdict, styled_answer

__all__ = [
    "STYLES",
    "StubOpenAIServer",
    "StubReply",
    "StubRequest",
    "scripted_server",
    "solver_verdict",
    "styled_answer",
]
