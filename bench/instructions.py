"""Instructions per request of one endpoint and of its limit, counted by valgrind: the same figure on every run.

    python -m bench.instructions code-tickets [--requests 50] [--no-seed]

Timing on a shared 2-core machine moves by 10-20 % from minute to minute; valgrind's callgrind counts the
instructions the Python process executes, whatever else the machine does. Each endpoint is served in-process
(``bench.profile``'s database and settings) twice under valgrind, once with no measured request and once with
``--requests``; the difference divided by the number of requests is the cost of one request, start-up cancelled
out. The database server's own work is not in it (as with ``bench.cpu``). Needs valgrind (Debian package); takes
a minute or two.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

import bench.profile


def serve(name: str, requests: int) -> None:
    """In the child process: warm up, then serve ``requests`` requests of endpoint ``name``."""
    from bench.endpoints import ENDPOINTS
    from bench.run import fill

    state = bench.profile.profile_state("small", reuse=True)
    from django.test import Client

    spec = next(e for e in ENDPOINTS if e["name"] == name)
    path = fill(spec["path"], state["ids"])
    headers = {"HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT": spec.get("accept", "application/vnd.api+json")}
    if spec.get("auth"):
        headers["HTTP_AUTHORIZATION"] = f"JWT {state['token']}"
    client = Client()
    for _ in range(5):
        response = client.get(path, **headers)
        assert response.status_code == 200, response.content[:300]
    for _ in range(requests):
        client.get(path, **headers)


def count(name: str, requests: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/out",
                sys.executable,
                "-m",
                "bench.instructions",
                "--serve",
                name,
                str(requests),
            ],
            capture_output=True,
            text=True,
            env=os.environ,
        )
    match = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode or not match:
        raise SystemExit(f"valgrind failed for {name}:\n{result.stderr[-2000:]}")
    return int(match.group(1))


def main() -> None:
    from bench.endpoints import ENDPOINTS

    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoint", choices=[e["name"] for e in ENDPOINTS])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args()
    bench.profile.profile_state("small", reuse=args.no_seed)  # seeds (and writes the state) unless reused
    names = [e["name"] for e in ENDPOINTS if e["name"] == args.endpoint or e.get("limit_of") == args.endpoint]
    per_request = {}
    for name in names:
        per_request[name] = (count(name, args.requests) - count(name, 0)) / args.requests
        print(f"{name:20} {per_request[name] / 1e6:6.2f} M instructions/request", flush=True)
    if len(per_request) == 2:
        ours, limit = per_request[args.endpoint], next(v for k, v in per_request.items() if k != args.endpoint)
        print(f"limit / ours         {limit / ours:6.2f}")


if __name__ == "__main__":
    main()
