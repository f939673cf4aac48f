"""Figures of a reliability run (cells in the matrix, fuzz cases, hostile inputs, faults, soak requests ...).

Each part adds to a counter with ``record(name, n)``. When ``RELIABILITY_FIGURES`` names a file, the counts are
appended to it as JSON lines (one per call, so parallel processes never clash); ``scripts/reliability.sh`` adds
them up with ``summary()``. Without the variable, ``record`` does nothing.
"""

import json
import os
from collections import Counter
from pathlib import Path

ORDER = [
    ("matrix_cells", "permission matrix cells"),
    ("leak_checks", "responses checked for leaked codes"),
    ("fuzz_cases", "fuzz cases run (schemathesis)"),
    ("fuzz_operations", "operations fuzzed"),
    ("fuzz_operations_2xx", "operations that reached a 2xx"),
    ("hostile_inputs", "hostile inputs tried"),
    ("token_cases", "bad tokens refused"),
    ("faults_injected", "faults injected"),
    ("fault_requests", "requests during faults"),
    ("soak_requests", "requests in the soak"),
    ("soak_seconds", "soak duration (s)"),
    ("server_errors", "5xx responses"),
    ("invariant_violations", "invariant violations"),
]


def record(name: str, n: int = 1) -> None:
    path = os.environ.get("RELIABILITY_FIGURES")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({name: n}) + "\n")


def summary(path: str | Path) -> Counter:
    totals: Counter = Counter()
    file = Path(path)
    if file.exists():
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                totals.update(json.loads(line))
    return totals


def format_summary(totals: Counter) -> str:
    names = dict(ORDER)
    width = max(len(label) for label in names.values())
    rows = [f"{label:<{width}}  {totals.get(key, 0)}" for key, label in ORDER]
    rows += [f"{key:<{width}}  {value}" for key, value in sorted(totals.items()) if key not in names]
    return "\n".join(rows)


if __name__ == "__main__":
    import sys

    print(format_summary(summary(sys.argv[1])))
