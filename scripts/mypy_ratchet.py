"""mypy in CI, as a ratchet: the error count may fall, never rise.

The package predates its type checking; until the count reaches 0 (issue 13), CI fails when
mypy reports more errors than .ci/mypy-baseline records, and asks for the baseline to be
lowered when it reports fewer. Usage: python scripts/mypy_ratchet.py [--update]
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / ".ci" / "mypy-baseline"


def count_errors() -> tuple[int, str]:
    """Run mypy with the project's configuration; (number of errors, its output)."""
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    out = run.stdout + run.stderr
    found = re.search(r"Found (\d+) errors?", out)
    if found:
        return int(found.group(1)), out
    if run.returncode == 0:
        return 0, out
    raise SystemExit(f"mypy did not run:\n{out}")


def main() -> int:
    errors, out = count_errors()
    allowed = int(BASELINE.read_text().split()[0])
    if "--update" in sys.argv:
        BASELINE.write_text(f"{errors}\n")
        sys.stderr.write(f"mypy: baseline set to {errors}\n")
        return 0
    if errors > allowed:
        sys.stderr.write(out)
        sys.stderr.write(f"mypy: {errors} errors, more than the baseline {allowed}: fix the new ones\n")
        return 1
    note = "" if errors == allowed else f"; lower .ci/mypy-baseline to {errors} (--update)"
    sys.stderr.write(f"mypy: {errors} errors (baseline {allowed}){note}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
