#!/usr/bin/perl

# Copyright (C) kgate authors

# Tests for the admin API: /health, /ready, /metrics (parsed as
# Prometheus text, with counts summed over two workers), the JSON errors
# 400, 404, 405, 411 and 431, keep-alive, "kgate -t" refusing an admin
# API off the loopback without auth, basic and bearer auth, and
# POST /reload starting new workers.

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

my $t = Test::Kgate->new()->has(qw/admin/)->plan(44);

$t->write_file_expand('kgate.conf', <<'EOF');

%%TEST_GLOBALS%%

worker_processes  2;

events {
    worker_connections  64;
}

admin {
    listen  127.0.0.1:%%PORT_1%%;
    timeout 5s;
}

EOF

$t->run();

my $port = $t->port(1);

# health and readiness

my $r = http($port, "GET /health HTTP/1.1\r\nHost: a\r\n\r\n");
is(status($r), 200, 'health');
is(body($r), qq({"status":"ok"}\n), 'health body');
like($r, qr{^Content-Type: application/json\r$}m, 'json content type');

$r = http($port, "GET /ready HTTP/1.1\r\nHost: a\r\n\r\n");
is(status($r), 200, 'ready');
like(body($r), qr/"status":"ready"/, 'ready body');

# errors are JSON

$r = http($port, "GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n");
is(status($r), 404, 'unknown path');
like(body($r), qr/^\{"error":"not_found","message":"[^"]+"\}$/,
    '404 body');

$r = http($port, "DELETE /health HTTP/1.1\r\nHost: a\r\n\r\n");
is(status($r), 405, 'wrong method');
like($r, qr/^Allow: GET\r$/m, '405 Allow');
like(body($r), qr/^\{"error":"method_not_allowed","message":"[^"]+"\}$/,
    '405 body');

$r = http($port, "GET /health HTTTP/1.1\r\n\r\n");
is(status($r), 400, 'bad request line');
like(body($r), qr/^\{"error":"bad_request","message":"[^"]+"\}$/,
    '400 body');
like($r, qr/^Connection: close\r$/m, 'closed after an error');

$r = http($port, "POST /reload HTTP/1.1\r\nHost: a\r\n"
    . "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
is(status($r), 411, 'chunked refused');

$r = http($port, "GET /health HTTP/1.1\r\nHost: a\r\nX: "
    . ('x' x 9000) . "\r\n\r\n");
is(status($r), 431, 'header too large');

# two requests on one connection, the second sent in pieces

my $s = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";

print $s "GET /health HTTP/1.1\r\nHost: a\r\n\r\n";
$r = read_response($s);
is(status($r), 200, 'keep-alive first');
like($r, qr/^Connection: keep-alive\r$/m, 'kept alive');

for my $piece ("GET /hea", "lth HTTP/1.1\r\n", "Host: a\r\n", "\r", "\n") {
    print $s $piece;
    sleep 0.05;
}

$r = read_response($s);
is(status($r), 200, 'keep-alive second, in pieces');
close $s;

# metrics: Prometheus text, summed over the workers

for (1 .. 20) {
    $r = http($port, "GET /metrics HTTP/1.0\r\n\r\n");
}

like($r, qr{^Content-Type: text/plain; version=0\.0\.4}m,
    'metrics content type');

my $m = parse_metrics(body($r));
ok($m, 'metrics parse as Prometheus text') or diag(body($r));

is($m->{type}{kgate_workers}, 'gauge', 'workers type');
is($m->{value}{kgate_workers}, 2, 'workers value');
is($m->{type}{kgate_admin_requests_total}, 'counter', 'requests type');
ok(defined $m->{help}{kgate_connections_total}, 'connections help');

# every request above was answered by one of the two workers

my $ok = $m->{value}{'kgate_admin_requests_total{code="200"}'} || 0;
ok($ok >= 22, "200 counted over the workers ($ok)");
is($m->{value}{'kgate_admin_requests_total{code="404"}'}, 1, '404 counted');
is($m->{value}{'kgate_admin_requests_total{code="431"}'}, 1, '431 counted');

# reload through the API

my @old = $t->worker_pids();

$r = http($port, "POST /reload HTTP/1.1\r\nHost: a\r\n"
    . "Content-Length: 0\r\n\r\n");
is(status($r), 202, 'reload accepted');
is(body($r), qq({"status":"reloading"}\n), 'reload body');

my %old = map { $_ => 1 } @old;
my @new;
my $end = time() + 10;

while (time() < $end) {
    @new = grep { !$old{$_} } $t->worker_pids();
    last if @new >= 2;
    sleep 0.1;
}

is(scalar @new, 2, 'reload started new workers');

sleep 0.5;

$m = parse_metrics(body(http($port, "GET /metrics HTTP/1.0\r\n\r\n")));
is($m->{value}{kgate_config_reloads_total}, 1, 'reload counted');
ok(($m->{value}{'kgate_admin_requests_total{code="200"}'} || 0) >= $ok,
    'counters kept across the reload');

$t->stop();

# -t refuses an admin API open to the network without auth

$t->write_file_expand('open.conf', <<'EOF');

%%TEST_GLOBALS%%

events {
}

admin {
    listen  0.0.0.0:%%PORT_2%%;
}

EOF

my ($status, $out) = $t->run_cmd('-t', '-c', $t->path('open.conf'));
ok($status != 0, '-t fails without auth off the loopback');
like($out, qr/not a loopback address, without "auth"/, '-t says why');

# basic auth

$t->write_file('admin.htpasswd', "# test\nadmin:{SHA256}"
    . encode_base64(sha256('s3cret'), '') . "\n"
    . "salty:{SSHA256}" . encode_base64(sha256('pepper' . 'NaCl') . 'NaCl', '')
    . "\n");

$t->write_file_expand('basic.conf', <<'EOF');

%%TEST_GLOBALS%%

worker_processes  1;

events {
}

admin {
    listen  127.0.0.1:%%PORT_3%%;
    auth    basic %%TESTDIR%%/admin.htpasswd;
}

EOF

($status, $out) = $t->run_cmd('-t', '-c', $t->path('basic.conf'));
is($status, 0, '-t accepts auth') or diag($out);

$t->run('basic.conf');

$port = $t->port(3);

$r = http($port, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n");
is(status($r), 401, 'no credentials');
like($r, qr/^WWW-Authenticate: Basic realm="kgate admin"/m, 'challenge');

$r = http($port, "GET /metrics HTTP/1.1\r\nHost: a\r\nAuthorization: Basic "
    . encode_base64('admin:wrong', '') . "\r\n\r\n");
is(status($r), 401, 'wrong password');
like(body($r), qr/^\{"error":"unauthorized","message":"[^"]+"\}$/,
    '401 body');

$r = http($port, "GET /metrics HTTP/1.1\r\nHost: a\r\nAuthorization: Basic "
    . encode_base64('admin:s3cret', '') . "\r\n\r\n");
is(status($r), 200, 'basic auth');

$r = http($port, "GET /ready HTTP/1.1\r\nHost: a\r\nAuthorization: Basic "
    . encode_base64('salty:pepper', '') . "\r\n\r\n");
is(status($r), 200, 'salted basic auth');

$r = http($port, "GET /health HTTP/1.1\r\nHost: a\r\n\r\n");
is(status($r), 200, 'health needs no credentials');

unlike($t->read_file('error.log'), qr/wrong|s3cret|YWRtaW46/,
    'credentials not logged');

$t->stop();

# bearer auth

$t->write_file('admin.token', "0123456789abcdef0123\n");

$t->write_file_expand('bearer.conf', <<'EOF');

%%TEST_GLOBALS%%

worker_processes  1;

events {
}

admin {
    listen  127.0.0.1:%%PORT_4%%;
    auth    bearer %%TESTDIR%%/admin.token;
}

EOF

$t->run('bearer.conf');

$port = $t->port(4);

$r = http($port, "GET /ready HTTP/1.1\r\nHost: a\r\n"
    . "Authorization: Bearer 0123456789abcdef0123\r\n\r\n");
is(status($r), 200, 'bearer auth');

###############################################################################

sub http {
    my ($port, $request) = @_;

    my $s = IO::Socket::INET->new("127.0.0.1:$port") or return '';
    print $s $request;

    return read_response($s);
}

# one response: headers, then Content-Length bytes

sub read_response {
    my ($s) = @_;

    my $buf = '';
    my $end = time() + 5;

    while (time() < $end) {
        if ($buf =~ /\r\n\r\n/) {
            my ($len) = $buf =~ /^Content-Length: (\d+)\r$/mi;
            my $hlen = index($buf, "\r\n\r\n") + 4;
            last if defined $len && length($buf) >= $hlen + $len;
        }

        my $n = sysread($s, $buf, 65536, length $buf);
        last unless $n;
    }

    return $buf;
}

sub status {
    my ($r) = @_;
    return $r =~ m{^HTTP/1\.1 (\d{3}) } ? $1 : 0;
}

sub body {
    my ($r) = @_;
    my $i = index($r, "\r\n\r\n");
    return $i < 0 ? '' : substr($r, $i + 4);
}

# HELP and TYPE lines, then "name{labels} value" lines; undef if any line
# is not one of those

sub parse_metrics {
    my ($text) = @_;

    my %m = (help => {}, type => {}, value => {});

    for my $line (split /\n/, $text) {
        if ($line =~ /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/) {
            $m{help}{$1} = $2;

        } elsif ($line =~ /^# TYPE (\S+) (counter|gauge|histogram)$/) {
            $m{type}{$1} = $2;

        } elsif ($line =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*
                            (?:\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"
                              (?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*
                            \})?)
                           \ (-?[0-9.e+]+|\+Inf|NaN)$/x)
        {
            $m{value}{$1} = $2;

        } else {
            return undef;
        }
    }

    return \%m;
}

###############################################################################
