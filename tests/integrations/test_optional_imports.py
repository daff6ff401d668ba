"""The optional libraries stay optional: the core paths never import them."""

from __future__ import annotations

import subprocess
import sys

OPTIONAL = ("datasets", "inspect_ai", "lm_eval", "torch", "transformers")


def test_cli_and_export_do_not_import_optional_libraries():
    code = (
        "import sys\n"
        "import corr2cause.cli.app, corr2cause.cli.export_cmd\n"
        "import corr2cause.integrations, corr2cause.integrations.hf_export\n"
        "import corr2cause.integrations.sources, corr2cause.integrations.lm_eval.hooks\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {OPTIONAL!r}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
