"""The ``hf`` backend against independent token-level references on a tiny local GPT-2.

References, none of them the backend's own code path:

* **generation**: a plain greedy loop, one unpadded sequence at a time (``argmax`` of the last
  logits, stop at EOS), must give the tokens the batched, left-padded ``generate`` call gives;
* **log-likelihood**: the sum of ``log_softmax`` over the option's tokens from one unpadded
  forward pass of ``prompt + option``;
* **truncation**: the ids the model is really given (recorded by a proxy around the model) are
  the *last* ``context - budget`` prompt ids, the hypothesis and ``Answer:`` cue included;
* **post-processing**: a model stand-in returns hand-made continuations (EOS in the middle,
  trailing padding, special tokens), so that cutting and decoding are checked exactly.

The tokenizer is MiniLM's WordPiece with a GPT-style post-processor: ``[CLS]`` (101) starts
every text, ``[SEP]`` (102) is EOS, ``[PAD]`` is 0; `` Yes`` is the one token ``yes`` (2748).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from corr2cause.evaluation.backends import BackendError, load_backend
from corr2cause.evaluation.backends.base import Request
from corr2cause.evaluation.prompts import load_prompt
from fixtures.tiny_models import build_tiny_causal_lm

from .conftest import make_items

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

BOS, EOS, PAD = 101, 102, 0
YES, NO, INDEED = 2748, 2053, 5262
SYSTEM = {"role": "system", "content": "You answer causal questions."}
TEMPLATE = (
    "{% for m in messages %}<{{ m['role'] }}> {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<assistant>{% endif %}"
)


def _user(text: str) -> tuple[dict[str, str], ...]:
    return (SYSTEM, {"role": "user", "content": text})


def _prompted(count: int) -> list[Request]:
    prompt = load_prompt("direct")
    return [Request(item=i, messages=tuple(prompt.messages(i))) for i in make_items(count)]


@pytest.fixture(scope="module")
def tok(tiny_lm_dir: Path) -> Any:
    return transformers.AutoTokenizer.from_pretrained(tiny_lm_dir, local_files_only=True)


@pytest.fixture(scope="module")
def lm(tiny_lm_dir: Path) -> Any:
    return transformers.AutoModelForCausalLM.from_pretrained(tiny_lm_dir).eval()


@pytest.fixture(scope="module")
def chat_lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_tiny_causal_lm(tmp_path_factory.mktemp("chat-lm"))
    config = path / "tokenizer_config.json"
    data = json.loads(config.read_text())
    data["chat_template"] = TEMPLATE
    config.write_text(json.dumps(data))
    return path


@pytest.fixture(scope="module")
def padless_lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny GPT-2 whose tokenizer names no pad token (as GPT-2's own does not)."""
    path = build_tiny_causal_lm(tmp_path_factory.mktemp("padless-lm"))
    config = path / "tokenizer_config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "pad_token": None}))
    fast = path / "tokenizer.json"
    fast.write_text(json.dumps({**json.loads(fast.read_text()), "padding": None}))
    return path


def _completion_ids(tok: Any, request: Request) -> list[int]:
    """Completion style: the user turn's text (no system prompt), with the BOS."""
    (user,) = [m for m in request.messages or () if m["role"] == "user"]
    ids = list(tok(user["content"])["input_ids"])
    assert ids[0] == BOS
    return ids


def _greedy(lm: Any, ids: list[int], budget: int) -> list[int]:
    out: list[int] = []
    with torch.inference_mode():
        for _ in range(budget):
            logits = lm(input_ids=torch.tensor([ids + out])).logits[0, -1]
            token = int(logits.argmax())
            if token == EOS:
                break
            out.append(token)
    while out and out[-1] == PAD:
        out.pop()
    return out


def _loglik(lm: Any, ids: list[int], option: list[int]) -> float:
    with torch.inference_mode():
        logits = lm(input_ids=torch.tensor([ids + option])).logits[0]
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    return float(sum(logprobs[len(ids) - 1 + j, t] for j, t in enumerate(option)))


class Recorder:
    """Stands in for the model: records every call, then runs the real model (or a script)."""

    def __init__(self, model: Any = None, *, new: list[list[int]] | None = None) -> None:
        self.model, self.new = model, new
        self.generate_calls: list[dict[str, Any]] = []
        self.forward_calls: list[dict[str, Any]] = []
        self.fail_on: set[int] = set()

    def _maybe_fail(self) -> None:
        if len(self.generate_calls) + len(self.forward_calls) - 1 in self.fail_on:
            raise RuntimeError("CUDA out of memory")

    def generate(self, **kwargs: Any) -> Any:
        self.generate_calls.append(kwargs)
        self._maybe_fail()
        if self.new is None:
            return self.model.generate(**kwargs)
        rows = kwargs["input_ids"].shape[0]
        return torch.cat([kwargs["input_ids"], torch.tensor(self.new[:rows])], dim=1)

    def __call__(self, **kwargs: Any) -> Any:
        self.forward_calls.append(kwargs)
        self._maybe_fail()
        if self.model is not None:
            return self.model(**kwargs)
        shape = (*kwargs["input_ids"].shape, 30522)
        return SimpleNamespace(logits=torch.zeros(shape))  # every token equally likely


def _backend(path: Path, recorder: Recorder | None = None, **options: Any) -> Any:
    backend = load_backend(f"hf:{path}", device="cpu", **options)
    if recorder is not None:
        if recorder.model is None and recorder.new is None:
            recorder.model = backend._model
        backend._model = recorder
    return backend


# -- generation --------------------------------------------------------------------------------


def test_batched_generation_equals_a_greedy_loop(tiny_lm_dir: Path, tok: Any, lm: Any) -> None:
    requests = [_prompted(8)[k] for k in (0, 2, 3, 6)]  # four prompt lengths
    backend = _backend(tiny_lm_dir, batch_size=4, max_tokens=5)
    responses = backend.generate(requests)
    for request, response in zip(requests, responses, strict=True):
        ids = _completion_ids(tok, request)
        tokens = _greedy(lm, ids, 5)
        assert response.text == tok.decode(tokens, skip_special_tokens=True)
        assert (response.prompt_tokens, response.completion_tokens) == (len(ids), len(tokens))
        assert response.details == {} and response.error is None and response.label is None
        assert response.latency_s is not None and response.latency_s > 0


@pytest.fixture(scope="module")
def beam_lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny GPT-2 whose generation_config.json asks for beam search with two answers."""
    path = build_tiny_causal_lm(tmp_path_factory.mktemp("beam-lm"))
    config = {"num_beams": 2, "num_return_sequences": 2, "bos_token_id": BOS}
    (path / "generation_config.json").write_text(json.dumps(config))
    return path


def test_generation_is_greedy_whatever_the_model_config_says(
    beam_lm_dir: Path, tok: Any, lm: Any
) -> None:
    """One greedy answer per prompt, even where the model's own config asks for beams."""
    requests = [_prompted(8)[k] for k in (0, 3)]
    responses = _backend(beam_lm_dir, batch_size=2, max_tokens=4).generate(requests)
    for request, response in zip(requests, responses, strict=True):
        tokens = _greedy(lm, _completion_ids(tok, request), 4)
        assert response.error is None
        assert response.text == tok.decode(tokens, skip_special_tokens=True)


def test_what_the_model_is_given(tiny_lm_dir: Path, tok: Any) -> None:
    """Left padding with the pad id, a mask over the real ids, greedy, the step's budget."""
    short = Request(make_items(1)[0], messages=_user("Answer:"))
    longer = Request(make_items(1)[0], messages=_user("Is A a cause? Answer:"))
    recorder = Recorder()
    _backend(tiny_lm_dir, recorder, batch_size=2, max_tokens=3).generate([short, longer])
    (call,) = recorder.generate_calls
    a, b = _completion_ids(tok, short), _completion_ids(tok, longer)
    assert a == [BOS, 3437, 1024] and len(b) > len(a)
    width = len(b)
    assert call["input_ids"].tolist() == [b, [PAD] * (width - len(a)) + a]  # longest first
    assert call["attention_mask"].tolist() == [[1] * width, [0] * (width - len(a)) + [1] * len(a)]
    assert (call["max_new_tokens"], call["do_sample"]) == (3, False)
    assert (call["pad_token_id"], call["eos_token_id"]) == (PAD, EOS)
    assert call["input_ids"].dtype == torch.long and call["attention_mask"].dtype == torch.long


def test_requests_are_grouped_by_budget_then_by_length(tiny_lm_dir: Path) -> None:
    base = make_items(1)[0]
    texts = ["a b c d e f Answer:", "a Answer:", "a b c Answer:", "a b Answer:", "Answer:"]
    budgets = [2, None, 2, 2, 5]  # None: the backend's max_tokens (3)
    requests = [
        Request(base, messages=_user(t), max_tokens=m) for t, m in zip(texts, budgets, strict=True)
    ]
    recorder = Recorder()
    responses = _backend(tiny_lm_dir, recorder, batch_size=2, max_tokens=3).generate(requests)
    calls = [
        (c["max_new_tokens"], c["attention_mask"].sum(1).tolist()) for c in recorder.generate_calls
    ]
    # budget 2: prompts of 9, 6 and 5 ids, longest first, two at a time; then budgets 3 and 5
    assert calls == [(2, [9, 6]), (2, [5]), (3, [4]), (5, [3])]
    assert [r.completion_tokens <= b for r, b in zip(responses, [2, 3, 2, 2, 5], strict=True)] == [
        True
    ] * 5


def test_the_default_budget_is_max_tokens(tiny_lm_dir: Path) -> None:
    backend = _backend(tiny_lm_dir, max_tokens=6)
    request = Request(make_items(1)[0], messages=_user("Answer:"))
    assert backend.payload(request) == {"messages": list(_user("Answer:")), "max_tokens": 6}
    stepped = Request(make_items(1)[0], messages=_user("Answer:"), max_tokens=2)
    assert backend.payload(stepped)["max_tokens"] == 2


@pytest.mark.parametrize(
    ("new", "text", "count"),
    [
        ([YES, EOS, NO, NO], "yes", 1),  # EOS ends the answer
        ([YES, NO, PAD, PAD], "yes no", 2),  # trailing padding is not part of it
        ([EOS, YES, NO, NO], "", 0),
        ([YES, BOS, NO, INDEED], "yes no indeed", 4),  # special tokens are not printed
        ([PAD, YES, PAD, NO], "yes no", 4),  # only trailing padding is dropped
    ],
)
def test_continuations_are_cut_at_eos_and_stripped_of_padding(
    tiny_lm_dir: Path, new: list[int], text: str, count: int
) -> None:
    recorder = Recorder(new=[new])
    backend = _backend(tiny_lm_dir, recorder, max_tokens=4)
    (response,) = backend.generate([Request(make_items(1)[0], messages=_user("Answer:"))])
    assert (response.text, response.completion_tokens, response.prompt_tokens) == (text, count, 3)


def test_a_failed_batch_is_recorded_and_the_others_still_run(tiny_lm_dir: Path) -> None:
    recorder = Recorder()
    recorder.fail_on = {1}
    base = make_items(1)[0]
    requests = [Request(base, messages=_user("a " * k + "Answer:")) for k in (3, 2, 1)]
    responses = _backend(tiny_lm_dir, recorder, batch_size=1, max_tokens=2).generate(requests)
    assert [r.error for r in responses] == [None, "RuntimeError: CUDA out of memory", None]
    assert [r.text is None for r in responses] == [False, True, False]


# -- truncation --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny GPT-2 with a 48-token context."""
    return build_tiny_causal_lm(tmp_path_factory.mktemp("short-lm"), n_positions=48)


def test_long_prompts_keep_their_end(short_lm_dir: Path, tok: Any, lm: Any) -> None:
    (request,) = _prompted(1)
    full = _completion_ids(tok, request)
    assert len(full) > 45
    recorder = Recorder()
    (response,) = _backend(short_lm_dir, recorder, max_tokens=3).generate([request])
    (call,) = recorder.generate_calls
    assert call["input_ids"].tolist() == [full[-45:]]  # 48 positions, 3 kept for the answer
    assert tok.decode(full[-2:]) == "answer :"
    assert response.details == {"truncated": True} and response.prompt_tokens == 45


@pytest.mark.parametrize(("budget", "kept", "truncated"), [(45, 3, False), (46, 2, True)])
def test_a_prompt_that_fits_exactly_is_not_cut(
    short_lm_dir: Path, budget: int, kept: int, truncated: bool
) -> None:
    request = Request(make_items(1)[0], messages=_user("Answer:"))  # 3 ids
    recorder = Recorder(new=[[YES, EOS]])
    (response,) = _backend(short_lm_dir, recorder, max_tokens=budget).generate([request])
    (call,) = recorder.generate_calls
    assert call["input_ids"].tolist() == [[BOS, 3437, 1024][-kept:]]
    assert response.ok and response.prompt_tokens == kept
    assert response.details == ({"truncated": True} if truncated else {})


def test_a_budget_beyond_the_context_still_keeps_the_last_prompt_token(short_lm_dir: Path) -> None:
    request = Request(make_items(1)[0], messages=_user("Answer:"))
    recorder = Recorder(new=[[YES, EOS]])
    (response,) = _backend(short_lm_dir, recorder, max_tokens=60).generate([request])
    (call,) = recorder.generate_calls
    assert call["input_ids"].tolist() == [[1024]]  # ":"
    assert (response.text, response.prompt_tokens, response.details) == (
        "yes",
        1,
        {"truncated": True},
    )


# -- styles ------------------------------------------------------------------------------------


def test_chat_style_renders_the_template_with_the_system_prompt(
    chat_lm_dir: Path, tok: Any
) -> None:
    messages = _user("Is A a cause?")
    recorder = Recorder()
    backend = _backend(chat_lm_dir, recorder, style="chat", max_tokens=2)
    backend.generate([Request(make_items(1)[0], messages=messages)])
    # TEMPLATE by hand, with the generation prompt
    rendered = "<system> You answer causal questions.\n<user> Is A a cause?\n<assistant>"
    expected = list(tok(rendered, add_special_tokens=False)["input_ids"])
    assert expected[0] != BOS
    assert recorder.generate_calls[0]["input_ids"].tolist() == [expected]
    assert backend.params()["style"] == "chat"


def test_completion_style_leaves_the_system_prompt_out(tiny_lm_dir: Path, tok: Any) -> None:
    recorder = Recorder()
    _backend(tiny_lm_dir, recorder, max_tokens=2).generate(
        [Request(make_items(1)[0], messages=_user("Is A a cause?"))]
    )
    expected = list(tok("Is A a cause?")["input_ids"])
    assert recorder.generate_calls[0]["input_ids"].tolist() == [expected]


def test_a_tokenizer_without_pad_pads_with_eos(padless_lm_dir: Path) -> None:
    raw = transformers.AutoTokenizer.from_pretrained(padless_lm_dir, local_files_only=True)
    assert raw.pad_token is None
    recorder = Recorder()
    backend = _backend(padless_lm_dir, recorder, batch_size=2, max_tokens=2)
    base = make_items(1)[0]
    responses = backend.generate(
        [Request(base, messages=_user("Answer:")), Request(base, messages=_user("a b Answer:"))]
    )
    assert all(r.ok for r in responses)
    (call,) = recorder.generate_calls
    assert call["pad_token_id"] == EOS
    assert call["input_ids"].tolist()[1][:2] == [EOS, EOS]


def test_an_explicit_pad_token_is_kept(tiny_lm_dir: Path) -> None:
    assert _backend(tiny_lm_dir)._tokenizer.pad_token_id == PAD


# -- log-likelihood scoring --------------------------------------------------------------------


def test_loglik_equals_an_unpadded_forward_pass(tiny_lm_dir: Path, tok: Any, lm: Any) -> None:
    """Options of different lengths, prompts of different lengths, one batch."""
    requests = [_prompted(8)[k] for k in (0, 3, 6)]
    options = (" Yes indeed", " No")
    backend = _backend(tiny_lm_dir, batch_size=3, scoring="loglik", options=options)
    responses = backend.generate(requests)
    for request, response in zip(requests, responses, strict=True):
        ids = _completion_ids(tok, request)
        valid, invalid = _loglik(lm, ids, [YES, INDEED]), _loglik(lm, ids, [NO])
        scores = response.details["loglik"]
        assert set(response.details) == {"loglik"}
        assert scores == {
            "Yes indeed": pytest.approx(valid, abs=1e-4),
            "No": pytest.approx(invalid, abs=1e-4),
        }
        label = int(valid > invalid)
        assert (response.label, response.text) == (label, "Yes indeed" if label else "No")
        assert (response.prompt_tokens, response.completion_tokens) == (len(ids), 0)


def test_a_tie_is_not_a_valid_answer(tiny_lm_dir: Path) -> None:
    recorder = Recorder(new=[])  # scripted: uniform logits, so both options score alike
    backend = _backend(tiny_lm_dir, recorder, scoring="loglik")
    (response,) = backend.generate([Request(make_items(1)[0], messages=_user("Answer:"))])
    assert response.details["loglik"]["Yes"] == response.details["loglik"]["No"]
    assert (response.label, response.text) == (0, "No")


class Favours:
    """A model stand-in whose logits are 0 everywhere except ``bonus`` for one token."""

    def __init__(self, token: int, bonus: float) -> None:
        self.token, self.bonus = token, bonus

    def __call__(self, **kwargs: Any) -> Any:
        logits = torch.zeros((*kwargs["input_ids"].shape, 30522))
        logits[..., self.token] = self.bonus
        return SimpleNamespace(logits=logits)


@pytest.mark.parametrize(("token", "label", "text"), [(YES, 1, "Yes"), (NO, 0, "No")])
def test_the_likelier_option_is_the_answer(
    tiny_lm_dir: Path, token: int, label: int, text: str
) -> None:
    """log p(favoured) = 5 - log(e^5 + 30521), log p(other) = -log(e^5 + 30521) (float32)."""
    backend = _backend(tiny_lm_dir, scoring="loglik")
    backend._model = Favours(token, 5.0)
    (response,) = backend.generate([Request(make_items(1)[0], messages=_user("Answer:"))])
    norm = math.log(math.exp(5.0) + 30521)
    favoured, other = ("Yes", "No") if token == YES else ("No", "Yes")
    assert response.details["loglik"] == {
        favoured: pytest.approx(5.0 - norm, abs=1e-4),
        other: pytest.approx(-norm, abs=1e-4),
    }
    assert (response.label, response.text) == (label, text)


def test_loglik_rows_are_right_padded_prompt_plus_option(tiny_lm_dir: Path) -> None:
    recorder = Recorder()
    backend = _backend(tiny_lm_dir, recorder, scoring="loglik", options=(" Yes indeed", " No"))
    backend.generate([Request(make_items(1)[0], messages=_user("Answer:"))])
    (call,) = recorder.forward_calls
    prompt = [BOS, 3437, 1024]
    assert call["input_ids"].tolist() == [[*prompt, YES, INDEED], [*prompt, NO, PAD]]
    assert call["attention_mask"].tolist() == [[1] * 5, [1] * 4 + [0]]
    assert call["input_ids"].dtype == torch.long and call["attention_mask"].dtype == torch.long


def test_loglik_truncation_keeps_room_for_the_longest_option(short_lm_dir: Path, tok: Any) -> None:
    (request,) = _prompted(1)
    full = _completion_ids(tok, request)
    recorder = Recorder()
    backend = _backend(short_lm_dir, recorder, scoring="loglik", options=(" Yes indeed", " No"))
    (response,) = backend.generate([request])
    (call,) = recorder.forward_calls
    kept = full[-46:]  # 48 positions, 2 for " Yes indeed"
    assert call["input_ids"].tolist() == [[*kept, YES, INDEED], [*kept, NO, PAD]]
    assert response.details["truncated"] is True
    assert response.prompt_tokens == 46  # what the model read, as in generation


def test_a_failed_loglik_batch_is_recorded(tiny_lm_dir: Path) -> None:
    recorder = Recorder()
    recorder.fail_on = {0}
    backend = _backend(tiny_lm_dir, recorder, batch_size=2, scoring="loglik")
    requests = [Request(make_items(1)[0], messages=_user("a " * k + "Answer:")) for k in (1, 2, 3)]
    responses = backend.generate(requests)
    # longest first: the first batch holds the prompts of 3 and 2 words
    assert [r.error for r in responses] == [None] + ["RuntimeError: CUDA out of memory"] * 2
    assert responses[0].label in (0, 1)


def test_options_that_tokenize_to_nothing(tiny_lm_dir: Path) -> None:
    backend = _backend(tiny_lm_dir, scoring="loglik", options=("", " No"))
    with pytest.raises(BackendError, match="tokenize to nothing"):
        backend.generate([Request(make_items(1)[0], messages=_user("Answer:"))])


# -- options -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"batch_size": 0}, "positive"),
        ({"max_tokens": 0}, "positive"),
        ({"scoring": "rank"}, "scoring must be one of generate, loglik, not 'rank'"),
        ({"style": "xml"}, "style must be one of completion, chat, not 'xml'"),
        ({"options": (" Yes", " No", " Maybe")}, "options must be"),
        ({"options": (" Yes",)}, "options must be"),
    ],
)
def test_bad_options(tiny_lm_dir: Path, options: dict[str, Any], match: str) -> None:
    with pytest.raises(BackendError, match=match):
        load_backend(f"hf:{tiny_lm_dir}", **options)


def test_the_smallest_options_and_the_settings(tiny_lm_dir: Path) -> None:
    backend = _backend(tiny_lm_dir, batch_size=1, max_tokens=1, options=("A", "B"))
    assert (backend.batch_size, backend.max_tokens, backend.options) == (1, 1, ("A", "B"))
    assert (backend.scoring, backend.style, backend.device, backend.dtype) == (
        "generate", "completion", "cpu", "auto",
    )  # fmt: skip
    assert backend._model.dtype == torch.float32
    assert backend._context == 512  # the tokenizer's limit is below the model's 1024
    assert backend.params() == {
        "scoring": "generate",
        "style": "completion",
        "dtype": "auto",
        "model_fingerprint": backend.fingerprint,
    }
    assert backend.spec == f"hf:{tiny_lm_dir}"
    backend.close()
    assert backend._model is None


def test_loglik_params_and_payload(tiny_lm_dir: Path) -> None:
    """The options change loglik answers, so they are part of the key; the budget is not."""
    backend = _backend(tiny_lm_dir, scoring="loglik", options=(" Yes indeed", " No"))
    assert backend.params() == {
        "scoring": "loglik",
        "style": "completion",
        "options": [" Yes indeed", " No"],
        "dtype": "auto",
        "model_fingerprint": backend.fingerprint,
    }
    request = Request(make_items(1)[0], messages=_user("Answer:"), max_tokens=4)
    assert backend.payload(request) == {"messages": list(_user("Answer:"))}


def test_dtype_is_applied(tiny_lm_dir: Path) -> None:
    backend = _backend(tiny_lm_dir, dtype="bfloat16")
    assert backend._model.dtype == torch.bfloat16
    assert backend.params()["dtype"] == "bfloat16"


def test_empty_input_loads_nothing(tiny_lm_dir: Path) -> None:
    recorder = Recorder()
    assert list(_backend(tiny_lm_dir, recorder).stream([])) == []
    assert list(_backend(tiny_lm_dir, recorder, scoring="loglik").stream([])) == []
    assert recorder.generate_calls == recorder.forward_calls == []


# -- defaults, device and loading --------------------------------------------------------------


def test_the_default_batch_size_is_8(tiny_lm_dir: Path) -> None:
    """Nine prompts of one length with the default batch size: a batch of 8, then of 1."""
    requests = [Request(make_items(1)[0], messages=_user("Answer:")) for _ in range(9)]
    recorder = Recorder(new=[[YES, EOS]] * 8)
    responses = _backend(tiny_lm_dir, recorder, max_tokens=2).generate(requests)
    assert [c["input_ids"].shape[0] for c in recorder.generate_calls] == [8, 1]
    assert [r.text for r in responses] == ["yes"] * 9
    scorer = Recorder(new=[])  # uniform logits; two rows (" Yes", " No") per prompt
    _backend(tiny_lm_dir, scorer, scoring="loglik").generate(requests)
    assert [c["input_ids"].shape[0] for c in scorer.forward_calls] == [16, 2]


def test_the_default_budget_is_16_tokens(tiny_lm_dir: Path) -> None:
    recorder = Recorder(new=[[YES, EOS]])
    backend = _backend(tiny_lm_dir, recorder)
    request = Request(make_items(1)[0], messages=_user("Answer:"))
    assert backend.payload(request)["max_tokens"] == 16  # part of the cache key
    backend.generate([request])
    assert [c["max_new_tokens"] for c in recorder.generate_calls] == [16]


@pytest.mark.parametrize("device", ["cpu", "cpu:0"])
def test_auto_dtype_is_float32_on_any_spelling_of_the_cpu(tiny_lm_dir: Path, device: str) -> None:
    backend = load_backend(f"hf:{tiny_lm_dir}", device=device, dtype="auto")
    assert backend._model.dtype == torch.float32
    assert {p.device.type for p in backend._model.parameters()} == {"cpu"}


def test_an_explicit_device_wins_over_the_default(
    tiny_lm_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``device="cpu"`` stays on the CPU (float32) even where CUDA would be the default."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    backend = _backend(tiny_lm_dir, max_tokens=1)
    assert backend.device == "cpu"
    assert {p.device.type for p in backend._model.parameters()} == {"cpu"}
    assert backend._model.dtype == torch.float32
    (response,) = backend.generate([Request(make_items(1)[0], messages=_user("Answer:"))])
    assert response.ok


def test_nothing_is_downloaded(tiny_lm_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokenizer and model are both loaded with ``local_files_only=True``."""
    loads: list[tuple[str, str, dict[str, Any]]] = []
    for cls in (transformers.AutoTokenizer, transformers.AutoModelForCausalLM):

        def spy(path: Any, *args: Any, _load: Any = cls.from_pretrained, **kwargs: Any) -> Any:
            loads.append((_load.__self__.__name__, str(path), kwargs))
            return _load(path, *args, **kwargs)

        monkeypatch.setattr(cls, "from_pretrained", spy)
    _backend(tiny_lm_dir)
    assert [(name, path) for name, path, _ in loads] == [
        ("AutoTokenizer", str(tiny_lm_dir)),
        ("AutoModelForCausalLM", str(tiny_lm_dir)),
    ]
    assert [kwargs.get("local_files_only") for _, _, kwargs in loads] == [True, True]


class OnDevice:
    """A model stand-in that records the devices of its inputs and answers from the CPU."""

    def __init__(self) -> None:
        self.devices: list[tuple[str, str]] = []

    def _record(self, kwargs: dict[str, Any]) -> tuple[int, int]:
        self.devices.append((kwargs["input_ids"].device.type, kwargs["attention_mask"].device.type))
        rows, width = kwargs["input_ids"].shape
        return int(rows), int(width)

    def generate(self, **kwargs: Any) -> Any:
        rows, width = self._record(kwargs)
        return torch.cat(
            [torch.zeros((rows, width), dtype=torch.long), torch.tensor([[YES, EOS]] * rows)], dim=1
        )

    def __call__(self, **kwargs: Any) -> Any:
        return SimpleNamespace(logits=torch.zeros((*self._record(kwargs), 30522)))


@pytest.mark.parametrize("scoring", ["generate", "loglik"])
def test_the_model_and_its_inputs_go_to_the_chosen_device(tiny_lm_dir: Path, scoring: str) -> None:
    """On torch's ``meta`` device (a stand-in for a GPU): weights, ids and masks all go there."""
    backend = load_backend(f"hf:{tiny_lm_dir}", device="meta", dtype="float32", scoring=scoring)
    assert backend.device == "meta"
    assert {p.device.type for p in backend._model.parameters()} == {"meta"}
    backend._model = stand_in = OnDevice()
    base = make_items(1)[0]
    requests = [Request(base, messages=_user(t)) for t in ("Answer:", "a b Answer:")]
    responses = backend.generate(requests)
    assert stand_in.devices == [("meta", "meta")]
    expected = "yes" if scoring == "generate" else "No"  # uniform logits: a tie is "No"
    assert [r.text for r in responses] == [expected] * 2


@pytest.mark.parametrize("scoring", ["generate", "loglik"])
def test_latency_is_the_batch_time_shared_by_its_prompts(
    tiny_lm_dir: Path, monkeypatch: pytest.MonkeyPatch, scoring: str
) -> None:
    """A batch of 4 prompts that takes 4 s of model time: 1 s each."""
    from corr2cause.evaluation.backends import hf

    backend = _backend(tiny_lm_dir, Recorder(new=[[YES, EOS]] * 4), scoring=scoring)
    clock = iter([100.0, 104.0])
    monkeypatch.setattr(hf, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    base = make_items(1)[0]
    responses = backend.generate([Request(base, messages=_user("Answer:")) for _ in range(4)])
    assert [r.latency_s for r in responses] == [1.0] * 4


@pytest.mark.parametrize(
    ("device", "gpus", "match"),
    [
        ("cuda", 0, "'cuda': CUDA is not available on this machine"),
        ("cuda:0", 0, "'cuda:0': CUDA is not available on this machine"),
        ("cuda:1", 1, r"'cuda:1': this machine has 1 CUDA device\(s\)"),
        ("gpu", 1, "'gpu' is not a torch device"),
    ],
)
def test_a_device_this_machine_lacks_is_a_clear_error(
    tiny_lm_dir: Path, monkeypatch: pytest.MonkeyPatch, device: str, gpus: int, match: str
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpus > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
    with pytest.raises(BackendError, match=match):
        load_backend(f"hf:{tiny_lm_dir}", device=device)
