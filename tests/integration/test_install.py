"""README's install path, proven: a fresh virtual environment, exactly `pip install .` (no extra),
then a real MariaDB vs PostgreSQL diff with the `dbdiff` it installed.

The rest of the suite runs against the dev extra (scripts/test.sh), which would hide a runtime
dependency that only the dev extra brings (as pymysql and psycopg once were).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.servers, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _clean_env() -> dict[str, str]:
    """This process's environment without what would let the venv see the checkout or our packages."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["DBDIFF_NO_PROGRESS"] = "1"
    return env


@pytest.fixture(scope="session")
def readme_venv(tmp_path_factory) -> Path:
    """A virtual environment of this session's own, with dbdiff installed as README says."""
    venv = tmp_path_factory.mktemp("readme-install") / "venv"
    env = _clean_env()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env, timeout=300)
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "."],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return venv


def test_pip_install_dot_diffs_mariadb_against_postgresql(readme_venv, mysql, pg, unique_name, tmp_path):
    t = unique_name("install")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v VARCHAR(20))", f"INSERT INTO {t} VALUES (1, 'a'), (2, 'b')"
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v VARCHAR(20))", f"INSERT INTO {t} VALUES (1, 'a'), (2, 'B')"
    )
    env = _clean_env()
    # The installed package, not the checkout: run from elsewhere, with nothing on PYTHONPATH.
    where = subprocess.run(
        [
            str(readme_venv / "bin" / "python"),
            "-c",
            "import dbdiff, pymysql, psycopg; print(dbdiff.__file__)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(readme_venv), where.stdout
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [str(readme_venv / "bin" / "dbdiff"), "diff", mysql.url, pg.url, "--table", t, "--json", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(out.read_text())
    assert report["left"]["dialect"] == "mysql" and report["right"]["dialect"] == "postgresql"
    assert report["tables"][0]["samples"]["changed"] == [
        {"key": {"id": 2}, "diffs": {"v": {"left": "b", "right": "B"}}}
    ]
