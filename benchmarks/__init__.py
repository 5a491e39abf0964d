"""Reproducible performance runs, each compared with a baseline measured in the same run."""
