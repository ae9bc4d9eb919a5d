#!/usr/bin/python3

# Copyright (C) kgate authors

"""Kafka test client on confluent-kafka (python3-confluent-kafka, which
wraps librdkafka).  Same commands, payloads and JSON output as
produce_consume.py:

  produce_consume_ck.py produce  --bootstrap B --topic T --count N
                                 [--size S] [--acks A] [--compression C]
  produce_consume_ck.py consume  --bootstrap B --topic T [--group G]
                                 --count N [--timeout S]
  produce_consume_ck.py commit-resume --bootstrap B --topic T --group G
                                 --count N [--timeout S]
  produce_consume_ck.py metadata --bootstrap B

--broker-version defaults to 0.9.0.1, which sets api.version.request=false
and broker.version.fallback=0.9.0.1 (Kafka 0.9 has no ApiVersions request);
"auto" lets librdkafka ask the broker (newer brokers, librdkafka's mock).
"""

import time

from confluent_kafka import (Consumer, KafkaError, KafkaException, Producer,
                             TopicPartition, OFFSET_BEGINNING)

import kg_test_clients
from kg_test_clients import Tally, payload

CLIENT = 'confluent-kafka'


def common(a):
    conf = {'bootstrap.servers': a.bootstrap,
            'client.id': 'kg-test-confluent-kafka',
            'socket.timeout.ms': 30000}
    if a.broker_version == 'auto':
        conf['api.version.request'] = True
    else:
        conf['api.version.request'] = False
        conf['broker.version.fallback'] = a.broker_version
    if a.debug:
        conf['debug'] = a.debug
    else:
        # transport errors are reported in the JSON, not on stderr
        conf['log_level'] = 0
    for kv in a.set or []:
        k, _, v = kv.partition('=')
        conf[k] = v
    return conf


def cmd_produce(a):
    conf = common(a)
    conf.update({'acks': a.acks, 'linger.ms': a.linger_ms,
                 'compression.codec': a.compression,
                 'message.send.max.retries': a.retries,
                 'queue.buffering.max.messages': 500000,
                 'message.timeout.ms': int(a.timeout * 1000),
                 # spread keyless messages evenly, see README
                 'sticky.partitioning.linger.ms': 0})
    for kv in a.set or []:
        k, _, v = kv.partition('=')
        conf[k] = v
    p = Producer(conf)
    state = {'ok': 0, 'err': 0, 'errors': {}}

    def dr(err, _msg):
        if err is None:
            state['ok'] += 1
        else:
            state['err'] += 1
            k = err.name()
            state['errors'][k] = state['errors'].get(k, 0) + 1

    t0 = time.time()
    for i in range(a.count):
        while True:
            try:
                p.produce(a.topic, payload(i, a.size), on_delivery=dr)
                break
            except BufferError:
                p.poll(0.05)
        if i % 1000 == 0:
            p.poll(0)
    left = p.flush(a.timeout)
    el = time.time() - t0
    out = {'client': CLIENT, 'cmd': 'produce', 'topic': a.topic,
           'count': a.count, 'size': a.size, 'acks': a.acks,
           'acked': state['ok'], 'failed': state['err'], 'unacked': left,
           'errors': state['errors'], 'elapsed_s': round(el, 3),
           'msgs_per_s': round(a.count / el) if el else None}
    out['ok'] = out['acked'] == a.count
    return out


def new_consumer(a, group):
    conf = common(a)
    conf.update({'group.id': group or 'kg-test-nogroup',
                 'auto.offset.reset': 'earliest',
                 'enable.auto.commit': False,
                 'enable.partition.eof': False,
                 'session.timeout.ms': 10000,
                 'heartbeat.interval.ms': 1000})
    for kv in a.set or []:
        k, _, v = kv.partition('=')
        conf[k] = v
    return Consumer(conf)


def attach(c, a, group):
    """Subscribe with a group; without one, assign every partition from
    the beginning (no group coordination at all)."""
    if group:
        c.subscribe([a.topic])
        return
    deadline = time.time() + a.timeout
    while True:
        md = c.list_topics(a.topic, timeout=10)
        t = md.topics.get(a.topic)
        if t and t.error is None and t.partitions:
            break
        if time.time() > deadline:
            raise KafkaException('topic %s has no partitions' % a.topic)
        time.sleep(0.5)
    c.assign([TopicPartition(a.topic, p, OFFSET_BEGINNING)
              for p in sorted(t.partitions)])


def consume_until(c, tally, want, deadline, errors, on_msg=None):
    while tally.unique < want and time.time() < deadline:
        for m in c.consume(num_messages=1000, timeout=0.5):
            if m.error():
                if m.error().code() != KafkaError._PARTITION_EOF:
                    k = m.error().name()
                    errors[k] = errors.get(k, 0) + 1
                continue
            if on_msg and on_msg(m) is False:
                return False
            tally.add(m.value())
    return True


def cmd_consume(a):
    t0 = time.time()
    c = new_consumer(a, a.group)
    attach(c, a, a.group)
    tally = Tally(a.count)
    errors = {}
    consume_until(c, tally, a.count, t0 + a.timeout, errors)
    consume_until(c, tally, a.count + 1, time.time() + a.drain, errors)
    el = time.time() - t0
    if a.group and tally.total:
        c.commit(asynchronous=False)
    c.close()
    out = {'client': CLIENT, 'cmd': 'consume', 'topic': a.topic,
           'group': a.group, 'count': a.count, 'received': tally.total,
           'unique': tally.unique, 'missing': tally.missing(),
           'duplicates': tally.dups, 'foreign': tally.bad,
           'first_missing': tally.first_missing(), 'errors': errors,
           'elapsed_s': round(el, 3)}
    out['ok'] = out['missing'] == 0 and out['foreign'] == 0 and (
        out['duplicates'] == 0 or a.allow_duplicates)
    return out


def cmd_commit_resume(a):
    t0 = time.time()
    half = a.count // 2
    tally = Tally(a.count)
    errors = {}
    nexto = {}

    def first_half(m):
        if tally.unique >= half:
            return False
        nexto[m.partition()] = m.offset() + 1

    c = new_consumer(a, a.group)
    c.subscribe([a.topic])
    consume_until(c, tally, half, t0 + a.timeout, errors, first_half)
    c.commit(offsets=[TopicPartition(a.topic, p, o)
                      for p, o in sorted(nexto.items())],
             asynchronous=False)
    c.close()
    phase1 = tally.unique

    c = new_consumer(a, a.group)
    stored = {tp.partition: tp.offset for tp in c.committed(
        [TopicPartition(a.topic, p) for p in nexto], timeout=10)}
    c.close()

    firsts = {}

    def second_half(m):
        if m.partition() not in firsts:
            firsts[m.partition()] = m.offset()

    c = new_consumer(a, a.group)
    c.subscribe([a.topic])
    consume_until(c, tally, a.count, time.time() + a.timeout, errors,
                  second_half)
    consume_until(c, tally, a.count + 1, time.time() + a.drain, errors)
    c.commit(asynchronous=False)
    c.close()
    el = time.time() - t0

    bad_resume = {p: {'committed': nexto[p], 'first': firsts.get(p)}
                  for p in nexto
                  if firsts.get(p) is not None and firsts[p] != nexto[p]}
    out = {'client': CLIENT, 'cmd': 'commit-resume', 'topic': a.topic,
           'group': a.group, 'count': a.count, 'phase1': phase1,
           'committed': nexto, 'stored': stored, 'resumed_at': firsts,
           'bad_resume': bad_resume, 'unique': tally.unique,
           'missing': tally.missing(), 'duplicates': tally.dups,
           'foreign': tally.bad, 'errors': errors,
           'elapsed_s': round(el, 3)}
    out['ok'] = (phase1 == half and not bad_resume and stored == nexto
                 and out['missing'] == 0 and out['duplicates'] == 0
                 and out['foreign'] == 0)
    return out


def cmd_metadata(a):
    t0 = time.time()
    p = Producer(common(a))
    md = p.list_topics(timeout=a.timeout)
    brokers = sorted(md.brokers.values(), key=lambda b: b.id)
    out = {'client': CLIENT, 'cmd': 'metadata',
           'brokers': ['%s:%d' % (b.host, b.port) for b in brokers],
           'ids': [b.id for b in brokers],
           'controller': md.controller_id,
           'topics': sorted(t for t in md.topics
                            if not t.startswith('__')),
           'elapsed_s': round(time.time() - t0, 3)}
    out['ok'] = bool(brokers)
    return out


def client_options(p):
    p.add_argument('--broker-version', default='0.9.0.1',
                   help='broker.version.fallback, or "auto"')
    p.add_argument('--timeout', type=float, default=120)
    p.add_argument('--debug', help='librdkafka debug contexts')
    p.add_argument('--set', action='append', metavar='PROP=VALUE',
                   help='extra librdkafka property (repeatable)')


def main():
    ap = kg_test_clients.parser(__doc__, client_options,
                                {'produce': cmd_produce,
                                 'consume': cmd_consume,
                                 'commit-resume': cmd_commit_resume,
                                 'metadata': cmd_metadata})
    a = ap.parse_args()
    kg_test_clients.report(a, CLIENT)


if __name__ == '__main__':
    main()
