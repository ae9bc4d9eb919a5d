#!/usr/bin/perl

# Copyright (C) kgate authors

# Tests for configuration checking from the command line: "kgate -t" on a
# good file prints the two success lines and exits 0; broken files exit 1
# with an [emerg] line naming FILE:LINE (unknown directive, wrong number
# of arguments, directive in the wrong block, duplicate, unterminated
# block and string, missing include, garbage bytes, a 10 MB line, deep
# nesting, an include loop) and never crash or hang; "-T" dumps the
# effective configuration including included files; "-V" shows the
# configure arguments.

use warnings;
use strict;

use Test::More;

use Time::HiRes qw/ time /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;

###############################################################################

my $t = Test::Kgate->new()->plan(44);

# the bad configurations below are expected to produce [emerg] lines

$t->allow_log(qr/\[emerg\]/);

my $dir = $t->testdir();

$t->write_file_expand('included.conf', <<'EOF');
worker_processes  1;
EOF

my $good = $t->write_file_expand('good.conf', <<'EOF');

%%TEST_GLOBALS%%

include %%TESTDIR%%/included.conf;

events {
    worker_connections  64;
}

stream {
    server {
        listen      127.0.0.1:%%PORT_1%%;
        proxy_pass  127.0.0.1:%%PORT_2%%;
    }
}

EOF

my ($rc, $out) = $t->run_cmd('-t', '-c', $good);

is($rc >> 8, 0, 'good config: exit 0');
is(join("\n", grep { !/^\s*$/ } split /\n/, $out),
    "kgate: the configuration file $good syntax is ok\n"
    . "kgate: configuration file $good test is successful",
    'good config: success lines');

###############################################################################

# each case: name, file contents, expected message, line

my $base = <<"EOF";
daemon off;
pid $dir/kgate.pid;
error_log $dir/error.log info;
EOF

bad('unknown directive', "${base}foo bar;\nevents {}\n",
    qr/unknown directive "foo"/, 4);

bad('wrong argument count', "${base}worker_processes 1 2;\nevents {}\n",
    qr/invalid number of arguments in "worker_processes" directive/, 4);

bad('directive in wrong block',
    "${base}events {\n    worker_processes 1;\n}\n",
    qr/"worker_processes" directive is not allowed here/, 5);

bad('duplicate', "${base}events {}\nevents {}\n",
    qr/"events" directive is duplicate/, 5);

bad('unterminated block', "${base}events {\n    worker_connections 64;\n",
    qr/unexpected end of file, expecting "}"/, 6);

bad('unterminated string', "${base}events {}\nworker_processes \"1;\n",
    qr/unterminated quoted string|unexpected end of file/, undef);

bad('missing include', "${base}include $dir/nonexistent.conf;\nevents {}\n",
    qr/open\(\) "\Q$dir\E\/nonexistent\.conf" failed \(2: No such file/, 4);

bad('garbage bytes', "${base}\x01\x02\xff\xfe\x00garbage{{;;}\n",
    qr/\[emerg\]/, 4);

# a 10 MB line must be refused fast, not slowly buffered

my $start = time();
bad('10 MB line', "${base}worker_processes " . ('9' x (10 * 1024 * 1024))
    . ";\nevents {}\n", qr/\[emerg\]/, 4);
ok(time() - $start < 5, '10 MB line: refused in under 5 s');

bad('200-deep nesting', $base . ("a {\n" x 200) . ("}\n" x 200),
    qr/\[emerg\]/, undef);

$t->write_file('loop_a.conf', "include $dir/loop_b.conf;\n");
$t->write_file('loop_b.conf', "include $dir/loop_a.conf;\n");

bad('include loop', "${base}include $dir/loop_a.conf;\nevents {}\n",
    qr/\[emerg\]/, undef);

###############################################################################

# -T prints the configuration, included files too

($rc, $out) = $t->run_cmd('-T', '-c', $good);

is($rc >> 8, 0, '-T: exit 0');
like($out, qr/^# configuration file \Q$good\E:$/m, '-T: main file header');
like($out, qr/^# configuration file \Q$dir\E\/included\.conf:$/m,
    '-T: included file header');
like($out, qr/^worker_processes  1;$/m, '-T: included file contents');
like($out, qr/proxy_pass  127\.0\.0\.1:\d+;/, '-T: main file contents');

# -V

($rc, $out) = $t->run_cmd('-V');

is($rc >> 8, 0, '-V: exit 0');
like($out, qr/kgate version: kgate\/\d+\.\d+\.\d+/, '-V: version');
like($out, qr/^configure arguments:/m, '-V: configure arguments');

###############################################################################

sub bad {
    my ($name, $conf, $re, $line) = @_;

    my $file = $t->write_file("bad.conf", $conf);

    my ($rc, $out) = $t->run_cmd('-t', '-c', $file);

    ok(($rc & 127) == 0 && $rc >> 8 == 1, "$name: exit 1")
        or diag("status $rc, output:\n" . substr($out, 0, 2000));

    my $where = defined $line ? qr/ in \Q$file\E:$line$/m
                              : qr/ in \Q$dir\E\/[\w.]+:\d+$/m;

    like(substr($out, 0, 4096), qr/$re.*$where/m, "$name: message")
        or diag(substr($out, 0, 2000));

    like($out, qr/configuration file \Q$file\E test failed/,
        "$name: test failed line");
}

###############################################################################
