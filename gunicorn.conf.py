"""gunicorn reads this file from the directory it is started in (the project's, as the README's Production section
starts it): its access log, when one is asked for (``--access-logfile``), names no discount code's text
(``eventsite/logs.py``)."""

logger_class = "eventsite.logs.RedactingGunicornLogger"
