"""The installed package runs without a checkout: rules and configuration ship inside the wheel."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from reform_facts.paths import PROJECT_DIR as ROOT


@pytest.mark.slow
def test_a_wheel_unpacked_outside_the_checkout_runs_extract(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "-w", str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("reform_facts-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "site")
    assert "reform_facts/rules/units.yaml" in names and "reform_facts/warehouse/migrations/001_core.sql" in names
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "plan.txt").write_text("2023年三明市卫生健康工作总结\n全市基层诊疗量占比达65%以上。\n", encoding="utf-8")
    # the unpacked wheel first on the path: this checkout's editable install is not what runs
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    code = ("import reform_facts, sys; assert reform_facts.__file__.startswith(sys.argv[1]), reform_facts.__file__\n"
            "from reform_facts.pipeline.cli import main; sys.exit(main(['extract', 'plan.txt']))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "site")], capture_output=True, text=True,
                          cwd=work, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    claims = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(c["text"], c["region_code"], c["year"]) for c in claims] == [("65%", "350400", 2023)]
