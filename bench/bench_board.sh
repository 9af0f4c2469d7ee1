#!/usr/bin/env bash
# The board model's speed on a whole firmware (sasim board): simulated
# cycles per host second for the SoC test firmware's benchmark command
# (tests/firmware/soc_app, 'b': 2,000 rounds of a CPU loop and a CFU loop,
# a UART character and its interrupt per round), with sasim's CFU model and
# with its Verilated RTL on the CPU's port. Issue target: >= 30 M simulated
# cycles per second with the CFU model.
#   bench/bench_board.sh [build dir]
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
elf=$build/tests/firmware/soc_app/soc_app.elf
[ -f "$elf" ] || { echo "bench_board: build the tests first ($elf missing)" >&2; exit 2; }
for cfu in model rtl; do
  start=$(date +%s.%N)
  if ! out=$("$build/sasim" board "$elf" --csr-json "$here/tests/firmware/soc_app/csr.json" --uart-in bq --cfu $cfu 2>&1 >/dev/null); then
    echo "sasim board --cfu $cfu: $(tail -1 <<< "$out")"
    continue
  fi
  end=$(date +%s.%N)
  cycles=$(sed -n 's/^sasim board: \([0-9]*\) cycles.*/\1/p' <<< "$out")
  insns=$(sed -n 's/.* cycles ([^)]*), \([0-9]*\) instructions.*/\1/p' <<< "$out")
  awk -v c="$cycles" -v i="$insns" -v s="$start" -v e="$end" -v cfu="$cfu" 'BEGIN {
    t = e - s
    printf "sasim board --cfu %-5s soc_app benchmark: %d cycles, %d instructions in %.2f s: %.1f M cycles/s, %.1f M instructions/s\n", cfu, c, i, t, c / t / 1e6, i / t / 1e6
  }'
done
echo "(target: >= 30 M simulated cycles/s with --cfu model)"
