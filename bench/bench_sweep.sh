#!/usr/bin/env bash
# Benchmark: design points per second of `sasim sweep --jobs 2` on the
# 100-run example (configs/sweep_arrays.yaml: 50 points x 2 models), against
# the sum of the same runs done one by one with `sasim run`. The sweep driver
# is not the bottleneck when sweep time ~ sum / jobs. Then, per point and
# model, cycles against the bound (issue 21's acceptance: cycles / bound <=
# 2 everywhere, the default 8x8 ws <= 1.4) and the layers on the driver's
# legacy tile loop. Prints figures only.
#   bench/bench_sweep.sh [build/sasim] [SPEC]
set -euo pipefail
SASIM=${1:-build/sasim}
SPEC=${2:-configs/sweep_arrays.yaml}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

start=$(date +%s.%N)
"$SASIM" sweep "$SPEC" --jobs 2 --out "$work/sweep" > "$work/sweep.log"
sweep_s=$(echo "$(date +%s.%N) - $start" | bc)
rows=$(($(wc -l < "$work/sweep/sweep.csv") - 1))

# The same runs, sequentially, with the exact command lines the sweep used.
start=$(date +%s.%N)
for d in "$work"/sweep/points/*/; do
  mapfile -t args < "$d/cmdline.txt"
  "${args[@]}" > /dev/null 2>&1 || true
done
seq_s=$(echo "$(date +%s.%N) - $start" | bc)
printf 'sweep --jobs 2: %d runs in %.1f s = %.2f runs/s\n' "$rows" "$sweep_s" "$(echo "$rows / $sweep_s" | bc -l)"
printf 'one by one:     %d runs in %.1f s (sum of single-run times)\n' "$rows" "$seq_s"
printf 'speed-up %.2fx on 2 jobs\n' "$(echo "$seq_s / $sweep_s" | bc -l)"
echo
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; printf "%-10s %4s %4s %3s %12s %12s %8s %7s\n", "model", "rows", "cols", "df", "cycles", "bound", "ratio", "legacy"; next }
  { printf "%-10s %4s %4s %3s %12s %12s %8s %7s\n", substr($col["model"], 1, 10), $col["rows"], $col["cols"], $col["dataflow"],
           $col["cycles"], $col["bound"], $col["bound_ratio"], $col["legacy_layers"]
    n++; if ($col["bound_ratio"] + 0 <= 2) ok++ }
  END { printf "%d of %d points within 2x their bound\n", ok, n }' "$work/sweep/sweep.csv"
