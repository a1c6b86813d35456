#!/bin/sh
# Cross-check against the earlier measurements: the unmodified shared helper (poll(), ms-rounded
# wake-ups) and client/server at normal priority, as in shared/linux-reference/README.md.
cd "$(dirname "$0")"
for seed in $(seq 1 10); do
  for loss in 0 0.01 0.02; do
    ip netns exec bulk /usr/bin/python3 run_one.py reno $loss $seed "$PWD/runs_origsetup" \
      --helper /work/shared/linux-reference/nfq_lossdelay.py --app-rt 0
  done
done
echo ORIG DONE
