"""Regenerate docs/img/contact_sheet.png: every figure the bundled cases write, tiled with its
case and file name, for checking the figure style at a glance (docs/figures.md).

Usage: .venv/bin/python scripts/contact_sheet.py [--cases NAME ...] [--out docs/img/contact_sheet.png]
"""

import argparse
import logging
import math
import tempfile
from pathlib import Path

from pnp_ssb.io.plots import save_figure
from pnp_ssb.io.style import pyplot
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = 4


def figures_of(cases: list[str], workdir: Path) -> list[tuple[str, Path]]:
    """(caption, png) of every figure the cases write (states of sweeps and transients too)."""
    out = []
    for name in cases:
        folder = workdir / name
        run_case(load_case(ROOT / "cases" / f"{name}.toml", ['output.fields="none"']), folder)
        out += [(f"{name}/{p.relative_to(folder)}", p) for p in sorted(folder.rglob("*.png"))]
    return out


def contact_sheet(figures: list[tuple[str, Path]], path: Path) -> None:
    """Tile the figures, COLUMNS per row, each captioned."""
    plt = pyplot()
    rows = math.ceil(len(figures) / COLUMNS)
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(4 * COLUMNS, 3.2 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (caption, png) in zip(axes.ravel(), figures, strict=False):
        ax.imshow(plt.imread(png))
        ax.set_title(caption, fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)


def main() -> None:
    default = sorted(p.stem for p in (ROOT / "cases").glob("*.toml"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", default=default)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "contact_sheet.png")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        contact_sheet(figures_of(args.cases, Path(tmp)), args.out)


if __name__ == "__main__":
    main()
