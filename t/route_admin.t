#!/usr/bin/perl

# Copyright (C) kgate authors

# Routes switched through the admin API, on librdkafka's mock clusters:
# GET /routes, POST /routes/NAME/switch?to=, the error answers, virtual
# node ids that stay the same across clusters with other broker counts, a
# surplus broker port that still answers Metadata, the state file written
# atomically and applied again on restart, "kgate -T" showing the
# override, GET /ready, and the admin auth.  Every cluster is probed, so
# /ready and cluster_ok follow an API switch without a reload; an override
# that a configuration change made stale leaves the state file, so it does
# not come back when the configuration names the old cluster again.

use warnings;
use strict;

use Test::More;

use IO::Socket::INET;
use MIME::Base64;
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
    ->has('kg_admin_module')->plan(37);

my $k = Test::Kafka->new(dir => $t->testdir() . '/kafka');

my $ma = $k->start_mock(brokers => 3, topics => [ 'ta:3:1' ]);
my $mb = $k->start_mock(brokers => 2, topics => [ 'ta:3:1' ]);

my ($p1, $p2) = ($t->port(11), $t->port(21));
my @r1 = map { $t->port(11 + $_) } 1 .. 3;
my @r2 = map { $t->port(21 + $_) } 1 .. 3;

# broker_ports takes a range: find three free consecutive ports

my $b1 = free_range(3);
my $b2 = free_range(3);

my $state = $t->testdir() . '/route.state';

my $conf = <<"EOF";

%%TEST_GLOBALS%%

events {
}

cluster a {
    bootstrap  @{[ (split /,/, $ma->bootstrap())[0] ]};
}

cluster b {
    bootstrap  @{[ (split /,/, $mb->bootstrap())[0] ]};
}

route r1 {
    listen        127.0.0.1:%%PORT_1%%;
    broker_ports  $b1->[0]-$b1->[2];
    cluster       a;
}

route r2 {
    listen        127.0.0.1:%%PORT_2%%;
    broker_ports  $b2->[0]-$b2->[2] node_id_base=100;
    cluster       a;
}

admin {
    listen      127.0.0.1:%%PORT_9%%;
    state_file  $state;
}

EOF

$t->write_file_expand('kgate.conf', $conf);
$t->run();

my $boot1 = '127.0.0.1:' . $t->port(1);
my $boot2 = '127.0.0.1:' . $t->port(2);

###############################################################################

my $r = api('GET', '/routes');
is($r->{status}, 200, 'GET /routes');
like($r->{body}, qr/"route":"r1","cluster":"a","configured":"a",
    "overridden":false,"paused":false/x, 'r1 on a, not overridden');

# virtual node ids: base + rank of the real id, on the port of the rank

my $m = metadata($boot1);
is($m, "0:$b1->[0],1:$b1->[1],2:$b1->[2]", 'r1: virtual ids 0..2');
is(metadata($boot2), "100:$b2->[0],101:$b2->[1],102:$b2->[2]",
    'r2: node_id_base=100');

ok(client('produce', $boot1, 'ta', 200), 'produce through r1 to a');

# the switch

$r = api('POST', '/routes/r1/switch?to=b');
is($r->{status}, 200, 'switch r1 to b');
like($r->{body}, qr/"persisted":true/, 'switch persisted');

$r = api('GET', '/routes');
like($r->{body}, qr/"route":"r1","cluster":"b","configured":"a",
    "overridden":true/x, 'r1 on b, overridden');
like($r->{body}, qr/"epoch":2,"switches":1/, 'r1 epoch 2, 1 switch');
like($r->{body}, qr/"route":"r2","cluster":"a"/, 'r2 still on a');

# b is probed although no route named it before: no reload needed

my $ready = wait_ready();
is($ready->{status}, 200, '/ready after an API switch, without a reload')
    or diag($ready->{body});
like(api('GET', '/routes')->{body},
    qr/"route":"r1","cluster":"b"[^}]*"cluster_ok":true/,
    'cluster_ok of the cluster switched to');

is(metadata($boot1), "0:$b1->[0],1:$b1->[1]",
    'r1 on b: 2 brokers, the same first ids and ports');
is(metadata('127.0.0.1:' . $b1->[2]), "0:$b1->[0],1:$b1->[1]",
    'surplus broker port still answers Metadata');

ok(client('produce', $boot1, 'ta', 200), 'produce through r1 to b');
ok(client('consume', $mb->bootstrap(), 'ta', 200, 'g1'),
    'the messages are in b');

# error answers

$r = api('POST', '/routes/nope/switch?to=a');
is($r->{status}, 404, 'unknown route: 404');
like($r->{body}, qr/"error":"unknown_route"/, 'unknown route: JSON');
is(api('POST', '/routes/r1/switch')->{status}, 400, 'no "to": 400');
$r = api('POST', '/routes/r1/switch?to=zz');
is($r->{status}, 400, 'unknown cluster: 400');
like($r->{body}, qr/unknown cluster \\"zz\\"/, 'unknown cluster: message');
is(api('POST', '/routes/r1/switch?to=b')->{status}, 409,
    'already on that cluster: 409');
is(api('GET', '/routes/r1/switch')->{status}, 405, 'GET a POST path: 405');
is(api('POST', '/routes')->{status}, 405, 'POST /routes: 405');
is(api('POST', '/routes/r1/bogus')->{status}, 404, 'unknown action: 404');

# the state file, -T, a restart

like($t->read_file('route.state'), qr/^route r1 cluster b configured a;$/m,
    'state file');
ok(!-e "$state.tmp.$$", 'no temporary file left');

my $dump = `$Test::Kgate::KGATE -p @{[ $t->testdir() ]}/ -c @{[
    $t->testdir() ]}/kgate.conf -T 2>&1`;
like($dump, qr/# route r1: cluster b \(admin override, state file /,
    'kgate -T shows the override');

$t->stop();
$t->run();

$r = api('GET', '/routes');
like($r->{body}, qr/"route":"r1","cluster":"b","configured":"a",
    "overridden":true/x, 'the override survives a restart');
like($t->read_file('logs/error.log') . $t->read_file('error.log'),
    qr/route "r1" uses cluster "b" instead of "a": admin override/,
    'the override is logged');

# readiness: both clusters answered a probe

$ready = wait_ready();
is($ready->{status}, 200, '/ready once the clusters answered');

$mb->cmd('down 1');
$mb->cmd('down 2');

# a changed configuration wins over an older override

$conf =~ s/cluster       a;\n\}\n\nroute r2/cluster       b;\n}\n\nroute r2/;
$t->write_file_expand('kgate.conf', $conf);
$t->reload();

sleep 1;

$r = api('GET', '/routes');
like($r->{body}, qr/"route":"r1","cluster":"b","configured":"b",
    "overridden":false/x, 'configured cluster changed: override dropped');
unlike($t->read_file('route.state'), qr/^route r1 /m,
    'the stale override is removed from the state file');
like($t->read_file('error.log'),
    qr/\[notice\] .*the override of route "r1" to cluster "b" is removed/,
    'the removal is logged at notice');

# the configuration back to a: the stale line does not bring b back

$conf =~ s/cluster       b;\n\}\n\nroute r2/cluster       a;\n}\n\nroute r2/;
$t->write_file_expand('kgate.conf', $conf);
$t->reload();

sleep 1;

like(api('GET', '/routes')->{body}, qr/"route":"r1","cluster":"a",
    "configured":"a","overridden":false/x,
    'configuration back to a: the route is on a');

# an API switch: the override names the configured cluster

is(api('POST', '/routes/r1/switch?to=b')->{status}, 200, 'switch again');
like($t->read_file('route.state'), qr/^route r1 cluster b configured a;$/m,
    'state file rewritten');

###############################################################################

sub wait_ready {
    my $r;

    for (1 .. 50) {
        $r = api('GET', '/ready');
        last if $r->{status} == 200;
        sleep 0.2;
    }

    return $r;
}

sub free_range {
    return Test::Kgate::port_range(@_);
}

sub api {
    my ($method, $uri, %opts) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . $t->port(9),
        Timeout => 5) or return { status => 0, body => '' };

    my $auth = $opts{auth} ? "Authorization: Basic "
        . encode_base64($opts{auth}, '') . "\r\n" : '';

    print $s "$method $uri HTTP/1.1\r\nHost: localhost\r\n$auth"
        . "Content-Length: 0\r\nConnection: close\r\n\r\n";

    local $/;
    my $resp = <$s> // '';

    my ($status) = $resp =~ m{^HTTP/1\.[01] (\d+)};
    my ($body) = $resp =~ /\r\n\r\n(.*)\z/s;

    return { status => $status // 0, body => $body // '' };
}

sub metadata {
    my ($boot) = @_;

    my $out = `kcat -b $boot -L -m 5 2>&1`;
    my %b = $out =~ /broker (\d+) at 127\.0\.0\.1:(\d+)/g;

    return join ',', map { "$_:$b{$_}" } sort { $a <=> $b } keys %b;
}

sub client {
    my ($cmd, $boot, $topic, $n, $group) = @_;

    my @cmd = ("$lib/kg_rdkafka_client", $cmd, '-b', $boot, '-t', $topic,
        '-n', $n, '-V', 'auto');
    push @cmd, '-g', $group if $group;

    my $res = $k->run_client(\@cmd, timeout => 60);

    return 1 if $res->{status} == 0;

    diag("$cmd: $res->{output} $res->{stderr}");
    return 0;
}

###############################################################################
