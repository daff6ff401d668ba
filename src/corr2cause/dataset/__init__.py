"""Dataset layer: compose items, verbalize premises and hypotheses, variants, splits and I/O."""
