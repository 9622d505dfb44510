"""The benchmark harness: `make bench` (or `python -m benchmarks.bench`); see benchmarks/README.md."""
