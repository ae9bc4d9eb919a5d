#!/usr/bin/perl

# Copyright (C) kgate authors

# Tests for signals from the command line and to the master: "kgate -s
# reload" starts new workers, "kgate -s reopen" and USR1 reopen the error
# log (a renamed log is replaced by a new file that receives the next
# lines), "kgate -s quit" stops kgate; all through the pid file.

use warnings;
use strict;

use Test::More;

use IO::Socket::INET;
use Time::HiRes qw/ time sleep /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;

###############################################################################

my $t = Test::Kgate->new()->plan(12);

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
my $conf = $t->path('kgate.conf');

# -s reload

my @old = $t->wait_workers(1);

my ($rc, $out) = $t->run_cmd('-c', $conf, '-s', 'reload');
is($rc >> 8, 0, '-s reload: exit 0') or diag($out);

my @new;

for (1 .. 100) {
    my %old = map { $_ => 1 } @old;
    @new = grep { !$old{$_} } $t->worker_pids();
    last if @new;
    sleep 0.05;
}

ok(scalar @new, '-s reload: new worker');
ok(traffic(), '-s reload: still serving');

# USR1

rename "$dir/error.log", "$dir/error.log.1" or die "rename: $!";

kill 'USR1', $t->master_pid();

ok(wait_file("$dir/error.log"), 'USR1: new error.log created');
ok(traffic(), 'USR1: still serving');
ok(wait_log(qr/client 127\.0\.0\.1:\d+ connected/),
    'USR1: new error.log receives lines');

# -s reopen

rename "$dir/error.log", "$dir/error.log.2" or die "rename: $!";

($rc, $out) = $t->run_cmd('-c', $conf, '-s', 'reopen');
is($rc >> 8, 0, '-s reopen: exit 0') or diag($out);

ok(wait_file("$dir/error.log"), '-s reopen: new error.log created');
ok(traffic(), '-s reopen: still serving');
ok(wait_log(qr/client 127\.0\.0\.1:\d+ connected/),
    '-s reopen: new error.log receives lines');

# -s quit

($rc, $out) = $t->run_cmd('-c', $conf, '-s', 'quit');
is($rc >> 8, 0, '-s quit: exit 0') or diag($out);

ok($t->waitforexit(5), '-s quit: kgate exited');

# the checks at the end look at every log this test produced

$t->write_file('error.log', join '', map { $t->read_file($_) }
    'error.log.1', 'error.log.2', 'error.log');

###############################################################################

sub traffic {
    my $s = IO::Socket::INET->new("127.0.0.1:$port") or return 0;
    my $ok = Test::Kgate::io($s, "ping\n") eq "ping\n";
    close $s;
    return $ok;
}

sub wait_file {
    my ($file) = @_;

    for (1 .. 50) {
        return 1 if -e $file;
        sleep 0.1;
    }

    return 0;
}

sub wait_log {
    my ($re) = @_;

    for (1 .. 50) {
        return 1 if $t->read_file('error.log') =~ $re;
        sleep 0.1;
    }

    return 0;
}

###############################################################################
