#!/usr/bin/python3

# Copyright (C) kgate authors

"""Kafka test client on kafka-python (Debian's python3-kafka).

  produce_consume.py produce  --bootstrap B --topic T --count N [--size S]
                              [--acks A] [--compression C]
  produce_consume.py consume  --bootstrap B --topic T --group G --count N
                              [--timeout S]
  produce_consume.py commit-resume --bootstrap B --topic T --group G
                              --count N [--timeout S]
  produce_consume.py metadata --bootstrap B

Payloads carry a sequence number ("kg%010d" padded to --size bytes); the
consumer checks that every number in [0, N) arrives and counts missing and
duplicate ones.  Each command prints one JSON object and exits non-zero on
failure.  --api-version defaults to 0.9 (Kafka 0.9.0.1 has no
ApiVersions request); use "auto" for newer brokers and librdkafka's mock.
"""

import logging
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.client_async import KafkaClient
from kafka.structs import OffsetAndMetadata

import kg_test_clients
from kg_test_clients import Tally, payload


def api_version(a):
    if a.api_version == 'auto':
        return None
    return tuple(int(x) for x in a.api_version.split('.'))


def common(a):
    return {'bootstrap_servers': a.bootstrap.split(','),
            'api_version': api_version(a),
            'client_id': 'kg-test-kafka-python',
            'request_timeout_ms': 30000}


def cmd_produce(a):
    acks = a.acks if a.acks == 'all' else int(a.acks)
    p = KafkaProducer(acks=acks, retries=a.retries, linger_ms=a.linger_ms,
                      compression_type=(None if a.compression == 'none'
                                        else a.compression),
                      max_in_flight_requests_per_connection=(
                          1 if a.retries else 5),
                      **common(a))
    state = {'ok': 0, 'err': 0, 'errors': {}}

    def ok(_md):
        state['ok'] += 1

    def err(e):
        state['err'] += 1
        k = type(e).__name__
        state['errors'][k] = state['errors'].get(k, 0) + 1

    t0 = time.time()
    for i in range(a.count):
        f = p.send(a.topic, payload(i, a.size))
        f.add_callback(ok)
        f.add_errback(err)
    p.flush(timeout=a.timeout)
    el = time.time() - t0
    p.close(timeout=10)
    out = {'client': 'kafka-python', 'cmd': 'produce', 'topic': a.topic,
           'count': a.count, 'size': a.size, 'acks': a.acks,
           'acked': state['ok'], 'failed': state['err'],
           'unacked': a.count - state['ok'] - state['err'],
           'errors': state['errors'], 'elapsed_s': round(el, 3),
           'msgs_per_s': round(a.count / el) if el else None}
    out['ok'] = out['acked'] == a.count
    return out


def new_consumer(a, group):
    return KafkaConsumer(group_id=group, auto_offset_reset='earliest',
                         enable_auto_commit=False,
                         session_timeout_ms=10000,
                         heartbeat_interval_ms=1000,
                         max_poll_records=2000,
                         **common(a))


def consume_until(c, tally, want, deadline, on_msg=None):
    """Poll until tally has want unique messages or deadline passes.
    on_msg(msg) returning False stops early (message not counted)."""
    while tally.unique < want and time.time() < deadline:
        recs = c.poll(timeout_ms=500)
        for _tp, msgs in recs.items():
            for m in msgs:
                if on_msg and on_msg(m) is False:
                    return
                tally.add(m.value)


def cmd_consume(a):
    t0 = time.time()
    c = new_consumer(a, a.group)
    c.subscribe([a.topic])
    tally = Tally(a.count)
    consume_until(c, tally, a.count, t0 + a.timeout)
    # a short drain so duplicates arriving after the last new one count
    consume_until(c, tally, a.count + 1, time.time() + a.drain)
    el = time.time() - t0
    if a.group:
        c.commit()
    c.close(autocommit=False)
    out = {'client': 'kafka-python', 'cmd': 'consume', 'topic': a.topic,
           'group': a.group, 'count': a.count, 'received': tally.total,
           'unique': tally.unique, 'missing': tally.missing(),
           'duplicates': tally.dups, 'foreign': tally.bad,
           'first_missing': tally.first_missing(),
           'elapsed_s': round(el, 3)}
    out['ok'] = out['missing'] == 0 and out['foreign'] == 0 and (
        out['duplicates'] == 0 or a.allow_duplicates)
    return out


def cmd_commit_resume(a):
    """Consume half the topic, commit exactly what was processed, close;
    a second consumer of the same group must start at the committed
    offsets and deliver the rest."""
    t0 = time.time()
    half = a.count // 2
    tally = Tally(a.count)
    nexto = {}

    def first_half(m):
        if tally.unique >= half:
            return False
        nexto[TopicPartition(m.topic, m.partition)] = m.offset + 1

    c = new_consumer(a, a.group)
    c.subscribe([a.topic])
    consume_until(c, tally, half, t0 + a.timeout, first_half)
    committed = {tp: OffsetAndMetadata(o, '') for tp, o in nexto.items()}
    c.commit(committed)
    c.close(autocommit=False)
    phase1 = tally.unique

    # what the broker stored for the group
    c = new_consumer(a, a.group)
    stored = {tp.partition: c.committed(tp) for tp in nexto}
    c.close(autocommit=False)

    firsts = {}

    def second_half(m):
        firsts.setdefault(m.partition, m.offset)

    c = new_consumer(a, a.group)
    c.subscribe([a.topic])
    consume_until(c, tally, a.count, time.time() + a.timeout, second_half)
    consume_until(c, tally, a.count + 1, time.time() + a.drain)
    c.commit()
    c.close(autocommit=False)
    el = time.time() - t0

    want = {tp.partition: o for tp, o in nexto.items()}
    bad_resume = {p: {'committed': want[p], 'first': firsts.get(p)}
                  for p in want
                  if firsts.get(p) is not None and firsts[p] != want[p]}
    out = {'client': 'kafka-python', 'cmd': 'commit-resume',
           'topic': a.topic, 'group': a.group, 'count': a.count,
           'phase1': phase1, 'committed': want, 'stored': stored,
           'resumed_at': firsts, 'bad_resume': bad_resume,
           'unique': tally.unique, 'missing': tally.missing(),
           'duplicates': tally.dups, 'foreign': tally.bad,
           'elapsed_s': round(el, 3)}
    out['ok'] = (phase1 == half and not bad_resume and stored == want
                 and out['missing'] == 0 and out['duplicates'] == 0
                 and out['foreign'] == 0)
    return out


def cmd_metadata(a):
    t0 = time.time()
    cl = KafkaClient(**common(a))
    f = cl.cluster.request_update()
    deadline = time.time() + a.timeout
    while not f.is_done and time.time() < deadline:
        cl.poll(timeout_ms=200)
    cl.close()
    brokers = sorted(cl.cluster.brokers(), key=lambda b: b.nodeId)
    out = {'client': 'kafka-python', 'cmd': 'metadata',
           'brokers': ['%s:%d' % (b.host, b.port) for b in brokers],
           'ids': [b.nodeId for b in brokers],
           'topics': sorted(cl.cluster.topics()),
           'elapsed_s': round(time.time() - t0, 3)}
    out['ok'] = f.succeeded() and bool(brokers)
    return out


def client_options(p):
    p.add_argument('--api-version', default='0.9',
                   help='broker version, or "auto" (ApiVersions)')
    p.add_argument('--timeout', type=float, default=120)
    p.add_argument('--verbose', action='store_true')


def main():
    ap = kg_test_clients.parser(__doc__, client_options,
                                {'produce': cmd_produce,
                                 'consume': cmd_consume,
                                 'commit-resume': cmd_commit_resume,
                                 'metadata': cmd_metadata})
    a = ap.parse_args()
    logging.basicConfig(level=logging.DEBUG if a.verbose else logging.CRITICAL,
                        stream=sys.stderr)
    kg_test_clients.report(a, 'kafka-python')


if __name__ == '__main__':
    main()
