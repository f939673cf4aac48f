"""Code texts never reach the logs we write.

The public check names the code in its path (``GET /v1/events/{id}/discount-codes/{code}``), and every log line
about a request names its path: Django's ``django.request`` warnings for each 4xx and 5xx ("Not Found: …"), the
development server's access lines (``django.server``) and gunicorn's access log. A log is read by more people than
the codes are for, and kept longer, so those lines say ``/discount-codes/[code]`` instead: ``RedactCodes`` on the
two Django loggers (``settings.LOGGING``), ``RedactingGunicornLogger`` for gunicorn (``gunicorn.conf.py``, which
gunicorn reads from the directory it is started in).

Whatever follows ``/discount-codes/`` after an event's id is redacted, up to a query string or, in a request line,
the protocol: percent-escapes and encoded slashes included (a path is matched as written and as decoded).
"""

import logging
import re
from urllib.parse import unquote

from gunicorn.glogging import Logger

CODE_IN_PATH = re.compile(r"(/events/[^/\s]*/+discount-codes/+)(?:(?!\s+HTTP/)[^?#\"])+", re.IGNORECASE)
REDACTED = r"\1[code]"


def redact(text: str) -> str:
    """``text`` (a path, a request line, a message) with the code of a public check replaced by ``[code]``."""
    if "discount" not in text.lower() and "%" not in text:
        return text
    redacted = CODE_IN_PATH.sub(REDACTED, text)
    if "%" in text:
        decoded = unquote(text)
        if CODE_IN_PATH.search(decoded):
            redacted = CODE_IN_PATH.sub(REDACTED, decoded)
    return redacted


def _redacted(value):
    return redact(value) if isinstance(value, str) else value


class RedactCodes(logging.Filter):
    """On ``django.request`` and ``django.server``: the record's message and its arguments redacted (the records
    are kept, only the code text goes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redacted(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        return True


class RedactingGunicornLogger(Logger):
    """gunicorn's logger whose access log atoms (the request line ``%(r)s``, the path ``%(U)s``, the referer,
    the raw URI and path of ``{…}e``) carry no code text."""

    def atoms(self, resp, req, environ, request_time):
        return {key: _redacted(value) for key, value in super().atoms(resp, req, environ, request_time).items()}
