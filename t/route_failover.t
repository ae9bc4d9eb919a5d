#!/usr/bin/perl

# Copyright (C) kgate authors

# Health-checked failover on librdkafka's mock clusters: a route with
# "failover b after=5 interval=500ms" switches to b on its own once every
# broker of a stops answering the probes, logs it at warn, counts it,
# persists it in the state file, and a producer keeps going; /ready turns
# 503 while the active cluster fails its probes.

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

my $t = Test::Kgate->new()->has('kg_kafka_proxy_module')
    ->has('kg_admin_module')->plan(9);

my $k = Test::Kafka->new(dir => $t->testdir() . '/kafka');

my $ma = $k->start_mock(brokers => 3, topics => [ 'fo:3:1' ]);
my $mb = $k->start_mock(brokers => 3, topics => [ 'fo:3:1' ]);

my $b1 = free_range(3);

$t->write_file_expand('kgate.conf', <<"EOF2");

%%TEST_GLOBALS%%

worker_processes  2;

events {
}

cluster a {
    bootstrap        @{[ (split /,/, $ma->bootstrap())[0] ]};
    connect_timeout  1s;
}

cluster b {
    bootstrap  @{[ (split /,/, $mb->bootstrap())[0] ]};
}

route fo {
    listen        127.0.0.1:%%PORT_1%%;
    broker_ports  $b1->[0]-$b1->[2];
    cluster       a;
    failover      b after=5 interval=500ms;
}

admin {
    listen      127.0.0.1:%%PORT_9%%;
    state_file  %%TESTDIR%%/route.state;
}

EOF2

$t->run();

my $boot = '127.0.0.1:' . $t->port(1);

###############################################################################

my $ready = wait_status('/ready', 200);
is($ready, 200, 'ready while a answers');

ok(client('produce', 50), 'produce to a');

$ma->cmd("down $_") for 1 .. 3;

is(wait_status('/ready', 503), 503, '/ready 503 while a fails');

my $r;

for (1 .. 50) {
    $r = api('GET', '/routes');
    last if $r->{body} =~ /"cluster":"b"/;
    sleep 0.2;
}

like($r->{body}, qr/"route":"fo","cluster":"b".*"failovers":1/,
    'automatic failover to b');
like($t->read_file('error.log'),
    qr/\[warn\].*route "fo" switched from cluster "a" to "b" by automatic/,
    'failover logged at warn');
like($t->read_file('route.state'), qr/^route fo cluster b configured a;$/m,
    'failover persisted');
like(api('GET', '/metrics')->{body},
    qr/kgate_route_failovers_total\{route="fo"\} 1/, 'failover counted');

ok(client('produce', 50), 'produce after the failover');
is(wait_status('/ready', 200), 200, 'ready again on b');

###############################################################################

sub wait_status {
    my ($uri, $want) = @_;

    my $r;

    for (1 .. 100) {
        $r = api('GET', $uri);
        last if $r->{status} == $want;
        sleep 0.1;
    }

    return $r->{status};
}

sub client {
    my ($cmd, $n) = @_;

    my @cmd = ("$lib/kg_rdkafka_client", $cmd, '-b', $boot, '-t', 'fo',
        '-n', $n, '-V', 'auto', '-X', 'message.timeout.ms=30000');

    my $res = $k->run_client(\@cmd, timeout => 60);

    return 1 if $res->{status} == 0;

    diag("$cmd: $res->{output} $res->{stderr}");
    return 0;
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
