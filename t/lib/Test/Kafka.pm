package Test::Kafka;

# Copyright (C) kgate authors

# Kafka clusters and clients for kgate's tests.
#
#   use Test::Kafka;
#
#   my $k = Test::Kafka->new(dir => $t->testdir() . '/kafka');
#   my $a = $k->start_cluster('a', brokers => 3, first_id => 1);
#   my $b = $k->start_cluster('b', brokers => 3, first_id => 11);
#   # $a->{bootstrap} is "127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3"
#
#   my $m = $k->start_mock(brokers => 3, topics => [ 'mt:3:3' ]);
#   $m->cmd('down 1');                  # "ok down"
#
#   my $p = $k->produce_bg(bootstrap => $boot, topic => 'sw', rate => 500,
#       duration => 20, broker_version => 'auto');
#   ... switch the route ...
#   my $prod = $k->wait_load($p);       # the summary, "status" included
#   my $acc = $k->account(produced => $p->{out}, a => $a->{bootstrap},
#       b => $b->{bootstrap}, topic => 'sw');
#   is($acc->{lost}, 0, 'no acked message lost');
#
#   my $r = $k->run_client([ "$lib/kg_rdkafka_client", 'produce', ... ]);
#   ok($r->{json}{ok}, 'produced') or diag($r->{output});
#
# Everything started here (ZooKeeper, brokers, the mock cluster, clients
# left in the background) is stopped when the object goes away, at exit,
# when the test dies, and on INT, TERM or HUP (unless the test set its own
# handlers).  kafka_cluster.py's --lifetime watchdog stops the JVMs even
# if this process is killed outright.
#
# Ports: brokers and ZooKeeper get ports from 61000-64999, above the
# kernel's ephemeral range, so that no outgoing connection of another
# process can hold one by the time a JVM binds it.
#
# Environment:
#   KGATE_TEST_KAFKA_LIFETIME   seconds before the watchdog stops the
#                               clusters (default 900)

use warnings;
use strict;

use base qw/ Exporter /;

our @EXPORT_OK = qw/ free_ports parse_json /;

use Cwd qw/ abs_path /;
use File::Basename qw/ dirname /;
use File::Path qw/ make_path /;
use File::Temp qw/ tempdir /;
use IO::Handle;
use IO::Select;
use IO::Socket::INET;
use IPC::Open2 qw/ open2 /;
use JSON::PP ();
use POSIX qw/ :sys_wait_h /;
use Scalar::Util qw/ weaken /;
use Time::HiRes qw/ sleep time /;

our $PYTHON = '/usr/bin/python3';
our $LIB = abs_path(dirname(__FILE__) . '/../kafka');

my @instances;
my %ports_taken;

for my $sig (qw/ INT TERM HUP /) {
    next if defined $SIG{$sig} && $SIG{$sig} ne 'DEFAULT';
    $SIG{$sig} = sub { exit 1 };
}

###############################################################################

sub new {
    my ($class, %opts) = @_;

    my $self = bless {}, $class;

    $self->{dir} = $opts{dir}
        || tempdir('kgate-kafka-XXXXXXXXXX', TMPDIR => 1,
                   CLEANUP => !$ENV{KGATE_TEST_LEAVE});
    make_path($self->{dir});

    $self->{lifetime} = $opts{lifetime} || $ENV{KGATE_TEST_KAFKA_LIFETIME}
        || 900;
    $self->{clusters} = {};
    $self->{clients} = [];
    $self->{mocks} = [];
    $self->{seq} = 0;
    $self->{pid} = $$;

    push @instances, $self;
    weaken($instances[-1]);

    return $self;
}

sub dir {
    my ($self) = @_;
    return $self->{dir};
}

# n free ports, each checked by binding it

sub free_ports {
    my ($n) = @_;

    my @ports;

    for (1 .. 1000) {
        last if @ports == $n;

        my $port = 61000 + int(rand(4000));
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
        push @ports, $port;
    }

    die "no free ports\n" unless @ports == $n;

    return @ports;
}

sub parse_json {
    my ($text) = @_;

    return undef unless defined $text;

    my $json = eval { JSON::PP->new->decode($text) };
    return $json if ref $json;

    # the last line that looks like an object: clients may log before it

    for my $line (reverse split /\n/, $text) {
        next unless $line =~ /^\s*\{/;
        $json = eval { JSON::PP->new->decode($line) };
        return $json if ref $json;
    }

    return undef;
}

sub read_json_file {
    my ($file) = @_;

    open my $fh, '<', $file or return undef;
    local $/;
    my $text = <$fh>;
    close $fh;

    return parse_json($text);
}

###############################################################################

# Kafka 0.9.0.1 clusters through kafka_cluster.py; every cluster of one
# object shares its ZooKeeper (one chroot per cluster).
#
# start_cluster(NAME, brokers => 3, first_id => 1, ports => [...],
#     partitions => 3, safe => 1, set => [ 'key=value', ... ],
#     timeout => 120)
#
# safe => 1 (the default) sets unclean.leader.election.enable=false and,
# with more than one broker, min.insync.replicas=2: with Kafka's defaults a
# restart of every broker can elect an out-of-sync replica and drop
# messages that were acknowledged with acks=all, which a test of kgate
# must not mistake for kgate's doing.

sub start_cluster {
    my ($self, $name, %opts) = @_;

    my $n = $opts{brokers} || 3;
    my $first = defined $opts{first_id} ? $opts{first_id}
        : 1 + 10 * scalar keys %{$self->{clusters}};
    my @ports = $opts{ports} ? @{$opts{ports}} : free_ports($n);

    $self->{zk_port} ||= (free_ports(1))[0];

    my @set = @{$opts{set} || []};
    if (!defined $opts{safe} || $opts{safe}) {
        push @set, 'unclean.leader.election.enable=false';
        push @set, 'min.insync.replicas=2' if $n > 1;
    }

    my @cmd = ($PYTHON, "$LIB/kafka_cluster.py", 'start',
        '--dir', $self->{dir}, '--zk-port', $self->{zk_port},
        '--chroot', "/$name", '--brokers', $n, '--first-id', $first,
        '--ports', join(',', @ports),
        '--partitions', $opts{partitions} || 3,
        '--timeout', $opts{timeout} || 120,
        '--lifetime', $self->{lifetime},
        map { ('--set', $_) } @set);

    $self->{started} = 1;

    my $r = $self->run_client(\@cmd, timeout => ($opts{timeout} || 120) + 30);
    die "kafka cluster $name did not start:\n$r->{output}\n"
        unless $r->{status} == 0 && $r->{json};

    my $c = $r->{json}{clusters}{"/$name"}
        or die "kafka cluster $name missing in:\n$r->{output}\n";

    my $cl = {
        name => $name,
        chroot => "/$name",
        bootstrap => $c->{bootstrap},
        ids => [ map { $_->{id} } @{$c->{brokers}} ],
        ports => [ map { $_->{port} } @{$c->{brokers}} ],
        zk_connect => $c->{zk_connect},
        elapsed => $r->{elapsed},
        rss_kb => $r->{json}{total_rss_kb},
    };

    $self->{clusters}{$name} = $cl;

    return $cl;
}

sub cluster {
    my ($self, $name) = @_;
    return $self->{clusters}{$name};
}

sub bootstrap {
    my ($self, $name) = @_;
    return $self->{clusters}{$name}{bootstrap};
}

sub cluster_cmd {
    my ($self, $timeout, @args) = @_;

    my $r = $self->run_client([ $PYTHON, "$LIB/kafka_cluster.py", @args,
        '--dir', $self->{dir} ], timeout => $timeout);

    return $r;
}

sub stop_broker {
    my ($self, $id, %opts) = @_;

    my $r = $self->cluster_cmd(60, 'stop-broker', '--id', $id,
        $opts{kill} ? '--kill' : ());

    return $r->{status} == 0;
}

sub start_broker {
    my ($self, $id, %opts) = @_;

    my $r = $self->cluster_cmd(($opts{timeout} || 120) + 10,
        'start-broker', '--id', $id, '--timeout', $opts{timeout} || 120);

    return $r->{status} == 0;
}

# Every broker of a cluster down at once, in parallel.  SIGKILL by
# default: a graceful stop (graceful => 1) makes Kafka 0.9 move leaders
# while clients write, and its log truncation (fixed by KIP-101 in 0.11)
# can then drop messages already acknowledged with acks=all.  Killed
# brokers stay registered until their ZooKeeper session expires (6 s);
# start_broker() waits for that.  Returns the time the last one was gone.

sub stop_cluster {
    my ($self, $name, %opts) = @_;

    my @h = map {
        $self->spawn_client([ $PYTHON, "$LIB/kafka_cluster.py", 'stop-broker',
            '--dir', $self->{dir}, '--id', $_,
            $opts{graceful} ? () : '--kill' ])
    } @{$self->{clusters}{$name}{ids}};

    my $ok = 1;
    for my $h (@h) {
        my $r = $self->wait_client($h, 60);
        $ok = 0 unless $r->{status} == 0;
    }

    return $ok ? time() : undef;
}

# Every broker of a cluster up again, one after the other:
# kafka_cluster.py keeps its state in one file that parallel start-broker
# calls would overwrite.  Returns the time the cluster was ready.

sub restart_cluster {
    my ($self, $name, %opts) = @_;

    for my $id (@{$self->{clusters}{$name}{ids}}) {
        $self->start_broker($id, %opts) or return undef;
    }

    return time();
}

sub status {
    my ($self) = @_;
    return $self->cluster_cmd(30, 'status')->{json};
}

sub stop {
    my ($self) = @_;

    return if $self->{pid} != $$;

    $self->stop_clients();

    for my $m (@{$self->{mocks}}) {
        $m->quit();
    }
    $self->{mocks} = [];

    if ($self->{started}) {
        $self->cluster_cmd(60, 'stop');
        $self->{started} = 0;
        $self->{clusters} = {};
    }
}

###############################################################################

# librdkafka's mock cluster: start_mock(brokers => 3, topics => ['t:3:1'])

sub start_mock {
    my ($self, %opts) = @_;

    my $m = Test::Kafka::Mock->new(%opts);
    push @{$self->{mocks}}, $m;

    return $m;
}

###############################################################################

# Clients.  run_client(\@cmd, timeout => S) runs a command with its output
# in files and returns { status, output (stdout), stderr, json (the parsed
# summary), elapsed }; a client still running at the timeout gets TERM,
# then KILL.

sub spawn_client {
    my ($self, $cmd, %opts) = @_;

    my $n = ++$self->{seq};
    my $out = "$self->{dir}/client-$n.out";
    my $err = "$self->{dir}/client-$n.err";

    my $pid = fork();
    die "fork() failed: $!" unless defined $pid;

    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out or POSIX::_exit(127);
        open STDERR, '>', $err or POSIX::_exit(127);
        { exec(@$cmd) };
        print STDERR "Can't exec $cmd->[0]: $!\n";
        POSIX::_exit(127);
    }

    my $h = { pid => $pid, cmd => $cmd, stdout => $out, stderr => $err,
              start => time(), %opts };
    push @{$self->{clients}}, $h;

    return $h;
}

sub wait_client {
    my ($self, $h, $timeout) = @_;

    $timeout = 300 unless defined $timeout;

    if (!defined $h->{status}) {
        my $end = time() + $timeout;
        my $sig;

        while (1) {
            my $r = waitpid($h->{pid}, WNOHANG);
            if ($r == $h->{pid} || $r == -1) {
                $h->{status} = $r == -1 ? -1 : $? >> 8;
                $h->{signal} = $r == -1 ? 0 : $? & 127;
                last;
            }

            if (time() > $end) {
                if (!$sig) {
                    $h->{timed_out} = 1;
                    kill 'TERM', $h->{pid};
                    $sig = 'TERM';
                    $end = time() + 10;
                } elsif ($sig eq 'TERM') {
                    kill 'KILL', $h->{pid};
                    $sig = 'KILL';
                    $end = time() + 5;
                }
            }

            sleep 0.05;
        }

        $h->{elapsed} = time() - $h->{start};
        $self->{clients} = [ grep { $_ != $h } @{$self->{clients}} ];
    }

    my $output = slurp($h->{stdout});
    my $stderr = slurp($h->{stderr});

    return {
        status => $h->{status},
        signal => $h->{signal},
        timed_out => $h->{timed_out} ? 1 : 0,
        output => $output,
        stderr => $stderr,
        json => parse_json($output),
        elapsed => $h->{elapsed},
    };
}

sub run_client {
    my ($self, $cmd, %opts) = @_;

    my $h = $self->spawn_client($cmd);
    return $self->wait_client($h, $opts{timeout});
}

sub signal_client {
    my ($self, $h, $sig) = @_;
    kill $sig || 'TERM', $h->{pid} unless defined $h->{status};
}

sub stop_clients {
    my ($self) = @_;

    for my $h (@{$self->{clients}}) {
        kill 'TERM', $h->{pid};
    }

    for my $h (@{$self->{clients}}) {
        $self->wait_client($h, 10);
    }

    $self->{clients} = [];
}

sub slurp {
    my ($file) = @_;

    open my $fh, '<', $file or return '';
    local $/;
    my $text = <$fh>;
    close $fh;

    return defined $text ? $text : '';
}

###############################################################################

# switch_load.py.  Options map to its flags: bootstrap, topic, rate,
# duration, acks, size, broker_version ('0.9.0.1' or 'auto'), run_id,
# group, count, produced, message_timeout, gap_ms; args => [...] adds raw
# flags.  produce_bg and consume_bg return a handle whose {out} is the
# summary file; wait_load($h) returns the summary read from it (with
# {status}, {exit} and {elapsed} of the process added as _exit,
# _elapsed).

my %flag = (
    bootstrap => '--bootstrap', topic => '--topic', rate => '--rate',
    duration => '--duration', acks => '--acks', size => '--size',
    broker_version => '--broker-version', run_id => '--run-id',
    group => '--group', count => '--count', produced => '--produced',
    message_timeout => '--message-timeout', gap_ms => '--gap-ms',
    linger_ms => '--linger-ms', flush_timeout => '--flush-timeout',
    offset_reset => '--offset-reset', timeout => '--timeout',
    max_duplicates => '--max-duplicates',
);

sub load_cmd {
    my ($self, $cmd, %opts) = @_;

    my $n = ++$self->{seq};
    my $out = $opts{out} || "$self->{dir}/$cmd-$n.json";

    my @cmd = ($PYTHON, "$LIB/switch_load.py", $cmd, '--out', $out);

    for my $k (sort keys %opts) {
        next unless $flag{$k} && defined $opts{$k};
        push @cmd, $flag{$k}, $opts{$k};
    }

    push @cmd, '--cluster-a', $opts{a} if defined $opts{a};
    push @cmd, '--cluster-b', $opts{b} if defined $opts{b};
    push @cmd, @{$opts{args}} if $opts{args};

    return ($out, \@cmd);
}

sub produce_bg {
    my ($self, %opts) = @_;

    my ($out, $cmd) = $self->load_cmd('produce', %opts);
    my $h = $self->spawn_client($cmd, out => $out);

    # the producer's own bound: duration, flush, start-up
    $h->{limit} = ($opts{duration} || 20)
        + ($opts{message_timeout} || 60) + 60;

    return $h;
}

sub consume_bg {
    my ($self, %opts) = @_;

    my ($out, $cmd) = $self->load_cmd('consume', %opts);
    my $h = $self->spawn_client($cmd, out => $out);
    $h->{limit} = ($opts{duration} || 20) + 60;

    return $h;
}

sub wait_load {
    my ($self, $h, $timeout) = @_;

    my $r = $self->wait_client($h, $timeout || $h->{limit});
    my $json = read_json_file($h->{out}) || $r->{json}
        || { ok => JSON::PP::false, error => "no summary",
             output => $r->{output} . $r->{stderr} };

    $json->{_exit} = $r->{status};
    $json->{_elapsed} = $r->{elapsed};
    $json->{_stderr} = $r->{stderr} if length $r->{stderr};

    return $json;
}

sub produce {
    my ($self, %opts) = @_;
    return $self->wait_load($self->produce_bg(%opts));
}

sub consume {
    my ($self, %opts) = @_;
    return $self->wait_load($self->consume_bg(%opts));
}

# account(produced => FILE, a => B1, b => B2, topic => T, timeout => S,
#     broker_version => V): the verdict

sub account {
    my ($self, %opts) = @_;

    my ($out, $cmd) = $self->load_cmd('account', %opts);
    my $h = $self->spawn_client($cmd, out => $out);

    return $self->wait_load($h, ($opts{timeout} || 60) + 60);
}

# a compact line for diag()/note(): the figures, not the per-seq status

sub brief {
    my ($json) = @_;

    my %c = %$json;
    delete @c{qw/ status client_error_events timeline partitions
                  rebalances /};

    return JSON::PP->new->canonical->encode(\%c);
}

###############################################################################

sub DESTROY {
    my ($self) = @_;
    local ($?, $@);
    $self->stop();
}

END {
    local $?;
    for my $k (grep { defined } @instances) {
        $k->stop();
    }
}

###############################################################################

package Test::Kafka::Mock;

# kg_mock_cluster on a pipe: the first line it prints is the bootstrap
# list, then one answer line per command.  End of its input ends it, so it
# never outlives the test.

use warnings;
use strict;

use IO::Select;
use IPC::Open2 qw/ open2 /;
use POSIX qw/ :sys_wait_h /;
use Time::HiRes qw/ sleep time /;

sub new {
    my ($class, %opts) = @_;

    my $bin = "$Test::Kafka::LIB/kg_mock_cluster";

    system("make -s -C $Test::Kafka::LIB kg_mock_cluster >/dev/null 2>&1")
        unless -x $bin;

    my @args = ('-b', $opts{brokers} || 3,
        map { ('-t', $_) } @{$opts{topics} || []});

    my ($out, $in);
    my $pid = open2($out, $in, $bin, @args);
    $in->autoflush(1);

    my $self = bless { pid => $pid, in => $in, out => $out,
                       brokers => $opts{brokers} || 3 }, $class;

    my $line = $self->readline(10);
    die "kg_mock_cluster did not start\n" unless defined $line;

    $self->{bootstrap} = $line;

    return $self;
}

sub bootstrap {
    my ($self) = @_;
    return $self->{bootstrap};
}

sub readline {
    my ($self, $timeout) = @_;

    my $sel = IO::Select->new($self->{out});
    my $line = '';
    my $end = time() + $timeout;

    while (time() < $end) {
        last unless $sel->can_read($end - time());
        my $c;
        my $n = sysread($self->{out}, $c, 1);
        last unless $n;
        return $line if $c eq "\n";
        $line .= $c;
    }

    return undef;
}

# one command, its answer line ("ok ..." or "error ...")

sub cmd {
    my ($self, $cmd) = @_;

    return undef unless $self->{in};

    print {$self->{in}} "$cmd\n";

    return $self->readline(10);
}

sub down_all {
    my ($self) = @_;
    return grep { /^ok/ } map { $self->cmd("down $_") } 1 .. $self->{brokers};
}

sub up_all {
    my ($self) = @_;
    return grep { /^ok/ } map { $self->cmd("up $_") } 1 .. $self->{brokers};
}

sub quit {
    my ($self) = @_;

    return unless $self->{in};

    print {$self->{in}} "quit\n";
    close $self->{in};
    $self->{in} = undef;

    for (1 .. 100) {
        return if waitpid($self->{pid}, WNOHANG) != 0;
        sleep 0.05;
    }

    kill 'KILL', $self->{pid};
    waitpid($self->{pid}, 0);
}

sub DESTROY {
    my ($self) = @_;
    local ($?, $@);
    $self->quit();
}

1;
