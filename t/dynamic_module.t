#!/usr/bin/perl

# Copyright (C) kgate authors

# Tests for dynamic modules: the third-party module in
# t/modules/kg_test_dynamic_module, built out of tree with
# --add-dynamic-module into $KGATE_BUILDDIR/kg_test_dynamic_module.so, is
# loaded with load_module, its directive is accepted and its init_process
# hook logs the banner; load_module of a file that does not exist fails
# "kgate -t" with the dlopen() error.

use warnings;
use strict;

use Test::More;

use Time::HiRes qw/ sleep /;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::Kgate;

###############################################################################

my $t = Test::Kgate->new()->plan(7);

$t->allow_log(qr/\[emerg\].*dlopen\(\)/);

my $so = "$Test::Kgate::BUILDDIR/kg_test_dynamic_module.so";

# the build is expected to provide the module: a missing one is a failure

ok(-f $so, 'test module built')
    or diag("$so is missing: configure with "
        . "--add-dynamic-module=t/modules/kg_test_dynamic_module "
        . "and run \"make modules\"");

$t->write_file_expand('kgate.conf', <<"EOF");

load_module  $so;

%%TEST_GLOBALS%%

worker_processes     1;
test_dynamic_banner  "hello from a dynamic module";

events {
}

EOF

my ($rc, $out) = $t->run_cmd('-t', '-c', $t->path('kgate.conf'));
is($rc >> 8, 0, 'config with load_module is valid') or diag($out);

SKIP: {
    skip 'module did not load', 2 if $rc;

    $t->run();

    my $found = 0;

    for (1 .. 50) {
        if ($t->read_file('error.log')
            =~ /\[notice\].*test_dynamic_banner: "hello from a dynamic module"/)
        {
            $found = 1;
            last;
        }

        sleep 0.1;
    }

    ok($found, 'banner logged by init_process');

    like($t->read_file('error.log'),
        qr/\[notice\].*test_dynamic: master started/,
        'init_master ran in the master');

    $t->stop();
}

# a module file that does not exist

my $missing = $t->testdir() . '/nonexistent_module.so';

$t->write_file_expand('missing.conf', <<"EOF");

load_module  $missing;

%%TEST_GLOBALS%%

events {
}

EOF

($rc, $out) = $t->run_cmd('-t', '-c', $t->path('missing.conf'));

is($rc >> 8, 1, 'missing module: exit 1');
like($out, qr/\[emerg\] dlopen\(\) "\Q$missing\E" failed/,
    'missing module: dlopen() error');
like($out, qr/ in \Q${\$t->path('missing.conf')}\E:2$/m,
    'missing module: file and line');

###############################################################################
