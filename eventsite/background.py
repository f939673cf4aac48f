"""Work that leaves the request: mails are sent on a thread of the process, after the response is on its way.

Why: sending a mail takes as long as the mail server takes. Done in the request, an answer that mails (a reset
for an address with an account) is measurably slower than one that does not (an unknown address), which tells
a stranger which addresses have accounts. Each job is handed over by :func:`run_later` (called from
``transaction.on_commit``, so nothing is mailed about what was rolled back); the request does the same work
whatever the job will find.

A job runs on a small pool of threads of the worker process, each with its own database connection, closed
when the job ends. A failing job is logged and never reaches the request. A worker that is killed (not stopped)
loses the jobs it had not run: a lost mail is asked for again.

With ``BACKGROUND_JOBS_INLINE`` (the tests), a job runs at once in the caller's thread instead.
"""

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="eventsite-job")


def _run(job: Callable[..., None], args: tuple) -> None:
    try:
        job(*args)
    except Exception:
        logger.exception("background job %s failed", getattr(job, "__name__", job))
    finally:
        connections.close_all()  # this thread's own connections


def submit(job: Callable[..., None], args: tuple) -> Future:
    """Hand ``job(*args)`` to the pool (the seam tests replace to see what a request handed over)."""
    return _pool.submit(_run, job, args)


def run_later(job: Callable[..., None], *args) -> None:
    """Run ``job(*args)`` outside the request (see the module's docstring)."""
    if getattr(settings, "BACKGROUND_JOBS_INLINE", False):
        try:
            job(*args)
        except Exception:
            logger.exception("background job %s failed", getattr(job, "__name__", job))
        return
    submit(job, args)
