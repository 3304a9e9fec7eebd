"""On-demand benchmarks (not part of the test suite): run them with `python -m benchmarks.<name>`."""
