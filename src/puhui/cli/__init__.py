"""The `puhui` command line (Typer + Rich)."""
