#!/usr/bin/env python3
"""One bulk run inside the namespace (start it with `ip netns exec bulk`).

usage: run_one.py CC LOSS SEED OUTDIR [--pcap FILE] [--delay S] [--bytes N]

Flushes tcp_metrics, snapshots /proc/net/{snmp,netstat} (what `nstat -az` reads), starts the
NFQUEUE helper at SCHED_FIFO 50, the server, optionally dumpcap (snaplen 128), runs the client,
stops everything and writes OUTDIR/<cc>_<loss>_<seed>.json with the client JSON, the helper
summary and the counter deltas.  Prints a one-line summary.
"""
import argparse
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = '/usr/bin/python3'
PORT = 12345


def counters():
    out = {}
    for fn in ('/proc/net/snmp', '/proc/net/netstat'):
        lines = open(fn).read().splitlines()
        for i in range(0, len(lines) - 1, 2):
            h = lines[i].split()
            v = lines[i + 1].split()
            pfx = h[0].rstrip(':')
            for k, x in zip(h[1:], v[1:]):
                try:
                    out[pfx + k] = int(x)
                except ValueError:
                    pass
    return out


def wait_line(p, word, timeout=10):
    t = time.monotonic() + timeout
    while time.monotonic() < t:
        line = p.stdout.readline()
        if not line:
            break
        if word in line:
            return line
    raise SystemExit('did not see %r from %s' % (word, p.args))


ap = argparse.ArgumentParser()
ap.add_argument('cc')
ap.add_argument('loss', type=float)
ap.add_argument('seed', type=int)
ap.add_argument('outdir')
ap.add_argument('--pcap')
ap.add_argument('--delay', type=float, default=0.010)
ap.add_argument('--bytes', type=int, default=8388608)
ap.add_argument('--helper', default=os.path.join(HERE, 'nfq_lossdelay.py'))
ap.add_argument('--app-rt', type=int, default=0, help='run client and server at SCHED_FIFO this priority (0: normal)')
ap.add_argument('--keeplog', action='store_true', help='keep the per-packet helper log (gzipped)')
a = ap.parse_args()

os.makedirs(a.outdir, exist_ok=True)
tag = '%s_%s_%02d' % (a.cc, ('%.3f' % a.loss), a.seed)
log = os.path.join(a.outdir, tag + '.hold.tsv')

subprocess.run(['ip', 'tcp_metrics', 'flush', 'all'], check=False,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
helper = subprocess.Popen(['chrt', '-f', '50', PY, '-u', a.helper, '0',
                           str(a.delay), str(a.loss), str(a.seed), log, str(PORT)],
                          stdout=subprocess.PIPE, text=True)
wait_line(helper, 'bound')
APP = ['chrt', '-f', str(a.app_rt)] if a.app_rt else []
server = subprocess.Popen(APP + [PY, '-u', os.path.join(HERE, 'bulk_server.py'), str(PORT), a.cc],
                          stdout=subprocess.PIPE, text=True)
wait_line(server, 'listening')
cap = None
if a.pcap:
    cap = subprocess.Popen(['dumpcap', '-q', '-i', 'lo', '-s', '128', '-f', 'tcp port %d' % PORT,
                            '-w', a.pcap], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # dumpcap reports "Capturing on 'Loopback: lo'" on stderr once the capture is open
    wait_line(type('P', (), {'stdout': cap.stderr, 'args': 'dumpcap'})(), 'Capturing')
    time.sleep(0.3)
load = open('/proc/loadavg').read().split()[0]
c0 = counters()
cl = subprocess.run(APP + [PY, os.path.join(HERE, 'bulk_client.py'), '127.0.0.1', str(PORT), str(a.bytes), a.cc],
                    stdout=subprocess.PIPE, text=True, timeout=900)
srv_out = server.communicate(timeout=30)[0]
time.sleep(0.2)                       # let the last FIN/ACKs through the helper
c1 = counters()
if cap:
    time.sleep(0.2)
    cap.send_signal(signal.SIGINT)
    cap.wait(timeout=10)
helper.send_signal(signal.SIGTERM)
helper.wait(timeout=60)
client = json.loads(cl.stdout)
hs = json.load(open(log + '.json'))
if a.keeplog or (hs.get('hold_max_us') or 0) > a.delay * 1e6 + 2000:
    with open(log, 'rb') as f, gzip.open(log + '.gz', 'wb') as g:
        shutil.copyfileobj(f, g)
os.remove(log)
os.rename(log + '.json', os.path.join(a.outdir, tag + '.helper.json'))
delta = {k: c1[k] - c0.get(k, 0) for k in c1 if c1[k] != c0.get(k, 0)}
rec = {'cc': a.cc, 'app_rt': a.app_rt, 'helper_path': a.helper, 'loss': a.loss, 'seed': a.seed, 'delay_s': a.delay, 'loadavg1': float(load),
       'server': srv_out.split('\n'), 'server_rcvinfo': json.loads(srv_out.split('rcvinfo ')[1].split('\n')[0]) if 'rcvinfo ' in srv_out else None, 'client': client, 'helper': hs, 'counters_delta': delta,
       'pcap': a.pcap}
with open(os.path.join(a.outdir, tag + '.json'), 'w') as f:
    json.dump(rec, f, indent=1)
ti = client['tcp_info']
print('%s cc=%s/%s %.3fs %.0fkB/s drops=%d retr=%d rto=%d tlp=%d sackrec=%d hold_max=%.0fus p99=%.0fus load=%s' % (
    tag, client['cc'], ([l.split()[1] for l in srv_out.split('\n') if l.startswith('cc ')] + ['?'])[0], client['seconds'],
    a.bytes / client['seconds'] / 1e3, hs['data_dropped'], ti['total_retrans'], ti.get('total_rto', -1),
    delta.get('TcpExtTCPLossProbes', 0), delta.get('TcpExtTCPSackRecovery', 0),
    hs['hold_max_us'], hs['hold_p99_us'], load), flush=True)
