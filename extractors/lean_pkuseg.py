"""pkuseg with its features loaded for the characters it meets: the same cuts from less memory.

The compact model (extractors/models.py) holds 2.6 million feature keys, but a feature can
fire only on a text holding all the characters of its tokens (`models.feature_table`), and a
character-pair feature (`c-1c.`, `cc1.`, `c-2c-1.`: 60% of them) only where its two characters
stand side by side. The segmenter is therefore built from `lean/` (the same weights, no
features) and, before each cut, adds to its feature dict those of the table that the text met so
far can fire: a pair feature once its pair has been met, any other once its tokens' characters
all have. For the five bundled documents that is 0.6 million features (1.4 million by
characters alone). The dict only grows, under a lock (extraction runs in threads); a text whose
characters and pairs were all met costs one pass over its characters. Every feature that fires
on a text is in the dict with its id when the text is cut, so every cut is the full model's.
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

# the features whose two tokens are adjacent characters of the text (pkuseg's character bigrams)
PAIR_PREFIXES = tuple(models.PREFIXES.index(prefix) for prefix in ("c-1c.", "cc1.", "c-2c-1."))


class FeatureCover:
    """The table of a model's features and the part of it loaded into `feature_to_idx`: the
    pair features whose pair of characters `cover` has met side by side, and the others whose
    tokens' characters all occur among the characters it has met.

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
        # the pair features' rows sorted by their pair of characters (first * nodes + second,
        # each character or class numbered among the single-node tokens)
        names = bytes(table["token_text"]).decode("utf-8").split("\n")
        nodes = [i for i, name in enumerate(names) if len(name) == 1 or name in models.SPECIALS]
        self._node_id = {names[token]: k for k, token in enumerate(nodes)}
        self._nodes = len(nodes)
        node_of_token = np.full(len(names), -1, dtype=np.int32)
        node_of_token[nodes] = np.arange(len(nodes), dtype=np.int32)
        pairs = table["tokens"]
        # (pkuseg's pair features all name two single nodes; another would go by its characters)
        self._is_pair = (np.isin(table["prefix"], PAIR_PREFIXES)
                         & (node_of_token[pairs[:, 0]] >= 0) & (node_of_token[pairs[:, 1]] >= 0))
        pair_rows = np.flatnonzero(self._is_pair).astype(np.int32)
        codes = node_of_token[pairs[pair_rows, 0]] * np.int32(self._nodes)
        codes += node_of_token[pairs[pair_rows, 1]]
        order = codes.argsort()
        self._pair_codes, self._pair_rows = codes[order], pair_rows[order]
        self._pair_met = np.zeros(len(table["ids"]), dtype=bool)  # pair rows whose pair was met
        self._met_pairs: frozenset[str] = frozenset()  # two-character strings met, replaced whole
        self._lock = threading.Lock()
        self._load()  # the features needing no character: "$$", "c.**Num", ...

    def cover(self, text: str) -> None:
        """Make sure every feature that can fire on `text` is in the dict (adding only)."""
        pairs = {text[i:i + 2] for i in range(len(text) - 1)}
        if self._met.issuperset(text) and self._met_pairs.issuperset(pairs):
            return
        with self._lock:
            new = set(text).difference(self._met)
            new_pairs = pairs.difference(self._met_pairs)
            grown = False
            for ch in new:
                for node in self._normalize(ch):
                    at = self._char_id.get(node)
                    if at is not None and not self._known[at]:
                        self._known[at] = grown = True
            for pair in new_pairs:
                grown |= self._meet_pair(pair)
            if grown:
                self._load()
            self._met = self._met | new
            self._met_pairs = self._met_pairs | new_pairs

    def _meet_pair(self, pair: str) -> bool:
        """Mark the pair features of two adjacent characters as met; whether any was new."""
        first, second = (self._node_id.get(node, -1) for node in self._normalize(pair))
        if first < 0 or second < 0:  # a character no feature names
            return False
        # in the codes' own dtype: a Python int would make numpy cast the whole array per lookup
        code = self._pair_codes.dtype.type(first * self._nodes + second)
        rows = self._pair_rows[np.searchsorted(self._pair_codes, code, "left"):
                               np.searchsorted(self._pair_codes, code, "right")]
        if not len(rows) or self._pair_met[rows].all():
            return False
        self._pair_met[rows] = True
        return True

    def _load(self) -> None:
        """Add the rows not in yet whose pair was met (pair features) or whose tokens'
        characters are all known (the others)."""
        table = self.table
        missing = (~self._known[table["token_chars"]]).astype(np.int32)
        per_token = np.diff(np.concatenate([[0], np.cumsum(missing)])[table["token_bounds"]])
        ready = per_token == 0
        pairs = table["tokens"]
        by_characters = ready[pairs[:, 0]] & ready[pairs[:, 1]] | (table["prefix"] == models.RAW)
        rows = np.flatnonzero(np.where(self._is_pair, self._pair_met, by_characters) & ~self._added)
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
