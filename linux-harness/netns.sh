#!/bin/sh
# A private network namespace with a delayed loopback, for running programs on
# the real kernel (see linux-harness/README.md). Everything stays inside the
# namespace: the host's own network settings are never touched.
#
#   netns.sh up NAME PORT   create NAME: lo up, MTU 1500 (MSS 1460), no TSO/GSO,
#                           TCP to and from PORT queued to NFQUEUE 0, reno
#   netns.sh down NAME      delete it (always, when done)
set -eu
cmd=$1
ns=$2
case "$cmd" in
up)
    port=$3
    ip netns add "$ns"
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" ip link set lo mtu 1500
    ip netns exec "$ns" ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || true
    # reno: cubic is not in this kernel's allowed list for namespaces, and bbr
    # paces segments (tens of microseconds apart), which tcpsim does not model.
    ip netns exec "$ns" sysctl -qw net.ipv4.tcp_congestion_control=reno
    for dir in --dport --sport; do
        ip netns exec "$ns" iptables -t raw -A PREROUTING -i lo -p tcp "$dir" "$port" \
            -j NFQUEUE --queue-num 0
    done
    ;;
down)
    ip netns del "$ns"
    ;;
*)
    echo "usage: netns.sh up NAME PORT | down NAME" >&2
    exit 2
    ;;
esac
