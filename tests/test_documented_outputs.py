"""Every file the docs say a run writes is written: the README's quick start, the per-state
folders of the KPFM workflow on an OCV sweep (docs/kpfm.md, section 6), and the outputs of
`pnp-ssb fit --model` (docs/user-guide.md, measured spectra), whose formats table lists every
format the command accepts."""

import re
from pathlib import Path

from pnp_ssb.apps.cli import main
from pnp_ssb.apps.cpd import run_cpd
from pnp_ssb.input.load import load_case
from pnp_ssb.io.spectra import FORMATS
from pnp_ssb.studies.registry import run_case
from tests.io.potentiostat_exports import AREA_CM2, F_HZ, gamry, randles

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


def test_the_fit_comparison_writes_what_the_user_guide_says(tmp_path):
    guide = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    table = _section(guide, "| `--format` |", "\n\n")
    listed = {name for row in table.splitlines()[2:]
              for name in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert listed == set(FORMATS)
    found = re.search(r"next to the JSON: `([\w.]+)`\s+for `-o ([\w.]+)`", guide)
    assert found is not None
    figure, output = found.groups()
    z = randles() * AREA_CM2
    (tmp_path / "impedance.csv").write_text("f_Hz,re_ohm_cm2,im_ohm_cm2\n" + "".join(
        f"{float(f)!r},{float(v.real)!r},{float(v.imag)!r}\n" for f, v in zip(F_HZ, z, strict=True)))
    assert main(["fit", str(gamry(tmp_path / "cell.DTA")), "--area-cm2", str(AREA_CM2),
                 "--arcs", "1", "--model", str(tmp_path / "impedance.csv"),
                 "-o", str(tmp_path / output)]) == 0
    assert (tmp_path / output).is_file() and (tmp_path / figure).is_file()
