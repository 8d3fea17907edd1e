"""Benchmarks for uwu-tui (DESIGN.md "Performance targets"; issue 3).

    python -m benchmarks                      # full size: 100,000 members, 20,000 cases,
                                              # 1,000,000 entries (also `make bench`)
    python -m benchmarks --small              # a quick run at a small size
    python -m benchmarks --members N --cases N --entries N --import-members N

Builds a synthetic SQLCipher vault and a plain-SQLite copy with the same schema and the
same records, times the scenarios on both, and prints a Markdown table that is also
written to bench-results/latest.md. See benchmarks/harness.py.
"""
