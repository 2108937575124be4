"""A class on one server: 30 browser sessions across every page, 10 pressing heavy buttons (several with the
same settings), against 127.0.0.1 only. Prints the figures for RESULTS.md; exits 1 if a session went unanswered,
showed an exception, or identical settings were computed twice.

    .venv/bin/python benchmarks/bench_load.py [--sessions 30] [--pressing 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "load"))

from class_load import PRESSES, run_class  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--pressing", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=1200, help="seconds to wait for every session's answer")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        report = run_class(Path(scratch), sessions=args.sessions, pressing=args.pressing, timeout_s=args.timeout,
                           artifacts=ROOT / "tests" / "artifacts")
    pressed = [PRESSES[i % len(PRESSES)][0].split("?")[0] for i in range(args.pressing)]
    print(f"""| figure | value |
|---|---|
| sessions (pages opened at once) | {report.sessions} |
| sessions pressing a heavy button | {report.pressing} ({report.distinct_pressed} distinct settings: {', '.join(pressed)}) |
| computations run (per experiment) | {', '.join(f'{k} {v}' for k, v in sorted(report.computations.items()))} |
| the same settings computed twice | {', '.join(report.repeated) or 'none'} |
| sessions answered | {report.answered} of {report.sessions} |
| exception boxes | {len(report.exceptions)} |
| queue position shown | {'yes' if report.queue_shown else 'no'} |
| server RSS with its workers: at start, peak | {report.start_rss_mb:.0f} MB, {report.peak_rss_mb:.0f} MB |
| slowest session until its answer | {report.slowest_answer_s:.0f} s |
| whole run | {report.seconds:.0f} s |""")
    for line in report.exceptions:
        print("EXCEPTION", line)
    for line in report.unanswered:
        print("UNANSWERED", line)
    ok = report.answered == report.sessions and not report.exceptions and not report.repeated
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
