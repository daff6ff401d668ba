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
runs, node ranges and the other classes generated. :func:`assign_names_many` draws the same
names for many classes at once (the writers use it: one generator per class costs more than
the rest of the naming together). The ``commonsense`` column of a themed
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
    "assign_names_many",
    "builtin_themes",
    "commonsense",
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
    key = _draw_key(theme, n, seed)
    key.insert(3, zlib.crc32(mec_id.encode()))
    picks = np.random.default_rng(key).choice(len(theme.names), size=n, replace=False)
    return [theme.names[int(k)] for k in picks]


def _draw_key(theme: Theme, n: int, seed: int) -> list[int]:
    """The generator key of :func:`assign_names` without its class word (``crc32(mec_id)``)."""
    return [seed, n, zlib.crc32(theme.name.encode()), 0x7E3E]


def assign_names_many(
    theme: Theme, mec_ids: Sequence[str], n: int, *, seed: int
) -> list[list[str]]:
    """``[assign_names(theme, m, n, seed=seed) for m in mec_ids]``, drawn for all classes at once.

    Equal to the one-class draw by construction: NumPy's ``default_rng(key).choice(V,
    size=n, replace=False)`` is replayed on arrays, one row per class (see
    :func:`_seeded_choices`). The first class is checked against :func:`assign_names`, and
    every class the replay cannot decide (a rejected draw, a vocabulary of over 10,000
    names, a negative seed) is drawn one by one, so the result never differs.

    Examples
    --------
    >>> medicine = load_theme("medicine")
    >>> ids = [f"n5-m{k:07d}" for k in range(40)]
    >>> many = assign_names_many(medicine, ids, 5, seed=3)
    >>> many == [assign_names(medicine, m, 5, seed=3) for m in ids]
    True
    """
    if theme.assignment == "in order" or len(mec_ids) < 2 or seed < 0:
        return [assign_names(theme, m, n, seed=seed) for m in mec_ids]
    if n > len(theme.names):
        assign_names(theme, mec_ids[0], n, seed=seed)  # raises the ThemeError
    size = len(theme.names)
    if size > 10_000 and n > size // 50:  # NumPy switches to a tail shuffle there
        return [assign_names(theme, m, n, seed=seed) for m in mec_ids]
    key = _draw_key(theme, n, seed)
    k = len(mec_ids)
    words = [np.full(k, w, dtype=np.uint32) for w in _uint32_words(key[0])]
    words += [np.full(k, w, dtype=np.uint32) for w in key[1:3]]
    words.append(np.array([zlib.crc32(m.encode()) for m in mec_ids], dtype=np.uint32))
    words.append(np.full(k, key[3], dtype=np.uint32))
    picks, decided = _seeded_choices(words, size, n)
    out = [[theme.names[v] for v in row] for row in picks.tolist()]
    if out[0] != assign_names(theme, mec_ids[0], n, seed=seed):  # NumPy changed its draw
        return [assign_names(theme, m, n, seed=seed) for m in mec_ids]
    for c in np.flatnonzero(~decided).tolist():
        out[c] = assign_names(theme, mec_ids[c], n, seed=seed)
    return out


# -- NumPy's seeded choice, on arrays ------------------------------------------------------
# ``default_rng(key)`` is ``Generator(PCG64(SeedSequence(key)))``. SeedSequence hashes the
# key's 32-bit words into a pool of 4 words and expands it into PCG64's 128-bit state and
# increment (constants of numpy/random/bit_generator.pyx); PCG64 is the 128-bit LCG with the
# XSL-RR output (O'Neill 2014), and a 32-bit draw takes the low, then the high half of one
# 64-bit output. ``choice(V, size=n, replace=False)`` for V <= 10,000 is Floyd's algorithm
# (Bentley & Floyd 1987: for j = V-n .. V-1 draw t in [0, j]; keep t, or j if t was taken)
# followed by a Fisher-Yates shuffle of the n picks, every bounded draw by Lemire's
# multiply-shift (Lemire 2019), which rejects a draw only when the low word of the product
# is below the bound (probability about V / 2**32 per draw; such a class is redrawn).

_M32: Final = 0xFFFFFFFF
_SEED_INIT_A, _SEED_MULT_A = 0x43B0D7E5, 0x931E8875
_SEED_INIT_B, _SEED_MULT_B = 0x8B51F9DD, 0x58F38DED
_SEED_MIX_L, _SEED_MIX_R = 0xCA01F9DD, 0x4973F715
_PCG_MULT_HI: Final = np.uint64(2549297995355413924)
_PCG_MULT_LO: Final = np.uint64(4865540595714422341)
_LOW32: Final = np.uint64(_M32)
_S16, _S32, _S58, _S63 = np.uint32(16), np.uint64(32), np.uint64(58), np.uint64(63)


def _uint32_words(value: int) -> list[int]:
    """SeedSequence's split of a non-negative int into 32-bit words, low word first."""
    words = []
    while value:
        words.append(value & _M32)
        value >>= 32
    return words or [0]


def _seed_pool(entropy: list[np.ndarray]) -> list[np.ndarray]:
    """SeedSequence's 4-word pool of each row of ``entropy`` (a list of uint32 columns)."""
    const = _SEED_INIT_A

    def hashmix(v: np.ndarray) -> np.ndarray:
        nonlocal const
        v = v ^ np.uint32(const)
        const = (const * _SEED_MULT_A) & _M32
        v = v * np.uint32(const)
        return v ^ (v >> _S16)

    def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        r: np.ndarray = x * np.uint32(_SEED_MIX_L) - y * np.uint32(_SEED_MIX_R)
        out: np.ndarray = r ^ (r >> _S16)
        return out

    zero = np.zeros_like(entropy[0])
    pool = [hashmix(entropy[i] if i < len(entropy) else zero) for i in range(4)]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(4, len(entropy)):
        for dst in range(4):
            pool[dst] = mix(pool[dst], hashmix(entropy[src]))
    return pool


def _mul128(
    hi: np.ndarray, lo: np.ndarray, m_hi: np.uint64, m_lo: np.uint64
) -> tuple[np.ndarray, np.ndarray]:
    """``(hi, lo) * (m_hi, m_lo) mod 2**128`` on uint64 halves."""
    a0, a1 = lo & _LOW32, lo >> _S32
    b0, b1 = m_lo & _LOW32, m_lo >> _S32
    p01, p10 = a0 * b1, a1 * b0
    mid = ((a0 * b0) >> _S32) + (p01 & _LOW32) + (p10 & _LOW32)
    carry_hi = a1 * b1 + (p01 >> _S32) + (p10 >> _S32) + (mid >> _S32)
    return carry_hi + hi * m_lo + lo * m_hi, lo * m_lo


def _add128(
    hi: np.ndarray, lo: np.ndarray, b_hi: np.ndarray, b_lo: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    s_lo = lo + b_lo
    return hi + b_hi + (s_lo < lo).astype(np.uint64), s_lo


def _pcg64_uint32(entropy: list[np.ndarray], count: int) -> np.ndarray:
    """The first ``count`` 32-bit draws of ``PCG64(SeedSequence(row))``, shape (rows, count)."""
    pool = _seed_pool(entropy)
    const, words = _SEED_INIT_B, []
    for i in range(8):  # generate_state(4, uint64)
        v = pool[i % 4] ^ np.uint32(const)
        const = (const * _SEED_MULT_B) & _M32
        v = v * np.uint32(const)
        words.append((v ^ (v >> _S16)).astype(np.uint64))
    seed_hi, seed_lo, seq_hi, seq_lo = (words[2 * k] | (words[2 * k + 1] << _S32) for k in range(4))
    inc_hi = (seq_hi << np.uint64(1)) | (seq_lo >> _S63)
    inc_lo = (seq_lo << np.uint64(1)) | np.uint64(1)
    rows = seed_hi.shape[0]
    hi, lo = _add128(inc_hi, inc_lo, seed_hi, seed_lo)  # state 0 stepped once is inc
    draws: list[np.ndarray] = []
    for k in range(count // 2 + (count % 2) + 1):
        hi, lo = _add128(*_mul128(hi, lo, _PCG_MULT_HI, _PCG_MULT_LO), inc_hi, inc_lo)
        if k:  # the first step ends the seeding; every later one gives a 64-bit output
            x, r = hi ^ lo, hi >> _S58
            out = (x >> r) | (x << ((np.uint64(64) - r) & _S63))
            draws += [out & _LOW32, out >> _S32]
    if not count:
        return np.zeros((rows, 0), dtype=np.uint64)
    return np.stack(draws[:count], axis=1)


def _seeded_choices(entropy: list[np.ndarray], size: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``default_rng(row).choice(size, size=n, replace=False)`` for every row of ``entropy``.

    Returns the picks ``(rows, n)`` and whether each row was decided (``False`` where a draw
    would have been rejected and redrawn; those rows are wrong and must be drawn by NumPy).
    """
    bounds = [*range(size - n, size), *range(n - 1, 0, -1)]  # Floyd, then the shuffle
    draws = _pcg64_uint32(entropy, sum(1 for b in bounds if b))
    rows = draws.shape[0]
    decided = np.ones(rows, dtype=bool)
    values, col = [], 0
    for b in bounds:
        if b == 0:  # a bound of 0 draws nothing
            values.append(np.zeros(rows, dtype=np.int64))
            continue
        m = draws[:, col] * np.uint64(b + 1)
        col += 1
        decided &= (m & _LOW32) >= np.uint64(b + 1)
        values.append((m >> _S32).astype(np.int64))
    picks = np.empty((rows, n), dtype=np.int64)
    for t in range(n):
        taken = (picks[:, :t] == values[t][:, None]).any(axis=1)
        picks[:, t] = np.where(taken, size - n + t, values[t])
    every = np.arange(rows)
    for k, i in enumerate(range(n - 1, 0, -1)):
        j = values[n + k]
        held = picks[every, i].copy()
        picks[every, i] = picks[every, j]
        picks[every, j] = held
    return picks, decided


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
