"""Risk rules: pure detectors that turn a signal into observations for the alert lifecycle.

Each rule module holds a typed config (thresholds, timing, level mapping), a typed input (the
signal it needs) and `evaluate`, which returns one `Observation` per scope it looked at, with a
level or `None` for "clear". Publishing, pending periods and repeats are the lifecycle's; the
rules only judge one evaluation. See docs/operations.md#risk-rules.
"""
