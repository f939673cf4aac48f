"""The benchmark's report: ratios and table from the runs, the tenfold scale measured only where marked."""

from bench.endpoints import ENDPOINTS
from bench.run import markdown, ratios


def run(rps: float, p99: float) -> dict:
    return {"rps": rps, "p50_ms": p99 / 2, "p95_ms": p99, "p99_ms": p99, "queries_per_request": 2}


def scale(endpoints: dict[str, tuple[float, float]]) -> dict:
    out = {}
    for name, (rps, p99) in endpoints.items():
        label = next(e["label"] for e in ENDPOINTS if e["name"] == name)
        runs = [run(rps, p99)]
        out[name] = {"label": label, "runs": runs, "median": {**runs[0], "peak_rss_mib": 50}}
    return {"endpoints": out}


def test_every_bigger_scale_is_compared_with_the_small_one_on_what_it_measured():
    scales = {
        "small": scale({"code-tickets": (1000, 10), "limit": (1250, 8), "event-tickets": (900, 12)}),
        "large": scale({"code-tickets": (900, 12), "limit": (1100, 9), "event-tickets": (800, 15)}),
        "xlarge": scale({"code-tickets": (800, 14), "limit": (1000, 10)}),
    }
    r = ratios(scales)
    assert r["ours_over_limit_rps"]["code-tickets"] == {"small": 0.8, "large": 0.82, "xlarge": 0.8}
    assert r["large_over_small_p99"] == {"code-tickets": 1.2, "limit": 1.12, "event-tickets": 1.25}
    assert r["xlarge_over_small_p99"] == {"code-tickets": 1.4, "limit": 1.25}
    report = {
        "label": "t",
        "finished": "now",
        "machine": {"cpu": "c", "cores": 2, "memory_gib": 1, "kernel": "k", "python": "3", "postgresql": "15"}
        | {"load_generator": "wrk"},
        "config": {"gunicorn": "g", "connections": 4, "duration": 1, "runs": 1},
        "scales": scales,
        "ratios": r,
    }
    table = markdown(report)
    assert "| xlarge ÷ small p99 | ratio (target ≤ 1.5) |" in table
    assert table.count("|  | xlarge |") == 2  # rows of the two marked entries, not of the event's tickets


def test_the_tenfold_scale_is_asked_of_the_code_tickets_and_its_limit():
    assert {e["name"] for e in ENDPOINTS if e.get("xlarge")} == {"code-tickets", "limit"}
