"""Gunicorn configuration for running newssearch in production.

    gunicorn -c deploy/gunicorn.conf.py 'newssearch.web:create_app()'

The options are those of ``newssearch serve`` (newssearch.server.gunicorn_options):
gevent workers that each open the index, JSON logs, Prometheus metrics added
up across workers. Settings come from $NEWSSEARCH_CONFIG and NEWSSEARCH_*
variables as usual. Override the address with ``--bind`` and the number of
workers with ``--workers`` (or GUNICORN_CMD_ARGS).
"""

from newssearch.config import Settings
from newssearch.server import gunicorn_options, post_worker_init  # noqa: F401 (a gunicorn hook)

_settings = Settings.from_env()
_options = gunicorn_options("0.0.0.0", 8000, None, _settings.log_format)

bind = _options["bind"]
workers = _options["workers"]
worker_class = _options["worker_class"]
worker_connections = _options["worker_connections"]
preload_app = _options["preload_app"]
timeout = _options["timeout"]
graceful_timeout = _options["graceful_timeout"]
keepalive = _options["keepalive"]
limit_request_line = _options["limit_request_line"]
limit_request_fields = _options["limit_request_fields"]
limit_request_field_size = _options["limit_request_field_size"]
accesslog = _options["accesslog"]
errorlog = _options["errorlog"]
logconfig_dict = _options["logconfig_dict"]
proc_name = _options["proc_name"]
control_socket_disable = _options["control_socket_disable"]
on_starting = _options["on_starting"]
on_exit = _options["on_exit"]
child_exit = _options["child_exit"]
