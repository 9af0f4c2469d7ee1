#!/usr/bin/env bash
# Slurm job array for a sharded sweep: each array task runs one shard, then a
# dependent job merges them. Submit from the repository root:
#   SPEC=configs/sweep_arrays.yaml SHARDS=8 sbatch --array=0-7 scripts/slurm_sweep.sh
#   sbatch --dependency=afterok:<array job id> --wrap \
#     "build/sasim sweep --merge out/shards/shard-* --out out/sweep_merged"
# Every task needs the repository (built with scripts/setup) on a shared file
# system; --jobs defaults to the cores Slurm gives the task.
#SBATCH --job-name=sasim-sweep
#SBATCH --cpus-per-task=2
#SBATCH --output=out/shards/slurm-%A_%a.log
set -euo pipefail
SPEC=${SPEC:-configs/sweep_arrays.yaml}
SHARDS=${SHARDS:-${SLURM_ARRAY_TASK_COUNT:-1}}
i=${SLURM_ARRAY_TASK_ID:-0}
mkdir -p out/shards
# --resume makes a re-queued task continue where it was preempted.
exec build/sasim sweep "$SPEC" --jobs "${SLURM_CPUS_PER_TASK:-2}" --shard "$i/$SHARDS" \
  --out "out/shards/shard-$i" --resume
