"""The benchmark: seed, serve the production way, load from a separate process, write the figures.

    python -m bench.run [--scales small,large,xlarge] [--runs 3] [--duration 10] [--connections 4] [--label latest]

For each scale: re-create and seed ``eventsite_bench`` (``bench/seed.py``), start gunicorn (2 workers, 127.0.0.1,
``DEBUG=0``, ``bench.settings``), check every endpoint once (status and SQL queries), warm up, then run wrk
(``bench/wrk.lua``) for ``--duration`` seconds per endpoint, ``--runs`` times, the endpoints interleaved. Each
load is bounded in time and in count (``--max-requests``) and only ever targets 127.0.0.1.

Every scale is seeded (databases ``<database-url>_small``, ``_large``, ``_xlarge``) and served at once (on free
ports, or ``--port`` and the next), and measured in turn endpoint by endpoint; the tenfold ``xlarge`` (a million
tickets) only for the entries marked ``xlarge``. Figures are medians over the runs; each ratio is the median of
per-run ratios of figures measured one right after the other (ours ÷ limit: req/s; large ÷ small, xlarge ÷ small:
p99).
Writes ``<out>/<label>.json`` and ``<out>/<label>.md``; raw wrk output goes to ``<out>/raw/``.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench.endpoints import ENDPOINTS

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
HOST = "127.0.0.1"


def server_env(database_url: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        BENCH_DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=f"bench-{secrets.token_urlsafe(32)}",
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",  # no TLS proxy in front on loopback
        JWT_ACCESS_MINUTES="1440",
        # The throttles are lifted so that the load measures the code, not the limiter (which still runs).
        DISCOUNT_CODE_LOOKUP_RATE="1000000000/second",
        AUTH_RATE="1000000000/second",
        LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
    )
    return env


def fill(value, ids: dict):
    """``{name}`` placeholders in strings (also inside bodies) replaced by the seeded ids."""
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def probe(base: str, endpoint: dict, body: bytes | None, token: str) -> tuple[int, int | None]:
    request = urllib.request.Request(base + endpoint["path"], data=body, method=endpoint.get("method", "GET"))
    request.add_header("Accept", endpoint.get("accept", "application/vnd.api+json"))
    if body is not None:
        request.add_header("Content-Type", endpoint.get("content_type", "application/vnd.api+json"))
    if endpoint.get("auth"):
        request.add_header("Authorization", f"JWT {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        error.read()
        status, headers = error.code, error.headers
    count = headers.get("X-Query-Count")
    return status, int(count) if count is not None else None


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return sorted(int(p) for p in children.read_text().split()) if children.exists() else []


def reset_peak_rss(pids: list[int]) -> bool:
    """Reset each worker's VmHWM (``echo 5 > /proc/PID/clear_refs``); False where the kernel does not allow it."""
    ok = True
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            ok = False
    return ok


def peak_rss_mib(pids: list[int]) -> list[float]:
    peaks = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(round(int(line.split()[1]) / 1024, 1))
    return peaks


def run_wrk(base: str, endpoint: dict, body_files: list[Path], token: str, args, seconds: float) -> dict:
    env = dict(os.environ)
    env.update(
        BENCH_METHOD=endpoint.get("method", "GET"),
        BENCH_PATH=endpoint["path"],
        BENCH_AUTH=f"JWT {token}" if endpoint.get("auth") else "",
        BENCH_CONTENT_TYPE=endpoint.get("content_type", "application/vnd.api+json"),
        BENCH_ACCEPT=endpoint.get("accept", "application/vnd.api+json"),
        BENCH_BODIES=";".join(str(f) for f in body_files),
        BENCH_MAX_REQUESTS=str(args.max_requests),
    )
    command = [
        "wrk", "-t1", f"-c{args.connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
        "-s", str(ROOT / "bench" / "wrk.lua"), base,
    ]  # fmt: skip
    output = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next(line for line in reversed(output.stdout.splitlines()) if line.startswith("{"))
    result = json.loads(line)
    seconds_run = result["duration_us"] / 1e6
    lat = result["latency_us"]
    return {
        "requests": result["received"],
        "rps": round(result["received"] / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": lat["p50"] / 1000 if result["received"] else None,
        "p95_ms": lat["p95"] / 1000 if result["received"] else None,
        "p99_ms": lat["p99"] / 1000 if result["received"] else None,
        "queries_per_request": round(result["queries"] / result["received"], 2) if result["received"] else None,
        "not_2xx": result["not_2xx"],
        "socket_errors": result["errors"],
    }


def start_server(env: dict, port: int, args) -> subprocess.Popen:
    command = [GUNICORN, "eventsite.wsgi", "--workers", "2", "--bind", f"{HOST}:{port}", *args.gunicorn_args.split()]
    log = open(Path(args.out) / "raw" / "gunicorn.log", "ab")  # noqa: SIM115 (closed with the process)
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/v1/events", timeout=2):
                pass
            if len(worker_pids(server.pid)) == 2:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def prepare_scale(scale: str, args, env: dict, port: int) -> dict:
    """Seed the scale's own database and start its server; returns what the runs need."""
    raw = Path(args.out) / "raw"
    state_path = raw / f"state-{scale}.json"
    env = dict(env, BENCH_DATABASE_URL=f"{args.database_url}_{scale}")
    seeded = subprocess.run(
        [PYTHON, "-W", "ignore", "-m", "bench.seed", scale, "--state", str(state_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    print(seeded.stdout.strip(), flush=True)
    state = json.loads(state_path.read_text())
    ids = state["ids"]
    endpoints = []
    for spec in ENDPOINTS:
        if scale == "xlarge" and not spec.get("xlarge"):
            continue
        endpoint = dict(spec, path=fill(spec["path"], ids))
        bodies = spec.get("bodies")
        bodies = state[bodies] if isinstance(bodies, str) else fill(bodies or [], ids)
        endpoint["body_files"] = []
        for i, body in enumerate(bodies):
            path = raw / f"body-{scale}-{spec['name']}-{i}.json"
            path.write_bytes(json.dumps(body).encode())
            endpoint["body_files"].append(path)
        endpoints.append(endpoint)
    server = start_server(env, port, args)
    return {
        "scale": scale,
        "state": state,
        "endpoints": endpoints,
        "server": server,
        "workers": worker_pids(server.pid),
        "base": f"http://{HOST}:{port}",
        "results": {"seed_seconds": state["seconds"], "attached_tickets": state["attached"], "endpoints": {}},
    }


def check_endpoints(ctx: dict, failures: list) -> list[dict]:
    """One request per endpoint (and body): the status, the queries; the endpoints that work are returned."""
    active = []
    for endpoint in ctx["endpoints"]:
        entry = ctx["results"]["endpoints"].setdefault(endpoint["name"], {"label": endpoint["label"], "runs": []})
        token = ctx["state"]["token"]
        checks = [probe(ctx["base"], endpoint, f.read_bytes(), token) for f in endpoint["body_files"]] or [
            probe(ctx["base"], endpoint, None, token)
        ]
        statuses = [s for s, _ in checks]
        entry["probe_statuses"] = statuses
        entry["probe_queries"] = [q for _, q in checks]
        if endpoint.get("optional") and all(s in (404, 405) for s in statuses):
            entry["skipped"] = "n/a (not yet on main)"
            print(f"  {ctx['scale']} {endpoint['name']}: {statuses[0]}, skipped (not on this branch)", flush=True)
            continue
        if any(not 200 <= s < 300 for s in statuses):
            failures.append(f"{ctx['scale']} {endpoint['name']}: probe statuses {statuses}")
            entry["skipped"] = f"failed: {statuses}"
            continue
        active.append(endpoint)
    return active


def load(ctx: dict, endpoint: dict, args, run: int, failures: list) -> None:
    workers = ctx["workers"]
    ctx["resettable"] = reset_peak_rss(workers) and ctx.get("resettable", True)
    figures = run_wrk(ctx["base"], endpoint, endpoint["body_files"], ctx["state"]["token"], args, args.duration)
    figures["peak_rss_mib"] = peak_rss_mib(workers)
    ctx["results"]["endpoints"][endpoint["name"]]["runs"].append(figures)
    if figures["not_2xx"] or any(figures["socket_errors"].values()):
        failures.append(f"{ctx['scale']} {endpoint['name']} run {run + 1}: {figures}")
    print(
        f"  run {run + 1}/{args.runs} {ctx['scale']:5} {endpoint['name']}: {figures['rps']} req/s, "
        f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
        f"{figures['queries_per_request']} queries, RSS {figures['peak_rss_mib']} MiB",
        flush=True,
    )


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on now (so that a benchmark running beside another, or beside a
    development server, does not fail to start)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def bench(scales: list[str], args, env: dict) -> tuple[dict, list]:
    """Both scales are served at once and measured in turn, endpoint by endpoint, so that a slower minute of
    the machine weighs on both sides of every ratio alike."""
    failures: list[str] = []
    contexts = []
    try:
        for i, scale in enumerate(scales):
            print(f"== {scale}", flush=True)
            contexts.append(prepare_scale(scale, args, env, args.port + i if args.port else free_port()))
        active = {ctx["scale"]: check_endpoints(ctx, failures) for ctx in contexts}
        for ctx in contexts:  # warm-up: every worker imports and connects before the measured runs
            for endpoint in active[ctx["scale"]]:
                run_wrk(ctx["base"], endpoint, endpoint["body_files"], ctx["state"]["token"], args, 1.0)
        names = [e["name"] for e in ENDPOINTS]
        for run in range(args.runs):
            for name in names:
                for ctx in contexts:
                    for endpoint in active[ctx["scale"]]:
                        if endpoint["name"] == name:
                            load(ctx, endpoint, args, run, failures)
        for ctx in contexts:
            if worker_pids(ctx["server"].pid) != ctx["workers"]:
                failures.append(f"{ctx['scale']}: a gunicorn worker was restarted during the run")
            ctx["results"]["peak_rss_reset_per_endpoint"] = ctx.get("resettable", True)
    finally:
        for ctx in contexts:
            stop_server(ctx["server"])

    for ctx in contexts:
        for entry in ctx["results"]["endpoints"].values():
            runs = entry["runs"]
            if not runs:
                continue
            keys = ("rps", "p50_ms", "p95_ms", "p99_ms", "queries_per_request")
            entry["median"] = {key: median(r[key] for r in runs) for key in keys}
            entry["median"]["peak_rss_mib"] = max(max(r["peak_rss_mib"]) for r in runs)
    return {ctx["scale"]: ctx["results"] for ctx in contexts}, failures


def median(values) -> float | None:
    """The median of the figures that exist (a load with no completed request has no latency)."""
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 2) if values else None


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split(" Copyright")[0].strip()
    try:
        postgres = subprocess.run(
            ["psql", "-h", HOST, "-U", "postgres", "-Atc", "SHOW server_version"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        postgres = "unknown"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": postgres,
        "load_generator": wrk,
    }


LIMITS = {e["limit_of"]: e["name"] for e in ENDPOINTS if e.get("limit_of")}


def target(name: str) -> float:
    """What ours ÷ limit (req/s) should reach: reads 0.8, writes 0.6 (issue 15)."""
    spec = next(e for e in ENDPOINTS if e["name"] == name)
    return 0.8 if spec.get("method", "GET") == "GET" else 0.6


def ratios(scales: dict) -> dict:
    """Per endpoint with a limit: ours ÷ limit (req/s) and limit ÷ ours (p50), medians of per-run ratios;
    large ÷ small p99 per endpoint."""
    out = {}
    for scale, data in scales.items():
        eps = data["endpoints"]
        for ours_name, limit_name in LIMITS.items():
            ours, limit = eps.get(ours_name, {}).get("runs", []), eps.get(limit_name, {}).get("runs", [])
            if not (ours and limit):
                continue
            pairs = list(zip(ours, limit, strict=False))
            out.setdefault("ours_over_limit_rps", {}).setdefault(ours_name, {})[scale] = median(
                o["rps"] / lim["rps"] for o, lim in pairs if lim["rps"]
            )
            out.setdefault("limit_over_ours_p50", {}).setdefault(ours_name, {})[scale] = median(
                lim["p50_ms"] / o["p50_ms"] for o, lim in pairs if o["p50_ms"] and lim["p50_ms"]
            )
    for bigger in [scale for scale in scales if scale != "small"] if "small" in scales else []:
        growth = {}
        for name, entry in scales[bigger]["endpoints"].items():
            small = scales["small"]["endpoints"].get(name, {})
            pairs = list(zip(small.get("runs", []), entry["runs"], strict=False))
            if pairs:
                growth[name] = median(lg["p99_ms"] / sm["p99_ms"] for sm, lg in pairs if sm["p99_ms"] and lg["p99_ms"])
        out[f"{bigger}_over_small_p99"] = growth
    return out


def fmt(value, digits=1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def markdown(report: dict) -> str:
    m, c = report["machine"], report["config"]
    scales = report["scales"]
    lines = [
        f"### {report['label']} — {report['finished']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux {m['kernel']}, Python {m['python']}, "
        f"PostgreSQL {m['postgresql']}, {m['load_generator']}. Server: gunicorn {c['gunicorn']}, `DEBUG=0`. "
        f"Load: wrk, {c['connections']} connections, {c['duration']} s × {c['runs']} runs per endpoint, medians; "
        f"throttles lifted (`DISCOUNT_CODE_LOOKUP_RATE`, `AUTH_RATE` = 10⁹/s).",
        "",
        "| endpoint | scale | req/s | p50 ms | p95 ms | p99 ms | queries/req | peak RSS/worker MiB | ours ÷ limit |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    over = report["ratios"].get("ours_over_limit_rps", {})
    names = list(next(iter(scales.values()))["endpoints"])
    for name in names:
        for scale, data in scales.items():
            if name not in data["endpoints"]:  # not measured at this scale (xlarge: only the marked entries)
                continue
            entry = data["endpoints"][name]
            label = entry["label"] if scale == next(iter(scales)) else ""
            if "median" not in entry:
                lines.append(f"| {label} | {scale} | {entry.get('skipped', 'n/a')} | | | | | | |")
                continue
            med = entry["median"]
            ratio = over.get(name, {}).get(scale)
            lines.append(
                f"| {label} | {scale} | {fmt(med['rps'], 0)} | {fmt(med['p50_ms'])} | {fmt(med['p95_ms'])} | "
                f"{fmt(med['p99_ms'])} | {fmt(med['queries_per_request'], 0)} | {fmt(med['peak_rss_mib'], 0)} | "
                f"{'' if ratio is None else fmt(ratio, 2)} |"
            )
    r = report["ratios"]
    lines += [
        "",
        "| ours ÷ limit (req/s) | " + " | ".join(scales) + " | target |",
        "|---|" + "---:|" * len(scales) + "---:|",
    ]
    for name, per_scale in r.get("ours_over_limit_rps", {}).items():
        row = " | ".join(fmt(per_scale.get(s), 2) for s in scales)
        label = next(iter(scales.values()))["endpoints"][name]["label"]
        lines.append(f"| {label} | {row} | ≥ {target(name)} |")
    for bigger in [scale for scale in scales if scale != "small"]:
        if r.get(f"{bigger}_over_small_p99"):
            lines += ["", f"| {bigger} ÷ small p99 | ratio (target ≤ 1.5) |", "|---|---:|"]
            for name, value in r[f"{bigger}_over_small_p99"].items():
                lines.append(f"| {scales[bigger]['endpoints'][name]['label']} | {fmt(value, 2)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="small,large,xlarge")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per endpoint and run")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--max-requests", type=int, default=200_000, help="bound on requests per load")
    parser.add_argument("--port", type=int, default=0, help="the first scale's port (default: free ports)")
    parser.add_argument("--gunicorn-args", default="", help="extra gunicorn arguments (experiments)")
    parser.add_argument("--label", default="latest")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/eventsite_bench"),
        help="base name: each scale gets <url>_<scale>",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: scripts/bench.sh installs it (apt-get install wrk)")
    (Path(args.out) / "raw").mkdir(parents=True, exist_ok=True)
    env = server_env(args.database_url)

    started = datetime.now(UTC)
    scales, failures = bench(args.scales.split(","), args, env)
    report = {
        "label": args.label,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "config": {
            "runs": args.runs,
            "duration": args.duration,
            "connections": args.connections,
            "gunicorn": f"--workers 2 --bind {HOST} {args.gunicorn_args}".strip(),
            "command": " ".join(["python -m bench.run", *sys.argv[1:]]),
        },
        "scales": scales,
        "ratios": ratios(scales),
        "failures": failures,
    }
    out = Path(args.out)
    (out / f"{args.label}.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / f"{args.label}.md").write_text(markdown(report))
    print(markdown(report))
    if failures:
        print("FAILURES:\n" + "\n".join(failures), file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
