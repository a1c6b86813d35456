#!/bin/sh
# Private namespace "bulk" for the linux-reference bulk-loss measurements (run as root).
set -e
NS=bulk
PORT=${PORT:-12345}
ip netns add $NS
ip netns exec $NS ip link set lo up
ip netns exec $NS ip link set lo mtu 1500            # MSS 1460, 1448-byte payloads with timestamps
ip netns exec $NS ethtool -K lo tso off gso off       # wire-sized segments
ip netns exec $NS sysctl -qw net.ipv4.tcp_no_metrics_save=1   # no cached ssthresh/RTT between runs
ip netns exec $NS iptables -t raw -A PREROUTING -i lo -p tcp --dport $PORT -j NFQUEUE --queue-num 0
ip netns exec $NS iptables -t raw -A PREROUTING -i lo -p tcp --sport $PORT -j NFQUEUE --queue-num 0
ip netns exec $NS iptables -t raw -S
