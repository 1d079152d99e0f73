"""Every file the docs say a run writes is written: the README's quick start, and the per-state
folders of the KPFM workflow on an OCV sweep (docs/kpfm.md, section 6)."""

import re
from pathlib import Path

from pnp_ssb.apps.cpd import run_cpd
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case

ROOT = Path(__file__).resolve().parents[1]


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start): text.index(end, text.index(start))]


def test_the_quick_start_writes_what_the_readme_lists(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`([\w.]+\.(?:json|csv|png|toml|bib|bp))`",
                            _section(readme, "## Quick start", "\n## ")))
    assert {"summary.json", "profiles.csv", "citations.bib"} <= listed
    run_case(load_case(ROOT / "cases" / "gouy_chapman.toml"), tmp_path)
    missing = {name for name in listed if not (tmp_path / name).exists()}
    assert not missing, f"README lists {sorted(missing)}, the quick start did not write them"
    bib = (tmp_path / "citations.bib").read_text(encoding="utf-8")
    assert "@software{pnp_ssb," in bib and "@software{Baratta2023," in bib


def test_every_sweep_state_gets_its_cpd_files(tmp_path):
    doc = (ROOT / "docs" / "kpfm.md").read_text(encoding="utf-8")
    per_state = re.search(r"one folder per state \(its (.*?)\)", doc)
    assert per_state is not None
    names = re.findall(r"`([\w.]+)`", per_state.group(1))
    assert "cpd.png" in names
    case = load_case(ROOT / "cases" / "fuller_si_lipon_lco.toml",
                     ['study.ocv_V=[0.0, 3.75]', "output.figures=false"])
    run_case(case, tmp_path / "run")
    run_cpd(tmp_path / "run", tmp_path / "cpd")
    for state in ("ocv_0.000V", "ocv_3.750V"):
        for name in names:
            assert (tmp_path / "cpd" / state / name).is_file(), f"{state}/{name}"
