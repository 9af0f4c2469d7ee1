#!/usr/bin/env bash
# Benchmark: whole-network simulation of the .tflite models in ../shared/models
# (`sasim run --model FILE.tflite`, board estimate: the driver and sasim's CPU
# operator kernels on the CPU model, the CFU model behind it). Prints, per
# model, the simulated cycles (total, CFU layers with the operators fused into
# their readback, elementwise operators on the CFU, CPU operators), the wall
# time of the whole command and simulated cycles per wall second. Target:
# every model of ../shared/models in under 10 s. Then, per model, where the
# CPU waited on memory (layers.csv, every operator): cycles stalled on
# instruction fetch misses (the I$, 8 KiB direct mapped, refilled through the
# L2 the data streams also use) and the I$ misses, cycles stalled on data
# memory, each also as a share of the total: the driver's and the bridge's
# code layout decides the first (docs/board-runtime.md, "Code layout").
# Prints figures only.
#   bench/bench_tflite.sh [build/sasim] [MODELS_DIR]
set -euo pipefail
SASIM=${1:-build/sasim}
MODELS=${2:-../shared/models}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%-34s %13s %13s %13s %13s %8s %10s\n' model total cfu_layers cfu_eltwise cpu_ops wall_s Mcycles/s
for f in "$MODELS"/*.tflite; do
  name=$(basename "$f" .tflite)
  start=$(date +%s.%N)
  "$SASIM" run --model "$f" --out "$work/$name" > "$work/$name.log"
  end=$(date +%s.%N)
  # "total: T cycles (... MHz): C in the CFU layers[ (F ... fused ...)], E in K elementwise operators on the CFU, P in N CPU operators ..."
  read -r total cfu ew cpu < <(sed -n 's/^total: \([0-9]*\) cycles .*: \([0-9]*\) in the CFU layers[^,]*, \([0-9]*\) in [0-9]* elementwise operators on the CFU, \([0-9]*\) in .*/\1 \2 \3 \4/p' "$work/$name.log")
  wall=$(echo "$end - $start" | bc)
  printf '%-34s %13d %13d %13d %13d %8.2f %10.1f\n' "$name" "$total" "$cfu" "$ew" "$cpu" "$wall" \
    "$(echo "$total / $wall / 1000000" | bc -l)"
done
printf '\n%-34s %13s %9s %7s %13s %7s\n' model fetch_miss icache_m share data_mem share
for f in "$MODELS"/*.tflite; do
  name=$(basename "$f" .tflite)
  awk -F, -v name="$name" '
    NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
    { c += $col["cycles"]; fm += $col["cpu_fetch_miss"]; im += $col["icache_misses"]; dm += $col["cpu_data_mem"] }
    END { printf "%-34s %13d %9d %6.1f%% %13d %6.1f%%\n", name, fm, im, c ? 100 * fm / c : 0, dm, c ? 100 * dm / c : 0 }
  ' "$work/$name/layers.csv"
done
