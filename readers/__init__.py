"""Readers: files of every supported format into `Document`s, or a `Failure` naming the file and why.

`decoding` finds a text file's encoding, `formats` turns .txt/.md/.html/.docx/.pdf into text, and
`files` walks folders, applies the size limit and reads each file on its own.
"""
from reform_facts.readers.files import MAX_BYTES, Failure, expand_paths, read_all, read_bytes, read_document

__all__ = ["MAX_BYTES", "Failure", "expand_paths", "read_all", "read_bytes", "read_document"]
