#!/usr/bin/env bash
# Benchmark: for ResNet-8 and DS-CNN on the board estimate (default 8x8 ws,
# DDR memory point), cycles per layer against the MAC bound and the feed bound
# (docs/bounds.md), and the ratio to the larger. Prints figures only.
#   bench/bench_bounds.sh [build/sasim]
set -euo pipefail
SASIM=${1:-build/sasim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for m in models/resnet8.yaml models/dscnn.yaml; do
  echo "== $m"
  "$SASIM" run --model "$m" --out "$work/out" 2>/dev/null | sed -n '/^bounds/,/^total/p'
done
