#!/usr/bin/env bash
# Benchmark: simulated cycles per second of the board estimate (--cpu
# vexriscv: the driver on the CPU model + the CFU model in its SystemC shell)
# for `sasim run --model models/resnet8.yaml`, and the slowdown against the
# fixed-gap estimate (--cpu gap). Target: >= 30 M simulated CPU cycles/s.
# "simulating" is the time inside the engine (report.json's
# simulation_seconds), without start-up, data generation and the golden
# check; the whole command's wall time is printed too. Prints figures only.
#   bench/bench_cpu.sh [build/sasim] [MODEL]
set -euo pipefail
SASIM=${1:-build/sasim}
MODEL=${2:-models/resnet8.yaml}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {  # run CPU -> "wall-seconds simulation-seconds cycles"
  local start end cycles sim
  start=$(date +%s.%N)
  "$SASIM" run --model "$MODEL" --cpu "$1" --out "$work/$1" > "$work/$1.log"
  end=$(date +%s.%N)
  cycles=$(awk '$1 == "total" { print $2; exit }' "$work/$1.log")
  sim=$(grep -o '"simulation_seconds": [0-9.e+-]*' "$work/$1/report.json" | awk '{ print $2 }')
  echo "$(echo "$end - $start" | bc) $sim $cycles"
}
read -r vw vs vc < <(run vexriscv)
read -r gw gs gc < <(run gap)
printf 'cpu vexriscv: %d simulated cycles, %.3f s simulating = %.1f M cycles/s (whole command %.2f s)\n' \
  "$vc" "$vs" "$(echo "$vc / $vs / 1000000" | bc -l)" "$vw"
printf 'cpu gap:      %d simulated cycles, %.3f s simulating = %.1f M cycles/s (whole command %.2f s)\n' \
  "$gc" "$gs" "$(echo "$gc / $gs / 1000000" | bc -l)" "$gw"
printf 'slowdown of the board estimate against --cpu gap: %.1fx simulating, %.1fx whole command\n' \
  "$(echo "$vs / $gs" | bc -l)" "$(echo "$vw / $gw" | bc -l)"
