"""Benchmarks: `make bench` (or `python -m bench.run`) prints a table and writes bench/out/."""
