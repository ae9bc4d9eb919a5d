#!/usr/bin/perl

# Copyright (C) kgate authors

# Tests for binary upgrade: USR2 makes the master rename its pid file to
# .oldbin and start a new master on the inherited listening sockets; a
# client connecting in a loop sees no refused connection meanwhile; after
# WINCH and QUIT to the old master the new one keeps serving.

use warnings;
use strict;

use Test::More;

use IO::Socket::INET;
use POSIX qw/ _exit /;
use Time::HiRes qw/ time sleep /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;

###############################################################################

my $t = Test::Kgate->new()->plan(9);

$t->write_file_expand('kgate.conf', <<'EOF');

%%TEST_GLOBALS%%

worker_processes  1;

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

$t->run();

my $port = $t->port(1);
my $dir = $t->testdir();
my $pidfile = "$dir/kgate.pid";

my $old = $t->master_pid();

# the loop client: connects, does one round trip, closes; counts failures

my $loop = fork();
die "fork() failed: $!" unless defined $loop;

if ($loop == 0) {
    my ($n, $fail) = (0, '');

    until (-e "$dir/stop") {
        my $s = IO::Socket::INET->new("127.0.0.1:$port");

        if (!$s) {
            $fail = "connect #$n: $!";
            last;
        }

        if (Test::Kgate::io($s, "n $n\n", undef, timeout => 5) ne "n $n\n") {
            $fail = "round trip #$n failed";
            last;
        }

        close $s;
        $n++;
    }

    $t->write_file('loop.result', $fail ? "fail $fail" : "ok $n");
    _exit(0);
}

sleep 0.3;

kill 'USR2', $old;

ok($t->waitforfile("$pidfile.oldbin"), 'pid file renamed to .oldbin');

my $new;

for (1 .. 100) {
    $new = $t->master_pid();
    last if defined $new && $new != $old;
    sleep 0.05;
}

ok(defined $new && $new != $old, 'new master wrote the pid file');
ok(Test::Kgate::proc_alive($new), 'new master running');

my @nw;

for (1 .. 100) {
    @nw = $t->worker_pids($new);
    last if @nw;
    sleep 0.05;
}

ok(scalar @nw, 'new master started workers');

sleep 0.5;

kill 'WINCH', $old;
sleep 0.5;
kill 'QUIT', $old;

my $gone = 0;

for (1 .. 100) {
    if (!Test::Kgate::proc_alive($old)) {
        $gone = 1;
        last;
    }

    sleep 0.05;
}

ok($gone, 'old master exited');

sleep 0.3;

$t->write_file('stop', '');
waitpid($loop, 0);

like($t->read_file('loop.result'), qr/^ok \d+$/,
    'no refused connection during the upgrade')
    or diag($t->read_file('loop.result'));

ok(!-e "$pidfile.oldbin", '.oldbin removed');
is($t->master_pid(), $new, 'pid file names the new master');

my $s = IO::Socket::INET->new("127.0.0.1:$port");
is($s ? Test::Kgate::io($s, "new\n") : '', "new\n", 'new master serves');

###############################################################################
