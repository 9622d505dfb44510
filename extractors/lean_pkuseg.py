"""pkuseg with its features loaded for the characters it meets: the same cuts from less memory.

The compact model (extractors/models.py) holds 2.6 million feature keys, but a feature can
fire only on a text holding all the characters of its tokens (`models.feature_table`): for the
five bundled documents that is about a third of them. The segmenter is therefore built from
`lean/` (the same weights, no features) and, before each cut, adds to its feature dict those of
the table whose characters are all among the characters met so far. The dict only grows, under
a lock (extraction runs in threads); a text whose characters were all met costs one pass over
its characters. Every feature that fires on a text is in the dict with its id when the text is
cut, so every cut is the full model's.
"""
from __future__ import annotations

import contextlib
import io
import operator
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import spacy_pkuseg

from reform_facts.extractors import models


class FeatureCover:
    """The table of a model's features and the part of it loaded into `feature_to_idx`: the
    features whose tokens' characters all occur among the characters `cover` has met.

    `normalize` is pkuseg's `FeatureExtractor.normalize_text`: a text character as the feature
    extractor sees it ("." becomes "&", a digit `**Num`), so digits and letters pull in nothing.
    """

    def __init__(self, table_path: Path, feature_to_idx: dict[str, int],
                 normalize: Callable[[str], Iterable[str]]) -> None:
        with np.load(table_path) as npz:
            table = {name: npz[name] for name in npz.files}
        self.table = table
        self.feature_to_idx = feature_to_idx
        self._normalize = normalize
        self._char_id = {chr(c): i for i, c in enumerate(table["alphabet"].tolist())}
        self._known = np.zeros(len(self._char_id), dtype=bool)  # alphabet characters met
        self._added = np.zeros(len(table["ids"]), dtype=bool)  # rows already in the dict
        self._met: frozenset[str] = frozenset()  # replaced whole, after the dict has grown
        self._lock = threading.Lock()
        self._load()  # the features needing no character: "$$", "c.**Num", ...

    def cover(self, text: str) -> None:
        """Make sure every feature that can fire on `text` is in the dict (adding only)."""
        if self._met.issuperset(text):
            return
        with self._lock:
            new = set(text).difference(self._met)
            grown = False
            for ch in new:
                for node in self._normalize(ch):
                    at = self._char_id.get(node)
                    if at is not None and not self._known[at]:
                        self._known[at] = grown = True
            if grown:
                self._load()
            self._met = self._met | new

    def _load(self) -> None:
        """Add the rows whose tokens' characters are all known and that are not in yet."""
        table = self.table
        missing = (~self._known[table["token_chars"]]).astype(np.int32)
        per_token = np.diff(np.concatenate([[0], np.cumsum(missing)])[table["token_bounds"]])
        ready = per_token == 0
        pairs = table["tokens"]
        rows = np.flatnonzero((ready[pairs[:, 0]] & ready[pairs[:, 1]] | (table["prefix"] == models.RAW))
                              & ~self._added)
        if not len(rows):
            return
        keys = models.table_keys(table, rows)
        distinct, which = np.unique(table["ids"][rows], return_inverse=True)
        ids = distinct.tolist()  # one int object per id, shared by the keys that have it
        values = operator.itemgetter(*which.tolist())(ids) if len(rows) > 1 else (ids[0],)
        self.feature_to_idx.update(zip(keys, values))
        self._added[rows] = True


class LeanPkuseg(spacy_pkuseg.pkuseg):
    """A pkuseg whose `cut` first covers the text's characters (`FeatureCover`). Copies made
    with `copy.copy` (other user dictionaries) share the cover and the feature dict."""

    cover: FeatureCover

    def cut(self, txt: str) -> list[Any]:
        self.cover.cover(txt)
        return super().cut(txt)


def load(folder: Path) -> LeanPkuseg:
    """The segmenter over the compact model in `folder` (its `lean/` model and its table), with
    pkuseg's default user dictionary, as spaCy builds it. pkuseg's global model folder is left
    naming `folder`, the model loaded.

    >>> seg = load(models.pkuseg_model_dir())
    >>> seg.cut("较上年度提升18个百分点")
    ['较', '上年度', '提升', '18', '个', '百分点']
    """
    # pkuseg warns on stderr that it falls back from features.msgpack to features.pkl: the
    # setup derives exactly those files, so the warning says nothing to the user.
    with contextlib.redirect_stderr(io.StringIO()):
        seg = LeanPkuseg(str(folder / "lean"), user_dict="default")
    spacy_pkuseg.config.modelDir = str(folder)
    extractor = seg.feature_extractor
    seg.cover = FeatureCover(folder / "feature_table.npz", extractor.feature_to_idx, extractor.normalize_text)
    return seg
