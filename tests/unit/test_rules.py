"""Rule files: strict validation, matching, overrides, and the generated reference."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from dbdiff.catalog import Column
from dbdiff.cli import cli
from dbdiff.errors import RuleError
from dbdiff.normalize import NORMALIZERS
from dbdiff.rules import (
    default_rule_files,
    load_rule_file,
    load_rules,
    parse_override,
    parse_rules,
    render_rules_markdown,
    rules_dir,
)

ROOT = Path(__file__).resolve().parents[2]


def col(name: str, native: str, family: str, **kw) -> Column:
    return Column(name=name, native_type=native, family=family, **kw)


def _rule(**changes):
    base = {
        "name": "r",
        "left": {"family": "integer"},
        "right": {"family": "integer"},
        "normalizer": "integer",
    }
    base.update(changes)
    return {"version": 1, "rules": [base]}


def test_docs_rules_md_is_generated_from_the_rule_files():
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == render_rules_markdown(), (
        "docs/rules.md is stale: regenerate with `python -m dbdiff.rules > docs/rules.md`"
    )


def test_every_shipped_rule_has_an_example_and_a_known_normalizer():
    for path in rules_dir().glob("*.yaml"):
        for rule in load_rule_file(path):
            assert rule.example, f"{path.name}: rule {rule.name} has no example"
            assert rule.normalizer in NORMALIZERS


def test_mysql_postgresql_file_applies_in_either_order():
    names = [p.name for p in default_rule_files("mysql", "postgresql")]
    assert names == ["mysql-postgresql.yaml", "default.yaml"]
    assert [p.name for p in default_rule_files("postgresql", "mysql")] == names
    assert [p.name for p in default_rule_files("postgresql", "postgresql")] == ["default.yaml"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_rule(colour="red"), r"rule 'r': unknown key 'colour'"),
        (_rule(normalizer="intger"), r"unknown normalizer 'intger'.*did you mean 'integer'"),
        (_rule(left={"famly": "integer"}), r"rule 'r' left: unknown key 'famly'.*did you mean 'family'"),
        (_rule(left={"family": "integr"}), r"unknown family 'integr'"),
        (_rule(left={"dialect": "oracle"}), r"unknown dialect 'oracle'"),
        (_rule(left={"type": "int("}), r"'type' is not a valid regular expression"),
        (_rule(left={"max_length": "4"}), r"'max_length' must be an integer"),
        (_rule(params={"wide": 1}), r"parameter 'wide' of normalizer 'integer' must be bool"),
        (_rule(params={"wdie": True}), r"has no parameter 'wdie'.*did you mean 'wide'"),
        (_rule(normalizer="date", params={"zero_date": "maybe"}), r"zero_date.*must be one of null, error"),
        (_rule(normalizer="timestamp", params={"assume_zone": "Mars/Base"}), r"not a time zone"),
        (_rule(example={"left": "1"}), r"example has no 'equal'"),
        (_rule(symmetric="yes"), r"'symmetric' must be true or false"),
        ({"version": 2, "rules": []}, r"unsupported rule file version"),
        ({"rules": "x"}, r"'rules' must be a list"),
    ],
)
def test_rule_files_are_validated_strictly(data, message):
    with pytest.raises(RuleError, match=message):
        parse_rules(data, source="mine.yaml")


def test_errors_say_which_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_rule(normalizer="nope")))
    with pytest.raises(RuleError, match=r"bad\.yaml: rule 'r'"):
        load_rule_file(path)


def test_conditions_width_unsigned_precision_fsp_collation():
    rules = parse_rules(
        {
            "rules": [
                {
                    "name": "narrow",
                    "left": {"family": "decimal", "max_precision": 18, "max_scale": 10},
                    "right": {"family": "decimal"},
                    "normalizer": "decimal",
                },
                {
                    "name": "ci",
                    "left": {"family": "string", "collation": ".*_ci"},
                    "right": {"family": "string"},
                    "normalizer": "text",
                    "params": {"ignore_case": True},
                },
                {
                    "name": "fsp0",
                    "left": {"family": "datetime", "max_fsp": 0},
                    "right": {"family": "datetime", "min_fsp": 0},
                    "normalizer": "timestamp",
                },
                {
                    "name": "bool",
                    "left": {"family": "integer", "type": r"tinyint\(1\)", "unsigned": False},
                    "right": {"family": "boolean"},
                    "normalizer": "boolean",
                },
            ]
        }
    )
    narrow, ci, fsp0, boolean = rules
    d = col("a", "decimal(12,2)", "decimal", precision=12, scale=2)
    assert narrow.matches(d, d, "mysql", "postgresql")
    wide = col("a", "decimal(30,12)", "decimal", precision=30, scale=12)
    assert not narrow.matches(wide, wide, "mysql", "postgresql")
    assert ci.matches(
        col("a", "varchar(3)", "string", collation="utf8mb4_general_ci"), col("a", "text", "string"), "", ""
    )
    assert not ci.left.matches(col("a", "varchar(3)", "string", collation="utf8mb4_bin"), "")
    assert fsp0.matches(
        col("a", "datetime", "datetime", fsp=0), col("a", "timestamp", "datetime", fsp=6), "", ""
    )
    assert not fsp0.left.matches(col("a", "datetime(3)", "datetime", fsp=3), "")
    t1 = col("a", "tinyint(1)", "integer")
    assert boolean.matches(t1, col("a", "boolean", "boolean"), "", "")
    assert boolean.matches(col("a", "boolean", "boolean"), t1, "", ""), "symmetric by default"
    assert not boolean.left.matches(col("a", "tinyint(4)", "integer"), "")
    assert not boolean.left.matches(col("a", "tinyint(1) unsigned", "integer", unsigned=True), "")


def test_mysql_postgresql_choices():
    rules = load_rules(left_dialect="mysql", right_dialect="postgresql")

    def choose(left: Column, right: Column, swap: bool = False):
        if swap:
            return rules.choose(right, left, "postgresql", "mysql")
        return rules.choose(left, right, "mysql", "postgresql")

    for swap in (False, True):
        assert choose(col("a", "tinyint(1)", "integer"), col("a", "boolean", "boolean"), swap).rule == (
            "tinyint1-as-boolean"
        )
        assert choose(col("a", "bit(1)", "bit", length=1), col("a", "boolean", "boolean"), swap).rule == (
            "bit1-as-boolean"
        )
        assert choose(col("a", "binary(16)", "binary", length=16), col("a", "uuid", "uuid"), swap).rule == (
            "uuid-from-binary16"
        )
        choice = choose(
            col("a", "bigint(20) unsigned", "integer", unsigned=True),
            col("a", "numeric(20,0)", "decimal"),
            swap,
        )
        assert choice.normalizer == "decimal"
        choice = choose(
            col("a", "float", "float", precision=24), col("a", "double precision", "float", precision=53)
        )
        assert choice.params["bits"] == 24
        choice = choose(
            col("a", "datetime(6)", "datetime", fsp=6), col("a", "timestamptz(0)", "timestamp", fsp=0)
        )
        assert choice.params["fsp"] == 0 and choice.params["mixed_zones"] is True
        # Each CHAR side sheds its own padding; a VARCHAR side keeps its trailing spaces.
        assert choose(col("a", "char(4)", "char"), col("a", "character(4)", "char")).label() == "text"
        assert (
            choose(col("a", "varchar(4)", "string"), col("a", "character(4)", "char")).params["rstrip"]
            is False
        )


def test_a_pair_without_a_rule_names_the_column_both_types_and_the_fix():
    rules = load_rules(left_dialect="mysql", right_dialect="postgresql")
    with pytest.raises(RuleError) as info:
        rules.choose(col("geo", "point", "other"), col("geo", "point", "other"), "mysql", "postgresql")
    text = str(info.value)
    assert "'geo'" in text and "mysql point (other)" in text and "postgresql point (other)" in text
    assert "--rules" in text and "--exclude geo" in text


def test_overrides_replace_the_normalizer_or_only_set_parameters():
    rules = load_rules(left_dialect="mysql", right_dialect="postgresql")
    left, right = (
        col("c", "datetime", "datetime", fsp=0),
        col("c", "timestamp with time zone", "timestamp", fsp=6),
    )
    kept = rules.choose(left, right, "mysql", "postgresql", ("", {"assume_zone": "Europe/Berlin"}))
    assert kept.rule == "timestamp" and kept.params["assume_zone"] == "Europe/Berlin"
    replaced = rules.choose(left, right, "mysql", "postgresql", ("text", {}))
    assert replaced.rule == "override:text" and replaced.normalizer == "text"
    with pytest.raises(RuleError, match=r"column 'c'.*no parameter 'zone'"):
        rules.choose(left, right, "mysql", "postgresql", ("", {"zone": "UTC"}))


def test_user_rule_files_win(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "rules": [
                    {
                        "name": "mine",
                        "left": {"family": "string"},
                        "right": {"family": "string"},
                        "normalizer": "text",
                        "params": {"ignore_case": True},
                    }
                ]
            }
        )
    )
    rules = load_rules([path], left_dialect="mysql", right_dialect="postgresql")
    choice = rules.choose(col("a", "varchar(3)", "string"), col("a", "text", "string"), "mysql", "postgresql")
    assert choice.rule == "mine" and choice.params["ignore_case"] is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("amount=float:abs_tol=0.01,rel_tol=1e-9", ("amount", ("float", {"abs_tol": 0.01, "rel_tol": 1e-9}))),
        ("created=:assume_zone=Europe/Berlin", ("created", ("", {"assume_zone": "Europe/Berlin"}))),
        (
            "name=text:ignore_case=true,empty_as_null=true",
            ("name", ("text", {"ignore_case": True, "empty_as_null": True})),
        ),
        ("v=text", ("v", ("text", {}))),
    ],
)
def test_parse_override(text, expected):
    assert parse_override(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("amount", "is not COLUMN=NORMALIZER"),
        ("amount=flaot", "did you mean 'float'"),
        ("amount=float:abs_tol", "is not key=value"),
        ("amount=float:abs=1", "no parameter 'abs'"),
        ("amount=", "names neither"),
    ],
)
def test_parse_override_errors(text, message):
    with pytest.raises(RuleError, match=message):
        parse_override(text)


def test_cli_rules_lists_rules_and_normalizers():
    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0, result.output
    assert "1. tinyint1-as-boolean  [mysql-postgresql.yaml]" in result.output
    assert "json" in result.output and "assume_zone='UTC'" in result.output


def test_cli_rules_rejects_a_bad_rule_file_with_exit_code_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_rule(extra=1)))
    result = CliRunner().invoke(cli, ["rules", "--rules", str(path)])
    assert result.exit_code == 2
    assert "unknown key 'extra'" in result.output
