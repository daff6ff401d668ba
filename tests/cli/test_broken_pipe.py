"""A reader that stops early (``corr2cause solve FILE | head``) ends the command quietly.

A closed standard output is not a failure of the command: no ``error: Broken pipe`` message,
no traceback, and the status click gives it (1), as for any ``head`` of a long output.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PREMISE = (
    "Suppose there is a closed system of 2 variables, A and B. All the statistical relations "
    "among these 2 variables are as follows: A correlates with B."
)


def test_solve_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    rows = [
        f'"Premise: {PREMISE}\nHypothesis: A directly causes B.",0,2,parent\n',
        f'"Premise: {PREMISE}\nHypothesis: B directly causes A.",0,2,child\n',
    ]
    data = tmp_path / "test.csv"
    # ~2,000 predictions of ~250 bytes: far more than a pipe buffer holds
    data.write_text("input,label,num_variables,template\n" + "".join(rows * 1000))
    proc = subprocess.Popen(
        [sys.executable, "-m", "corr2cause.cli.app", "solve", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.read(200)
    proc.stdout.close()  # the reader goes away, as `head -c 200` does
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert first.startswith(b'{"index": 0')
    assert code == 1, err
    assert err == ""
