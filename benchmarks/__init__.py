"""Speed and size benchmarks (`soi bench`, `python -m benchmarks.bench`); kept out of the default test run."""
