"""Synthetic data sets for demos, local runs and benchmarks: never packaged into a Lambda archive."""
