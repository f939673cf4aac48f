"""``manage.py runserver`` as ``scripts/run.sh`` serves the demo: Django's development server, with WhiteNoise
serving the static files as in production (``whitenoise.runserver_nostatic``), and a listen backlog that takes a
burst of buyers. Django's server queues 10 connections; beyond that the kernel drops or resets them, so 40 buyers
arriving at once saw "connection reset" (orders/tests/test_sqlite_concurrency.py). gunicorn's default is 2048.

This command wins because ``eventsite`` comes before ``whitenoise.runserver_nostatic`` and
``django.contrib.staticfiles`` in INSTALLED_APPS (Django's documented way to override a command).
"""

from django.core.servers.basehttp import WSGIServer
from whitenoise.runserver_nostatic.management.commands.runserver import Command as NoStaticRunserver


class BurstTolerantWSGIServer(WSGIServer):
    request_queue_size = 128


class Command(NoStaticRunserver):
    server_cls = BurstTolerantWSGIServer
