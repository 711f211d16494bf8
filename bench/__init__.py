"""Benchmarks: `python -m bench` prints figures and their ratio to a baseline measured in the same run."""
