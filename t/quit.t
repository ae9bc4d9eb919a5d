#!/usr/bin/perl

# Copyright (C) kgate authors

# Tests for graceful shutdown: after QUIT an open stream connection keeps
# working and kgate exits once the client closes it; with
# worker_shutdown_timeout kgate exits after the timeout even though the
# client stays, and the connection gets closed.

use warnings;
use strict;

use Test::More;

use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw/ time sleep /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;

###############################################################################

my $t = Test::Kgate->new()->plan(8);

my $conf = <<'EOF';

%%TEST_GLOBALS%%

worker_processes  1;
%%SHUTDOWN%%

events {
}

stream {
    server {
        listen      127.0.0.1:%%PORT_1%%;
        proxy_pass  127.0.0.1:%%PORT_2%%;
    }
}

EOF

$t->run_daemon(\&Test::Kgate::echo_daemon, $t->port(2));
$t->waitforsocket('127.0.0.1:' . $t->port(2));

my $port = $t->port(1);

# 1. QUIT waits for the client

(my $c1 = $conf) =~ s/%%SHUTDOWN%%//;
$t->write_file_expand('kgate.conf', $c1);
$t->run();

my $s = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";
is(Test::Kgate::io($s, "before\n"), "before\n", 'connection works');

my $master = $t->master_pid();
kill 'QUIT', $master;

sleep 1;

ok(Test::Kgate::proc_alive($master), 'kgate still running after QUIT');
is(Test::Kgate::io($s, "after\n"), "after\n",
    'connection works after QUIT');

close $s;

ok($t->waitforexit(5), 'kgate exits after the client closed');

# 2. worker_shutdown_timeout bounds the wait

(my $c2 = $conf) =~ s/%%SHUTDOWN%%/worker_shutdown_timeout  1s;/;
$t->write_file_expand('kgate.conf', $c2);
$t->run();

$s = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";
is(Test::Kgate::io($s, "hello\n"), "hello\n", 'second run: connection works');

my $start = time();
kill 'QUIT', $t->master_pid();

ok($t->waitforexit(5), 'kgate exits on worker_shutdown_timeout');

my $elapsed = time() - $start;
ok($elapsed >= 0.8, "not before the timeout ($elapsed s)");

my $sel = IO::Select->new($s);
my $n = $sel->can_read(2) ? sysread($s, my $buf, 10) : undef;
ok(defined $n && $n == 0 || !defined $n && $!{ECONNRESET},
    'client connection closed by kgate');

###############################################################################
