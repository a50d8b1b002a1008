"""Risk alerts as pure rules: what a rule observes, one alert's state, and how it moves (docs/operations.md)."""
