"""Checkpoints of a transient: per-rank unknowns, the step counter, the adapted layout and
the refined twin, written atomically into DIR/checkpoint/ (the twin in checkpoint/refined/);
what a rerun keeps to resume, and loading a checkpoint back (same case, ranks and sizes).
"""

import csv
import json
import logging
import math
import os
from pathlib import Path

import numpy as np

from pnp_ssb.discretisation.fem import MPI
from pnp_ssb.discretisation.mesh import ADAPTIVE_GEOMETRIES
from pnp_ssb.discretisation.stack_mesh import StackLayout, stack_layout
from pnp_ssb.input.case import Case
from pnp_ssb.input.plan import mesh_plan
from pnp_ssb.input.study import TransientStudy, study_of
from pnp_ssb.io.output import write_text_atomic
from pnp_ssb.io.rundir import case_fingerprint
from pnp_ssb.physics.model import build_stack_model
from pnp_ssb.studies.stepper import TimeStepper
from pnp_ssb.studies.transient_error import Twin

log = logging.getLogger(__name__)


def save_checkpoint(stepper: TimeStepper, folder: Path, meta: dict) -> None:
    """Per-rank unknowns and (rank 0) the step counter, written atomically."""
    comm = stepper.problem.domain.mesh.comm
    if comm.rank == 0:
        folder.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    tmp = folder / f".rank{comm.rank}.tmp.npz"
    np.savez(tmp, *stepper.snapshot())
    os.replace(tmp, folder / f"rank{comm.rank}.npz")
    history = _history_arrays(stepper)
    if history:  # the multistep scheme's and the estimate's past states, for an exact resume
        tmp = folder / f".history{comm.rank}.tmp.npz"
        np.savez(tmp, *history)
        os.replace(tmp, folder / f"history{comm.rank}.npz")
    comm.barrier()
    if comm.rank == 0:
        write_text_atomic(folder / "meta.json", json.dumps(
            {**meta, "ranks": comm.size, "history": {
                "states": len(history) // max(len(stepper.problem.unknowns), 1),
                "past_dt_s": stepper.past_dt_s, "past_voltage_V": stepper.past_voltage_V,
                "sigma_previous_C_m2": stepper.sigma_previous,
                "sigma_previous2_C_m2": stepper.sigma_previous2,
                "contact_theta_past": stepper.contact_theta_past},
             "collector_li": stepper.uptake.state() if stepper.uptake is not None else None}))


def _history_arrays(stepper: TimeStepper) -> list[np.ndarray]:
    """u^{n-1} and, where known, u^{n-2} (ghosts included), when the history has begun."""
    if stepper.previous2 is None or not stepper.past_dt_s:
        return []
    arrays = [f.x.array.copy() for f in stepper.previous2]
    return arrays + [a.copy() for a in stepper.older] if stepper.older is not None else arrays


def _restore_history(stepper: TimeStepper, folder: Path, meta: dict) -> None:
    """Put the saved past states and steps back (a checkpoint of this run, resumed)."""
    entry = meta.get("history") or {}
    n = len(stepper.problem.unknowns)
    path = folder / f"history{stepper.problem.domain.mesh.comm.rank}.npz"
    if not entry.get("states") or stepper.previous2 is None or not path.is_file():
        return
    with np.load(path) as data:
        arrays = [data[f"arr_{i}"] for i in range(len(data.files))]
    for f, a in zip(stepper.previous2, arrays[:n], strict=True):
        f.x.array[:] = a
    stepper.older = arrays[n:2 * n] if len(arrays) >= 2 * n else None
    stepper.past_dt_s = list(entry["past_dt_s"])
    stepper.past_voltage_V = list(entry["past_voltage_V"])
    stepper.sigma_previous = entry["sigma_previous_C_m2"]
    stepper.sigma_previous2 = entry["sigma_previous2_C_m2"]
    stepper.contact_theta_past = [dict(d) for d in entry.get("contact_theta_past", [])]


def fingerprint(case: Case) -> str:
    """Hash of everything that defines the trajectory (not the end time or output settings):
    a checkpoint is resumed only by the same problem."""
    return case_fingerprint(case, ("end_time_s", "output_times_s", "checkpoint_every_steps"))


def resumable_outputs(case: Case, outdir: Path, comm: MPI.Comm) -> set[str]:
    """What a rerun keeps in DIR (collective): checkpoint/, timeseries.csv and the states of
    the output times up to the checkpoint when the checkpoint is of this case on as many ranks
    (the run resumes from it); checkpoint/ when study.start_from is DIR itself."""
    keep: set[str] = set()
    if comm.rank == 0:
        try:
            meta = json.loads((outdir / "checkpoint" / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        if (meta.get("case") == fingerprint(case) and meta.get("ranks") == comm.size
                and (outdir / "timeseries.csv").is_file()):
            times = study_of(case.study, TransientStudy).output_times_s
            keep = {"checkpoint", "timeseries.csv",
                    *(f"t_{x:.6g}s" for x in times if x <= meta["time_s"])}
        keep |= start_from_keep(case, outdir)
    return comm.bcast(keep, root=0)


def start_from_keep(case: Case, outdir: Path) -> set[str]:
    """{'checkpoint'} when the run starts from a checkpoint in its own folder."""
    start = study_of(case.study, TransientStudy).start_from
    return {"checkpoint"} if start is not None and Path(start).resolve() == outdir.resolve() \
        else set()


def load_checkpoint(stepper: TimeStepper, folder: Path, any_case: bool = False
                    ) -> dict | None:
    """Load a checkpoint of the same run (same case, ranks and sizes), else None (collective).
    With ``any_case`` the checkpoint may come from another run of the same stack."""
    comm = stepper.problem.domain.mesh.comm
    meta = None
    if comm.rank == 0 and (folder / "meta.json").is_file():
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta = comm.bcast(meta, root=0)
    if (meta is None or meta.get("ranks") != comm.size
            or (meta.get("case") != fingerprint(stepper.case) and not any_case)):
        if meta is not None:
            log.info("checkpoint in %s is of another run: starting from t = 0", folder)
        return None
    with np.load(folder / f"rank{comm.rank}.npz") as data:
        arrays = [data[f"arr_{i}"] for i in range(len(data.files))]
    ok = len(arrays) == len(stepper.problem.unknowns) and all(
        a.shape == u.x.array.shape for a, u in zip(arrays, stepper.problem.unknowns, strict=False))
    if not comm.allreduce(ok, op=MPI.LAND):
        return None
    stepper.restore(arrays)
    stepper.accept()
    if stepper.uptake is not None and meta.get("collector_li"):
        stepper.uptake.load_state(meta["collector_li"])
    if not any_case:
        _restore_history(stepper, folder, meta)
    return meta


def read_rows(path: Path, count: int) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:count]
    return [{k: float(v) if v != "" else math.nan for k, v in r.items()} for r in rows]


def has_twin(run_dir: Path, comm: MPI.Comm) -> bool:
    """Whether the checkpoint in ``run_dir`` holds a refined twin (collective)."""
    found = (run_dir / "checkpoint" / "refined" / "meta.json").is_file() if comm.rank == 0 \
        else None
    return bool(comm.bcast(found, root=0))


def checkpoint_layout(case: Case, outdir: Path, comm: MPI.Comm) -> StackLayout | None:
    """The 1D layout of the checkpoint this run resumes (DIR/checkpoint of the same case) or
    starts from (study.start_from), when it was an adapted one; else None (collective)."""
    meta = None
    if comm.rank == 0:
        own = outdir / "checkpoint" / "meta.json"
        folders = [(own, False)]
        start_from = getattr(case.study, "start_from", None)  # a transient's or an impedance's
        if start_from is not None:
            folders.append((Path(start_from) / "checkpoint" / "meta.json", True))
        for path, any_case in folders:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if data.get("ranks") == comm.size and (any_case or data.get("case") == fingerprint(
                    case)) and "layout_x_m" in data:
                meta = data
                break
    meta = comm.bcast(meta, root=0)
    if meta is None or case.geometry.type not in ADAPTIVE_GEOMETRIES:
        return None
    base = stack_layout(mesh_plan(case), build_stack_model(case))
    return StackLayout(np.asarray(meta["layout_x_m"], dtype=float), base.pieces,
                       base.gb_points_m)


def resume_pair(stepper: TimeStepper, twin: Twin | None, folder: Path) -> dict | None:
    """:func:`load_checkpoint` of the run and, with an estimate, of its twin (DIR/checkpoint/refined,
    the same step); neither is loaded unless both are (collective)."""
    if twin is None:
        return load_checkpoint(stepper, folder)
    before, twin_before = stepper.snapshot(), twin.stepper.snapshot()
    meta = load_checkpoint(stepper, folder)
    twin_meta = load_checkpoint(twin.stepper, folder / "refined") if meta is not None else None
    if meta is not None and (twin_meta is None or twin_meta.get("step") != meta["step"]
                             or "error_states" not in meta):
        for s, arrays in ((stepper, before), (twin.stepper, twin_before)):
            s.restore(arrays)
            if s.uptake is not None:  # the run's collectors were loaded with it: empty again
                s.uptake.reset()
            s.accept()
        log.info("checkpoint in %s has no refined twin at its step: starting from t = 0", folder)
        return None
    if meta is not None:
        twin.restore_from(meta)
    return meta


def save_pair(stepper: TimeStepper, twin: Twin | None, layout: StackLayout | None,
              folder: Path, meta: dict) -> None:
    """Checkpoint the run with ``meta`` (time, step, ...), its layout and its twin; the twin
    first, since the run's meta.json marks a complete checkpoint (collective)."""
    meta = {**meta, "case": fingerprint(stepper.case)}
    if layout is not None:
        meta["layout_x_m"] = layout.x_m.tolist()
    if twin is not None:
        save_checkpoint(twin.stepper, folder / "refined",
                        {"step": meta["step"], "case": meta["case"]})
        meta.update(twin.checkpoint_entries())
    save_checkpoint(stepper, folder, meta)
