#!/usr/bin/env python3
"""Bulk sink: listen on 127.0.0.1:PORT, accept one connection, read until EOF and discard,
close.  Default SO_RCVBUF (autotuning).  Prints the byte count.
usage: bulk_server.py PORT [CC]
(linux-bulk copy: optional CC sets TCP_CONGESTION on the listener; accepted sockets inherit it)"""
import json
import socket
import struct
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 5001
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
if len(sys.argv) > 2:
    ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, sys.argv[2].encode())
ls.bind(('127.0.0.1', port))
ls.listen(1)
print('listening', port, flush=True)
c, addr = ls.accept()
print('cc', c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b'\0').decode(), flush=True)
buf = bytearray(1 << 20)
total = 0
while True:
    n = c.recv_into(buf)
    if n == 0:
        break
    total += n
raw = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 512)
v = struct.unpack_from('=24I', raw, 8)
print('rcvinfo', json.dumps({'rcv_ssthresh': v[14], 'rcv_rtt': v[21], 'rcv_space': v[22],
                             'rcv_wnd': struct.unpack_from('=I', raw, 232)[0] if len(raw) >= 236 else None}),
      flush=True)
c.close()
ls.close()
print('received', total, flush=True)
