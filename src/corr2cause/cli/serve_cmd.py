"""``corr2cause serve``: a local OpenAI-compatible server for dry runs, without a model."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    answer: Annotated[
        str,
        typer.Option(help="'solver' (the exact solver: every answer right) or a fixed text."),
    ] = "solver",
    style: Annotated[
        str,
        typer.Option(
            help="Output style: plain, think, boxed, reasoning_content, reasoning, json, "
            "o-series (rejects max_tokens), gpt-oss."
        ),
    ] = "plain",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: a free one).")] = 8000,
    delay: Annotated[float, typer.Option(min=0, help="Seconds per reply.")] = 0.0,
    lifetime: Annotated[
        float, typer.Option(min=1, help="Seconds before the server exits by itself.")
    ] = 3600.0,
) -> None:
    """Serve /v1/chat/completions and /v1/completions on 127.0.0.1 with scripted answers.

    Prints the base URL on stdout, then serves until Ctrl-C, SIGTERM or the lifetime ends.
    It never reads stdin, so `corr2cause serve &` and `nohup corr2cause serve &` work.
    """
    from corr2cause.testing.stub_server import serve_forever
    from corr2cause.testing.styles import STYLES, scripted_server

    if style not in STYLES:
        raise typer.BadParameter(f"unknown style {style!r}; known: {', '.join(STYLES)}")
    try:
        server = scripted_server(
            answer=answer, style=style, port=port, delay_s=delay, max_lifetime_s=lifetime
        )
    except OSError as exc:
        raise typer.BadParameter(f"cannot listen on 127.0.0.1:{port}: {exc}") from None
    serve_forever(server)
