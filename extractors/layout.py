"""Transitional: the spaCy training code still names the document structure `Layout`.

It is reform_facts.structure.Structure; this alias goes once that code names it so.
"""
from reform_facts.structure import Segment, Structure as Layout  # noqa: F401
