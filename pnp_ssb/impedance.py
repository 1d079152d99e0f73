"""Small-signal impedance: the transient system linearised at its steady state.

With R(u) the steady residual and A(u) the (lumped) accumulation of the transient, a terminal
voltage V + dV e^{i w t} gives, to first order, (J + i w M) du = -dR/dV dV, J = dR/du,
M = dA/du. The voltage enters through Dirichlet values (conductor or boundary potentials,
reservoir electrochemical potentials): du = d + v, with d the known change of the Dirichlet
dofs per volt and v = 0 there, so (J + i w M) v = -(J + i w M) d - f_V on the free rows, f_V
the explicit dependence (the Butler–Volmer drive). It is solved as the real block system

    [ J   -w M ] [v_re]   [ -(J d + f_V) ]
    [ w M   J  ] [v_im] = [ -w M d       ]

with MUMPS, for every frequency. The wire current into the right terminal is
dI = i w d(sigma_R) + d(i_ion), sigma_R the right electrode's charge per area and i_ion the ionic
current it passes into the electrolyte (Faradaic at a reacting contact, the flux into a
reservoir boundary), both linearised along du by central differences. Z = dV/dI (Ohm m^2).
"""

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pnp_ssb.case import Case, CaseError
from pnp_ssb.fem import MPI, PETSc, dolfinx, ufl

log = logging.getLogger(__name__)

OHM_M2_TO_OHM_CM2 = 1e4
FD_STEP = 1e-6  # central differences of the terminal functionals: error ~ step^2


@dataclass(frozen=True)
class ImpedanceSpectrum:
    """Z(f) of a run, area-specific (Ohm m^2), Z = Re + i Im (capacitive arcs: Im < 0)."""

    frequency_Hz: np.ndarray
    impedance_ohm_m2: np.ndarray
    num_dofs: int

    @property
    def re_ohm_cm2(self) -> np.ndarray:
        """Re Z in Ohm cm^2."""
        return self.impedance_ohm_m2.real * OHM_M2_TO_OHM_CM2

    @property
    def im_ohm_cm2(self) -> np.ndarray:
        """Im Z in Ohm cm^2."""
        return self.impedance_ohm_m2.imag * OHM_M2_TO_OHM_CM2


def check_frequencies(frequencies_Hz: Sequence[float], where: str = "frequencies_Hz") -> np.ndarray:
    """A non-empty list of positive, finite frequencies (CaseError otherwise)."""
    f = np.asarray(list(frequencies_Hz), dtype=float)
    if f.size == 0:
        raise CaseError(f"{where} = []: expected at least one frequency")
    bad = [float(v) for v in f if not (math.isfinite(v) and v > 0)]
    if bad:
        raise CaseError(f"{where} = {bad[0]!r}: expected positive, finite frequencies (Hz)")
    return f


def log_frequencies(f_min_Hz: float, f_max_Hz: float, points_per_decade: int) -> np.ndarray:
    """Log-spaced frequencies from f_min to f_max, both included."""
    decades = math.log10(f_max_Hz / f_min_Hz)
    n = max(2, round(decades * points_per_decade) + 1)
    return np.logspace(math.log10(f_min_Hz), math.log10(f_max_Hz), n)


class _Layout:
    """The monolithic ('mpi' kind) layout of the block unknowns: owned dofs, field by field."""

    def __init__(self, unknowns: Sequence[dolfinx.fem.Function]) -> None:
        self.unknowns = list(unknowns)
        self.sizes = [u.function_space.dofmap.index_map.size_local
                      * u.function_space.dofmap.index_map_bs for u in self.unknowns]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)])

    def gather(self) -> np.ndarray:
        """Owned values of every unknown, stacked."""
        return np.concatenate([u.x.array[:n] for u, n in zip(self.unknowns, self.sizes,
                                                             strict=True)])

    def scatter(self, values: np.ndarray) -> None:
        """Set the unknowns' owned values and update their ghosts."""
        for k, (u, n) in enumerate(zip(self.unknowns, self.sizes, strict=True)):
            u.x.array[:n] = values[self.offsets[k]:self.offsets[k] + n]
            u.x.scatter_forward()

    def vector(self, values: np.ndarray, comm) -> PETSc.Vec:
        """A PETSc vector with these local values (the matrices' row layout)."""
        vec = PETSc.Vec().createMPI((len(values), PETSc.DECIDE), comm=comm)
        vec.setArray(values)
        return vec


def _jacobian(residuals, unknowns, entity_maps):
    """Compiled block Jacobian forms dR_i/du_j (None where a block vanishes)."""
    blocks = []
    for F in residuals:
        row = []
        for u in unknowns:
            d = ufl.derivative(F, u, ufl.TrialFunction(u.function_space))
            d = ufl.algorithms.expand_derivatives(d)
            row.append(d if d.integrals() else None)
        blocks.append(row)
    return dolfinx.fem.form(blocks, entity_maps=entity_maps or None)


def _assemble(forms) -> PETSc.Mat:
    A = dolfinx.fem.petsc.assemble_matrix(forms, kind="mpi")
    A.assemble()
    return A


def _residual(problem) -> np.ndarray:
    """The residual's owned values, stacked (no Dirichlet conditions)."""
    forms = problem.cache.get("impedance:residual")
    if forms is None:
        forms = dolfinx.fem.form(problem.residuals, entity_maps=problem.entity_maps or None)
        problem.cache["impedance:residual"] = forms
    vec = dolfinx.fem.petsc.assemble_vector(forms, kind="mpi")
    vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
    out = vec.getArray().copy()
    vec.destroy()
    return out


class _Terminal:
    """The right terminal: applying a voltage shift, and the wire current's two parts."""

    def __init__(self, stepper) -> None:
        self.stepper = stepper
        p = stepper.problem
        self.cell = stepper.model.cell is not None
        if self.cell:
            self.region = stepper.model.cell.groups[-1].regions[0]
            self.base_V = stepper.fermi_voltage_V[self.region]
        else:
            if "right" not in p.electrode_potential:
                raise CaseError("impedance: the right boundary must be a blocking electrode or a "
                                "reservoir held at a potential")
            self.base_psi = float(p.electrode_potential["right"].value)
            self.base_w = {k: float(c.value) for k, c in p.reservoir_w.items() if k[0] == "right"}

    def apply(self, shift_V: float) -> None:
        """Set the right terminal to its steady value + shift_V (Dirichlet values and drives)."""
        st = self.stepper
        if self.cell:
            st.set_right_voltage(self.base_V + shift_V)
            return
        vt = st.model.scales.thermal_voltage_V
        p = st.problem
        p.electrode_potential["right"].value = self.base_psi + shift_V / vt
        charge = {sp.name: sp.charge for sp in st.model.regions[-1].species}
        for key, value in self.base_w.items():
            p.reservoir_w[key].value = value + charge[key[1]] * shift_V / vt

    def parts(self) -> tuple[float, float]:
        """(sigma_R in C/m^2, current from the right electrode into the electrolyte in A/m^2:
        ionic, plus electronic at a cell's conductor contact) at the current state
        (collective)."""
        from pnp_ssb.postprocess import boundary_currents_A_m2, electrode_charges_C_m2

        if self.cell:
            return self.stepper.right_electrode_parts()
        p = self.stepper.problem
        leaving = boundary_currents_A_m2(p).get("right", 0.0)
        return electrode_charges_C_m2(p)["right"], -leaving


def _dirichlet_rows(problem, layout: _Layout) -> tuple[np.ndarray, list]:
    """Local monolithic indices of every Dirichlet dof (owned), and (bc, field) pairs."""
    rows, pairs = [], []
    spaces = [u.function_space for u in layout.unknowns]
    for bc in problem.bcs:
        k = next(i for i, V in enumerate(spaces)
                 if bc.function_space in (V, getattr(V, "_cpp_object", None)))
        dofs, first_ghost = bc.dof_indices()
        owned = dofs[:first_ghost]
        rows.append(layout.offsets[k] + owned)
        pairs.append((bc, k, owned))
    return (np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)), pairs


def _dirichlet_values(pairs, layout: _Layout) -> np.ndarray:
    out = np.zeros(layout.offsets[-1])
    for bc, k, owned in pairs:
        g = bc.g
        value = g.value if hasattr(g, "value") else g.x.array[owned]
        out[layout.offsets[k] + owned] = value
    return out


def study_frequencies_Hz(case: Case) -> np.ndarray:
    """The frequencies of an impedance study: its list, or its log-spaced range."""
    study = case.study
    if study.frequencies_Hz is not None:
        return check_frequencies(study.frequencies_Hz, "study.frequencies_Hz")
    return log_frequencies(study.f_min_Hz, study.f_max_Hz, study.points_per_decade)


def as_transient(case: Case) -> Case:
    """The same case as a transient study: its forms (species fields, electrode Li, mass terms)
    are the ones the small-signal system linearises."""
    study = case.study.model_copy(update={"type": "transient", "end_time_s": 1.0,
                                          "frequencies_Hz": None})
    return case.model_copy(update={"study": study})


def impedance_spectrum(case: Case, frequencies_Hz: Sequence[float] | None = None,
                       comm: MPI.Comm = MPI.COMM_WORLD):
    """Z(f) of a case about its steady state at t = 0 (an equilibrium: a cell at its
    compositions and terminal voltage, or an electrolyte relaxed at its boundary conditions).
    Collective; results are identical on every rank. Returns (spectrum, stepper): the stepper
    holds the steady state (for post-processing) and must be closed by the caller."""
    from pnp_ssb.solution import newton_settings
    from pnp_ssb.transient import STAGNATION_RESIDUAL, build_stepper

    f = (check_frequencies(frequencies_Hz) if frequencies_Hz is not None
         else study_frequencies_Hz(case))
    import dataclasses

    settings = dataclasses.replace(newton_settings(case), stagnation_residual=STAGNATION_RESIDUAL)
    stepper = build_stepper(as_transient(case), comm, settings)
    return _spectrum(stepper, f), stepper


def run_impedance(case: Case, outdir, comm: MPI.Comm = MPI.COMM_WORLD):
    """An impedance study: the steady state's usual outputs, plus impedance.csv
    (f_Hz, re_ohm_cm2, im_ohm_cm2), nyquist.png, bode.png and summary.json["impedance"]."""
    import time
    from pathlib import Path

    from pnp_ssb.output import plot_impedance, write_csv_rows
    from pnp_ssb.results import write_outputs
    from pnp_ssb.solution import postprocess_solution

    start = time.perf_counter()
    spectrum, stepper = impedance_spectrum(case, None, comm)
    try:
        solution = postprocess_solution(case, stepper.model, stepper.problem.domain,
                                        stepper.problem, stepper.report, start, True, "")
    finally:
        stepper.solver.close()
    z = spectrum.impedance_ohm_m2
    solution.extra["impedance"] = {
        "frequencies": int(z.size), "num_dofs": spectrum.num_dofs,
        "high_frequency_re_ohm_cm2": float(spectrum.re_ohm_cm2[-1]),
        "low_frequency_re_ohm_cm2": float(spectrum.re_ohm_cm2[0]),
        "low_frequency_im_ohm_cm2": float(spectrum.im_ohm_cm2[0]),
        "seconds_per_frequency": (time.perf_counter() - start) / z.size}
    outdir = Path(outdir)
    write_outputs(solution, outdir)
    if comm.rank == 0:
        rows = [{"f_Hz": float(fr), "re_ohm_cm2": float(a), "im_ohm_cm2": float(b)}
                for fr, a, b in zip(spectrum.frequency_Hz, spectrum.re_ohm_cm2,
                                    spectrum.im_ohm_cm2, strict=True)]
        write_csv_rows(outdir / "impedance.csv", rows)
        if case.output.figures:
            plot_impedance(outdir, spectrum.frequency_Hz, spectrum.re_ohm_cm2,
                           spectrum.im_ohm_cm2)
    comm.barrier()
    log.info("%s: impedance at %d frequencies, %d DOFs", case.name, z.size, spectrum.num_dofs)
    return solution, spectrum


def _spectrum(stepper, f: np.ndarray) -> ImpedanceSpectrum:
    p = stepper.problem
    comm = p.domain.mesh.comm
    if stepper.model.cell is None:  # relax to the steady state at the boundary potentials
        p.set_load(1.0)
        _relax(stepper)
    layout = _Layout(p.unknowns)
    terminal = _Terminal(stepper)
    jac = _jacobian(p.residuals, p.unknowns, p.entity_maps)
    stepper.inv_dt.value = 0.0
    J = _assemble(jac)
    stepper.inv_dt.value = 1.0
    JM = _assemble(jac)
    stepper.inv_dt.value = 0.0
    M = JM.copy()
    M.axpy(-1.0, J)
    JM.destroy()
    rows_local, pairs = _dirichlet_rows(p, layout)
    start = J.getOwnershipRange()[0]
    rows = (rows_local + start).astype(np.int32)

    u0 = layout.gather()
    d0, r0 = None, None
    h = FD_STEP  # the Dirichlet values are affine in V, the Butler–Volmer drive is not
    terminal.apply(h)
    d_plus, r_plus = _dirichlet_values(pairs, layout), _residual(p)
    terminal.apply(-h)
    d_minus, r_minus = _dirichlet_values(pairs, layout), _residual(p)
    terminal.apply(0.0)
    d_vec = (d_plus - d_minus) / (2 * h)
    f_V = (r_plus - r_minus) / (2 * h)
    del d0, r0
    free = np.ones(layout.offsets[-1], dtype=bool)
    free[rows_local] = False

    d = layout.vector(d_vec, comm)
    Jd, Md = J.createVecLeft(), M.createVecLeft()
    J.mult(d, Jd)
    M.mult(d, Md)
    Jd_arr, Md_arr = Jd.getArray().copy(), Md.getArray().copy()
    for A in (J, M):
        A.zeroRows(rows, diag=0.0)
    n = layout.offsets[-1]
    ksp = PETSc.KSP().create(comm)
    ksp.setType("preonly")
    ksp.getPC().setType("lu")
    ksp.getPC().setFactorSolverType("mumps")
    values = np.empty(f.size, dtype=complex)
    for i, freq in enumerate(f):
        omega = 2 * math.pi * freq
        Mw = M.copy()
        Mw.scale(omega)
        Mneg = M.copy()
        Mneg.scale(-omega)
        Jb = J.copy()
        Jb.setOption(PETSc.Mat.Option.NEW_NONZERO_ALLOCATION_ERR, False)
        Jb.zeroRows(rows, diag=1.0)
        nest = PETSc.Mat().createNest([[Jb, Mneg], [Mw, Jb]], comm=comm)
        A = nest.convert("aij")
        rhs = A.createVecRight()
        arr = np.zeros(2 * n)
        arr[:n][free] = -(Jd_arr + f_V)[free]
        arr[n:][free] = -(omega * Md_arr)[free]
        rhs.setArray(arr)  # a nest's rows, per rank: its block-0 rows, then its block-1 rows
        sol = rhs.duplicate()
        ksp.setOperators(A)
        ksp.solve(rhs, sol)
        v = sol.getArray()
        du_re, du_im = d_vec + v[:n], v[n:]
        values[i] = 1.0 / _wire_current(stepper, terminal, layout, u0, du_re, du_im, omega)
        for obj in (Mw, Mneg, Jb, nest, A, rhs, sol):
            obj.destroy()
    ksp.destroy()
    for obj in (J, M, d, Jd, Md):
        obj.destroy()
    layout.scatter(u0)
    ndofs = sum(u.function_space.dofmap.index_map.size_global for u in p.unknowns)
    return ImpedanceSpectrum(f, values, ndofs)


def _relax(stepper, first_step_s: float = 1e-9, growth: float = 10.0,
           steps: int = 40) -> None:
    """Backward-Euler steps of growing length until the state stops changing: the steady state
    that conserves the amounts of blocked species (J alone is singular for them)."""
    layout = _Layout(stepper.problem.unknowns)
    dt = first_step_s
    for _ in range(steps):
        before = layout.gather()
        stepper.inv_dt.value = 1.0 / dt
        stepper.newton()
        stepper.accept()
        change = stepper.problem.domain.mesh.comm.allreduce(
            float(np.max(np.abs(layout.gather() - before), initial=0.0)), op=MPI.MAX)
        if change < 1e-10 and dt > 1e3:
            break
        dt *= growth
    stepper.inv_dt.value = 0.0


def _wire_current(stepper, terminal: _Terminal, layout: _Layout, u0: np.ndarray,
                  du_re: np.ndarray, du_im: np.ndarray, omega: float) -> complex:
    """dI = i w d(sigma) + d(i_ion) per volt, by central differences along du (collective)."""
    def parts_at(shift: np.ndarray, volts: float) -> np.ndarray:
        layout.scatter(u0 + shift)
        terminal.apply(volts)
        out = np.array(terminal.parts())
        return out

    h = FD_STEP
    re = (parts_at(h * du_re, h) - parts_at(-h * du_re, -h)) / (2 * h)
    im = (parts_at(h * du_im, 0.0) - parts_at(-h * du_im, 0.0)) / (2 * h)
    terminal.apply(0.0)
    layout.scatter(u0)
    d_sigma, d_ion = re[0] + 1j * im[0], re[1] + 1j * im[1]
    return 1j * omega * d_sigma + d_ion
