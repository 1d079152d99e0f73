"""The study registry: one runner per study type of the schema, chosen by ``study.type``."""

import pytest

from pnp_ssb.input.study import STUDY_TYPES
from pnp_ssb.preflight import load_case
from pnp_ssb.studies import registry
from tests.conftest import electrolyte_case


def test_every_study_type_of_the_schema_has_a_runner():
    types = STUDY_TYPES
    assert set(registry.STUDIES) == set(types)
    assert all(callable(run) for run in registry.STUDIES.values())


@pytest.mark.parametrize("study", ["equilibrium", "steady_state"])
def test_run_case_chooses_the_runner_of_its_type(study, monkeypatch, tmp_path):
    seen = []
    monkeypatch.setitem(registry.STUDIES, study, lambda case, outdir, comm: seen.append(
        (case.study.type, outdir)) or "state")
    case = load_case(electrolyte_case(left={"type": "blocking", "potential_vs_bulk_V": 0.1},
                                      right={"type": "reservoir"}, study=study))
    assert registry.run_case(case, str(tmp_path)) == "state"
    assert seen == [(study, tmp_path)]
