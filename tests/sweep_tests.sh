#!/usr/bin/env bash
# sasim sweep, end to end: a 50-point sweep with --jobs 2 (CSV and plots),
# rows equal to `sasim run` for the same point, kill half-way + --resume,
# shards merged equal to the unsharded CSV, a failing point recorded, and a
# bad spec rejected with file:line, a whole network swept, ineffective keys
# warned about. Usage: sweep_tests.sh SASIM WORKDIR [SHARED_DIR]
set -u
SASIM=$(realpath "$1")
WORK=$2
SHARED=$(realpath "${3:-$(dirname "$0")/../../shared}")
rm -rf "$WORK" && mkdir -p "$WORK"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

cp "$(dirname "$0")/data/tiny.yaml" "$WORK/tiny.yaml"
cat > "$WORK/spec.yaml" <<'YAML'
models: [tiny.yaml]
grid:
  array.rows: [1, 2, 3, 4, 5]
  array.cols: [1, 2, 3, 4, 5]
  array.dataflow: [ws, os]
YAML

# 1. A 50-point sweep with two jobs: CSV, every row ok, plots in PNG and SVG.
"$SASIM" sweep "$WORK/spec.yaml" --jobs 2 --out "$WORK/full" > "$WORK/full.log" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "full sweep exit 0" || fail "full sweep exit $rc: $(tail -3 "$WORK/full.log")"
rows=$(($(wc -l < "$WORK/full/sweep.csv") - 1))
[ "$rows" -eq 50 ] && ok "50 rows" || fail "$rows rows, want 50"
nok=$(grep -c ',ok,' "$WORK/full/sweep.csv")
[ "$nok" -eq 50 ] && ok "all rows ok" || fail "$nok rows ok"
for p in cycles_vs_pes pareto util_heatmap_tiny_ws util_heatmap_tiny_os; do
  for ext in png svg; do
    [ -s "$WORK/full/plots/$p.$ext" ] || fail "missing plot $p.$ext"
  done
done
ok "plots checked"

# 2. A row's cycles equal what `sasim run` gives for that point.
for point in "3 5 os" "4 2 ws"; do
  set -- $point
  want=$("$SASIM" run --model "$WORK/tiny.yaml" --out "$WORK/single_$1$2$3" --set array.rows=$1 --set array.cols=$2 \
           --set array.dataflow=$3 > /dev/null && grep -o '"cycles": [0-9]*' "$WORK/single_$1$2$3/report.json" | tail -1 | grep -o '[0-9]*$')
  got=$(awk -F, -v k="array.rows=$1 array.cols=$2 array.dataflow=$3" \
          'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "cycles") c = i } $2 == k { print $c }' "$WORK/full/sweep.csv")
  [ -n "$want" ] && [ "$want" = "$got" ] && ok "row $1x$2 $3 cycles $got = sasim run" || fail "row $1x$2 $3: sweep $got, run $want"
done

# 2b. Each row counts the layers the driver ran on its legacy tile loop
#     (run's warning): none on any point, both dataflows (os: its tile
#     form), taller than wide included; with the im2col extension off, both
#     tiny layers, and the sweep warns of those rows.
legacy() {  # ROWS COLS DATAFLOW [CSV]
  awk -F, -v k="array.rows=$1 array.cols=$2 array.dataflow=$3" \
    'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "legacy_layers") c = i } $2 == k { print $c }' "$WORK/full/sweep.csv"
}
[ "$(legacy 3 5 os)" = 0 ] && [ "$(legacy 5 3 os)" = 0 ] && [ "$(legacy 4 4 ws)" = 0 ] && [ "$(legacy 4 2 ws)" = 0 ] \
  && ok "legacy_layers: 0 on os and ws (taller than wide included)" \
  || fail "legacy_layers: os $(legacy 3 5 os), tall os $(legacy 5 3 os), ws $(legacy 4 4 ws), tall ws $(legacy 4 2 ws)"
# ... and its bounds (docs/bounds.md): bound >= each sum's share, ratio = cycles / bound.
bad=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  { c = $col["cycles"]; m = $col["mac_bound"]; f = $col["feed_bound"]; b = $col["bound"]; r = $col["bound_ratio"]
    if (m <= 0 || f <= 0 || b < m - 1 || b < f - 1 || b > m + f + 1 || (r - c / b > 0.001 * r || c / b - r > 0.001 * r)) print $2 }' \
  "$WORK/full/sweep.csv")
[ -z "$bad" ] && ok "bounds per point" || fail "bounds inconsistent at: $bad"
cat > "$WORK/spec_legacy.yaml" <<'YAML'
models: [tiny.yaml]
grid:
  array.dataflow: [ws, os]
  array.im2col: [true, false]
YAML
"$SASIM" sweep "$WORK/spec_legacy.yaml" --out "$WORK/legacy" > "$WORK/legacy.log" 2>&1
off=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "legacy_layers") c = i; next } $2 ~ /im2col=false/ { s = s $c " " } END { print s }' "$WORK/legacy/sweep.csv")
on=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "legacy_layers") c = i; next } $2 ~ /im2col=true/ { s = s $c " " } END { print s }' "$WORK/legacy/sweep.csv")
[ "$off" = "2 2 " ] && [ "$on" = "0 0 " ] && ok "legacy_layers: 2 with the extension off, 0 with it" \
  || fail "legacy_layers with im2col off: '$off', on: '$on'"
grep -q "^warning: in 2 of 4 rows the driver ran layers on its legacy tile loop" "$WORK/legacy.log" \
  && ok "the sweep warns of its legacy rows" || fail "no legacy warning: $(tail -3 "$WORK/legacy.log")"

# 3. Killed half-way, --resume completes without recomputing finished points.
setsid "$SASIM" sweep "$WORK/spec.yaml" --jobs 1 --out "$WORK/resumed" > "$WORK/killed.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  n=$(($( { wc -l < "$WORK/resumed/sweep.csv"; } 2>/dev/null || echo 1) - 1))
  [ "$n" -ge 15 ] && break
  sleep 0.05
done
kill -9 -- -"$pid" 2>/dev/null
wait "$pid" 2>/dev/null
before=$(($(wc -l < "$WORK/resumed/sweep.csv") - 1))
if [ "$before" -ge 1 ] && [ "$before" -lt 50 ]; then ok "killed with $before rows"; else fail "killed with $before rows"; fi
"$SASIM" sweep "$WORK/spec.yaml" --jobs 2 --out "$WORK/resumed" > "$WORK/refused.log" 2>&1
[ $? -eq 2 ] && grep -q "pass --resume" "$WORK/refused.log" && ok "rerun without --resume refused" || fail "rerun without --resume not refused"
"$SASIM" sweep "$WORK/spec.yaml" --jobs 2 --out "$WORK/resumed" --resume > "$WORK/resume.log" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "resume exit 0" || fail "resume exit $rc"
kept=$(grep -o 'resume: [0-9]* of 50 rows' "$WORK/resume.log" | grep -o '[0-9]*' | head -1)
reran=$(grep -c '^\[' "$WORK/resume.log")
[ -n "$kept" ] && [ "$kept" -ge "$before" ] && [ $((kept + reran)) -eq 50 ] \
  && ok "resume kept $kept rows and ran $reran" || fail "resume kept '$kept', ran $reran (had $before)"
cmp -s "$WORK/full/sweep.csv" "$WORK/resumed/sweep.csv" && ok "resumed CSV equals the full CSV" || fail "resumed CSV differs"

# A changed spec cannot be resumed into the old results (exit 2, nothing lost).
sed 's/array.rows: \[1, 2, 3, 4, 5\]/array.rows: [6, 7, 8, 9, 10]/' "$WORK/spec.yaml" > "$WORK/spec2.yaml"
cp "$WORK/resumed/sweep.csv" "$WORK/before_stale.csv"
"$SASIM" sweep "$WORK/spec2.yaml" --jobs 2 --out "$WORK/resumed" --resume > "$WORK/stale.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "the spec changed" "$WORK/stale.log" && cmp -s "$WORK/before_stale.csv" "$WORK/resumed/sweep.csv" \
  && ok "resume with a changed spec refused" || fail "resume with a changed spec: exit $rc: $(cat "$WORK/stale.log")"

# 4. Shards merged equal the unsharded CSV, row for row.
for i in 0 1 2; do
  "$SASIM" sweep "$WORK/spec.yaml" --jobs 2 --shard $i/3 --out "$WORK/shard$i" > /dev/null 2>&1 || fail "shard $i failed"
done
"$SASIM" sweep --merge "$WORK/shard0" "$WORK/shard1" "$WORK/shard2" --out "$WORK/merged" > /dev/null 2>&1 || fail "merge failed"
cmp -s "$WORK/full/sweep.csv" "$WORK/merged/sweep.csv" && ok "merged shards equal the full CSV" || fail "merged CSV differs"
[ -s "$WORK/merged/plots/pareto.png" ] && ok "merge plotted" || fail "merge made no plots"

# 5. A failing point is recorded with its error; the others still run; exit 1.
cat > "$WORK/failing.yaml" <<'YAML'
models: [tiny.yaml]
points:
  - {array.rows: 2}
  - {array.cols: 64, buffers.c.size_bytes: 128}
  - {array.rows: 3}
YAML
"$SASIM" sweep "$WORK/failing.yaml" --jobs 2 --out "$WORK/failing" > "$WORK/failing.log" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "failing point: exit 1" || fail "failing point: exit $rc"
grep -q ',failed,.*cannot hold one tile line' "$WORK/failing/sweep.csv" && ok "failure recorded with its error" \
  || fail "failure row missing: $(cat "$WORK/failing/sweep.csv")"
[ "$(grep -c ',ok,' "$WORK/failing/sweep.csv")" -eq 2 ] && ok "other points ran" || fail "other points did not run"

# 6. A bad spec: exit 2, file:line:col, key and reason; nothing written.
cat > "$WORK/bad.yaml" <<'YAML'
models: [tiny.yaml]
grid:
  array.rows: [4, 0]
  array.dataflow: [ws, xs]
YAML
"$SASIM" sweep "$WORK/bad.yaml" --out "$WORK/bad" > "$WORK/bad.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q 'bad.yaml:3:19: grid.array.rows\[1\]: 0 is out of range \[1, 64\]' "$WORK/bad.log" \
  && grep -q "bad.yaml:4:24: grid.array.dataflow\[1\]: 'xs' is not one of: ws, os" "$WORK/bad.log" \
  && [ ! -e "$WORK/bad" ] && ok "bad spec rejected" || fail "bad spec: exit $rc: $(cat "$WORK/bad.log")"

# 7. Merging results that are not sweep results: exit 2 naming file, job and
#    column, nothing written (it used to segfault, or exit 1 with "stoi").
mkdir -p "$WORK/partial" "$WORK/badcell"
printf 'job,status\n0,ok\n' > "$WORK/partial/sweep.csv"
"$SASIM" sweep --merge "$WORK/partial" --out "$WORK/merged_partial" > "$WORK/partial.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "partial/sweep.csv:1:0: no column 'model'" "$WORK/partial.log" && [ ! -e "$WORK/merged_partial" ] \
  && ok "merge of a CSV without the plotted columns: exit 2" || fail "merge partial: exit $rc: $(cat "$WORK/partial.log")"
{ head -1 "$WORK/full/sweep.csv"; sed -n 2p "$WORK/full/sweep.csv" | awk -F, 'BEGIN{OFS=","} {$4="abc"; print}'; } \
  > "$WORK/badcell/sweep.csv"
"$SASIM" sweep --merge "$WORK/badcell" --out "$WORK/merged_badcell" > "$WORK/badcell.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "badcell/sweep.csv: job 0: column 'rows': 'abc' is not a count" "$WORK/badcell.log" \
  && ok "non-numeric cell: exit 2 naming job and column" || fail "bad cell: exit $rc: $(cat "$WORK/badcell.log")"

# 8. gnuplot runs without a shell: a quote in --out neither breaks the plots
#    nor runs anything.
odd="$WORK/x';touch INJECTED;'"
(cd "$WORK" && "$SASIM" sweep "$WORK/spec.yaml" --jobs 2 --cpu gap --out "$odd" > "$WORK/odd.log" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ ! -e "$WORK/INJECTED" ] && [ -s "$odd/plots/pareto.png" ] \
  && ok "quote in --out: plots made, nothing injected" || fail "odd --out: exit $rc, $(ls "$WORK")"

# 9. A grid of a million points is refused at once (cap: max_points), and a
#    key given twice in the grid or in a point is an error, as elsewhere.
vals="[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
bytes="[1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288]"
cat > "$WORK/huge.yaml" <<YAML
models: [tiny.yaml]
grid:
  array.rows: $vals
  array.cols: $vals
  buffers.a.size_bytes: $bytes
  buffers.b.size_bytes: $bytes
  buffers.c.size_bytes: $bytes
  clock_mhz: [50, 60, 70, 75, 80, 90, 100, 110, 120, 130]
YAML
start=$(date +%s)
"$SASIM" sweep "$WORK/huge.yaml" --out "$WORK/huge" > "$WORK/huge.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "huge.yaml:3:3: grid: 1000000 points is more than max_points (100000)" "$WORK/huge.log" \
  && [ $(($(date +%s) - start)) -lt 10 ] && [ ! -e "$WORK/huge" ] && ok "a million points refused" \
  || fail "huge grid: exit $rc: $(cat "$WORK/huge.log")"
printf 'models: [tiny.yaml]\ngrid:\n  array.rows: [2]\n  array.rows: [8]\npoints:\n  - {array.cols: 2, array.cols: 3}\n' \
  > "$WORK/dup.yaml"
"$SASIM" sweep "$WORK/dup.yaml" --out "$WORK/dup" > "$WORK/dup.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "dup.yaml:4:3: grid.array.rows: duplicate key" "$WORK/dup.log" \
  && grep -q "dup.yaml:6:21: points\[0\].array.cols: duplicate key" "$WORK/dup.log" && ok "duplicate keys rejected" \
  || fail "duplicate keys: exit $rc: $(cat "$WORK/dup.log")"

# 10. Merging 2 of 3 shards names the missing one (exit 2, nothing written).
"$SASIM" sweep --merge "$WORK/shard0" "$WORK/shard2" --out "$WORK/merged_2of3" > "$WORK/m2.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "shard 1/3 missing" "$WORK/m2.log" && [ ! -e "$WORK/merged_2of3" ] \
  && ok "missing shard named" || fail "2 of 3 shards: exit $rc: $(cat "$WORK/m2.log")"

# 11. A FAILED line says why.
grep -q "FAILED: .*cannot hold one tile line" "$WORK/failing.log" && ok "FAILED line says why" \
  || fail "FAILED line without a reason: $(cat "$WORK/failing.log")"

# 12. --resume runs failed rows again; summary and exit code agree.
cp -r "$WORK/full" "$WORK/retry"
awk -F, 'BEGIN{OFS=","} NR==3 { for (i = 1; i <= NF; ++i) if ($i == "ok") { $i = "failed"; break } } { print }' \
  "$WORK/full/sweep.csv" > "$WORK/retry/sweep.csv"
grep -q ",failed," "$WORK/retry/sweep.csv" || fail "could not mark a row failed"
"$SASIM" sweep "$WORK/spec.yaml" --jobs 2 --out "$WORK/retry" --resume > "$WORK/retry.log" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "running 1 failed job(s) again" "$WORK/retry.log" && grep -q "0 failed in all" "$WORK/retry.log" \
  && cmp -s "$WORK/full/sweep.csv" "$WORK/retry/sweep.csv" && ok "resume retries failed rows" \
  || fail "retry: exit $rc: $(tail -3 "$WORK/retry.log")"

# 13. A second sweep on the same --out is refused while the first runs.
"$SASIM" sweep "$WORK/spec.yaml" --jobs 1 --out "$WORK/locked" > "$WORK/lock1.log" 2>&1 &
first=$!
for _ in $(seq 50); do [ -e "$WORK/locked/.sweep.lock" ] && break; sleep 0.1; done
"$SASIM" sweep "$WORK/spec.yaml" --jobs 1 --out "$WORK/locked" --resume > "$WORK/lock2.log" 2>&1
rc=$?
kill $first 2>/dev/null; wait $first 2>/dev/null
[ $rc -eq 2 ] && grep -q "another sweep is writing to this directory (process $first)" "$WORK/lock2.log" \
  && ok "second writer refused" || fail "second writer: exit $rc: $(cat "$WORK/lock2.log")"

# 14. Plots follow the swept keys: a panel per key (cycles_by_key), heat maps
#     of utilisation and latency, readable tick labels (no 8.38861e+06).
[ -s "$WORK/full/plots/cycles_by_key.png" ] && [ -s "$WORK/full/plots/cycles_by_key.svg" ] \
  && grep -q "multiplot layout 1,3" "$WORK/full/plots/plots.gp" && grep -q "latency (us)" "$WORK/full/plots/plots.gp" \
  && grep -q "set format y '%.1s%c'" "$WORK/full/plots/plots.gp" && ok "plots by swept key, latency heat map" \
  || fail "plots: $(ls "$WORK/full/plots")"

# 15. A grid of 368,640 points (max_points raised) starts at once, says how
#     many jobs there are, and stays small: one shard of it runs two jobs in
#     bounded memory. A model.* key is refused as not sweepable.
cat > "$WORK/big.yaml" <<'YAML'
models: [tiny.yaml]
max_points: 1000000
grid:
  array.rows: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
  array.cols: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
  array.dataflow: [ws, os]
  buffers.a.size_bytes: [1024, 2048, 4096, 8192, 16384, 32768]
  buffers.b.size_bytes: [1024, 2048, 4096, 8192, 16384, 32768]
  buffers.c.size_bytes: [2048, 4096, 8192, 16384, 32768]
  clock_mhz: [50, 75, 100, 125]
YAML
( ulimit -v 400000; exec "$SASIM" sweep "$WORK/big.yaml" --jobs 1 --cpu gap --shard 0/200000 --out "$WORK/big" ) \
  > "$WORK/big.log" 2>&1
rc=$?
[ $rc -eq 0 ] && head -1 "$WORK/big.log" | grep -q "^sweep: 368640 points x 1 model(s) = 368640 jobs, shard 0/200000" \
  && [ "$(($(wc -l < "$WORK/big/sweep.csv") - 1))" -eq 2 ] && ok "a 368,640-point grid streams" \
  || fail "big grid: exit $rc: $(head -3 "$WORK/big.log")"
printf 'models: [tiny.yaml]\ngrid:\n  model.layers[0].stride: [1, 2]\n' > "$WORK/model_key.yaml"
"$SASIM" sweep "$WORK/model_key.yaml" --out "$WORK/model_key" > "$WORK/model_key.log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "model_key.yaml:3:[0-9]*: .*model.\* keys are not sweepable" "$WORK/model_key.log" \
  && ok "model.* keys refused" || fail "model key: exit $rc: $(cat "$WORK/model_key.log")"

# A whole network (.tflite): each row is the whole inference, as `sasim run`
# prints it; a host.* key, which the CPU model ignores, is warned about.
printf 'models: [%s]\ngrid:\n  array.rows: [4, 16]\n  array.cols: [8]\n  host.load_cycles: [0, 2]\n' \
  "$SHARED/models/kws_ref_model.tflite" > "$WORK/net.yaml"
"$SASIM" sweep "$WORK/net.yaml" --jobs 2 --out "$WORK/net" > "$WORK/net.log" 2>&1
rc=$?
want=$("$SASIM" run --model "$SHARED/models/kws_ref_model.tflite" --set array.rows=4 --set array.cols=8 --out "$WORK/net_run" \
         2> /dev/null | sed -n 's/^total: \([0-9]*\) cycles.*/\1/p')
got=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  $2 == "array.rows=4 array.cols=8 host.load_cycles=0" { print $col["cycles"] }' "$WORK/net/sweep.csv")
tall=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  $2 == "array.rows=16 array.cols=8 host.load_cycles=0" { print $col["legacy_layers"] }' "$WORK/net/sweep.csv")
[ $rc -eq 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] && [ "$tall" = 0 ] && ok "a .tflite model sweeps the whole inference ($got cycles)" \
  || fail "network sweep: exit $rc, sweep $got, run $want, legacy at 16x8 $tall: $(tail -3 "$WORK/net.log")"
grep -q "net.yaml: host.load_cycles has no effect on the board estimate" "$WORK/net.log" \
  && ok "host.* keys warned about under the CPU model" || fail "no host.* warning: $(head -3 "$WORK/net.log")"

echo "$((fails == 0 ? 1 : 0)) passed, $fails failed"
[ $fails -eq 0 ]
