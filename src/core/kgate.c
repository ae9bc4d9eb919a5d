/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kgate.h>


static void kg_show_version_info(void);
static kg_int_t kg_add_inherited_sockets(kg_cycle_t *cycle);
static kg_int_t kg_get_options(int argc, char *const *argv);
static kg_int_t kg_process_options(kg_cycle_t *cycle);
static kg_int_t kg_save_argv(kg_cycle_t *cycle, int argc, char *const *argv);


static kg_uint_t   kg_show_help;
static kg_uint_t   kg_show_version;
static kg_uint_t   kg_show_configure;
static u_char     *kg_prefix;
static u_char     *kg_error_log;
static u_char     *kg_conf_file;
static u_char     *kg_conf_params;
static char       *kg_signal;


int
main(int argc, char *const *argv)
{
    kg_int_t         rc;
    kg_buf_t        *b;
    kg_log_t        *log;
    kg_uint_t        i;
    kg_cycle_t      *cycle, init_cycle;
    kg_conf_dump_t  *cd;
    kg_core_conf_t  *ccf;

    kg_debug_init();

    if (kg_strerror_init() != KG_OK) {
        return 1;
    }

    if (kg_get_options(argc, argv) != KG_OK) {
        return 1;
    }

    if (kg_show_version) {
        kg_show_version_info();

        if (!kg_test_config) {
            return 0;
        }
    }

    kg_time_init();

    kg_pid = kg_getpid();
    kg_parent = kg_getppid();

    log = kg_log_init(kg_prefix, kg_error_log);
    if (log == NULL) {
        return 1;
    }

    /*
     * init_cycle->log is required for signal handlers and
     * kg_process_options()
     */

    kg_memzero(&init_cycle, sizeof(kg_cycle_t));
    init_cycle.log = log;
    kg_cycle = &init_cycle;

    init_cycle.pool = kg_create_pool(1024, log);
    if (init_cycle.pool == NULL) {
        return 1;
    }

    if (kg_save_argv(&init_cycle, argc, argv) != KG_OK) {
        return 1;
    }

    if (kg_process_options(&init_cycle) != KG_OK) {
        return 1;
    }

    if (kg_os_init(log) != KG_OK) {
        return 1;
    }

    if (kg_add_inherited_sockets(&init_cycle) != KG_OK) {
        return 1;
    }

    if (kg_preinit_modules() != KG_OK) {
        return 1;
    }

    cycle = kg_init_cycle(&init_cycle);
    if (cycle == NULL) {
        if (kg_test_config) {
            kg_log_stderr(0, "configuration file %s test failed",
                          init_cycle.conf_file.data);
        }

        /* freed at exit only to keep leak checkers quiet */

        kg_destroy_pool(init_cycle.pool);

        return 1;
    }

    if (kg_test_config) {
        if (!kg_quiet_mode) {
            kg_log_stderr(0, "configuration file %s test is successful",
                          cycle->conf_file.data);
        }

        if (kg_dump_config) {
            cd = cycle->config_dump.elts;

            for (i = 0; i < cycle->config_dump.nelts; i++) {

                kg_write_stdout("# configuration file ");
                (void) kg_write_fd(kg_stdout, cd[i].name.data,
                                   cd[i].name.len);
                kg_write_stdout(":" KG_LINEFEED);

                b = cd[i].buffer;

                (void) kg_write_fd(kg_stdout, b->pos, b->last - b->pos);
                kg_write_stdout(KG_LINEFEED);
            }
        }

        kg_destroy_pool(cycle->pool);

        return 0;
    }

    if (kg_signal) {
        rc = kg_signal_process(cycle, kg_signal);

        /* a signaller's cycle stops before the old one is released */

        kg_destroy_pool(cycle->pool);
        kg_destroy_pool(init_cycle.pool);

        return rc;
    }

    kg_os_status(cycle->log);

    kg_cycle = cycle;

    ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx, kg_core_module);

    if (ccf->master && kg_process == KG_PROCESS_SINGLE) {
        kg_process = KG_PROCESS_MASTER;
    }

    if (kg_init_signals(cycle->log) != KG_OK) {
        return 1;
    }

    if (!kg_inherited && ccf->daemon) {
        if (kg_daemon(cycle->log) != KG_OK) {
            return 1;
        }

        kg_daemonized = 1;
    }

    if (kg_inherited) {
        kg_daemonized = 1;
    }

    if (kg_create_pidfile(&ccf->pid, cycle->log) != KG_OK) {
        return 1;
    }

    /* once, in the master, before any worker exists; not on reloads */

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->init_master
            && cycle->modules[i]->init_master(cycle->log) != KG_OK)
        {
            return 1;
        }
    }

    if (kg_log_redirect_stderr(cycle) != KG_OK) {
        return 1;
    }

    if (log->file->fd != kg_stderr) {
        if (kg_close_file(log->file->fd) == KG_FILE_ERROR) {
            kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                         kg_close_file_n " built-in log failed");
        }
    }

    kg_use_stderr = 0;

    if (kg_process == KG_PROCESS_SINGLE) {
        kg_single_process_cycle(cycle);

    } else {
        kg_master_process_cycle(cycle);
    }

    return 0;
}


/*
 * A new binary started by USR2 finds the listening sockets of the old
 * master in KGATE="fd;fd;" and keeps them open instead of binding anew.
 */

static kg_int_t
kg_add_inherited_sockets(kg_cycle_t *cycle)
{
    u_char          *p, *v, *inherited;
    kg_int_t         s;
    kg_listening_t  *ls;

    inherited = (u_char *) getenv(KGATE_VAR);

    if (inherited == NULL) {
        return KG_OK;
    }

    kg_log_error(KG_LOG_NOTICE, cycle->log, 0,
                 "using inherited sockets from \"%s\"", inherited);

    if (kg_array_init(&cycle->listening, cycle->pool, 10,
                      sizeof(kg_listening_t))
        != KG_OK)
    {
        return KG_ERROR;
    }

    for (p = inherited, v = p; *p; p++) {
        if (*p == ':' || *p == ';') {
            s = kg_atoi(v, p - v);
            if (s == KG_ERROR) {
                kg_log_error(KG_LOG_EMERG, cycle->log, 0,
                             "invalid socket number \"%s\" in " KGATE_VAR
                             " environment variable, ignoring the rest"
                             " of the variable", v);
                break;
            }

            v = p + 1;

            ls = kg_array_push(&cycle->listening);
            if (ls == NULL) {
                return KG_ERROR;
            }

            kg_memzero(ls, sizeof(kg_listening_t));

            ls->fd = (kg_socket_t) s;
            ls->inherited = 1;
        }
    }

    if (v != p) {
        kg_log_error(KG_LOG_EMERG, cycle->log, 0,
                     "invalid socket number \"%s\" in " KGATE_VAR
                     " environment variable, ignoring", v);
    }

    kg_inherited = 1;

    return kg_set_inherited_sockets(cycle);
}


static void
kg_show_version_info(void)
{
    kg_uint_t  i;

    kg_write_stderr("kgate version: " KGATE_VER KG_LINEFEED);

    if (kg_show_help) {
        kg_write_stderr(
            "Usage: kgate [-?hvVtTq] [-s signal] [-p prefix]" KG_LINEFEED
            "             [-e filename] [-c filename] [-g directives]"
                          KG_LINEFEED KG_LINEFEED
            "Options:" KG_LINEFEED
            "  -?,-h         : this help" KG_LINEFEED
            "  -v            : show version and exit" KG_LINEFEED
            "  -V            : show version and configure options then exit"
                               KG_LINEFEED
            "  -t            : test configuration and exit" KG_LINEFEED
            "  -T            : test configuration, dump it and exit"
                               KG_LINEFEED
            "  -q            : suppress non-error messages "
                               "during configuration testing" KG_LINEFEED
            "  -s signal     : send signal to a master process: "
                               "stop, quit, reopen, reload" KG_LINEFEED
            "  -p prefix     : set prefix path (default: " KG_PREFIX ")"
                               KG_LINEFEED
            "  -e filename   : set error log file (default: "
                               KG_ERROR_LOG_PATH ")" KG_LINEFEED
            "  -c filename   : set configuration file (default: "
                               KG_CONF_PATH ")" KG_LINEFEED
            "  -g directives : set global directives out of configuration "
                               "file" KG_LINEFEED KG_LINEFEED
        );
    }

    if (kg_show_configure) {

#ifdef KG_COMPILER
        kg_write_stderr("built by " KG_COMPILER KG_LINEFEED);
#endif

        kg_write_stderr("configure arguments: " KG_CONFIGURE KG_LINEFEED);

        kg_write_stderr("modules:");

        for (i = 0; kg_module_names[i]; i++) {
            kg_write_stderr(" ");
            kg_write_stderr(kg_module_names[i]);
        }

        kg_write_stderr(KG_LINEFEED);
    }
}


static kg_int_t
kg_get_options(int argc, char *const *argv)
{
    u_char     *p;
    kg_int_t    i;

    for (i = 1; i < argc; i++) {

        p = (u_char *) argv[i];

        if (*p++ != '-') {
            kg_log_stderr(0, "invalid option: \"%s\"", argv[i]);
            return KG_ERROR;
        }

        while (*p) {

            switch (*p++) {

            case '?':
            case 'h':
                kg_show_version = 1;
                kg_show_help = 1;
                break;

            case 'v':
                kg_show_version = 1;
                break;

            case 'V':
                kg_show_version = 1;
                kg_show_configure = 1;
                break;

            case 't':
                kg_test_config = 1;
                break;

            case 'T':
                kg_test_config = 1;
                kg_dump_config = 1;
                break;

            case 'q':
                kg_quiet_mode = 1;
                break;

            case 'p':
                if (*p) {
                    kg_prefix = p;
                    goto next;
                }

                if (argv[++i]) {
                    kg_prefix = (u_char *) argv[i];
                    goto next;
                }

                kg_log_stderr(0, "option \"-p\" requires directory name");
                return KG_ERROR;

            case 'e':
                if (*p) {
                    kg_error_log = p;

                } else if (argv[++i]) {
                    kg_error_log = (u_char *) argv[i];

                } else {
                    kg_log_stderr(0, "option \"-e\" requires file name");
                    return KG_ERROR;
                }

                if (kg_strcmp(kg_error_log, "stderr") == 0) {
                    kg_error_log = (u_char *) "";
                }

                goto next;

            case 'c':
                if (*p) {
                    kg_conf_file = p;
                    goto next;
                }

                if (argv[++i]) {
                    kg_conf_file = (u_char *) argv[i];
                    goto next;
                }

                kg_log_stderr(0, "option \"-c\" requires file name");
                return KG_ERROR;

            case 'g':
                if (*p) {
                    kg_conf_params = p;
                    goto next;
                }

                if (argv[++i]) {
                    kg_conf_params = (u_char *) argv[i];
                    goto next;
                }

                kg_log_stderr(0, "option \"-g\" requires parameter");
                return KG_ERROR;

            case 's':
                if (*p) {
                    kg_signal = (char *) p;

                } else if (argv[++i]) {
                    kg_signal = argv[i];

                } else {
                    kg_log_stderr(0, "option \"-s\" requires parameter");
                    return KG_ERROR;
                }

                if (kg_strcmp(kg_signal, "stop") == 0
                    || kg_strcmp(kg_signal, "quit") == 0
                    || kg_strcmp(kg_signal, "reopen") == 0
                    || kg_strcmp(kg_signal, "reload") == 0)
                {
                    kg_process = KG_PROCESS_SIGNALLER;
                    goto next;
                }

                kg_log_stderr(0, "invalid option: \"-s %s\"", kg_signal);
                return KG_ERROR;

            default:
                kg_log_stderr(0, "invalid option: \"%c\"", *(p - 1));
                return KG_ERROR;
            }
        }

    next:

        continue;
    }

    return KG_OK;
}


/*
 * The arguments are copied because kg_setproctitle() overwrites the
 * memory of the original ones; a new binary is executed with the copy.
 */

static kg_int_t
kg_save_argv(kg_cycle_t *cycle, int argc, char *const *argv)
{
    size_t     len;
    kg_int_t   i;

    kg_os_argv = (char **) argv;
    kg_argc = argc;

    kg_argv = kg_alloc((argc + 1) * sizeof(char *), cycle->log);
    if (kg_argv == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < argc; i++) {
        len = kg_strlen(argv[i]) + 1;

        kg_argv[i] = kg_alloc(len, cycle->log);
        if (kg_argv[i] == NULL) {
            return KG_ERROR;
        }

        (void) kg_cpystrn((u_char *) kg_argv[i], (u_char *) argv[i], len);
    }

    kg_argv[i] = NULL;

    return KG_OK;
}


static kg_int_t
kg_process_options(kg_cycle_t *cycle)
{
    u_char  *p;
    size_t   len;

    if (kg_prefix) {
        len = kg_strlen(kg_prefix);
        p = kg_prefix;

        if (len && !kg_path_separator(p[len - 1])) {
            p = kg_pnalloc(cycle->pool, len + 1);
            if (p == NULL) {
                return KG_ERROR;
            }

            kg_memcpy(p, kg_prefix, len);
            p[len++] = '/';
        }

        cycle->conf_prefix.len = len;
        cycle->conf_prefix.data = p;
        cycle->prefix.len = len;
        cycle->prefix.data = p;

    } else {

#ifdef KG_CONF_PREFIX
        kg_str_set(&cycle->conf_prefix, KG_CONF_PREFIX);
#else
        kg_str_set(&cycle->conf_prefix, KG_PREFIX);
#endif
        kg_str_set(&cycle->prefix, KG_PREFIX);
    }

    if (kg_conf_file) {
        cycle->conf_file.len = kg_strlen(kg_conf_file);
        cycle->conf_file.data = kg_conf_file;

    } else {
        kg_str_set(&cycle->conf_file, KG_CONF_PATH);
    }

    if (kg_conf_full_name(cycle, &cycle->conf_file, 0) != KG_OK) {
        return KG_ERROR;
    }

    /* includes are relative to the directory of the configuration file */

    for (p = cycle->conf_file.data + cycle->conf_file.len - 1;
         p > cycle->conf_file.data;
         p--)
    {
        if (kg_path_separator(*p)) {
            cycle->conf_prefix.len = p - cycle->conf_file.data + 1;
            cycle->conf_prefix.data = cycle->conf_file.data;
            break;
        }
    }

    if (kg_error_log) {
        cycle->error_log.len = kg_strlen(kg_error_log);
        cycle->error_log.data = kg_error_log;

    } else {
        kg_str_set(&cycle->error_log, KG_ERROR_LOG_PATH);
    }

    if (kg_conf_params) {
        cycle->conf_param.len = kg_strlen(kg_conf_params);
        cycle->conf_param.data = kg_conf_params;
    }

    if (kg_test_config) {
        cycle->log->log_level = KG_LOG_INFO;
    }

    return KG_OK;
}
