"""Column names: case variants pair only when unambiguous, and no user name can collide with a
name dbdiff makes for itself (internal frame columns, drill-down columns, SQL aliases)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import dbdiff
from dbdiff.errors import ColumnError, KeyColumnError
from dbdiff.result import SamplesOnlyWarning

pytestmark = pytest.mark.servers


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DBDIFF_NO_PROGRESS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


# --- case-variant names (issue 8.2) -------------------------------------------------------------


@pytest.fixture
def case_variants(mysql, pg, unique_name):
    """MariaDB ccr(id, email); PostgreSQL ccr(id, "Email", email) with garbage in "Email"."""
    t = unique_name("ccr")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, email VARCHAR(50))")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(i, f"u{i}@x.org") for i in range(1, 6)])
    pg.execute(f'CREATE TABLE {t} (id INT PRIMARY KEY, "Email" TEXT, email TEXT)')
    pg.executemany(
        f"INSERT INTO {t} VALUES (%s, %s, %s)", [(i, f"garbage {i}", f"u{i}@x.org") for i in range(1, 6)]
    )
    # The same columns in the other order: "Email" after email.
    t2 = t + "_b"
    mysql.execute(f"CREATE TABLE {t2} AS SELECT * FROM {t}", f"ALTER TABLE {t2} ADD PRIMARY KEY (id)")
    pg.execute(f'CREATE TABLE {t2} (id INT PRIMARY KEY, email TEXT, "Email" TEXT)')
    pg.execute(f'INSERT INTO {t2} (id, email, "Email") SELECT id, email, "Email" FROM {t}')
    return t, t2


def test_a_case_variant_column_is_listed_not_silently_merged(mysql, pg, case_variants):
    for table in case_variants:
        result = dbdiff.diff(mysql.url, pg.url, table=table)
        t = result.table()
        assert result.status == "different" and result.exit_code == 1
        assert t.schema.only_left == () and t.schema.only_right == ("Email",)
        assert [(c.name, c.right_name) for c in t.schema.columns] == [("id", "id"), ("email", "email")]
        assert t.summary.matched == 5 and t.summary.changed == 0
        # Swapped sides: the variant is only on the left.
        swapped = dbdiff.diff(pg.url, mysql.url, table=table).table()
        assert swapped.schema.only_left == ("Email",) and swapped.schema.only_right == ()
        assert [c.name for c in swapped.schema.columns] == ["id", "email"]


def test_case_variant_cli_exit_code_and_json(mysql, pg, case_variants, tmp_path):
    out = tmp_path / "r.json"
    done = run_cli("diff", mysql.url, pg.url, "--table", case_variants[0], "--json", str(out))
    assert done.returncode == 1, done.stderr
    table = json.loads(out.read_text())["tables"][0]
    assert table["status"] == "different" and table["schema"]["only_right"] == ["Email"]


def test_user_names_resolve_exactly_first_then_unambiguously_ignoring_case(mysql, pg, case_variants):
    t = case_variants[0]
    # PostgreSQL on both sides: "Email" and email pair exactly, and each can be named.
    both = dbdiff.diff(pg.url, pg.url, table=t, columns=["Email"], mask=["Email"]).table()
    assert [c.name for c in both.schema.columns] == ["id", "Email"]
    different = dbdiff.diff(pg.url, pg.url, table=t, right_table=case_variants[1], exclude=["email"])
    assert [c.name for c in different.table().schema.columns] == ["id", "Email"]
    assert different.table().status == "identical"
    for bad in ({"columns": ["EMAIL"]}, {"exclude": ["EMAIL"]}, {"column_rules": {"EMAIL": "text"}}):
        with pytest.raises(ColumnError, match=r"'EMAIL' is ambiguous: it matches 'Email' and 'email'"):
            dbdiff.diff(pg.url, pg.url, table=t, **bad)  # type: ignore[arg-type]
    with pytest.raises(ColumnError, match=r"--mask names column 'EMAIL', which is ambiguous"):
        dbdiff.diff(pg.url, pg.url, table=t, mask=["EMAIL"])
    # MariaDB against PostgreSQL: "Email" exists only on the right, so it cannot be compared.
    with pytest.raises(ColumnError, match=r"column 'Email' does not exist on the left side"):
        dbdiff.diff(mysql.url, pg.url, table=t, columns=["Email"])
    # ... but it can be excluded (then nothing is unpaired and the tables agree).
    excluded = dbdiff.diff(mysql.url, pg.url, table=t, exclude=["Email"])
    assert excluded.status == "identical" and excluded.table().schema.only_right == ()
    # A unique case-insensitive match still works (MySQL names are case-insensitive).
    upper = dbdiff.diff(mysql.url, mysql.url, table=t, key="ID", columns=["EMAIL"], mask=["Email"]).table()
    assert upper.key == ("id",) and [c.name for c in upper.schema.columns] == ["id", "email"]
    done = run_cli("diff", pg.url, pg.url, "--table", t, "--columns", "EMAIL")
    assert done.returncode == 2 and "ambiguous" in done.stderr and "Traceback" not in done.stderr


def test_case_variant_key_columns(mysql, pg, unique_name):
    t = unique_name("ckey")
    pg.execute(f'CREATE TABLE {t} ("ID" INT, id INT PRIMARY KEY, v INT)')
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", [(100 - i, i, i) for i in range(1, 9)])
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(i, i if i != 4 else -4) for i in range(1, 9)])
    result = dbdiff.diff(pg.url, mysql.url, table=t).table()  # the primary key id, never "ID"
    assert result.key == ("id",) and result.schema.only_left == ("ID",)
    assert result.summary.matched == 8 and result.summary.changed == 1
    assert result.samples.changed == ({"key": {"id": 4}, "diffs": {"v": {"left": 4, "right": -4}}},)
    with pytest.raises(KeyColumnError, match=r"key column 'ID' does not exist on the right side"):
        dbdiff.diff(pg.url, mysql.url, table=t, key="ID")
    with pytest.raises(KeyColumnError, match=r"key column 'Id' is ambiguous"):
        dbdiff.diff(pg.url, pg.url, table=t, key="Id")
    by_upper = dbdiff.diff(pg.url, pg.url, table=t, key="ID").table()
    assert by_upper.key == ("ID",) and by_upper.summary.matched == 8


def test_case_variant_columns_with_differing_rows(pg, unique_name):
    """Both variants compared, rows differing: the store (DuckDB, case-insensitive names) copes."""
    t, t2 = unique_name("cvar"), unique_name("cvar")
    for name, tweak in ((t, ""), (t2, "!")):
        pg.execute(
            f'CREATE TABLE {name} ("ID" INT, id INT, "Email" TEXT, email TEXT, PRIMARY KEY ("ID", id))'
        )
        pg.executemany(
            f"INSERT INTO {name} VALUES (%s, %s, %s, %s)",
            [
                (i, -i, f"E{i}{tweak if i == 3 else ''}", f"e{i}{tweak if i in (3, 4) else ''}")
                for i in range(6)
            ]
            + ([(9, 9, "x", "y")] if tweak else []),
        )
    result = dbdiff.diff(pg.url, pg.url, table=t, right_table=t2, chunk_size=2)
    table = result.table()
    assert table.key == ("ID", "id") and table.schema.only_left == table.schema.only_right == ()
    s = table.summary
    assert (s.matched, s.changed, s.only_left, s.only_right) == (6, 2, 0, 1)
    assert {c.name: c.mismatches for c in table.columns} == {"Email": 1, "email": 2}
    assert table.samples.changed[0] == {
        "key": {"ID": 3, "id": -3},
        "diffs": {"Email": {"left": "E3", "right": "E3!"}, "email": {"left": "e3", "right": "e3!"}},
    }
    changed = result.changed()
    assert changed.columns == [
        "ID",
        "id",
        "differs",
        "Email_left",
        "Email_right",
        "email_left",
        "email_right",
    ]
    assert changed["differs"].to_list() == [["Email", "email"], ["email"]]
    assert result.only_right().columns == ["ID", "id", "Email", "email"]


# --- hostile names (issue 8.7) -----------------------------------------------------------------

#: Names dbdiff uses for itself somewhere, and names that are hard to quote or to spell.
HOSTILE = [
    "differs",
    "a_left",
    "dbdiff_rn",
    "a",
    "__k0",
    "k0",
    "rk0_l",
    "rk0",
    "r0_l",
    "r0",
    "n0_r",
    "d0",
    "__l",
    "__r",
    "__p",
    "__dup",
    "count",
    "differs_",
    "a_right",
    "_l",
    "_r",
    "_left",
    "__v",
    "u0",
    "dbdiff_q",
    "dbdiff_incoming",
    "my col",
    "it's",
    'say "hi"',
    "tick`s",
    "prix €",
    "MixedCase",
]


@pytest.mark.parametrize("chunk_size", [1000, 3])
@pytest.mark.parametrize(
    ("key", "expected"),
    [
        # Key columns keep their names; a derived name that equals one gets an underscore.
        (
            ("differs", "a_left"),
            ["differs", "a_left", "differs_", "dbdiff_rn_left", "dbdiff_rn_right", "a_left_"],
        ),
        (
            ("__k0", "dbdiff_rn"),
            ["__k0", "dbdiff_rn", "differs", "differs_left", "differs_right", "a_left_left"],
        ),
    ],
)
def test_hostile_column_names_never_collide(mysql, pg, unique_name, chunk_size, key, expected):
    t = unique_name("hostile")
    columns = [n for n in HOSTILE if n not in key]

    def ddl(quote: str, text: str) -> str:
        q = lambda n: quote + n.replace(quote, quote * 2) + quote  # noqa: E731
        defs = [*(f"{q(k)} INT NOT NULL" for k in key), *(f"{q(n)} {text}" for n in columns)]
        return f"CREATE TABLE {t} ({', '.join(defs)}, PRIMARY KEY ({', '.join(q(k) for k in key)}))"

    mysql.execute(ddl("`", "VARCHAR(40)"))
    pg.execute(ddl('"', "TEXT"))
    placeholders = ", ".join(["%s"] * len(HOSTILE))

    def row(i: int, tweak: str = "") -> tuple[object, ...]:
        return (i, -i, *(f"{n}:{i}{tweak}" for n in columns))

    left = [row(i) for i in range(1, 11)]
    right = [row(i, "!" if i in (2, 7) else "") for i in range(1, 11) if i != 5] + [row(42)]
    mysql.executemany(f"INSERT INTO {t} VALUES ({placeholders})", left)
    pg.executemany(f"INSERT INTO {t} VALUES ({placeholders})", right)

    result = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size, workers=2)
    table = result.table()
    assert table.status == "different" and table.schema.only_left == table.schema.only_right == ()
    assert table.key == key and [c.name for c in table.schema.columns] == [*key, *columns]
    s = table.summary
    counts = (s.rows_left, s.rows_right, s.matched, s.changed, s.only_left, s.only_right)
    assert counts == (10, 10, 9, 2, 1, 1)
    assert [c.mismatches for c in table.columns] == [2] * len(columns)

    def key_of(i: int) -> dict[str, int]:
        return dict(zip(key, (i, -i), strict=True))

    assert [c["key"] for c in table.samples.changed] == [key_of(2), key_of(7)]
    assert table.samples.changed[1]["diffs"] == {n: {"left": f"{n}:7", "right": f"{n}:7!"} for n in columns}
    assert table.samples.only_left == (
        {"key": key_of(5), "row": {**key_of(5), **{n: f"{n}:5" for n in columns}}},
    )
    assert table.samples.only_right[0]["row"]["it's"] == "it's:42"

    changed = result.changed()
    assert changed.columns[: len(expected)] == expected
    assert len(set(changed.columns)) == len(changed.columns) == 3 + 2 * len(columns)
    assert changed[expected[2]].to_list() == [columns, columns]
    assert changed['say "hi"_right'].to_list() == ['say "hi":2!', 'say "hi":7!']
    assert changed[key[0]].to_list() == [2, 7]
    assert result.only_left().columns == [*key, *columns]
    assert result.only_right()[key[1]].to_list() == [-42]
    # The same from the samples alone (a result read back from JSON).
    with pytest.warns(SamplesOnlyWarning):
        again = dbdiff.DiffResult.from_dict(json.loads(result.to_json())).changed()
    assert again.columns == [c for c in changed.columns if c != expected[2]]
    assert again["tick`s_left"].to_list() == ["tick`s:2", "tick`s:7"]

    # Same table on both sides: nothing collides there either.
    same = dbdiff.diff(mysql.url, mysql.url, table=t, chunk_size=chunk_size)
    assert same.status == "identical" and same.table().summary.matched == 10
