#!/usr/bin/perl

# Copyright (C) kgate authors

# The admin API off the loopback: "kgate -t" refuses it without "auth";
# with basic auth on 0.0.0.0, reached through the host's non-loopback
# address (127.0.0.1 if the host has none), every request but /health
# needs valid credentials, and in particular a route cannot be switched,
# paused or kgate reloaded without them, whatever the path looks like.

use warnings;
use strict;

use Test::More;

use IO::Socket::INET;
use MIME::Base64 qw/ encode_base64 /;
use Digest::SHA qw/ sha256 /;
use Time::HiRes qw/ sleep time /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;

###############################################################################

my $t = Test::Kgate->new()->has('kg_kafka_proxy_module')
    ->has('kg_admin_module')->plan(26);

# the first IPv4 address outside 127.0.0.0/8, if the host has one

my $host = non_loopback();
my $via = $host // '127.0.0.1';

note("admin API on 0.0.0.0, reached through $via");

# two clusters nobody listens on: the API switches the route all the same

my $dead = $t->port(20);

my $conf = <<"EOF";

%%TEST_GLOBALS%%

worker_processes  1;

events {
}

cluster a {
    bootstrap  127.0.0.1:$dead;
}

cluster b {
    bootstrap  127.0.0.1:$dead;
}

route sw {
    listen        127.0.0.1:%%PORT_1%%;
    broker_ports  %%PORT_2%%-%%PORT_2%%;
    cluster       a;
}

admin {
    listen      %%LISTEN%%:%%PORT_9%%;
    %%AUTH%%
    state_file  %%TESTDIR%%/route.state;
}

EOF

$t->write_file('admin.htpasswd', "admin:{SHA256}"
    . encode_base64(sha256('s3cret'), '') . "\n");

# -t: off the loopback, no auth, no start

check_open('0.0.0.0');

SKIP: {
    skip('no non-loopback address', 1) unless defined $host;
    check_open($host);
}

$conf =~ s/%%LISTEN%%/0.0.0.0/;
$conf =~ s{%%AUTH%%}{auth        basic %%TESTDIR%%/admin.htpasswd;};
$t->write_file_expand('kgate.conf', $conf);

my ($status, $out) = $t->run_cmd('-t', '-c', $t->path('kgate.conf'));
is($status, 0, '-t accepts 0.0.0.0 with auth') or diag($out);

$t->run();

###############################################################################

my $good = 'Basic ' . encode_base64('admin:s3cret', '');

my $r = http('GET', '/routes');
is($r->{status}, 401, 'GET /routes without credentials: 401');
like($r->{head}, qr/^WWW-Authenticate: Basic realm="kgate admin"/mi,
    'challenge');
unlike($r->{body}, qr/"route"/, 'nothing about the routes in the 401');

is(http('GET', '/health')->{status}, 200, '/health needs no credentials');

# what must not work without valid credentials

is(http('POST', '/routes/sw/switch?to=b')->{status}, 401,
    'switch without credentials: 401');
is(http('POST', '/routes/sw/switch?to=b', 'Basic '
    . encode_base64('admin:wrong', ''))->{status}, 401,
    'switch with a wrong password: 401');
is(http('POST', '/routes/sw/switch?to=b', 'Basic '
    . encode_base64('admin', ''))->{status}, 401,
    'switch with no password at all: 401');
is(http('POST', '/routes/sw/switch?to=b', 'Basic '
    . encode_base64('nobody:s3cret', ''))->{status}, 401,
    'switch as an unknown user: 401');
is(http('POST', '/routes/sw/switch?to=b', 'Bearer s3cret')->{status}, 401,
    'switch with another scheme: 401');
is(http('POST', '/routes/sw/switch?to=b', 'Basic !!!')->{status}, 401,
    'switch with broken base64: 401');
is(http('POST', '/routes/sw/pause')->{status}, 401,
    'pause without credentials: 401');
is(http('POST', '/reload')->{status}, 401, 'reload without credentials: 401');

# /health is the exception: it must not open a path to anything else

isnt(http('POST', '/health/../routes/sw/switch?to=b')->{status}, 200,
    '/health/.. is no way around the credentials');
isnt(http('POST', '/health?/../routes/sw/switch?to=b')->{status}, 200,
    '/health? is no way around the credentials');
isnt(http('POST', '//routes/sw/switch?to=b')->{status}, 200,
    '// is no way around the credentials');

$r = http('GET', '/routes', $good);
is($r->{status}, 200, 'GET /routes with credentials');
like($r->{body}, qr/"route":"sw","cluster":"a","configured":"a",
    "overridden":false,"paused":false/x, 'route neither switched nor paused');
ok(!-e $t->path('route.state'), 'no state file written');

# with them

$r = http('POST', '/routes/sw/switch?to=b', $good);
is($r->{status}, 200, 'switch with credentials');
like(http('GET', '/routes', $good)->{body}, qr/"route":"sw","cluster":"b"/,
    'route switched');
is(http('POST', '/routes/sw/pause', $good)->{status}, 200,
    'pause with credentials');

my $log = $t->read_file('error.log');
like($log, qr/admin request not authorized: no credentials/,
    'refusals logged');
unlike($log, qr/s3cret|wrong|YWRtaW46/, 'credentials not logged');

###############################################################################

sub check_open {
    my ($listen) = @_;

    my $c = $conf;
    $c =~ s/%%LISTEN%%/$listen/;
    $c =~ s/%%AUTH%%//;
    $t->write_file_expand('open.conf', $c);

    my ($status, $out) = $t->run_cmd('-t', '-c', $t->path('open.conf'));
    ok($status != 0 && $out =~ /not a loopback address, without "auth"/,
        "-t refuses $listen without auth") or diag($out);
}

sub non_loopback {
    my $out = `ip -4 -o addr show 2>/dev/null`;
    $out = `hostname -I 2>/dev/null` unless length $out;

    for my $a ($out =~ /\b(\d+\.\d+\.\d+\.\d+)\b/g) {
        next if $a =~ /^(?:127|0)\./ || $a =~ /\.255$/;

        # only an address this host can bind and reach

        my $s = IO::Socket::INET->new(LocalAddr => $a, LocalPort => 0,
            Listen => 1, Proto => 'tcp') or next;
        my $c = IO::Socket::INET->new(PeerAddr => $a, PeerPort =>
            $s->sockport(), Proto => 'tcp', Timeout => 2);
        next unless $c;

        return $a;
    }

    return undef;
}

sub http {
    my ($method, $uri, $auth) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => $via, PeerPort => $t->port(9),
        Proto => 'tcp', Timeout => 5) or return { status => 0, body => '' };

    print $s "$method $uri HTTP/1.1\r\nHost: kgate\r\n"
        . ($auth ? "Authorization: $auth\r\n" : '')
        . "Content-Length: 0\r\nConnection: close\r\n\r\n";

    local $/;
    my $resp = <$s> // '';

    my ($status) = $resp =~ m{^HTTP/1\.[01] (\d+)};
    my ($head, $body) = $resp =~ /\A(.*?)\r\n\r\n(.*)\z/s;

    return { status => $status // 0, head => $head // '',
             body => $body // '' };
}

###############################################################################
