"""JUnit XML: goldens, the junit-10 XSD, testcase mapping, and XML-illegal characters."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dbdiff.report.junit import render_junit, xml_text
from tests import report_fixtures as fx

XSD = Path(__file__).resolve().parents[1] / "data" / "junit-10.xsd"
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _cases(xml: str) -> dict[tuple[str, str], ET.Element]:
    root = ET.fromstring(xml)
    return {(c.get("classname", ""), c.get("name", "")): c for c in root.iter("testcase")}


@pytest.mark.parametrize("name", sorted(fx.FIXTURES))
def test_golden(name: str) -> None:
    fx.assert_golden(f"report_{name}.xml", render_junit(fx.FIXTURES[name]()))


@pytest.mark.parametrize("name", sorted(fx.FIXTURES))
def test_validates_against_junit_xsd(name: str) -> None:
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(render_junit(fx.FIXTURES[name]()).encode("utf-8"))
    assert schema.validate(document), schema.error_log


def test_identical_run_has_only_passing_cases() -> None:
    root = ET.fromstring(render_junit(fx.identical_result()))
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    names = [c.get("name") for c in suite.iter("testcase")]
    assert names == [
        "schema",
        "row_presence",
        "values[id]",
        "values[name]",
        "values[amount]",
        "values[active]",
        "values[created_at]",
        "values[score]",
        "duplicate_keys",
        "null_keys",
    ]
    assert all(len(c) == 0 for c in suite.iter("testcase"))


def test_differences_are_failures() -> None:
    xml = render_junit(fx.different_result())
    cases = _cases(xml)
    pair = "orders → orders_v2"
    failed = {name for (cls, name), case in cases.items() if cls == pair and case.find("failure") is not None}
    assert failed == {
        "schema",
        "row_presence",
        "values[name]",
        "values[amount]",
        "values[active]",
        "values[created_at]",
        "duplicate_keys",
        "null_keys",
        "validation[right:amount:greater_than_or_equal_to(0)]",
    }
    failure = cases[(pair, "values[name]")].find("failure")
    assert failure is not None
    assert failure.get("message") == "12,000 of 1,234,560 matched rows differ in name"
    assert failure.get("type") == "ValueMismatch"
    assert 'id=4: left "Alice " | right Alice' in (failure.text or "")
    assert all(case.find("failure") is None for (cls, _), case in cases.items() if cls == "customers")
    root = ET.fromstring(xml)
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == str(len(cases))
    assert suite.get("failures") == str(len(list(root.iter("failure")))) == "9"


def test_error_pair_is_an_error_and_its_checks_are_skipped() -> None:
    xml = render_junit(fx.error_result())
    cases = _cases(xml)
    error = cases[("payments", "row_presence")].find("error")
    assert error is not None
    assert error.get("message") == (
        "connection lost: no reconnect to mysql://app:***@db1:3306/shop after 3 attempts"
    )
    for name in ("schema", "duplicate_keys", "null_keys"):
        assert cases[("payments", name)].find("skipped") is not None
    assert fx.PASSWORD not in xml


def test_properties_carry_run_metadata() -> None:
    root = ET.fromstring(render_junit(fx.error_result()))
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["started_at"] == fx.STARTED_AT
    assert props["dbdiff_version"] == "0.1.0"
    assert props["left.url"] == "mysql://app:***@db1:3306/shop"
    assert props["right.server_version"] == "16.2"
    assert props["option.chunk_size"] == "50000"
    assert props["option.password"] == "***"
    assert props["option.right_url"] == "postgresql://app:***@db2/shop"


def test_hostile_values_stay_well_formed() -> None:
    xml = render_junit(fx.hostile_result())
    assert not ILLEGAL_XML.search(xml)
    root = ET.fromstring(xml)  # well-formed despite ]]>, <!DOCTYPE, quotes and control characters
    classnames = {c.get("classname") for c in root.iter("testcase")}
    assert f"{fx.XSS_SCRIPT} → {fx.XSS_CLOSE}" in classnames
    texts = " ".join((e.text or "") + " ".join(e.attrib.values()) for e in root.iter())
    assert "nul\\x00esc\\x1b[31mred" in texts
    assert "<!ENTITY" in texts and "DOCTYPE" in texts  # as text, never as markup
    assert "<!DOCTYPE" not in xml and "<!ENTITY" not in xml


def test_xml_text_escapes_what_xml_cannot_carry() -> None:
    assert xml_text("a\x00b\x1bc\ud800d\uffffe\tf\ng") == "a\\x00b\\x1bc\\ud800d\\uffffe\tf\ng"
