#!/usr/bin/perl

# Copyright (C) kgate authors

# Tests for the stream proxy module: bytes are forwarded unchanged in both
# directions (1 MB of random data, checksummed), a client's FIN is passed
# on while the answer still flows back (half-close), a refused upstream
# closes the client cleanly with a log line naming client and upstream,
# proxy_connect_timeout fires on an upstream that never answers SYN, an
# upstream that never reads holds the client back without kgate's memory
# growing, proxy_timeout closes a session where nothing moves, and byte
# counters are logged when a session closes.

use warnings;
use strict;

use Test::More;

use Digest::MD5 qw/ md5_hex /;
use IO::Handle;
use IO::Select;
use IO::Socket::INET;
use Socket qw/ PF_INET SOCK_STREAM pack_sockaddr_in inet_aton /;
use Time::HiRes qw/ time sleep /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate qw/ exchange io /;

###############################################################################

my $t = Test::Kgate->new()->plan(15);

$t->write_file_expand('kgate.conf', <<'EOF');

%%TEST_GLOBALS%%

events {
}

stream {
    proxy_connect_timeout  700ms;
    proxy_buffer_size      4k;

    server {
        listen      127.0.0.1:%%PORT_1%%;
        proxy_pass  127.0.0.1:%%PORT_11%%;
    }

    server {
        listen      127.0.0.1:%%PORT_2%%;
        proxy_pass  127.0.0.1:%%PORT_12%%;
    }

    server {
        listen      127.0.0.1:%%PORT_3%%;
        proxy_pass  127.0.0.1:%%PORT_13%%;
    }

    server {
        listen      127.0.0.1:%%PORT_4%%;
        proxy_pass  127.0.0.1:%%PORT_14%%;
        proxy_connect_timeout  500ms;
    }

    server {
        listen      127.0.0.1:%%PORT_5%%;
        proxy_pass  127.0.0.1:%%PORT_15%%;
        proxy_timeout  2s;
    }
}

EOF

$t->run_daemon(\&Test::Kgate::echo_daemon, $t->port(11));
$t->run_daemon(\&Test::Kgate::reply_after_eof_daemon, $t->port(12));
$t->run_daemon(\&Test::Kgate::stall_daemon, $t->port(15));
$t->waitforsocket('127.0.0.1:' . $t->port(11));
$t->waitforsocket('127.0.0.1:' . $t->port(12));
$t->waitforsocket('127.0.0.1:' . $t->port(15));

# port 13 stays closed: connect() is refused

# port 14 accepts no connection: its accept queue is full, so further SYNs
# are dropped and connect() hangs

socket(my $blackhole, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
bind($blackhole, pack_sockaddr_in($t->port(14), inet_aton('127.0.0.1')))
    or die "bind: $!";
listen($blackhole, 0) or die "listen: $!";

my @fillers;

for (1 .. 3) {
    socket(my $fh, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
    $fh->blocking(0);
    connect($fh, pack_sockaddr_in($t->port(14), inet_aton('127.0.0.1')));
    push @fillers, $fh;
    sleep 0.1;
}

$t->run();

###############################################################################

my $s = connect_to($t->port(1));
is(io($s, 'hello'), 'hello', 'echo through proxy');
is(io($s, "\x00\x01\xff\r\n"), "\x00\x01\xff\r\n", 'binary bytes unchanged');

# far larger than both buffers: only works if back-pressure and the pump
# are right in both directions

my $payload = join '', map { chr(int(rand(256))) } 1 .. 1024 * 1024;

$s = connect_to($t->port(1));
my $back = exchange($s, $payload, length($payload), timeout => 30);
is(length($back), length($payload), '1 MB echoed, length');
is(md5_hex($back), md5_hex($payload), '1 MB echoed, checksum');
close $s;

# half-close: the upstream answers only after it saw our FIN

$s = connect_to($t->port(2));
my $data = 'x' x 100000;
my $reply = exchange($s, $data, undef, shut => 1, timeout => 10);
is($reply, length($data) . ' ' . md5_hex($data) . "\n",
    'answer after half-close');
close $s;

# upstream refused: the client sees a clean close, the log says why

$s = connect_to($t->port(3));
my $start = time();
my $got = exchange($s, 'ping', undef, timeout => 5);
is($got, '', 'refused upstream: connection closed');
ok(time() - $start < 3, 'refused upstream: closed at once');
close $s;

my ($up, $srv) = ($t->port(13), $t->port(3));

ok(wait_log($t, qr/\[error\].*connect\(\)\x20to\x20127\.0\.0\.1:$up\x20failed
    \x20\(111:\x20Connection\x20refused\)
    \x20while\x20connecting\x20to\x20upstream,
    \x20client:\x20127\.0\.0\.1,\x20server:\x20127\.0\.0\.1:$srv/x),
    'refused upstream: log line');

# connect timeout

$s = connect_to($t->port(4));
$start = time();
$got = exchange($s, 'ping', undef, timeout => 5);
my $elapsed = time() - $start;
is($got, '', 'connect timeout: connection closed');
ok($elapsed > 0.3 && $elapsed < 3, "connect timeout: after ~500ms ($elapsed)");
close $s;

ok(wait_log($t, qr/upstream timed out.*while connecting to upstream/),
    'connect timeout: log line');

# back-pressure: an upstream that never reads stops the client after the
# socket buffers fill, and kgate's memory does not grow with what is sent

my $rss = workers_rss($t);

$s = connect_to($t->port(5));
$s->blocking(0);

my $chunk = 'z' x 65536;
my $sent = 0;
my $sel = IO::Select->new($s);

while ($sent < 256 * 1024 * 1024) {
    last unless $sel->can_write(1);
    my $n = syswrite($s, $chunk);
    last unless $n;
    $sent += $n;
}

ok($sent < 64 * 1024 * 1024, "slow upstream: client held back ($sent bytes)");

my $growth = workers_rss($t) - $rss;
ok($growth < 4 * 1024, "slow upstream: worker memory bounded (+$growth kB)");

close $s;

# nothing moves any more: proxy_timeout ends the session

ok(wait_log($t, qr/idle timeout expired.*server: 127\.0\.0\.1:${\$t->port(5)}/),
    'idle timeout closes the stalled session');

# byte counters on close

ok(wait_log($t, qr/\[info\].*session\ closed
    .*bytes\ from\/to\ client:1048576\/1048576/x),
    'byte counters logged on close');

###############################################################################

sub connect_to {
    my ($port) = @_;

    my $s = IO::Socket::INET->new(
        Proto => 'tcp',
        PeerAddr => "127.0.0.1:$port",
    ) or die "Can't connect to kgate: $!\n";

    return $s;
}

sub workers_rss {
    my ($t) = @_;

    my $kb = 0;

    for my $pid ($t->worker_pids()) {
        open my $fh, '<', "/proc/$pid/status" or next;
        while (<$fh>) {
            $kb += $1 if /^VmRSS:\s+(\d+)/;
        }
        close $fh;
    }

    return $kb;
}

sub wait_log {
    my ($t, $re) = @_;

    for (1 .. 50) {
        return 1 if $t->read_file('error.log') =~ $re;
        sleep 0.1;
    }

    return 0;
}

###############################################################################
