#!/usr/bin/python3

# Copyright (C) kgate authors

"""Continuous load with exact accounting, for switchover and failover tests.

  switch_load.py produce --bootstrap B --topic T [--rate R] [--duration S]
                         [--acks all] [--size N] --out F
  switch_load.py consume --bootstrap B --topic T --group G [--duration S]
                         [--count N] [--produced F] --out F
  switch_load.py account --produced F --cluster-a B1 [--cluster-b B2]
                         [--topic T] [--out F]

produce sends sequence-numbered messages at a steady rate (key = seq, value
"sw:RUN:SEQ:SENDMS:" padded with dots) and records, for every message,
whether its delivery report said acknowledged, failed, or nothing at all.
librdkafka keeps retrying through broker errors: a generous
message.timeout.ms, unbounded retries, no idempotence (Kafka 0.9 has none).
The summary (--out F, one JSON object) holds: sent, acked, failed,
unreported, errors by code, the pause figures the client saw (max_gap_ms:
the longest time without any acknowledgement while messages were
outstanding; gaps: every such gap longer than --gap-ms, with wall-clock
start and end to correlate with switch times), p50/p90/p99/max of
per-message ack latency, a per-second timeline, and "status": one character
per seq (A acked, F failed, U unreported, P purged at exit) which account
reads.  Per-message details go to F.records (tab-separated).

consume is one consumer-group member; it records every (partition, offset,
seq) it sees (F.records) and summarises duplicates, offset rewinds (a
partition's offset going backwards: a switch to another cluster), gaps,
end-to-end latency and rebalances.  With --produced it also counts acked
messages it never received.

account reads EVERYTHING in the topic from each cluster directly, up to
the high watermarks, and checks every acked seq of the produce run is in
at least one cluster.  lost (acked, found nowhere) must be 0; duplicates
(copies beyond the first, across both clusters) are counted.

--broker-version 0.9.0.1 (default) sets api.version.request=false and
broker.version.fallback (Kafka 0.9 has no ApiVersions); "auto" lets
librdkafka ask (kgate answering ApiVersions itself, librdkafka's mock).

Every phase is bounded: SIGTERM or SIGINT stops the run early (the summary
is still written), a second one skips the remaining flush, and a watchdog
thread writes what it has and exits if the process is stuck past its
deadline.  Each command prints its summary (without "status") as one JSON
line on stdout and exits 0 if "ok" is true, 1 if not, 2 on a usage error.
"""

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from array import array

from confluent_kafka import (Consumer, KafkaError, KafkaException, Producer,
                             TopicPartition)

CLIENT = 'switch_load'
MAGIC = b'sw'
EVENTS_MAX = 200

STOP = {'n': 0}


def on_signal(signo, _frame):
    STOP['n'] += 1


def mono():
    return time.monotonic()


class Clock:
    """Monotonic times for intervals, wall-clock times for reports."""

    def __init__(self):
        self.m0 = time.monotonic()
        self.w0 = time.time()

    def wall(self, m):
        return round(self.w0 + (m - self.m0), 3)

    def rel(self, m):
        return round(m - self.m0, 3)


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    n = len(sorted_vals) - 1
    i = min(n, int(round(p / 100.0 * n)))
    return sorted_vals[i]


def ms(v):
    return None if v is None else round(v * 1000.0, 1)


def parse_value(v):
    """(run, seq, send epoch ms) or None for a foreign message."""
    if not v or not v.startswith(MAGIC + b':'):
        return None
    f = v.split(b':', 4)
    if len(f) < 4:
        return None
    try:
        return f[1].decode(), int(f[2]), int(f[3])
    except (ValueError, UnicodeDecodeError):
        return None


def common_conf(a):
    conf = {'bootstrap.servers': a.bootstrap,
            'client.id': 'kg-switch-load',
            'socket.timeout.ms': int(a.socket_timeout * 1000),
            'reconnect.backoff.ms': 100,
            'reconnect.backoff.max.ms': 1000,
            'topic.metadata.refresh.interval.ms': 5000}
    if a.broker_version == 'auto':
        conf['api.version.request'] = True
    else:
        conf['api.version.request'] = False
        conf['broker.version.fallback'] = a.broker_version
    if a.debug:
        conf['debug'] = a.debug
    else:
        # errors are counted in the summary, not written to stderr
        conf['log_level'] = 0
    return conf


def apply_set(conf, a):
    for kv in a.set or []:
        k, _, v = kv.partition('=')
        conf[k] = v


class Events:
    """Client-level errors (error_cb) with times, counted by code."""

    def __init__(self, clock):
        self.clock = clock
        self.list = []
        self.count = {}

    def add(self, name, text):
        self.count[name] = self.count.get(name, 0) + 1
        if len(self.list) < EVENTS_MAX:
            t = mono()
            self.list.append({'t': self.clock.rel(t),
                              'ts': self.clock.wall(t),
                              'code': name, 'text': text[:200]})

    def error_cb(self, err):
        self.add(err.name(), err.str())


def gaps_of(times, clock, threshold, t_from=None, t_to=None):
    """Gaps longer than threshold between consecutive times; t_from and
    t_to extend the series with an opening and a closing edge."""
    pts = list(times)
    out = []
    mx = 0.0
    prev = t_from if t_from is not None else (pts[0] if pts else None)
    for t in pts:
        if prev is not None:
            g = t - prev
            if g > mx:
                mx = g
            if g > threshold:
                out.append({'start_ts': clock.wall(prev),
                            'end_ts': clock.wall(t),
                            't': clock.rel(prev), 'ms': ms(g)})
        prev = t
    if t_to is not None and prev is not None and t_to - prev > threshold:
        g = t_to - prev
        mx = max(mx, g)
        out.append({'start_ts': clock.wall(prev), 'end_ts': clock.wall(t_to),
                    't': clock.rel(prev), 'ms': ms(g), 'open': True})
    return mx, out


class Watchdog:
    """Writes whatever summary there is and exits if the main thread is
    still running at the deadline (stuck in a client call)."""

    def __init__(self, deadline_s, finish):
        self.lock = threading.Lock()
        self.done = False
        self.finish = finish
        t = threading.Thread(target=self.run, args=(deadline_s,), daemon=True)
        t.start()

    def run(self, deadline_s):
        time.sleep(deadline_s)
        if not self.lock.acquire(timeout=10):
            os._exit(3)
        if not self.done:
            self.done = True
            try:
                self.finish(aborted='watchdog')
            finally:
                os._exit(3)

    def claim(self):
        with self.lock:
            if self.done:
                return False
            self.done = True
            return True


def emit(out, path, full=None):
    """Write the full summary to path, print it without bulky keys."""
    if path:
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(full if full is not None else out, f, sort_keys=True)
            f.write('\n')
        os.rename(tmp, path)
    sys.stdout.write(json.dumps(out, sort_keys=True) + '\n')
    sys.stdout.flush()


# --------------------------------------------------------------------------
# produce

class ProduceRun:

    def __init__(self, a):
        self.a = a
        self.clock = Clock()
        self.events = Events(self.clock)
        self.total = max(1, int(a.rate * a.duration))
        n = self.total
        self.send_t = array('d', bytes(8 * n))
        self.ack_t = array('d', bytes(8 * n))
        self.part = array('i', [-1]) * n
        self.offs = array('q', [-1]) * n
        self.status = bytearray(b'-' * n)          # '-': not sent
        self.err = {}
        self.errors = {}
        self.acks = []                              # ack arrival times
        self.sent = 0
        self.acked = 0
        self.failed = 0
        self.purged = 0
        self.stray = 0
        self.stalls = 0
        self.produce_errors = {}
        self.run_id = a.run_id or '%08x' % random.getrandbits(32)
        self.t_start = None
        self.t_send_end = None
        self.t_end = None
        self.phase = 'init'

    def value(self, seq, now_wall):
        v = b'%s:%s:%010d:%d:' % (MAGIC, self.run_id.encode(), seq,
                                  int(now_wall * 1000))
        if len(v) < self.a.size:
            v += b'.' * (self.a.size - len(v))
        return v

    def dr(self, err, msg):
        t = mono()
        try:
            seq = int(msg.key())
        except (TypeError, ValueError):
            self.stray += 1
            return
        if seq < 0 or seq >= self.sent or self.status[seq] != ord('U'):
            self.stray += 1
            return
        if err is None:
            self.status[seq] = ord('A')
            self.ack_t[seq] = t
            self.part[seq] = msg.partition()
            self.offs[seq] = msg.offset()
            self.acked += 1
            self.acks.append(t)
            return
        name = err.name()
        self.errors[name] = self.errors.get(name, 0) + 1
        self.err[seq] = name
        if err.code() in (KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT):
            # outcome unknown: an in-flight one may have been written
            self.status[seq] = ord('P')
            self.purged += 1
        else:
            self.status[seq] = ord('F')
            self.failed += 1

    def run(self):
        a = self.a
        conf = common_conf(a)
        conf.update({
            'acks': a.acks,
            'linger.ms': a.linger_ms,
            'enable.idempotence': False,
            'message.timeout.ms': int(a.message_timeout * 1000),
            'message.send.max.retries': 2147483647,
            'retry.backoff.ms': 100,
            'queue.buffering.max.messages': 1000000,
            'queue.buffering.max.kbytes': 1048576,
            'error_cb': self.events.error_cb})
        apply_set(conf, a)
        p = Producer(conf)

        self.phase = 'send'
        self.t_start = mono()
        t0 = self.t_start
        end = t0 + a.duration
        rate = float(a.rate)
        i = 0
        while not STOP['n'] and i < self.total:
            now = mono()
            if now >= end:
                break
            due = min(self.total, int((now - t0) * rate) + 1)
            while i < due and not STOP['n']:
                w = time.time()
                self.status[i] = ord('U')
                self.sent = i + 1
                try:
                    p.produce(a.topic, self.value(i, w), b'%d' % i,
                              on_delivery=self.dr)
                except BufferError:
                    self.status[i] = ord('-')
                    self.sent = i
                    self.stalls += 1
                    p.poll(0.01)
                    break
                except KafkaException as e:
                    self.status[i] = ord('-')
                    self.sent = i
                    k = e.args[0].name() if e.args else 'unknown'
                    self.produce_errors[k] = self.produce_errors.get(k, 0) + 1
                    p.poll(0.05)
                    break
                self.send_t[i] = mono()
                i += 1
            nxt = t0 + i / rate
            p.poll(max(0.0, min(0.005, nxt - mono())))
        self.t_send_end = mono()

        # wait for the delivery reports; a signal shortens the wait
        self.phase = 'flush'
        limit = a.flush_timeout if not STOP['n'] else a.term_flush
        fl_end = mono() + limit
        stop_seen = STOP['n']
        while len(p) > 0 and mono() < fl_end:
            if STOP['n'] != stop_seen:
                if stop_seen:
                    break
                stop_seen = STOP['n']
                fl_end = min(fl_end, mono() + a.term_flush)
            p.poll(0.05)

        self.phase = 'purge'
        if len(p) > 0:
            p.purge(in_queue=True, in_flight=True, blocking=False)
            pe = mono() + 2
            while len(p) > 0 and mono() < pe:
                p.poll(0.05)
        p.poll(0)
        self.t_end = mono()
        self.phase = 'done'

    def summary(self, aborted=None):
        a = self.a
        clock = self.clock
        n = self.sent
        t_end = self.t_end or mono()
        unreported = self.status[:n].count(ord('U'))
        lat = sorted(self.ack_t[s] - self.send_t[s] for s in range(n)
                     if self.status[s] == ord('A'))
        acks = sorted(self.acks)
        # a gap is time without any ack while messages were outstanding:
        # between acks, and from the last ack to the end if something sent
        # after it never got acknowledged (the start-up is first_ack_ms)
        if acks:
            pending_after = any(self.status[s] != ord('A')
                                and self.send_t[s] >= acks[-1]
                                for s in range(n)) or (
                unreported + self.purged > 0)
            max_gap, gaps = gaps_of(acks, clock, a.gap_ms / 1000.0,
                                    t_to=t_end if pending_after else None)
        elif n:
            max_gap, gaps = gaps_of([t_end], clock, a.gap_ms / 1000.0,
                                    t_from=self.send_t[0])
            for g in gaps:
                g['open'] = True
        else:
            max_gap, gaps = 0.0, []
        # gaps between the send times of consecutive acknowledged seqs:
        # holes left by failed messages or by a stalled producer
        sends = [self.send_t[s] for s in range(n)
                 if self.status[s] == ord('A')]
        max_send_gap, _ = gaps_of(sends, clock, 1e9)
        first_ack = (acks[0] - self.send_t[0]) if acks and n else None

        secs = int((t_end - self.t_start) + 1) if self.t_start else 0
        tl_sent = [0] * secs
        tl_acked = [0] * secs
        for s in range(n):
            k = int(self.send_t[s] - self.t_start)
            if 0 <= k < secs:
                tl_sent[k] += 1
        for t in acks:
            k = int(t - self.t_start)
            if 0 <= k < secs:
                tl_acked[k] += 1

        failed_seqs = sorted(s for s, e in self.err.items()
                             if self.status[s] == ord('F'))
        out = {
            'client': CLIENT, 'cmd': 'produce', 'run_id': self.run_id,
            'bootstrap': a.bootstrap, 'topic': a.topic, 'acks': a.acks,
            'rate': a.rate, 'duration': a.duration, 'size': a.size,
            'broker_version': a.broker_version,
            'start_ts': clock.wall(self.t_start or clock.m0),
            'send_end_ts': clock.wall(self.t_send_end or t_end),
            'end_ts': clock.wall(t_end),
            'elapsed_s': round(t_end - clock.m0, 3),
            'sent': n, 'acked': self.acked, 'failed': self.failed,
            'unreported': unreported + self.purged, 'purged': self.purged,
            'stray_reports': self.stray, 'errors': self.errors,
            'failed_seqs': failed_seqs[:50],
            'produce_errors': self.produce_errors,
            'queue_full_stalls': self.stalls,
            'client_errors': self.events.count,
            'client_error_events': self.events.list,
            'gap_threshold_ms': a.gap_ms,
            'max_gap_ms': ms(max_gap),
            'gaps': gaps,
            'max_acked_send_gap_ms': ms(max_send_gap),
            'first_ack_ms': ms(first_ack),
            'ack_latency_ms': {'p50': ms(pct(lat, 50)),
                               'p90': ms(pct(lat, 90)),
                               'p99': ms(pct(lat, 99)),
                               'max': ms(pct(lat, 100))},
            'timeline': {'sent': tl_sent, 'acked': tl_acked},
            'records': (a.out + '.records') if a.out else None,
        }
        if aborted:
            out['aborted'] = aborted
            out['phase'] = self.phase
        if STOP['n']:
            out['signalled'] = True
        out['ok'] = (n > 0 and self.acked == n and not aborted)
        return out

    def write_records(self):
        if not self.a.out:
            return
        c = self.clock
        with open(self.a.out + '.records', 'w') as f:
            f.write('seq\tstatus\tpartition\toffset\tsend_ts\tack_ms\terror\n')
            for s in range(self.sent):
                st = chr(self.status[s])
                lat = (ms(self.ack_t[s] - self.send_t[s])
                       if st == 'A' else '')
                f.write('%d\t%s\t%d\t%d\t%.3f\t%s\t%s\n'
                        % (s, st, self.part[s], self.offs[s],
                           c.wall(self.send_t[s]), lat, self.err.get(s, '')))


def cmd_produce(a):
    r = ProduceRun(a)

    def finish(aborted=None):
        out = r.summary(aborted)
        full = dict(out)
        full['status'] = r.status[:r.sent].decode()
        try:
            r.write_records()
        except OSError:
            pass
        emit(out, a.out, full)
        return out

    wd = Watchdog(a.duration + a.flush_timeout + 30, finish)
    try:
        r.run()
    except KafkaException as e:
        r.events.add('exception', str(e))
    if not wd.claim():
        time.sleep(60)
    return finish()


# --------------------------------------------------------------------------
# consume

class ConsumeRun:

    def __init__(self, a):
        self.a = a
        self.clock = Clock()
        self.events = Events(self.clock)
        self.rebalances = []
        self.recs = []              # (t, partition, offset, run, seq, sendms)
        self.foreign = 0
        self.errors = {}
        self.phase = 'init'
        self.t_end = None
        self.run_filter = a.run_id

    def on_assign(self, c, parts):
        t = mono()
        self.rebalances.append({'t': self.clock.rel(t),
                                'ts': self.clock.wall(t), 'event': 'assign',
                                'partitions': [p.partition for p in parts]})

    def on_revoke(self, c, parts):
        t = mono()
        self.rebalances.append({'t': self.clock.rel(t),
                                'ts': self.clock.wall(t), 'event': 'revoke',
                                'partitions': [p.partition for p in parts]})

    def run(self):
        a = self.a
        conf = common_conf(a)
        conf.update({
            'group.id': a.group,
            'auto.offset.reset': a.offset_reset,
            'enable.auto.commit': not a.no_commit,
            'auto.commit.interval.ms': 1000,
            'enable.partition.eof': False,
            'session.timeout.ms': 10000,
            'heartbeat.interval.ms': 1000,
            'error_cb': self.events.error_cb})
        apply_set(conf, a)
        c = Consumer(conf)
        self.consumer = c
        c.subscribe([a.topic], on_assign=self.on_assign,
                    on_revoke=self.on_revoke)
        self.phase = 'consume'
        end = mono() + a.duration
        seen = set()
        while not STOP['n'] and mono() < end:
            # poll() returns as soon as one message is there (consume()
            # would wait for a full batch or the timeout, blurring the
            # arrival times); what else is ready comes without waiting
            m = c.poll(0.1)
            if m is None:
                continue
            for m in [m] + c.consume(num_messages=500, timeout=0):
                t = mono()
                e = m.error()
                if e:
                    k = e.name()
                    self.errors[k] = self.errors.get(k, 0) + 1
                    self.events.add(k, e.str())
                    continue
                pv = parse_value(m.value())
                if pv is None or (self.run_filter
                                  and pv[0] != self.run_filter):
                    self.foreign += 1
                    continue
                self.recs.append((t, m.partition(), m.offset(), pv[1], pv[2]))
                seen.add(pv[1])
            if a.count and len(seen) >= a.count:
                break
        self.t_end = mono()
        self.phase = 'done'

    def summary(self, aborted=None):
        a = self.a
        clock = self.clock
        recs = list(self.recs)
        counts = {}
        parts = {}
        lat = []
        for t, p, o, seq, sendms in recs:
            counts[seq] = counts.get(seq, 0) + 1
            lat.append((clock.w0 + (t - clock.m0)) - sendms / 1000.0)
            st = parts.get(p)
            if st is None:
                parts[p] = st = {'count': 0, 'first_offset': o,
                                 'last_offset': o, 'rewinds': 0, 'skips': 0}
            else:
                if o <= st['last_offset']:
                    st['rewinds'] += 1
                elif o > st['last_offset'] + 1:
                    st['skips'] += 1
                st['last_offset'] = o
            st['count'] += 1
        lat.sort()
        times = [r[0] for r in recs]
        max_gap, gaps = gaps_of(times, clock, a.gap_ms / 1000.0)
        t_end = self.t_end or mono()
        out = {
            'client': CLIENT, 'cmd': 'consume', 'bootstrap': a.bootstrap,
            'topic': a.topic, 'group': a.group, 'run_id': self.run_filter,
            'start_ts': clock.wall(clock.m0), 'end_ts': clock.wall(t_end),
            'elapsed_s': round(t_end - clock.m0, 3),
            'received': len(recs), 'unique': len(counts),
            'duplicates': sum(v - 1 for v in counts.values()),
            'foreign': self.foreign,
            'partitions': {str(k): v for k, v in sorted(parts.items())},
            'offset_rewinds': sum(v['rewinds'] for v in parts.values()),
            'first_message_ms': ms(times[0] - clock.m0) if times else None,
            'gap_threshold_ms': a.gap_ms, 'max_gap_ms': ms(max_gap),
            'gaps': gaps,
            'e2e_latency_ms': {'p50': ms(pct(lat, 50)),
                               'p99': ms(pct(lat, 99)),
                               'max': ms(pct(lat, 100))},
            'rebalances': self.rebalances[:EVENTS_MAX],
            'errors': self.errors, 'client_errors': self.events.count,
            'client_error_events': self.events.list,
            'records': (a.out + '.records') if a.out else None,
        }
        prod = None
        if a.produced:
            # read at the end: the producer usually runs alongside, and
            # may still be writing its summary
            wait_end = mono() + 10
            while not os.path.exists(a.produced) and mono() < wait_end \
                    and STOP['n'] < 2:
                time.sleep(0.2)
            try:
                with open(a.produced) as f:
                    prod = json.load(f)
            except (OSError, ValueError) as e:
                out['produced_error'] = str(e)
        if prod is not None and prod.get('run_id') != self.run_filter:
            out['produced_error'] = 'run id %s, not %s' % (
                prod.get('run_id'), self.run_filter)
        elif prod is not None:
            st = prod.get('status', '')
            acked = [s for s, c in enumerate(st) if c == 'A']
            miss = [s for s in acked if s not in counts]
            out['acked'] = len(acked)
            out['acked_not_received'] = len(miss)
            out['first_not_received'] = miss[:20]
        if aborted:
            out['aborted'] = aborted
            out['phase'] = self.phase
        if STOP['n']:
            out['signalled'] = True
        out['ok'] = bool(recs) and not aborted and (
            not a.count or len(counts) >= a.count)
        return out

    def write_records(self):
        if not self.a.out:
            return
        c = self.clock
        with open(self.a.out + '.records', 'w') as f:
            f.write('recv_ts\tpartition\toffset\tseq\tsend_ts\n')
            for t, p, o, seq, sendms in list(self.recs):
                f.write('%.3f\t%d\t%d\t%d\t%.3f\n'
                        % (c.wall(t), p, o, seq, sendms / 1000.0))


def close_bounded(obj, timeout):
    """close() of a consumer whose coordinator is gone can block; give it
    timeout seconds in a thread."""
    t = threading.Thread(target=obj.close, daemon=True)
    t.start()
    t.join(timeout)
    return not t.is_alive()


def cmd_consume(a):
    r = ConsumeRun(a)

    def finish(aborted=None):
        out = r.summary(aborted)
        try:
            r.write_records()
        except OSError:
            pass
        emit(out, a.out)
        return out

    wd = Watchdog(a.duration + 30, finish)
    try:
        r.run()
    except KafkaException as e:
        r.events.add('exception', str(e))
    if not wd.claim():
        time.sleep(60)
    out = finish()
    c = getattr(r, 'consumer', None)
    if c is not None and not close_bounded(c, 5):
        sys.stderr.write('switch_load: consumer close timed out\n')
    return out


# --------------------------------------------------------------------------
# account

def read_cluster(a, bootstrap, run_id, deadline):
    """Every message of the topic up to the high watermarks.
    Returns (per-seq counts of run_id, info)."""
    t0 = mono()
    info = {'bootstrap': bootstrap, 'messages': 0, 'ours': 0, 'foreign': 0,
            'other_runs': 0, 'partitions': {}, 'complete': False,
            'error': None}
    counts = {}
    conf = {'bootstrap.servers': bootstrap,
            'client.id': 'kg-switch-account',
            'group.id': 'kg-switch-account',
            'enable.auto.commit': False,
            'enable.partition.eof': True,
            'auto.offset.reset': 'earliest',
            'socket.timeout.ms': int(a.socket_timeout * 1000),
            'reconnect.backoff.max.ms': 1000,
            'fetch.wait.max.ms': 100,
            'log_level': 0}
    if a.broker_version == 'auto':
        conf['api.version.request'] = True
    else:
        conf['api.version.request'] = False
        conf['broker.version.fallback'] = a.broker_version
    apply_set(conf, a)
    c = Consumer(conf)
    try:
        # partitions and their leaders; a just-created topic may still lack
        # leaders for a moment
        parts = None
        last = None
        while mono() < deadline and not STOP['n']:
            try:
                md = c.list_topics(a.topic, timeout=min(5, max(
                    0.5, deadline - mono())))
            except KafkaException as e:
                last = str(e)
                time.sleep(0.5)
                continue
            t = md.topics.get(a.topic)
            if t is None or (t.error is not None and t.error.code()
                             == KafkaError.UNKNOWN_TOPIC_OR_PART):
                parts = []
                break
            if t.error is None and t.partitions and all(
                    pm.leader >= 0 for pm in t.partitions.values()):
                parts = sorted(t.partitions)
                break
            last = 'topic %s: %s' % (a.topic, t.error or 'no leader')
            time.sleep(0.5)
        if parts is None:
            info['error'] = last or 'timed out reading metadata'
            return counts, info

        marks = {}
        for p in parts:
            while True:
                try:
                    marks[p] = c.get_watermark_offsets(
                        TopicPartition(a.topic, p),
                        timeout=min(5, max(0.5, deadline - mono())),
                        cached=False)
                    break
                except KafkaException as e:
                    if mono() >= deadline or STOP['n']:
                        info['error'] = 'watermarks of %d: %s' % (p, e)
                        return counts, info
                    time.sleep(0.5)
        for p in parts:
            info['partitions'][str(p)] = {'low': marks[p][0],
                                          'high': marks[p][1], 'read': 0}
        want = {p: marks[p][1] for p in parts if marks[p][1] > marks[p][0]}
        pos = {p: marks[p][0] for p in want}
        if want:
            c.assign([TopicPartition(a.topic, p, marks[p][0]) for p in want])
        left = {p for p in want}
        while left and mono() < deadline and not STOP['n']:
            for m in c.consume(num_messages=1000, timeout=0.2):
                e = m.error()
                if e:
                    if e.code() == KafkaError._PARTITION_EOF:
                        if m.offset() >= want.get(m.partition(), 0):
                            left.discard(m.partition())
                    else:
                        info.setdefault('errors', {})
                        info['errors'][e.name()] = \
                            info['errors'].get(e.name(), 0) + 1
                    continue
                p, o = m.partition(), m.offset()
                if p not in want or o >= want[p]:
                    continue
                pos[p] = o + 1
                if pos[p] >= want[p]:
                    left.discard(p)
                info['messages'] += 1
                info['partitions'][str(p)]['read'] += 1
                pv = parse_value(m.value())
                if pv is None:
                    info['foreign'] += 1
                elif pv[0] != run_id:
                    info['other_runs'] += 1
                else:
                    info['ours'] += 1
                    counts[pv[1]] = counts.get(pv[1], 0) + 1
        if left:
            info['error'] = ('partitions %s not read to their end'
                             % sorted(left))
        else:
            info['complete'] = True
        return counts, info
    finally:
        info['elapsed_s'] = round(mono() - t0, 3)
        close_bounded(c, 5)


def cmd_account(a):
    t0 = mono()
    with open(a.produced) as f:
        prod = json.load(f)
    status = prod.get('status')
    if status is None:
        raise SystemExit('switch_load: %s has no "status"' % a.produced)
    run_id = prod['run_id']
    if not a.topic:
        a.topic = prod['topic']
    acked = [s for s, ch in enumerate(status) if ch == 'A']
    deadline = mono() + a.timeout
    wd = Watchdog(a.timeout + 30, lambda aborted=None: emit(
        {'client': CLIENT, 'cmd': 'account', 'ok': False,
         'aborted': aborted}, a.out))

    clusters = {}
    total = {}
    for name, b in (('a', a.cluster_a), ('b', a.cluster_b)):
        if not b:
            continue
        counts, info = read_cluster(a, b, run_id, deadline)
        info['unique'] = len(counts)
        clusters[name] = (counts, info)
        for s, n in counts.items():
            total[s] = total.get(s, 0) + n

    lost = [s for s in acked if s not in total]
    sent = len(status)
    in_both = 0
    if len(clusters) == 2:
        ca, cb = clusters['a'][0], clusters['b'][0]
        in_both = sum(1 for s in ca if s in cb)
    not_acked_present = sum(1 for s, ch in enumerate(status)
                            if ch != 'A' and s in total)
    unknown = sum(1 for s in total if s >= sent)
    dups = sum(n - 1 for n in total.values() if n > 1)
    out = {
        'client': CLIENT, 'cmd': 'account', 'run_id': run_id,
        'topic': a.topic, 'sent': sent, 'acked': len(acked),
        'failed': status.count('F'),
        'unreported': status.count('U') + status.count('P'),
        'present': len(total), 'lost': len(lost), 'first_lost': lost[:20],
        'duplicates': dups,
        'duplicated_seqs': sum(1 for n in total.values() if n > 1),
        'in_both_clusters': in_both,
        'not_acked_but_present': not_acked_present,
        'unknown_seqs': unknown,
        'clusters': {k: v[1] for k, v in clusters.items()},
        'elapsed_s': round(mono() - t0, 3),
    }
    complete = all(v[1]['complete'] for v in clusters.values())
    out['complete'] = complete
    out['ok'] = (len(acked) > 0 and not lost and unknown == 0
                 and (a.max_duplicates < 0 or dups <= a.max_duplicates)
                 and (complete or a.allow_incomplete))
    if not wd.claim():
        time.sleep(60)
    emit(out, a.out)
    return out


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)

    def add(name, fn, help_):
        p = sub.add_parser(name, help=help_)
        p.add_argument('--broker-version', default='0.9.0.1',
                       help='broker.version.fallback, or "auto" for '
                       'api.version.request=true')
        p.add_argument('--socket-timeout', type=float, default=10,
                       help='socket.timeout.ms in seconds')
        p.add_argument('--debug', help='librdkafka debug contexts')
        p.add_argument('--set', action='append', metavar='PROP=VALUE',
                       help='extra librdkafka property (repeatable)')
        p.add_argument('--out', help='JSON summary file')
        p.add_argument('--gap-ms', type=float, default=100,
                       help='report gaps longer than this')
        p.set_defaults(fn=fn)
        return p

    p = add('produce', cmd_produce, 'continuous producer')
    p.add_argument('--bootstrap', required=True)
    p.add_argument('--topic', required=True)
    p.add_argument('--rate', type=float, default=500, help='messages/s')
    p.add_argument('--duration', type=float, default=20, help='seconds')
    p.add_argument('--acks', default='all', choices=['0', '1', '-1', 'all'])
    p.add_argument('--size', type=int, default=100)
    p.add_argument('--linger-ms', type=int, default=5)
    p.add_argument('--message-timeout', type=float, default=60,
                   help='message.timeout.ms in seconds')
    p.add_argument('--flush-timeout', type=float, default=0,
                   help='wait for reports after the run (default: '
                   'message timeout + 5 s)')
    p.add_argument('--term-flush', type=float, default=5,
                   help='wait for reports after SIGTERM')
    p.add_argument('--run-id', help='tag of this run in every payload')

    p = add('consume', cmd_consume, 'consumer-group member')
    p.add_argument('--bootstrap', required=True)
    p.add_argument('--topic', required=True)
    p.add_argument('--group', required=True)
    p.add_argument('--duration', type=float, default=20)
    p.add_argument('--count', type=int, default=0,
                   help='stop once this many distinct seqs arrived')
    p.add_argument('--offset-reset', default='earliest',
                   choices=['earliest', 'latest'])
    p.add_argument('--no-commit', action='store_true')
    p.add_argument('--run-id', help='only count messages of this run')
    p.add_argument('--produced', help='produce summary (same --run-id) to '
                   'check against at the end')

    p = add('account', cmd_account, 'read back both clusters, verdict')
    p.add_argument('--produced', required=True)
    p.add_argument('--cluster-a', required=True)
    p.add_argument('--cluster-b')
    p.add_argument('--topic', help='default: the produce run\'s topic')
    p.add_argument('--timeout', type=float, default=60,
                   help='for reading back everything')
    p.add_argument('--max-duplicates', type=int, default=-1,
                   help='fail above this many duplicates (-1: any)')
    p.add_argument('--allow-incomplete', action='store_true',
                   help='a cluster that cannot be read does not fail')

    a = ap.parse_args()
    if a.cmd == 'produce':
        if a.rate <= 0 or a.duration <= 0:
            ap.error('--rate and --duration must be positive')
        if not a.flush_timeout:
            a.flush_timeout = a.message_timeout + 5
        if a.size < 40:
            a.size = 40

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    try:
        out = a.fn(a)
    except (KafkaException, OSError, ValueError, KeyError) as e:
        out = {'client': CLIENT, 'cmd': a.cmd, 'ok': False,
               'exception': '%s: %s' % (type(e).__name__, e)}
        emit(out, a.out)
    sys.stdout.flush()
    sys.stderr.flush()
    # librdkafka handles are not destroyed: with brokers down that can
    # take long, and everything is written already
    os._exit(0 if out.get('ok') else 1)


if __name__ == '__main__':
    main()
