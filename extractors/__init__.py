"""Extractors: pure functions from a `Document` to its `Claim`s, found by name in `registry`."""
