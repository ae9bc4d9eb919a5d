#!/usr/bin/perl

# Copyright (C) kgate authors

# Switchover under load, on two librdkafka mock clusters behind one route:
# a continuous acks=all producer (switch_load.py) runs while the route is
# switched by the admin API, then back by a reload; every acknowledged
# message is in one of the clusters, duplicates are counted, and the
# longest client-visible pause is printed.  Across the reload, a
# connection of a route whose cluster did not change stays open, while
# the switched route's connections are drained by the old worker.  Then,
# with no load: a switch by the API keeps the client connections of the
# route's workers, re-paired with the new cluster; a request sent while a
# connection drains is answered by the new cluster.

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

system("make -s -C $lib >/dev/null 2>&1") == 0
    or plan(skip_all => 'cannot build the librdkafka test clients');
system('/usr/bin/python3 -c "import confluent_kafka" 2>/dev/null') == 0
    or plan(skip_all => 'no python3-confluent-kafka');

my $t = Test::Kgate->new()->has('kg_kafka_proxy_module')
    ->has('kg_admin_module')->plan(22);

my $k = Test::Kafka->new(dir => $t->testdir() . '/kafka');

my $ma = $k->start_mock(brokers => 3, topics => [ 'sw:3:1', 'keep:1:1' ]);
my $mb = $k->start_mock(brokers => 3, topics => [ 'sw:3:1', 'keep:1:1' ]);

my $b1 = free_range(3);
my $b2 = free_range(3);

my $conf = <<"EOF";

%%TEST_GLOBALS%%

worker_processes  2;
worker_shutdown_timeout  30s;

events {
}

cluster a {
    bootstrap  @{[ (split /,/, $ma->bootstrap())[0] ]};
}

cluster b {
    bootstrap  @{[ (split /,/, $mb->bootstrap())[0] ]};
}

route sw {
    listen        127.0.0.1:%%PORT_1%%;
    broker_ports  $b1->[0]-$b1->[2];
    cluster       a;
}

route keep {
    listen        127.0.0.1:%%PORT_2%%;
    broker_ports  $b2->[0]-$b2->[2];
    cluster       a;
}

admin {
    listen      127.0.0.1:%%PORT_9%%;
    state_file  %%TESTDIR%%/route.state;
}

EOF

$t->write_file_expand('kgate.conf', $conf);
$t->run();

my $boot = '127.0.0.1:' . $t->port(1);

###############################################################################

# a connection of the route that is not switched: ApiVersions on it
# before and after the reload, through the same socket

my $keep = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $t->port(2),
    Timeout => 5);
ok(api_versions($keep, 1), 'connection of route "keep" works');

my $p = $k->produce_bg(bootstrap => $boot, topic => 'sw', rate => 200,
    duration => 16, acks => 'all', broker_version => 'auto',
    message_timeout => 60);

sleep 4;

my $s1 = time();
my $r = api('POST', '/routes/sw/switch?to=b');
is($r->{status}, 200, 'switch by the API under load');

sleep 5;

# the configuration now names b for "sw"; the API first moves it back to
# a, then the reload applies the configuration: a switch by reload

$conf =~ s/(route sw \{.*?cluster\s+)a;/$1b;/s;
$t->write_file_expand('kgate.conf', $conf);

is(api('POST', '/routes/sw/switch?to=a')->{status}, 200,
    'switch back to a by the API');

sleep 3;

my $s2 = time();
$t->reload();

sleep 4;

my $prod = $k->wait_load($p);

ok($prod->{acked} > 1000, "producer acked $prod->{acked} of $prod->{sent}");
is($prod->{failed}, 0, 'no message failed');

my $acc = $k->account(produced => $p->{out}, a => $ma->bootstrap(),
    b => $mb->bootstrap(), topic => 'sw', broker_version => 'auto');

is($acc->{lost}, 0, 'no acknowledged message lost');
ok($acc->{clusters}{a}{unique} && $acc->{clusters}{b}{unique},
    'messages in both clusters') or diag(explain($acc));

diag(sprintf("switch under load: max gap %s ms, duplicates %s, "
    . "ack latency p50 %s p99 %s ms", $prod->{max_gap_ms} // '?',
    $acc->{duplicates} // '?', $prod->{ack_latency_ms}{p50} // '?',
    $prod->{ack_latency_ms}{p99} // '?'));

ok(api_versions($keep, 2), 'route "keep" connection kept across reload');

my $log = $t->read_file('error.log');

like($log, qr/drained connection moves from cluster "a" to "b": route "sw"/,
    'switched connections re-paired with the new cluster');
unlike($log, qr/drained connection: route "keep"|route "keep" was switched/,
    'route "keep" not drained');

$r = api('GET', '/routes');
like($r->{body}, qr/"route":"sw","cluster":"b","configured":"b",
    "overridden":false,.*"switches":3/x, 'three switches counted');

like(api('GET', '/metrics')->{body},
    qr/kgate_route_switches_total\{route="sw"\} 3/, 'switch metric');

close $keep;

###############################################################################

# the same client sockets before and after a switch by the API, sw is on b

local $SIG{PIPE} = 'IGNORE';

my %id = (a => cluster_id($ma), b => cluster_id($mb));

ok($id{a} && $id{b} && $id{a} ne $id{b}, 'mock cluster ids')
    or diag(explain(\%id));

my $cs = IO::Socket::INET->new(PeerAddr => $boot, Timeout => 5);
my $cb = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$b1->[1]",
    Timeout => 5);

my $m = metadata($cs, 10);
is($m && $m->{cluster_id}, $id{b}, 'bootstrap connection on b');

$m = metadata($cb, 20);
is($m && $m->{cluster_id}, $id{b}, 'broker port connection on b');

# a request in flight on b when the switch comes, one more sent while
# the connection drains: b answers the first, a the second

$mb->cmd("rtt $_ 1500") for 1 .. 3;

send_metadata($cs, 11);
sleep 0.3;

is(api('POST', '/routes/sw/switch?to=a')->{status}, 200,
    'switch to a with a request in flight');

sleep 0.3;
send_metadata($cs, 12);

my $m11 = read_metadata($cs);
my $m12 = read_metadata($cs);

$mb->cmd("rtt $_ 0") for 1 .. 3;

is($m11 && "$m11->{corr} $m11->{cluster_id}", "11 $id{b}",
    'request in flight answered by the old cluster');
is($m12 && "$m12->{corr} $m12->{cluster_id}", "12 $id{a}",
    'request sent while draining answered by the new cluster');

# kgate's virtual ids and ports, whichever cluster answers

is($m12 && join(',', map { "$_->[0]:$_->[2]" } @{$m12->{brokers}}),
    join(',', map { "$_:$b1->[$_]" } 0 .. 2),
    'new cluster brokers under virtual ids');

$m = metadata($cs, 13);
is($m && $m->{cluster_id}, $id{a}, 'bootstrap connection kept, now on a');

$m = metadata($cb, 21);
is($m && $m->{cluster_id}, $id{a}, 'broker port connection kept, now on a');

$log = $t->read_file('error.log');

like($log, qr/connection re-paired with \S+ of cluster "a"/,
    'connections re-paired');

close $cs;
close $cb;

###############################################################################

sub api_versions {
    my ($s, $corr) = @_;

    return 0 unless $s;

    # ApiVersions v0, client id "t"
    my $req = pack('nnNn/a*', 18, 0, $corr, 't');
    print $s pack('N', length $req) . $req;

    my $len;
    return 0 unless sysread_all($s, \$len, 4);
    my $n = unpack('N', $len);
    my $body;
    return 0 unless sysread_all($s, \$body, $n);

    return unpack('N', $body) == $corr;
}

# Metadata v2, no topics: brokers and the cluster id

sub send_metadata {
    my ($s, $corr) = @_;

    return unless $s;

    my $req = pack('nnNn/a*', 3, 2, $corr, 't') . pack('N', 0);
    print $s pack('N', length $req) . $req;
}

sub read_metadata {
    my ($s) = @_;

    return undef unless $s;

    my $len;
    return undef unless sysread_all($s, \$len, 4);
    my $body;
    return undef unless sysread_all($s, \$body, unpack('N', $len));

    my ($corr, $n) = unpack('NN', $body);
    my $off = 8;
    my @brokers;

    for (1 .. $n) {
        my ($id, $host, $port, $rack) = unpack("x$off N n/a N n", $body);
        $off += 4 + 2 + length($host) + 4 + 2;
        $off += $rack if $rack != 0xffff;
        push @brokers, [ $id, $host, $port ];
    }

    my ($cl) = unpack("x$off n", $body);
    my $cluster_id = $cl == 0xffff ? '' : unpack("x$off n/a", $body);

    return { corr => $corr, cluster_id => $cluster_id,
             brokers => [ sort { $a->[0] <=> $b->[0] } @brokers ] };
}

sub metadata {
    my ($s, $corr) = @_;

    send_metadata($s, $corr);
    return read_metadata($s);
}

# asked straight from the mock cluster

sub cluster_id {
    my ($mock) = @_;

    my $s = IO::Socket::INET->new(
        PeerAddr => (split /,/, $mock->bootstrap())[0], Timeout => 5);
    my $m = metadata($s, 1);

    return $m ? $m->{cluster_id} : undef;
}

sub sysread_all {
    my ($s, $buf, $n) = @_;

    $$buf = '';

    my $end = time() + 5;

    while (length $$buf < $n && time() < $end) {
        my $got = sysread($s, my $chunk, $n - length $$buf);
        return 0 unless $got;
        $$buf .= $chunk;
    }

    return length $$buf == $n;
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
