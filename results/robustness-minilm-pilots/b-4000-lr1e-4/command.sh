#!/usr/bin/env bash
# Pilot run b (superseded by ../../robustness-minilm/run.sh): 4,000 items, lr 1e-4.
# The dev F1 peaked at step 125 (the template prior "has_collider -> valid") and the
# model then collapsed to "always invalid"; the step-125 checkpoint was kept.
set -euo pipefail
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
corr2cause generate --nodes 2-6 --out /tmp/ft-data --variant original,paraphrase,refactor -q
# (the relabel variant was added afterwards from
#  `corr2cause generate --nodes 2-6 --out /tmp/ft-relabel --variant original,relabel`, whose
#  original/ is byte-identical to /tmp/ft-data/original: same ids, splits and labels)
corr2cause finetune --data /tmp/ft-data --out runs/robustness-minilm/model \
    --max-train 4000 --max-dev 400 --epochs 1 --batch-size 8 --max-length 256 \
    --lr 1e-4 --eval-steps 125 --seed 0
corr2cause robustness --model classifier:runs/robustness-minilm/model --data /tmp/ft-data \
    --out runs/robustness-minilm/eval --batch-size 32 -q
