#!/bin/bash
# Example Slurm job: one pnp_ssb case on N MPI ranks, inside the Apptainer image.
# Submit from the repository root:   sbatch containers/slurm_job.sh cases/heterojunction.toml out/het
#SBATCH --job-name=pnp_ssb
#SBATCH --nodes=1
#SBATCH --ntasks=8
#SBATCH --time=01:00:00
#SBATCH --output=pnp_ssb_%j.log
set -euo pipefail
CASE=${1:?usage: sbatch containers/slurm_job.sh CASE OUTPUT_DIR}
OUT=${2:?usage: sbatch containers/slurm_job.sh CASE OUTPUT_DIR}
IMAGE=${PNP_SSB_IMAGE:-pnp-ssb.sif}

# The image's MPICH must be ABI-compatible with the host MPI (MPICH, Intel MPI, Cray MPICH)
# for srun to launch it; with Open MPI hosts use the system-DOLFINx route instead (README).
srun --mpi=pmi2 apptainer exec "$IMAGE" pnp-ssb run "$CASE" -o "$OUT"
