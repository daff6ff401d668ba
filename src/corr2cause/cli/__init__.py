"""Command-line interface (``corr2cause ...``), built with typer and rich."""
