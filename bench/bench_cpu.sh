#!/usr/bin/env bash
# Benchmark: simulated cycles per second of the board estimate (--cpu
# vexriscv: the driver on the CPU model + the CFU model in its SystemC shell)
# for `sasim run --model models/resnet8.yaml`, and the slowdown against the
# fixed-gap estimate (--cpu gap). Target: >= 30 M simulated CPU cycles/s.
# Prints figures only.
#   bench/bench_cpu.sh [build/sasim] [MODEL]
set -euo pipefail
SASIM=${1:-build/sasim}
MODEL=${2:-models/resnet8.yaml}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {  # run CPU -> "seconds cycles"
  local start end cycles
  start=$(date +%s.%N)
  "$SASIM" run --model "$MODEL" --cpu "$1" --out "$work/$1" > "$work/$1.log"
  end=$(date +%s.%N)
  # the total line of the terminal table: "total <cycles> ..."
  cycles=$(awk '$1 == "total" { print $2; exit }' "$work/$1.log")
  echo "$(echo "$end - $start" | bc) $cycles"
}
read -r vs vc < <(run vexriscv)
read -r gs gc < <(run gap)
printf 'cpu vexriscv: %d simulated cycles in %.2f s = %.1f M cycles/s\n' "$vc" "$vs" "$(echo "$vc / $vs / 1000000" | bc -l)"
printf 'cpu gap:      %d simulated cycles in %.2f s = %.1f M cycles/s\n' "$gc" "$gs" "$(echo "$gc / $gs / 1000000" | bc -l)"
printf 'wall-clock slowdown of the board estimate against --cpu gap: %.1fx\n' "$(echo "$vs / $gs" | bc -l)"
