#!/usr/bin/perl

# Copyright (C) kgate authors

# Tests for the Debian packaging in contrib/debian: a copy of the source
# tree is built into kgate and kgate-dev .debs with dpkg-buildpackage, as
# a packager would; their contents are checked (the binary, the
# configuration as a conffile, the systemd unit, the logrotate file, the
# headers and kgate.pc), then both are unpacked into a scratch root,
# never installed.  There the packaged binary runs the way the unit runs
# it: ExecStartPre, ExecStart, ExecReload, the logrotate postrotate and
# KillSignal, on the shipped kgate.conf with its paths moved into the
# scratch root; a module is built against kgate-dev and loaded.

use warnings;
use strict;

use Test::More;

use File::Path qw/ make_path /;
use POSIX ();
use File::Spec;
use Text::ParseWords qw/ shellwords /;
use Time::HiRes qw/ sleep time /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;

###############################################################################

for my $tool (qw/ dpkg-buildpackage dpkg-deb dh /) {
    next if have($tool);
    plan(skip_all => "no $tool: install debhelper and dpkg-dev"
        . " (contrib/install-deps.sh does)");
}

# the package is built from the source with Debian's own flags, whatever
# the build under test is: the sanitizer run would only repeat it

plan(skip_all => 'the package is tested in the normal build')
    if $ENV{KGATE_SANITIZE};

my $t = Test::Kgate->new()->plan(39);

my $dir = $t->testdir();
my $src = File::Spec->rel2abs("$FindBin::Bin/..");
my $tree = "$dir/kgate";
my $root = "$dir/root";

###############################################################################

# the tree as it is, without build results or the test suite's Kafka

my @exclude = map { "--exclude=./$_" }
    qw/ .git objs objs-* Makefile debian t\/node_modules /;

my $builddir = File::Spec->abs2rel($Test::Kgate::BUILDDIR, $src);
push @exclude, "--exclude=./$builddir" unless $builddir =~ m{^\.\./};

make_path($tree);

system("tar -C '$src' @exclude -cf - . | tar -C '$tree' -xf -") == 0
    or die "cannot copy the source tree\n";
system('cp', '-R', "$tree/contrib/debian", "$tree/debian") == 0
    or die "cannot copy contrib/debian\n";

my $jobs = `nproc 2>/dev/null` || 2;
chomp $jobs;

my $start = time();

my $rc = system("cd '$tree' && DEB_BUILD_OPTIONS='noddebs parallel=$jobs'"
    . " dpkg-buildpackage -b -us -uc > '$dir/build.log' 2>&1");

diag(sprintf('dpkg-buildpackage: %.0f s', time() - $start));

is($rc >> 8, 0, 'dpkg-buildpackage -b')
    or diag(join("\n", (split /\n/, $t->read_file('build.log'))[-40 .. -1]));

my ($deb) = glob("$dir/kgate_*.deb");
my ($dev) = glob("$dir/kgate-dev_*.deb");

BAIL_OUT('no package built, see above') unless $deb && $dev;

###############################################################################

# kgate

my $list = `dpkg-deb -c '$deb'`;
my %files = map { (split ' ', $_)[5] => $_ } split /\n/, $list;

like($files{'./usr/sbin/kgate'} || '', qr/^-rwxr-xr-x root\/root/,
    'binary');
ok($files{'./etc/kgate/kgate.conf'}, 'configuration');
ok($files{'./lib/systemd/system/kgate.service'}, 'systemd unit');
ok($files{'./etc/logrotate.d/kgate'}, 'logrotate file');
ok($files{'./var/log/kgate/'}, 'log directory');
ok($files{'./usr/lib/kgate/modules/'}, 'modules directory');
ok(!grep({ m{^\./(?:etc/kgate/.*\.default|usr/share/kgate/include)} }
    keys %files), 'no pristine copies, no headers');

my $ctl = "$dir/control";
system('dpkg-deb', '-e', $deb, $ctl) == 0 or die "dpkg-deb -e failed\n";

is($t->read_file("$ctl/conffiles"),
    "/etc/kgate/kgate.conf\n/etc/logrotate.d/kgate\n", 'conffiles');
like($t->read_file("$ctl/postinst"),
    qr/deb-systemd-helper enable 'kgate\.service'/, 'unit enabled');
like(`dpkg-deb -f '$deb' Version`, qr/^0\.1\.0-1$/, 'version');
like(`dpkg-deb -f '$deb' Depends`, qr/libssl/, 'depends on libssl');

# kgate-dev

$list = `dpkg-deb -c '$dev'`;
%files = map { (split ' ', $_)[5] => $_ } split /\n/, $list;

ok($files{'./usr/include/kgate/kg_core.h'}, 'dev: headers');
ok($files{'./usr/include/kgate/kg_auto_config.h'}, 'dev: kg_auto_config.h');
ok(grep({ m{^\./usr/lib/[^/]+/pkgconfig/kgate\.pc$} } keys %files),
    'dev: kgate.pc');
like(`dpkg-deb -f '$dev' Depends`, qr/kgate \(= 0\.1\.0-1\)/,
    'dev: depends on the same kgate');

###############################################################################

# the packaged files, unpacked into the scratch root

for my $p ($deb, $dev) {
    system('dpkg-deb', '-x', $p, $root) == 0 or die "dpkg-deb -x failed\n";
}

my $kgate = "$root/usr/sbin/kgate";

my $v = `'$kgate' -V 2>&1`;
like($v, qr{kgate version: kgate/0\.1\.0}, '-V: version');
like($v, qr{--conf-path=/etc/kgate/kgate\.conf}, '-V: Debian paths');

my $conf = $t->read_file("$root/etc/kgate/kgate.conf");
my $unit = $t->read_file("$root/lib/systemd/system/kgate.service");
my $rotate = $t->read_file("$root/etc/logrotate.d/kgate");

my ($pid_path) = $conf =~ /^pid\s+(\S+);/m;
my ($log_path) = $conf =~ /^error_log\s+(\S+)/m;
my %unit = unit_settings($unit);

is($pid_path, '/run/kgate.pid', 'conf: pid file');
is($log_path, '/var/log/kgate/error.log', 'conf: error log');
is($unit{PIDFile}[0], $pid_path, 'unit: PIDFile is the pid file');
like($rotate, qr{^/var/log/kgate/\*\.log }m, 'logrotate: the logs');

# the shipped configuration with its files and ports moved: the error log
# is the test's, so that alerts fail the test

my $pid = "$root/run/kgate.pid";
my $p1 = $t->port(1);
my $p2 = $t->port(2);

make_path("$root/run");

$conf =~ s{^(pid\s+)/run/kgate\.pid}{$1$pid}m;
$conf =~ s{^(error_log\s+)/var/log/kgate/error\.log}{$1$dir/error.log}m;
$conf =~ s{^(\s*listen\s+127\.0\.0\.1:)19092;}{$1$p1;}m;
$conf =~ s{^(\s*broker_ports\s+)19093-19102;}{$1$p2-$p2;}m;

my $conf_file = $t->write_file('kgate.conf', $conf);

my @where = ('-p', "$root/usr/share/kgate/", '-c', $conf_file,
    '-e', "$dir/error.log");

# the unit's commands, run as systemd would, against the scratch root

my @pre = unit_commands($unit{ExecStartPre}, \@where);
my @start = unit_commands($unit{ExecStart}, \@where);
my @reload = unit_commands($unit{ExecReload}, \@where);

is(scalar @start, 1, 'unit: one ExecStart');
is($unit{Type}[0], 'forking', 'unit: Type=forking');

is(run_all(@pre), '', 'ExecStartPre: configuration is valid');
is(run_all(@start), '', 'ExecStart');

ok($t->waitforfile($pid), 'daemon wrote its pid file');
my ($master) = $t->read_file($pid) =~ /(\d+)/;

ok(Test::Kgate::proc_alive($master), 'master runs in the background');
ok($t->waitforlisten($p1), 'bootstrap port listens');

my $log_at = length $t->read_file('error.log');
is(run_all(map { [ map { s/\$MAINPID/$master/gr } @$_ ] } @reload), '',
    'ExecReload');
ok(wait_log(qr/reconfiguring/, $log_at), 'reload: reconfigured');

# the logrotate postrotate script, with the scratch pid file

my ($post) = $rotate =~ /^\s*postrotate\n(.*?)^\s*endscript/ms;
$post =~ s{/run/kgate\.pid}{$pid}g;

$log_at = length $t->read_file('error.log');
is(system('sh', '-c', $post) >> 8, 0, 'postrotate');
ok(wait_log(qr/reopening logs/, $log_at), 'postrotate: logs reopened');

# KillSignal, to the master only (KillMode=mixed)

my ($signal) = ($unit{KillSignal}[0] || '') =~ /^SIG(\w+)$/;
kill $signal, $master if $signal;
ok(wait_gone($master, 10), "KillSignal=SIG$signal: master exited")
    or kill 'KILL', $master;
ok(!-e $pid, 'pid file removed');

###############################################################################

# a module built against kgate-dev only, loaded by the packaged binary

SKIP: {
    skip 'no C compiler', 3 unless have('cc');

    my ($pc) = glob("$root/usr/lib/*/pkgconfig/kgate.pc");
    my %pc = map { /^(\w+)=(.*)$/ ? ($1, $2) : () }
        split /\n/, $t->read_file($pc);
    my ($cflags) = $t->read_file($pc) =~ /^Cflags:\s*(.*)$/m;
    my ($libs) = $t->read_file($pc) =~ /^Libs:\s*(.*)$/m;

    is($pc{includedir} =~ s/\$\{prefix\}/$pc{prefix}/r, '/usr/include/kgate',
        'kgate.pc: includedir');
    like($libs // '', qr/-shared/, 'kgate.pc: Libs links a shared object');

    $cflags =~ s/\$\{includedir\}/$root\/usr\/include\/kgate/;

    $t->write_file('m_modules.c', <<'EOF');
#include <kg_config.h>
#include <kg_core.h>

extern kg_module_t  kg_test_dynamic_module;

kg_module_t *kg_modules[] = { &kg_test_dynamic_module, NULL };
char *kg_module_names[] = { "kg_test_dynamic_module", NULL };
EOF

    my $so = "$dir/kg_test_dynamic_module.so";
    my $cc = "cc $cflags -Wall -Wextra -Werror -Wno-unused-parameter"
        . " $libs -o '$so' '$dir/m_modules.c'"
        . " '$src/t/modules/kg_test_dynamic_module/kg_test_dynamic_module.c'"
        . " > '$dir/cc.log' 2>&1";

    my $mconf = $t->write_file('module.conf', <<"EOF");
load_module  $so;
daemon       off;
pid          $root/run/module.pid;
error_log    $dir/error.log info;
test_dynamic_banner  "packaged";
events {
}
EOF

    my $ok = system($cc) == 0;
    $ok &&= system("'$kgate' -q -t @where[0, 1] -c '$mconf'"
        . " -e '$dir/error.log' >> '$dir/cc.log' 2>&1") == 0;

    ok($ok, 'module built against kgate-dev loads')
        or diag($t->read_file('cc.log'));
}

###############################################################################

SKIP: {
    skip 'no systemd-analyze', 1 unless have('systemd-analyze');

    # the unit as shipped, its binary the unpacked one

    (my $u = $unit) =~ s{/usr/sbin/kgate}{$kgate}g;
    my $f = $t->write_file('kgate.service', $u);

    my $out = `systemd-analyze verify '$f' 2>&1`;
    is($out, '', 'systemd-analyze verify');
}

###############################################################################

sub have {
    my ($tool) = @_;
    return system("command -v '$tool' > /dev/null 2>&1") == 0;
}

# KEY=VALUE lines of the unit, every value of a key in order

sub unit_settings {
    my ($text) = @_;

    my %s;

    for (split /\n/, $text) {
        next if /^\s*(?:[#;]|\[|$)/;
        push @{$s{$1}}, $2 if /^(\w+)=(.*)$/;
    }

    return %s;
}

# the command lines of Exec*= settings, prefixes such as "-" dropped, the
# packaged kgate run with the scratch root's paths

sub unit_commands {
    my ($lines, $where) = @_;

    my @cmds;

    for my $line (@{$lines || []}) {
        my @argv = shellwords($line);
        $argv[0] =~ s/^[-@+!:]+//;

        if ($argv[0] eq '/usr/sbin/kgate') {
            splice @argv, 0, 1, $kgate, @$where;
        }

        push @cmds, \@argv;
    }

    return @cmds;
}

# runs each command in turn; returns '' when all exited 0, else the
# first failure's output

sub run_all {
    my (@cmds) = @_;

    for my $cmd (@cmds) {
        my $out = "$dir/cmd.out";

        my $pid = fork();
        die "fork() failed: $!" unless defined $pid;

        if ($pid == 0) {
            open STDOUT, '>', $out or die "Can't reopen STDOUT: $!";
            open STDERR, '>&', \*STDOUT or die "Can't reopen STDERR: $!";
            { exec(@$cmd) };
            print STDERR "Can't exec $cmd->[0]: $!\n";
            POSIX::_exit(127);
        }

        waitpid($pid, 0);

        my $text = $t->read_file($out);
        $t->append_stderr($text);

        return "@$cmd: exit " . ($? >> 8) . "\n$text" if $?;
    }

    return '';
}

sub wait_log {
    my ($re, $from) = @_;

    for (1 .. 100) {
        return 1 if substr($t->read_file('error.log'), $from) =~ $re;
        sleep 0.05;
    }

    return 0;
}

sub wait_gone {
    my ($pid, $timeout) = @_;

    my $end = time() + $timeout;

    while (time() < $end) {
        return 1 unless Test::Kgate::proc_alive($pid);
        sleep 0.05;
    }

    return 0;
}

###############################################################################
