#!/usr/bin/perl

# Copyright (C) kgate authors

# Tests for reload under load: several long-lived client connections do
# request/echo round trips with sequence numbers, and another client keeps
# opening short connections, while the master gets HUP five times.  No
# byte may be lost, no connection dropped or refused, and the old workers
# must exit once their connections are closed.  Then a reload with a
# broken configuration logs the error and changes nothing: same workers,
# new connections still served.

use warnings;
use strict;

use Test::More;

use IO::Select;
use IO::Socket::INET;
use POSIX qw/ _exit /;
use Time::HiRes qw/ time sleep /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;

###############################################################################

my $t = Test::Kgate->new()->plan(13);

my $conf = <<'EOF';

%%TEST_GLOBALS%%

worker_processes  2;
worker_shutdown_timeout  30s;

events {
    worker_connections  256;
}

stream {
    server {
        listen      127.0.0.1:%%PORT_1%%;
        proxy_pass  127.0.0.1:%%PORT_2%%;
    }
}

EOF

$t->write_file_expand('kgate.conf', $conf);

$t->run_daemon(\&Test::Kgate::echo_daemon, $t->port(2));
$t->waitforsocket('127.0.0.1:' . $t->port(2));

$t->run();

my $port = $t->port(1);
my $dir = $t->testdir();
my $nclients = 4;

my @first = $t->wait_workers(2);
is(scalar @first, 2, 'two workers');

my @clients;

for my $id (1 .. $nclients) {
    push @clients, spawn(\&long_client, $id);
}

push @clients, spawn(\&short_client, 'short');

sleep 0.5;

my %old;
my $reloaded = 0;

for (1 .. 5) {
    $old{$_} = 1 for $t->worker_pids();

    my @new = $t->reload();
    $reloaded++ if @new;

    sleep 0.3;
}

is($reloaded, 5, 'five reloads started new workers');

sleep 0.5;

$t->write_file('stop', '');

my %result;

for my $c (@clients) {
    waitpid($c->{pid}, 0);
    $result{$c->{id}} = $t->read_file("result.$c->{id}");
}

for my $id (1 .. $nclients) {
    like($result{$id}, qr/^ok \d+$/, "long connection $id: no loss, no drop")
        or diag($result{$id});
}

like($result{short}, qr/^ok \d+$/, 'short connections: none refused')
    or diag($result{short});

my ($count) = $result{1} =~ /(\d+)/;
ok(defined $count && $count > 50, 'traffic flowed during the reloads');

# with their connections gone, all old workers must leave

my $end = time() + 10;
my @left;

# %old holds every generation but the last one: taken before each HUP

while (time() < $end) {
    @left = grep { Test::Kgate::proc_alive($_) } keys %old;
    last unless @left;
    sleep 0.1;
}

is(join(' ', @left), '', 'old workers exited after their connections closed');

###############################################################################

# a broken configuration is refused and the old one keeps serving

$t->allow_log(qr/\[emerg\].*unknown directive "bogus"/);

my @before = sort { $a <=> $b } $t->wait_workers(2);

$t->write_file_expand('kgate.conf', $conf . "bogus;\n");

kill 'HUP', $t->master_pid();

ok(wait_log(qr/\[emerg\].*unknown directive "bogus"/),
    'broken reload: error logged');

sleep 0.5;

my @after = sort { $a <=> $b } $t->worker_pids();
is("@after", "@before", 'broken reload: same workers');

my $s = IO::Socket::INET->new("127.0.0.1:$port");
ok($s, 'broken reload: new connection accepted');
is($s ? Test::Kgate::io($s, "still here\n") : '', "still here\n",
    'broken reload: new connection served');

###############################################################################

sub spawn {
    my ($code, $id) = @_;

    my $pid = fork();
    die "fork() failed: $!" unless defined $pid;

    if ($pid == 0) {
        my $res = eval { $code->($id) };
        $res = 'fail: ' . ($@ || 'unknown') unless defined $res;
        $t->write_file("result.$id", $res);
        _exit(0);
    }

    return { pid => $pid, id => $id };
}

sub stopped {
    return -e "$dir/stop";
}

sub roundtrip {
    my ($s, $sel, $msg) = @_;

    my $off = 0;

    while ($off < length $msg) {
        my $n = syswrite($s, $msg, length($msg) - $off, $off);
        return "write failed: $!" unless $n;
        $off += $n;
    }

    my $in = '';

    while (length($in) < length($msg)) {
        return 'timed out' unless $sel->can_read(5);

        my $n = sysread($s, my $buf, 65536);
        return 'connection closed' if defined $n && $n == 0;
        return "read failed: $!" unless defined $n;

        $in .= $buf;
    }

    return $in eq $msg ? undef : "expected \"$msg\", got \"$in\"";
}

sub long_client {
    my ($id) = @_;

    my $s = IO::Socket::INET->new("127.0.0.1:$port")
        or return "fail: connect: $!";
    my $sel = IO::Select->new($s);
    my $seq = 0;

    until (stopped()) {
        $seq++;
        my $err = roundtrip($s, $sel, "client $id seq $seq "
            . ('.' x ($seq % 500)) . "\n");
        return "fail at seq $seq: $err" if defined $err;
    }

    close $s;

    return "ok $seq";
}

sub short_client {
    my $n = 0;

    until (stopped()) {
        my $s = IO::Socket::INET->new("127.0.0.1:$port")
            or return "fail: connect #$n: $!";
        my $err = roundtrip($s, IO::Select->new($s), "short $n\n");
        return "fail at #$n: $err" if defined $err;
        close $s;
        $n++;
    }

    return "ok $n";
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
