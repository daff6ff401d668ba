"""``StubOpenAIServer(hold_until_in_flight=K)``: replies wait until K requests are in flight."""

from __future__ import annotations

import json
import threading
import urllib.request

from corr2cause.testing.stub_server import StubOpenAIServer


def _post(url: str, out: list[int]) -> None:
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "x"}]}).encode()
    request = urllib.request.Request(
        url + "/chat/completions", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        out.append(reply.status)


def _send(server: StubOpenAIServer, count: int) -> list[int]:
    statuses: list[int] = []
    threads = [
        threading.Thread(target=_post, args=(server.base_url, statuses)) for _ in range(count)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses


def test_replies_are_held_until_that_many_are_in_flight() -> None:
    with StubOpenAIServer(hold_until_in_flight=4, hold_timeout_s=30.0) as server:
        statuses = _send(server, 4)
    # no reply left before the fourth request arrived, so all four were in flight at once
    assert statuses == [200] * 4
    assert server.max_in_flight == 4


def test_without_a_hold_sequential_requests_never_overlap() -> None:
    with StubOpenAIServer() as server:
        for _ in range(3):
            assert _send(server, 1) == [200]
    assert server.max_in_flight == 1


def test_a_hold_that_is_never_reached_ends_at_its_timeout() -> None:
    with StubOpenAIServer(hold_until_in_flight=5, hold_timeout_s=0.2) as server:
        statuses = _send(server, 2)
    assert statuses == [200, 200]
    assert server.max_in_flight == 2
