#!/bin/sh
# Whole matrix, one transfer at a time, seeds outermost so that every cell sees the same
# machine conditions.  Skips runs whose JSON already exists (resume).  Run as root.
cd "$(dirname "$0")"
OUT=${OUT:-$PWD/runs}
mkdir -p "$OUT"
for seed in $(seq 1 20); do
  for loss in 0 0.005 0.01 0.02 0.03 0.05; do
    for cc in reno cubic; do
      tag=$(printf '%s_%.3f_%02d' $cc $loss $seed)
      [ -f "$OUT/$tag.json" ] && continue
      ip netns exec bulk /usr/bin/python3 run_one.py $cc $loss $seed "$OUT" --app-rt 40 || echo "FAILED $tag"
    done
  done
done
echo MATRIX DONE
