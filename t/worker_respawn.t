#!/usr/bin/perl

# Copyright (C) kgate authors

# Tests for worker respawn: with two workers, "kill -9" of one of them
# makes the master start a new worker within a second, while connections
# held by the other worker keep working, and new connections are served.

use warnings;
use strict;

use Test::More;

use IO::Socket::INET;
use Time::HiRes qw/ time sleep /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;

###############################################################################

my $t = Test::Kgate->new()->plan(7);

# the master reports a killed worker at alert level, as nginx does

$t->allow_log(qr/exited on signal 9/);

$t->write_file_expand('kgate.conf', <<'EOF');

%%TEST_GLOBALS%%

worker_processes  2;

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

my @workers = $t->wait_workers(2);
is(scalar @workers, 2, 'two workers');

my $s = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";
is(Test::Kgate::io($s, "one\n"), "one\n", 'connection works');

my $owner = owner($s, @workers);
ok(defined $owner, 'connection owner found');

my ($victim) = grep { !defined $owner || $_ != $owner } @workers;

kill 'KILL', $victim;

my $start = time();
my @new;

while (time() - $start < 1) {
    @new = grep { $_ != $victim && Test::Kgate::proc_alive($_) }
           $t->worker_pids();
    last if @new == 2;
    sleep 0.02;
}

is(scalar @new, 2, 'new worker within 1 s');

is(Test::Kgate::io($s, "two\n"), "two\n",
    'connection of the other worker still works');

my $s2 = IO::Socket::INET->new("127.0.0.1:$port");
is($s2 ? Test::Kgate::io($s2, "three\n") : '', "three\n",
    'new connection served');

close $s2 if $s2;
close $s;

ok(!Test::Kgate::proc_alive($victim), 'killed worker is gone');

###############################################################################

# Finds which worker holds kgate's side of the client socket $s: the
# kernel's table gives the socket inode, /proc/PID/fd the process.

sub owner {
    my ($s, @pids) = @_;

    my $inode;
    my $lport = sprintf('%04X', $port);
    my $cport = sprintf('%04X', $s->sockport());

    open my $fh, '<', '/proc/net/tcp' or return undef;

    while (<$fh>) {
        my @f = split ' ';
        next unless @f > 9;

        if ($f[1] =~ /:$lport$/ && $f[2] =~ /:$cport$/) {
            $inode = $f[9];
            last;
        }
    }

    close $fh;

    return undef unless $inode;

    for my $pid (@pids) {
        opendir my $dh, "/proc/$pid/fd" or next;

        for my $fd (readdir $dh) {
            my $l = readlink("/proc/$pid/fd/$fd");
            return $pid if defined $l && $l eq "socket:[$inode]";
        }
    }

    return undef;
}

###############################################################################
