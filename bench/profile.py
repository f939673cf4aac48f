"""Where one endpoint's time goes: pyinstrument over N requests served in-process (the full middleware stack).

    python -m bench.profile code-tickets [--scale small] [--requests 200] [--no-seed] [--html out.html]

Seeds its own database (``eventsite_bench_profile``) so that it never disturbs a benchmark run, then prints
pyinstrument's call tree. Endpoint names are those of ``bench/endpoints.py``.
"""

import argparse
import os
import secrets
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/eventsite_bench_profile")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", f"bench-{secrets.token_urlsafe(32)}")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("JWT_ACCESS_MINUTES", "1440")
os.environ.setdefault("DISCOUNT_CODE_LOOKUP_RATE", "1000000000/second")
os.environ.setdefault("LOG_LEVEL", "ERROR")


STATE_PATH = Path("bench/results/raw/state-profile.json")


def profile_state(scale: str, *, reuse: bool) -> dict:
    """The in-process tools' dataset (its own database): seeded anew, or the last one when ``reuse`` and it exists."""
    import json

    if reuse and STATE_PATH.exists():
        import django

        django.setup()
        from bench.seed import organizer_token

        state = json.loads(STATE_PATH.read_text())
        state["token"] = organizer_token()  # signed anew: this process's SECRET_KEY may not be the seed's
        return state
    from bench.seed import seed

    return seed(scale, STATE_PATH)


def main() -> None:
    import json

    from bench.endpoints import ENDPOINTS
    from bench.run import fill

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoint", choices=[e["name"] for e in ENDPOINTS])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--html")
    args = parser.parse_args()

    state = profile_state(args.scale, reuse=args.no_seed)

    from django.test import Client
    from pyinstrument import Profiler

    spec = next(e for e in ENDPOINTS if e["name"] == args.endpoint)
    path = fill(spec["path"], state["ids"])
    bodies = spec.get("bodies")
    bodies = state[bodies] if isinstance(bodies, str) else fill(bodies or [], state["ids"])
    media = spec.get("content_type", "application/vnd.api+json")
    headers = {"HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT": spec.get("accept", "application/vnd.api+json")}
    if spec.get("auth"):
        headers["HTTP_AUTHORIZATION"] = f"JWT {state['token']}"
    client = Client()
    method = spec.get("method", "GET").lower()

    def send(i: int):
        if bodies:
            body = json.dumps(bodies[i % len(bodies)])
            response = getattr(client, method)(path, body, content_type=media, **headers)
        else:
            response = getattr(client, method)(path, **headers)
        assert 200 <= response.status_code < 300, response.content[:300]

    for i in range(5):
        send(i)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for i in range(args.requests):
        send(i)
    profiler.stop()
    if args.html:
        Path(args.html).write_text(profiler.output_html())
    print(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    main()
