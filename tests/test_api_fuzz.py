"""Fuzz the HTTP API from its own OpenAPI description (schemathesis, in-process WSGI).

Every operation in ``/api/openapi.json`` gets schema-valid and schema-invalid
requests over the sample index, with all of schemathesis' checks (no 5xx,
status codes and bodies as described, invalid data rejected, valid data
accepted), plus ours: every error answer has exactly the shape
``{"error": {"status", "message", "param"}}`` and nothing reaches the
catch-all handler. The number of examples is bounded and the seed fixed, so
the run is fast and repeatable; the longer run against a real
``newssearch serve`` is ``benchmarks/robustness/api_fuzz.py``.

The schemathesis settings (statuses for cross-parameter rules that OpenAPI
cannot express) live in ``benchmarks/robustness/schemathesis.toml``, shared
with that script.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from newssearch.web import create_app

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install schemathesis)")
from schemathesis.config import SchemathesisConfig  # noqa: E402

CONFIG_FILE = Path(__file__).resolve().parents[1] / "benchmarks" / "robustness" / "schemathesis.toml"
#: Examples per operation and mode: about 600 requests in all, a few seconds of work.
MAX_EXAMPLES = 25
SEED = 20261129
ERROR_KEYS = {"status", "message", "param"}


def fuzz_config() -> SchemathesisConfig:
    """The shared settings plus a fixed seed and a bounded number of examples."""
    if not CONFIG_FILE.is_file():
        pytest.skip(f"the schemathesis settings are not at {CONFIG_FILE}", allow_module_level=True)
    text = f"seed = {SEED}\n\n[generation]\nmax-examples = {MAX_EXAMPLES}\n\n" + CONFIG_FILE.read_text("utf-8")
    return SchemathesisConfig.from_str(text, base_dir=str(CONFIG_FILE.parent))


@pytest.fixture(scope="module")
def fuzz_app(sample_index: Path) -> Flask:
    """The app as served in production (not TESTING), over the sample index.

    Without gzip: schemathesis' WSGI transport asks for it but does not decode
    it (compression is tested in test_protection.py).
    """
    return create_app({"index_dir": sample_index, "COMPRESS_REGISTER": False})


def load_schema() -> Any:
    """The OpenAPI description exactly as served (the route needs no index), with our settings.

    Loaded at import because ``schema.parametrize`` needs it then; the
    requests go to :func:`fuzz_app` (``app=`` in the test), which serves the
    sample index built by the session fixture.
    """
    spec_app = create_app({"index_dir": Path(__file__).parent / "no-index-here"})
    # The reading API; the write API (which needs a key and changes the index) is tested in test_write.py.
    return schemathesis.openapi.from_wsgi("/api/openapi.json", spec_app, config=fuzz_config()).exclude(method=["POST", "DELETE"])


schema = load_schema()


def check_error_shape(status: int, content_type: str, body: bytes) -> None:
    """Every 4xx/5xx answer is JSON in the one error shape, with the status repeated."""
    assert content_type.startswith("application/json"), (status, content_type)
    data = json.loads(body)
    assert set(data) == {"error"}, data
    error = data["error"]
    assert set(error) == ERROR_KEYS, data
    assert error["status"] == status, data
    assert isinstance(error["message"], str) and error["message"].strip(), data
    assert error["param"] is None or isinstance(error["param"], str), data


@schema.parametrize()  # type: ignore[untyped-decorator]
def test_api_conforms_to_openapi(case: Any, fuzz_app: Flask) -> None:
    response = case.call_and_validate(app=fuzz_app)
    assert response.status_code < 500, (response.status_code, response.content[:500])
    if response.status_code >= 400:
        content_type = ", ".join(response.headers.get("content-type", []))
        check_error_shape(response.status_code, content_type, response.content)
    assert "newssearch.unexpected" not in fuzz_app.extensions


def test_every_operation_is_fuzzed() -> None:
    """The fuzz test above covers every operation of the description (a static
    check: its cases may run in several xdist workers)."""
    all_operations = [op.ok() for op in schema.get_all_operations()]
    operations = {(op.method.upper(), op.path) for op in all_operations if schema.filter_set.applies_to(op)}
    described = {  # the description itself aside
        path for path, item in schema.raw_schema["paths"].items() if "get" in item and path != "/api/openapi.json"
    }
    assert operations == {("GET", path) for path in described}
    assert "/api/search" in described and "/api/documents/{doc_id}/related" in described


def test_filter_value_count_limit_matches_the_description(fuzz_app: Flask) -> None:
    """The description and the server agree on how many values a filter takes.

    Found by the fuzz run above: the description said ``maxItems`` 50 while the
    server counted only the non-blank values, so 60 values of which 20 were
    blank were accepted (schemathesis: "Schema-violating request accepted").
    """
    spec = fuzz_app.test_client().get("/api/openapi.json").get_json()
    params = {p["name"]: p for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    for name in ("transaction", "district"):
        limit = params[name]["schema"].get("maxItems")
        if limit is None:
            continue
        values = ["sale" if name == "transaction" else "Quận 1"] * (limit - 10) + [""] * 20
        r = fuzz_app.test_client().get("/api/search", query_string=[(name, v) for v in values])
        assert r.status_code == 400, (name, r.status_code)
        assert r.get_json()["error"]["param"] == name


@pytest.mark.parametrize(
    ("status", "content_type", "body", "ok"),
    [
        (400, "application/json", b'{"error": {"status": 400, "message": "bad", "param": "q"}}', True),
        (404, "application/json", b'{"error": {"status": 404, "message": "no", "param": null}}', True),
        (400, "application/json", b'{"error": {"status": 404, "message": "bad", "param": null}}', False),
        (400, "application/json", b'{"error": {"status": 400, "message": "", "param": null}}', False),
        (400, "application/json", b'{"error": {"status": 400, "message": "x"}}', False),
        (400, "text/html", b"<p>bad</p>", False),
        (400, "application/json", b'{"message": "bad"}', False),
    ],
)
def test_error_shape_check(status: int, content_type: str, body: bytes, ok: bool) -> None:
    """The shape check used above accepts exactly the documented shape."""
    if ok:
        check_error_shape(status, content_type, body)
    else:
        with pytest.raises(AssertionError):
            check_error_shape(status, content_type, body)
