"""Messages that say what is wrong, in plain words: the kind of a region with its article, and
an impossible number of arcs refused by the command line before any fit."""

import numpy as np
import pytest

from pnp_ssb.analysis.circuits import FitError, fit_arcs
from pnp_ssb.apps.cli import main
from pnp_ssb.input.fields import with_article


def test_kinds_take_their_article():
    assert with_article("insertion_electrode") == "an insertion_electrode"
    assert with_article("metal") == "a metal"
    assert with_article("solid_electrolyte") == "a solid_electrolyte"


def test_zero_arcs_are_refused_by_the_command_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["fit", str(tmp_path / "impedance.csv"), "--arcs", "0", "-o", str(tmp_path / "f")])
    assert info.value.code == 2
    assert "--arcs: 0: expected at least 1" in capsys.readouterr().err


def test_zero_arcs_are_refused_by_the_fit():
    f = np.logspace(0, 6, 41)
    with pytest.raises(FitError, match="0 arcs: expected at least one RC arc"):
        fit_arcs(f, 1.0 + 0j * f, 0)
