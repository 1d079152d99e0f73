"""Every file the docs say a run writes is written: the README's quick start, the per-state
folders of the KPFM workflow on an OCV sweep (docs/kpfm.md, section 6), and the outputs of
`pnp-ssb fit --model` (docs/user-guide.md, measured spectra), whose formats table lists every
format the command accepts."""

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


def test_a_measured_image_gets_the_files_the_kpfm_doc_names(tmp_path):
    """docs/kpfm.md, section 5: cpd_comparison.json and the figures of an image comparison."""
    import gwyfile
    import numpy as np

    doc = (ROOT / "docs" / "kpfm.md").read_text(encoding="utf-8")
    figures = re.search(r"the figures are (.*?)\n\n", doc, flags=re.DOTALL)
    assert figures is not None
    names = {"cpd_comparison.json", *re.findall(r"`([\w.]+\.png)`", figures.group(1))}
    assert {"cpd_vs_measured.png", "cpd_map_vs_measured.png"} <= names
    run_case(load_case(ROOT / "cases" / "li_llzo_li.toml",
                       ["output.figures=false", 'output.fields="none"']), tmp_path / "run")
    x = np.linspace(20e-9, 120e-9, 40)
    container = gwyfile.objects.GwyContainer()
    container["/0/data/title"] = "CPD"
    container["/0/data"] = gwyfile.objects.GwyDataField(
        np.tile(np.tanh((x - 70e-9) / 5e-9), (8, 1)), xreal=100e-9, yreal=20e-9, xoff=20e-9,
        si_unit_xy="m", si_unit_z="V")
    container.tofile(str(tmp_path / "scan.gwy"))
    run_cpd(tmp_path / "run", tmp_path / "cpd", measured=tmp_path / "scan.gwy", fit_psf=True)
    for name in names:
        assert (tmp_path / "cpd" / name).is_file(), name


def test_the_brouwer_command_writes_what_docs_defects_lists(tmp_path):
    """docs/defects.md, section 3: the files of `pnp-ssb defects`."""
    from pnp_ssb.apps.cli import main

    doc = (ROOT / "docs" / "defects.md").read_text(encoding="utf-8")
    listed = re.search(r"the command writes (.*?)\. At each U", doc, flags=re.DOTALL)
    assert listed is not None
    names = set(re.findall(r"`([\w.]+)`", listed.group(1)))
    assert names == {"brouwer.csv", "brouwer.json", "brouwer.png"}
    assert main(["defects", str(ROOT / "cases" / "garnet_defect_chemistry.toml"), "--points",
                 "5", "-o", str(tmp_path)]) == 0
    for name in names:
        assert (tmp_path / name).is_file(), name
