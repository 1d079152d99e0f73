#!/bin/bash
# Strong scaling of the 2D benchmark from 1 to 64 ranks on a cluster (one job, one node per
# 64 ranks). Adapt the module lines to the site; pnp_ssb must be installed with a DOLFINx 0.11
# built against the system MPI (see containers/README.md).
#SBATCH --job-name=pnp_ssb_scaling
#SBATCH --nodes=1
#SBATCH --ntasks=64
#SBATCH --time=02:00:00
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
UNKNOWNS=${UNKNOWNS:-4e6}
SOLVER=${SOLVER:-fgmres_fieldsplit}
for n in 1 2 4 8 16 32 64; do
  srun --ntasks="$n" --cpu-bind=cores python benchmarks/scaling_2d.py \
    --unknowns "$UNKNOWNS" --solver "$SOLVER"
done
python benchmarks/scaling_2d.py --summarize
cat benchmarks/results/scaling_2d.md
