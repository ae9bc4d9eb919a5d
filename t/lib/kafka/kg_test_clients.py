# Copyright (C) kgate authors

"""What produce_consume.py (kafka-python) and produce_consume_ck.py
(confluent-kafka) share: the payloads, the tally of what came back, the
command line and the JSON report.  Only the client calls differ.
"""

import argparse
import json
import sys

PREFIX = b'kg'
SEQLEN = 10


def payload(seq, size):
    v = PREFIX + b'%010d' % seq
    if size > len(v):
        v += b'.' * (size - len(v))
    return v


def seq_of(v):
    if v is None or len(v) < len(PREFIX) + SEQLEN or not v.startswith(PREFIX):
        return -1
    try:
        return int(v[len(PREFIX):len(PREFIX) + SEQLEN])
    except ValueError:
        return -1


class Tally:
    """Which sequence numbers have been seen, how often."""

    def __init__(self, count):
        self.count = count
        self.seen = bytearray(count)
        self.unique = 0
        self.dups = 0
        self.bad = 0
        self.total = 0

    def add(self, v):
        s = seq_of(v)
        self.total += 1
        if s < 0 or s >= self.count:
            self.bad += 1
        elif self.seen[s]:
            self.dups += 1
            if self.seen[s] < 255:
                self.seen[s] += 1
        else:
            self.seen[s] = 1
            self.unique += 1

    def missing(self):
        return self.count - self.unique

    def first_missing(self, n=10):
        return [i for i in range(self.count) if not self.seen[i]][:n]


def parser(doc, client_options, cmds):
    """The four commands; client_options(p) adds a client's own options,
    cmds maps each command to its function."""
    ap = argparse.ArgumentParser(description=doc,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)

    def add(name):
        p = sub.add_parser(name)
        p.add_argument('--bootstrap', required=True)
        client_options(p)
        p.set_defaults(fn=cmds[name])
        return p

    p = add('produce')
    p.add_argument('--topic', required=True)
    p.add_argument('--count', type=int, default=1000)
    p.add_argument('--size', type=int, default=100)
    p.add_argument('--acks', default='1', choices=['0', '1', '-1', 'all'])
    p.add_argument('--retries', type=int, default=3)
    p.add_argument('--linger-ms', type=int, default=5)
    p.add_argument('--compression', default='none',
                   choices=['none', 'gzip', 'snappy', 'lz4'])

    for name in ('consume', 'commit-resume'):
        p = add(name)
        p.add_argument('--topic', required=True)
        p.add_argument('--group', required=(name == 'commit-resume'))
        p.add_argument('--count', type=int, default=1000)
        p.add_argument('--drain', type=float, default=1.0,
                       help='seconds to keep polling for duplicates')
        p.add_argument('--allow-duplicates', action='store_true')

    add('metadata')

    return ap


def report(a, client):
    """Runs the command, prints its JSON object, exits non-zero on failure."""
    try:
        out = a.fn(a)
    except Exception as e:     # report, do not trace back
        out = {'client': client, 'cmd': a.cmd, 'ok': False,
               'exception': '%s: %s' % (type(e).__name__, e)}
    print(json.dumps(out, sort_keys=True))
    sys.exit(0 if out.get('ok') else 1)
