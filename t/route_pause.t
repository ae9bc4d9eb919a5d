#!/usr/bin/perl

# Copyright (C) kgate authors

# Pause (fencing) on librdkafka's mock clusters: while a route is paused
# its requests are held, not forwarded (kgate's request counter does not
# move); resume releases them and the producer completes; past
# pause_timeout held requests get a retriable error and the client
# retries; pause -> switch -> resume never sends a held request to the
# old cluster: the sessions move to the new one, which gets the held
# requests at the resume, and the producer completes there.

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
    ->has('kg_admin_module')->plan(14);

my $k = Test::Kafka->new(dir => $t->testdir() . '/kafka');

my $ma = $k->start_mock(brokers => 3, topics => [ 'pa:3:1' ]);
my $mb = $k->start_mock(brokers => 3, topics => [ 'pa:3:1' ]);

my $b1 = free_range(3);

$t->write_file_expand('kgate.conf', <<"EOF");

%%TEST_GLOBALS%%

worker_processes  2;

events {
}

cluster a {
    bootstrap  @{[ (split /,/, $ma->bootstrap())[0] ]};
}

cluster b {
    bootstrap  @{[ (split /,/, $mb->bootstrap())[0] ]};
}

route pa {
    listen         127.0.0.1:%%PORT_1%%;
    broker_ports   $b1->[0]-$b1->[2];
    cluster        a;
    pause_timeout  3s;
}

admin {
    listen      127.0.0.1:%%PORT_9%%;
    state_file  %%TESTDIR%%/route.state;
}

EOF

$t->run();

my $boot = '127.0.0.1:' . $t->port(1);

###############################################################################

# warm up: metadata and a first produce, so connections exist

ok(client('produce', 'pa', 50), 'produce before the pause');

# pause, then produce: nothing reaches the cluster until resume

is(api('POST', '/routes/pa/pause')->{status}, 200, 'pause');
like(api('GET', '/routes')->{body}, qr/"paused":true/, 'route paused');

my $before = produces();

my $h = $k->spawn_client([ "$lib/kg_rdkafka_client", 'produce', '-b', $boot,
    '-t', 'pa', '-n', 100, '-V', 'auto', '-X', 'message.timeout.ms=60000' ]);

sleep 2;

is(produces(), $before, 'no Produce forwarded while paused');

my $t0 = time();
is(api('POST', '/routes/pa/resume')->{status}, 200, 'resume');

my $r = $k->wait_client($h, 60);
is($r->{status}, 0, 'producer completed after resume')
    or diag($r->{output} . $r->{stderr});
ok(produces() > $before, 'Produce forwarded after resume')
    or diag(api('GET', '/metrics')->{body});
ok(client('consume', 'pa', 150, 'g1', $ma->bootstrap()),
    'every message in cluster a');

# past pause_timeout: a retriable error, the client retries, then succeeds

is(api('POST', '/routes/pa/pause')->{status}, 200, 'pause again');

$h = $k->spawn_client([ "$lib/kg_rdkafka_client", 'produce', '-b', $boot,
    '-t', 'pa', '-n', 50, '-V', 'auto', '-X', 'message.timeout.ms=60000' ]);

sleep 4.5;

like($t->read_file('error.log'), qr/answered with a retriable error/,
    'held requests answered with an error after pause_timeout');

# pause -> switch -> resume: the held requests go to b, none to a

my $a_before = produces('a');

is(api('POST', '/routes/pa/switch?to=b')->{status}, 200,
    'switch while paused');

sleep 0.5;
api('POST', '/routes/pa/resume');

$r = $k->wait_client($h, 60);
is($r->{status}, 0, 'producer completed on the new cluster')
    or diag($r->{output} . $r->{stderr});
is(produces('a'), $a_before, 'nothing held was sent to the old cluster');
ok(client('consume', 'pa', 50, 'g2', $mb->bootstrap()),
    'the held messages are in cluster b');

###############################################################################

sub produces {
    my ($cluster) = @_;

    $cluster //= '[ab]';

    my $m = api('GET', '/metrics')->{body};
    my $n = 0;

    while ($m =~ /^kgate_kafka_requests_total\{route="pa",
        cluster="$cluster",api="Produce"\}\s(\d+)/mgx)
    {
        $n += $1;
    }

    return $n;
}

sub client {
    my ($cmd, $topic, $n, $group, $b) = @_;

    my @cmd = ("$lib/kg_rdkafka_client", $cmd, '-b', $b // $boot,
        '-t', $topic, '-n', $n, '-V', 'auto');
    push @cmd, '-g', $group if $group;

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
