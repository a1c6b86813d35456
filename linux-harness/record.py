#!/usr/bin/env python3
"""Run a scenario's programs on this machine's kernel RUNS times and keep every
distinct sequence of segments the kernel produced, as tcpsim reference tables.

Each run: a fresh private namespace (netns.sh), its loopback delayed by the
scenario's `link.latency` each way with the NFQUEUE helper (real-time
priority), a capture on lo (each segment once, when it is sent: the view of
tcpsim's `capture = "wire"`), the server and then the client of course.py.
The capture becomes rows (dir flags seq ack len frame_len, relative numbers
as Wireshark shows them); runs that gave the same rows count as one sequence.

Writes OUTDIR/linux-K.tsv (K = 1, 2, ... from the most frequent sequence) and
OUTDIR/runs.txt (how many runs gave each, and the helper's hold times).

usage: record.py SCENARIO.toml OUTDIR [RUNS]     (root; RUNS defaults to 13)
"""
import os
import statistics
import subprocess
import sys
import time
import tomllib

from calibrate import HELPER, HERE

NS = 'tcpsim-rec'
FLAG_NAMES = [(0x01, 'FIN'), (0x02, 'SYN'), (0x04, 'RST'), (0x08, 'PSH'), (0x10, 'ACK'),
              (0x20, 'URG'), (0x40, 'ECE'), (0x80, 'CWR')]
HEADER = 'no\tdir\tflags\tseq\tack\tlen\tframe_len\tnote'


def flag_text(bits):
    return ','.join(name for bit, name in FLAG_NAMES if bits & bit)


def rows_of(pcap, server_port):
    fields = ['tcp.srcport', 'tcp.flags', 'tcp.seq', 'tcp.ack', 'tcp.len', 'frame.len']
    cmd = ['tshark', '-r', pcap, '-T', 'fields'] + sum([['-e', f] for f in fields], [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        sport, bits, seq, ack, length, frame_len = line.split('\t')
        bits = int(bits, 16)
        direction = 'S>C' if int(sport) == server_port else 'C>S'
        ack = ack if bits & 0x10 else '0'
        rows.append((direction, flag_text(bits), seq, ack, length, frame_len))
    return rows


def ns(*args, **kw):
    return subprocess.Popen(['ip', 'netns', 'exec', NS, *args], **kw)


def one_run(scenario_path, scenario, workdir, k):
    port = scenario['server']['port']
    delay = scenario.get('link', {}).get('latency', '100us')
    from course import seconds
    pcap = os.path.join(workdir, f'run{k}.pcapng')
    hold = os.path.join(workdir, f'hold{k}.log')
    started = []
    subprocess.run([os.path.join(HERE, 'netns.sh'), 'up', NS, str(port)], check=True)
    try:
        started.append(ns('chrt', '-f', '50', sys.executable, '-u', HELPER, '0',
                          str(seconds(delay)), hold, stdout=subprocess.DEVNULL))
        started.append(ns('dumpcap', '-q', '-i', 'lo', '-f', f'tcp port {port}', '-w', pcap,
                          stderr=subprocess.DEVNULL))
        time.sleep(1.0)
        course = os.path.join(HERE, 'course.py')
        server = ns(sys.executable, '-u', course, 'server', scenario_path,
                    stdout=subprocess.PIPE, text=True)
        started.append(server)
        server.stdout.readline()  # "listening"
        client = ns(sys.executable, course, 'client', scenario_path)
        started.append(client)
        client.wait(timeout=120)
        server.wait(timeout=120)
        time.sleep(0.5)
        for proc in started[:2]:
            proc.terminate()
            proc.wait(timeout=10)
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        subprocess.run([os.path.join(HERE, 'netns.sh'), 'down', NS], check=True)
    holds = [float(l.split('\t')[3]) for l in open(hold) if l[0].isdigit()]
    return rows_of(pcap, port), holds


def main():
    scenario_path, outdir = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 13
    with open(scenario_path, 'rb') as f:
        scenario = tomllib.load(f)
    workdir = os.path.join('/tmp', 'tcpsim-record', os.path.basename(outdir.rstrip('/')))
    os.makedirs(workdir, exist_ok=True)
    os.makedirs(outdir, exist_ok=True)
    seen = {}
    all_holds = []
    for k in range(runs):
        rows, holds = one_run(scenario_path, scenario, workdir, k)
        all_holds += holds
        seen.setdefault(tuple(rows), []).append(k + 1)
    ordered = sorted(seen.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
    summary = [f'{os.path.basename(scenario_path)}: {runs} runs on Linux {os.uname().release}, '
               f'{len(ordered)} distinct sequence(s)']
    for i, (rows, which) in enumerate(ordered, 1):
        with open(os.path.join(outdir, f'linux-{i}.tsv'), 'w') as f:
            f.write(HEADER + '\n')
            for no, row in enumerate(rows, 1):
                f.write('\t'.join([str(no), *row, '']) + '\n')
        summary.append(f'linux-{i}.tsv: {len(rows)} rows, runs {" ".join(map(str, which))}')
    holds = sorted(all_holds)
    summary.append(f'helper hold times: median {statistics.median(holds):.0f} us, '
                   f'p99 {holds[int(0.99 * (len(holds) - 1))]:.0f} us, max {holds[-1]:.0f} us')
    with open(os.path.join(outdir, 'runs.txt'), 'w') as f:
        f.write('\n'.join(summary) + '\n')
    print('\n'.join(summary))


if __name__ == '__main__':
    main()
