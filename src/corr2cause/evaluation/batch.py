"""Offline batch inference: export rendered prompts, score responses produced elsewhere.

Large GPU evaluations (hundreds of thousands of prompts, self-hosted weights) are best run by
an engine that batches inside the model server, such as vLLM offline or Ray Data LLM on a
cluster. This module connects such a job to the harness without the harness driving the GPUs:

1. :func:`export_prompts` renders the paper's prompt (or any single-step template) for every
   item into a Parquet or JSONL file with columns ``id``, ``messages`` (chat turns as JSON),
   ``prompt`` (the same flattened for completion models), ``system`` and ``user``;
2. any engine turns it into a response file with columns ``id`` and ``response``;
3. the ``responses:FILE`` backend replays that file through the normal runner, so metrics,
   breakdowns, reports, answer normalization and parse-failure counting are exactly those of a
   live evaluation (``corr2cause evaluate --model responses:out.parquet --data ...``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corr2cause.atomic import atomic_write_bytes, write_jsonl
from corr2cause.dataset.readers import EvalItem, iter_rows
from corr2cause.evaluation.prompts import PromptTemplate, load_prompt, messages_to_text


def export_prompts(
    items: Sequence[EvalItem],
    path: str | Path,
    *,
    prompt: str | Path | PromptTemplate = "direct",
) -> int:
    """Write the rendered prompt of every item to ``path`` (``.parquet`` or ``.jsonl``).

    Parameters
    ----------
    items : sequence of EvalItem
        The items to render.
    path : path-like
        Output file; the suffix chooses the format.
    prompt : str, Path or PromptTemplate
        A single-step template (multi-step templates need the model's earlier answers and
        cannot be exported in one pass).

    Returns
    -------
    int
        Number of prompts written.
    """
    template = load_prompt(prompt)
    if len(template.steps) != 1:
        raise ValueError(
            f"prompt {template.id} has {len(template.steps)} steps; only single-step prompts "
            "can be exported for offline batch inference"
        )
    rows = []
    for item in items:
        messages = template.messages(item)
        rows.append(
            {
                "id": item.id,
                "messages": json.dumps(messages, ensure_ascii=False),
                "prompt": messages_to_text(messages),
                "system": template.system or "",
                "user": messages[-1]["content"],
                "prompt_template": template.id,
                "max_tokens": template.steps[0].max_tokens,
            }
        )
    path = Path(path)
    if path.suffix == ".parquet":
        sink = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pylist(rows), sink, compression="zstd")
        atomic_write_bytes(path, sink.getvalue().to_pybytes())
    elif path.suffix in (".jsonl", ".ndjson"):
        write_jsonl(path, rows)
    else:
        raise ValueError(f"{path}: use a .parquet or .jsonl file name")
    return len(rows)


def read_responses(path: str | Path) -> dict[str, str | None]:
    """Read a response file (``id`` and ``response`` columns; Parquet, JSONL or CSV).

    Raises
    ------
    ValueError
        Naming the file and the line or row when a field is missing, an id repeats or a row
        is not valid JSON.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such response file")
    out: dict[str, str | None] = {}
    numbered = []
    for where, row in iter_rows(path, required_columns=()):
        if "id" not in row or "response" not in row:
            raise ValueError(f"{path}, {where}: need 'id' and 'response' fields")
        numbered.append((where, row["id"], row["response"]))
    for where, item_id, response in numbered:
        key = str(item_id)
        if key in out:
            raise ValueError(f"{path}, {where}: id {key!r} appears twice")
        out[key] = None if response is None else str(response)
    return out
