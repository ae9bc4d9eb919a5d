/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_channel.h>


static kg_int_t kg_spawn_channel(kg_cycle_t *cycle, kg_socket_t *channel,
    char *name);
static void kg_execute_proc(kg_cycle_t *cycle, void *data);
static void kg_signal_handler(int signo, siginfo_t *siginfo, void *ucontext);
static void kg_process_get_status(void);


int              kg_argc;
char           **kg_argv;
char           **kg_os_argv;

kg_int_t         kg_process_slot;
kg_socket_t      kg_channel;
kg_int_t         kg_last_process;
kg_process_t     kg_processes[KG_MAX_PROCESSES];

/* set once in kg_init_signals(), read by the signal handler */
static kg_uint_t  kg_stdin_is_tty;


kg_signal_t  signals[] = {
    { kg_signal_value(KG_RECONFIGURE_SIGNAL),
      "SIG" kg_value(KG_RECONFIGURE_SIGNAL),
      "reload",
      kg_signal_handler },

    { kg_signal_value(KG_REOPEN_SIGNAL),
      "SIG" kg_value(KG_REOPEN_SIGNAL),
      "reopen",
      kg_signal_handler },

    { kg_signal_value(KG_NOACCEPT_SIGNAL),
      "SIG" kg_value(KG_NOACCEPT_SIGNAL),
      "",
      kg_signal_handler },

    { kg_signal_value(KG_TERMINATE_SIGNAL),
      "SIG" kg_value(KG_TERMINATE_SIGNAL),
      "stop",
      kg_signal_handler },

    { kg_signal_value(KG_SHUTDOWN_SIGNAL),
      "SIG" kg_value(KG_SHUTDOWN_SIGNAL),
      "quit",
      kg_signal_handler },

    { kg_signal_value(KG_CHANGEBIN_SIGNAL),
      "SIG" kg_value(KG_CHANGEBIN_SIGNAL),
      "",
      kg_signal_handler },

    { SIGALRM, "SIGALRM", "", kg_signal_handler },

    { SIGINT, "SIGINT", "", kg_signal_handler },

    { SIGIO, "SIGIO", "", kg_signal_handler },

    { SIGCHLD, "SIGCHLD", "", kg_signal_handler },

    { SIGSYS, "SIGSYS, SIG_IGN", "", NULL },

    { SIGPIPE, "SIGPIPE, SIG_IGN", "", NULL },

    { 0, NULL, "", NULL }
};


kg_pid_t
kg_spawn_process(kg_cycle_t *cycle, kg_spawn_proc_pt proc, void *data,
    char *name, kg_int_t respawn)
{
    kg_pid_t  pid;
    kg_int_t  s;

    if (respawn >= 0) {
        s = respawn;

    } else {
        for (s = 0; s < kg_last_process; s++) {
            if (kg_processes[s].pid == -1) {
                break;
            }
        }

        if (s == KG_MAX_PROCESSES) {
            kg_log_error(KG_LOG_ALERT, cycle->log, 0,
                         "no more than %d processes can be spawned",
                         KG_MAX_PROCESSES);
            return KG_INVALID_PID;
        }
    }


    if (respawn != KG_PROCESS_DETACHED) {

        if (kg_spawn_channel(cycle, kg_processes[s].channel, name)
            != KG_OK)
        {
            return KG_INVALID_PID;
        }

        kg_channel = kg_processes[s].channel[1];

    } else {
        kg_processes[s].channel[0] = -1;
        kg_processes[s].channel[1] = -1;
    }

    kg_process_slot = s;


    pid = fork();

    switch (pid) {

    case -1:
        kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                     "fork() failed while spawning \"%s\"", name);
        kg_close_channel(kg_processes[s].channel, cycle->log);
        return KG_INVALID_PID;

    case 0:
        kg_parent = kg_pid;
        kg_pid = kg_getpid();
        proc(cycle, data);

        /* a process function never returns */
        exit(0);

    default:
        break;
    }

    kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "start %s %P", name, pid);

    kg_processes[s].pid = pid;
    kg_processes[s].exited = 0;

    if (respawn >= 0) {
        return pid;
    }

    kg_processes[s].proc = proc;
    kg_processes[s].data = data;
    kg_processes[s].name = name;
    kg_processes[s].exiting = 0;

    switch (respawn) {

    case KG_PROCESS_NORESPAWN:
        kg_processes[s].respawn = 0;
        kg_processes[s].just_spawn = 0;
        kg_processes[s].detached = 0;
        break;

    case KG_PROCESS_JUST_SPAWN:
        kg_processes[s].respawn = 0;
        kg_processes[s].just_spawn = 1;
        kg_processes[s].detached = 0;
        break;

    case KG_PROCESS_RESPAWN:
        kg_processes[s].respawn = 1;
        kg_processes[s].just_spawn = 0;
        kg_processes[s].detached = 0;
        break;

    case KG_PROCESS_JUST_RESPAWN:
        kg_processes[s].respawn = 1;
        kg_processes[s].just_spawn = 1;
        kg_processes[s].detached = 0;
        break;

    case KG_PROCESS_DETACHED:
        kg_processes[s].respawn = 0;
        kg_processes[s].just_spawn = 0;
        kg_processes[s].detached = 1;
        break;
    }

    if (s == kg_last_process) {
        kg_last_process++;
    }

    return pid;
}


/* the master's end is channel[0], the worker's channel[1] */

static kg_int_t
kg_spawn_channel(kg_cycle_t *cycle, kg_socket_t *channel, char *name)
{
    u_long       on;
    const char  *call;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, channel) == -1) {
        kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                     "socketpair() failed while spawning \"%s\"", name);
        return KG_ERROR;
    }

    kg_log_debug2(KG_LOG_DEBUG_CORE, cycle->log, 0,
                  "channel %d:%d", channel[0], channel[1]);

    if (kg_nonblocking(channel[0]) == -1
        || kg_nonblocking(channel[1]) == -1)
    {
        call = kg_nonblocking_n;
        goto failed;
    }

    /*
     * the master learns through SIGIO that a worker went away,
     * which paces the termination cycle
     */

    on = 1;
    if (ioctl(channel[0], FIOASYNC, &on) == -1) {
        call = "ioctl(FIOASYNC)";
        goto failed;
    }

    if (fcntl(channel[0], F_SETOWN, kg_pid) == -1) {
        call = "fcntl(F_SETOWN)";
        goto failed;
    }

    /* a new binary must not inherit the channels */

    if (fcntl(channel[0], F_SETFD, FD_CLOEXEC) == -1
        || fcntl(channel[1], F_SETFD, FD_CLOEXEC) == -1)
    {
        call = "fcntl(FD_CLOEXEC)";
        goto failed;
    }

    return KG_OK;

failed:

    kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                 "%s failed while spawning \"%s\"", call, name);

    kg_close_channel(channel, cycle->log);

    return KG_ERROR;
}


kg_pid_t
kg_execute(kg_cycle_t *cycle, kg_exec_ctx_t *ctx)
{
    return kg_spawn_process(cycle, kg_execute_proc, ctx, ctx->name,
                            KG_PROCESS_DETACHED);
}


static void
kg_execute_proc(kg_cycle_t *cycle, void *data)
{
    kg_exec_ctx_t  *ctx = data;

    if (execve(ctx->path, ctx->argv, ctx->envp) == -1) {
        kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                     "execve() failed while executing %s \"%s\"",
                     ctx->name, ctx->path);
    }

    exit(1);
}


kg_int_t
kg_init_signals(kg_log_t *log)
{
    kg_signal_t       *sig;
    struct sigaction   sa;

    kg_stdin_is_tty = isatty(STDIN_FILENO) ? 1 : 0;

    for (sig = signals; sig->signo != 0; sig++) {
        kg_memzero(&sa, sizeof(struct sigaction));

        if (sig->handler) {
            sa.sa_sigaction = sig->handler;
            sa.sa_flags = SA_SIGINFO;

        } else {
            sa.sa_handler = SIG_IGN;
        }

        sigemptyset(&sa.sa_mask);
        if (sigaction(sig->signo, &sa, NULL) == -1) {
            kg_log_error(KG_LOG_EMERG, log, kg_errno,
                         "sigaction(%s) failed", sig->signame);
            return KG_ERROR;
        }
    }

    return KG_OK;
}


static void
kg_signal_handler(int signo, siginfo_t *siginfo, void *ucontext)
{
    char          *action;
    kg_int_t       ignore;
    kg_err_t       err;
    kg_signal_t   *sig;

    ignore = 0;

    err = kg_errno;

    for (sig = signals; sig->signo != 0; sig++) {
        if (sig->signo == signo) {
            break;
        }
    }

    kg_time_sigsafe_update();

    action = "";

    switch (kg_process) {

    case KG_PROCESS_MASTER:
    case KG_PROCESS_SINGLE:
        switch (signo) {

        case kg_signal_value(KG_SHUTDOWN_SIGNAL):
            kg_quit = 1;
            action = ", shutting down";
            break;

        case kg_signal_value(KG_TERMINATE_SIGNAL):
        case SIGINT:
            kg_terminate = 1;
            action = ", exiting";
            break;

        case kg_signal_value(KG_NOACCEPT_SIGNAL):

            /*
             * a terminal sends SIGWINCH when it is resized: only a
             * master detached from a terminal takes it as an order
             */

            if (kg_daemonized || !kg_stdin_is_tty) {
                kg_noaccept = 1;
                action = ", stop accepting connections";
            }
            break;

        case kg_signal_value(KG_RECONFIGURE_SIGNAL):
            kg_reconfigure = 1;
            action = ", reconfiguring";
            break;

        case kg_signal_value(KG_REOPEN_SIGNAL):
            kg_reopen = 1;
            action = ", reopening logs";
            break;

        case kg_signal_value(KG_CHANGEBIN_SIGNAL):
            if ((kg_inherited && kg_getppid() == kg_parent)
                || kg_new_binary > 0)
            {
                /*
                 * Ignore the signal in the new binary while the old
                 * binary's master, its parent, is still running, and in
                 * the old binary while the new binary is running.
                 */

                action = ", ignoring";
                ignore = 1;
                break;
            }

            kg_change_binary = 1;
            action = ", changing binary";
            break;

        case SIGALRM:
            kg_sigalrm = 1;
            break;

        case SIGIO:
            kg_sigio = 1;
            break;

        case SIGCHLD:
            kg_reap = 1;
            break;
        }

        break;

    case KG_PROCESS_WORKER:
    case KG_PROCESS_HELPER:
        switch (signo) {

        case kg_signal_value(KG_NOACCEPT_SIGNAL):
            if (!kg_daemonized && kg_stdin_is_tty) {
                break;
            }

            kg_debug_quit = 1;
            kg_quit = 1;
            action = ", shutting down";
            break;

        case kg_signal_value(KG_SHUTDOWN_SIGNAL):
            kg_quit = 1;
            action = ", shutting down";
            break;

        case kg_signal_value(KG_TERMINATE_SIGNAL):
        case SIGINT:
            kg_terminate = 1;
            action = ", exiting";
            break;

        case kg_signal_value(KG_REOPEN_SIGNAL):
            kg_reopen = 1;
            action = ", reopening logs";
            break;

        case kg_signal_value(KG_RECONFIGURE_SIGNAL):
        case kg_signal_value(KG_CHANGEBIN_SIGNAL):
        case SIGIO:
            action = ", ignoring";
            break;
        }

        break;
    }

    if (siginfo && siginfo->si_pid) {
        kg_log_error(KG_LOG_NOTICE, kg_cycle->log, 0,
                     "signal %d (%s) received from %P%s",
                     signo, sig->signame, siginfo->si_pid, action);

    } else {
        kg_log_error(KG_LOG_NOTICE, kg_cycle->log, 0,
                     "signal %d (%s) received%s",
                     signo, sig->signame, action);
    }

    if (ignore) {
        kg_log_error(KG_LOG_ERR, kg_cycle->log, 0,
                     "the changing binary signal is ignored: "
                     "you should shutdown or terminate "
                     "before either old or new binary's process");
    }

    if (signo == SIGCHLD) {
        kg_process_get_status();
    }

    kg_set_errno(err);
}


static void
kg_process_get_status(void)
{
    int          status;
    char        *process;
    kg_pid_t     pid;
    kg_err_t     err;
    kg_int_t     i;
    kg_uint_t    one, level;

    one = 0;

    for ( ;; ) {
        pid = waitpid(-1, &status, WNOHANG);

        if (pid == 0) {
            return;
        }

        if (pid == -1) {
            err = kg_errno;

            if (err == KG_EINTR) {
                continue;
            }

            if (err == KG_ECHILD && one) {
                return;
            }

            /*
             * several children may exit at once and be reaped by a
             * single call, so a later SIGCHLD may find nothing to reap
             */

            if (err == KG_ECHILD) {
                kg_log_error(KG_LOG_INFO, kg_cycle->log, err,
                             "waitpid() failed");
                return;
            }

            kg_log_error(KG_LOG_ALERT, kg_cycle->log, err,
                         "waitpid() failed");
            return;
        }


        one = 1;
        process = "unknown process";
        level = KG_LOG_ALERT;

        for (i = 0; i < kg_last_process; i++) {
            if (kg_processes[i].pid == pid) {
                kg_processes[i].status = status;
                kg_processes[i].exited = 1;
                process = kg_processes[i].name;

                /*
                 * a signal is a crash unless we had asked the process
                 * to go: the fast stop ends with SIGKILL
                 */

                if (kg_processes[i].exiting) {
                    level = KG_LOG_NOTICE;
                }

                break;
            }
        }

        if (WIFSIGNALED(status)) {
#ifdef WCOREDUMP
            kg_log_error(level, kg_cycle->log, 0,
                         "%s %P exited on signal %d%s",
                         process, pid, WTERMSIG(status),
                         WCOREDUMP(status) ? " (core dumped)" : "");
#else
            kg_log_error(level, kg_cycle->log, 0,
                         "%s %P exited on signal %d",
                         process, pid, WTERMSIG(status));
#endif

        } else {
            kg_log_error(KG_LOG_NOTICE, kg_cycle->log, 0,
                         "%s %P exited with code %d",
                         process, pid, WEXITSTATUS(status));
        }

        if (i < kg_last_process
            && WIFEXITED(status)
            && WEXITSTATUS(status) == 2
            && kg_processes[i].respawn)
        {
            kg_log_error(KG_LOG_ALERT, kg_cycle->log, 0,
                         "%s %P exited with fatal code %d "
                         "and cannot be respawned",
                         process, pid, WEXITSTATUS(status));
            kg_processes[i].respawn = 0;
        }
    }
}


kg_int_t
kg_os_signal_process(kg_cycle_t *cycle, char *name, kg_pid_t pid)
{
    kg_signal_t  *sig;

    for (sig = signals; sig->signo != 0; sig++) {
        if (sig->name[0] == '\0' || kg_strcmp(name, sig->name) != 0) {
            continue;
        }

        if (kill(pid, sig->signo) != -1) {
            return 0;
        }

        kg_log_error(KG_LOG_ERR, cycle->log, kg_errno,
                     "kill(%P, %d) failed", pid, sig->signo);

        return 1;
    }

    return 1;
}
