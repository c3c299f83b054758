"""One error shape: ``{"error": {"status", "message", "param"}}``.

API paths always get JSON. Other paths (the search page) get an HTML page
when the client prefers HTML (a browser), JSON otherwise. Anything a client
can send ends in a 4xx/503 from the handlers for
:class:`~newssearch.errors.NewsSearchError` and Werkzeug's HTTP exceptions;
the catch-all for other exceptions logs them and still answers in the same
shape with a 500 -- tests show client input never reaches it.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import NewsSearchError

#: Vietnamese titles for the HTML error page.
TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Cần khóa truy cập",
    403: "Không có quyền truy cập",
    404: "Không tìm thấy trang",
    405: "Phương thức không được hỗ trợ",
    413: "Yêu cầu quá lớn",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi hệ thống",
    503: "Dịch vụ tìm kiếm chưa sẵn sàng",
}


def error_body(status: int, message: str, param: str | None = None) -> dict[str, dict[str, object]]:
    """The JSON error shape."""
    return {"error": {"status": status, "message": message, "param": param}}


def _wants_html() -> bool:
    if request.blueprint == "pages":
        return True
    if request.path.startswith("/api/") or request.path == "/healthz":
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "application/json"
    ]


def error_response(status: int, message: str, param: str | None = None) -> Response:
    """An error in the shape the client asked for, never cached.

    Browsers get a page in Vietnamese (:mod:`.messages`); API clients the
    English ``message`` meant for developers.
    """
    if _wants_html():
        from . import get_settings
        from .messages import vietnamese_message
        from .views import page_limits

        settings = get_settings()
        value = request.args.get(param) if param else None
        shown = vietnamese_message(status, settings, param, value, request.method)
        html = render_template(
            "error.html",
            error=error_body(status, shown, param)["error"],
            title=TITLES.get(status, "Lỗi"),
            q="",
            search_hidden=[],
            noindex=True,
            **page_limits(settings),
        )
        response = Response(html, status=status, mimetype="text/html")
    else:
        response = jsonify(error_body(status, message, param))
        response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def handle_newssearch_error(exc: NewsSearchError) -> Response:
    """BadRequest / NotFound / IndexUnavailable... -> their status, message and param."""
    if exc.status >= 500:
        current_app.logger.warning("%s: %s", type(exc).__name__, exc.message)
    response = error_response(exc.status, exc.message, exc.param)
    response.headers.update(exc.headers())
    return response


def handle_http_exception(exc: HTTPException) -> Response:
    """Werkzeug's 404, 405, 413... in our shape, keeping headers such as ``Allow``."""
    status = exc.code or 500
    message = exc.description or exc.name
    if status == 404 and message.startswith("The requested URL was not found"):
        message = f"no such page or endpoint: {request.path}; see /api/openapi.json"
    elif status == 429:
        message = f"too many requests from this client: the limit is {message}; retry later (see Retry-After)"
    elif status == 405:
        allowed = ", ".join(sorted(set(exc.valid_methods or []))) if hasattr(exc, "valid_methods") else ""
        message = f"{request.method} is not allowed here; use {allowed or 'GET'}"
    response = error_response(status, message)
    for name, value in exc.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def handle_unexpected(exc: Exception) -> Response:
    """Last resort: log the traceback, answer 500 in the usual shape."""
    if isinstance(exc, HTTPException):  # pragma: no cover - routed to its own handler
        return handle_http_exception(exc)
    current_app.logger.exception("unexpected error on %s %s", request.method, request.full_path)
    current_app.extensions["newssearch.unexpected"] = current_app.extensions.get(
        "newssearch.unexpected", 0
    ) + 1
    return error_response(500, "internal error; it has been logged")


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""
    app.register_error_handler(NewsSearchError, handle_newssearch_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
