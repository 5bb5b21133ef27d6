"""`dbdiff init` on two tables whose primary keys were renamed past any convention."""

from __future__ import annotations

import duckdb

from dbdiff.init import starting_file


def test_primary_keys_that_do_not_pair_are_not_called_missing(tmp_path):
    """Both sides have a primary key (id, ident) that no naming convention pairs: the note must
    say so and suggest a map, not claim that neither side has a primary key."""
    urls = []
    for side, column in (("left", "id"), ("right", "ident")):
        with duckdb.connect(str(tmp_path / f"{side}.duckdb")) as con:
            con.execute(f"CREATE TABLE sw ({column} INT PRIMARY KEY, a INT)")
        urls.append(f"duckdb:///{tmp_path / f'{side}.duckdb'}")
    started = starting_file(*urls)
    assert "neither side has a primary key" not in started.text
    assert "no primary key pairs across the sides (left (id), right (ident))" in started.text
    assert "# - name: sw" in started.text  # still commented out: it would not run as written
