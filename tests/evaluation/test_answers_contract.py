"""Answer reading, one promise at a time: each extraction rule on its own, the reasoning split.

``test_answers.py`` reads a table of whole model outputs with the default rule order, where a
later rule often rescues a mistake of an earlier one (a broken ``leading`` rule is hidden by
``final_line`` reading the same words). Here every rule of :data:`ANSWER_RULES` is run alone,
through ``AnswerExtractor(rules=(name,))``, on strings written from the promise in the module
docstring of :mod:`corr2cause.evaluation.answers`, and the verdicts were decided by reading each
string as a person would, not by running the code.
"""

from __future__ import annotations

import pytest

from corr2cause.evaluation.answers import (
    ANSWER_RULES,
    DEFAULT_RULES,
    AnswerExtractor,
    AnswerSpecError,
    ParsedAnswer,
    Reasoning,
    extract_answer,
    split_reasoning,
)

LEADING_80 = "x" * 80  # the paper's rule looks for phrases in the first 80 characters only

RULE_CASES: dict[str, list[tuple[str, str | None]]] = {
    "json": [
        ('{"answer": "yes"}', "yes"),
        ('{"answer": "No."}', "no"),
        ('{"answer": true}', "yes"),
        ('{"answer": false}', "no"),
        ('{"answer": 1}', "yes"),
        ('{"answer": 0}', "no"),
        ('{"answer": 2}', None),
        ('{"answer": null}', None),
        ('{"answer": "not necessarily"}', "no"),
        ('{"verdict": "yes"}', "yes"),
        ('{"label": 0}', "no"),
        ('{"final_answer": "Yes"}', "yes"),
        ('{"valid": "yes"}', None),
        # "answer" is read before the other keys, whatever their order in the object
        ('{"verdict": "no", "answer": "yes"}', "yes"),
        ('{"label": 1, "verdict": "no"}', "no"),
        # the last object of the text counts
        ('first {"answer": "yes"} then {"answer": "no"}', "no"),
        ('{"answer": "yes"} then {"answer": "no"}', "no"),
        # a whole text that parses to a list is passed over for the objects inside it
        ('[{"answer": "no"}]', "no"),
        ('Here it is: {"answer": "yes"}', "yes"),
        ('```json\n{"answer": "no"}\n```', "no"),
        # a whole-text object wins over the inner objects it holds
        ('{"answer": "yes", "detail": {"answer": "no"}}', "yes"),
        ('{"answer": ', None),
        ('{"answer" "yes"}', None),
        ("[1, 2]", None),
        ("{yes}", None),
        ('"answer": "yes"', None),
        ("Yes", None),
    ],
    "boxed": [
        ("\\boxed{Yes}", "yes"),
        ("\\boxed{no}", "no"),
        ("\\boxed {No}", "no"),
        ("$\\boxed{\\text{Yes}}$", "yes"),
        ("\\boxed{\\textbf{No}}", "no"),
        ("\\boxed{\\mathrm{True}}", "yes"),
        ("\\boxed{\\texttt{false}}", "no"),
        ("\\boxed{\\mathbf{yes}}", "yes"),
        ("\\boxed{Not necessarily}", "no"),
        ("\\boxed{It must be true}", "yes"),
        ("\\boxed{yes} at first, but \\boxed{no}", "no"),
        ("\\boxed{}", None),
        ("\\boxed{42}", None),
        ("boxed{Yes}", None),
        ("Yes", None),
    ],
    "final_answer": [
        ("Final answer: No", "no"),
        ("final answer: yes", "yes"),
        ("Answer: Yes", "yes"),
        ("Verdict: no", "no"),
        ("Conclusion: Yes, C is a collider.", "yes"),
        ("Final verdict = No", "no"),
        ("Answer：Yes", "yes"),
        ("**Answer:** no", "no"),
        ("**Answer**: yes", "yes"),
        ("Answer: it must be true", "yes"),
        ("Answer: not necessarily", "no"),
        # the last marker with a verdict counts; a later one without a verdict is passed over
        ("Answer: yes\nFinal answer: no", "no"),
        ("Answer: no\nAnswer: unclear", "no"),
        ("Answer: maybe", None),
        ("Answer - yes", None),
        ("The answer is yes", None),
        ("Yes", None),
    ],
    "answer_is": [
        ("the answer is yes", "yes"),
        ("The answer is: No.", "no"),
        ("The answer would be true", "yes"),
        ("the answer should be FALSE", "no"),
        ("The answer will be (yes)", "yes"),
        ('I would say "no"', "no"),
        ("I'd say yes", "yes"),
        ("the answer is **No**", "no"),
        ("the answer is yes; no, wait, the answer is no", "no"),
        ("the answer is no... the answer is yes", "yes"),
        ("the answer is maybe", None),
        ("the answer is nobody's guess", None),
        ("Answer: yes", None),
        ("yes", None),
    ],
    "bold": [
        ("**Yes**", "yes"),
        ("**No.**", "no"),
        ("__no__", "no"),
        ("__Yes__", "yes"),
        ("**Not necessarily**", "no"),
        ("**Yes** at first, then **No**", "no"),
        # the last bold span that reads as a verdict counts
        ("**No** because of **the collider**", "no"),
        ("**Note**", None),
        ("**Nope**", None),
        ("*Yes*", None),
        ("Yes", None),
    ],
    "final_line": [
        ("A and C are dependent.\nTherefore, yes.", "yes"),
        ("Step 1.\nSo: No", "no"),
        ("Step 1.\nThus, true", "yes"),
        ("Step 1.\nHence false.", "no"),
        ("Step 1.\nIn conclusion, it must be true.", "yes"),
        ("Step 1.\nOverall, not necessarily.", "no"),
        ("Step 1.\nIn summary: **No**", "no"),
        ("Yes, A causes C.\n\nStep 2 shows more.", None),
        ("Step 1.\nYes\n\n***\n", "yes"),
        ("No\n  \n", "no"),
        ("Step 1.\nTherefore, it must be true that " + LEADING_80, None),
        ("Step 1.\nWe conclude nothing.", None),
        # a long last line counts when it starts with a verdict word
        ("Step 1.\nYes, " + LEADING_80, "yes"),
        ("Step 1.\nTrue, " + LEADING_80, "yes"),
        ("Step 1.\nNo, " + LEADING_80, "no"),
        ("Step 1.\nFalse, " + LEADING_80, "no"),
        ("Step 1.\n**Therefore**, yes, " + LEADING_80, "yes"),
        ("Step 1.\nTherefore, **no**, " + LEADING_80, "no"),
        # a last line that does not start with a verdict word is read only up to 80 characters
        ("Step 1.\nit must be true " + "x" * 64, "yes"),
        ("Step 1.\nit must be true " + "x" * 65, None),
        ("", None),
        ("***", None),
    ],
    "leading": [
        ("Yes", "yes"),
        ("yes, because A causes C", "yes"),
        ("True.", "yes"),
        ("true, because A causes C", "yes"),
        ("No", "no"),
        ("false", "no"),
        ("False, since B causes A", "no"),
        ("No, B causes A.", "no"),
        ("**No**", "no"),
        ("> Yes", "yes"),
        ("Therefore, yes.", "yes"),
        ("Therefore, **yes**.", "yes"),
        ("> So, no", "no"),
        ("**Thus**, true", "yes"),
        ("So the answer is: no", "no"),
        ("In conclusion, true", "yes"),
        ("Correct", "yes"),
        ("Invalid.", "no"),
        ("not true", "no"),
        ("Y", "yes"),
        ("n.", "no"),
        ("Undetermined", "no"),
        ("Cannot be determined.", "no"),
        ("Necessarily true.", "yes"),
        ("It must be true.", "yes"),
        ("The hypothesis holds true.", "yes"),
        ("The statement is correct.", "yes"),
        ("The claim is valid.", "yes"),
        ("The statement is false.", "no"),
        ("The claim is not valid.", "no"),
        ("The hypothesis is incorrect.", "no"),
        ("It is necessarily false.", "no"),
        ("The claim must be false.", "no"),
        ("We cannot deduce that.", "no"),
        ("We can not deduce that.", "no"),
        ("We can't deduce that.", "no"),
        ("We can’t deduce that.", "no"),
        # a negative phrase is read before a positive one
        ("It cannot be said that it must be true.", "no"),
        ("It is not necessarily true.", "no"),
        # phrases count only in the first 80 characters
        (LEADING_80 + " it must be true", None),
        (LEADING_80 + " we cannot deduce that", None),
        ("x" * 60 + " it must be true", "yes"),
        ("x" * 73 + " cannot", "no"),  # the phrase ends at character 80
        ("x" * 74 + " cannot", None),  # ... and at 81
        ("x" * 60 + " we cannot tell", "no"),
        ("Yesterday it rained.", None),
        ("Nothing follows.", None),
        ("Notably, B.", None),
        ("Maybe.", None),
        ("Not sure.", None),
        # a one-letter y / n is a verdict only when it is the whole answer
        ("y b", None),
        ("n b", None),
        ("x", None),
        ("valid or not", None),
        ("", None),
        ("...", None),
    ],
}


@pytest.mark.parametrize(
    ("rule", "text", "verdict"),
    [(rule, text, verdict) for rule, cases in RULE_CASES.items() for text, verdict in cases],
    ids=[f"{rule}-{k}" for rule, cases in RULE_CASES.items() for k in range(len(cases))],
)
def test_each_rule_alone(rule: str, text: str, verdict: str | None) -> None:
    parsed = AnswerExtractor(rules=(rule,))(text)
    if verdict is None:
        assert parsed == ParsedAnswer(0, None)
    else:
        assert parsed == ParsedAnswer(int(verdict == "yes"), verdict, rule=rule)


def test_every_rule_has_cases_and_the_default_order_is_documented() -> None:
    assert set(RULE_CASES) == set(ANSWER_RULES)
    assert DEFAULT_RULES == (
        "json",
        "boxed",
        "final_answer",
        "answer_is",
        "bold",
        "final_line",
        "leading",
    )
    assert tuple(AnswerExtractor().rules) == DEFAULT_RULES


@pytest.mark.parametrize(
    ("text", "verdict", "rule"),
    [
        # one output where every rule finds something: the most explicit marker wins
        ('{"answer": "no"} \\boxed{Yes}', "no", "json"),
        ("\\boxed{No}\nFinal answer: Yes", "no", "boxed"),
        ("Final answer: No. The answer is yes", "no", "final_answer"),
        ("The answer is no. **Yes**", "no", "answer_is"),
        ("**No**\nTherefore, yes.", "no", "bold"),
        ("Yes at first.\nTherefore, no.", "no", "final_line"),
        ("Yes, A causes C.\n\nStep 2 shows more.", "yes", "leading"),
    ],
)
def test_default_order_goes_from_the_most_explicit_marker(
    text: str, verdict: str, rule: str
) -> None:
    assert extract_answer(text) == ParsedAnswer(int(verdict == "yes"), verdict, rule=rule)


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        # a quoted option list is the question repeated, not an answer
        ('"Yes" or "No"? No', "no"),
        ("Yes or no: no", "no"),
        ("yes/no: Yes", "yes"),
        ("Yes, no: maybe", None),
        ("No or yes? Yes", "yes"),
        ("No/Yes - No", "no"),
        ("True or false? False", "no"),
        ("true/false: true", "yes"),
        ("**Yes** or **No**", None),
        ("“Yes” or “No”", None),
        ("'yes' or 'no'", None),
    ],
)
def test_option_lists_are_not_answers(text: str, verdict: str | None) -> None:
    assert extract_answer(text).verdict == verdict


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>a</think>Yes", Reasoning("a", "Yes")),
        ("<thinking>a</thinking>No", Reasoning("a", "No")),
        ("<reasoning>a</reasoning>No", Reasoning("a", "No")),
        ("<thought>a</thought>No", Reasoning("a", "No")),
        ("<THINK> a </THINK> Yes ", Reasoning("a", "Yes")),
        ("<Thinking>a</Thinking>No", Reasoning("a", "No")),
        # the chat template opened the block: only its end is in the output
        ("so the answer is no</think>\n\nYes", Reasoning("so the answer is no", "Yes")),
        # text in front of the block is part of the answer
        ("Note: <think>a</think> yes", Reasoning("a", "Note:  yes")),
        # the last closing tag ends the reasoning
        ("<think>a</think>b</think>c", Reasoning("a</think>b", "c")),
        ("<think></think>No", Reasoning(None, "No")),
        ("</think>Yes", Reasoning(None, "Yes")),
        ("<think>\n\n</think>\n\nYes", Reasoning(None, "Yes")),
        ("no reasoning here", Reasoning(None, "no reasoning here")),
        ("  padded  ", Reasoning(None, "padded")),
        ("", Reasoning(None, "")),
        (None, Reasoning(None, "")),
        # an unterminated block is a truncation; the text before it is the answer
        ("<think>Let me check", Reasoning("Let me check", "", truncated=True)),
        ("Yes <think>but", Reasoning("but", "Yes", truncated=True)),
        ("<thinking>", Reasoning(None, "", truncated=True)),
        ("<reasoning> x", Reasoning("x", "", truncated=True)),
    ],
)
def test_split_reasoning(text: str | None, expected: Reasoning) -> None:
    assert split_reasoning(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "<|channel|>analysis<|message|>think<|end|><|start|>assistant"
            "<|channel|>final<|message|>Yes<|return|>",
            Reasoning("think", "Yes"),
        ),
        (
            "<|channel|> Final <|message|>No<|end|>",
            Reasoning(None, "No"),
        ),
        (
            "<|channel|> ANALYSIS <|message|> a <|end|><|channel|>final<|message|> b ",
            Reasoning("a", "b"),
        ),
        # only the last final channel is the answer
        (
            "<|channel|>final<|message|>Yes<|end|><|channel|>final<|message|>No<|return|>",
            Reasoning(None, "No"),
        ),
        # the analysis ran out before a final channel: truncated, the reasoning kept
        ("<|channel|>analysis<|message|>still going", Reasoning("still going", "", True)),
        ("<|channel|>analysis<|message|><|end|>", Reasoning(None, "", True)),
        # harmony control tokens are not part of the reasoning
        ("<|channel|>analysis<|message|>think<|call|>", Reasoning("think", "", True)),
    ],
)
def test_split_harmony(text: str, expected: Reasoning) -> None:
    assert split_reasoning(text) == expected


@pytest.mark.parametrize(
    ("text", "finish_reason", "expected"),
    [
        (None, None, ParsedAnswer(0, None)),
        ("", "length", ParsedAnswer(0, None, truncated=True)),
        (None, "stop", ParsedAnswer(0, None)),
        ("<think>still thinking", None, ParsedAnswer(0, None, truncated=True)),
        ("<think>still thinking", "stop", ParsedAnswer(0, None, truncated=True)),
        ("Step 1: the", "length", ParsedAnswer(0, None, truncated=True)),
        ("Step 1: the", "stop", ParsedAnswer(0, None)),
        ("Yes, because", "length", ParsedAnswer(1, "yes", rule="final_line")),
        # a verdict before the unterminated block still counts
        ("No <think>hmm", None, ParsedAnswer(0, "no", rule="final_line")),
    ],
)
def test_truncation_and_parse_failure(
    text: str | None, finish_reason: str | None, expected: ParsedAnswer
) -> None:
    parsed = extract_answer(text, finish_reason=finish_reason)
    assert parsed == expected
    assert (parsed.truncated, parsed.parsed) == (expected.truncated, expected.verdict is not None)


def test_reasoning_is_not_read_unless_asked() -> None:
    text = "<think>the answer is yes</think>Maybe."
    assert extract_answer(text) == ParsedAnswer(0, None)
    raw = AnswerExtractor(strip_reasoning=False)
    parsed, split = raw.read(text)
    assert parsed == ParsedAnswer(1, "yes", rule="answer_is")
    assert split == Reasoning(None, text)


def test_read_returns_the_split_it_read() -> None:
    parsed, split = AnswerExtractor().read("<think>a</think>\n**No**")
    assert parsed == ParsedAnswer(0, "no", rule="bold")
    assert split == Reasoning("a", "**No**")
    assert AnswerExtractor().read(None) == (ParsedAnswer(0, None), Reasoning(None, ""))
    assert AnswerExtractor().read("", finish_reason="length") == (
        ParsedAnswer(0, None, truncated=True),
        Reasoning(None, ""),
    )


@pytest.mark.parametrize(
    ("patterns", "text", "expected"),
    [
        # the first capture group is read, the last match with a verdict wins
        (
            (r"<ans>(\w+)</ans>",),
            "<ans>no</ans> <ans>yes</ans>",
            ParsedAnswer(1, "yes", rule="regex"),
        ),
        (
            (r"<ans>(\w+)</ans>",),
            "<ans>yes</ans> <ans>hm</ans>",
            ParsedAnswer(1, "yes", rule="regex"),
        ),
        # without a group the whole match is read
        ((r"(?:yes|no)!",), "No! Yes.", ParsedAnswer(0, "no", rule="regex")),
        # patterns ignore case and come before every rule
        ((r"VERDICT=(\w+)",), "Yes. verdict=NO", ParsedAnswer(0, "no", rule="regex")),
        # the first pattern with a verdict wins
        ((r"A=(\w+)", r"B=(\w+)"), "B=yes A=no", ParsedAnswer(0, "no", rule="regex")),
        ((r"A=(\w+)", r"B=(\w+)"), "B=yes A=hm", ParsedAnswer(1, "yes", rule="regex")),
        # an optional group that did not take part reads as nothing; the rules decide
        ((r"X(=\w+)?",), "Yes. X", ParsedAnswer(1, "yes", rule="final_line")),
        ((r"<ans>(\w+)</ans>",), "Yes", ParsedAnswer(1, "yes", rule="final_line")),
    ],
)
def test_patterns(patterns: tuple[str, ...], text: str, expected: ParsedAnswer) -> None:
    assert AnswerExtractor(patterns=patterns)(text) == expected


def test_patterns_skip_option_lists() -> None:
    extractor = AnswerExtractor(patterns=(r"(yes|no)",), rules=())
    assert extractor('"Yes" or "No"? no') == ParsedAnswer(0, "no", rule="regex")
    assert extractor("Yes or no") == ParsedAnswer(0, None)


def test_from_mapping_builds_what_it_is_given() -> None:
    assert AnswerExtractor.from_mapping(None) == AnswerExtractor()
    assert AnswerExtractor.from_mapping({}) == AnswerExtractor()
    assert AnswerExtractor.from_mapping({}).to_dict() == {
        "rules": list(DEFAULT_RULES),
        "regex": [],
        "strip_reasoning": True,
    }
    one = AnswerExtractor.from_mapping({"regex": r"A=(\w+)", "strip_reasoning": False})
    assert one.to_dict() == {
        "rules": list(DEFAULT_RULES),
        "regex": [r"A=(\w+)"],
        "strip_reasoning": False,
    }
    assert one("<think>A=yes</think>") == ParsedAnswer(1, "yes", rule="regex")
    listed = AnswerExtractor(rules=["bold", "leading"], patterns=[r"x"])  # type: ignore[arg-type]
    assert (listed.rules, listed.patterns) == (("bold", "leading"), ("x",))
    assert hash(listed) == hash(AnswerExtractor(rules=("bold", "leading"), patterns=("x",)))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"rules": ["leading", "nope", "bad"]},
            r"^T: unknown answer rule\(s\) nope, bad; known: json, boxed, final_answer, "
            r"answer_is, bold, final_line, leading$",
        ),
        ({"rules": "leading"}, r"^T: 'rules' must be a list of rule names$"),
        ({"rules": ["leading", 3]}, r"^T: 'rules' must be a list of rule names$"),
        ({"regex": ["ok", 3]}, r"^T: 'regex' must be a pattern or a list of patterns$"),
        ({"regex": {"a": 1}}, r"^T: 'regex' must be a pattern or a list of patterns$"),
        ({"regex": ["("]}, r"^T: answer pattern '\(': missing \), unterminated subpattern"),
        ({"zeta": 1, "alpha": 2, "rules": []}, r"^T: unknown key\(s\) alpha, zeta$"),
        ({"strip_reasoning": 1}, r"^T: 'strip_reasoning' must be true or false$"),
        ([], r"^T: must be a table$"),
    ],
)
def test_bad_tables_are_named(table: object, message: str) -> None:
    with pytest.raises(AnswerSpecError, match=message):
        AnswerExtractor.from_mapping(table, "T")  # type: ignore[arg-type]


def test_bad_tables_default_location() -> None:
    with pytest.raises(AnswerSpecError, match=r"^\[answer\]: must be a table$"):
        AnswerExtractor.from_mapping([])  # type: ignore[arg-type]


def test_harmony_empty_analysis_directly_before_the_final_channel():
    # the final channel starts exactly where the (empty) analysis message starts: nothing of
    # the final message may leak into the reasoning
    text = "<|channel|>analysis<|message|><|channel|>final<|message|>Yes"
    assert split_reasoning(text) == Reasoning(None, "Yes")
    text = "<|channel|>analysis<|message|>think<|channel|>final<|message|>No"
    assert split_reasoning(text) == Reasoning("think", "No")
