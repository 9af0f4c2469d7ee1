#!/usr/bin/env bash
# Runs every concrete command line that README.md shows (the examples in its
# code blocks, not the usage synopses) with the built binary, from the
# repository root so that the README's relative paths (models/, configs/,
# ../shared/) hold; each must exit 0. Outputs go to a scratch folder: an
# --out is redirected there (or added, for the commands that write one).
# Not run: the setup and test commands themselves, shell loops and job
# scripts ($, parallel, sbatch) and the merge of shards they would make.
#   tests/readme_commands.sh SASIM SOURCE_DIR WORK_DIR
set -uo pipefail
SASIM=$1
SRC=$2
WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$SRC" || exit 2
mapfile -t cmds < <(awk '
  /^```/ { inblock = !inblock; next }
  inblock {
    line = $0
    if (cont != "") { line = cont " " line; cont = "" }
    if (line ~ /\\$/) { sub(/\\$/, "", line); cont = line; next }
    print line
  }' README.md | sed -E 's/^[[:space:]]+//' | grep -E '^(build/)?sasim ' |
  grep -vE '\[|\.\.\.|\$|\{\}|\b(FILE|CASE_DIR|SPEC|DIR|NAME|IN)\b|out/shards')
if [ "${#cmds[@]}" -lt 5 ]; then
  echo "found only ${#cmds[@]} command lines in README.md"
  exit 1
fi
fail=0
n=0
for c in "${cmds[@]}"; do
  n=$((n + 1))
  read -r -a argv <<< "$c"
  argv[0]=$SASIM
  sub=${argv[1]}
  # Redirect --out (and ~) into the scratch folder; add one where the
  # command would write into the source tree.
  out="$WORK/$n"
  has_out=0
  for i in "${!argv[@]}"; do
    if [ "${argv[$i]}" = "--out" ]; then
      argv[$((i + 1))]="$out/$(basename "${argv[$((i + 1))]}")"
      has_out=1
    fi
  done
  if [ $has_out = 0 ] && [[ $sub =~ ^(run|sweep|cosim)$ ]]; then argv+=(--out "$out"); fi
  # Globs in the README (../shared/vectors/*) expand as the shell would.
  expanded=()
  for a in "${argv[@]}"; do
    if [[ $a == *'*'* ]]; then for g in $a; do expanded+=("$g"); done; else expanded+=("$a"); fi
  done
  start=$(date +%s)
  "${expanded[@]}" > "$WORK/$n.log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  if [ $rc -ne 0 ]; then
    echo "FAIL ($rc, ${secs}s): $c"
    tail -5 "$WORK/$n.log"
    fail=1
  else
    echo "ok (${secs}s): $c"
  fi
done
exit $fail
