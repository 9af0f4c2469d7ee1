#!/usr/bin/env bash
# Benchmark: what the board's memory path (docs/memory-model.md) costs the
# board estimate. Runs each whole network of ../shared/models (`sasim run
# --model FILE.tflite`) with cpu.memory.model=fixed and =board and prints the
# simulated cycles and the wall time of each, and the ratio of the wall times.
# Target: board no more than 2x fixed. Prints figures only.
#   bench/bench_memory.sh [build/sasim] [MODELS_DIR]
set -euo pipefail
SASIM=${1:-build/sasim}
MODELS=${2:-../shared/models}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-34s %13s %9s %13s %9s %7s\n' model fixed_cycles fixed_s board_cycles board_s ratio
for f in "$MODELS"/*.tflite; do
  name=$(basename "$f" .tflite)
  declare -A cyc wall
  for m in fixed board; do
    start=$(date +%s.%N)
    "$SASIM" run --model "$f" --set cpu.memory.model=$m --out "$work/$name.$m" > "$work/$name.$m.log"
    end=$(date +%s.%N)
    cyc[$m]=$(sed -n 's/^total: \([0-9]*\) cycles .*/\1/p' "$work/$name.$m.log")
    wall[$m]=$(echo "$end - $start" | bc)
  done
  printf '%-34s %13d %9.2f %13d %9.2f %7.2f\n' "$name" "${cyc[fixed]}" "${wall[fixed]}" "${cyc[board]}" \
    "${wall[board]}" "$(echo "${wall[board]} / ${wall[fixed]}" | bc -l)"
done
