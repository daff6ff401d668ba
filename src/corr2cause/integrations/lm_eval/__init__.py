"""lm-evaluation-harness tasks for Corr2Cause (package data: YAMLs + hooks).

Not to be confused with the ``lm_eval`` package itself: this folder only *holds task files*
that lm-evaluation-harness reads with ``--include_path``:

``corr2cause.yaml`` (task ``corr2cause``)
    ``multiple_choice``: the model scores the continuations " No" and " Yes" after the
    paper's question, and the likelier one is its answer. Needs log-likelihoods (``hf``,
    ``vllm``, ``local-completions`` with logprobs); the right variant for base models.
``corr2cause_gen.yaml`` (task ``corr2cause_gen``)
    ``generate_until``: the model writes an answer, read with the paper's rules
    (:func:`corr2cause.evaluation.answers.normalize_answer`). Works with chat APIs
    (``local-chat-completions``, ``openai-chat-completions``, ``anthropic-chat`` ...); add
    ``--apply_chat_template`` and the paper's system prompt with ``--system_instruction``.
``corr2cause_gen_reasoning.yaml`` (task ``corr2cause_gen_reasoning``)
    ``corr2cause_gen`` with room to think: the paper's protocol stops at the first blank line
    after at most 32 tokens, which cuts reasoning models (R1, Qwen3, gpt-oss) off inside
    their reasoning; this task generates up to 8192 tokens, stops only at the end of
    sequence (or ``"\nQuestion:"``), reads the answer after the reasoning, and reports
    ``truncated``, the share of outputs that ended inside it. Override the budget with
    ``--gen_kwargs max_gen_toks=32768`` (any ``generation_kwargs`` key).

All report ``f1``, ``precision`` and ``recall`` of the *valid* class and ``acc`` (fractions;
the paper reports them x100); the generation tasks also report ``unparseable``, the share of
answers that could not be read. The F1-style metrics use this package's own aggregations, so
lm-eval does not bootstrap their standard errors (which takes minutes for ``f1``).

Data are chosen at run time with ``--metadata``, read by :func:`hooks.load_corr2cause`::

    lm-eval run --include_path "$(python -m corr2cause.integrations.lm_eval)" \\
        --tasks corr2cause --model hf --model_args pretrained=gpt2 \\
        --metadata '{"data": "official_test.csv"}'

Keys: ``data`` (a generated folder, a Hugging Face export or a CSV/Parquet/JSONL file;
default ``$CORR2CAUSE_DATA``), ``config`` (default ``default``) and ``split`` (folders:
default ``test``).
"""
