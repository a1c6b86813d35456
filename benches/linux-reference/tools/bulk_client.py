#!/usr/bin/env python3
"""Bulk source: connect to HOST:PORT, sendall(N bytes), shutdown(SHUT_WR), wait for EOF,
read TCP_INFO, close.  Default SO_SNDBUF (autotuning), Nagle on (irrelevant for bulk).
Wall time is measured from just before connect() to EOF (time.monotonic()).
Prints one JSON object: seconds, bytes, and the connection's struct tcp_info at EOF.
usage: bulk_client.py HOST PORT N [CC]
(linux-bulk copy: optional CC sets TCP_CONGESTION on the socket before connect; the
 congestion control in use is reported as "cc")"""
import json
import socket
import struct
import sys
import time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cc = sys.argv[4] if len(sys.argv) > 4 else None
data = bytes(n)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
if cc:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc.encode())
t0 = time.monotonic()
s.connect((host, port))
t_conn = time.monotonic()
s.sendall(data)
t_sent = time.monotonic()
s.shutdown(socket.SHUT_WR)
while True:
    b = s.recv(65536)
    if not b:
        break
t1 = time.monotonic()
raw = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 512)
cc_used = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b'\0').decode()
s.close()

# struct tcp_info (include/uapi/linux/tcp.h)
F8 = ['state', 'ca_state', 'retransmits', 'probes', 'backoff', 'options', 'wscale', 'flags8']
F32a = ['rto', 'ato', 'snd_mss', 'rcv_mss', 'unacked', 'sacked', 'lost', 'retrans', 'fackets',
        'last_data_sent', 'last_ack_sent', 'last_data_recv', 'last_ack_recv', 'pmtu',
        'rcv_ssthresh', 'rtt', 'rttvar', 'snd_ssthresh', 'snd_cwnd', 'advmss', 'reordering',
        'rcv_rtt', 'rcv_space', 'total_retrans']
info = {}
v = struct.unpack_from('8B', raw, 0)
info.update(zip(F8, v))
v = struct.unpack_from('=24I', raw, 8)
info.update(zip(F32a, v))
layout = [(104, 'Q', 'pacing_rate'), (112, 'Q', 'max_pacing_rate'), (120, 'Q', 'bytes_acked'),
          (128, 'Q', 'bytes_received'), (136, 'I', 'segs_out'), (140, 'I', 'segs_in'),
          (144, 'I', 'notsent_bytes'), (148, 'I', 'min_rtt'), (152, 'I', 'data_segs_in'),
          (156, 'I', 'data_segs_out'), (160, 'Q', 'delivery_rate'), (168, 'Q', 'busy_time'),
          (176, 'Q', 'rwnd_limited'), (184, 'Q', 'sndbuf_limited'), (192, 'I', 'delivered'),
          (196, 'I', 'delivered_ce'), (200, 'Q', 'bytes_sent'), (208, 'Q', 'bytes_retrans'),
          (216, 'I', 'dsack_dups'), (220, 'I', 'reord_seen'), (224, 'I', 'rcv_ooopack'),
          (228, 'I', 'snd_wnd'), (232, 'I', 'rcv_wnd'), (236, 'I', 'rehash'),
          (240, 'H', 'total_rto'), (242, 'H', 'total_rto_recoveries'), (244, 'I', 'total_rto_time')]
for off, fmt, name in layout:
    if off + struct.calcsize(fmt) <= len(raw):
        info[name] = struct.unpack_from('=' + fmt, raw, off)[0]
info['_len'] = len(raw)
print(json.dumps({'cc': cc_used, 'bytes': n, 'seconds': t1 - t0, 'connect_s': t_conn - t0,
                  'sendall_s': t_sent - t0, 'tcp_info': info}), flush=True)
