#!/usr/bin/env python3
"""Measure, on this machine's kernel, when a program blocked in recv() runs
after a segment arrives, how many back-to-back segments it finds, and how long
a program takes from one socket call to the next. These are the defaults of
tcpsim's `wakeup` and `call_cost` (see README.md here).

Method: a private namespace (netns.sh), its loopback delayed 1 ms each way by
the NFQUEUE helper (which logs, on CLOCK_MONOTONIC, when it hands each packet
back to the kernel: the kernel's receive path, ACK included, runs inside that
call, so that is the packet's arrival), a capture on lo, and a Python server
and client that log CLOCK_MONOTONIC around every socket call. The k-th packet
of the capture is the k-th packet the helper held (both see them in send
order), which ties each arrival to the segment's sequence numbers.

usage: calibrate.py OUTDIR [ROUNDS]       (root; takes about a minute)
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NS = 'tcpsim-cal'
PORT = 12345
DELAY = '0.001'


def find_helper():
    """The NFQUEUE delay helper: $NFQ_DELAY, else shared/linux-reference/nfq_delay.py
    in a folder above this one (the project's shared folder sits beside the clone)."""
    if os.environ.get('NFQ_DELAY'):
        return os.environ['NFQ_DELAY']
    d = HERE
    while d != os.path.dirname(d):
        d = os.path.dirname(d)
        path = os.path.join(d, 'shared', 'linux-reference', 'nfq_delay.py')
        if os.path.exists(path):
            return path
    sys.exit('nfq_delay.py not found: set NFQ_DELAY to its path')


HELPER = find_helper()
# (request bytes, server recv size): one segment, two, three, four; a 1024-byte
# and a 4096-byte reader over many segments, as the course programs read.
SIZES = [(13, 65536), (2000, 65536), (3000, 65536), (5000, 65536), (3000, 1024), (13000, 4096)]


def server(log_path, rounds):
    """The course's echo loop (recv, then send the chunk upper-cased) over
    each request, noting the time before and after every call. The notes are
    kept in memory and written at the end, so that the loop between two calls
    is only what the course program does (no logging in between)."""
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('127.0.0.1', PORT))
    ls.listen(1)
    c, _ = ls.accept()
    notes = []
    now = time.monotonic
    for size, rsize in SIZES:
        for _ in range(rounds):
            got = 0
            while got < size:
                t0 = now()
                d = c.recv(rsize)
                t1 = now()
                c.send(d.upper())
                t2 = now()
                got += len(d)
                notes.append((size, rsize, t0, t1, len(d), t1, t2))
    c.recv(1)
    c.close()
    with open(log_path, 'w') as out:
        for size, rsize, t0, t1, n, s0, s1 in notes:
            out.write(json.dumps({'call': 'recv', 'size': size, 'rsize': rsize,
                                  'before': t0, 'after': t1, 'n': n}) + '\n')
            out.write(json.dumps({'call': 'send', 'size': size, 'before': s0,
                                  'after': s1, 'n': n}) + '\n')


def client(log_path, rounds):
    """Sends each request with one send(), reads the whole echo."""
    c = socket.socket()
    c.connect(('127.0.0.1', PORT))
    out = open(log_path, 'w')
    for size, _ in SIZES:
        for _ in range(rounds):
            time.sleep(0.02)
            t0 = time.monotonic()
            c.send(b'x' * size)
            t1 = time.monotonic()
            got = 0
            while got < size:
                got += len(c.recv(65536))
            t2 = time.monotonic()
            out.write(json.dumps({'size': size, 'send_before': t0, 'send_after': t1,
                                  'recv_after': t2}) + '\n')
    c.close()
    out.close()


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def ns(*args, **kw):
    return subprocess.Popen(['ip', 'netns', 'exec', NS, *args], **kw)


def measure(outdir, rounds):
    os.makedirs(outdir, exist_ok=True)
    p = lambda name: os.path.join(outdir, name)
    started = []

    def start(*args, **kw):
        proc = ns(*args, **kw)
        started.append(proc)
        return proc

    sh(os.path.join(HERE, 'netns.sh'), 'up', NS, str(PORT))
    try:
        helper = start('chrt', '-f', '50', sys.executable, '-u', HELPER, '0', DELAY,
                       p('hold.log'), stdout=subprocess.DEVNULL)
        cap = start('dumpcap', '-q', '-i', 'lo', '-f', f'tcp port {PORT}', '-w',
                    p('cal.pcapng'), stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        me = os.path.abspath(__file__)
        srv = start(sys.executable, me, '--server', p('server.jsonl'), str(rounds))
        time.sleep(0.3)
        cli = start(sys.executable, me, '--client', p('client.jsonl'), str(rounds))
        cli.wait(timeout=300)
        srv.wait(timeout=10)
        time.sleep(0.2)
        for proc in (cap, helper):
            proc.terminate()
            proc.wait(timeout=10)
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        sh(os.path.join(HERE, 'netns.sh'), 'down', NS)


def packets(pcap):
    fields = ['tcp.srcport', 'tcp.seq', 'tcp.len', 'tcp.flags.str']
    cmd = ['tshark', '-r', pcap, '-T', 'fields'] + sum([['-e', f] for f in fields], [])
    rows = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
    return [dict(zip(['sport', 'seq', 'len', 'flags'], r.split('\t'))) for r in rows]


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def summary(name, xs):
    xs = [x * 1e6 for x in xs]
    return (f'{name}: n={len(xs)} median={statistics.median(xs):.1f} us '
            f'p10={pct(xs, 0.1):.1f} p90={pct(xs, 0.9):.1f} min={min(xs):.1f} max={max(xs):.1f}')


def analyse(outdir):
    p = lambda name: os.path.join(outdir, name)
    holds = [l.split('\t') for l in open(p('hold.log')) if l[0].isdigit()]
    pkts = packets(p('cal.pcapng'))
    if len(holds) != len(pkts):
        sys.exit(f'{len(holds)} held packets but {len(pkts)} captured: cannot pair them')
    arrivals = []  # the client's data segments, with when each arrived
    for (_, _, t_out, _), pk in zip(holds, pkts):
        pk['arrived'] = float(t_out)
        if pk['sport'] != str(PORT) and int(pk['len']) > 0:
            arrivals.append(pk)
    calls = [json.loads(l) for l in open(p('server.jsonl'))]
    wake, call_gap, seen, spread, send_call = [], [], {}, {}, []
    i = 0
    for k, c in enumerate(calls):
        if c['call'] == 'send':
            send_call.append(c['after'] - c['before'])
            call_gap.append(c['after'] - calls[k - 1]['after'])
            continue
        blocked = k == 0 or calls[k - 1]['size'] != c['size'] or (
            sum(x['n'] for x in calls[:k] if x['call'] == 'recv' and x['size'] == c['size'])
            % c['size'] == 0)
        if not blocked:
            # Data already there when the call began: a call's cost, not a wake-up.
            while i < len(arrivals) and arrivals[i]['arrived'] < calls[k - 1]['before']:
                i += 1
            if all(a['arrived'] < calls[k - 1]['after'] for a in arrivals[i:i + 1]):
                call_gap.append(c['after'] - calls[k - 1]['after'])
            continue
        # The first recv() of a request: blocked until its first segment came.
        while i < len(arrivals) and arrivals[i]['arrived'] < c['before']:
            i += 1
        burst, total = [], 0
        for a in arrivals[i:]:
            if total >= c['size']:
                break
            total += int(a['len'])
            burst.append(a['arrived'])
        wake.append(c['after'] - burst[0])
        key = (c['size'], c['rsize'])
        whole = sum(1 for t in burst if t <= c['after'])
        seen.setdefault(key, []).append((len(burst), c['n'], whole))
        spread.setdefault(key, []).append(burst[-1] - burst[0])
    lines = [summary('wake-up: segment arrives -> the blocked recv() has returned', wake),
             summary('one call: the previous call returned -> this one returned '
                     '(no waiting)', call_gap),
             summary('send() of the echo, the call alone', send_call)]
    for key in sorted(seen):
        rows = seen[key]
        first = statistics.median(r[1] for r in rows)
        lines.append(f'request {key[0]} B ({rows[0][0]} segments), recv({key[1]}): first recv() '
                     f'returned a median {first:.0f} B; '
                     + summary('first to last segment arrival', spread[key]))
    holds_us = [float(h[3]) for h in holds]
    lines.append(f'helper hold times: median {statistics.median(holds_us):.1f} us, '
                 f'p99 {pct(holds_us, 0.99):.1f} us (1000 asked)')
    return '\n'.join(lines)


if __name__ == '__main__':
    if sys.argv[1] == '--server':
        server(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == '--client':
        client(sys.argv[2], int(sys.argv[3]))
    else:
        outdir = sys.argv[1]
        rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 100
        if not os.environ.get('ANALYSE_ONLY'):
            measure(outdir, rounds)
        print(analyse(outdir))
