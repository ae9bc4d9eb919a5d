/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kgate.h>


static void kg_destroy_cycle_pools(kg_conf_t *conf);
static kg_shm_zone_t *kg_shm_zone_find(kg_list_t *zones, kg_str_t *name);
static kg_uint_t kg_shm_zone_match(kg_shm_zone_t *zone, kg_shm_zone_t *old);
static void kg_clean_old_cycles(kg_event_t *ev);
static void kg_shutdown_timer_handler(kg_event_t *ev);


volatile kg_cycle_t  *kg_cycle;
kg_array_t            kg_old_cycles;

static kg_pool_t     *kg_temp_pool;
static kg_event_t     kg_cleaner_event;
static kg_event_t     kg_shutdown_event;

kg_uint_t             kg_test_config;
kg_uint_t             kg_dump_config;
kg_uint_t             kg_quiet_mode;


/* timer code may read the data of any event as a connection */
static kg_connection_t  dumb;


extern char         **environ;


/*
 * Builds a new cycle from scratch for the configuration named in
 * old_cycle and takes over what can be kept of the old one: listening
 * sockets bound to the same address and shared memory zones of the same
 * name, size and tag.  Returns NULL with the reason logged if anything
 * fails; the old cycle is then untouched and keeps serving.
 */

kg_cycle_t *
kg_init_cycle(kg_cycle_t *old_cycle)
{
    void                *rv;
    char               **senv;
    kg_uint_t            i, n;
    kg_log_t            *log;
    kg_conf_t            conf;
    kg_pool_t           *pool;
    kg_cycle_t          *cycle, **old;
    kg_shm_zone_t       *shm_zone, *oshm_zone, *ozone;
    kg_list_part_t      *part, *opart;
    kg_open_file_t      *file;
    kg_listening_t      *ls, *nls;
    kg_core_conf_t      *ccf, *old_ccf;
    kg_core_module_t    *module;
    char                 hostname[KG_MAXHOSTNAMELEN];

    kg_time_update();

    log = old_cycle->log;

    pool = kg_create_pool(KG_CYCLE_POOL_SIZE, log);
    if (pool == NULL) {
        return NULL;
    }
    pool->log = log;

    cycle = kg_pcalloc(pool, sizeof(kg_cycle_t));
    if (cycle == NULL) {
        kg_destroy_pool(pool);
        return NULL;
    }

    cycle->pool = pool;
    cycle->log = log;
    cycle->old_cycle = old_cycle;

    cycle->conf_prefix.len = old_cycle->conf_prefix.len;
    cycle->conf_prefix.data = kg_pstrdup(pool, &old_cycle->conf_prefix);
    if (cycle->conf_prefix.data == NULL) {
        kg_destroy_pool(pool);
        return NULL;
    }

    cycle->prefix.len = old_cycle->prefix.len;
    cycle->prefix.data = kg_pstrdup(pool, &old_cycle->prefix);
    if (cycle->prefix.data == NULL) {
        kg_destroy_pool(pool);
        return NULL;
    }

    cycle->error_log.len = old_cycle->error_log.len;
    cycle->error_log.data = kg_pnalloc(pool, old_cycle->error_log.len + 1);
    if (cycle->error_log.data == NULL) {
        kg_destroy_pool(pool);
        return NULL;
    }
    kg_cpystrn(cycle->error_log.data, old_cycle->error_log.data,
               old_cycle->error_log.len + 1);

    cycle->conf_file.len = old_cycle->conf_file.len;
    cycle->conf_file.data = kg_pnalloc(pool, old_cycle->conf_file.len + 1);
    if (cycle->conf_file.data == NULL) {
        kg_destroy_pool(pool);
        return NULL;
    }
    kg_cpystrn(cycle->conf_file.data, old_cycle->conf_file.data,
               old_cycle->conf_file.len + 1);

    cycle->conf_param.len = old_cycle->conf_param.len;
    cycle->conf_param.data = kg_pstrdup(pool, &old_cycle->conf_param);
    if (cycle->conf_param.data == NULL) {
        kg_destroy_pool(pool);
        return NULL;
    }


    if (kg_array_init(&cycle->config_dump, pool, 1, sizeof(kg_conf_dump_t))
        != KG_OK)
    {
        kg_destroy_pool(pool);
        return NULL;
    }


    if (old_cycle->open_files.part.nelts) {
        n = old_cycle->open_files.part.nelts;
        for (part = old_cycle->open_files.part.next; part; part = part->next) {
            n += part->nelts;
        }

    } else {
        n = 20;
    }

    if (kg_list_init(&cycle->open_files, pool, n, sizeof(kg_open_file_t))
        != KG_OK)
    {
        kg_destroy_pool(pool);
        return NULL;
    }


    if (old_cycle->shared_memory.part.nelts) {
        n = old_cycle->shared_memory.part.nelts;
        for (part = old_cycle->shared_memory.part.next; part; part = part->next)
        {
            n += part->nelts;
        }

    } else {
        n = 1;
    }

    if (kg_list_init(&cycle->shared_memory, pool, n, sizeof(kg_shm_zone_t))
        != KG_OK)
    {
        kg_destroy_pool(pool);
        return NULL;
    }

    n = old_cycle->listening.nelts ? old_cycle->listening.nelts : 10;

    if (kg_array_init(&cycle->listening, pool, n, sizeof(kg_listening_t))
        != KG_OK)
    {
        kg_destroy_pool(pool);
        return NULL;
    }

    kg_memzero(cycle->listening.elts, n * sizeof(kg_listening_t));


    kg_queue_init(&cycle->reusable_connections_queue);


    cycle->conf_ctx = kg_pcalloc(pool, kg_max_module * sizeof(void *));
    if (cycle->conf_ctx == NULL) {
        kg_destroy_pool(pool);
        return NULL;
    }


    if (gethostname(hostname, KG_MAXHOSTNAMELEN) == -1) {
        kg_log_error(KG_LOG_EMERG, log, kg_errno, "gethostname() failed");
        kg_destroy_pool(pool);
        return NULL;
    }

    /* on Linux gethostname() silently truncates name that does not fit */

    hostname[KG_MAXHOSTNAMELEN - 1] = '\0';
    cycle->hostname.len = kg_strlen(hostname);

    cycle->hostname.data = kg_pnalloc(pool, cycle->hostname.len);
    if (cycle->hostname.data == NULL) {
        kg_destroy_pool(pool);
        return NULL;
    }

    kg_strlow(cycle->hostname.data, (u_char *) hostname, cycle->hostname.len);


    if (kg_cycle_modules(cycle) != KG_OK) {
        kg_destroy_pool(pool);
        return NULL;
    }


    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->type != KG_CORE_MODULE) {
            continue;
        }

        module = cycle->modules[i]->ctx;

        if (module->create_conf) {
            rv = module->create_conf(cycle);
            if (rv == NULL) {
                kg_destroy_pool(pool);
                return NULL;
            }
            cycle->conf_ctx[cycle->modules[i]->index] = rv;
        }
    }


    senv = environ;


    kg_memzero(&conf, sizeof(kg_conf_t));

    conf.args = kg_array_create(pool, 10, sizeof(kg_str_t));
    if (conf.args == NULL) {
        kg_destroy_pool(pool);
        return NULL;
    }

    conf.temp_pool = kg_create_pool(KG_CYCLE_POOL_SIZE, log);
    if (conf.temp_pool == NULL) {
        kg_destroy_pool(pool);
        return NULL;
    }


    conf.ctx = cycle->conf_ctx;
    conf.cycle = cycle;
    conf.pool = pool;
    conf.log = log;
    conf.module_type = KG_CORE_MODULE;
    conf.cmd_type = KG_MAIN_CONF;

    if (kg_conf_param(&conf) != KG_CONF_OK) {
        environ = senv;
        kg_destroy_cycle_pools(&conf);
        return NULL;
    }

    if (kg_conf_parse(&conf, &cycle->conf_file) != KG_CONF_OK) {
        environ = senv;
        kg_destroy_cycle_pools(&conf);
        return NULL;
    }

    if (kg_test_config && !kg_quiet_mode) {
        kg_log_stderr(0, "the configuration file %s syntax is ok",
                      cycle->conf_file.data);
    }

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->type != KG_CORE_MODULE) {
            continue;
        }

        module = cycle->modules[i]->ctx;

        if (module->init_conf) {
            if (module->init_conf(cycle,
                                  cycle->conf_ctx[cycle->modules[i]->index])
                == KG_CONF_ERROR)
            {
                environ = senv;
                kg_destroy_cycle_pools(&conf);
                return NULL;
            }
        }
    }

    if (kg_process == KG_PROCESS_SIGNALLER) {
        kg_destroy_pool(conf.temp_pool);
        return cycle;
    }

    ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx, kg_core_module);

    if (kg_test_config) {

        if (kg_create_pidfile(&ccf->pid, log) != KG_OK) {
            goto failed;
        }

    } else if (!kg_is_init_cycle(old_cycle)) {

        /*
         * we do not create the pid file in the first kg_init_cycle() call
         * because we need to write the demonized process pid
         */

        old_ccf = (kg_core_conf_t *) kg_get_conf(old_cycle->conf_ctx,
                                                   kg_core_module);
        if (ccf->pid.len != old_ccf->pid.len
            || kg_strcmp(ccf->pid.data, old_ccf->pid.data) != 0)
        {
            /* new pid file name */

            if (kg_create_pidfile(&ccf->pid, log) != KG_OK) {
                goto failed;
            }

            kg_delete_pidfile(old_cycle);
        }
    }


    if (kg_log_open_default(cycle) != KG_OK) {
        goto failed;
    }

    /* open the new files */

    part = &cycle->open_files.part;
    file = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            file = part->elts;
            i = 0;
        }

        if (file[i].name.len == 0) {
            continue;
        }

        file[i].fd = kg_open_file(file[i].name.data,
                                  KG_FILE_APPEND,
                                  KG_FILE_CREATE_OR_OPEN,
                                  KG_FILE_DEFAULT_ACCESS);

        kg_log_debug3(KG_LOG_DEBUG_CORE, log, 0,
                      "log: %p %d \"%s\"",
                      &file[i], file[i].fd, file[i].name.data);

        if (file[i].fd == KG_INVALID_FILE) {
            kg_log_error(KG_LOG_EMERG, log, kg_errno,
                         kg_open_file_n " \"%s\" failed",
                         file[i].name.data);
            goto failed;
        }
    }

    cycle->log = &cycle->new_log;
    pool->log = &cycle->new_log;


    /* create shared memory */

    part = &cycle->shared_memory.part;
    shm_zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            shm_zone = part->elts;
            i = 0;
        }

        if (shm_zone[i].shm.size == 0) {
            kg_log_error(KG_LOG_EMERG, log, 0,
                         "zero size shared memory zone \"%V\"",
                         &shm_zone[i].shm.name);
            goto failed;
        }

        shm_zone[i].shm.log = cycle->log;

        ozone = kg_shm_zone_find(&old_cycle->shared_memory,
                                 &shm_zone[i].shm.name);

        if (ozone && kg_shm_zone_match(&shm_zone[i], ozone)) {
            shm_zone[i].shm.addr = ozone->shm.addr;
            shm_zone[i].shm.exists = 1;

            if (shm_zone[i].init
                && shm_zone[i].init(&shm_zone[i], ozone->data) != KG_OK)
            {
                goto failed;
            }

            continue;
        }

        if (kg_shm_alloc(&shm_zone[i].shm) != KG_OK) {
            goto failed;
        }

        if (shm_zone[i].init
            && shm_zone[i].init(&shm_zone[i], NULL) != KG_OK)
        {
            goto failed;
        }
    }


    /* handle the listening sockets */

    if (old_cycle->listening.nelts) {
        ls = old_cycle->listening.elts;
        for (i = 0; i < old_cycle->listening.nelts; i++) {
            ls[i].remain = 0;
        }

        nls = cycle->listening.elts;
        for (n = 0; n < cycle->listening.nelts; n++) {

            for (i = 0; i < old_cycle->listening.nelts; i++) {
                if (ls[i].ignore) {
                    continue;
                }

                if (ls[i].remain) {
                    continue;
                }

                if (ls[i].type != nls[n].type) {
                    continue;
                }

                if (kg_cmp_sockaddr(nls[n].sockaddr, nls[n].socklen,
                                    ls[i].sockaddr, ls[i].socklen, 1)
                    == KG_OK)
                {
                    nls[n].fd = ls[i].fd;
                    nls[n].inherited = ls[i].inherited;
                    nls[n].previous = &ls[i];
                    ls[i].remain = 1;

                    if (ls[i].backlog != nls[n].backlog) {
                        nls[n].listen = 1;
                    }

                    if (nls[n].reuseport && !ls[i].reuseport) {
                        nls[n].add_reuseport = 1;
                    }

                    break;
                }
            }

            if (nls[n].fd == (kg_socket_t) -1) {
                nls[n].open = 1;
            }
        }

    } else {
        ls = cycle->listening.elts;
        for (i = 0; i < cycle->listening.nelts; i++) {
            ls[i].open = 1;
        }
    }

    if (kg_open_listening_sockets(cycle) != KG_OK) {
        goto failed;
    }

    if (!kg_test_config) {
        kg_configure_listening_sockets(cycle);
    }


    /*
     * Unlike nginx, a module that fails to initialize fails the cycle
     * rather than the whole process: a reload then keeps the old cycle.
     */

    if (kg_init_modules(cycle) != KG_OK) {
        goto failed;
    }


    /* commit the new cycle configuration */

    if (!kg_use_stderr) {
        (void) kg_log_redirect_stderr(cycle);
    }

    pool->log = cycle->log;


    /* close and delete stuff that lefts from an old cycle */

    /* free the unnecessary shared memory */

    opart = &old_cycle->shared_memory.part;
    oshm_zone = opart->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= opart->nelts) {
            if (opart->next == NULL) {
                goto old_shm_zone_done;
            }
            opart = opart->next;
            oshm_zone = opart->elts;
            i = 0;
        }

        shm_zone = kg_shm_zone_find(&cycle->shared_memory,
                                    &oshm_zone[i].shm.name);

        if (shm_zone && kg_shm_zone_match(shm_zone, &oshm_zone[i])) {
            continue;
        }

        kg_shm_free(&oshm_zone[i].shm);
    }

old_shm_zone_done:


    /* close the unnecessary listening sockets */

    ls = old_cycle->listening.elts;
    for (i = 0; i < old_cycle->listening.nelts; i++) {

        if (ls[i].remain || ls[i].fd == (kg_socket_t) -1) {
            continue;
        }

        if (kg_close_socket(ls[i].fd) == -1) {
            kg_log_error(KG_LOG_EMERG, log, kg_socket_errno,
                         kg_close_socket_n " listening socket on %V failed",
                         &ls[i].addr_text);
        }

        if (ls[i].sockaddr->sa_family == AF_UNIX) {
            u_char  *name;

            name = ls[i].addr_text.data + sizeof("unix:") - 1;

            kg_log_error(KG_LOG_WARN, cycle->log, 0,
                         "deleting socket %s", name);

            if (kg_delete_file(name) == KG_FILE_ERROR) {
                kg_log_error(KG_LOG_EMERG, cycle->log, kg_socket_errno,
                             kg_delete_file_n " %s failed", name);
            }
        }
    }


    /* close the unnecessary open files */

    part = &old_cycle->open_files.part;
    file = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            file = part->elts;
            i = 0;
        }

        if (file[i].fd == KG_INVALID_FILE || file[i].fd == kg_stderr) {
            continue;
        }

        if (kg_close_file(file[i].fd) == KG_FILE_ERROR) {
            kg_log_error(KG_LOG_EMERG, log, kg_errno,
                         kg_close_file_n " \"%s\" failed",
                         file[i].name.data);
        }
    }

    kg_destroy_pool(conf.temp_pool);

    if (kg_process == KG_PROCESS_MASTER || kg_is_init_cycle(old_cycle)) {

        kg_destroy_pool(old_cycle->pool);
        cycle->old_cycle = NULL;

        return cycle;
    }


    /*
     * a single process keeps the old cycle until its connections are
     * gone: they still point into its pool
     */

    if (kg_temp_pool == NULL) {
        kg_temp_pool = kg_create_pool(128, cycle->log);
        if (kg_temp_pool == NULL) {
            kg_log_error(KG_LOG_EMERG, cycle->log, 0,
                         "could not create kg_temp_pool");
            exit(1);
        }

        n = 10;

        if (kg_array_init(&kg_old_cycles, kg_temp_pool, n,
                          sizeof(kg_cycle_t *))
            != KG_OK)
        {
            exit(1);
        }

        kg_memzero(kg_old_cycles.elts, n * sizeof(kg_cycle_t *));

        kg_cleaner_event.handler = kg_clean_old_cycles;
        kg_cleaner_event.log = cycle->log;
        kg_cleaner_event.data = &dumb;
        dumb.fd = (kg_socket_t) -1;
    }

    kg_temp_pool->log = cycle->log;

    old = kg_array_push(&kg_old_cycles);
    if (old == NULL) {
        exit(1);
    }
    *old = old_cycle;

    if (!kg_cleaner_event.timer_set) {
        kg_add_timer(&kg_cleaner_event, 30000);
        kg_cleaner_event.timer_set = 1;
    }

    return cycle;


failed:

    environ = senv;

    /* rollback the new cycle configuration */

    part = &cycle->open_files.part;
    file = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            file = part->elts;
            i = 0;
        }

        if (file[i].fd == KG_INVALID_FILE || file[i].fd == kg_stderr) {
            continue;
        }

        if (kg_close_file(file[i].fd) == KG_FILE_ERROR) {
            kg_log_error(KG_LOG_EMERG, log, kg_errno,
                         kg_close_file_n " \"%s\" failed",
                         file[i].name.data);
        }
    }

    /* free the newly created shared memory */

    part = &cycle->shared_memory.part;
    shm_zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            shm_zone = part->elts;
            i = 0;
        }

        if (shm_zone[i].shm.addr == NULL) {
            continue;
        }

        ozone = kg_shm_zone_find(&old_cycle->shared_memory,
                                 &shm_zone[i].shm.name);

        if (ozone && kg_shm_zone_match(&shm_zone[i], ozone)) {
            continue;
        }

        kg_shm_free(&shm_zone[i].shm);
    }

    if (kg_test_config) {
        kg_destroy_cycle_pools(&conf);
        return NULL;
    }

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].fd == (kg_socket_t) -1 || !ls[i].open) {
            continue;
        }

        if (kg_close_socket(ls[i].fd) == -1) {
            kg_log_error(KG_LOG_EMERG, log, kg_socket_errno,
                         kg_close_socket_n " %V failed",
                         &ls[i].addr_text);
        }
    }

    kg_destroy_cycle_pools(&conf);

    return NULL;
}


static void
kg_destroy_cycle_pools(kg_conf_t *conf)
{
    kg_destroy_pool(conf->temp_pool);
    kg_destroy_pool(conf->pool);
}


/* the first zone of the name: a zone of another cycle is taken over by name */

static kg_shm_zone_t *
kg_shm_zone_find(kg_list_t *zones, kg_str_t *name)
{
    kg_uint_t         i;
    kg_list_part_t   *part;
    kg_shm_zone_t    *zone;

    part = &zones->part;
    zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }
            part = part->next;
            zone = part->elts;
            i = 0;
        }

        if (zone[i].shm.name.len == name->len
            && kg_strncmp(zone[i].shm.name.data, name->data, name->len) == 0)
        {
            return &zone[i];
        }
    }
}


static kg_uint_t
kg_shm_zone_match(kg_shm_zone_t *zone, kg_shm_zone_t *old)
{
    return zone->tag == old->tag
           && zone->shm.size == old->shm.size
           && !zone->noreuse;
}


kg_int_t
kg_create_pidfile(kg_str_t *name, kg_log_t *log)
{
    size_t      len;
    kg_int_t    rc;
    kg_uint_t   create;
    kg_file_t   file;
    u_char      pid[KG_INT64_LEN + 2];

    if (kg_process > KG_PROCESS_MASTER) {
        return KG_OK;
    }

    kg_memzero(&file, sizeof(kg_file_t));

    file.name = *name;
    file.log = log;

    create = kg_test_config ? KG_FILE_CREATE_OR_OPEN : KG_FILE_TRUNCATE;

    file.fd = kg_open_file(file.name.data, KG_FILE_RDWR,
                           create, KG_FILE_DEFAULT_ACCESS);

    if (file.fd == KG_INVALID_FILE) {
        kg_log_error(KG_LOG_EMERG, log, kg_errno,
                     kg_open_file_n " \"%s\" failed", file.name.data);
        return KG_ERROR;
    }

    rc = KG_OK;

    if (!kg_test_config) {
        len = kg_snprintf(pid, KG_INT64_LEN + 2, "%i%c", (kg_int_t) kg_pid,
                          LF)
              - pid;

        if (kg_write_file(&file, pid, len, 0) == KG_ERROR) {
            rc = KG_ERROR;
        }
    }

    if (kg_close_file(file.fd) == KG_FILE_ERROR) {
        kg_log_error(KG_LOG_ALERT, log, kg_errno,
                     kg_close_file_n " \"%s\" failed", file.name.data);
    }

    return rc;
}


void
kg_delete_pidfile(kg_cycle_t *cycle)
{
    u_char          *name;
    kg_core_conf_t  *ccf;

    ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx, kg_core_module);

    name = kg_new_binary ? ccf->oldpid.data : ccf->pid.data;

    if (kg_delete_file(name) == KG_FILE_ERROR) {
        kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                     kg_delete_file_n " \"%s\" failed", name);
    }
}


/*
 * "kgate -s": reads the master's pid from the pid file and signals it;
 * returns the exit status of the kgate command.
 */

kg_int_t
kg_signal_process(kg_cycle_t *cycle, char *sig)
{
    ssize_t          n;
    kg_pid_t         pid;
    kg_file_t        file;
    kg_core_conf_t  *ccf;
    u_char           buf[KG_INT64_LEN + 2];

    kg_log_error(KG_LOG_NOTICE, cycle->log, 0, "signal process started");

    ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx, kg_core_module);

    kg_memzero(&file, sizeof(kg_file_t));

    file.name = ccf->pid;
    file.log = cycle->log;

    file.fd = kg_open_file(file.name.data, KG_FILE_RDONLY,
                           KG_FILE_OPEN, KG_FILE_DEFAULT_ACCESS);

    if (file.fd == KG_INVALID_FILE) {
        kg_log_error(KG_LOG_ERR, cycle->log, kg_errno,
                     kg_open_file_n " \"%s\" failed", file.name.data);
        return 1;
    }

    n = kg_read_file(&file, buf, KG_INT64_LEN + 2, 0);

    if (kg_close_file(file.fd) == KG_FILE_ERROR) {
        kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                     kg_close_file_n " \"%s\" failed", file.name.data);
    }

    if (n == KG_ERROR) {
        return 1;
    }

    while (n-- && (buf[n] == CR || buf[n] == LF)) { /* void */ }

    pid = kg_atoi(buf, ++n);

    if (pid == (kg_pid_t) KG_ERROR) {
        kg_log_error(KG_LOG_ERR, cycle->log, 0,
                     "invalid PID number \"%*s\" in \"%s\"",
                     n, buf, file.name.data);
        return 1;
    }

    return kg_os_signal_process(cycle, sig, pid);

}


/*
 * USR1: reopens every file named in the configuration, so that a rotated
 * log goes on in a new file.
 */

void
kg_reopen_files(kg_cycle_t *cycle)
{
    kg_fd_t          fd;
    kg_uint_t        i;
    kg_list_part_t  *part;
    kg_open_file_t  *file;

    part = &cycle->open_files.part;
    file = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            file = part->elts;
            i = 0;
        }

        if (file[i].name.len == 0) {
            continue;
        }

        if (file[i].flush) {
            file[i].flush(&file[i], cycle->log);
        }

        fd = kg_open_file(file[i].name.data, KG_FILE_APPEND,
                          KG_FILE_CREATE_OR_OPEN, KG_FILE_DEFAULT_ACCESS);

        kg_log_debug3(KG_LOG_DEBUG_EVENT, cycle->log, 0,
                      "reopen file \"%s\", old:%d new:%d",
                      file[i].name.data, file[i].fd, fd);

        if (fd == KG_INVALID_FILE) {
            kg_log_error(KG_LOG_EMERG, cycle->log, kg_errno,
                         kg_open_file_n " \"%s\" failed", file[i].name.data);
            continue;
        }

        if (kg_close_file(file[i].fd) == KG_FILE_ERROR) {
            kg_log_error(KG_LOG_EMERG, cycle->log, kg_errno,
                         kg_close_file_n " \"%s\" failed",
                         file[i].name.data);
        }

        file[i].fd = fd;
    }

    (void) kg_log_redirect_stderr(cycle);
}


/*
 * USR2: starts the binary named by argv[0] with the listening sockets
 * passed in the KGATE environment variable ("fd;fd;"); the pid file is
 * renamed to .oldbin first so that the new master can write its own.
 */

kg_pid_t
kg_exec_new_binary(kg_cycle_t *cycle, char *const *argv)
{
    char             **env, *var;
    u_char            *p;
    kg_uint_t          i, n;
    kg_pid_t           pid;
    kg_exec_ctx_t      ctx;
    kg_core_conf_t    *ccf;
    kg_listening_t    *ls;

    kg_memzero(&ctx, sizeof(kg_exec_ctx_t));

    ctx.path = argv[0];
    ctx.name = "new binary process";
    ctx.argv = argv;

    for (n = 0; environ[n]; n++) { /* void */ }

    env = kg_alloc((n + 2) * sizeof(char *), cycle->log);
    if (env == NULL) {
        return KG_INVALID_PID;
    }

    var = kg_alloc(sizeof(KGATE_VAR)
                   + cycle->listening.nelts * (KG_INT32_LEN + 1) + 2,
                   cycle->log);
    if (var == NULL) {
        kg_free(env);
        return KG_INVALID_PID;
    }

    p = kg_cpymem(var, KGATE_VAR "=", sizeof(KGATE_VAR));

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].ignore) {
            continue;
        }

        p = kg_sprintf(p, "%d;", ls[i].fd);
    }

    *p = '\0';

    /* our own variable, inherited from an older binary, is replaced */

    n = 0;

    for (i = 0; environ[i]; i++) {
        if (kg_strncmp(environ[i], KGATE_VAR "=", sizeof(KGATE_VAR)) == 0) {
            continue;
        }

        env[n++] = environ[i];
    }

    env[n++] = var;
    env[n] = NULL;

    kg_log_debug1(KG_LOG_DEBUG_CORE, cycle->log, 0, "env: %s", var);

    ctx.envp = (char *const *) env;

    ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx, kg_core_module);

    if (kg_rename_file(ccf->pid.data, ccf->oldpid.data) == KG_FILE_ERROR) {
        kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                     kg_rename_file_n " %s to %s failed "
                     "before executing new binary process \"%s\"",
                     ccf->pid.data, ccf->oldpid.data, argv[0]);

        kg_free(env);
        kg_free(var);

        return KG_INVALID_PID;
    }

    pid = kg_execute(cycle, &ctx);

    if (pid == KG_INVALID_PID) {
        if (kg_rename_file(ccf->oldpid.data, ccf->pid.data)
            == KG_FILE_ERROR)
        {
            kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                         kg_rename_file_n " %s back to %s failed after "
                         "an attempt to execute new binary process \"%s\"",
                         ccf->oldpid.data, ccf->pid.data, argv[0]);
        }
    }

    kg_free(env);
    kg_free(var);

    return pid;
}


kg_shm_zone_t *
kg_shared_memory_add(kg_conf_t *cf, kg_str_t *name, size_t size, void *tag)
{
    kg_uint_t        i;
    kg_shm_zone_t   *shm_zone;
    kg_list_part_t  *part;

    part = &cf->cycle->shared_memory.part;
    shm_zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            shm_zone = part->elts;
            i = 0;
        }

        if (name->len != shm_zone[i].shm.name.len) {
            continue;
        }

        if (kg_strncmp(name->data, shm_zone[i].shm.name.data, name->len)
            != 0)
        {
            continue;
        }

        if (tag != shm_zone[i].tag) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                            "the shared memory zone \"%V\" is "
                            "already declared for a different use",
                            &shm_zone[i].shm.name);
            return NULL;
        }

        if (shm_zone[i].shm.size == 0) {
            shm_zone[i].shm.size = size;
        }

        if (size && size != shm_zone[i].shm.size) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                            "the size %uz of shared memory zone \"%V\" "
                            "conflicts with already declared size %uz",
                            size, &shm_zone[i].shm.name,
                            shm_zone[i].shm.size);
            return NULL;
        }

        return &shm_zone[i];
    }


    shm_zone = kg_list_push(&cf->cycle->shared_memory);

    if (shm_zone == NULL) {
        return NULL;
    }

    shm_zone->data = NULL;
    shm_zone->shm.log = cf->cycle->log;
    shm_zone->shm.addr = NULL;
    shm_zone->shm.size = size;
    shm_zone->shm.name = *name;
    shm_zone->shm.exists = 0;
    shm_zone->init = NULL;
    shm_zone->tag = tag;
    shm_zone->noreuse = 0;

    return shm_zone;
}


static void
kg_clean_old_cycles(kg_event_t *ev)
{
    kg_uint_t     i, n, found, live;
    kg_log_t     *log;
    kg_cycle_t  **cycle;

    log = kg_cycle->log;
    kg_temp_pool->log = log;

    kg_log_debug0(KG_LOG_DEBUG_CORE, log, 0, "clean old cycles");

    live = 0;

    cycle = kg_old_cycles.elts;
    for (i = 0; i < kg_old_cycles.nelts; i++) {

        if (cycle[i] == NULL) {
            continue;
        }

        found = 0;

        for (n = 0; n < cycle[i]->connection_n; n++) {
            if (cycle[i]->connections[n].fd != (kg_socket_t) -1) {
                found = 1;

                kg_log_debug1(KG_LOG_DEBUG_CORE, log, 0, "live fd:%ui", n);

                break;
            }
        }

        if (found) {
            live = 1;
            continue;
        }

        kg_log_debug1(KG_LOG_DEBUG_CORE, log, 0, "clean old cycle: %ui", i);

        kg_destroy_pool(cycle[i]->pool);
        cycle[i] = NULL;
    }

    kg_log_debug1(KG_LOG_DEBUG_CORE, log, 0, "old cycles status: %ui", live);

    if (live) {
        kg_add_timer(ev, 30000);

    } else {
        kg_destroy_pool(kg_temp_pool);
        kg_temp_pool = NULL;
        kg_old_cycles.nelts = 0;
    }
}


void
kg_set_shutdown_timer(kg_cycle_t *cycle)
{
    kg_core_conf_t  *ccf;

    ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx, kg_core_module);

    if (ccf->shutdown_timeout) {
        kg_shutdown_event.handler = kg_shutdown_timer_handler;
        kg_shutdown_event.data = cycle;
        kg_shutdown_event.log = cycle->log;
        kg_shutdown_event.cancelable = 1;

        kg_add_timer(&kg_shutdown_event, ccf->shutdown_timeout);
    }
}


/*
 * worker_shutdown_timeout expired: whatever an old worker still serves
 * is closed through its own read handler, so each module cleans up.
 */

static void
kg_shutdown_timer_handler(kg_event_t *ev)
{
    kg_uint_t         i;
    kg_cycle_t       *cycle;
    kg_connection_t  *c;

    cycle = ev->data;

    c = cycle->connections;

    if (c == NULL) {
        return;
    }

    for (i = 0; i < cycle->connection_n; i++) {

        if (c[i].fd == (kg_socket_t) -1
            || c[i].read == NULL
            || c[i].read->accept
            || c[i].read->channel)
        {
            continue;
        }

        kg_log_debug1(KG_LOG_DEBUG_CORE, ev->log, 0,
                      "*%ui shutdown timeout", (kg_uint_t) c[i].number);

        c[i].close = 1;
        c[i].error = 1;

        c[i].read->handler(c[i].read);
    }
}
