#!/usr/bin/perl

# Copyright (C) kgate authors

# Switchover under load, on two librdkafka mock clusters behind one route:
# a continuous acks=all producer (switch_load.py) runs while the route is
# switched by the admin API, then back by a reload; every acknowledged
# message is in one of the clusters, duplicates are counted, and the
# longest client-visible pause is printed.  Across the reload, a
# connection of a route whose cluster did not change stays open, while
# the switched route's connections are drained by the old worker.

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
    ->has('kg_admin_module')->plan(12);

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

like($log, qr/closing drained connection: route "sw" was switched/,
    'switched connections drained');
unlike($log, qr/closing drained connection: route "keep"/,
    'route "keep" not drained');

$r = api('GET', '/routes');
like($r->{body}, qr/"route":"sw","cluster":"b","configured":"b",
    "overridden":false,.*"switches":3/x, 'three switches counted');

like(api('GET', '/metrics')->{body},
    qr/kgate_route_switches_total\{route="sw"\} 3/, 'switch metric');

close $keep;

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
    my ($n) = @_;

    for my $try (1 .. 200) {
        my $first = 20000 + int(rand(20000));
        my @s;

        for my $p ($first .. $first + $n - 1) {
            my $s = IO::Socket::INET->new(Proto => 'tcp',
                LocalAddr => '127.0.0.1', LocalPort => $p, Listen => 1,
                ReuseAddr => 1) or last;
            push @s, $s;
        }

        next unless @s == $n;
        close $_ for @s;

        return [ $first .. $first + $n - 1 ];
    }

    die "no free port range\n";
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
