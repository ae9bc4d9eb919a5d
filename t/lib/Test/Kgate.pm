package Test::Kgate;

# Copyright (C) kgate authors

# Generic module for kgate tests, in the nginx-tests shape.
#
# A test creates a Test::Kgate object, writes a configuration with
# %%PORT_N%% and %%TESTDIR%% placeholders, starts kgate and talks to it.
# When the object goes away kgate is stopped, and two more tests check
# that the error log holds no [alert], [crit] or [emerg] line that was not
# allowed, and that no sanitizer wrote a report.  Plan with $t->plan(N):
# it adds those two.
#
# Environment:
#   KGATE_BINARY       the binary to test (default: objs/kgate)
#   KGATE_BUILDDIR     the build directory (default: objs)
#   KGATE_SANITIZE     set when the binary was built with sanitizers
#   KGATE_TEST_LEAVE   keep the temporary directory
#   KGATE_TEST_CATLOG  print the error log at the end

use warnings;
use strict;

use base qw/ Exporter /;

our @EXPORT_OK = qw/ io exchange echo_daemon reply_after_eof_daemon
    stall_daemon /;

use Test::More ();
use File::Path qw/ make_path /;
use File::Spec;
use File::Temp qw/ tempdir /;
use IO::Handle;
use IO::Select;
use IO::Socket::INET;
use POSIX qw/ :sys_wait_h setsid /;
use Scalar::Util qw/ weaken /;
use Socket qw/ SHUT_WR /;
use Time::HiRes qw/ sleep time /;

our $KGATE = File::Spec->rel2abs($ENV{KGATE_BINARY} || 'objs/kgate');
our $BUILDDIR = File::Spec->rel2abs($ENV{KGATE_BUILDDIR} || 'objs');

my @instances;
my %ports_taken;

###############################################################################

sub new {
    my ($class) = @_;

    my $self = bless {}, $class;

    $self->{_testdir} = tempdir('kgate-test-XXXXXXXXXX',
        TMPDIR => 1, CLEANUP => !$ENV{KGATE_TEST_LEAVE});

    make_path("$self->{_testdir}/logs");

    $self->{_ports} = {};
    $self->{_allow} = [];
    $self->{_daemons} = [];
    $self->{_pid} = $$;

    push @instances, $self;
    weaken($instances[-1]);

    return $self;
}

sub testdir {
    my ($self) = @_;
    return $self->{_testdir};
}

sub plan {
    my ($self, $plan) = @_;

    Test::More::plan(tests => $plan + 2);
    $self->{_planned} = 1;

    return $self;
}

sub allow_log {
    my ($self, @re) = @_;
    push @{$self->{_allow}}, @re;
    return $self;
}

# Each placeholder number keeps its port for the life of the object.

# Ports come from outside the kernel's ephemeral range: a port picked
# there may be taken by any outgoing connection (the clients' and the
# brokers' are many) between the pick and kgate's bind().

my @port_range = do {
    my ($lo, $hi) = (32768, 60999);
    if (open my $f, '<', '/proc/sys/net/ipv4/ip_local_port_range') {
        ($lo, $hi) = split ' ', scalar <$f>;
        close $f;
    }
    $lo > 12000 ? (10000, $lo - 1) : ($hi + 1, 65000);
};

sub port {
    my ($self, $num) = @_;

    return $self->{_ports}{$num} if defined $self->{_ports}{$num};

    for (1 .. 1000) {
        my $port = $port_range[0]
                   + int(rand($port_range[1] - $port_range[0] + 1));

        next if $ports_taken{$port};

        my $s = IO::Socket::INET->new(
            Proto => 'tcp',
            LocalAddr => '127.0.0.1',
            LocalPort => $port,
            Listen => 1,
            ReuseAddr => 0,
        ) or next;

        close $s;

        $ports_taken{$port} = 1;
        $self->{_ports}{$num} = $port;
        return $port;
    }

    die "no free port found\n";
}

# N consecutive free ports (broker_ports ranges), from the same range as
# port() and never one port() has handed out: a reference to the list.

sub port_range {
    my ($n) = @_;

    for (1 .. 200) {
        my $first = $port_range[0]
                    + int(rand($port_range[1] - $port_range[0] + 2 - $n));
        my @ports = ($first .. $first + $n - 1);
        my @s;

        next if grep { $ports_taken{$_} } @ports;

        for my $p (@ports) {
            my $s = IO::Socket::INET->new(Proto => 'tcp',
                LocalAddr => '127.0.0.1', LocalPort => $p, Listen => 1,
                ReuseAddr => 0) or last;
            push @s, $s;
        }

        close $_ for @s;

        next unless @s == $n;

        $ports_taken{$_} = 1 for @ports;

        return \@ports;
    }

    die "no free port range\n";
}

sub has_module {
    my ($self, $name) = @_;

    my $v = `$KGATE -V 2>&1`;
    # "stream" and "kg_stream_module" both name the same module

    return $v =~ /\b(?:kg_)?\Q$name\E(?:_module)?\b/ ? 1 : 0;
}

sub has {
    my ($self, @names) = @_;

    for my $name (@names) {
        next if $self->has_module($name);
        Test::More::plan(skip_all => "no $name");
    }

    return $self;
}

###############################################################################

sub expand {
    my ($self, $content) = @_;

    my $dir = $self->{_testdir};

    $content =~ s/%%TEST_GLOBALS%%/$self->test_globals()/ge;
    $content =~ s/%%PORT_(\d+)%%/$self->port($1)/ge;
    $content =~ s/%%TESTDIR%%/$dir/g;
    $content =~ s/%%BUILDDIR%%/$BUILDDIR/g;

    return $content;
}

sub test_globals {
    my ($self) = @_;

    my $dir = $self->{_testdir};

    return <<"EOF";
daemon         off;
master_process on;
pid            $dir/kgate.pid;
error_log      $dir/error.log info;
EOF
}

sub write_file {
    my ($self, $name, $content) = @_;

    my $path = $self->path($name);

    open my $fh, '>', $path or die "Can't create $path: $!";
    binmode $fh;
    print $fh $content;
    close $fh;

    return $path;
}

sub write_file_expand {
    my ($self, $name, $content) = @_;
    return $self->write_file($name, $self->expand($content));
}

sub path {
    my ($self, $name) = @_;
    return $name =~ m{^/} ? $name : "$self->{_testdir}/$name";
}

sub read_file {
    my ($self, $name) = @_;

    my $path = $self->path($name);

    open my $fh, '<', $path or return '';
    binmode $fh;
    local $/;
    my $content = <$fh>;
    close $fh;

    return defined $content ? $content : '';
}

sub errlog_lines {
    my ($self) = @_;
    return split /\n/, $self->read_file('error.log');
}

###############################################################################

# Runs kgate with the given arguments in the foreground and returns
# (exit status, combined stdout and stderr).

sub run_cmd {
    my ($self, @args) = @_;

    my $out = "$self->{_testdir}/cmd.out";

    my $pid = fork();
    die "fork() failed: $!" unless defined $pid;

    if ($pid == 0) {
        open STDOUT, '>', $out or die "Can't reopen STDOUT: $!";
        open STDERR, '>&', \*STDOUT or die "Can't reopen STDERR: $!";
        { exec($KGATE, '-p', "$self->{_testdir}/", @args) };
        print STDERR "Can't exec $KGATE: $!\n";
        POSIX::_exit(127);
    }

    waitpid($pid, 0);
    my $status = $?;

    my $text = $self->read_file($out);

    $self->append_stderr($text);

    return ($status, $text);
}

# sanitizer reports of short runs go to the same checks as the daemon's

sub append_stderr {
    my ($self, $text) = @_;

    open my $fh, '>>', "$self->{_testdir}/stderr.log" or return;
    print $fh $text;
    close $fh;
}

sub run {
    my ($self, $conf) = @_;

    $conf = 'kgate.conf' unless defined $conf;
    $conf = $self->path($conf);

    my $dir = $self->{_testdir};

    unlink "$dir/kgate.pid";

    my $pid = fork();
    die "fork() failed: $!" unless defined $pid;

    if ($pid == 0) {
        open STDOUT, '>>', "$dir/stderr.log" or die "Can't reopen STDOUT: $!";
        open STDERR, '>&', \*STDOUT or die "Can't reopen STDERR: $!";
        { exec($KGATE, '-p', "$dir/", '-c', $conf) };
        print STDERR "Can't exec $KGATE: $!\n";
        POSIX::_exit(127);
    }

    $self->{_started} = 1;
    $self->{_child} = $pid;

    my $ok = $self->waitforfile("$dir/kgate.pid", $pid);

    if ($ok) {
        for my $port ($self->listen_ports($conf)) {
            $ok = $self->waitforlisten($port, $pid);
            last unless $ok;
        }
    }

    if (!$ok) {
        my $err = $self->read_file('stderr.log')
            . $self->read_file('error.log');
        $self->{_child} = undef if waitpid($pid, WNOHANG) == $pid;
        die "kgate did not start:\n$err\n";
    }

    return $self;
}

sub listen_ports {
    my ($self, $conf) = @_;
    my $text = $self->read_file($conf);
    return $text =~ /^\s*listen\s+(?:\S*:)?(\d+)[\s;]/mg;
}

sub waitforfile {
    my ($self, $file, $pid) = @_;

    for (1 .. 100) {
        return 1 if -e $file && -s $file;
        return 0 if defined $pid && waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }

    return 0;
}

# Checks the kernel's socket table, so waiting opens no connection that
# would show up in kgate's log.

sub waitforlisten {
    my ($self, $port, $pid) = @_;

    for (1 .. 100) {
        return 1 if is_listening($port);
        return 0 if defined $pid && waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }

    return 0;
}

sub is_listening {
    my ($port) = @_;

    my $hex = sprintf(':%04X ', $port);

    for my $f ('/proc/net/tcp', '/proc/net/tcp6') {
        open my $fh, '<', $f or next;
        while (<$fh>) {
            my @f = split ' ';
            next unless defined $f[3];
            return 1 if $f[3] eq '0A' && "$f[1] " =~ /\Q$hex\E$/;
        }
    }

    return 0;
}

sub waitforsocket {
    my ($self, $peer) = @_;

    for (1 .. 100) {
        my $s = IO::Socket::INET->new(Proto => 'tcp', PeerAddr => $peer);
        return 1 if defined $s;
        sleep 0.05;
    }

    return 0;
}

sub master_pid {
    my ($self) = @_;

    my $pid = $self->read_file('kgate.pid');
    return undef unless $pid =~ /(\d+)/;

    return $1;
}

sub proc_alive {
    my ($pid) = @_;

    return 0 unless defined $pid && kill(0, $pid);

    open my $fh, '<', "/proc/$pid/stat" or return 0;
    my $stat = <$fh>;
    close $fh;

    return 0 if !defined $stat || $stat =~ /^\d+ \(.*\) [ZX] /s;
    return 1;
}

sub children_of {
    my ($ppid) = @_;

    my @pids;

    opendir my $dh, '/proc' or return ();

    for my $pid (grep { /^\d+$/ } readdir $dh) {
        open my $fh, '<', "/proc/$pid/stat" or next;
        my $stat = <$fh>;
        close $fh;
        next unless defined $stat && $stat =~ /^\d+ \(.*\) (\S) (\d+) /s;
        next if $1 eq 'Z' || $1 eq 'X';
        push @pids, $pid if $2 == $ppid;
    }

    closedir $dh;

    return sort { $a <=> $b } @pids;
}

sub cmdline {
    my ($pid) = @_;

    open my $fh, '<', "/proc/$pid/cmdline" or return '';
    local $/;
    my $c = <$fh>;
    close $fh;

    return '' unless defined $c;
    $c =~ s/\0/ /g;

    return $c;
}

# Workers are the master's children; a new master started by USR2 is a
# child too, and is told apart by its title or its own children.

sub worker_pids {
    my ($self, $master) = @_;

    $master = $self->master_pid() unless defined $master;
    return () unless defined $master;

    return grep {
        my $c = cmdline($_);
        $c !~ /master/ && !children_of($_)
    } children_of($master);
}

sub wait_workers {
    my ($self, $n, $timeout) = @_;

    $timeout = 5 unless defined $timeout;

    my $end = time() + $timeout;
    my @w;

    while (time() < $end) {
        @w = $self->worker_pids();
        return @w if @w >= $n;
        sleep 0.05;
    }

    return @w;
}

sub reload {
    my ($self, %opts) = @_;

    my $master = $self->master_pid();
    my %old = map { $_ => 1 } $self->worker_pids($master);

    kill 'HUP', $master;

    my $end = time() + ($opts{timeout} || 10);

    while (time() < $end) {
        my @new = grep { !$old{$_} } $self->worker_pids($master);
        return @new if @new;
        sleep 0.05;
    }

    return ();
}

sub stop {
    my ($self) = @_;

    if (!$self->{_started}) {
        $self->stop_daemons();
        return $self;
    }

    my $master = $self->master_pid();
    my $child = $self->{_child};

    my @pids = grep { defined $_ } ($master, $child);

    kill 'QUIT', @pids if @pids;

    my $end = time() + 10;

    while (time() < $end) {
        if (defined $child && waitpid($child, WNOHANG) != 0) {
            $child = undef;
        }

        last if !grep { proc_alive($_) } grep { defined } ($master, $child);
        sleep 0.05;
    }

    my @alive = grep { proc_alive($_) } grep { defined } ($master, $child);

    if (@alive) {
        $self->{_stop_failed} = 1;
        kill 'KILL', @alive;
        waitpid($child, 0) if defined $child;
    }

    $self->{_started} = 0;
    $self->{_child} = undef;

    $self->stop_daemons();

    return $self;
}

# Waits for kgate to exit on its own (after QUIT); returns true if it did.

sub waitforexit {
    my ($self, $timeout) = @_;

    my $master = $self->master_pid();
    my $child = $self->{_child};
    my $end = time() + $timeout;

    while (time() < $end) {
        if (defined $child && waitpid($child, WNOHANG) != 0) {
            $child = undef;
            $self->{_child} = undef;
        }

        if (!grep { proc_alive($_) } grep { defined } ($master, $child)) {
            $self->{_started} = 0;
            return 1;
        }

        sleep 0.05;
    }

    return 0;
}

###############################################################################

# Backends run in their own process group so that stop_daemons() also
# ends the per-connection children they fork.

sub run_daemon {
    my ($self, $code, @args) = @_;

    my $pid = fork();
    die "fork() failed: $!" unless defined $pid;

    if ($pid == 0) {
        setsid();

        # never hold the test's output pipe: prove waits for it to close

        open STDOUT, '>>', "$self->{_testdir}/daemon.log";
        open STDERR, '>&', \*STDOUT;

        eval { $code->(@args) };
        print STDERR $@ if $@;
        POSIX::_exit(0);
    }

    push @{$self->{_daemons}}, $pid;

    return $self;
}

sub stop_daemons {
    my ($self) = @_;

    for my $pid (@{$self->{_daemons}}) {
        kill 'TERM', -$pid;
        kill 'TERM', $pid;
    }

    for my $pid (@{$self->{_daemons}}) {
        waitpid($pid, 0);
    }

    $self->{_daemons} = [];

    return $self;
}

sub listen_socket {
    my ($port) = @_;

    my $s = IO::Socket::INET->new(
        Proto => 'tcp',
        LocalAddr => '127.0.0.1',
        LocalPort => $port,
        Listen => 128,
        ReuseAddr => 1,
    );

    die "Can't listen on 127.0.0.1:$port: $!\n" unless $s;

    return $s;
}

sub serve_forked {
    my ($port, $handler) = @_;

    my $server = listen_socket($port);

    local $SIG{CHLD} = 'IGNORE';

    while (1) {
        my $client = $server->accept() or next;

        my $pid = fork();

        if (defined $pid && $pid == 0) {
            close $server;
            $handler->($client);
            POSIX::_exit(0);
        }

        close $client;
    }
}

# Echoes every byte back; on EOF from the client it closes its side too.

sub echo_daemon {
    my ($port) = @_;

    serve_forked($port, sub {
        my ($c) = @_;
        my $buf;

        while (1) {
            my $n = sysread($c, $buf, 65536);
            last unless $n;

            my $off = 0;
            while ($off < $n) {
                my $w = syswrite($c, $buf, $n - $off, $off);
                return unless $w;
                $off += $w;
            }
        }

        shutdown($c, SHUT_WR);
        close $c;
    });
}

# Accepts and never reads: the sender must be held back by TCP, not by
# memory growing somewhere in between.

sub stall_daemon {
    my ($port) = @_;

    my $server = listen_socket($port);
    my @held;

    while (1) {
        my $client = $server->accept() or next;
        push @held, $client;
    }
}

# Reads until the client's FIN, then answers "LEN MD5\n": the answer only
# arrives if the FIN was passed on while the other direction stayed open.

sub reply_after_eof_daemon {
    my ($port) = @_;

    require Digest::MD5;

    serve_forked($port, sub {
        my ($c) = @_;
        my ($buf, $data) = ('', '');

        while (sysread($c, $buf, 65536)) {
            $data .= $buf;
        }

        syswrite($c, length($data) . ' ' . Digest::MD5::md5_hex($data) . "\n");
        close $c;
    });
}

###############################################################################

# Writes $data to $s while reading, so that neither side blocks on full
# socket buffers; stops after reading $len bytes (or EOF, or timeout).
# With shut => 1 the write side is shut down once everything is sent.

sub exchange {
    my ($s, $data, $len, %opts) = @_;

    my $timeout = $opts{timeout} || 10;
    my $end = time() + $timeout;
    my ($off, $in) = (0, '');
    my $shut = 0;

    $s->blocking(0);

    my $sel = IO::Select->new($s);

    while (time() < $end) {
        if ($off >= length($data) && $opts{shut} && !$shut) {
            shutdown($s, SHUT_WR);
            $shut = 1;
        }

        last if defined $len && length($in) >= $len;

        my $wsel = $off < length($data) ? $sel : undef;
        my ($r, $w) = IO::Select->select($sel, $wsel, undef, 0.5);

        if ($w && @$w) {
            my $n = syswrite($s, $data, 65536, $off);
            $off += $n if $n;
        }

        if ($r && @$r) {
            my $buf;
            my $n = sysread($s, $buf, 65536);
            last if defined $n && $n == 0;
            $in .= $buf if $n;
            last if !defined $n && !$!{EAGAIN} && !$!{EWOULDBLOCK};
        }
    }

    $s->blocking(1);

    return $in;
}

# One request/response round trip on a connected socket.

sub io {
    my ($s, $data, $len, %opts) = @_;
    return exchange($s, $data, defined $len ? $len : length($data), %opts);
}

###############################################################################

sub finish {
    my ($self) = @_;

    return if $self->{_finished} || $self->{_pid} != $$;
    $self->{_finished} = 1;

    local $?;

    $self->stop();

    my $log = $self->read_file('error.log');
    my $stderr = $self->read_file('stderr.log');

    if ($ENV{KGATE_TEST_CATLOG}) {
        Test::More::diag("error.log:\n$log");
        Test::More::diag("stderr:\n$stderr") if length $stderr;
    }

    if ($ENV{KGATE_TEST_LEAVE}) {
        Test::More::diag("test directory kept: $self->{_testdir}");
    }

    return unless $self->{_planned};

    my @alerts = grep {
        my $line = $_;
        !grep { $line =~ $_ } @{$self->{_allow}}
    } ($log =~ /^.*\[(?:alert|crit|emerg)\].*$/mg);

    push @alerts, 'kgate did not exit within 10 s of QUIT'
        if $self->{_stop_failed};

    Test::More::is(join("\n", @alerts), '', 'no alerts');

    my @san = grep { /Sanitizer|runtime error:/ } split /\n/, "$log\n$stderr";

    Test::More::is(join("\n", @san), '', 'no sanitizer errors');
}

sub DESTROY {
    my ($self) = @_;
    $self->finish();
}

# Runs before Test::Builder's own END block (END blocks run in reverse
# order of compilation), so the checks count towards the plan.

END {
    for my $t (grep { defined } @instances) {
        $t->finish();
    }
}

1;
