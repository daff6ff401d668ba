"""Real-world stories for Corr2Cause items, written by a model and verified by the solver.

The original release's real-world extension (``code/data_realworld.py``) asked GPT-3.5 to
"provide a real-world example instantiating this phenomenon" and copied the item's label onto
whatever came back, unchecked. :func:`write_stories` offers that *free-form* mode, marked as
unverified, and a *verified* mode in which the labels stay exact:

verified (prompt ``story``)
    For each distinct premise the model proposes a real-world **name for each variable** and a
    short **context** paragraph, as JSON. The premise and every hypothesis are then written
    by the benchmark's own templates with those names
    (:func:`~corr2cause.dataset.verbalize.verbalize_premise`,
    :func:`~corr2cause.dataset.verbalize.verbalize_hypothesis`, same swap forms and
    paraphrases as the source item), and the solver re-reads and re-solves every story item.
    A story is rejected, and counted by reason, when the reply is no JSON object
    (``no_json``), misses a variable (``missing_names``), gives a name the benchmark text
    cannot carry unambiguously (``unparseable_name``, the rule of
    :func:`~corr2cause.dataset.templates.name_problem`), gives two variables the same name
    (``duplicate_names``), or when the named premise no longer states the class's facts or
    the solver's label differs from the item's (``class_changed``); failed model calls count
    as ``request_failed``.
free-form (prompt ``story-freeform``)
    The model rewrites the whole item. The rows keep the source label with
    ``verified: false``; the report gives the share of stories the solver can still read
    (``readable``) and whose exact label equals the copied one (``confirmed``).

Model calls go through the evaluation backends with the runner's machinery: one request per
distinct prompt, a response cache committed as each reply arrives (``OUT/cache.sqlite`` by
default), so an interrupted run resumes by running it again; failed calls are not cached.

Outputs in ``out_dir`` (written atomically at the end):

``stories.jsonl``
    verified: one row per accepted story item (``id``, ``premise``, ``hypothesis``,
    ``label``, ``label3``, ``num_variables``, ``relation``, ``template``, ``variant`` =
    ``story``, ``node_i``, ``node_j`` (the pair's story names, in node order),
    ``fraction`` (exact), ``context``, ``names``, ``source_id``, ``story_id``,
    ``verified``, the source item's ``split`` where it has one, and its ``mec_id`` or
    null): the generator's item columns, so a story set is read like a variant by
    :func:`~corr2cause.dataset.readers.read_items` and so by ``evaluate``, ``robustness
    --stories`` and ``export-hf --stories``; free-form: one row per item with the model's
    text and the checks;
``rejected.jsonl``
    one row per rejected story: ``story_id``, ``source_ids``, ``reason``, ``detail``, ``raw``;
``report.json`` and ``run.json``
    counts by reason and the run manifest (backend, prompt name and version, data).

Story prompts are versioned TOML files (``evaluation/story_prompts/*.toml``) with the keys
``name``, ``version``, ``mode`` (``verified`` or ``free-form``), ``description``,
``system``, ``user`` and ``max_tokens``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import string
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from corr2cause import __version__
from corr2cause.atomic import write_json, write_jsonl
from corr2cause.dataset.readers import EvalItem
from corr2cause.dataset.store import SPLIT_ALIASES, open_dataset
from corr2cause.dataset.templates import join_names, name_problem
from corr2cause.dataset.verbalize import verbalize_hypothesis, verbalize_premise
from corr2cause.errors import Corr2CauseError, quote
from corr2cause.evaluation.backends import load_backend
from corr2cause.evaluation.backends.base import Backend, Request
from corr2cause.evaluation.cache import ResponseCache
from corr2cause.evaluation.runner import answer_requests
from corr2cause.solver import ParsedPremise, Solver, SolverError, parse_hypothesis, parse_premise
from corr2cause.solver.parse import split_input

__all__ = [
    "REJECTION_REASONS",
    "STORIES_FILE",
    "STORY_COLUMNS",
    "STORY_MODES",
    "StoryError",
    "StoryPrompt",
    "builtin_story_prompts",
    "discover_story_sets",
    "load_story_prompt",
    "read_story_reply",
    "story_items",
    "verified_story_rows",
    "write_stories",
]

STORIES_FILE: Final = "stories.jsonl"
"""The items file of a story set (an output folder of :func:`write_stories`)."""

STORY_COLUMNS: Final = ("source_id", "story_id", "context", "names", "verified")
"""The columns a verified story item has beyond the generator's item columns."""

STORY_MODES: Final = ("verified", "free-form")
"""Story modes: names + context verified by the solver, or the free-form rewrite."""

REJECTION_REASONS: Final = (
    "request_failed",
    "no_json",
    "missing_names",
    "unparseable_name",
    "duplicate_names",
    "class_changed",
)
"""Why a verified story is rejected (see the module docstring)."""

_PLACEHOLDERS: Final = {
    "verified": frozenset({"premise", "num_variables", "variables", "variables_json", "domain"}),
    "free-form": frozenset({"premise", "hypothesis", "num_variables", "variables", "domain"}),
}
_BUILTIN_DIR: Final = Path(__file__).with_name("story_prompts")
DEFAULT_DOMAIN: Final = "any real-world domain (medicine, economics, ecology, everyday life, ...)"


class StoryError(Corr2CauseError):
    """A story prompt that cannot be read, or story options that make no sense."""


@dataclass(frozen=True)
class StoryPrompt:
    """A versioned story prompt.

    Attributes
    ----------
    name, version, description : str, int, str
        Identity of the prompt (recorded in ``run.json``).
    mode : str
        ``verified`` or ``free-form``.
    system, user : str
        System prompt and the user turn (``str.format`` placeholders).
    max_tokens : int
        Generation budget of a call.
    """

    name: str
    version: int
    mode: str
    description: str
    system: str
    user: str
    max_tokens: int = 400

    @property
    def id(self) -> str:
        """``name@vVERSION``."""
        return f"{self.name}@v{self.version}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form for manifests."""
        return {
            "name": self.name,
            "version": self.version,
            "mode": self.mode,
            "description": self.description,
            "max_tokens": self.max_tokens,
        }


def _parse_story_prompt(text: str, source: str) -> StoryPrompt:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StoryError(f"{source}: not valid TOML: {exc}") from None
    for key, kind in (("name", str), ("version", int), ("mode", str), ("user", str)):
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            raise StoryError(f"{source}: {key!r} must be a {kind.__name__}")
    mode = data["mode"]
    if mode not in STORY_MODES:
        raise StoryError(f"{source}: unknown mode {quote(mode)}; choose from {list(STORY_MODES)}")
    allowed = _PLACEHOLDERS[mode]
    try:
        used = {f for _, f, _, _ in string.Formatter().parse(data["user"]) if f is not None}
    except ValueError as exc:
        raise StoryError(f"{source}: bad placeholder syntax in 'user': {exc}") from None
    unknown = sorted(used - allowed)
    if unknown:
        raise StoryError(
            f"{source}: unknown placeholder(s) {unknown} in 'user'; a {mode} prompt may use "
            f"{sorted(allowed)}"
        )
    max_tokens = data.get("max_tokens", 400)
    if not isinstance(max_tokens, int) or max_tokens < 1:
        raise StoryError(f"{source}: 'max_tokens' must be a positive integer")
    return StoryPrompt(
        name=data["name"],
        version=data["version"],
        mode=mode,
        description=str(data.get("description", "")),
        system=str(data.get("system", "")),
        user=data["user"],
        max_tokens=max_tokens,
    )


def builtin_story_prompts() -> dict[str, StoryPrompt]:
    """The built-in story prompts by name (``story``, ``story-freeform``)."""
    out = {}
    for path in sorted(_BUILTIN_DIR.glob("*.toml")):
        prompt = _parse_story_prompt(path.read_text(encoding="utf-8"), path.name)
        out[prompt.name] = prompt
    return out


def load_story_prompt(name_or_path: str | Path | StoryPrompt) -> StoryPrompt:
    """A built-in story prompt by name, or a prompt file by path."""
    if isinstance(name_or_path, StoryPrompt):
        return name_or_path
    builtins = builtin_story_prompts()
    if isinstance(name_or_path, str) and name_or_path in builtins:
        return builtins[name_or_path]
    path = Path(name_or_path)
    if path.suffix != ".toml":
        raise StoryError(
            f"unknown story prompt {quote(str(name_or_path))}; choose from "
            f"{', '.join(builtins)} or give a .toml file"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StoryError(f"cannot read the story prompt {path}: {exc.strerror}") from None
    return _parse_story_prompt(text, str(path))


# --- replies ----------------------------------------------------------------------------------

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def _json_object(text: str | None) -> dict[str, Any] | None:
    """The first JSON object in a reply (bare, fenced, or inside prose)."""
    if not text:
        return None
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        start = candidate.find("{")
        while start >= 0:
            try:
                value, _ = decoder.raw_decode(candidate, start)
            except json.JSONDecodeError:
                start = candidate.find("{", start + 1)
                continue
            if isinstance(value, dict):
                return value
            start = candidate.find("{", start + 1)
    return None


@dataclass(frozen=True)
class StoryReply:
    """A verified-mode reply read into names, or the reason it cannot be used."""

    names: tuple[str, ...] | None
    context: str
    reason: str | None = None
    detail: str = ""


def read_story_reply(text: str | None, variables: Sequence[str]) -> StoryReply:
    """Read a verified-mode reply: one name per variable (in ``variables`` order) and a context.

    Names are whitespace-normalized; each must satisfy
    :func:`~corr2cause.dataset.templates.name_problem` and all must differ (letter case
    ignored).

    Examples
    --------
    >>> r = read_story_reply('{"names": {"A": "rain", "B": "wet roads"}, "context": "A town."}',
    ...                      ["A", "B"])
    >>> r.names, r.reason
    (('rain', 'wet roads'), None)
    >>> read_story_reply('{"names": {"A": "rain", "B": "Rain"}}', ["A", "B"]).reason
    'duplicate_names'
    """
    data = _json_object(text)
    if data is None:
        return StoryReply(None, "", "no_json", "the reply holds no JSON object")
    raw_names = data.get("names")
    context = data.get("context")
    context = " ".join(context.split()) if isinstance(context, str) else ""
    if isinstance(raw_names, list) and len(raw_names) == len(variables):
        raw_names = dict(zip(variables, raw_names, strict=True))
    if not isinstance(raw_names, dict):
        return StoryReply(None, context, "missing_names", "no 'names' object")
    names = []
    for var in variables:
        value = raw_names.get(var)
        if not isinstance(value, str) or not value.strip():
            return StoryReply(None, context, "missing_names", f"no name for {var}")
        name = " ".join(value.split())
        problem = name_problem(name)
        if problem is not None:
            return StoryReply(None, context, "unparseable_name", f"{quote(name)}: {problem}")
        names.append(name)
    folded = [n.casefold() for n in names]
    if len(set(folded)) != len(folded):
        dup = next(n for n in names if folded.count(n.casefold()) > 1)
        return StoryReply(None, context, "duplicate_names", f"{quote(dup)} names two variables")
    return StoryReply(tuple(names), context)


# --- story items ------------------------------------------------------------------------------


def _statements(parsed: ParsedPremise) -> tuple[list[tuple[int, int, int]], list[tuple[int, int]]]:
    return sorted(parsed.independencies), sorted(parsed.correlations)


def _rename_hypothesis(item: EvalItem, letters: Sequence[str], names: Sequence[str]) -> str:
    """The item's hypothesis in the same wording (form, paraphrase) with ``names``."""
    h = parse_hypothesis(item.hypothesis, letters)
    text = " ".join(item.hypothesis.split())
    for form in (0, 1):
        written = verbalize_hypothesis(
            h.relation, letters[h.x], letters[h.y], form=form, paraphrase=h.paraphrase
        )
        if written.rstrip(".") == text.rstrip("."):
            break
    else:
        form = 0
    return verbalize_hypothesis(
        h.relation, names[h.x], names[h.y], form=form, paraphrase=h.paraphrase
    )


def story_items(
    items: Sequence[EvalItem],
    names: Sequence[str],
    *,
    context: str = "",
    solver: Solver | None = None,
) -> list[dict[str, Any]]:
    """Rewrite the items of one premise with ``names`` and verify each with the solver.

    Parameters
    ----------
    items : sequence of EvalItem
        Items sharing one premise.
    names : sequence of str
        New name of each node, in the premise's node order.
    context : str, keyword-only
        The story's context paragraph (stored in the ``context`` column).
    solver : Solver, optional
        Reused across calls for its caches.

    Returns
    -------
    list of dict
        One row per item (see the module docstring).

    Raises
    ------
    StoryError
        With ``reason`` ``class_changed`` when the named premise does not state the same facts,
        or the solver's label of a named item differs from the item's label.

    Examples
    --------
    >>> from corr2cause.dataset.readers import EvalItem
    >>> p = ("Suppose there is a closed system of 2 variables, A and B. All the statistical "
    ...      "relations among these 2 variables are as follows: A correlates with B.")
    >>> item = EvalItem("x", p, "A directly causes B.", "", 0, 2, "parent")
    >>> row = story_items([item], ["rain", "wet roads"])[0]
    >>> row["hypothesis"], row["label"]
    ('rain directly causes wet roads.', 0)
    """
    solver = solver or Solver()
    letter_premise = parse_premise(items[0].premise)
    letters = letter_premise.names
    statements, correlations = _statements(letter_premise)
    premise = verbalize_premise(statements, names, correlations=correlations)
    named = parse_premise(premise)
    if named.names != tuple(names) or named.key[1:] != letter_premise.key[1:]:
        raise StoryError("the named premise does not state the class's facts")
    story_id = hashlib.sha256(premise.encode("utf-8")).hexdigest()[:12]
    order = {name: k for k, name in enumerate(names)}
    rows = []
    for item in items:
        hypothesis = _rename_hypothesis(item, letters, names)
        sol = solver.solve(premise, hypothesis)
        if sol.label != item.label:
            raise StoryError(
                f"the solver labels the story item {quote(hypothesis)} {sol.label}, "
                f"the source item {item.id} is labeled {item.label}"
            )
        rows.append(
            {
                "id": f"{item.id}/story-{story_id}",
                "premise": premise,
                "hypothesis": hypothesis,
                "label": item.label,
                "label3": sol.label3,
                "num_variables": item.num_variables,
                "relation": item.relation,
                "template": item.template,
                "variant": "story",
                # the pair in node order, as the generator's columns, and the exact share of
                # member DAGs in which the relation holds
                "node_i": min(sol.x, sol.y, key=order.__getitem__),
                "node_j": max(sol.x, sol.y, key=order.__getitem__),
                "fraction": sol.fraction,
                "context": context,
                "names": dict(zip(letters, names, strict=True)),
                "source_id": item.id,
                "story_id": story_id,
                "verified": True,
            }
        )
    return rows


def _free_form_check(text: str | None, item: EvalItem, solver: Solver) -> dict[str, Any]:
    """Can the solver read a free-form story, and does its exact label equal the copied one?"""
    data = _json_object(text)
    premise = hypothesis = None
    if data is not None and isinstance(data.get("premise"), str):
        premise, hypothesis = data["premise"], data.get("hypothesis")
    elif text and "Hypothesis:" in text:
        try:
            premise, hypothesis = split_input(text.strip())
        except SolverError:
            premise = None
    if not isinstance(premise, str) or not isinstance(hypothesis, str):
        return {"readable": False, "confirmed": False, "exact_label": None}
    try:
        sol = solver.solve(premise, hypothesis)
    except SolverError as err:
        return {"readable": False, "confirmed": False, "exact_label": None, "why": str(err)}
    return {
        "readable": True,
        "confirmed": sol.label == item.label,
        "exact_label": sol.label,
        "premise": premise,
        "hypothesis": hypothesis,
    }


# --- the run ----------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _messages(prompt: StoryPrompt, fields: Mapping[str, Any]) -> tuple[dict[str, str], ...]:
    user = prompt.user.format(**fields)
    if prompt.system:
        return ({"role": "system", "content": prompt.system}, {"role": "user", "content": user})
    return ({"role": "user", "content": user},)


def _group_by_premise(items: Sequence[EvalItem]) -> list[list[EvalItem]]:
    groups: dict[str, list[EvalItem]] = {}
    for item in items:
        groups.setdefault(item.premise, []).append(item)
    return list(groups.values())


def _items_and_sources(
    path: str | Path, split: str | None = None
) -> tuple[list[EvalItem], dict[str, dict[str, str]]]:
    """The items at ``path`` (of ``split``) and, by id, the ``split`` and ``mec_id`` of each
    where the source names them (a generated table does; the official CSV does not)."""
    dataset = open_dataset(path)
    items = dataset.items(split=split)
    rows = [row for _, _, row in dataset.rows(split=split)]
    sources: dict[str, dict[str, str]] = {}
    for item, row in zip(items, rows, strict=True):
        known = sources[item.id] = {}
        if isinstance(value := row.get("split"), str):
            known["split"] = SPLIT_ALIASES.get(value.strip().lower(), value)
        if isinstance(value := row.get("mec_id"), str) and value:
            known["mec_id"] = value
    return items, sources


def write_stories(
    backend: Backend | str,
    items: Sequence[EvalItem] | str | Path,
    *,
    out_dir: str | Path,
    prompt: str | Path | StoryPrompt = "story",
    domain: str = DEFAULT_DOMAIN,
    limit: int | None = None,
    concurrency: int = 8,
    cache: str | Path | ResponseCache | None = None,
    progress: Callable[[int, int], None] | None = None,
    backend_options: dict[str, Any] | None = None,
    run_info: dict[str, Any] | None = None,
    split: str | None = None,
) -> dict[str, Any]:
    """Ask a model for real-world stories of items; verify them; write the story set.

    Parameters
    ----------
    backend : Backend or str
        A prompt-reading backend (``openai:MODEL``, ``hf:PATH``, ...), or its spec (then built
        with ``backend_options`` and closed at the end).
    items : sequence of EvalItem, str or Path
        Source items (any file :func:`~corr2cause.dataset.readers.read_items` reads); their
        premises must be readable by the solver. Read from a location, each story item keeps
        the ``split`` of its source item (given items carry no split).
    out_dir : str or Path
        Output folder (created if missing); rerun with the same folder to resume.
    prompt : str, Path or StoryPrompt
        ``story`` (verified, the default), ``story-freeform``, or a TOML file.
    domain : str
        Fills ``{domain}`` in the prompt ("medicine", "ecology", ...).
    limit : int, optional
        Only the first ``limit`` items.
    concurrency : int
        Requests in flight at once.
    cache : str, Path or ResponseCache, optional
        Response cache (default ``out_dir/cache.sqlite``).
    progress : callable, optional
        ``progress(done, total)`` over model calls.
    backend_options : dict, optional
        Options for :func:`~corr2cause.evaluation.backends.load_backend`.
    run_info : dict, optional
        Extra manifest fields (e.g. the data file's sha256).
    split : str, optional
        Only the items of this split (``train``, ``dev`` / ``validation``, ``test``) of a
        location with a ``split`` column.

    Returns
    -------
    dict
        The content of ``report.json``: ``mode``, ``items``, ``stories`` (requests),
        ``accepted``, ``rejected`` (by reason), ``story_items``; free-form: ``readable``,
        ``confirmed`` and their shares.

    Raises
    ------
    StoryError
        On a bad prompt, a backend that does not read prompts, or bad ``limit`` /
        ``concurrency``.
    """
    if limit is not None and limit < 0:
        raise StoryError("limit must be >= 0")
    if concurrency < 1:
        raise StoryError("concurrency must be >= 1")
    template = load_story_prompt(prompt)
    info: dict[str, Any] = dict(run_info or {})
    sources: dict[str, dict[str, str]] = {}
    if isinstance(items, str | Path):
        info.setdefault("data", str(items))
        items, sources = _items_and_sources(items, split)
    elif split is not None:
        raise StoryError("split selects from a location; filter given items yourself")
    selected = list(items)[:limit] if limit is not None else list(items)
    owns_backend = isinstance(backend, str)
    engine = (
        load_backend(backend, **(backend_options or {})) if isinstance(backend, str) else backend
    )
    if not engine.uses_prompt:
        if owns_backend:
            engine.close()
        raise StoryError(f"the backend {engine.spec} reads no prompt; stories need a text model")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    owns_cache = not isinstance(cache, ResponseCache)
    store = (
        cache if isinstance(cache, ResponseCache) else ResponseCache(cache or out / "cache.sqlite")
    )
    solver = Solver()
    groups = _group_by_premise(selected) if template.mode == "verified" else [[i] for i in selected]
    units: list[tuple[list[EvalItem], tuple[str, ...]]] = []
    unreadable: list[dict[str, Any]] = []
    for group in groups:
        try:
            letters = parse_premise(group[0].premise).names
            solver.reconstruct(group[0].premise)  # an impossible premise has no story either
        except SolverError as err:
            unreadable.append(
                {
                    "source_ids": [i.id for i in group],
                    "reason": "unreadable_item",
                    "detail": str(err),
                }
            )
            continue
        units.append((group, letters))
    requests = []
    for group, letters in units:
        fields: dict[str, Any] = {
            "premise": group[0].premise,
            "num_variables": len(letters),
            "variables": join_names(list(letters)),
            "domain": domain,
        }
        if template.mode == "verified":
            fields["variables_json"] = json.dumps({v: "..." for v in letters})
        else:
            fields["hypothesis"] = group[0].hypothesis
        requests.append(
            Request(
                item=group[0], messages=_messages(template, fields), max_tokens=template.max_tokens
            )
        )
    manifest: dict[str, Any] = {
        "status": "running",
        "corr2cause_version": __version__,
        "backend": engine.describe(),
        "prompt": template.to_dict(),
        "domain": domain,
        "n_items": len(selected),
        "limit": limit,
        "concurrency": concurrency,
        "cache": str(store.path),
        "started": _now(),
        **info,
    }
    write_json(out / "run.json", manifest)
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, len(requests))

    started = time.perf_counter()
    try:
        responses, queried, from_cache = answer_requests(
            engine, requests, cache=store, concurrency=concurrency, tick=tick
        )
    except BaseException:
        manifest.update(status="interrupted", stopped=_now())
        write_json(out / "run.json", manifest)
        raise
    finally:
        if owns_cache:
            store.close()
        if owns_backend:
            engine.close()

    rows: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = list(unreadable)
    reasons: Counter[str] = Counter(r["reason"] for r in unreadable)
    for (group, letters), response in zip(units, responses, strict=True):
        if template.mode == "free-form":
            item = group[0]
            check = _free_form_check(response.text, item, solver) if response.ok else {}
            rows.append(
                {
                    "id": f"{item.id}/freeform",
                    "source_id": item.id,
                    "label": item.label,
                    "num_variables": item.num_variables,
                    "relation": item.relation,
                    "variant": "story-freeform",
                    "verified": False,
                    "story": response.text,
                    "error": response.error,
                    "readable": bool(check.get("readable")),
                    "confirmed": bool(check.get("confirmed")),
                    "exact_label": check.get("exact_label"),
                    **({"premise": check["premise"]} if "premise" in check else {}),
                    **({"hypothesis": check["hypothesis"]} if "hypothesis" in check else {}),
                }
            )
            continue
        sid = hashlib.sha256(group[0].premise.encode("utf-8")).hexdigest()[:12]
        reject = {"story_id": sid, "source_ids": [i.id for i in group], "raw": response.text}
        if not response.ok:
            rejected.append({**reject, "reason": "request_failed", "detail": response.error})
            reasons["request_failed"] += 1
            continue
        reply = read_story_reply(response.text, letters)
        if reply.names is None:
            rejected.append({**reject, "reason": reply.reason, "detail": reply.detail})
            reasons[str(reply.reason)] += 1
            continue
        try:
            rows.extend(story_items(group, reply.names, context=reply.context, solver=solver))
        except (StoryError, SolverError) as err:
            rejected.append({**reject, "reason": "class_changed", "detail": str(err)})
            reasons["class_changed"] += 1

    report: dict[str, Any] = {
        "mode": template.mode,
        "prompt": template.id,
        "items": len(selected),
        "stories": len(requests),
        "queried": queried,
        "from_cache": from_cache,
    }
    if template.mode == "verified":
        report.update(
            accepted=len(requests) - sum(1 for r in rejected if r["reason"] != "unreadable_item"),
            rejected={reason: reasons.get(reason, 0) for reason in REJECTION_REASONS},
            unreadable_items=reasons.get("unreadable_item", 0),
            story_items=len(rows),
        )
    else:
        answered = [r for r in rows if r["error"] is None]
        readable = sum(r["readable"] for r in rows)
        confirmed = sum(r["confirmed"] for r in rows)
        report.update(
            request_failed=len(rows) - len(answered),
            unreadable_items=len(unreadable),
            readable=readable,
            confirmed=confirmed,
            readable_share=round(readable / len(answered), 4) if answered else None,
            confirmed_share=round(confirmed / len(answered), 4) if answered else None,
        )
    for row in rows:  # a story item belongs to its source item's split and class
        known = sources.get(row["source_id"], {})
        if "split" in known:
            row["split"] = known["split"]
        if template.mode == "verified":
            row["mec_id"] = known.get("mec_id")
    write_jsonl(out / "stories.jsonl", rows)
    write_jsonl(out / "rejected.jsonl", rejected)
    write_json(out / "report.json", report)
    manifest.update(
        status="complete",
        finished=_now(),
        wall_s=round(time.perf_counter() - started, 3),
        report=report,
    )
    write_json(out / "run.json", manifest)
    return report


def discover_story_sets(paths: Sequence[str | os.PathLike[str]]) -> dict[str, Path]:
    """Name story sets for a report or an export: ``{name: stories.jsonl}``, in order given.

    Each path is an output folder of :func:`write_stories` or its ``stories.jsonl``. A set is
    named after its folder: ``stories`` stays ``stories``, a folder ``med`` gives
    ``stories-med`` (folder names that start with ``stories`` are kept as they are).

    Raises
    ------
    StoryError
        If a path holds no story file, or two sets get the same name.

    Examples
    --------
    >>> discover_story_sets(["runs/med/stories.jsonl"])  # doctest: +SKIP
    {'stories-med': PosixPath('runs/med/stories.jsonl')}
    """
    found: dict[str, Path] = {}
    for given in paths:
        path = Path(given)
        file = path / STORIES_FILE if path.is_dir() else path
        if not file.is_file():
            raise StoryError(
                f"{path}: no story set here (a folder with {STORIES_FILE} or the file itself; "
                "write one with `corr2cause stories`)"
            )
        folder = file.resolve().parent.name
        name = folder if folder.startswith("stories") else f"stories-{folder}"
        if name in found:
            raise StoryError(
                f"{given}: a second story set named {name!r} (the first is {found[name]}); "
                "story sets are named after their folders, so keep them in differently named "
                "folders"
            )
        found[name] = file
    return found


def verified_story_rows(file: str | Path, *, split: str | None = None) -> list[dict[str, Any]]:
    """The rows of a verified story set; free-form sets are refused.

    Raises
    ------
    StoryError
        Naming the file and line of the first row that is not a verified story item (a
        free-form story keeps a copied, unchecked label) or has no ``source_id``.
    """
    rows = []
    for _, where, row in open_dataset(Path(file)).rows(split=split, required_columns=()):
        if row.get("verified") is not True:
            raise StoryError(
                f"{file}, {where}: not a verified story (free-form stories keep a copied, "
                "unchecked label; only verified story sets can be used here)"
            )
        source = row.get("source_id")
        if not isinstance(source, str) or not source:
            raise StoryError(f"{file}, {where}: the story item has no source_id")
        rows.append(row)
    return rows
