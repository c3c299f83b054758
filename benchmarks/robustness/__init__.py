"""Robustness runs: kill -9 of the indexer, a full disk, API fuzzing, a sustained load.

Each script runs on this machine only (servers bind 127.0.0.1), is bounded in
time and request count, stops by itself and writes its figures to
``benchmarks/results/robustness-*.json``. See ``README.md`` here and
``docs/robustness.md``.
"""
