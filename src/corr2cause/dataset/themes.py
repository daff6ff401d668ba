"""Real-world variable names: versioned vocabularies ("themes") and their causal links.

Corr2Cause names its variables ``A, B, C, ...``. A *theme* replaces the letters with names from
one domain (``smoking``, ``lung cancer``, ``blood glucose``, ...), so that one can ask whether a
model reasons from the stated correlations or recalls what it knows about the world (the
question behind the original release's real-world extension, ``code/data_realworld.py``, and
CLadder's commonsense / anti-commonsense stories). Only the names change: the premise
statements, the hypotheses and the labels are those of the class, exactly.

A theme is a TOML file (built-ins live in ``dataset/themes/*.toml``)::

    name = "medicine"
    version = 1
    description = "risk factors, diseases and body measurements"
    assignment = "seeded"          # or "in order" (node i gets names[i])
    provenance = "who chose the names, and how"
    names = ["smoking", "lung cancer", ...]

    [[links]]                      # optional: known real-world causal links, with sources
    cause = "smoking"
    effect = "lung cancer"
    source = "Doll R, Hill AB (1950). BMJ 2(4682):739-748."

Every name must satisfy :func:`~corr2cause.dataset.templates.name_problem` (words of letters
and digits; in a multi-word name no word of the benchmark's fixed text), which makes every
sentence written with the names readable in exactly one way; names must be distinct up to
letter case. Links must join two names of the theme, at most one link per pair.

The names of a class are drawn by :func:`assign_names`: a seeded choice of ``N`` distinct
names keyed by the seed, the theme and the class id, so the assignment is identical across
runs, node ranges and the other classes generated. The ``commonsense`` column of a themed
item compares its hypothesis with the theme's link between the pair (:func:`commonsense`).

Examples
--------
>>> theme = load_theme("medicine")
>>> theme.link("smoking", "lung cancer"), theme.link("lung cancer", "smoking")
(1, -1)
>>> assign_names(load_theme("symbols"), "n3-m0000001", 3, seed=0)
['A', 'B', 'C']
"""

from __future__ import annotations

import hashlib
import tomllib
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import numpy as np

from corr2cause.dataset.templates import name_problem
from corr2cause.errors import Corr2CauseError, quote

__all__ = [
    "ASSIGNMENTS",
    "COMMONSENSE_VALUES",
    "CausalLink",
    "Theme",
    "ThemeError",
    "assign_names",
    "builtin_themes",
    "commonsense",
    "commonsense_columns",
    "commonsense_conflict",
    "load_theme",
    "parse_theme",
]

_BUILTIN_DIR: Final = Path(__file__).with_name("themes")

ASSIGNMENTS: Final = ("seeded", "in order")
"""How a theme's names are given to the nodes of a class."""

COMMONSENSE_VALUES: Final = ("agrees", "contradicts", "unrelated")
"""Values of the ``commonsense`` column (empty where the pair has no known link)."""

# Relation -> +1 if the hypothesis claims "i causes j", -1 if "j causes i", 0 if no direction.
_CLAIMED_DIRECTION: Final = MappingProxyType(
    {
        "parent": 1,
        "non-parent ancestor": 1,
        "child": -1,
        "non-child descendant": -1,
        "has_collider": 0,
        "has_confounder": 0,
    }
)


class ThemeError(Corr2CauseError):
    """A theme file that cannot be read, or a theme name that does not exist."""


@dataclass(frozen=True)
class CausalLink:
    """A known real-world causal link ``cause -> effect`` between two names of a theme."""

    cause: str
    effect: str
    source: str


@dataclass(frozen=True)
class Theme:
    """A versioned vocabulary of variable names.

    Attributes
    ----------
    name : str
        Theme id; the variant is ``names-{name}``.
    version : int
        Bumped whenever the file changes.
    description : str
        One line for manifests and docs.
    names : tuple of str
        The vocabulary; a class on ``N`` nodes uses ``N`` of them.
    assignment : str
        ``"seeded"`` (a seeded choice per class) or ``"in order"`` (node ``i`` gets
        ``names[i]``).
    links : tuple of CausalLink
        Known causal links between names, with sources.
    provenance : str
        Where the names come from.
    sha256 : str
        Digest of the file's bytes (recorded in manifests).
    """

    name: str
    version: int
    description: str
    names: tuple[str, ...]
    assignment: str = "seeded"
    links: tuple[CausalLink, ...] = ()
    provenance: str = ""
    sha256: str = ""
    _direction: Mapping[tuple[str, str], int] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        direction: dict[tuple[str, str], int] = {}
        for link in self.links:
            direction[(link.cause, link.effect)] = 1
            direction[(link.effect, link.cause)] = -1
        object.__setattr__(self, "_direction", MappingProxyType(direction))

    def __reduce__(self) -> tuple[Any, ...]:
        # the link index is a read-only mapping, which pickle refuses: rebuild it instead
        # (themes travel to the worker processes of the sharded writer)
        return (
            Theme,
            (
                self.name,
                self.version,
                self.description,
                self.names,
                self.assignment,
                self.links,
                self.provenance,
                self.sha256,
            ),
        )

    def link(self, a: str, b: str) -> int:
        """``1`` if the theme knows ``a -> b``, ``-1`` if ``b -> a``, ``0`` if no link."""
        return self._direction.get((a, b), 0)

    @property
    def label(self) -> str:
        """``name vVERSION`` (for manifests)."""
        return f"{self.name} v{self.version}"


def _require(data: Mapping[str, Any], key: str, kind: type, source: str) -> Any:
    if key not in data:
        raise ThemeError(f"{source}: missing key {key!r}")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ThemeError(f"{source}: {key!r} must be a {kind.__name__}, not {quote(value)}")
    return value


def parse_theme(text: str, *, source: str = "<theme>") -> Theme:
    """Read and check a theme from TOML text.

    Parameters
    ----------
    text : str
        The TOML document.
    source : str, keyword-only
        Where the text came from, for messages.

    Raises
    ------
    ThemeError
        On malformed TOML, missing keys, a bad or duplicate name, an unknown assignment, or a
        link that does not join two distinct names of the theme (or repeats a pair).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{source}: not valid TOML: {exc}") from None
    name = _require(data, "name", str, source)
    version = _require(data, "version", int, source)
    names = _require(data, "names", list, source)
    assignment = data.get("assignment", "seeded")
    if assignment not in ASSIGNMENTS:
        raise ThemeError(
            f"{source}: unknown assignment {quote(assignment)}; choose from {list(ASSIGNMENTS)}"
        )
    seen: dict[str, str] = {}
    for k, entry in enumerate(names):
        problem = name_problem(entry)
        if problem is not None:
            raise ThemeError(f"{source}: names[{k}] = {quote(entry)}: {problem}")
        folded = entry.casefold()
        if folded in seen:
            raise ThemeError(f"{source}: names[{k}] = {quote(entry)} repeats {quote(seen[folded])}")
        seen[folded] = entry
    if len(names) < 2:
        raise ThemeError(f"{source}: a theme needs at least 2 names")
    links = []
    pairs: set[frozenset[str]] = set()
    for k, raw in enumerate(data.get("links", [])):
        where = f"{source}: links[{k}]"
        if not isinstance(raw, dict):
            raise ThemeError(f"{where} must be a table with cause, effect and source")
        cause = _require(raw, "cause", str, where)
        effect = _require(raw, "effect", str, where)
        src = _require(raw, "source", str, where)
        for end in (cause, effect):
            if end not in names:
                raise ThemeError(f"{where}: {quote(end)} is not one of the theme's names")
        if cause == effect:
            raise ThemeError(f"{where}: a link joins two different names")
        if not src.strip():
            raise ThemeError(f"{where}: every link needs a source")
        pair = frozenset((cause, effect))
        if pair in pairs:
            raise ThemeError(f"{where}: a second link between {quote(cause)} and {quote(effect)}")
        pairs.add(pair)
        links.append(CausalLink(cause, effect, src))
    return Theme(
        name=name,
        version=version,
        description=str(data.get("description", "")),
        names=tuple(names),
        assignment=assignment,
        links=tuple(links),
        provenance=str(data.get("provenance", "")),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


@cache
def builtin_themes() -> Mapping[str, Theme]:
    """The themes shipped with the package, by name (read once)."""
    themes = {}
    for path in sorted(_BUILTIN_DIR.glob("*.toml")):
        theme = parse_theme(path.read_text(encoding="utf-8"), source=path.name)
        themes[theme.name] = theme
    return MappingProxyType(themes)


def load_theme(name_or_path: str | Path | Theme) -> Theme:
    """A built-in theme by name, or a theme file by path.

    Raises
    ------
    ThemeError
        If the name is unknown or the file cannot be read.
    """
    if isinstance(name_or_path, Theme):
        return name_or_path
    themes = builtin_themes()
    if isinstance(name_or_path, str) and name_or_path in themes:
        return themes[name_or_path]
    path = Path(name_or_path)
    if path.suffix == ".toml":
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ThemeError(f"cannot read the theme file {path}: {exc.strerror}") from None
        return parse_theme(text, source=str(path))
    raise ThemeError(
        f"unknown theme {quote(str(name_or_path))}; choose from {', '.join(themes)} "
        "or give a .toml file"
    )


def assign_names(theme: Theme, mec_id: str, n: int, *, seed: int) -> list[str]:
    """The names of the ``n`` nodes of class ``mec_id`` under ``theme``.

    Seeded themes draw ``n`` distinct names with a generator keyed by ``(seed, n, theme,
    class id)`` only; ``"in order"`` themes give node ``i`` the name ``names[i]``.

    Raises
    ------
    ThemeError
        If the theme has fewer than ``n`` names.

    Examples
    --------
    >>> medicine = load_theme("medicine")
    >>> a = assign_names(medicine, "n4-m0000042", 4, seed=0)
    >>> a == assign_names(medicine, "n4-m0000042", 4, seed=0), len(set(a))
    (True, 4)
    """
    if n > len(theme.names):
        raise ThemeError(
            f"the theme {theme.name!r} has {len(theme.names)} names; {n} variables need more"
        )
    if theme.assignment == "in order":
        return list(theme.names[:n])
    key = [seed, n, zlib.crc32(theme.name.encode()), zlib.crc32(mec_id.encode()), 0x7E3E]
    picks = np.random.default_rng(key).choice(len(theme.names), size=n, replace=False)
    return [theme.names[int(k)] for k in picks]


def commonsense(theme: Theme, relation: str, name_i: str, name_j: str) -> str | None:
    """How a hypothesis relates to the theme's known link between its pair.

    Returns ``"agrees"`` when the hypothesis claims the known direction (``parent`` or
    ``non-parent ancestor`` of ``(smoking, lung cancer)``), ``"contradicts"`` when it claims
    the reverse, ``"unrelated"`` when it claims no direction (collider, confounder), and
    ``None`` when the pair has no known link.

    Examples
    --------
    >>> m = load_theme("medicine")
    >>> commonsense(m, "child", "smoking", "lung cancer")  # "lung cancer directly causes smoking"
    'contradicts'
    >>> commonsense(m, "has_confounder", "smoking", "lung cancer")
    'unrelated'
    """
    known = theme.link(name_i, name_j)
    if known == 0:
        return None
    claimed = _CLAIMED_DIRECTION[relation]
    if claimed == 0:
        return "unrelated"
    return "agrees" if claimed == known else "contradicts"


def commonsense_conflict(value: str | None, label: int) -> bool | None:
    """Whether answering from world knowledge alone gets this item wrong.

    ``True`` for an item whose hypothesis agrees with the known link but is not entailed
    (label 0), or contradicts it but is entailed (label 1): the premise says the opposite of
    what the world says. ``False`` where world knowledge gives the right label; ``None`` when
    world knowledge says nothing (no link, or a hypothesis without a direction).
    """
    if value == "agrees":
        return label == 0
    if value == "contradicts":
        return label == 1
    return None


def commonsense_columns(
    theme: Theme,
    relations: Sequence[str],
    node_i: Sequence[str],
    node_j: Sequence[str],
    labels: Sequence[int],
) -> tuple[list[str | None], list[bool | None]]:
    """The ``commonsense`` and ``commonsense_conflict`` columns of a list of items."""
    k = len(relations)
    values: list[str | None] = [None] * k
    conflicts: list[bool | None] = [None] * k
    direction = theme._direction
    for t, (a, b) in enumerate(zip(node_i, node_j, strict=True)):
        if (a, b) in direction:  # most pairs have no link: skip them cheaply
            values[t] = value = commonsense(theme, relations[t], a, b)
            conflicts[t] = commonsense_conflict(value, labels[t])
    return values, conflicts
