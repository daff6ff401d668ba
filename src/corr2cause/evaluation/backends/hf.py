"""The ``hf:PATH`` backend: a local Hugging Face causal language model via transformers.

Two modes:

``scoring="generate"`` (default)
    batched greedy generation (left padding, batches of similar prompt length); the text is
    parsed like any LLM answer.
``scoring="loglik"``
    no generation: the log-likelihood of each answer option (`` Yes`` / `` No``) after the
    prompt is computed, and the likelier one is the answer. Useful for base models that do not
    follow the instruction format.

``style="completion"`` (default) feeds the flattened prompt text (no system prompt);
``style="chat"`` applies the tokenizer's chat template. Prompts longer than the model's
context are cut from the left (the question at the end is kept) and flagged with
``details["truncated"]``. Each response's ``latency_s`` is its batch's model time divided by
the number of prompts in the batch.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from corr2cause.evaluation.backends._torch import (
    length_batches,
    max_positions,
    model_dir,
    model_fingerprint,
    pick_device,
    pick_dtype,
    require_torch,
)
from corr2cause.evaluation.backends.base import Backend, BackendError, Request, Response
from corr2cause.evaluation.prompts import messages_to_text

__all__ = ["HFCausalLM"]

_SCORING = ("generate", "loglik")
_STYLES = ("completion", "chat")


class HFCausalLM(Backend):
    """A local causal LM.

    Parameters
    ----------
    model : str
        Model directory.
    batch_size : int
        Prompts per forward pass.
    max_tokens : int
        Default number of new tokens (a prompt step may set its own).
    scoring : {"generate", "loglik"}
        Generate an answer, or compare the log-likelihoods of ``options``.
    style : {"completion", "chat"}
        Plain text prompt, or the tokenizer's chat template (which must exist).
    options : tuple of str
        Answer continuations for ``loglik`` scoring; the first is the valid answer.
    device : str, optional
        ``cpu``, ``cuda``, ``cuda:1``, ...; default: ``cuda`` when available. A device this
        machine lacks raises :class:`BackendError`.
    dtype : {"auto", "float32", "float16", "bfloat16"}
        Weights dtype (``auto``: float32 on CPU, bfloat16 on GPU).
    """

    name = "hf"
    uses_prompt = True
    takes_model = True

    def __init__(
        self,
        model: str,
        *,
        batch_size: int = 8,
        max_tokens: int = 16,
        scoring: str = "generate",
        style: str = "completion",
        options: tuple[str, str] = (" Yes", " No"),
        device: str | None = None,
        dtype: str = "auto",
    ) -> None:
        super().__init__(model)
        if scoring not in _SCORING:
            raise BackendError(f"scoring must be one of {', '.join(_SCORING)}, not {scoring!r}")
        if style not in _STYLES:
            raise BackendError(f"style must be one of {', '.join(_STYLES)}, not {style!r}")
        if batch_size < 1 or max_tokens < 1:
            raise BackendError("batch_size and max_tokens must be positive")
        if len(options) != 2:
            raise BackendError("options must be (valid answer, invalid answer)")
        torch, transformers = require_torch()
        self._torch = torch
        path = model_dir(model)
        self.batch_size = int(batch_size)
        self.max_tokens = int(max_tokens)
        self.scoring = scoring
        self.style = style
        self.options = (str(options[0]), str(options[1]))
        self.device = pick_device(torch, device)
        self.dtype = dtype
        tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        if tokenizer.pad_token is None:
            if tokenizer.eos_token is None:
                raise BackendError(f"{path}: the tokenizer has neither a pad nor an eos token")
            tokenizer.pad_token = tokenizer.eos_token
        if style == "chat" and not getattr(tokenizer, "chat_template", None):
            raise BackendError(f"{path}: the tokenizer has no chat template; use style=completion")
        self._tokenizer = tokenizer
        lm = transformers.AutoModelForCausalLM.from_pretrained(
            path, local_files_only=True, dtype=pick_dtype(torch, dtype, self.device)
        )
        self._model = lm.to(self.device).eval()
        self._context = max_positions(lm.config, tokenizer)
        self.fingerprint = model_fingerprint(path)

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"scoring": self.scoring, "style": self.style}
        if self.scoring == "loglik":
            params["options"] = list(self.options)
        params["dtype"] = self.dtype
        params["model_fingerprint"] = self.fingerprint
        return params

    def payload(self, request: Request) -> Any:
        messages = list(request.messages or ())
        if self.scoring == "loglik":
            return {"messages": messages}
        return {"messages": messages, "max_tokens": request.max_tokens or self.max_tokens}

    def _prompt_ids(self, request: Request) -> list[int]:
        messages = list(request.messages or ())
        if self.style == "chat":
            text = self._tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, tokenize=False
            )
            return list(self._tokenizer(text, add_special_tokens=False)["input_ids"])
        return list(self._tokenizer(messages_to_text(messages))["input_ids"])

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        if not requests:
            return
        prompts = [self._prompt_ids(r) for r in requests]
        if self.scoring == "loglik":
            yield from self._score(prompts)
            return
        budgets = [r.max_tokens or self.max_tokens for r in requests]
        for budget in sorted(set(budgets)):
            indices = [k for k, b in enumerate(budgets) if b == budget]
            lengths = [len(prompts[k]) for k in indices]
            for batch in length_batches(lengths, self.batch_size):
                chosen = [indices[k] for k in batch]
                try:
                    responses = self._generate([prompts[k] for k in chosen], budget)
                except Exception as exc:  # e.g. out of memory: record, never crash the run
                    responses = [Response.failure(f"{type(exc).__name__}: {exc}")] * len(chosen)
                yield from zip(chosen, responses, strict=True)

    def _left_truncate(self, ids: list[int], room: int) -> tuple[list[int], bool]:
        limit = max(1, self._context - room)
        return (ids[-limit:], True) if len(ids) > limit else (ids, False)

    def _generate(self, prompts: list[list[int]], budget: int) -> list[Response]:
        torch = self._torch
        tok = self._tokenizer
        cut = [self._left_truncate(p, budget) for p in prompts]
        width = max(len(ids) for ids, _ in cut)
        pad = tok.pad_token_id
        input_ids = torch.full((len(cut), width), pad, dtype=torch.long)
        mask = torch.zeros((len(cut), width), dtype=torch.long)
        for row, (ids, _) in enumerate(cut):
            input_ids[row, width - len(ids) :] = torch.tensor(ids, dtype=torch.long)
            mask[row, width - len(ids) :] = 1
        start = time.perf_counter()
        with torch.inference_mode():
            out = self._model.generate(
                input_ids=input_ids.to(self.device),
                attention_mask=mask.to(self.device),
                max_new_tokens=budget,
                do_sample=False,
                num_beams=1,  # greedy, whatever the model's generation_config.json says
                num_return_sequences=1,
                pad_token_id=pad,
                eos_token_id=tok.eos_token_id,
            )
        elapsed = (time.perf_counter() - start) / len(cut)
        new = out[:, width:].tolist()
        responses = []
        for (ids, truncated), tokens in zip(cut, new, strict=True):
            if tok.eos_token_id is not None and tok.eos_token_id in tokens:
                tokens = tokens[: tokens.index(tok.eos_token_id)]
            while tokens and tokens[-1] == pad:
                tokens.pop()
            details: dict[str, Any] = {"truncated": True} if truncated else {}
            responses.append(
                Response(
                    text=tok.decode(tokens, skip_special_tokens=True),
                    latency_s=elapsed,
                    prompt_tokens=len(ids),
                    completion_tokens=len(tokens),
                    details=details,
                )
            )
        return responses

    def _score(self, prompts: list[list[int]]) -> Iterator[tuple[int, Response]]:
        option_ids = [
            list(self._tokenizer(o, add_special_tokens=False)["input_ids"]) for o in self.options
        ]
        if not all(option_ids):
            raise BackendError(f"answer options {self.options} tokenize to nothing")
        room = max(len(o) for o in option_ids)
        lengths = [len(p) for p in prompts]
        for batch in length_batches(lengths, self.batch_size):
            try:
                scored = self._loglik([prompts[k] for k in batch], option_ids, room)
            except Exception as exc:
                scored = [Response.failure(f"{type(exc).__name__}: {exc}")] * len(batch)
            yield from zip(batch, scored, strict=True)

    def _loglik(
        self, prompts: list[list[int]], option_ids: list[list[int]], room: int
    ) -> list[Response]:
        torch = self._torch
        rows: list[tuple[list[int], int]] = []  # (sequence, prompt length)
        flags = []
        read = []  # prompt tokens the model reads (after truncation), as in generation
        for prompt in prompts:
            ids, truncated = self._left_truncate(prompt, room)
            flags.append(truncated)
            read.append(len(ids))
            for option in option_ids:
                rows.append((ids + option, len(ids)))
        width = max(len(seq) for seq, _ in rows)
        pad = self._tokenizer.pad_token_id
        input_ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for r, (seq, _) in enumerate(rows):
            input_ids[r, : len(seq)] = torch.tensor(seq, dtype=torch.long)
            mask[r, : len(seq)] = 1
        start = time.perf_counter()
        totals = []
        with torch.inference_mode():
            logits = self._model(
                input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device)
            ).logits
            for r, (seq, plen) in enumerate(rows):  # normalise only the option positions
                logprobs = torch.log_softmax(logits[r, plen - 1 : len(seq) - 1].float(), dim=-1)
                # (position, option token) pairs; list indices follow logprobs to its device
                picked = logprobs[list(range(len(seq) - plen)), seq[plen:]]
                totals.append(float(picked.sum()))
        elapsed = (time.perf_counter() - start) / len(prompts)
        responses = []
        names = [o.strip() for o in self.options]
        for k in range(len(prompts)):
            valid, invalid = totals[2 * k], totals[2 * k + 1]
            label = int(valid > invalid)
            details: dict[str, Any] = {"loglik": {names[0]: valid, names[1]: invalid}}
            if flags[k]:
                details["truncated"] = True
            responses.append(
                Response(
                    text=names[0] if label else names[1],
                    label=label,
                    latency_s=elapsed,
                    prompt_tokens=read[k],
                    completion_tokens=0,
                    details=details,
                )
            )
        return responses

    def close(self) -> None:
        self._model = None
