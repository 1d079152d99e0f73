"""`pnp-ssb report RUN_DIR`: one self-contained HTML page of a run, to send to a colleague or to
open in a browser and see that the run is sound: its status, the key numbers, every figure
(embedded), the case as it was resolved, the package versions and the citations."""

import base64
import html
import json
from pathlib import Path
from typing import Any

from pnp_ssb.io.output import write_text_atomic
from pnp_ssb.io.plots import key_numbers

FIGURE_ORDER = ("overview.png", "potential.png", "concentrations.png", "bands.png",
                "potential_map.png", "current_map.png", "timeseries.png", "nyquist.png",
                "bode.png", "cpd.png", "dcpd_sweep.png")
STYLE = """body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;border-bottom:1px solid #ccc}
.ok{background:#e6f4e6;padding:.5em}.bad{background:#fbe3e3;padding:.5em}
img{max-width:100%;border:1px solid #ddd;margin:.5em 0}
pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:.85em}
td{padding:0 1em 0 0;font-size:.9em}"""


class ReportError(ValueError):
    """A folder that is not a finished run."""


def _figure(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{html.escape(path.name)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(path.name)}</figcaption></figure>")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def render_report(run_dir: Path) -> str:
    """The HTML page of a run folder (summary.json is required)."""
    try:
        summary: dict[str, Any] = json.loads((run_dir / "summary.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{run_dir}: no readable summary.json ({exc}); expected the output "
                          "folder of a finished `pnp-ssb run`") from None
    converged = bool(summary.get("converged"))
    status = ("converged" if converged else "NOT converged: "
              + str(summary.get("failure", "see failure.json")))
    figures = [run_dir / n for n in FIGURE_ORDER if (run_dir / n).is_file()]
    figures += sorted(p for p in run_dir.glob("*.png") if p.name not in FIGURE_ORDER)
    numbers = "".join(f"<tr><td>{html.escape(line)}</td></tr>" for line in key_numbers(summary))
    versions = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>"
                       for k, v in summary.get("versions", {}).items())
    title = f"pnp_ssb run: {summary.get('case', run_dir.name)}"
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
        f"<p class='{'ok' if converged else 'bad'}'>{html.escape(status)}</p>",
        f"<h2>Key numbers</h2><table>{numbers}</table>",
        "<h2>Figures</h2>" + ("".join(_figure(p) for p in figures) or "<p>no figures</p>"),
        f"<h2>Case (resolved)</h2><pre>{html.escape(_read(run_dir / 'case.resolved.toml'))}</pre>",
        f"<h2>Versions</h2><table>{versions}</table>",
        f"<h2>Citations</h2><pre>{html.escape(_read(run_dir / 'citations.bib'))}</pre>",
        "</body></html>"]
    return "\n".join(parts)


def write_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of ``run_dir`` (default RUN_DIR/report.html) atomically."""
    run_dir = Path(run_dir)
    path = Path(out) if out is not None else run_dir / "report.html"
    write_text_atomic(path, render_report(run_dir))
    return path
