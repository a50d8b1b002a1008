"""Use cases: each combines pure domain rules with the persistence layer, one per operation."""
