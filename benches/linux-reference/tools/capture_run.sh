#!/bin/sh
# One captured run: pcap (dumpcap on the namespace's lo, snaplen 128), the helper's per-packet log,
# and the sender's tcp:tcp_probe / tcp_cong_state_set / tcp_retransmit_skb tracepoints (cwnd,
# ssthresh, snd_una/nxt at every ACK the sender receives) in a private ftrace instance.
# usage: capture_run.sh CC LOSS SEED   (run as root; namespace "bulk" set up by setup_ns.sh)
set -e
cd "$(dirname "$0")"
CC=$1; LOSS=$2; SEED=$3
OUT=$PWD/captures
mkdir -p "$OUT"
tag=$(printf '%s_%.3f_%02d' $CC $LOSS $SEED)
T=/sys/kernel/tracing
mounted_here=0
if ! mountpoint -q $T; then mount -t tracefs nodev $T; mounted_here=1; fi
I=$T/instances/linuxbulk
mkdir $I
echo mono > $I/trace_clock
echo 8192 > $I/buffer_size_kb
for e in tcp_probe tcp_cong_state_set tcp_retransmit_skb; do
  echo 'dport == 12345' > $I/events/tcp/$e/filter
  echo 1 > $I/events/tcp/$e/enable
done
python3 -c 'import time; print(time.clock_gettime(time.CLOCK_MONOTONIC), time.time())' > "$OUT/$tag.clocks"
ip netns exec bulk /usr/bin/python3 run_one.py $CC $LOSS $SEED "$OUT" --app-rt 40 --keeplog --pcap "$OUT/$tag.pcapng"
python3 -c 'import time; print(time.clock_gettime(time.CLOCK_MONOTONIC), time.time())' >> "$OUT/$tag.clocks"
echo 0 > $I/tracing_on
cat $I/trace > "$OUT/$tag.trace"
for e in tcp_probe tcp_cong_state_set tcp_retransmit_skb; do echo 0 > $I/events/tcp/$e/enable; done
rmdir $I
if [ $mounted_here = 1 ]; then umount $T; fi
gzip -f "$OUT/$tag.trace"
ls -la "$OUT" | grep "$tag"
