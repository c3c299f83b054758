"""Server logs: one JSON object a line, carrying the request id of the request being served.

``newssearch serve`` (and ``deploy/gunicorn.conf.py``) install
:func:`logging_config` through gunicorn's ``logconfig_dict``, so gunicorn's own
messages, the app's and the per-request access lines share one format. The
access lines name the method, path, status and duration, never the client's
address or the query string (the query log keeps searches, without clients).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

__all__ = ["JsonFormatter", "current_request_id", "logging_config"]

#: Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def current_request_id() -> str | None:
    """The id of the request being served in this thread, or None outside a request."""
    from flask import g, has_request_context

    if not has_request_context():
        return None
    rid = g.get("request_id")
    return rid if isinstance(rid, str) else None


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", "request_id", ...extra}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON line (non-JSON values as text)."""
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or current_request_id()
        if rid:
            data["request_id"] = rid
        for key, value in vars(record).items():
            # Private attributes are other libraries' (Ray stamps every record
            # of the process once imported), not fields of ours.
            if key not in _STANDARD and key not in data and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def logging_config(log_format: str = "json") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` mapping: everything to stderr, JSON or plain text."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"newssearch": formatter},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "newssearch", "stream": "ext://sys.stderr"}
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            # The app writes the access lines itself (without client addresses).
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
