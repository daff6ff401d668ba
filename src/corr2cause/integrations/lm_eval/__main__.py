"""Print the lm-eval include path: ``lm-eval run --include_path "$(python -m THIS)"``."""

from corr2cause.integrations import lm_eval_tasks_path

print(lm_eval_tasks_path())
