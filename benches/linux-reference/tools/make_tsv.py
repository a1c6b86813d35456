#!/usr/bin/env python3
"""Collect runs/<cc>_<loss>_<seed>.json into bulk-loss.tsv and print the summary table.

usage: make_tsv.py RUNDIR OUT.tsv [--md]
Every run in RUNDIR is taken; the selection (rerun_outliers.py, rerun_bad.py) has already moved
unclean attempts to runs_discarded/ (counted in the 'attempt' column).
"""
import glob
import json
import os
import statistics
import sys

rundir, out = sys.argv[1], sys.argv[2]
md = '--md' in sys.argv

COLS = ['cc', 'loss', 'seed', 'seconds', 'goodput_Bps', 'drops', 'data_pkts_seen',
        'total_retrans', 'bytes_retrans', 'rto_tcpi', 'TCPTimeouts', 'TCPLossProbes',
        'TCPLossProbeRecovery', 'TCPSackRecovery', 'TCPFastRetrans', 'TCPSlowStartRetrans',
        'TCPLostRetransmit', 'TCPSpuriousRTOs', 'TCPSpuriousRtxHostQueues', 'TCPDSACKRecv',
        'dsack_dups_tcpi', 'TCPDSACKUndo', 'TCPLossUndo', 'TCPSACKReorder', 'TCPHystartDelayDetect',
        'TCPHystartTrainDetect', 'snd_cwnd', 'snd_ssthresh', 'rwnd_limited_us',
        'hold_p50_us', 'hold_p99_us', 'hold_max_us', 'hold_n_over_12ms', 'read_lag_max_us', 'reord_seen',
        'attempt', 'pinned_cpu']


def row(r):
    t = r['client']['tcp_info']
    h = r['helper']
    d = r['counters_delta']
    x = lambda k: d.get('TcpExt' + k, 0)
    return {
        'cc': r['cc'], 'loss': r['loss'], 'seed': r['seed'],
        'seconds': round(r['client']['seconds'], 4),
        'goodput_Bps': round(r['client']['bytes'] / r['client']['seconds']),
        'drops': h['data_dropped'], 'data_pkts_seen': h['data_pkts'],
        'total_retrans': t['total_retrans'], 'bytes_retrans': t['bytes_retrans'],
        'rto_tcpi': t['total_rto'], 'TCPTimeouts': x('TCPTimeouts'),
        'TCPLossProbes': x('TCPLossProbes'), 'TCPLossProbeRecovery': x('TCPLossProbeRecovery'),
        'TCPSackRecovery': x('TCPSackRecovery'), 'TCPFastRetrans': x('TCPFastRetrans'),
        'TCPSlowStartRetrans': x('TCPSlowStartRetrans'), 'TCPLostRetransmit': x('TCPLostRetransmit'),
        'TCPSpuriousRTOs': x('TCPSpuriousRTOs'), 'TCPSpuriousRtxHostQueues': x('TCPSpuriousRtxHostQueues'),
        'TCPDSACKRecv': x('TCPDSACKRecv'), 'dsack_dups_tcpi': t['dsack_dups'],
        'TCPDSACKUndo': x('TCPDSACKUndo'), 'TCPLossUndo': x('TCPLossUndo'),
        'TCPSACKReorder': x('TCPSACKReorder'), 'TCPHystartDelayDetect': x('TCPHystartDelayDetect'),
        'TCPHystartTrainDetect': x('TCPHystartTrainDetect'),
        'snd_cwnd': t['snd_cwnd'], 'snd_ssthresh': t['snd_ssthresh'],
        'rwnd_limited_us': t['rwnd_limited'],
        'hold_p50_us': round(h['hold_p50_us']), 'hold_p99_us': round(h['hold_p99_us']),
        'hold_max_us': round(h['hold_max_us']), 'hold_n_over_12ms': h.get('hold_n_over_12ms', ''),
        'read_lag_max_us': round(h['read_lag_max_us']), 'reord_seen': t['reord_seen'],
        'attempt': 1 + len(glob.glob(os.path.join(os.path.dirname(rundir.rstrip('/')) or '.', 'runs_discarded',
                                                  '%s_%.3f_%02d.a?.json' % (r['cc'], r['loss'], r['seed'])))),
        'pinned_cpu': r.get('pinned_cpu') if r.get('pinned_cpu') is not None else '',
    }


rows = []
for f in glob.glob(os.path.join(rundir, '*.json')):
    if f.endswith('.helper.json'):
        continue
    r = json.load(open(f))
    rows.append(row(r))
rows.sort(key=lambda r: (r['cc'], r['loss'], r['seed']))
with open(out, 'w') as f:
    f.write('\t'.join(COLS) + '\n')
    for r in rows:
        f.write('\t'.join(str(r[c]) for c in COLS) + '\n')


def q(xs, p):
    """percentile with linear interpolation between closest ranks (numpy's default)"""
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    i = int(k)
    j = min(i + 1, len(xs) - 1)
    return xs[i] + (xs[j] - xs[i]) * (k - i)


hdr = ['cc', 'loss', 'runs', 'goodput kB/s median', 'p10', 'p90', 'retrans median',
       'RTOs median', 'SACK recoveries median', 'TLPs median', 'drops median']
lines = []
for cc in sorted({r['cc'] for r in rows}):
    for loss in sorted({r['loss'] for r in rows}):
        rs = [r for r in rows if r['cc'] == cc and r['loss'] == loss]
        if not rs:
            continue
        g = [r['goodput_Bps'] / 1e3 for r in rs]
        med = lambda k: statistics.median(r[k] for r in rs)
        lines.append([cc, '%g' % loss, len(rs), '%.0f' % q(g, .5), '%.0f' % q(g, .1), '%.0f' % q(g, .9),
                      '%g' % med('total_retrans'), '%g' % med('rto_tcpi'), '%g' % med('TCPSackRecovery'),
                      '%g' % med('TCPLossProbes'), '%g' % med('drops')])
if md:
    print('| ' + ' | '.join(hdr) + ' |')
    print('|' + '---|' * len(hdr))
    for l in lines:
        print('| ' + ' | '.join(str(x) for x in l) + ' |')
else:
    print('\t'.join(hdr))
    for l in lines:
        print('\t'.join(str(x) for x in l))
