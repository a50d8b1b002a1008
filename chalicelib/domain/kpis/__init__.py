"""Daily KPIs: the counters and population facts a snapshot is computed from, and the formulas (docs/kpis.md)."""
