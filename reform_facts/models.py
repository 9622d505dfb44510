"""The pkuseg segmentation model: obtained by the setup, verified, found without configuration.

spaCy's Chinese tokenizer loads a pkuseg model from a folder. The trained default model ships
inside the registry wheel pkuseg==0.0.25 (built for CPython 3.7, so it is downloaded, not
installed); the setup takes the two model files out of it into `.models/` (ignored by git) and
checks them against the digests recorded here.
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from reform_facts import ROOT
from reform_facts.errors import ModelMissingError

PKUSEG_DIR = ROOT / ".models" / "pkuseg" / "default"
WHEEL = "pkuseg==0.0.25"
WHEEL_SHA256 = "6fc2f97d0f66cc6722cf772e65dbcde1b01d8cc53b66ac4aa7bce639de79588f"
FILES_SHA256 = {
    "features.pkl": "265dcf5534a11d6429776f7e7450a9eef8e075b1a4bedb82ef996994d9c721ac",
    "weights.npz": "95d1632a1fed45993b5006d8ba85939cb110fae71313987673582d24669811dd",
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
    """The verified model folder; raises with the fix when the setup has not run."""
    missing = [name for name in FILES_SHA256 if not (PKUSEG_DIR / name).is_file()]
    if missing:
        raise ModelMissingError(f"pkuseg model not found in {PKUSEG_DIR} (missing {', '.join(missing)}): "
                                "run `make setup` (or `reform-facts fetch-model`) once")
    return PKUSEG_DIR


def fetch_pkuseg(*, force: bool = False) -> Path:
    """Download the pkuseg wheel, check it, and unpack its default model into .models/."""
    if not force and all((PKUSEG_DIR / n).is_file() for n in FILES_SHA256) and verify_pkuseg():
        return PKUSEG_DIR
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", WHEEL, *_DOWNLOAD, "-d", tmp],
                       check=True)
        wheel = next(Path(tmp).glob("pkuseg-*.whl"))
        if sha256(wheel) != WHEEL_SHA256:
            raise ModelMissingError(f"{wheel.name}: SHA-256 {sha256(wheel)} is not the recorded {WHEEL_SHA256}")
        PKUSEG_DIR.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive:
            for name in FILES_SHA256:
                target = PKUSEG_DIR / name
                with archive.open(f"pkuseg/models/default/{name}") as src, target.open("wb") as dst:
                    while block := src.read(1 << 20):
                        dst.write(block)
    if not verify_pkuseg():
        raise ModelMissingError(f"{PKUSEG_DIR}: unpacked files do not match the recorded SHA-256")
    return PKUSEG_DIR


def verify_pkuseg() -> bool:
    return all((PKUSEG_DIR / n).is_file() and sha256(PKUSEG_DIR / n) == digest
               for n, digest in FILES_SHA256.items())

