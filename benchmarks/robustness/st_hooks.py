"""Schemathesis hooks for the long API fuzz: newssearch's own error-shape check.

Loaded by ``api_fuzz.py`` through ``SCHEMATHESIS_HOOKS=benchmarks.robustness.st_hooks``.
Every 4xx/5xx answer must be JSON in the one error shape
``{"error": {"status", "message", "param"}}`` with the HTTP status repeated,
whether or not the OpenAPI description lists that status (405...). The one
documented exception: a request line over gunicorn's limit (8190 bytes) gets
gunicorn's own small HTML 414 page before the application sees the request.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

ERROR_KEYS = {"status", "message", "param"}


def error_shape_problem(status: int, content_type: str, body: bytes) -> str | None:
    """Why an error answer is not in the shape, or None when it is."""
    if status < 400:
        return None
    if status == 414 and content_type.startswith("text/html"):
        return None  # gunicorn's request-line limit, documented in the OpenAPI description
    if not content_type.startswith("application/json"):
        return f"HTTP {status} answered with {content_type or 'no content type'}, not JSON"
    try:
        data = json.loads(body)
    except ValueError:
        return f"HTTP {status} answered with a body that is not JSON"
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(data, dict) or set(data) != {"error"} or not isinstance(error, dict):
        return f"HTTP {status}: the body is not {{'error': {{...}}}}"
    if set(error) != ERROR_KEYS:
        return f"HTTP {status}: error keys are {sorted(error)}, expected {sorted(ERROR_KEYS)}"
    if error["status"] != status:
        return f"HTTP {status}: error.status is {error['status']!r}"
    if not isinstance(error["message"], str) or not error["message"].strip():
        return f"HTTP {status}: error.message is empty"
    if error["param"] is not None and not isinstance(error["param"], str):
        return f"HTTP {status}: error.param is {error['param']!r}"
    return None


@schemathesis.check
def newssearch_error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error answer uses newssearch's one error shape."""
    content_type = ", ".join(response.headers.get("content-type", []))
    problem = error_shape_problem(response.status_code, content_type, response.content)
    if problem is not None:
        raise AssertionError(problem)
    return None
