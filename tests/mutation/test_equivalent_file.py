"""tests/mutation/equivalent.toml stays readable by score.py.

The file merges as a union across branches (.gitattributes), which can duplicate a key or bring
back a deleted line; a duplicate key makes the whole file unreadable to ``tomllib``.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^corr2cause(?:\.\w+)+\.(?:x_\w+|xǁ\w+ǁ\w+)__mutmut_\d+$")


def test_every_entry_names_a_mutant_of_a_mutated_module_with_a_reason():
    entries = tomllib.loads((ROOT / "tests/mutation/equivalent.toml").read_text())["equivalent"]
    only_mutate = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"][
        "only_mutate"
    ]
    assert entries
    for name, reason in entries.items():
        assert NAME.match(name), name
        module = name.split(".x_")[0].split(".xǁ")[0]
        path = "src/" + module.replace(".", "/") + ".py"
        assert any(fnmatch.fnmatch(path, pattern) for pattern in only_mutate), name
        assert reason.strip() and "\n" not in reason, name
