"""Fixtures of the training tests.

``dataset_dir`` (a small generated dataset) and ``tiny_encoder_dir`` (a tiny local encoder)
live in ``tests/conftest.py``: the robustness tests in ``tests/evaluation`` share them.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
