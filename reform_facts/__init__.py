"""reform-facts: numeric claims from Chinese health-reform documents.

This package is the bottom layer that every other part imports: the claim and document model
(`claim`), the error catalogue (`errors`), the rules' schema (`rulebook`), the administrative
divisions (`divisions`), the gold files (`gold`) and where things are (`paths`). The layers above
are its subpackages: `readers`, `extractors`, `warehouse`, `evaluation`, and `pipeline` (flows and CLI).
"""
__version__ = "0.2.0"
