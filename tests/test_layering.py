"""The data-flow rule below the resolved model: meshing, forms, solvers and the post-processing
computations take the model, the mesh plan and settings, never the Case (a Solution keeps its
case only as the record that summary.json and case.resolved.toml echo)."""

import importlib
import inspect
import pkgutil

import pytest

import pnp_ssb.discretisation
import pnp_ssb.solvers
from pnp_ssb.input.case import Case

ANALYSIS = ["postprocess", "charges", "kinetics", "space_charge", "bands", "sampling",
            "circuits", "resistance"]


def _modules():
    for package in (pnp_ssb.discretisation, pnp_ssb.solvers):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            yield info.name
    yield from (f"pnp_ssb.analysis.{name}" for name in ANALYSIS)


@pytest.mark.parametrize("name", sorted(_modules()))
def test_no_function_below_the_model_takes_a_case(name):
    module = importlib.import_module(name)
    offenders = []
    for attr, obj in vars(module).items():
        if not inspect.isfunction(obj) or obj.__module__ != name:
            continue
        for p in inspect.signature(obj).parameters.values():
            if p.name == "case" or p.annotation in (Case, "Case"):
                offenders.append(f"{attr}({p.name})")
    assert not offenders, f"{name}: {offenders}"


def test_no_import_cycles():
    """No module imports, even lazily or for type checking, one that imports it back."""
    import grimp

    graph = grimp.build_graph("pnp_ssb")
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(imported, module):
                cycles.append(f"{module} -> {imported}")
    assert not cycles, cycles
