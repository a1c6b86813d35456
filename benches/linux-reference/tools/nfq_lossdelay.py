#!/usr/bin/env python3
"""Fixed per-packet delay plus seeded random loss of data segments, for packets on the
namespace's lo, done in user space with NFQUEUE (this kernel has no sch_netem).

Extends nfq_delay.py (beside this file) with seeded loss.  An iptables rule (raw PREROUTING, -i lo, tcp
port PORT) queues every packet of the test connection to queue QNUM, after loopback_xmit
has orphaned the skb.  This program
  * drops, right when it reads it, each packet of the data direction (TCP destination port
    PORT and a TCP payload of at least 1 byte) with probability LOSS, using
    random.Random(SEED) (one draw per such packet, in arrival order, retransmissions
    included);
  * holds every other packet (both directions: ACKs are never dropped) DELAY seconds,
    FIFO, counted from the kernel's receive timestamp of the packet (netif_rx time, which
    on loopback is the send time), and then accepts it.  Accepts are sent as
    NFQNL_MSG_VERDICT_BATCH for all packets due at that moment.

Kernel timestamps: the helper enables the kernel's rx timestamping (a UDP socket with
SO_TIMESTAMPNS), so each queued packet carries NFQA_TIMESTAMP (CLOCK_REALTIME at
netif_rx).  If a packet has none, the time the helper read it is used instead.

Log (LOGFILE, tab separated, one line per packet, written at exit):
  id dir flags seq ack len verdict t_kernel t_read t_out hold_us read_lag_us
  dir: C>S (dport == PORT) or S>C; verdict A (accepted after the hold) or D (dropped);
  t_* are CLOCK_REALTIME seconds; hold_us = t_out - t_kernel (the actual one-way delay the
  packet got, up to the verdict syscall's return); read_lag_us = t_read - t_kernel.
A JSON summary is written to LOGFILE + '.json'.

usage: nfq_lossdelay.py QNUM DELAY_SECONDS LOSS SEED LOGFILE [PORT]

linux-bulk copy: waits with select() (us timeout) instead of poll() (ms, rounded up) and
disables the cyclic GC; otherwise identical to shared/linux-reference/nfq_lossdelay.py.
"""
import collections
import ctypes
import gc
import errno
import json
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG, NFQNL_MSG_VERDICT_BATCH = 0, 1, 2, 3
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN = 1, 2, 3
NFQNL_CFG_CMD_BIND, NFQNL_CFG_CMD_UNBIND = 1, 2
NFQNL_COPY_PACKET = 2
NFQA_PACKET_HDR, NFQA_VERDICT_HDR, NFQA_TIMESTAMP, NFQA_PAYLOAD = 1, 2, 4, 10
NF_DROP, NF_ACCEPT = 0, 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
SO_RCVBUFFORCE = 33
COPY_RANGE = 80          # IPv4 header (20) + TCP header incl. options (<= 60)

QNUM = int(sys.argv[1])
DELAY = float(sys.argv[2])
LOSS = float(sys.argv[3])
SEED = int(sys.argv[4])
LOGNAME = sys.argv[5]
PORT = int(sys.argv[6]) if len(sys.argv) > 6 else 5001
rng = random.Random(SEED)

libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(29, ctypes.c_ulong(1), 0, 0, 0)     # PR_SET_TIMERSLACK = 1 ns

# enable kernel rx timestamps (global static key) so queued skbs carry NFQA_TIMESTAMP
tsk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
tsk.setsockopt(socket.SOL_SOCKET, 35, 1)       # SO_TIMESTAMPNS_OLD

sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
try:
    sk.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
except OSError:
    sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
sk.bind((0, 0))
_seq = [0]


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack('=HH', n, t) + payload + b'\0' * ((4 - n % 4) % 4)


def msg(mtype, flags, attrs, family=socket.AF_UNSPEC):
    _seq[0] += 1
    body = struct.pack('=BBH', family, 0, socket.htons(QNUM)) + attrs
    return struct.pack('=IHHII', 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | mtype, flags,
                       _seq[0], 0) + body


def check_ack():
    data = sk.recv(65536)
    ln, typ = struct.unpack_from('=IH', data, 0)
    if typ == NLMSG_ERROR:
        err = struct.unpack_from('=i', data, 16)[0]
        if err != 0:
            raise SystemExit('netlink error %d' % err)


sk.send(msg(NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK,
            attr(NFQA_CFG_CMD, struct.pack('=BxH', NFQNL_CFG_CMD_BIND, socket.htons(socket.AF_INET)))))
check_ack()
sk.send(msg(NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK,
            attr(NFQA_CFG_PARAMS, struct.pack('!IB', COPY_RANGE, NFQNL_COPY_PACKET))))
check_ack()
sk.send(msg(NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK,
            attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack('!I', 1 << 20))))
check_ack()
sk.setblocking(False)

pending = collections.deque()     # (due, packet_id) of accepted packets, FIFO
rec = {}                          # id -> [dir, flags, seq, ack, len, verdict, t_k, t_read, t_out]
order = []
stop = [False]
stats = {'enobufs': 0, 'netlink_errors': 0, 'no_kernel_ts': 0, 'batches': 0,
         'data_pkts': 0, 'data_dropped': 0, 'ack_pkts': 0}
signal.signal(signal.SIGTERM, lambda *a: stop.__setitem__(0, True))
signal.signal(signal.SIGINT, lambda *a: stop.__setitem__(0, True))
print('bound queue %d delay %.6f loss %.6f seed %d port %d' % (QNUM, DELAY, LOSS, SEED, PORT),
      flush=True)


def verdict(pid, v):
    sk.send(msg(NFQNL_MSG_VERDICT, NLM_F_REQUEST,
                attr(NFQA_VERDICT_HDR, struct.pack('!II', v, pid))))


def verdict_batch(pid, v):
    sk.send(msg(NFQNL_MSG_VERDICT_BATCH, NLM_F_REQUEST,
                attr(NFQA_VERDICT_HDR, struct.pack('!II', v, pid))))


buf = bytearray(1 << 16)
unpack_hl = struct.Struct('=IH').unpack_from
unpack_ah = struct.Struct('=HH').unpack_from
unpack_id = struct.Struct('!I').unpack_from
unpack_ts = struct.Struct('!QQ').unpack_from
unpack_tcp = struct.Struct('!HHIIBB').unpack_from
unpack_tl = struct.Struct('!H').unpack_from
now_f = time.time


def handle(data, n, t_read):
    off = 0
    while off + 16 <= n:
        ln, typ = unpack_hl(data, off)
        if ln < 16:
            break
        if typ == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            a = off + 20
            pid = None
            t_k = None
            pl = None
            while a + 4 <= off + ln:
                alen, atyp = unpack_ah(data, a)
                if alen < 4:
                    break
                atyp &= 0x3fff
                if atyp == NFQA_PACKET_HDR:
                    pid = unpack_id(data, a + 4)[0]
                elif atyp == NFQA_TIMESTAMP:
                    s, us = unpack_ts(data, a + 4)
                    t_k = s + us * 1e-6
                elif atyp == NFQA_PAYLOAD:
                    pl = (a + 4, alen - 4)
                a += (alen + 3) & ~3
            if pid is None:
                off += (ln + 3) & ~3
                continue
            if t_k is None:
                stats['no_kernel_ts'] += 1
                t_k = t_read
            d = '?'
            flags = seq = ack = plen = 0
            if pl is not None and pl[1] >= 20:
                p = pl[0]
                ihl = (data[p] & 15) * 4
                tot = unpack_tl(data, p + 2)[0]
                if pl[1] >= ihl + 14:
                    sport, dport, seq, ack, doff, flags = unpack_tcp(data, p + ihl)
                    plen = tot - ihl - (doff >> 4) * 4
                    d = 'C>S' if dport == PORT else 'S>C'
            drop = False
            if d == 'C>S' and plen > 0:
                stats['data_pkts'] += 1
                if rng.random() < LOSS:
                    drop = True
            elif d == 'S>C':
                stats['ack_pkts'] += 1
            if drop:
                verdict(pid, NF_DROP)
                stats['data_dropped'] += 1
                rec[pid] = [d, flags, seq, ack, plen, 'D', t_k, t_read, now_f()]
            else:
                pending.append((t_k + DELAY, pid))
                rec[pid] = [d, flags, seq, ack, plen, 'A', t_k, t_read, None]
            order.append(pid)
        elif typ == NLMSG_ERROR:
            err = struct.unpack_from('=i', data, off + 16)[0]
            if err:
                stats['netlink_errors'] += 1
        off += (ln + 3) & ~3


rfds = [sk.fileno()]
gc.disable()      # linux-bulk change: no cyclic-GC pauses while holding packets (rec only grows)
while True:
    now = now_f()
    if pending and (pending[0][0] <= now or stop[0]):
        ids = []
        while pending and (pending[0][0] <= now or stop[0]):
            ids.append(pending.popleft()[1])
        verdict_batch(ids[-1], NF_ACCEPT)
        t_out = now_f()
        stats['batches'] += 1
        for pid in ids:
            rec[pid][8] = t_out
        continue
    if stop[0]:
        break
    # read everything that is there
    got = False
    for _ in range(256):      # bounded, so due packets are not starved by a long burst
        try:
            n = sk.recv_into(buf)
        except BlockingIOError:
            break
        except OSError as e:
            if e.errno == errno.ENOBUFS:
                stats['enobufs'] += 1
                continue
            raise
        got = True
        handle(buf, n, now_f())
    if got:
        continue
    # linux-bulk change: select() (microsecond timeout) instead of poll(), whose timeout CPython
    # rounds UP to a whole millisecond, which made every hold 0..1 ms too long (mean +0.5 ms).
    timeout_s = max(0.0, pending[0][0] - now_f()) if pending else 0.2
    try:
        select.select(rfds, (), (), timeout_s)
    except InterruptedError:
        pass

sk.send(msg(NFQNL_MSG_CONFIG, NLM_F_REQUEST,
            attr(NFQA_CFG_CMD, struct.pack('=BxH', NFQNL_CFG_CMD_UNBIND, socket.htons(socket.AF_INET)))))

holds = []
lags = []
with open(LOGNAME, 'w') as f:
    f.write('id\tdir\tflags\tseq\tack\tlen\tverdict\tt_kernel\tt_read\tt_out\thold_us\tread_lag_us\n')
    for pid in order:
        d, fl, seq, ack, plen, v, tk, tr, to = rec[pid]
        hold = (to - tk) * 1e6 if to is not None else float('nan')
        lag = (tr - tk) * 1e6
        if v == 'A' and to is not None:
            holds.append(hold)
        lags.append(lag)
        f.write('%d\t%s\t0x%02x\t%d\t%d\t%d\t%s\t%.6f\t%.6f\t%s\t%.1f\t%.1f\n' % (
            pid, d, fl, seq, ack, plen, v, tk, tr, '%.6f' % to if to is not None else 'nan',
            hold, lag))


def pct(xs, q):
    if not xs:
        return None
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(q * (len(xs) - 1)))))
    return xs[k]


stats.update({'packets': len(order), 'accepted': len(holds),
              'hold_min_us': min(holds) if holds else None,
              'hold_p50_us': pct(holds, 0.5), 'hold_p90_us': pct(holds, 0.9),
              'hold_p99_us': pct(holds, 0.99), 'hold_max_us': max(holds) if holds else None,
              'hold_mean_us': sum(holds) / len(holds) if holds else None,
              'hold_n_over_11ms': sum(1 for h in holds if h > DELAY * 1e6 + 1000),
              'hold_n_over_12ms': sum(1 for h in holds if h > DELAY * 1e6 + 2000),
              'hold_frac_over_110pct': (sum(1 for h in holds if h > 1.1 * DELAY * 1e6) / len(holds))
              if holds else None,
              'read_lag_p50_us': pct(lags, 0.5), 'read_lag_p99_us': pct(lags, 0.99),
              'read_lag_max_us': max(lags) if lags else None,
              'delay_s': DELAY, 'loss': LOSS, 'seed': SEED, 'port': PORT})
with open(LOGNAME + '.json', 'w') as f:
    json.dump(stats, f, indent=1)
