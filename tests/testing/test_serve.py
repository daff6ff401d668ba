"""``corr2cause serve``: usable in the background and under nohup; scripted answers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from corr2cause.testing.styles import scripted_server, solver_verdict
from evaluation.conftest import make_items

pytestmark = pytest.mark.timeout(60)
SRC = Path(__file__).resolve().parents[2] / "src"


def _chat(url: str, content: str) -> dict:
    body = json.dumps(
        {"model": "m", "messages": [{"role": "user", "content": content}], "max_tokens": 5}
    ).encode()
    request = urllib.request.Request(
        f"{url}/chat/completions", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


def _wait_for_url(path: Path, pid: int) -> str:
    for _ in range(300):
        text = path.read_text() if path.exists() else ""
        if text.strip().startswith("http"):
            return text.split()[0]
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    raise AssertionError(f"no URL from the server: {text!r}")


def test_serve_runs_under_nohup_in_the_background(tmp_path: Path) -> None:
    """stdin is /dev/null under nohup: the old server read it, saw EOF and exited at once."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    script = (
        f"nohup {sys.executable} -m corr2cause.cli.app serve --port 0 --answer solver "
        f"> {tmp_path}/url.txt 2>{tmp_path}/err.txt < /dev/null & echo $!"
    )
    pid = int(
        subprocess.run(
            ["bash", "-c", script], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    try:
        url = _wait_for_url(tmp_path / "url.txt", pid)
        time.sleep(0.5)  # it must still be there after reading its (empty) stdin
        item = make_items()[2]  # a collider item whose exact label is valid
        prompt = (
            f"Question: {item.premise}\nCan we deduct the following: "
            f'{item.hypothesis[:-1]}? Just answer "Yes" or "No."\n\nAnswer:'
        )
        reply = _chat(url, prompt)
        assert reply["choices"][0]["message"]["content"] == ("Yes" if item.label else "No")
    finally:
        os.kill(pid, signal.SIGTERM)
    for _ in range(100):  # SIGTERM ends it cleanly
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        raise AssertionError("serve ignored SIGTERM")


def test_solver_verdicts_match_the_labels() -> None:
    for item in make_items():
        body = {
            "messages": [
                {
                    "role": "user",
                    "content": f"Premise: {item.premise}\nHypothesis: {item.hypothesis}",
                }
            ]
        }
        assert solver_verdict(body) == ("yes" if item.label else "no")
    assert solver_verdict({"messages": [{"role": "user", "content": "hello"}]}) is None


def test_a_fixed_text_is_sent_verbatim_or_styled() -> None:
    with scripted_server(answer="It depends.") as server:
        assert _chat(server.base_url, "x")["choices"][0]["message"]["content"] == "It depends."
    with scripted_server(answer="yes", style="reasoning_content") as server:
        message = _chat(server.base_url, "x")["choices"][0]["message"]
    assert message["content"] == "Yes" and "might be no" in message["reasoning_content"]
    with pytest.raises(ValueError, match="unknown style"):
        scripted_server(style="nope")
