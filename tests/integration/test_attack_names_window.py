"""Attacks on column maps, name matching, `dbdiff init` and incremental windows (issue 11).

Each test plants a truth on the real servers and checks dbdiff's answer against it: a wrong
pairing, a difference missed or invented, or a row silently left out of a window.
"""

from __future__ import annotations

import pytest

import dbdiff

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def renamed(mysql, pg):
    """A column renamed onto a name the left side still has: left (id, name, full_name), right
    (id, name) where the right `name` is the left `full_name`; and a table whose a and b swapped."""
    mysql.execute(
        "CREATE TABLE atk_rn (id INT PRIMARY KEY, name VARCHAR(10), full_name VARCHAR(20))",
        "INSERT INTO atk_rn VALUES (1, 'x', 'Ann Lee'), (2, 'y', 'Bob')",
        "CREATE TABLE atk_sw (id INT PRIMARY KEY, a INT, b INT)",
        "INSERT INTO atk_sw VALUES (1, 10, 20), (2, 11, 21)",
    )
    pg.execute(
        "CREATE TABLE atk_rn (id INT PRIMARY KEY, name VARCHAR(20))",
        "INSERT INTO atk_rn VALUES (1, 'ann lee'), (2, 'Bobby')",
        "CREATE TABLE atk_sw (id INT PRIMARY KEY, a INT, b INT)",
        "INSERT INTO atk_sw VALUES (1, 20, 10), (2, 21, 99)",
    )


def test_a_name_the_map_reuses_means_the_left_column(mysql, pg, renamed):
    """With map {full_name: name}, `name` is the left column name (as in --map LEFT=RIGHT), not an
    ambiguity between it and the pair whose right column is called name."""
    common = {"table": "atk_rn", "map": {"full_name": "name"}}
    excluded = dbdiff.diff(mysql.url, pg.url, exclude=["name"], **common).table()
    assert [(c.name, c.right_name) for c in excluded.schema.columns] == [("id", "id"), ("full_name", "name")]
    assert excluded.schema.only_left == () and excluded.summary.changed == 2
    rules = {"full_name": ("text", {"ignore_case": True})}
    lenient = dbdiff.diff(mysql.url, pg.url, exclude=["name"], column_rules=rules, **common).table()
    assert lenient.summary.changed == 1  # 'Ann Lee' = 'ann lee' ignoring case; Bob != Bobby


def test_a_swap_map_resolves_names_as_left_names(mysql, pg, renamed):
    """map {a: b, b: a}: --key/--columns/--exclude a mean the left column a (paired with right b)."""
    swapped = {"table": "atk_sw", "map": {"a": "b", "b": "a"}}
    whole = dbdiff.diff(mysql.url, pg.url, **swapped).table()
    assert {c.name: c.mismatches for c in whole.columns} == {"a": 1, "b": 0}  # left a 11, right b 99
    only_a = dbdiff.diff(mysql.url, pg.url, columns=["a"], **swapped).table()
    assert [c.name for c in only_a.columns] == ["a"] and only_a.summary.changed == 1
    no_b = dbdiff.diff(mysql.url, pg.url, exclude=["b"], **swapped).table()
    assert [c.name for c in no_b.columns] == ["a"] and no_b.summary.changed == 1
    by_a = dbdiff.diff(mysql.url, pg.url, key=["a"], **swapped).table()
    assert by_a.key == ("a",) and (by_a.summary.matched, by_a.summary.only_left) == (1, 1)


def test_a_renamed_primary_key_left_out_of_the_comparison_is_no_catalog_difference(mysql, pg, tmp_path):
    """InvoiceLineID renamed invoice_line_id is the same primary key even when the run compares by
    another key and excludes it: no false "primary_key" difference failing the run."""
    mysql.execute(
        "CREATE TABLE AtkInvoiceLine (InvoiceLineID INT PRIMARY KEY, LineCode VARCHAR(10) NOT NULL UNIQUE)",
        "INSERT INTO AtkInvoiceLine VALUES (1, 'a'), (2, 'b')",
    )
    pg.execute(
        "CREATE TABLE atk_invoice_line (invoice_line_id INT PRIMARY KEY, line_code TEXT NOT NULL UNIQUE)",
        "INSERT INTO atk_invoice_line VALUES (1, 'a'), (2, 'b')",
    )
    checkfile = tmp_path / "dbdiff.yaml"
    checkfile.write_text(
        f"left: {mysql.url}\nright: {pg.url}\nhistory: false\nmatch_names: convention\ntables:\n"
        "  - left: AtkInvoiceLine\n    right: atk_invoice_line\n"
        "    key: [LineCode]\n    exclude: [InvoiceLineID]\n"
    )
    result = dbdiff.run(checkfile, record=False)
    table = result.table("AtkInvoiceLine")
    assert table.schema.differences == ()
    assert table.status == "identical" and result.verdict is not None and result.verdict.level == "pass"


def test_a_window_never_silently_drops_single_precision_float_keys(mysql, pg):
    """A FLOAT/real key (0.1 is 0.100000001490116 stored) cannot be looked up by the key list a
    window carries (MySQL even reads it back rounded to 6 digits): the window found 3 of 6 changed
    rows and said nothing. It is refused, one clear usage error; a full diff finds all 6."""
    import datetime as dt

    from dbdiff.errors import KeyColumnError

    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    recent, old = now - dt.timedelta(minutes=5), now - dt.timedelta(hours=5)
    keys = [0.1, 0.2, 1.5, -3.3, 1e10, 2.5]
    mysql.execute("CREATE TABLE atk_fk (k FLOAT PRIMARY KEY, v INT, u DATETIME(6))")
    pg.execute("CREATE TABLE atk_fk (k REAL PRIMARY KEY, v INT, u TIMESTAMP(6))")
    sql = "INSERT INTO atk_fk VALUES (%s, %s, %s)"
    mysql.executemany(sql, [(k, 1, recent if i % 2 else old) for i, k in enumerate(keys)])
    pg.executemany(sql, [(k, 2, old if i % 2 else recent) for i, k in enumerate(keys)])
    assert dbdiff.diff(mysql.url, pg.url, table="atk_fk").table().summary.changed == 6
    with pytest.raises(KeyColumnError, match="single-precision"):
        dbdiff.diff(mysql.url, pg.url, table="atk_fk", since="15m", updated_column="u")


def test_a_window_finds_double_keys_whatever_the_sessions_extra_float_digits(mysql, pg):
    """PostgreSQL before 12, or a role or database with extra_float_digits = 0, writes a double in
    15 digits: the window read 0.30000000000000004 as 0.3, looked that up, and silently left the
    row out (3 of 6 changed rows found). The session asks for exact float text."""
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    recent, old = now - dt.timedelta(minutes=5), now - dt.timedelta(hours=5)
    keys = [0.1 + 0.2, 1 / 3, 2 / 3, 3.3e-300, 123456.78901234567, 5.0]
    mysql.execute("CREATE TABLE atk_dk (k DOUBLE PRIMARY KEY, v INT, u DATETIME(6))")
    pg.execute("CREATE TABLE atk_dk (k DOUBLE PRECISION PRIMARY KEY, v INT, u TIMESTAMP(6))")
    sql = "INSERT INTO atk_dk VALUES (%s, %s, %s)"
    mysql.executemany(sql, [(k, 1, recent if i % 2 else old) for i, k in enumerate(keys)])
    pg.executemany(sql, [(k, 2, old if i % 2 else recent) for i, k in enumerate(keys)])
    right = pg.url + "?options=-c%20extra_float_digits%3D0"
    window = dbdiff.diff(mysql.url, right, table="atk_dk", since="15m", updated_column="u").table()
    assert window.window is not None and window.window["keys_compared"] == 6
    assert (window.summary.rows_left, window.summary.rows_right, window.summary.changed) == (6, 6, 6)
