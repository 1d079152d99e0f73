"""The HTML report of a run: self-contained (figures embedded), with the status, the key
numbers, the case, versions and citations, and shown by a real headless Chromium: its
screenshot must not be blank. CI installs Debian's chromium (.ci/run) and sets
PNP_SSB_REQUIRE_BROWSER=1, so the browser check cannot be skipped there."""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pnp_ssb.apps.cli import main
from pnp_ssb.preflight import load_case
from pnp_ssb.studies.registry import run_case

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("gouy_chapman")
    run_case(load_case(ROOT / "cases" / "gouy_chapman.toml", ['output.fields="none"']), run)
    assert main(["report", str(run)]) == 0
    return run / "report.html"


def test_the_report_is_one_self_contained_page(report):
    text = report.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") >= 3  # overview, potential, concentrations
    assert "src=\"http" not in text and "src='http" not in text
    for needed in ("converged", "gouy_chapman: equilibrium", "Case (resolved)",
                   "@software{pnp_ssb,", "dolfinx"):
        assert needed in text, needed


def test_a_folder_without_a_run_is_refused(tmp_path):
    assert main(["report", str(tmp_path)]) == 2


def test_headless_chromium_shows_the_report(report, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("PNP_SSB_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required here (PNP_SSB_REQUIRE_BROWSER=1) but not found")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    shot = tmp_path / "report.png"
    subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                    f"--screenshot={shot}", "--window-size=1200,1600", report.as_uri()],
                   check=True, capture_output=True, timeout=120)
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (1600, 1200)
    dark = np.mean(pixels < 200)  # text, axes and curves on a white page
    assert 0.005 < dark < 0.9 and pixels.std() > 10
