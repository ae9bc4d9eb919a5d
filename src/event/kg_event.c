/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>


#define DEFAULT_CONNECTIONS  512


extern kg_module_t  kg_epoll_module;


static char *kg_event_init_conf(kg_cycle_t *cycle, void *conf);
static kg_int_t kg_event_module_init(kg_cycle_t *cycle);
static kg_int_t kg_event_process_init(kg_cycle_t *cycle);
static void kg_event_process_exit(kg_cycle_t *cycle);
static char *kg_events_block(kg_conf_t *cf, kg_command_t *cmd, void *conf);
static char *kg_events_create_ctx(kg_cycle_t *cycle, void ****ctxp);
static char *kg_events_init_ctx(kg_cycle_t *cycle, void ***ctx);

static char *kg_event_connections(kg_conf_t *cf, kg_command_t *cmd,
    void *conf);

static void *kg_event_core_create_conf(kg_cycle_t *cycle);
static char *kg_event_core_init_conf(kg_cycle_t *cycle, void *conf);


static kg_uint_t     kg_event_max_module;

kg_uint_t            kg_event_flags;
kg_event_actions_t   kg_event_actions;


static kg_atomic_t   connection_counter = 1;
kg_atomic_t         *kg_connection_counter = &connection_counter;


kg_uint_t            kg_accept_disabled;


static kg_command_t  kg_events_commands[] = {

    { kg_string("events"),
      KG_MAIN_CONF|KG_CONF_BLOCK|KG_CONF_NOARGS,
      kg_events_block,
      0,
      0,
      NULL },

      kg_null_command
};


static kg_core_module_t  kg_events_module_ctx = {
    kg_string("events"),
    NULL,
    kg_event_init_conf
};


kg_module_t  kg_events_module = {
    KG_MODULE_V1,
    &kg_events_module_ctx,                 /* module context */
    kg_events_commands,                    /* module directives */
    KG_CORE_MODULE,                        /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


static kg_str_t  event_core_name = kg_string("event_core");


static kg_command_t  kg_event_core_commands[] = {

    { kg_string("worker_connections"),
      KG_EVENT_CONF|KG_CONF_TAKE1,
      kg_event_connections,
      0,
      0,
      NULL },

    { kg_string("multi_accept"),
      KG_EVENT_CONF|KG_CONF_FLAG,
      kg_conf_set_flag_slot,
      0,
      offsetof(kg_event_conf_t, multi_accept),
      NULL },

      kg_null_command
};


static kg_event_module_t  kg_event_core_module_ctx = {
    &event_core_name,
    kg_event_core_create_conf,             /* create configuration */
    kg_event_core_init_conf,               /* init configuration */

    { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};


kg_module_t  kg_event_core_module = {
    KG_MODULE_V1,
    &kg_event_core_module_ctx,             /* module context */
    kg_event_core_commands,                /* module directives */
    KG_EVENT_MODULE,                       /* module type */
    NULL,                                  /* init master */
    kg_event_module_init,                  /* init module */
    kg_event_process_init,                 /* init process */
    kg_event_process_exit,                 /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


void
kg_process_events_and_timers(kg_cycle_t *cycle)
{
    kg_uint_t  flags;
    kg_msec_t  timer, delta;

    timer = kg_event_find_timer();
    flags = KG_UPDATE_TIME;

    if (!kg_queue_empty(&kg_posted_next_events)) {
        kg_event_move_posted_next(cycle);
        timer = 0;
    }

    delta = kg_current_msec;

    (void) kg_process_events(cycle, timer, flags);

    delta = kg_current_msec - delta;

    kg_log_debug1(KG_LOG_DEBUG_EVENT, cycle->log, 0,
                  "timer delta: %M", delta);

    kg_event_process_posted(cycle, &kg_posted_accept_events);

    kg_event_expire_timers();

    kg_event_process_posted(cycle, &kg_posted_events);
}


/*
 * epoll runs in edge-triggered mode: an event is added once, when the
 * owner first waits for it, and stays until the connection is closed;
 * nothing needs to be re-armed after each notification
 */

kg_int_t
kg_handle_read_event(kg_event_t *rev, kg_uint_t flags)
{
    if (!rev->active && !rev->ready) {
        if (kg_add_event(rev, KG_READ_EVENT, KG_CLEAR_EVENT) == KG_ERROR) {
            return KG_ERROR;
        }
    }

    return KG_OK;
}


kg_int_t
kg_handle_write_event(kg_event_t *wev, size_t lowat)
{
    kg_connection_t  *c;

    if (lowat) {
        c = wev->data;

        if (kg_send_lowat(c, lowat) == KG_ERROR) {
            return KG_ERROR;
        }
    }

    if (!wev->active && !wev->ready) {
        if (kg_add_event(wev, KG_WRITE_EVENT, KG_CLEAR_EVENT) == KG_ERROR) {
            return KG_ERROR;
        }
    }

    return KG_OK;
}


/* Linux keeps SO_SNDLOWAT at 1 and refuses to change it */

kg_int_t
kg_send_lowat(kg_connection_t *c, size_t lowat)
{
    return KG_OK;
}


static char *
kg_event_init_conf(kg_cycle_t *cycle, void *conf)
{
    char   *rv;
    void ***ctx;

    if (kg_get_conf(cycle->conf_ctx, kg_events_module) != NULL) {
        return KG_CONF_OK;
    }

    /* no "events" block: every event module gets its defaults */

    rv = kg_events_create_ctx(cycle, &ctx);
    if (rv != KG_CONF_OK) {
        return rv;
    }

    cycle->conf_ctx[kg_events_module.index] = (void ***) ctx;

    return kg_events_init_ctx(cycle, ctx);
}


static kg_int_t
kg_event_module_init(kg_cycle_t *cycle)
{
    void               ***cf;
    kg_shm_t              shm;
    kg_event_conf_t      *ecf;
    struct rlimit         rlmt;
    kg_core_conf_t       *ccf;
    static kg_uint_t      shm_done;

    cf = kg_get_conf(cycle->conf_ctx, kg_events_module);
    ecf = (*cf)[kg_event_core_module.ctx_index];

    if (!kg_test_config && kg_process <= KG_PROCESS_MASTER) {
        kg_log_error(KG_LOG_NOTICE, cycle->log, 0,
                     "using the \"%s\" event method", ecf->name);
    }

    ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx, kg_core_module);

    if (ccf->rlimit_nofile == KG_CONF_UNSET
        && getrlimit(RLIMIT_NOFILE, &rlmt) == 0
        && rlmt.rlim_cur != RLIM_INFINITY
        && ecf->connections > (kg_uint_t) rlmt.rlim_cur)
    {
        kg_log_error(KG_LOG_WARN, cycle->log, 0,
                     "%ui worker_connections exceed "
                     "open file resource limit: %i",
                     ecf->connections, (kg_int_t) rlmt.rlim_cur);
    }

    if (kg_test_config || shm_done) {
        return KG_OK;
    }

    /*
     * the connection counter lives in shared memory so that the "*N"
     * of a log line names one connection across all workers; it is
     * mapped once per master and survives reloads
     */

    shm.size = kg_max(kg_cacheline_size, sizeof(kg_atomic_t));
    shm.name.len = sizeof("kgate_shared_zone") - 1;
    shm.name.data = (u_char *) "kgate_shared_zone";
    shm.log = cycle->log;
    shm.addr = NULL;
    shm.exists = 0;

    if (kg_shm_alloc(&shm) != KG_OK) {
        return KG_ERROR;
    }

    kg_connection_counter = (kg_atomic_t *) shm.addr;
    *kg_connection_counter = connection_counter;

    shm_done = 1;

    return KG_OK;
}


static kg_int_t
kg_event_process_init(kg_cycle_t *cycle)
{
    kg_uint_t           m, i;
    kg_event_t         *rev, *wev;
    kg_listening_t     *ls;
    kg_connection_t    *c, *next;
    kg_event_conf_t    *ecf;
    kg_event_module_t  *module;

    ecf = kg_event_get_conf(cycle->conf_ctx, kg_event_core_module);

    kg_accept_disabled = 0;

    kg_queue_init(&kg_posted_accept_events);
    kg_queue_init(&kg_posted_next_events);
    kg_queue_init(&kg_posted_events);

    if (kg_event_timer_init(cycle->log) == KG_ERROR) {
        return KG_ERROR;
    }

    for (m = 0; cycle->modules[m]; m++) {
        if (cycle->modules[m]->type != KG_EVENT_MODULE) {
            continue;
        }

        if (cycle->modules[m]->ctx_index != ecf->use) {
            continue;
        }

        module = cycle->modules[m]->ctx;

        if (module->actions.init(cycle, 0) != KG_OK) {
            return KG_ERROR;
        }

        break;
    }

    /* from the cycle pool: a worker frees them with the cycle at exit */

    cycle->connections =
        kg_palloc(cycle->pool, sizeof(kg_connection_t) * cycle->connection_n);
    if (cycle->connections == NULL) {
        return KG_ERROR;
    }

    c = cycle->connections;

    cycle->read_events = kg_palloc(cycle->pool,
                                   sizeof(kg_event_t) * cycle->connection_n);
    if (cycle->read_events == NULL) {
        return KG_ERROR;
    }

    rev = cycle->read_events;
    for (i = 0; i < cycle->connection_n; i++) {
        rev[i].closed = 1;
        rev[i].instance = 1;
    }

    cycle->write_events = kg_palloc(cycle->pool,
                                    sizeof(kg_event_t) * cycle->connection_n);
    if (cycle->write_events == NULL) {
        return KG_ERROR;
    }

    wev = cycle->write_events;
    for (i = 0; i < cycle->connection_n; i++) {
        wev[i].closed = 1;
    }

    i = cycle->connection_n;
    next = NULL;

    do {
        i--;

        c[i].data = next;
        c[i].read = &cycle->read_events[i];
        c[i].write = &cycle->write_events[i];
        c[i].fd = (kg_socket_t) -1;

        next = &c[i];
    } while (i);

    cycle->free_connections = next;
    cycle->free_connection_n = cycle->connection_n;

    /* a worker that starts while the master is shutting down takes none */

    if (kg_exiting) {
        return KG_OK;
    }

    /* for each listening socket */

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {

        if (ls[i].fd == (kg_socket_t) -1) {
            continue;
        }

        c = kg_get_connection(ls[i].fd, cycle->log);

        if (c == NULL) {
            return KG_ERROR;
        }

        c->type = ls[i].type;
        c->log = &ls[i].log;

        c->listening = &ls[i];
        ls[i].connection = c;

        rev = c->read;

        rev->log = c->log;
        rev->accept = 1;
        rev->handler = kg_event_accept;

        /*
         * every worker listens on every socket; EPOLLEXCLUSIVE wakes
         * one of them per connection instead of all
         */

        if (kg_add_event(rev, KG_READ_EVENT, KG_EXCLUSIVE_EVENT) == KG_ERROR)
        {
            return KG_ERROR;
        }
    }

    return KG_OK;
}


static void
kg_event_process_exit(kg_cycle_t *cycle)
{
    if (kg_done_events) {
        kg_done_events(cycle);
    }
}


static char *
kg_events_block(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char        *rv;
    void      ***ctx;
    kg_conf_t    pcf;

    if (*(void **) conf) {
        return "is duplicate";
    }

    rv = kg_events_create_ctx(cf->cycle, &ctx);
    if (rv != KG_CONF_OK) {
        return rv;
    }

    *(void **) conf = ctx;

    pcf = *cf;
    cf->ctx = ctx;
    cf->module_type = KG_EVENT_MODULE;
    cf->cmd_type = KG_EVENT_CONF;

    rv = kg_conf_parse(cf, NULL);

    *cf = pcf;

    if (rv != KG_CONF_OK) {
        return rv;
    }

    return kg_events_init_ctx(cf->cycle, ctx);
}


static char *
kg_events_create_ctx(kg_cycle_t *cycle, void ****ctxp)
{
    void               ***ctx;
    kg_uint_t             i;
    kg_event_module_t    *m;

    /* count the number of the event modules and set up their indices */

    kg_event_max_module = kg_count_modules(cycle, KG_EVENT_MODULE);

    ctx = kg_pcalloc(cycle->pool, sizeof(void *));
    if (ctx == NULL) {
        return KG_CONF_ERROR;
    }

    *ctx = kg_pcalloc(cycle->pool, kg_event_max_module * sizeof(void *));
    if (*ctx == NULL) {
        return KG_CONF_ERROR;
    }

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->type != KG_EVENT_MODULE) {
            continue;
        }

        m = cycle->modules[i]->ctx;

        if (m->create_conf) {
            (*ctx)[cycle->modules[i]->ctx_index] = m->create_conf(cycle);
            if ((*ctx)[cycle->modules[i]->ctx_index] == NULL) {
                return KG_CONF_ERROR;
            }
        }
    }

    *ctxp = ctx;

    return KG_CONF_OK;
}


static char *
kg_events_init_ctx(kg_cycle_t *cycle, void ***ctx)
{
    char               *rv;
    kg_uint_t           i;
    kg_event_module_t  *m;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->type != KG_EVENT_MODULE) {
            continue;
        }

        m = cycle->modules[i]->ctx;

        if (m->init_conf) {
            rv = m->init_conf(cycle,
                              (*ctx)[cycle->modules[i]->ctx_index]);
            if (rv != KG_CONF_OK) {
                return rv;
            }
        }
    }

    return KG_CONF_OK;
}


static char *
kg_event_connections(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_event_conf_t  *ecf = conf;

    kg_str_t  *value;

    if (ecf->connections != KG_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    ecf->connections = kg_atoi(value[1].data, value[1].len);
    if (ecf->connections == (kg_uint_t) KG_ERROR || ecf->connections == 0) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "invalid number \"%V\"", &value[1]);

        return KG_CONF_ERROR;
    }

    cf->cycle->connection_n = ecf->connections;

    return KG_CONF_OK;
}


static void *
kg_event_core_create_conf(kg_cycle_t *cycle)
{
    kg_event_conf_t  *ecf;

    ecf = kg_palloc(cycle->pool, sizeof(kg_event_conf_t));
    if (ecf == NULL) {
        return NULL;
    }

    ecf->connections = KG_CONF_UNSET_UINT;
    ecf->use = KG_CONF_UNSET_UINT;
    ecf->multi_accept = KG_CONF_UNSET;
    ecf->name = (void *) KG_CONF_UNSET;

    return ecf;
}


static char *
kg_event_core_init_conf(kg_cycle_t *cycle, void *conf)
{
    kg_event_conf_t  *ecf = conf;

    kg_event_module_t  *event_module;

    /* epoll is the only event method */

    event_module = kg_epoll_module.ctx;

    kg_conf_init_uint_value(ecf->connections, DEFAULT_CONNECTIONS);
    cycle->connection_n = ecf->connections;

    kg_conf_init_uint_value(ecf->use, kg_epoll_module.ctx_index);
    kg_conf_init_ptr_value(ecf->name, event_module->name->data);

    kg_conf_init_value(ecf->multi_accept, 0);

    return KG_CONF_OK;
}
