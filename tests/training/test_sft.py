"""SFT export and causal-LM training (SFT and GRPO through TRL) on a tiny local model.

Evidence: the export is split-aware, deterministic (byte-identical on a rerun), loads with
``datasets``, and every rationale completion passes the independent step checker with the
exact label; a tiny GPT-2 built from a config (offline) runs 2 SFT steps and 2 GRPO steps on
the CPU through TRL (with and without LoRA), and an interrupted SFT run resumes from its
checkpoint to the same weights. The training tests take 15-50 s each on 2 shared cores, so
they are marked slow (``pytest -m slow tests/training/test_sft.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corr2cause.errors import Corr2CauseError
from corr2cause.rewards import read_final_answer
from corr2cause.solver.rationale_check import check_rationale
from corr2cause.training.sft_data import SFT_MANIFEST, SftExportConfig, export_sft


@pytest.fixture(scope="module")
def export_dir(dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sft") / "export"
    export_sft(dataset_dir, out, SftExportConfig(max_items=60, think=True))
    return out


def test_export_is_split_aware_and_checkable(export_dir: Path) -> None:
    manifest = json.loads((export_dir / SFT_MANIFEST).read_text())
    assert set(manifest["splits"]) == {"train", "dev", "test"}
    assert manifest["settings"]["prompt"] == "derive@v1"
    for split, info in manifest["splits"].items():
        rows = [json.loads(x) for x in (export_dir / f"{split}.jsonl").read_text().splitlines()]
        assert len(rows) == info["examples"] == 60 and not info["skipped"]
        assert {r["split"] for r in rows} == {split}
        for r in rows[:20]:
            assert [m["role"] for m in r["prompt"]] == ["system", "user"]
            content = r["completion"][0]["content"]
            read = read_final_answer(content)
            assert read.well_formed and read.label == r["label"] == r["gold_label"]
            result = check_rationale(
                r["premise"],
                r["hypothesis"],
                read.reasoning + "\nAnswer: " + ("Yes" if r["label"] else "No"),
            )
            assert result.ok, result.errors


def test_export_loads_with_datasets(export_dir: Path) -> None:
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset(
        "parquet", data_files={s: str(export_dir / f"{s}.parquet") for s in ("train", "dev")}
    )
    assert ds["train"].num_rows == 60 and ds["train"][0]["prompt"][1]["role"] == "user"
    js = datasets.load_dataset("json", data_files=str(export_dir / "test.jsonl"))["train"]
    assert js.num_rows == 60


def test_export_is_deterministic_and_guarded(dataset_dir: Path, export_dir: Path, tmp_path: Path):
    again = tmp_path / "again"
    export_sft(dataset_dir, again, SftExportConfig(max_items=60, think=True))
    for name in ("train.jsonl", "train.parquet", "test.jsonl"):
        assert (again / name).read_bytes() == (export_dir / name).read_bytes()
    with pytest.raises(Corr2CauseError, match="overwrite"):
        export_sft(dataset_dir, again, SftExportConfig(max_items=60))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("x")
    with pytest.raises(Corr2CauseError, match="holds no SFT export"):
        export_sft(dataset_dir, tmp_path / "other")
    with pytest.raises(Corr2CauseError, match="target"):
        export_sft(dataset_dir, tmp_path / "t", SftExportConfig(target="essay"))


def test_answer_only_target(dataset_dir: Path, tmp_path: Path) -> None:
    config = SftExportConfig(target="answer", splits=("test",), max_items=10, formats=("jsonl",))
    manifest = export_sft(dataset_dir, tmp_path / "a", config)
    assert manifest["settings"]["prompt"] == "direct@v1"
    rows = [json.loads(x) for x in (tmp_path / "a" / "test.jsonl").read_text().splitlines()]
    assert {r["completion"][0]["content"] for r in rows} <= {"Yes", "No"}
    assert all(r["completion"][0]["content"] == ("Yes" if r["label"] else "No") for r in rows)
    assert not (tmp_path / "a" / "test.parquet").exists()


# -- training through TRL ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("trl")
    from fixtures.tiny_models import build_tiny_causal_lm

    return build_tiny_causal_lm(tmp_path_factory.mktemp("tiny-lm"))


def _config(dataset_dir: Path, out: Path, model: Path, **kw):
    from corr2cause.training.sft import CausalLMConfig

    base = dict(
        data=str(dataset_dir),
        out=str(out),
        model=str(model),
        max_train=8,
        max_steps=2,
        batch_size=2,
        max_length=768,
        lr=1e-3,
        device="cpu",
        style="compact",
        lora="off",
    )
    base.update(kw)
    return CausalLMConfig(**base)


@pytest.mark.slow
def test_sft_two_steps(dataset_dir: Path, tiny_lm: Path, tmp_path: Path) -> None:
    from corr2cause.training.causal_lm import train_causal_lm

    summary = train_causal_lm(_config(dataset_dir, tmp_path / "sft", tiny_lm))
    assert summary["steps"] == 2 and summary["method"] == "sft" and summary["examples"] == 8
    assert (tmp_path / "sft" / "model.safetensors").is_file()
    assert (tmp_path / "sft" / "training_summary.json").is_file()
    with pytest.raises(Corr2CauseError, match="finished model"):
        train_causal_lm(_config(dataset_dir, tmp_path / "sft", tiny_lm))


@pytest.mark.slow
def test_grpo_two_steps_with_lora(dataset_dir: Path, tiny_lm: Path, tmp_path: Path) -> None:
    pytest.importorskip("peft")
    from corr2cause.training.causal_lm import train_causal_lm

    config = _config(
        dataset_dir,
        tmp_path / "grpo",
        tiny_lm,
        method="grpo",
        num_generations=2,
        max_completion_length=8,
        lora="on",
        lr=1e-4,
    )
    summary = train_causal_lm(config)
    assert summary["steps"] == 2 and summary["lora"] is True
    rewards = [e for e in summary["log_history"] if "reward" in e]
    assert len(rewards) == 2
    assert (tmp_path / "grpo" / "adapter_config.json").is_file()


class _Interrupt(Exception):
    pass


@pytest.mark.slow
def test_sft_resumes_from_its_checkpoint(dataset_dir: Path, tiny_lm: Path, tmp_path: Path) -> None:
    from safetensors.numpy import load_file
    from transformers import TrainerCallback

    from corr2cause.training.sft import train_sft

    class Stop(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
            if state.global_step == 1:
                raise _Interrupt

    straight = train_sft(_config(dataset_dir, tmp_path / "a", tiny_lm, save_steps=1))
    config = _config(dataset_dir, tmp_path / "b", tiny_lm, save_steps=1)
    with pytest.raises(_Interrupt):
        train_sft(config, callbacks=[Stop()])
    with pytest.raises(Corr2CauseError, match="other settings"):
        train_sft(_config(dataset_dir, tmp_path / "b", tiny_lm, save_steps=1, lr=1e-2))
    resumed = train_sft(config)
    assert resumed["resumed_from"].endswith("checkpoint-1")
    assert resumed["steps"] == straight["steps"] == 2
    a = load_file(str(tmp_path / "a" / "model.safetensors"))
    b = load_file(str(tmp_path / "b" / "model.safetensors"))
    for name in a:
        assert abs(a[name] - b[name]).max() < 1e-5, name


def test_bad_settings(dataset_dir: Path, tmp_path: Path) -> None:
    from corr2cause.training.causal_lm import train_causal_lm
    from corr2cause.training.sft import CausalLMConfig

    with pytest.raises(Corr2CauseError, match="not a local Hugging Face model"):
        train_causal_lm(CausalLMConfig(data=str(dataset_dir), out=str(tmp_path), model="nope"))
    with pytest.raises(Corr2CauseError, match="multiple of"):
        CausalLMConfig(
            data="d", out="o", model="m", method="grpo", batch_size=3, num_generations=2
        ).validate()
