/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_channel.h>

#include <setjmp.h>
#include <cmocka.h>


#define KG_TEST_WAIT_MSEC  5000


static int setup(void **state);
static kg_pid_t spawn(kg_spawn_proc_pt proc, void *data, kg_int_t respawn);
static kg_process_t *wait_exited(kg_pid_t pid);
static void proc_exit_code(kg_cycle_t *cycle, void *data);
static void proc_kill_self(kg_cycle_t *cycle, void *data);


static kg_cycle_t      test_cycle;
static kg_log_t        test_log;
static kg_open_file_t  test_log_file;


static void
test_signals_table_maps_names(void **state)
{
    kg_uint_t     found;
    kg_signal_t  *sig;

    found = 0;

    for (sig = signals; sig->signo != 0; sig++) {
        assert_non_null(sig->signame);
        assert_non_null(sig->name);

        if (kg_strcmp(sig->name, "reload") == 0) {
            assert_int_equal(sig->signo, SIGHUP);
            assert_string_equal(sig->signame, "SIGHUP");
            found |= 1;

        } else if (kg_strcmp(sig->name, "reopen") == 0) {
            assert_int_equal(sig->signo, SIGUSR1);
            found |= 2;

        } else if (kg_strcmp(sig->name, "stop") == 0) {
            assert_int_equal(sig->signo, SIGTERM);
            found |= 4;

        } else if (kg_strcmp(sig->name, "quit") == 0) {
            assert_int_equal(sig->signo, SIGQUIT);
            found |= 8;

        } else {
            assert_string_equal(sig->name, "");
        }
    }

    assert_int_equal(found, 15);
}


static void
test_signals_table_ignores_sigpipe(void **state)
{
    kg_signal_t  *sig;

    for (sig = signals; sig->signo != 0; sig++) {
        if (sig->signo == SIGPIPE || sig->signo == SIGSYS) {
            assert_null(sig->handler);

        } else {
            assert_non_null(sig->handler);
        }
    }
}


static void
test_init_signals_installs_handlers(void **state)
{
    struct sigaction  sa;

    assert_int_equal(kg_init_signals(&test_log), KG_OK);

    assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
    assert_true(sa.sa_handler == SIG_IGN);

    assert_int_equal(sigaction(SIGHUP, NULL, &sa), 0);
    assert_true(sa.sa_flags & SA_SIGINFO);
    assert_non_null(sa.sa_sigaction);

    assert_int_equal(sigaction(SIGCHLD, NULL, &sa), 0);
    assert_true(sa.sa_flags & SA_SIGINFO);
}


static void
test_os_signal_process_sets_master_flags(void **state)
{
    kg_process = KG_PROCESS_MASTER;

    /* a signal a process sends itself is delivered before kill() returns */

    assert_int_equal(kg_os_signal_process(&test_cycle, "reload", kg_pid), 0);
    assert_int_equal(kg_reconfigure, 1);

    assert_int_equal(kg_os_signal_process(&test_cycle, "reopen", kg_pid), 0);
    assert_int_equal(kg_reopen, 1);

    assert_int_equal(kg_os_signal_process(&test_cycle, "quit", kg_pid), 0);
    assert_int_equal(kg_quit, 1);

    assert_int_equal(kg_os_signal_process(&test_cycle, "stop", kg_pid), 0);
    assert_int_equal(kg_terminate, 1);

    assert_int_equal(kg_change_binary, 0);
    assert_int_equal(kg_noaccept, 0);
}


static void
test_os_signal_process_worker_ignores_reload(void **state)
{
    kg_process = KG_PROCESS_WORKER;

    assert_int_equal(kg_os_signal_process(&test_cycle, "reload", kg_pid), 0);
    assert_int_equal(kg_reconfigure, 0);

    assert_int_equal(kg_os_signal_process(&test_cycle, "quit", kg_pid), 0);
    assert_int_equal(kg_quit, 1);
}


static void
test_os_signal_process_rejects_unknown_name(void **state)
{
    assert_int_equal(kg_os_signal_process(&test_cycle, "restart", kg_pid), 1);
    assert_int_equal(kg_os_signal_process(&test_cycle, "RELOAD", kg_pid), 1);
    assert_int_equal(kg_os_signal_process(&test_cycle, "", kg_pid), 1);
    assert_int_equal(kg_os_signal_process(&test_cycle, "SIGHUP", kg_pid), 1);

    assert_int_equal(kg_reconfigure, 0);
    assert_int_equal(kg_noaccept, 0);
}


static void
test_os_signal_process_fails_on_dead_pid(void **state)
{
    int       status;
    kg_pid_t  pid;
    sigset_t  set, old;

    /* keep the SIGCHLD handler from reaping the child first */

    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    assert_int_equal(sigprocmask(SIG_BLOCK, &set, &old), 0);

    pid = fork();
    assert_true(pid != -1);

    if (pid == 0) {
        _exit(0);
    }

    /* reaped here, so the pid names no process */

    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);

    assert_int_equal(kg_os_signal_process(&test_cycle, "stop", pid), 1);
    assert_int_equal(kg_terminate, 0);
}


static void
test_spawn_process_reaps_exit_code(void **state)
{
    kg_pid_t       pid;
    kg_int_t       s;
    kg_process_t  *p;

    pid = spawn(proc_exit_code, (void *) (intptr_t) 3,
                KG_PROCESS_NORESPAWN);
    assert_true(pid > 0);

    s = kg_process_slot;
    assert_int_equal(kg_processes[s].pid, pid);
    assert_string_equal(kg_processes[s].name, "test process");
    assert_int_equal(kg_processes[s].respawn, 0);
    assert_int_equal(kg_processes[s].detached, 0);

    /* the channel is a pair of sockets, the child's end is kg_channel */

    assert_true(kg_processes[s].channel[0] != -1);
    assert_int_equal(kg_processes[s].channel[1], kg_channel);

    p = wait_exited(pid);
    assert_non_null(p);

    assert_int_equal(kg_reap, 1);
    assert_true(WIFEXITED(p->status));
    assert_int_equal(WEXITSTATUS(p->status), 3);

    kg_close_channel(p->channel, &test_log);
    p->pid = -1;
}


static void
test_spawn_process_reaps_signalled_child(void **state)
{
    kg_pid_t       pid;
    kg_process_t  *p;

    pid = spawn(proc_kill_self, NULL,
                KG_PROCESS_RESPAWN);
    assert_true(pid > 0);
    assert_int_equal(kg_processes[kg_process_slot].respawn, 1);

    p = wait_exited(pid);
    assert_non_null(p);

    assert_true(WIFSIGNALED(p->status));
    assert_int_equal(WTERMSIG(p->status), SIGKILL);

    /* a crash is respawned by the master: the flag must stay */
    assert_int_equal(p->respawn, 1);

    kg_close_channel(p->channel, &test_log);
    p->pid = -1;
}


static void
test_spawn_process_fatal_code_stops_respawn(void **state)
{
    kg_pid_t       pid;
    kg_process_t  *p;

    pid = spawn(proc_exit_code, (void *) (intptr_t) 2,
                KG_PROCESS_JUST_RESPAWN);
    assert_true(pid > 0);
    assert_int_equal(kg_processes[kg_process_slot].just_spawn, 1);

    p = wait_exited(pid);
    assert_non_null(p);

    assert_int_equal(WEXITSTATUS(p->status), 2);
    assert_int_equal(p->respawn, 0);

    kg_close_channel(p->channel, &test_log);
    p->pid = -1;
}


static void
test_spawn_process_detached_has_no_channel(void **state)
{
    kg_pid_t       pid;
    kg_process_t  *p;

    pid = spawn(proc_exit_code, (void *) (intptr_t) 0,
                KG_PROCESS_DETACHED);
    assert_true(pid > 0);
    assert_int_equal(kg_processes[kg_process_slot].detached, 1);
    assert_int_equal(kg_processes[kg_process_slot].channel[0], -1);

    p = wait_exited(pid);
    assert_non_null(p);
    assert_int_equal(WEXITSTATUS(p->status), 0);

    p->pid = -1;
}


static void
test_channel_passes_fd(void **state)
{
    int           sv[2], pp[2];
    char          c;
    kg_int_t      n;
    kg_channel_t  ch, in;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(pipe(pp), 0);

    kg_memzero(&ch, sizeof(kg_channel_t));
    ch.command = KG_CMD_OPEN_CHANNEL;
    ch.pid = 1234;
    ch.slot = 7;
    ch.fd = pp[1];

    assert_int_equal(kg_write_channel(sv[0], &ch, sizeof(kg_channel_t),
                                      &test_log),
                     KG_OK);

    kg_memzero(&in, sizeof(kg_channel_t));
    n = kg_read_channel(sv[1], &in, sizeof(kg_channel_t), &test_log);

    assert_int_equal(n, sizeof(kg_channel_t));
    assert_int_equal(in.command, KG_CMD_OPEN_CHANNEL);
    assert_int_equal(in.pid, 1234);
    assert_int_equal(in.slot, 7);

    /* a new descriptor for the same pipe */

    assert_true(in.fd != -1);
    assert_true(in.fd != pp[1]);
    assert_int_equal(write(in.fd, "x", 1), 1);
    assert_int_equal(read(pp[0], &c, 1), 1);
    assert_int_equal(c, 'x');

    close(in.fd);
    close(pp[0]);
    close(pp[1]);
    kg_close_channel(sv, &test_log);
}


static void
test_read_channel_reports_closed_peer(void **state)
{
    int           sv[2];
    kg_channel_t  ch;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(kg_nonblocking(sv[1]), 0);

    assert_int_equal(kg_read_channel(sv[1], &ch, sizeof(kg_channel_t),
                                     &test_log),
                     KG_AGAIN);

    close(sv[0]);

    assert_int_equal(kg_read_channel(sv[1], &ch, sizeof(kg_channel_t),
                                     &test_log),
                     KG_ERROR);

    close(sv[1]);
}


static void
test_write_channel_plain_command(void **state)
{
    int           sv[2];
    kg_channel_t  ch, in;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    kg_memzero(&ch, sizeof(kg_channel_t));
    ch.command = KG_CMD_QUIT;
    ch.fd = -1;

    assert_int_equal(kg_write_channel(sv[0], &ch, sizeof(kg_channel_t),
                                      &test_log),
                     KG_OK);

    kg_memzero(&in, sizeof(kg_channel_t));
    assert_int_equal(kg_read_channel(sv[1], &in, sizeof(kg_channel_t),
                                     &test_log),
                     sizeof(kg_channel_t));
    assert_int_equal(in.command, KG_CMD_QUIT);
    assert_int_equal(in.fd, -1);

    kg_close_channel(sv, &test_log);
}


static void
test_setproctitle_writes_over_argv(void **state)
{
    char     area[40];
    char    *argv[4];
    char   **saved_argv;
    size_t   i;

    /* the strings of argv[] back to back, then a guard byte */

    kg_memset(area, 'G', sizeof(area));
    kg_memcpy(area, "kgate\0-c\0/etc/kgate/kgate.conf", 31);

    argv[0] = area;
    argv[1] = area + 6;
    argv[2] = area + 9;
    argv[3] = NULL;

    saved_argv = kg_os_argv;
    kg_os_argv = argv;

    assert_int_equal(kg_init_setproctitle(&test_log), KG_OK);

    kg_setproctitle("worker process");

    assert_string_equal(area, "kgate: worker process");
    assert_null(argv[1]);

    for (i = sizeof("kgate: worker process"); i < 31; i++) {
        assert_int_equal(area[i], KG_SETPROCTITLE_PAD);
    }

    assert_int_equal(area[31], 'G');

    kg_os_argv = saved_argv;
}


static void
test_setproctitle_truncates_long_title(void **state)
{
    char     area[16];
    char    *argv[3];
    char   **saved_argv;

    kg_memset(area, 'G', sizeof(area));
    kg_memcpy(area, "prog\0-c\0", 8);

    argv[0] = area;
    argv[1] = area + 5;
    argv[2] = NULL;

    saved_argv = kg_os_argv;
    kg_os_argv = argv;

    assert_int_equal(kg_init_setproctitle(&test_log), KG_OK);

    kg_setproctitle("master process /usr/local/kgate/sbin/kgate");

    assert_string_equal(area, "kgate:");
    assert_int_equal(area[8], 'G');

    kg_os_argv = saved_argv;
}


static int
setup(void **state)
{
    kg_memzero(&test_cycle, sizeof(kg_cycle_t));
    kg_memzero(&test_log, sizeof(kg_log_t));
    kg_memzero(&test_log_file, sizeof(kg_open_file_t));

    /* the handlers log: keep every level below the threshold */

    test_log_file.fd = kg_stderr;
    test_log.file = &test_log_file;
    test_log.log_level = KG_LOG_STDERR;

    test_cycle.log = &test_log;
    kg_cycle = &test_cycle;

    kg_pid = kg_getpid();
    kg_process = KG_PROCESS_MASTER;

    kg_reap = 0;
    kg_quit = 0;
    kg_terminate = 0;
    kg_reconfigure = 0;
    kg_reopen = 0;
    kg_noaccept = 0;
    kg_change_binary = 0;

    if (kg_init_signals(&test_log) != KG_OK) {
        return -1;
    }

    return 0;
}


/*
 * As in the master, SIGCHLD is held while a child is spawned: a child that
 * exits at once must not be reaped before kg_spawn_process() has recorded
 * its pid, or its status is lost.
 */

static kg_pid_t
spawn(kg_spawn_proc_pt proc, void *data, kg_int_t respawn)
{
    kg_pid_t  pid;
    sigset_t  set, old;

    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);

    if (sigprocmask(SIG_BLOCK, &set, &old) == -1) {
        return KG_INVALID_PID;
    }

    pid = kg_spawn_process(&test_cycle, proc, data, "test process", respawn);

    (void) sigprocmask(SIG_SETMASK, &old, NULL);

    return pid;
}


static kg_process_t *
wait_exited(kg_pid_t pid)
{
    kg_int_t  i, n;

    for (n = 0; n < KG_TEST_WAIT_MSEC; n++) {

        for (i = 0; i < kg_last_process; i++) {
            if (kg_processes[i].pid == pid && kg_processes[i].exited) {
                return &kg_processes[i];
            }
        }

        /* SIGCHLD interrupts the sleep and its handler reaps the child */
        (void) usleep(1000);
    }

    return NULL;
}


static void
proc_exit_code(kg_cycle_t *cycle, void *data)
{
    _exit((int) (intptr_t) data);
}


static void
proc_kill_self(kg_cycle_t *cycle, void *data)
{
    (void) raise(SIGKILL);

    _exit(1);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup(test_signals_table_maps_names, setup),
        cmocka_unit_test_setup(test_signals_table_ignores_sigpipe, setup),
        cmocka_unit_test_setup(test_init_signals_installs_handlers, setup),
        cmocka_unit_test_setup(test_os_signal_process_sets_master_flags,
                               setup),
        cmocka_unit_test_setup(test_os_signal_process_worker_ignores_reload,
                               setup),
        cmocka_unit_test_setup(test_os_signal_process_rejects_unknown_name,
                               setup),
        cmocka_unit_test_setup(test_os_signal_process_fails_on_dead_pid,
                               setup),
        cmocka_unit_test_setup(test_spawn_process_reaps_exit_code, setup),
        cmocka_unit_test_setup(test_spawn_process_reaps_signalled_child,
                               setup),
        cmocka_unit_test_setup(test_spawn_process_fatal_code_stops_respawn,
                               setup),
        cmocka_unit_test_setup(test_spawn_process_detached_has_no_channel,
                               setup),
        cmocka_unit_test_setup(test_channel_passes_fd, setup),
        cmocka_unit_test_setup(test_read_channel_reports_closed_peer, setup),
        cmocka_unit_test_setup(test_write_channel_plain_command, setup),
        cmocka_unit_test_setup(test_setproctitle_writes_over_argv, setup),
        cmocka_unit_test_setup(test_setproctitle_truncates_long_title,
                               setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
