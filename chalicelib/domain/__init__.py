"""Pure domain rules: no AWS, no I/O, unit-tested without mocks."""
