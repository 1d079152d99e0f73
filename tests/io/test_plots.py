"""The figure rules, checked on the figures' data: concentration axes clipped around the bulk
with the clipped points marked, no offset tick labels, round-off said rather than drawn, the
state in the title, the layers shaded and named, Nyquist plots on equal axes with decades."""

import numpy as np
import pytest

from pnp_ssb.analysis.postprocess import Profile1D, Segment
from pnp_ssb.io.plots import ProfileFigureData, nyquist_figure, profile_figures
from pnp_ssb.io.style import CLIP_BELOW_BULK, pyplot

VT = 0.025852


def _profile(psi: np.ndarray, c: dict[str, np.ndarray]) -> Profile1D:
    x = np.linspace(0.0, 100e-9, psi.size)
    return Profile1D((Segment("electrolyte", x, psi, {}, c),), VT)


@pytest.fixture(autouse=True)
def _close():
    yield
    pyplot().close("all")


def _draw(fig):
    fig.canvas.draw()
    return fig.axes[0]


def test_concentrations_are_clipped_at_1e_12_of_the_bulk_and_marked():
    c = {"anion": np.geomspace(1e-316, 1e25, 50), "cation": np.full(50, 1e25)}
    data = ProfileFigureData(state="equilibrium", bulk_m3={"anion": 1e25, "cation": 1e25})
    ax = _draw(profile_figures(_profile(np.zeros(50), c), data)["concentrations"])
    low, high = ax.get_ylim()
    assert low == pytest.approx(CLIP_BELOW_BULK * 1e25) and high == pytest.approx(2e25)
    markers = [line for line in ax.lines if line.get_marker() == "v"]
    assert markers and np.all(markers[0].get_ydata() == pytest.approx(1e13))


def test_no_offset_tick_labels_on_a_potential_near_a_large_value():
    psi = (1.8e3 + np.linspace(0.0, 1e-2, 50)) / VT  # 1.8 kV with a 10 mV variation
    ax = _draw(profile_figures(_profile(psi, {}), ProfileFigureData())["potential"])
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert ax.xaxis.get_offset_text().get_text() == ""


def test_round_off_is_said_not_drawn():
    rng = np.random.default_rng(0)
    psi = (0.3 + 4e-16 * rng.standard_normal(50)) / VT
    ax = _draw(profile_figures(_profile(psi, {}), ProfileFigureData())["potential"])
    assert any("uniform to" in t.get_text() for t in ax.texts)
    (line,) = [line for line in ax.lines if line.get_label() == "electrolyte"]
    assert np.ptp(line.get_ydata()) == 0.0
    low, high = ax.get_ylim()
    assert high - low == pytest.approx(2e-3)


def test_the_state_titles_the_figure_and_layers_are_named():
    data = ProfileFigureData(state="OCV 3.750 V",
                             layers_nm=(("lipon", 0.0, 50.0), ("lco", 50.0, 100.0)))
    figs = profile_figures(_profile(np.zeros(50), {"Li": np.full(50, 1e27)}), data)
    for kind, fig in figs.items():
        assert fig._suptitle.get_text() == f"{kind}: OCV 3.750 V"
        names = {t.get_text() for t in fig.axes[0].texts}
        assert {"lipon", "lco"} <= names


def test_nyquist_has_equal_axes_and_marked_decades():
    f = np.logspace(-1, 5, 31)
    z = 10.0 / (1 + 1j * f / 1e2)
    ax = nyquist_figure(f, z.real, z.imag).axes[0]
    assert ax.get_aspect() == 1.0
    labels = [t.get_text() for t in ax.texts]
    assert labels == [f"$10^{{{k}}}$ Hz" for k in range(-1, 6)]


def test_the_overview_shows_layers_fields_and_numbers():
    from pnp_ssb.io.plots import key_numbers, overview_figure

    summary = {"case": "demo", "study": "equilibrium", "converged": True, "num_cells": 110,
               "num_dofs": 111, "newton_iterations": 6, "discretisation_error_estimate_V": 3e-5,
               "charge_balance_C_m2": 1e-12,
               "interfaces": {"a|b": {"sides": {"a": {"space_charge_drop_V": 0.1}}}}}
    numbers = key_numbers(summary)
    assert "a|b: a +0.100 V" in numbers and "error estimate: 3e-05 V" in numbers
    data = ProfileFigureData(state="equilibrium", layers_nm=(("a", 0.0, 100.0),),
                             bulk_m3={"Li": 1e27})
    fig = overview_figure(_profile(np.zeros(50), {"Li": np.full(50, 1e27)}), data, numbers)
    assert len(fig.axes) == 4 and fig._suptitle.get_text() == "overview: equilibrium"
    assert any("demo: equilibrium" in t.get_text() for t in fig.axes[1].texts)
