"""CPU time per request of one endpoint and of its hand-written limit, served in-process, interleaved.

    python -m bench.cpu code-tickets [--scale small] [--requests 200] [--rounds 3] [--no-seed]

Less noisy than wrk on a shared machine: ``time.process_time`` counts this process's CPU only (the database's
work is not in it). Best of ``--rounds`` rounds of ``--requests`` requests each; ours and the limit alternate per
round. Uses ``bench.profile``'s database (``BENCH_DATABASE_URL``) and seed.
"""

import argparse
import time

import bench.profile


def main() -> None:
    from bench.endpoints import ENDPOINTS
    from bench.run import fill

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoint", choices=[e["name"] for e in ENDPOINTS])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args()

    state = bench.profile.profile_state(args.scale, reuse=args.no_seed)

    from django.test import Client

    client = Client()
    specs = [e for e in ENDPOINTS if e["name"] == args.endpoint or e.get("limit_of") == args.endpoint]

    def sender(spec):
        path = fill(spec["path"], state["ids"])
        headers = {"HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT": spec.get("accept", "application/vnd.api+json")}
        if spec.get("auth"):
            headers["HTTP_AUTHORIZATION"] = f"JWT {state['token']}"

        def send():
            response = client.get(path, **headers)
            assert response.status_code == 200, response.content[:300]

        return send

    senders = {spec["name"]: sender(spec) for spec in specs}
    best = dict.fromkeys(senders, float("inf"))
    for send in senders.values():
        for _ in range(10):
            send()
    for _ in range(args.rounds):
        for name, send in senders.items():
            start = time.process_time()
            for _ in range(args.requests):
                send()
            best[name] = min(best[name], (time.process_time() - start) * 1000 / args.requests)
    for name, ms in best.items():
        print(f"{name:20} {ms:6.2f} ms CPU/request")
    if len(best) == 2:
        ours, limit = best[args.endpoint], next(v for k, v in best.items() if k != args.endpoint)
        print(f"limit / ours (CPU)   {limit / ours:6.2f}")


if __name__ == "__main__":
    main()
