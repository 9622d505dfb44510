"""The pkuseg segmentation model: obtained by the setup, verified, found without configuration.

spaCy's Chinese tokenizer loads a pkuseg model from a folder. The trained default model ships
inside the registry wheel pkuseg==0.0.25 (built for CPython 3.7, so it is downloaded, not
installed); the setup takes the two model files out of it into `.models/pkuseg/default/`
(ignored by git) and checks them against the digests recorded here.

Loaded as published, that model holds about 800 MiB in every process. The setup therefore
derives from it, once, the folder that is loaded (`.models/pkuseg/compact/`): the same
segmentation from less memory, because pkuseg's segmentation reads only the feature ids, the
word list and the weights (feature_extractor.pyx, `__get_node_features_idx`; inference.pyx,
`getLogYY`), and each feature only adds its row of weights to a character's scores:

- the word-pair set (`bigram`, 1.1 million strings) is used in training only: left empty;
- a feature whose weights are all +0.0 adds nothing (a score is never -0.0): left out;
- features with byte-identical rows of weights share one row and one id, so the weights
  shrink by 44% and there are 1.5 million ids for 2.6 million features;
- id 0 stays the start feature's, which pkuseg adds to every character by number.

A character's scores are the same float sums in the same order, so every cut is the same;
the derivation checks that row by row and then the files' digests against those recorded.

`features.pkl` and `weights.npz` are written with the standard pickle and numpy, in the layout
pkuseg loads: plain pkuseg loads the folder whole (a peak of about 610 MiB; the benchmarks' bare
segmentation and the tests that compare cuts do), most of it the 2.6 million feature keys, of
which a text can fire only those whose characters it holds. Beside them the setup writes
`feature_table.npz` (each feature as a prefix, two tokens and its id; the tokens' characters;
`feature_table`) and `lean/` (the same model without features). The extractors' segmenter
(extractors/lean_pkuseg.py) loads `lean/` and the table (about 220 MiB with its index of the
character pairs), then the features the texts it meets can fire, each id one shared int
object: about 80 MiB more for the five bundled documents (0.5 million features).
"""
from __future__ import annotations

import hashlib
import io
import logging
import pickle
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from reform_facts import paths
from reform_facts.errors import ModelMissingError

log = logging.getLogger(__name__)

SOURCE_DIR = paths.MODELS_DIR / "pkuseg" / "default"  # the wheel's files, as published
PKUSEG_DIR = paths.MODELS_DIR / "pkuseg" / "compact"  # derived from them: the one loaded
WHEEL = "pkuseg==0.0.25"
WHEEL_SHA256 = "6fc2f97d0f66cc6722cf772e65dbcde1b01d8cc53b66ac4aa7bce639de79588f"
FILES_SHA256 = {
    "features.pkl": "265dcf5534a11d6429776f7e7450a9eef8e075b1a4bedb82ef996994d9c721ac",
    "weights.npz": "95d1632a1fed45993b5006d8ba85939cb110fae71313987673582d24669811dd",
}
COMPACT_SHA256 = {
    "features.pkl": "ed90f3266c75f973eef73b92776e1b67d3ecfcc0d5d1cbedd051027db8b65456",
    "weights.npz": "434f88bf9ac75a70c79f21c21d8f551fcb15bf145e0f20838f983269517aeebf",
    "feature_table.npz": "22db520ca9898f93b00065b2b900d797297409e247a17c72fa861135ce306b59",
    "lean/features.pkl": "4beedf9a1a439e75fa489b90e66e886d1fe7a29a3fd30e938d7f8ee2c97e335d",
    "lean/weights.npz": "434f88bf9ac75a70c79f21c21d8f551fcb15bf145e0f20838f983269517aeebf",  # -> ../weights.npz
}
_DOWNLOAD = ["--no-deps", "--only-binary=:all:", "--python-version", "3.7", "--implementation", "cp",
             "--abi", "cp37m", "--platform", "manylinux1_x86_64"]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pkuseg_model_dir() -> Path:
    """The verified (compact) model folder; raises with the fix when the setup has not run."""
    missing = [name for name in COMPACT_SHA256 if not (PKUSEG_DIR / name).is_file()]
    if missing:
        raise ModelMissingError(f"pkuseg model not found in {PKUSEG_DIR} (missing {', '.join(missing)}): "
                                "run `make setup` (or `reform-facts fetch-model`) once")
    return PKUSEG_DIR


def fetch_pkuseg(*, force: bool = False) -> Path:
    """Download the pkuseg wheel if its model is not here yet, check it, unpack its default
    model into `SOURCE_DIR` and derive the compact folder that is loaded (`PKUSEG_DIR`)."""
    if not force and verify(PKUSEG_DIR, COMPACT_SHA256):
        return PKUSEG_DIR
    if force or not verify(SOURCE_DIR, FILES_SHA256):
        _unpack_wheel()
    with tempfile.TemporaryDirectory(dir=PKUSEG_DIR.parent, prefix=".compact-") as tmp:
        derive_compact(SOURCE_DIR, Path(tmp))
        if not verify(Path(tmp), COMPACT_SHA256):
            found = {name: sha256(Path(tmp) / name) for name in COMPACT_SHA256}
            raise ModelMissingError(f"{PKUSEG_DIR}: the derived files' SHA-256 {found} are not the "
                                    f"recorded {COMPACT_SHA256}")
        shutil.rmtree(PKUSEG_DIR, ignore_errors=True)
        Path(tmp).rename(PKUSEG_DIR)
    return PKUSEG_DIR


def _unpack_wheel() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", WHEEL, *_DOWNLOAD, "-d", tmp],
                       check=True)
        wheel = next(Path(tmp).glob("pkuseg-*.whl"))
        if sha256(wheel) != WHEEL_SHA256:
            raise ModelMissingError(f"{wheel.name}: SHA-256 {sha256(wheel)} is not the recorded {WHEEL_SHA256}")
        SOURCE_DIR.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive:
            for name in FILES_SHA256:
                with archive.open(f"pkuseg/models/default/{name}") as src, (SOURCE_DIR / name).open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    if not verify(SOURCE_DIR, FILES_SHA256):
        raise ModelMissingError(f"{SOURCE_DIR}: unpacked files do not match the recorded SHA-256")


def verify(folder: Path, digests: dict[str, str]) -> bool:
    return all((folder / n).is_file() and sha256(folder / n) == digest for n, digest in digests.items())


def verify_pkuseg() -> bool:
    """The published model files are here and are the recorded ones."""
    return verify(SOURCE_DIR, FILES_SHA256)


# --- the compact model ----------------------------------------------------------------------

def read_model(folder: Path) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """A pkuseg model folder's features, its weights as one row per feature, and the weights
    of tag transitions (`Model.load`'s layout: n_feature * n_tag node weights, then edges)."""
    with (folder / "features.pkl").open("rb") as handle:
        features = pickle.load(handle)  # the setup's own file, checked against its SHA-256
    with np.load(folder / "weights.npz") as npz:
        n_tag, n_feature = (int(n) for n in npz["sizes"])
        weights = npz["w"]
    return features, weights[:n_tag * n_feature].reshape(n_feature, n_tag), weights[n_tag * n_feature:]


def derive_compact(source: Path, target: Path) -> None:
    """Write into `target` the compact form of the pkuseg model in `source` (see the module's
    docstring), and check that every feature it keeps has its own weights there and every
    feature it leaves out had only zeros."""
    features, rows, edges = read_model(source)
    by_bytes = rows.view(np.dtype((np.void, rows.shape[1] * rows.itemsize))).ravel()
    _, first, group = np.unique(by_bytes, return_index=True, return_inverse=True)
    order = np.argsort(first)  # the distinct rows, in the order of the first feature having each
    new_id = np.empty_like(order)
    new_id[order] = np.arange(len(order))
    new_id = new_id[group.ravel()]
    zero = ~rows.view(np.uint8).reshape(len(rows), -1).any(axis=1)
    zero[0] = False  # id 0 is added to every character by number, whatever its weights
    if new_id[0] != 0:
        raise ModelMissingError(f"{source}: the start feature does not keep id 0")
    new_ids, dropped = new_id.tolist(), zero.tolist()
    compact = dict(features, bigram=[], feature_to_idx={
        key: new_ids[old] for key, old in features["feature_to_idx"].items() if not dropped[old]})
    target.mkdir(parents=True, exist_ok=True)
    with (target / "features.pkl").open("wb") as handle:
        pickle.dump(compact, handle, protocol=4)
    _write_npz(target / "weights.npz", sizes=np.array([rows.shape[1], len(order)], dtype=np.int64),
               w=np.concatenate([rows[first[order]].ravel(), edges]))
    _check_same_scores(features, rows, edges, target)
    _write_lean(compact, target)


def _check_same_scores(features: dict[str, Any], rows: np.ndarray, edges: np.ndarray, target: Path) -> None:
    """Every feature of the compact model adds the same weights as in the original."""
    compact, new_rows, new_edges = read_model(target)
    old_ids = features["feature_to_idx"]
    kept = compact["feature_to_idx"]
    old = np.fromiter((old_ids[key] for key in kept), dtype=np.int64, count=len(kept))
    new = np.fromiter(kept.values(), dtype=np.int64, count=len(kept))
    dropped = np.setdiff1d(np.arange(len(rows)), old, assume_unique=True)
    same = (rows[old].tobytes() == new_rows[new].tobytes() and edges.tobytes() == new_edges.tobytes()
            and not rows[dropped].view(np.uint8).any() and compact["unigram"] == features["unigram"]
            and compact["tag_to_idx"] == features["tag_to_idx"])
    if not same:
        raise ModelMissingError(f"{target}: the compact pkuseg model does not give the original's weights")


def _write_npz(path: Path, **arrays: np.ndarray) -> None:
    """`np.savez` with fixed entry dates, so that the same arrays give the same bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), buffer.getvalue())


# --- the table of features by their characters ------------------------------------------------
#
# A pkuseg feature is a template prefix, then one or two tokens (separated by "." or "*"), each a
# normalised character of the text (`FeatureExtractor.normalize_text`: `-._,|/*:` become "&",
# digits and full-width letters become a class name), a word of the model's word list made of
# such characters, or a class name (`**Num`, `**Letter`, `**noWord`). The text's characters never
# hold "." or "*" (renamed to "&"), nor do the words, so each key parses one way only.
PREFIXES = ("$$", "c.", "c-1.", "c1.", "c-2.", "c2.", "c-1c.", "cc1.", "c-2c-1.", "w-1.", "w1.",
            "ww.l.", "ww.r.", "")
SEPARATORS = ("", "", "", "", "", "", ".", ".", ".", "", "", "*", "*", "")
RAW = len(PREFIXES) - 1  # a key that does not parse: kept as a whole, and always loaded
SPECIALS = ("**Num", "**Letter", "**noWord")


def _split(key: str) -> tuple[int, str, str]:
    """A feature key as (prefix index, first token, second token); RAW when it does not parse.

    >>> _split("c-1c.医.改"), _split("ww.l.**noWord*改革"), _split("c.**Num")
    ((6, '医', '改'), (11, '**noWord', '改革'), (1, '**Num', ''))
    """
    if key == "$$":
        return 0, "", ""
    for index, (prefix, sep) in enumerate(zip(PREFIXES[1:RAW], SEPARATORS[1:RAW]), start=1):
        if not key.startswith(prefix):
            continue
        body = key[len(prefix):]
        if not sep:
            return (index, body, "") if _is_token(body) else (RAW, key, "")
        parses = [(body[:at], body[at + 1:]) for at, ch in enumerate(body) if ch == sep]
        parses = [(a, b) for a, b in parses if _is_token(a) and _is_token(b)]
        return (index, *parses[0]) if len(parses) == 1 else (RAW, key, "")
    return RAW, key, ""


def _is_token(token: str) -> bool:
    return token in SPECIALS or (token != "" and "." not in token and "*" not in token)


def feature_table(feature_to_idx: dict[str, int]) -> dict[str, np.ndarray]:
    """The features as arrays from which those that can fire on a text are selected fast:
    each feature's prefix (index into PREFIXES), its two tokens and its id; the tokens as one
    UTF-8 text, and the characters each token needs (indexes into `alphabet`, a class name
    needing none). A feature can fire only where its tokens' characters all occur in the text."""
    split = [_split(key) for key in feature_to_idx]
    tokens = sorted({t for _, a, b in split for t in (a, b)} | {""})
    if any("\n" in t for t in tokens):
        raise ModelMissingError("pkuseg features: a feature holds a line break")
    token_id = {t: i for i, t in enumerate(tokens)}
    needs = [sorted(set(t)) if t not in SPECIALS else [] for t in tokens]
    alphabet = sorted({ch for chars in needs for ch in chars})
    char_id = {ch: i for i, ch in enumerate(alphabet)}
    return {
        "prefix": np.array([p for p, _, _ in split], dtype=np.uint8),
        "tokens": np.array([[token_id[a], token_id[b]] for _, a, b in split], dtype=np.int32).reshape(-1, 2),
        "ids": np.fromiter(feature_to_idx.values(), dtype=np.int32, count=len(feature_to_idx)),
        "token_text": np.frombuffer("\n".join(tokens).encode("utf-8"), dtype=np.uint8),
        "token_bounds": np.cumsum([0] + [len(chars) for chars in needs], dtype=np.int64),
        "token_chars": np.array([char_id[ch] for chars in needs for ch in chars], dtype=np.int32),
        "alphabet": np.array([ord(ch) for ch in alphabet], dtype=np.int32),
    }


def table_keys(table: dict[str, np.ndarray], rows: np.ndarray) -> list[str]:
    """The keys of the table's features at `rows`, spelled again from their parts."""
    tokens = np.array(bytes(table["token_text"]).decode("utf-8").split("\n"), dtype=object)
    prefix = table["prefix"][rows]
    pairs = table["tokens"][rows]
    keys = (np.array(PREFIXES, dtype=object)[prefix] + tokens[pairs[:, 0]]
            + np.array(SEPARATORS, dtype=object)[prefix] + tokens[pairs[:, 1]])
    return keys.tolist()


def _write_lean(features: dict[str, Any], target: Path) -> None:
    """The table of the features by their characters, and `lean/`: the compact model without
    its features (same weights), which the segmenter loads and fills from the table."""
    table = feature_table(features["feature_to_idx"])
    if (table_keys(table, np.arange(len(table["ids"]))) != list(features["feature_to_idx"])
            or table["ids"].tolist() != list(features["feature_to_idx"].values())):
        raise ModelMissingError(f"{target}: the table of pkuseg features does not spell its keys again")
    _write_npz(target / "feature_table.npz", **table)
    (target / "lean").mkdir(exist_ok=True)
    with (target / "lean" / "features.pkl").open("wb") as handle:
        pickle.dump(dict(features, feature_to_idx={}), handle, protocol=4)
    (target / "lean" / "weights.npz").unlink(missing_ok=True)
    (target / "lean" / "weights.npz").symlink_to(Path("..") / "weights.npz")
