/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_channel.h>


static void kg_start_worker_processes(kg_cycle_t *cycle, kg_int_t n,
    kg_int_t type);
static void kg_pass_open_channel(kg_cycle_t *cycle, kg_channel_t *ch);
static void kg_signal_worker_processes(kg_cycle_t *cycle, int signo);
static kg_uint_t kg_reap_children(kg_cycle_t *cycle);
static void kg_master_process_exit(kg_cycle_t *cycle);
static void kg_worker_process_cycle(kg_cycle_t *cycle, void *data);
static void kg_worker_process_init(kg_cycle_t *cycle, kg_int_t worker);
static void kg_worker_process_exit(kg_cycle_t *cycle);
static void kg_process_shutdown(kg_cycle_t *cycle);
static kg_uint_t kg_process_busy(kg_cycle_t *cycle);
static void kg_process_exit_log(void);
static void kg_channel_handler(kg_event_t *ev);


kg_uint_t     kg_process;
kg_uint_t     kg_worker;
kg_pid_t      kg_pid;
kg_pid_t      kg_parent;

sig_atomic_t  kg_reap;
sig_atomic_t  kg_sigio;
sig_atomic_t  kg_sigalrm;
sig_atomic_t  kg_terminate;
sig_atomic_t  kg_quit;
sig_atomic_t  kg_debug_quit;
kg_uint_t     kg_exiting;
sig_atomic_t  kg_reconfigure;
sig_atomic_t  kg_reopen;

sig_atomic_t  kg_change_binary;
kg_pid_t      kg_new_binary;
kg_uint_t     kg_inherited;
kg_uint_t     kg_daemonized;

sig_atomic_t  kg_noaccept;
kg_uint_t     kg_noaccepting;
kg_uint_t     kg_restart;


static u_char  master_process[] = "master process";


/*
 * Once the cycle pool is destroyed a late signal handler still has to
 * log somewhere: these static copies outlive the pool.
 */

static kg_cycle_t      kg_exit_cycle;
static kg_log_t        kg_exit_log;
static kg_open_file_t  kg_exit_log_file;


void
kg_master_process_cycle(kg_cycle_t *cycle)
{
    char             *title;
    u_char           *p;
    size_t            size;
    kg_int_t          i;
    kg_uint_t         sigio;
    sigset_t          set;
    struct itimerval  itv;
    kg_uint_t         live;
    kg_msec_t         delay;
    kg_core_conf_t   *ccf;

    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGALRM);
    sigaddset(&set, SIGIO);
    sigaddset(&set, SIGINT);
    sigaddset(&set, kg_signal_value(KG_RECONFIGURE_SIGNAL));
    sigaddset(&set, kg_signal_value(KG_REOPEN_SIGNAL));
    sigaddset(&set, kg_signal_value(KG_NOACCEPT_SIGNAL));
    sigaddset(&set, kg_signal_value(KG_TERMINATE_SIGNAL));
    sigaddset(&set, kg_signal_value(KG_SHUTDOWN_SIGNAL));
    sigaddset(&set, kg_signal_value(KG_CHANGEBIN_SIGNAL));

    /* signals are only taken inside sigsuspend(): no work is torn */

    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
        kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                     "sigprocmask() failed");
    }

    sigemptyset(&set);


    size = sizeof(master_process);

    for (i = 0; i < kg_argc; i++) {
        size += kg_strlen(kg_argv[i]) + 1;
    }

    title = kg_pnalloc(cycle->pool, size);
    if (title == NULL) {
        /* fatal */
        exit(2);
    }

    p = kg_cpymem(title, master_process, sizeof(master_process) - 1);
    for (i = 0; i < kg_argc; i++) {
        *p++ = ' ';
        p = kg_cpystrn(p, (u_char *) kg_argv[i], size);
    }

    kg_setproctitle(title);


    ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx, kg_core_module);

    kg_start_worker_processes(cycle, ccf->worker_processes,
                              KG_PROCESS_RESPAWN);

    kg_new_binary = 0;
    delay = 0;
    sigio = 0;
    live = 1;

    for ( ;; ) {
        if (delay) {
            if (kg_sigalrm) {
                sigio = 0;
                delay *= 2;
                kg_sigalrm = 0;
            }

            kg_log_debug1(KG_LOG_DEBUG_EVENT, cycle->log, 0,
                          "termination cycle: %M", delay);

            itv.it_interval.tv_sec = 0;
            itv.it_interval.tv_usec = 0;
            itv.it_value.tv_sec = delay / 1000;
            itv.it_value.tv_usec = (delay % 1000 ) * 1000;

            if (setitimer(ITIMER_REAL, &itv, NULL) == -1) {
                kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                             "setitimer() failed");
            }
        }

        kg_log_debug0(KG_LOG_DEBUG_EVENT, cycle->log, 0, "sigsuspend");

        sigsuspend(&set);

        kg_time_update();

        kg_log_debug1(KG_LOG_DEBUG_EVENT, cycle->log, 0,
                      "wake up, sigio %ui", sigio);

        if (kg_reap) {
            kg_reap = 0;
            kg_log_debug0(KG_LOG_DEBUG_EVENT, cycle->log, 0, "reap children");

            live = kg_reap_children(cycle);
        }

        if (!live && (kg_terminate || kg_quit)) {
            kg_master_process_exit(cycle);
        }

        if (kg_terminate) {
            if (delay == 0) {
                delay = 50;
            }

            /*
             * each exiting worker wakes us up with SIGIO and SIGCHLD:
             * do not signal the rest again for every one of them
             */

            if (sigio) {
                sigio--;
                continue;
            }

            sigio = ccf->worker_processes;

            if (delay > 1000) {
                kg_signal_worker_processes(cycle, SIGKILL);
            } else {
                kg_signal_worker_processes(cycle,
                                      kg_signal_value(KG_TERMINATE_SIGNAL));
            }

            continue;
        }

        if (kg_quit) {
            kg_signal_worker_processes(cycle,
                                       kg_signal_value(KG_SHUTDOWN_SIGNAL));
            kg_close_listening_sockets(cycle);

            continue;
        }

        if (kg_reconfigure) {
            kg_reconfigure = 0;

            if (kg_new_binary) {

                /* the new binary runs: bring the old workers back only */

                kg_start_worker_processes(cycle, ccf->worker_processes,
                                          KG_PROCESS_RESPAWN);
                kg_noaccepting = 0;

                continue;
            }

            kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "reconfiguring");

            cycle = kg_init_cycle(cycle);
            if (cycle == NULL) {
                cycle = (kg_cycle_t *) kg_cycle;
                kg_log_error(KG_LOG_ERR, cycle->log, 0,
                             "reconfiguring failed, "
                             "the old configuration is kept");
                continue;
            }

            kg_cycle = cycle;
            ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx,
                                                 kg_core_module);
            kg_start_worker_processes(cycle, ccf->worker_processes,
                                      KG_PROCESS_JUST_RESPAWN);

            /* allow new processes to start */
            kg_msleep(100);

            live = 1;
            kg_signal_worker_processes(cycle,
                                       kg_signal_value(KG_SHUTDOWN_SIGNAL));
        }

        if (kg_restart) {
            kg_restart = 0;
            kg_start_worker_processes(cycle, ccf->worker_processes,
                                      KG_PROCESS_RESPAWN);
            live = 1;
        }

        if (kg_reopen) {
            kg_reopen = 0;
            kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "reopening logs");
            kg_reopen_files(cycle);
            kg_signal_worker_processes(cycle,
                                       kg_signal_value(KG_REOPEN_SIGNAL));
        }

        if (kg_change_binary) {
            kg_change_binary = 0;
            kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "changing binary");
            kg_new_binary = kg_exec_new_binary(cycle, kg_argv);
        }

        if (kg_noaccept) {
            kg_noaccept = 0;
            kg_noaccepting = 1;
            kg_signal_worker_processes(cycle,
                                       kg_signal_value(KG_SHUTDOWN_SIGNAL));
        }
    }
}


/*
 * master_process off: one process does the master's and a worker's job,
 * for development.  As in nginx a stop, fast or graceful, is immediate,
 * and a reload swaps the configuration only: the connections and
 * listening sockets stay those the event modules set up at start.
 */

void
kg_single_process_cycle(kg_cycle_t *cycle)
{
    kg_uint_t  i;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->init_process) {
            if (cycle->modules[i]->init_process(cycle) == KG_ERROR) {
                /* fatal */
                exit(2);
            }
        }
    }

    for ( ;; ) {
        kg_log_debug0(KG_LOG_DEBUG_EVENT, cycle->log, 0, "worker cycle");

        kg_process_events_and_timers(cycle);

        if (kg_terminate || kg_quit) {

            for (i = 0; cycle->modules[i]; i++) {
                if (cycle->modules[i]->exit_process) {
                    cycle->modules[i]->exit_process(cycle);
                }
            }

            kg_master_process_exit(cycle);
        }

        if (kg_reconfigure) {
            kg_reconfigure = 0;
            kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "reconfiguring");

            cycle = kg_init_cycle(cycle);
            if (cycle == NULL) {
                cycle = (kg_cycle_t *) kg_cycle;
                kg_log_error(KG_LOG_ERR, cycle->log, 0,
                             "reconfiguring failed, "
                             "the old configuration is kept");
                continue;
            }

            kg_cycle = cycle;
        }

        if (kg_reopen) {
            kg_reopen = 0;
            kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "reopening logs");
            kg_reopen_files(cycle);
        }
    }
}


static void
kg_start_worker_processes(kg_cycle_t *cycle, kg_int_t n, kg_int_t type)
{
    kg_int_t      i;
    kg_channel_t  ch;

    kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "start worker processes");

    kg_memzero(&ch, sizeof(kg_channel_t));

    ch.command = KG_CMD_OPEN_CHANNEL;

    for (i = 0; i < n; i++) {

        if (kg_spawn_process(cycle, kg_worker_process_cycle,
                             (void *) (intptr_t) i, "worker process", type)
            == KG_INVALID_PID)
        {
            continue;
        }

        ch.pid = kg_processes[kg_process_slot].pid;
        ch.slot = kg_process_slot;
        ch.fd = kg_processes[kg_process_slot].channel[0];

        kg_pass_open_channel(cycle, &ch);
    }
}


static void
kg_pass_open_channel(kg_cycle_t *cycle, kg_channel_t *ch)
{
    kg_int_t  i;

    for (i = 0; i < kg_last_process; i++) {

        if (i == kg_process_slot
            || kg_processes[i].pid == -1
            || kg_processes[i].channel[0] == -1)
        {
            continue;
        }

        kg_log_debug6(KG_LOG_DEBUG_CORE, cycle->log, 0,
                      "pass channel s:%i pid:%P fd:%d to s:%i pid:%P fd:%d",
                      ch->slot, ch->pid, ch->fd,
                      i, kg_processes[i].pid,
                      kg_processes[i].channel[0]);

        /* a worker that cannot take it will not talk to the new one */

        (void) kg_write_channel(kg_processes[i].channel[0],
                                ch, sizeof(kg_channel_t), cycle->log);
    }
}


static void
kg_signal_worker_processes(kg_cycle_t *cycle, int signo)
{
    kg_int_t      i;
    kg_err_t      err;
    kg_channel_t  ch;

    kg_memzero(&ch, sizeof(kg_channel_t));

    switch (signo) {

    case kg_signal_value(KG_SHUTDOWN_SIGNAL):
        ch.command = KG_CMD_QUIT;
        break;

    case kg_signal_value(KG_TERMINATE_SIGNAL):
        ch.command = KG_CMD_TERMINATE;
        break;

    case kg_signal_value(KG_REOPEN_SIGNAL):
        ch.command = KG_CMD_REOPEN;
        break;

    default:
        ch.command = 0;
    }

    ch.fd = -1;


    for (i = 0; i < kg_last_process; i++) {

        kg_log_debug7(KG_LOG_DEBUG_EVENT, cycle->log, 0,
                      "child: %i %P e:%d t:%d d:%d r:%d j:%d",
                      i,
                      kg_processes[i].pid,
                      kg_processes[i].exiting,
                      kg_processes[i].exited,
                      kg_processes[i].detached,
                      kg_processes[i].respawn,
                      kg_processes[i].just_spawn);

        if (kg_processes[i].detached || kg_processes[i].pid == -1) {
            continue;
        }

        if (kg_processes[i].just_spawn) {
            kg_processes[i].just_spawn = 0;
            continue;
        }

        if (kg_processes[i].exiting
            && signo == kg_signal_value(KG_SHUTDOWN_SIGNAL))
        {
            continue;
        }

        if (ch.command) {
            if (kg_write_channel(kg_processes[i].channel[0],
                                 &ch, sizeof(kg_channel_t), cycle->log)
                == KG_OK)
            {
                if (signo != kg_signal_value(KG_REOPEN_SIGNAL)) {
                    kg_processes[i].exiting = 1;
                }

                continue;
            }
        }

        kg_log_debug2(KG_LOG_DEBUG_CORE, cycle->log, 0,
                      "kill (%P, %d)", kg_processes[i].pid, signo);

        if (kill(kg_processes[i].pid, signo) == -1) {
            err = kg_errno;

            if (err == KG_ESRCH) {

                /* it is already gone, SIGCHLD is on its way */

                kg_log_error(KG_LOG_INFO, cycle->log, err,
                             "kill(%P, %d) failed",
                             kg_processes[i].pid, signo);

                kg_processes[i].exited = 1;
                kg_processes[i].exiting = 0;
                kg_reap = 1;

            } else {
                kg_log_error(KG_LOG_ALERT, cycle->log, err,
                             "kill(%P, %d) failed",
                             kg_processes[i].pid, signo);
            }

            continue;
        }

        if (signo != kg_signal_value(KG_REOPEN_SIGNAL)) {
            kg_processes[i].exiting = 1;
        }
    }
}


static kg_uint_t
kg_reap_children(kg_cycle_t *cycle)
{
    kg_int_t         i, n;
    kg_uint_t        live;
    kg_channel_t     ch;
    kg_core_conf_t  *ccf;

    live = 0;
    for (i = 0; i < kg_last_process; i++) {

        kg_log_debug7(KG_LOG_DEBUG_EVENT, cycle->log, 0,
                      "child: %i %P e:%d t:%d d:%d r:%d j:%d",
                      i,
                      kg_processes[i].pid,
                      kg_processes[i].exiting,
                      kg_processes[i].exited,
                      kg_processes[i].detached,
                      kg_processes[i].respawn,
                      kg_processes[i].just_spawn);

        if (kg_processes[i].pid == -1) {
            continue;
        }

        if (kg_processes[i].exited) {

            if (!kg_processes[i].detached) {
                kg_close_channel(kg_processes[i].channel, cycle->log);

                kg_processes[i].channel[0] = -1;
                kg_processes[i].channel[1] = -1;

                kg_memzero(&ch, sizeof(kg_channel_t));

                ch.command = KG_CMD_CLOSE_CHANNEL;
                ch.pid = kg_processes[i].pid;
                ch.slot = i;
                ch.fd = -1;

                for (n = 0; n < kg_last_process; n++) {
                    if (kg_processes[n].exited
                        || kg_processes[n].pid == -1
                        || kg_processes[n].channel[0] == -1)
                    {
                        continue;
                    }

                    kg_log_debug3(KG_LOG_DEBUG_CORE, cycle->log, 0,
                                  "pass close channel s:%i pid:%P to:%P",
                                  ch.slot, ch.pid, kg_processes[n].pid);

                    (void) kg_write_channel(kg_processes[n].channel[0],
                                            &ch, sizeof(kg_channel_t),
                                            cycle->log);
                }
            }

            if (kg_processes[i].respawn
                && !kg_processes[i].exiting
                && !kg_terminate
                && !kg_quit)
            {
                if (kg_spawn_process(cycle, kg_processes[i].proc,
                                     kg_processes[i].data,
                                     kg_processes[i].name, i)
                    == KG_INVALID_PID)
                {
                    kg_log_error(KG_LOG_ALERT, cycle->log, 0,
                                 "could not respawn %s",
                                 kg_processes[i].name);
                    continue;
                }

                kg_memzero(&ch, sizeof(kg_channel_t));

                ch.command = KG_CMD_OPEN_CHANNEL;
                ch.pid = kg_processes[kg_process_slot].pid;
                ch.slot = kg_process_slot;
                ch.fd = kg_processes[kg_process_slot].channel[0];

                kg_pass_open_channel(cycle, &ch);

                live = 1;

                continue;
            }

            if (kg_processes[i].pid == kg_new_binary) {

                /* the new binary is gone: this master is the one again */

                ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx,
                                                     kg_core_module);

                if (kg_rename_file((char *) ccf->oldpid.data,
                                   (char *) ccf->pid.data)
                    == KG_FILE_ERROR)
                {
                    kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                                 kg_rename_file_n " %s back to %s failed "
                                 "after the new binary process \"%s\" exited",
                                 ccf->oldpid.data, ccf->pid.data, kg_argv[0]);
                }

                kg_new_binary = 0;
                if (kg_noaccepting) {
                    kg_restart = 1;
                    kg_noaccepting = 0;
                }
            }

            if (i == kg_last_process - 1) {
                kg_last_process--;

            } else {
                kg_processes[i].pid = -1;
            }

        } else if (kg_processes[i].exiting || !kg_processes[i].detached) {
            live = 1;
        }
    }

    return live;
}


static void
kg_master_process_exit(kg_cycle_t *cycle)
{
    kg_uint_t  i;

    kg_delete_pidfile(cycle);

    kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "exit");

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->exit_master) {
            cycle->modules[i]->exit_master(cycle);
        }
    }

    kg_close_listening_sockets(cycle);

    kg_process_exit_log();

    kg_destroy_pool(cycle->pool);

    exit(0);
}


static void
kg_worker_process_cycle(kg_cycle_t *cycle, void *data)
{
    kg_int_t  worker = (intptr_t) data;

    kg_process = KG_PROCESS_WORKER;
    kg_worker = worker;

    kg_worker_process_init(cycle, worker);

    kg_setproctitle("worker process");

    for ( ;; ) {

        if (kg_exiting
            && kg_event_no_timers_left() == KG_OK
            && !kg_process_busy(cycle))
        {
            kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "exiting");
            kg_worker_process_exit(cycle);
        }

        kg_log_debug0(KG_LOG_DEBUG_EVENT, cycle->log, 0, "worker cycle");

        kg_process_events_and_timers(cycle);

        if (kg_terminate) {
            kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "exiting");
            kg_worker_process_exit(cycle);
        }

        if (kg_quit) {
            kg_quit = 0;
            kg_process_shutdown(cycle);
        }

        if (kg_reopen) {
            kg_reopen = 0;
            kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "reopening logs");
            kg_reopen_files(cycle);
        }
    }
}


static void
kg_worker_process_init(kg_cycle_t *cycle, kg_int_t worker)
{
    sigset_t          set;
    kg_int_t          n;
    kg_time_t        *tp;
    kg_uint_t         i;
    struct rlimit     rlmt;
    kg_core_conf_t   *ccf;

    ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx, kg_core_module);

    if (ccf->rlimit_nofile != KG_CONF_UNSET) {
        rlmt.rlim_cur = (rlim_t) ccf->rlimit_nofile;
        rlmt.rlim_max = (rlim_t) ccf->rlimit_nofile;

        if (setrlimit(RLIMIT_NOFILE, &rlmt) == -1) {
            kg_log_error(KG_LOG_ERR, cycle->log, kg_errno,
                         "setrlimit(RLIMIT_NOFILE, %i) failed",
                         ccf->rlimit_nofile);
        }
    }

    /* allow a core dump of a crashed worker */

    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == -1) {
        kg_log_error(KG_LOG_INFO, cycle->log, kg_errno,
                     "prctl(PR_SET_DUMPABLE) failed");
    }

    if (ccf->working_directory.len) {
        if (chdir((char *) ccf->working_directory.data) == -1) {
            kg_log_error(KG_LOG_EMERG, cycle->log, kg_errno,
                         "chdir(\"%s\") failed",
                         ccf->working_directory.data);
            /* fatal */
            exit(2);
        }
    }

    sigemptyset(&set);

    if (sigprocmask(SIG_SETMASK, &set, NULL) == -1) {
        kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                     "sigprocmask() failed");
    }

    tp = kg_timeofday();
    srandom(((unsigned) kg_pid << 16) ^ tp->sec ^ tp->msec);

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->init_process) {
            if (cycle->modules[i]->init_process(cycle) == KG_ERROR) {
                /* fatal */
                exit(2);
            }
        }
    }

    /* of the channels a worker keeps only its own end of its own one */

    for (n = 0; n < kg_last_process; n++) {

        if (kg_processes[n].pid == -1) {
            continue;
        }

        if (n == kg_process_slot) {
            continue;
        }

        if (kg_processes[n].channel[1] == -1) {
            continue;
        }

        if (close(kg_processes[n].channel[1]) == -1) {
            kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                         "close() channel failed");
        }
    }

    if (close(kg_processes[kg_process_slot].channel[0]) == -1) {
        kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                     "close() channel failed");
    }

    if (kg_add_channel_event(cycle, kg_channel, KG_READ_EVENT,
                             kg_channel_handler)
        == KG_ERROR)
    {
        /* fatal */
        exit(2);
    }

    kg_log_debug1(KG_LOG_DEBUG_CORE, cycle->log, 0,
                  "worker process %i initialized", worker);
}


static void
kg_worker_process_exit(kg_cycle_t *cycle)
{
    kg_uint_t  i;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->exit_process) {
            cycle->modules[i]->exit_process(cycle);
        }
    }

    kg_process_exit_log();

    kg_destroy_pool(cycle->pool);

    kg_log_error(KG_LOG_NOTICE, kg_cycle->log, 0, "exit");

    exit(0);
}


/*
 * The graceful stop of a worker: stop accepting at once, close what is
 * idle, and let the rest finish; the worker_shutdown_timeout timer
 * closes whatever is left.
 */

static void
kg_process_shutdown(kg_cycle_t *cycle)
{
    kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "gracefully shutting down");
    kg_setproctitle("worker process is shutting down");

    if (kg_exiting) {
        return;
    }

    kg_exiting = 1;
    kg_set_shutdown_timer(cycle);
    kg_close_listening_sockets(cycle);
    kg_close_idle_connections(cycle);
    kg_event_process_posted(cycle, &kg_posted_events);
}


/* any connection but the channel still open: the worker has work left */

static kg_uint_t
kg_process_busy(kg_cycle_t *cycle)
{
    kg_uint_t         i;
    kg_connection_t  *c;

    c = cycle->connections;

    if (c == NULL) {
        return 0;
    }

    for (i = 0; i < cycle->connection_n; i++) {
        if (c[i].fd != -1
            && c[i].read
            && !c[i].read->accept
            && !c[i].read->channel)
        {
            return 1;
        }
    }

    return 0;
}


static void
kg_process_exit_log(void)
{
    kg_log_t  *log;

    log = kg_log_get_file_log(kg_cycle->log);

    if (log == NULL) {
        kg_memzero(&kg_exit_log, sizeof(kg_log_t));
        kg_exit_log.log_level = KG_LOG_NOTICE;
        kg_exit_log_file.fd = kg_stderr;

    } else {
        kg_exit_log = *log;
        kg_exit_log_file.fd = log->file->fd;
    }

    kg_exit_log.file = &kg_exit_log_file;
    kg_exit_log.next = NULL;
    kg_exit_log.writer = NULL;

    kg_exit_cycle.log = &kg_exit_log;
    kg_cycle = &kg_exit_cycle;
}


static void
kg_channel_handler(kg_event_t *ev)
{
    kg_int_t          n;
    kg_channel_t      ch;
    kg_connection_t  *c;

    if (ev->timedout) {
        ev->timedout = 0;
        return;
    }

    c = ev->data;

    kg_log_debug0(KG_LOG_DEBUG_CORE, ev->log, 0, "channel handler");

    for ( ;; ) {

        n = kg_read_channel(c->fd, &ch, sizeof(kg_channel_t), ev->log);

        kg_log_debug1(KG_LOG_DEBUG_CORE, ev->log, 0, "channel: %i", n);

        if (n == KG_ERROR) {

            /* the master is gone */

            kg_del_conn(c, 0);

            kg_close_connection(c);
            return;
        }

        if (n == KG_AGAIN) {
            return;
        }

        kg_log_debug1(KG_LOG_DEBUG_CORE, ev->log, 0,
                      "channel command: %ui", ch.command);

        switch (ch.command) {

        case KG_CMD_QUIT:
            kg_quit = 1;
            break;

        case KG_CMD_TERMINATE:
            kg_terminate = 1;
            break;

        case KG_CMD_REOPEN:
            kg_reopen = 1;
            break;

        case KG_CMD_OPEN_CHANNEL:

            kg_log_debug3(KG_LOG_DEBUG_CORE, ev->log, 0,
                          "get channel s:%i pid:%P fd:%d",
                          ch.slot, ch.pid, ch.fd);

            if (ch.slot < 0 || ch.slot >= KG_MAX_PROCESSES) {
                close(ch.fd);
                break;
            }

            kg_processes[ch.slot].pid = ch.pid;
            kg_processes[ch.slot].channel[0] = ch.fd;
            break;

        case KG_CMD_CLOSE_CHANNEL:

            if (ch.slot < 0 || ch.slot >= KG_MAX_PROCESSES) {
                break;
            }

            kg_log_debug4(KG_LOG_DEBUG_CORE, ev->log, 0,
                          "close channel s:%i pid:%P our:%P fd:%d",
                          ch.slot, ch.pid, kg_processes[ch.slot].pid,
                          kg_processes[ch.slot].channel[0]);

            if (kg_processes[ch.slot].channel[0] == -1) {
                break;
            }

            if (close(kg_processes[ch.slot].channel[0]) == -1) {
                kg_log_error(KG_LOG_ALERT, ev->log, kg_errno,
                             "close() channel failed");
            }

            kg_processes[ch.slot].channel[0] = -1;
            break;
        }
    }
}
