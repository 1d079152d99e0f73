"""The small-signal system of an impedance study (:mod:`pnp_ssb.studies.impedance`) at a steady
state: J and M assembled from the steady and accumulation forms, the Dirichlet change per volt
and the explicit drive, a conductor's work-function coupling to its contact composition, the
right terminal's wire current and its exact tangent, and the iteratively refined real block solve
at each frequency.
"""

import dataclasses
import itertools
import logging
import math
from collections.abc import Sequence

import numpy as np

from pnp_ssb.analysis.charges import boundary_currents_A_m2, electrode_charges_C_m2
from pnp_ssb.discretisation.fem import PETSc, dolfinx, ufl
from pnp_ssb.discretisation.forms import TABLE_NODE_BAND
from pnp_ssb.input.case import CaseError
from pnp_ssb.physics.electrodes import WORK_FUNCTION_TABLE
from pnp_ssb.physics.model import CellModel

log = logging.getLogger(__name__)

FD_STEP = 1e-6  # central differences in V at a fixed state (d, f_V, explicit drive): error ~ step^2


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
        vec.setArray(values)  # type: ignore[arg-type]  # petsc4py stubs: takes an ndarray
        return vec


def _jacobian(residuals, unknowns, entity_maps, diagonal=None):
    """Compiled block Jacobian forms dR_i/du_j (None where a block vanishes; an empty
    diagonal block takes ``diagonal[i]``, so that every row and column has a space)."""
    blocks = []
    for i, F in enumerate(residuals):
        row = []
        for j, u in enumerate(unknowns):
            d = ufl.derivative(F, u, ufl.TrialFunction(u.function_space))
            d = ufl.algorithms.expand_derivatives(d)
            if not d.integrals() and i == j and diagonal is not None:
                d = diagonal[i]
            row.append(d if d.integrals() else None)
        blocks.append(row)
    return dolfinx.fem.form(blocks, entity_maps=entity_maps or None)


def _accumulation(residuals, inv_dt: dolfinx.fem.Constant) -> list:
    """dR/d(1/dt) of each residual: its backward-Euler accumulation term A(u) - A(u_n), taken
    symbolically (1/dt as a UFL variable), so that M = dA/du is assembled from its own forms.
    The difference (J + M) - J of two assembled Jacobians carries the round-off of J
    (~1e-16 of the diffusion entries, ~1e10 times the mass in the fine cells of a space-charge
    layer): M there would follow the last bits of the state (1e-4 of Z at 10 kHz-10 MHz
    between two solvers' equilibria that agree to 1e-15)."""
    var = ufl.variable(inv_dt)
    out = []
    for F in residuals:
        G = ufl.replace(F, {inv_dt: var})
        dG = ufl.Form([i.reconstruct(integrand=ufl.diff(i.integrand(), var))
                       for i in G.integrals()])
        out.append(ufl.algorithms.expand_derivatives(dG))
    return out


def _mass_matrix(problem, inv_dt: dolfinx.fem.Constant) -> PETSc.Mat:
    """M = dA/du (block layout of the Jacobian; rows without accumulation are zero)."""
    zero = dolfinx.fem.Constant(problem.domain.mesh, 0.0)
    diagonal = [zero * ufl.algorithms.expand_derivatives(
        ufl.derivative(F, u, ufl.TrialFunction(u.function_space)))
        for F, u in zip(problem.residuals, problem.unknowns, strict=True)]
    forms = _jacobian(_accumulation(problem.residuals, inv_dt), problem.unknowns,
                      problem.entity_maps, diagonal)
    return _assemble(forms)


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
    # (the petsc4py stubs type these enum members as int)
    vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)  # type: ignore[arg-type]
    out = vec.getArray().copy()
    vec.destroy()
    return out


class _Terminal:
    """The right terminal: applying a voltage shift, and the wire current's two parts."""

    def __init__(self, stepper) -> None:
        self.stepper = stepper
        p = stepper.problem
        self.cell = isinstance(stepper.model, CellModel)
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

    def parts(self, stepper=None) -> tuple[float, float]:
        """(sigma_R in C/m^2, current from the right electrode into the electrolyte in A/m^2:
        ionic, plus electronic at a cell's conductor contact) at the current state
        (collective). Both are linear in the forms they assemble, so ``stepper`` may hold the
        tangent forms of :class:`_Tangent` (then they are the directional derivatives)."""
        stepper = stepper or self.stepper
        if self.cell:
            return stepper.right_electrode_parts()
        p = stepper.problem
        leaving = boundary_currents_A_m2(p).get("right", 0.0)
        return electrode_charges_C_m2(p)["right"], -leaving


class _Tangent:
    """Exact directional derivatives of the terminal functionals (sigma_R, i_R) along a state
    change du: every form the functionals assemble (the Poisson and Nernst–Planck reactions,
    the contact currents) replaced by its Gateaux derivative sum_j dF/du_j [du_j], the same UFL
    derivative the Jacobian holds. A finite difference of the functionals instead carries their
    round-off over the step (~1e-16 |sigma| / 1e-6, 1e-4 of i w d(sigma) at 10 MHz), and, at a
    node of a piecewise-linear OCV table, the secant slope where the Jacobian has its own."""

    def __init__(self, terminal: _Terminal) -> None:
        self.terminal = terminal
        p = terminal.stepper.problem
        self.directions = [dolfinx.fem.Function(u.function_space) for u in p.unknowns]
        self.layout = _Layout(self.directions)

        def along(form):
            terms = [ufl.algorithms.expand_derivatives(ufl.derivative(form, u, du))
                     for u, du in zip(p.unknowns, self.directions, strict=True)]
            terms = [t for t in terms if t.integrals()]
            return sum(terms[1:], terms[0]) if terms else 0.0 * form

        tangent = dataclasses.replace(
            p, poisson_volume=along(p.poisson_volume),
            species_residuals={k: along(F) for k, F in p.species_residuals.items()},
            contact_current={k: along(F) for k, F in p.contact_current.items()},
            cache={k: v for k, v in p.cache.items() if k.startswith("measure:")})
        self.stepper = dataclasses.replace(terminal.stepper, problem=tangent)

    def along(self, du: np.ndarray) -> np.ndarray:
        """(d sigma_R, d i_R) along du (owned monolithic values; collective)."""
        self.layout.scatter(du)
        return np.array(self.terminal.parts(self.stepper))

    def explicit_voltage(self) -> np.ndarray:
        """(d sigma_R, d i_R)/dV at a fixed state: the Butler–Volmer drive's V (central
        difference: smooth in V, exponential of a linear function, error ~ (h/vt)^2)."""
        h = FD_STEP
        self.terminal.apply(h)
        plus = np.array(self.terminal.parts())
        self.terminal.apply(-h)
        minus = np.array(self.terminal.parts())
        self.terminal.apply(0.0)
        return (plus - minus) / (2 * h)

    def wire_current(self, du_re: np.ndarray, du_im: np.ndarray, omega: float,
                     explicit: np.ndarray) -> complex:
        """dI = i w d(sigma_R) + d(i_R) per volt (``explicit``: :meth:`explicit_voltage`)."""
        re = self.along(du_re) + explicit
        im = self.along(du_im)
        d_sigma, d_ion = re[0] + 1j * im[0], re[1] + 1j * im[1]
        return 1j * omega * d_sigma + d_ion


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


class _SmallSignal:
    """J = dR/du and M = dA/du at the steady state, the Dirichlet change per volt d and the
    explicit drive f_V, and the real block solve of (J + i w M) du = -dR/dV per frequency."""

    def __init__(self, stepper, layout: _Layout, terminal: _Terminal) -> None:
        p = stepper.problem
        self.comm = p.domain.mesh.comm
        self.n = layout.offsets[-1]
        stepper.inv_dt.value = 0.0
        self.J = _assemble(_jacobian(p.residuals, p.unknowns, p.entity_maps))
        self.M = _mass_matrix(p, stepper.inv_dt)
        rows_local, pairs = _dirichlet_rows(p, layout)
        self.rows = (rows_local + self.J.getOwnershipRange()[0]).astype(PETSc.IntType)
        self.free = np.ones(self.n, dtype=bool)
        self.free[rows_local] = False
        h = FD_STEP  # the Dirichlet values are affine in V, the Butler–Volmer drive is not
        terminal.apply(h)
        d_plus, r_plus = _dirichlet_values(pairs, layout), _residual(p)
        terminal.apply(-h)
        d_minus, r_minus = _dirichlet_values(pairs, layout), _residual(p)
        terminal.apply(0.0)
        self.d = (d_plus - d_minus) / (2 * h)
        f_V = (r_plus - r_minus) / (2 * h)
        d = layout.vector(self.d, self.comm)
        Jd, Md = self.J.createVecLeft(), self.M.createVecLeft()
        self.J.mult(d, Jd)
        self.M.mult(d, Md)
        self.rhs_J = -(Jd.getArray() + f_V)
        self.Md = Md.getArray().copy()
        for vec in (d, Jd, Md):
            vec.destroy()
        for A in (self.J, self.M):
            A.zeroRows(self.rows, diag=0.0)  # type: ignore[arg-type]  # stubs: takes an ndarray
        self.coupling = _work_function_coupling(stepper, layout, pairs,
                                                self.J.getOwnershipRange()[0])
        self.ksp = _refined_lu(self.comm, stepper.solver.settings.linear_solver)

    def solve(self, omega: float) -> tuple[np.ndarray, np.ndarray]:
        """(Re du, Im du) per volt at angular frequency omega (owned values; collective)."""
        n, free = self.n, self.free
        Mw, Mneg, Jb = self.M.copy(), self.M.copy(), self.J.copy()
        Mw.scale(omega)
        Mneg.scale(-omega)
        # (the petsc4py stubs type the Option members as int, and want a list of rows)
        Jb.setOption(PETSc.Mat.Option.NEW_NONZERO_ALLOCATION_ERR, False)  # type: ignore[arg-type]
        Jb.zeroRows(self.rows, diag=1.0)  # type: ignore[arg-type]
        for row, col, value in zip(*self.coupling, strict=True):
            Jb.setValue(row, col, value, addv=True)  # add
        Jb.assemble()
        nest = PETSc.Mat().createNest([[Jb, Mneg], [Mw, Jb]], comm=self.comm)
        A = nest.convert("aij")
        rhs = A.createVecRight()
        arr = np.zeros(2 * n)
        arr[:n][free] = self.rhs_J[free]
        arr[n:][free] = -omega * self.Md[free]
        rhs.setArray(arr)  # type: ignore[arg-type]  # a nest's rows, per rank: its block-0 rows, then its block-1 rows
        sol = rhs.duplicate()
        self.ksp.setOperators(A)
        self.ksp.solve(rhs, sol)
        if self.ksp.is_diverged:
            log.warning("impedance at %.4g Hz: refinement stopped (PETSc reason %s, residual "
                        "%.3g)", omega / (2 * math.pi), self.ksp.getConvergedReason(),
                        self.ksp.getResidualNorm())
        v = sol.getArray().copy()
        for obj in (Mw, Mneg, Jb, nest, A, rhs, sol):
            obj.destroy()
        return self.d + v[:n], v[n:]

    def close(self) -> None:
        """Free the PETSc objects."""
        for obj in (self.ksp, self.J, self.M):
            obj.destroy()


REFINEMENT_RTOL = 1e-14  # of the block system's true residual
_ksp_prefixes = itertools.count()


def _refined_lu(comm, chosen: str) -> PETSc.KSP:
    """LU of the block system (the case's direct solver; an iterative choice gets MUMPS: the
    system is indefinite) inside right-preconditioned GMRES on the true residual: iterative
    refinement. A bare factorisation leaves up to ~1e-6 of Z that depends on its pivoting
    (MUMPS vs SuperLU_dist at 1 MHz; the rows span many decades, 1 at Dirichlet dofs, w M
    large at high frequency); two refinement steps take the true residual to REFINEMENT_RTOL
    and the two solvers to ~3e-7 of each other."""
    prefix = f"pnp_ssb_impedance_{next(_ksp_prefixes)}_"
    values: dict[str, str | float] = {
        "ksp_type": "gmres", "ksp_pc_side": "right", "ksp_norm_type": "unpreconditioned",
        "ksp_rtol": REFINEMENT_RTOL, "ksp_atol": 0.0, "ksp_max_it": 20, "pc_type": "lu",
        "pc_factor_mat_solver_type": chosen if chosen in ("mumps", "superlu_dist") else "mumps"}
    options = PETSc.Options()
    for key, value in values.items():
        options.setValue(prefix + key, value)
    ksp = PETSc.KSP().create(comm)
    ksp.setOptionsPrefix(prefix)
    ksp.setFromOptions()
    for key in values:  # read: out of the global database again
        options.delValue(prefix + key)
    return ksp


def table_slope(table, theta: float) -> float:
    """d(value)/d(theta) of a piecewise-linear table at theta, as :func:`forms.table_ufl`
    differentiates it: the segment's slope, the mean of the two adjacent slopes within
    TABLE_NODE_BAND of a node (an end counts a flat continuation), 0 beyond the ends."""
    t, v = np.asarray(table.theta, dtype=float), np.asarray(table.value, dtype=float)
    slopes = np.concatenate([[0.0], np.diff(v) / np.diff(t), [0.0]])  # flat beyond the ends
    node = np.flatnonzero(np.abs(theta - t) < TABLE_NODE_BAND)
    if node.size:
        return 0.5 * float(slopes[node[0]] + slopes[node[0] + 1])
    return float(slopes[np.searchsorted(t, theta)])


def _contact_nodes(problem, region: str, k: int, layout: _Layout, start: int):
    """(global monolithic columns, theta) of an electrode's field at the nodes of its
    reacting contact, over all ranks (the contact composition the work function follows)."""
    contact = next(c for c in problem.contacts if c.conductor == region)
    V = problem.psi.function_space
    contact_x = V.tabulate_dof_coordinates()[problem.interface_dofs[contact.key]]
    field = problem.electrodes[region].field
    x = field.function_space.tabulate_dof_coordinates()[:layout.sizes[k]]
    owned = np.flatnonzero(np.min(np.linalg.norm(
        x[:, None, :] - contact_x[None, :, :], axis=2), axis=1, initial=np.inf) < 1e-12)
    u = field.x.array[owned]
    theta = 0.5 * (1.0 + np.tanh(0.5 * u))
    comm = problem.domain.mesh.comm
    cols = np.concatenate(comm.allgather(start + layout.offsets[k] + owned))
    return cols.astype(PETSc.IntType), np.concatenate(comm.allgather(theta))


def _work_function_coupling(stepper, layout: _Layout, pairs, start: int):
    """Entries (rows, columns, values) that make a conductor's Dirichlet potential follow its
    contact composition in the small-signal system: psi = (V - (Phi(theta_s) - Phi_Li)/e)/vt,
    so d psi = dV/vt + (d psi/d Phi) Phi'(theta_s) theta_s (1 - theta_s) d u_s (u = logit
    theta; theta_s the mean over the contact's nodes, the profile's contact value). The time
    loop updates Phi one step behind (TimeStepper.update_work_functions), a lag that vanishes
    with dt; the linearisation takes the limit. Rows are this rank's owned Dirichlet rows."""
    out: list[list] = [[], [], []]
    p = stepper.problem
    first = 1 + len(p.species_fields)
    for j, region in enumerate(p.electrodes):
        cols, theta = _contact_nodes(p, region, first + j, layout, start)
        table = stepper.case.region_materials[region].tables[WORK_FUNCTION_TABLE]
        slope = table_slope(table, float(np.mean(theta))) if theta.size else 0.0
        if slope == 0.0:
            continue
        base = stepper.work_function_eV[region]  # the Dirichlet values are affine in Phi
        stepper.work_function_eV[region] = base + 1.0
        stepper.apply_conductor_potentials()
        per_eV = _dirichlet_values(pairs, layout)
        stepper.work_function_eV[region] = base
        stepper.apply_conductor_potentials()
        per_eV -= _dirichlet_values(pairs, layout)
        weights = slope * theta * (1.0 - theta) / theta.size  # d Phi / d u_s per node
        for row in np.flatnonzero(per_eV):
            for col, weight in zip(cols, weights, strict=True):
                out[0].append(start + row)
                out[1].append(col)
                out[2].append(-per_eV[row] * weight)
    return (np.asarray(out[0], dtype=PETSc.IntType), np.asarray(out[1], dtype=PETSc.IntType),
            np.asarray(out[2], dtype=float))
