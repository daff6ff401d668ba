"""Backend-specific behaviour of the local transformers backends, on tiny models."""

from __future__ import annotations

from pathlib import Path

import pytest

from corr2cause.evaluation.backends import BackendError, load_backend
from corr2cause.evaluation.backends.base import Request, cache_key
from corr2cause.evaluation.prompts import load_prompt
from fixtures.tiny_models import build_tiny_causal_lm, build_tiny_sequence_classifier

from .conftest import make_items


def _prompted(count: int) -> list[Request]:
    prompt = load_prompt("direct")
    return [Request(item=i, messages=tuple(prompt.messages(i))) for i in make_items(count)]


def test_hf_batching_does_not_change_greedy_output(tiny_lm_dir: Path) -> None:
    requests = _prompted(4)
    one = load_backend(f"hf:{tiny_lm_dir}", batch_size=1, max_tokens=4).generate(requests)
    four = load_backend(f"hf:{tiny_lm_dir}", batch_size=4, max_tokens=4).generate(requests)
    assert [r.text for r in one] == [r.text for r in four]
    assert all(r.completion_tokens is not None and r.completion_tokens <= 4 for r in one)
    assert all(r.prompt_tokens and r.prompt_tokens > 40 for r in one)


def test_hf_loglik_scores_both_options(tiny_lm_dir: Path) -> None:
    backend = load_backend(f"hf:{tiny_lm_dir}", scoring="loglik")
    for response in backend.generate(_prompted(3)):
        scores = response.details["loglik"]
        assert set(scores) == {"Yes", "No"}
        assert response.label == int(scores["Yes"] > scores["No"])
        assert response.text == ("Yes" if response.label else "No")


def test_hf_truncates_long_prompts_from_the_left(tmp_path: Path, monkeypatch) -> None:
    import transformers

    seen: list[list[int]] = []
    original = transformers.GenerationMixin.generate

    def spy(self, *args, **kwargs):  # records what the model is really given
        ids, mask = kwargs["input_ids"], kwargs["attention_mask"]
        seen.extend(row[m.bool()].tolist() for row, m in zip(ids, mask, strict=True))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(transformers.GenerationMixin, "generate", spy)
    path = build_tiny_causal_lm(tmp_path / "short", n_positions=48)
    backend = load_backend(f"hf:{path}", max_tokens=3)
    (request,) = _prompted(1)
    (response,) = backend.generate([request])
    assert response.ok and response.details == {"truncated": True}
    assert response.prompt_tokens == 45
    tok = transformers.AutoTokenizer.from_pretrained(path)
    (kept,) = seen
    assert len(kept) == 45
    # the end of the prompt (the hypothesis and the "Answer:" cue) survives, the start goes
    text = tok.decode(kept, skip_special_tokens=True)
    assert text.rstrip().endswith("answer :"), text
    assert "question" not in text and "can we deduct" in text
    full = tok.decode(tok(request.messages[-1]["content"])["input_ids"], skip_special_tokens=True)
    assert full.startswith("question") and full.endswith(text)


def test_hf_chat_style_needs_a_template(tiny_lm_dir: Path) -> None:
    with pytest.raises(BackendError, match="chat template"):
        load_backend(f"hf:{tiny_lm_dir}", style="chat")


def test_nli_truncates_only_the_premise(tmp_path: Path) -> None:
    path = build_tiny_sequence_classifier(
        tmp_path / "nli", ["CONTRADICTION", "NEUTRAL", "ENTAILMENT"], max_position_embeddings=32
    )
    backend = load_backend(f"nli:{path}")
    assert backend.max_length == 32
    (request,) = [Request(item=make_items(3)[2])]
    encoded = backend._encode([request])
    ids = encoded["input_ids"][0].tolist()
    assert len(ids) == 32
    hypothesis_ids = backend._tokenizer(request.item.hypothesis, add_special_tokens=False)[
        "input_ids"
    ]
    assert ids[-len(hypothesis_ids) - 1 : -1] == hypothesis_ids  # whole hypothesis kept
    (response,) = backend.generate([request])
    assert response.text in {"contradiction", "neutral", "entailment"}
    assert response.label == int(response.text == "entailment")
    assert set(response.details["probs"]) == {"CONTRADICTION", "NEUTRAL", "ENTAILMENT"}


def test_nli_needs_an_entailment_label(tiny_classifier_dir: Path) -> None:
    with pytest.raises(BackendError, match="no entailment class"):
        load_backend(f"nli:{tiny_classifier_dir}")


def test_classifier_needs_two_labels(tiny_nli_dir: Path, tiny_classifier_dir: Path) -> None:
    with pytest.raises(BackendError, match="exactly 2 labels"):
        load_backend(f"classifier:{tiny_nli_dir}")
    backend = load_backend(f"classifier:{tiny_classifier_dir}", max_length=64)
    assert backend.payload(Request(item=make_items(1)[0])) == {"input": make_items(1)[0].input}
    responses = backend.generate([Request(item=i) for i in make_items(3)])
    assert all(r.text == ("valid" if r.label else "invalid") for r in responses)


def test_classifier_honours_the_saved_truncation_side(tmp_path: Path) -> None:
    path = build_tiny_sequence_classifier(
        tmp_path / "left", ["invalid", "valid"], truncation_side="left"
    )
    backend = load_backend(f"classifier:{path}", max_length=16)
    assert backend.params()["truncation_side"] == "left"
    ids = backend._encode([Request(item=make_items(1)[0])])["input_ids"][0].tolist()
    tail = backend._tokenizer("A directly causes B.", add_special_tokens=False)["input_ids"]
    assert ids[-len(tail) - 1 : -1] == tail  # the hypothesis survives


def test_missing_model_directory(tmp_path: Path) -> None:
    for spec in ("hf", "nli", "classifier"):
        with pytest.raises(BackendError, match="no such model directory"):
            load_backend(f"{spec}:{tmp_path / 'nope'}")
    with pytest.raises(BackendError, match="needs an argument"):
        load_backend("hf")
    with pytest.raises(BackendError, match="takes no argument"):
        load_backend("majority:x")
    with pytest.raises(BackendError, match="do not apply"):
        load_backend("majority", temperature=0.3)
    with pytest.raises(BackendError, match="unknown backend 'gpt'"):
        load_backend("gpt:4")


def test_retrained_weights_change_the_cache_key(tmp_path: Path) -> None:
    path = build_tiny_sequence_classifier(tmp_path / "clf", ["invalid", "valid"], seed=1)
    (request,) = [Request(item=make_items(1)[0])]
    before = cache_key(load_backend(f"classifier:{path}"), request)
    assert before == cache_key(load_backend(f"classifier:{path}"), request)
    build_tiny_sequence_classifier(path, ["invalid", "valid"], seed=2)  # retrain in place
    assert cache_key(load_backend(f"classifier:{path}"), request) != before
