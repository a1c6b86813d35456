#!/usr/bin/env python3
"""Analyse one captured run made by capture_run.sh.

usage: analyze_capture.py captures/<tag> slowstart [ROUNDS]
       analyze_capture.py captures/<tag> recoveries [N]

Sources: <tag>.hold.tsv.gz (helper: every packet, its send time t_kernel, verdict and delivery
time t_out), <tag>.trace.gz (sender's tcp_probe at every received ACK: cwnd, ssthresh, snd_una,
snd_nxt; tcp_cong_state_set; tcp_retransmit_skb), <tag>.clocks (MONOTONIC vs REALTIME), and
<tag>.pcapng via tshark for the SACK blocks.  All times are printed in ms since the client's
first data segment left.  Sender's view: a data segment counts as sent at t_kernel, an ACK as
received by the sender at its t_out.
"""
import gzip
import re
import subprocess
import sys

base, what = sys.argv[1], sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else None
MSS = 1448
STATES = {0: 'Open', 1: 'Disorder', 2: 'CWR', 3: 'Recovery', 4: 'Loss'}

pk = []
with gzip.open(base + '.hold.tsv.gz', 'rt') as f:
    next(f)
    for line in f:
        c = line.rstrip('\n').split('\t')
        pk.append({'dir': c[1], 'flags': int(c[2], 16), 'seq': int(c[3]), 'ack': int(c[4]),
                   'len': int(c[5]), 'v': c[6], 'tk': float(c[7]),
                   'to': float(c[9]) if c[9] != 'nan' else None})
data = [p for p in pk if p['dir'] == 'C>S' and p['len'] > 0]
isn = data[0]['seq'] - 1 if data else 0
T0 = data[0]['tk']
rel = lambda s: (s - isn) % (1 << 32)
ms = lambda t: (t - T0) * 1e3

cl = [list(map(float, l.split())) for l in open(base + '.clocks')]
off = cl[0][1] - cl[0][0]                      # realtime - monotonic
probes, states, rtx = [], [], []
rx = re.compile(r'\s(\d+\.\d+): (tcp_\w+): (.*)')
with gzip.open(base + '.trace.gz', 'rt') as f:
    for line in f:
        m = rx.search(line)
        if not m:
            continue
        t = float(m.group(1)) + off
        kv = dict(x.split('=', 1) for x in m.group(3).split() if '=' in x)
        if m.group(2) == 'tcp_probe':
            probes.append({'t': t, 'una': rel(int(kv['snd_una'], 16)), 'nxt': rel(int(kv['snd_nxt'], 16)),
                           'cwnd': int(kv['snd_cwnd']), 'ssth': int(kv['ssthresh']),
                           'srtt': int(kv['srtt']), 'snd_wnd': int(kv['snd_wnd'])})
        elif m.group(2) == 'tcp_cong_state_set':
            states.append((t, int(kv['cong_state'])))
        elif m.group(2) == 'tcp_retransmit_skb':
            rtx.append(t)


def probe_before(t):
    last = None
    for p in probes:
        if p['t'] > t:
            break
        last = p
    return last


def ssth(x):
    return 'inf' if x >= 0x7fffffff else str(x)


# sender's ACK processing from tcp_probe (fires before the ACK is processed): give each probe
# the snd_una after it (= snd_una before the next probe)
for i, p in enumerate(probes):
    p['una_after'] = probes[i + 1]['una'] if i + 1 < len(probes) else p['una']

if what == 'slowstart':
    # packet-timed rounds: round 1 is the first flight; round k+1 starts with the first data
    # segment sent after the sender processed an ACK covering the first segment of round k.
    ev = [(p['tk'], 'd', p) for p in data] + [(p['t'], 'a', p) for p in probes]
    ev.sort(key=lambda e: e[0])
    una = 0
    rounds = []
    cur = None
    marker = None
    for t, k, p in ev:
        if k == 'a':
            if cur:
                cur['inflight_max'] = max(cur['inflight_max'], p['nxt'] - p['una'])
                cur['cwnd_last'] = p['cwnd']
            una = max(una, p['una_after'])
            continue
        if cur is None or (marker is not None and una >= marker):
            cur = {'t': t, 'segs': 0, 'bytes': 0, 'inflight_max': 0, 'cwnd_last': None}
            rounds.append(cur)
            marker = rel(p['seq']) + 1
        cur['segs'] += 1
        cur['bytes'] += p['len']
    print('round\tstart_ms\tsegs_sent\tbytes_sent\tmax_in_flight_bytes\tmax_in_flight_segs\tcwnd_at_last_ack_of_round')
    for i, r in enumerate(rounds[:N or 10]):
        print('%d\t%.1f\t%d\t%d\t%d\t%.0f\t%s' % (i + 1, ms(r['t']), r['segs'], r['bytes'], r['inflight_max'],
                                              r['inflight_max'] / MSS, r['cwnd_last']))
    print('total rounds with data: %d; last data sent at %.1f ms' % (len(rounds), ms(data[-1]['tk'])))
    syn = [p for p in pk if p['dir'] == 'C>S' and p['flags'] & 0x02]
    fin_ack = [p for p in pk if p['dir'] == 'S>C' and p['flags'] & 0x01]
    print('SYN sent at %.1f ms, server FIN delivered at %.1f ms' % (
        ms(syn[0]['tk']) if syn else float('nan'), ms(fin_ack[-1]['to']) if fin_ack else float('nan')))

elif what == 'recoveries':
    out = subprocess.run(['tshark', '-r', base + '.pcapng', '-o', 'tcp.relative_sequence_numbers:FALSE',
                          '-Y', 'tcp.srcport == 12345', '-T', 'fields', '-e', 'frame.time_epoch',
                          '-e', 'tcp.ack', '-e', 'tcp.options.sack_le', '-e', 'tcp.options.sack_re'],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    cap_acks = []          # receiver's ACKs in capture (= receiver send) order: (t_sent, ack, blocks)
    for line in out.splitlines():
        c = line.split('\t')
        if len(c) < 2 or not c[1]:
            continue
        bl = []
        if len(c) >= 4 and c[2]:
            bl = list(zip([rel(int(x)) for x in c[2].split(',')], [rel(int(x)) for x in c[3].split(',')]))
        cap_acks.append((float(c[0]), rel(int(c[1])), bl))

    def seg(x):
        return (x - 1) // MSS + 1      # rel seq 1 is the first data byte

    def blocks(bl):
        return ' '.join('segs %d-%d' % (seg(l), seg(r - 1)) for l, r in bl) or 'none'

    def state_at(t):
        st = 0
        for u, x in states:
            if u > t:
                break
            st = x
        return st

    drops = [p for p in data if p['v'] == 'D']
    done = 0
    handled = set()
    for d in drops:
        if done >= (N or 3):
            break
        s0 = rel(d['seq'])
        if s0 in handled:
            continue
        t_drop = d['tk']
        rtxs = [p for p in data if rel(p['seq']) == s0 and p['tk'] > t_drop]
        r = rtxs[0]
        done += 1
        # recovery episode: from the first state change after the loss to the return to Open
        ent = next(((t, x) for t, x in states if t > t_drop and x >= 1), None)
        leave = next(((t, x) for t, x in states if ent and t > ent[0] and x == 0), None)
        t_end = leave[0] if leave else r['tk'] + 0.05
        # ACKs processed by the sender between the loss and the retransmission
        dup = [p for p in probes if t_drop < p['t'] < r['tk'] and p['una'] == s0]
        last_ack = max((p for p in probes if p['t'] < r['tk']), key=lambda p: p['t'])
        sack_last = [a for a in cap_acks if a[1] == s0 and a[0] + 0.0100 < r['tk']]   # arrived (hold >= 10 ms) before it
        pre = dup[0] if dup else last_ack
        sent_later = [p for p in data if p['tk'] > t_drop and rel(p['seq']) > s0 and p['tk'] < r['tk']]
        print('=== recovery %d (%s)' % (done, base.split('/')[-1]))
        print('lost: seg %d (bytes %d-%d), sent at %.1f ms; %d newer segments went out after it before '
              'its retransmission (first newer one at %.1f ms)' % (
                  seg(s0), s0, s0 + d['len'] - 1, ms(t_drop), len(sent_later),
                  ms(sent_later[0]['tk']) if sent_later else float('nan')))
        if dup:
            print('first dupack (ack = seg %d) processed by the sender at %.1f ms (loss + %.1f ms); %d ACK '
                  'events with that ack before the retransmission' % (
                      seg(s0), ms(dup[0]['t']), (dup[0]['t'] - t_drop) * 1e3, len(dup)))
        if sack_last:
            print('SACK blocks of the last dupack that had reached the sender before the retransmission: %s' % blocks(sack_last[-1][2]))
        print('retransmission of seg %d sent at %.1f ms = loss + %.1f ms, %.2f ms after the last ACK the '
              'sender processed (%s); ca_state at that moment: %s' % (
                  seg(s0), ms(r['tk']), (r['tk'] - t_drop) * 1e3, (r['tk'] - last_ack['t']) * 1e3,
                  'a dupack' if last_ack['una'] == s0 else 'ack=seg %d' % seg(last_ack['una_after']),
                  STATES[state_at(r['tk'])]))
        print('sender before the loss was noticed: cwnd %d, ssthresh %s, srtt %.1f ms, in flight %d segs' % (
            pre['cwnd'], ssth(pre['ssth']), pre['srtt'] / 1e3, (pre['nxt'] - pre['una']) // MSS))
        # cwnd trajectory through the episode
        ep = [p for p in probes if (ent[0] if ent else r['tk']) <= p['t'] <= t_end + 0.0001]
        if ep:
            print('during the episode: ssthresh %s, cwnd %d -> %d (min %d)' % (
                ssth(ep[-1]['ssth']), ep[0]['cwnd'], ep[-1]['cwnd'], min(p['cwnd'] for p in ep)))
        after = next((p for p in probes if leave and p['t'] > leave[0]), None)
        if after:
            print('after leaving recovery at %.1f ms: cwnd %d ssthresh %s' % (ms(leave[0]), after['cwnd'],
                                                                               ssth(after['ssth'])))
        print('ca_state changes: %s' % ', '.join('%s@%.1f' % (STATES[x], ms(t)) for t, x in states
                                                  if t_drop < t <= t_end + 0.0001))
        ep_drops = [x for x in drops if t_drop <= x['tk'] <= t_end]
        for x in ep_drops:
            handled.add(rel(x['seq']))
        ep_rtx = [x for x in data if t_drop < x['tk'] <= t_end and
                  any(rel(x['seq']) == rel(y['seq']) and y['tk'] < x['tk'] for y in data)]
        print('episode: dropped %s; retransmitted %s; tcp_retransmit_skb events %d' % (
            ', '.join('seg %d@%.1f%s' % (seg(rel(x['seq'])), ms(x['tk']), ' (retransmission)' if any(
                rel(y['seq']) == rel(x['seq']) and y['tk'] < x['tk'] for y in data) else '') for x in ep_drops),
            ', '.join('seg %d@%.1f' % (seg(rel(x['seq'])), ms(x['tk'])) for x in ep_rtx),
            len([t for t in rtx if t_drop < t <= t_end + 0.0001])))
