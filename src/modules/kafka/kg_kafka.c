/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_kafka.h>
#include <kg_kafka_upstream.h>
#include <kg_kafka_route.h>


static char *kg_kafka_block(kg_conf_t *cf, kg_command_t *cmd, void *conf);
static kg_kafka_conf_ctx_t *kg_kafka_main_ctx(kg_conf_t *cf, void *conf);
static char *kg_kafka_init_conf(kg_cycle_t *cycle, void *conf);
static kg_int_t kg_kafka_init_phases(kg_conf_t *cf,
    kg_kafka_core_main_conf_t *cmcf);
static kg_int_t kg_kafka_init_engine(kg_conf_t *cf,
    kg_kafka_core_main_conf_t *cmcf);
static kg_int_t kg_kafka_resolve_routes(kg_conf_t *cf,
    kg_kafka_core_main_conf_t *cmcf);
static kg_int_t kg_kafka_add_listening(kg_conf_t *cf,
    kg_kafka_core_main_conf_t *cmcf);
static kg_int_t kg_kafka_add_port(kg_conf_t *cf,
    kg_kafka_core_route_conf_t *rcf, kg_kafka_listen_t *listen,
    kg_uint_t port, kg_int_t index);


kg_uint_t  kg_kafka_max_module;


static kg_command_t  kg_kafka_commands[] = {

    { kg_string("cluster"),
      KG_MAIN_CONF|KG_CONF_BLOCK|KG_CONF_TAKE1,
      kg_kafka_block,
      0,
      0,
      NULL },

    { kg_string("route"),
      KG_MAIN_CONF|KG_CONF_BLOCK|KG_CONF_TAKE1,
      kg_kafka_block,
      0,
      0,
      NULL },

      kg_null_command
};


static kg_core_module_t  kg_kafka_module_ctx = {
    kg_string("kafka"),
    NULL,
    kg_kafka_init_conf
};


kg_module_t  kg_kafka_module = {
    KG_MODULE_V1,
    &kg_kafka_module_ctx,                  /* module context */
    kg_kafka_commands,                     /* module directives */
    KG_CORE_MODULE,                        /* module type */
    NULL,                                  /* init master */
    kg_kafka_route_init_module,            /* init module */
    kg_kafka_route_init_process,           /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


/*
 * "cluster NAME { }" and "route NAME { }" are top-level blocks.  The
 * shared context is created by the first of them; everything that needs
 * all blocks (a route names a cluster defined anywhere in the file) is
 * done in kg_kafka_init_conf(), once the whole file has been read.
 */

static char *
kg_kafka_block(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char                          *rv;
    void                          *mconf;
    kg_str_t                      *value, *name;
    kg_uint_t                      m, i, route;
    kg_conf_t                      pcf;
    kg_kafka_module_t             *module;
    kg_kafka_conf_ctx_t           *ctx, *main_ctx;
    kg_kafka_core_main_conf_t     *cmcf;
    kg_kafka_core_route_conf_t    *rcf, **rcfp;
    kg_kafka_core_cluster_conf_t  *ccf, **ccfp;

    main_ctx = kg_kafka_main_ctx(cf, conf);
    if (main_ctx == NULL) {
        return KG_CONF_ERROR;
    }

    value = cf->args->elts;
    route = (value[0].len == 5);

    cmcf = main_ctx->main_conf[kg_kafka_core_module.ctx_index];

    if (route) {
        rcfp = cmcf->routes.elts;

        for (i = 0; i < cmcf->routes.nelts; i++) {
            name = &rcfp[i]->name;

            if (name->len == value[1].len
                && kg_strncmp(name->data, value[1].data, name->len) == 0)
            {
                return "is duplicate";
            }
        }

    } else {
        ccfp = cmcf->clusters.elts;

        for (i = 0; i < cmcf->clusters.nelts; i++) {
            name = &ccfp[i]->name;

            if (name->len == value[1].len
                && kg_strncmp(name->data, value[1].data, name->len) == 0)
            {
                return "is duplicate";
            }
        }
    }

    ctx = kg_pcalloc(cf->pool, sizeof(kg_kafka_conf_ctx_t));
    if (ctx == NULL) {
        return KG_CONF_ERROR;
    }

    ctx->main_conf = main_ctx->main_conf;

    if (route) {
        ctx->route_conf = kg_pcalloc(cf->pool,
                                     sizeof(void *) * kg_kafka_max_module);
        if (ctx->route_conf == NULL) {
            return KG_CONF_ERROR;
        }

    } else {
        ctx->cluster_conf = kg_pcalloc(cf->pool,
                                       sizeof(void *) * kg_kafka_max_module);
        if (ctx->cluster_conf == NULL) {
            return KG_CONF_ERROR;
        }
    }

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != KG_KAFKA_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;

        if (route && module->create_route_conf) {
            mconf = module->create_route_conf(cf);
            if (mconf == NULL) {
                return KG_CONF_ERROR;
            }

            ctx->route_conf[cf->cycle->modules[m]->ctx_index] = mconf;
        }

        if (!route && module->create_cluster_conf) {
            mconf = module->create_cluster_conf(cf);
            if (mconf == NULL) {
                return KG_CONF_ERROR;
            }

            ctx->cluster_conf[cf->cycle->modules[m]->ctx_index] = mconf;
        }
    }

    if (route) {
        rcf = ctx->route_conf[kg_kafka_core_module.ctx_index];
        rcf->name = value[1];
        rcf->ctx = ctx;

        rcfp = kg_array_push(&cmcf->routes);
        if (rcfp == NULL) {
            return KG_CONF_ERROR;
        }

        *rcfp = rcf;

    } else {
        ccf = ctx->cluster_conf[kg_kafka_core_module.ctx_index];
        ccf->name = value[1];
        ccf->ctx = ctx;

        ccfp = kg_array_push(&cmcf->clusters);
        if (ccfp == NULL) {
            return KG_CONF_ERROR;
        }

        *ccfp = ccf;
    }

    pcf = *cf;
    cf->ctx = ctx;
    cf->module_type = KG_KAFKA_MODULE;
    cf->cmd_type = route ? KG_KAFKA_ROUTE_CONF : KG_KAFKA_CLUSTER_CONF;

    rv = kg_conf_parse(cf, NULL);

    *cf = pcf;

    return rv;
}


static kg_kafka_conf_ctx_t *
kg_kafka_main_ctx(kg_conf_t *cf, void *conf)
{
    kg_uint_t             m, mi;
    kg_conf_t             pcf;
    kg_kafka_module_t    *module;
    kg_kafka_conf_ctx_t  *ctx;

    ctx = *(kg_kafka_conf_ctx_t **) conf;

    if (ctx) {
        return ctx;
    }

    ctx = kg_pcalloc(cf->pool, sizeof(kg_kafka_conf_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    *(kg_kafka_conf_ctx_t **) conf = ctx;

    kg_kafka_max_module = kg_count_modules(cf->cycle, KG_KAFKA_MODULE);

    ctx->main_conf = kg_pcalloc(cf->pool,
                                sizeof(void *) * kg_kafka_max_module);
    if (ctx->main_conf == NULL) {
        return NULL;
    }

    /* main-level route confs: the parent every route merges with */

    ctx->route_conf = kg_pcalloc(cf->pool,
                                 sizeof(void *) * kg_kafka_max_module);
    if (ctx->route_conf == NULL) {
        return NULL;
    }

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != KG_KAFKA_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;
        mi = cf->cycle->modules[m]->ctx_index;

        if (module->create_main_conf) {
            ctx->main_conf[mi] = module->create_main_conf(cf);
            if (ctx->main_conf[mi] == NULL) {
                return NULL;
            }
        }

        if (module->create_route_conf) {
            ctx->route_conf[mi] = module->create_route_conf(cf);
            if (ctx->route_conf[mi] == NULL) {
                return NULL;
            }
        }
    }

    pcf = *cf;
    cf->ctx = ctx;

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != KG_KAFKA_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;

        if (module->preconfiguration) {
            if (module->preconfiguration(cf) != KG_OK) {
                *cf = pcf;
                return NULL;
            }
        }
    }

    *cf = pcf;

    return ctx;
}


static char *
kg_kafka_init_conf(kg_cycle_t *cycle, void *conf)
{
    kg_kafka_conf_ctx_t *ctx = conf;

    char                         *rv;
    kg_uint_t                     m, mi, r;
    kg_conf_t                     cf;
    kg_kafka_module_t            *module;
    kg_kafka_core_main_conf_t    *cmcf;
    kg_kafka_core_route_conf_t  **rcfp;

    if (ctx == NULL) {
        return KG_CONF_OK;
    }

    /* the file has been read: messages name the block's file and line */

    kg_memzero(&cf, sizeof(kg_conf_t));

    cf.cycle = cycle;
    cf.pool = cycle->pool;
    cf.temp_pool = cycle->pool;
    cf.log = cycle->log;
    cf.ctx = ctx;
    cf.module_type = KG_KAFKA_MODULE;
    cf.cmd_type = KG_KAFKA_MAIN_CONF;

    cmcf = ctx->main_conf[kg_kafka_core_module.ctx_index];
    rcfp = cmcf->routes.elts;

    if (kg_kafka_init_phases(&cf, cmcf) != KG_OK) {
        return KG_CONF_ERROR;
    }

    for (m = 0; cycle->modules[m]; m++) {
        if (cycle->modules[m]->type != KG_KAFKA_MODULE) {
            continue;
        }

        module = cycle->modules[m]->ctx;
        mi = cycle->modules[m]->ctx_index;

        cf.ctx = ctx;

        if (module->init_main_conf) {
            rv = module->init_main_conf(&cf, ctx->main_conf[mi]);
            if (rv != KG_CONF_OK) {
                return rv;
            }
        }

        if (module->merge_route_conf == NULL) {
            continue;
        }

        for (r = 0; r < cmcf->routes.nelts; r++) {
            cf.ctx = rcfp[r]->ctx;

            rv = module->merge_route_conf(&cf, ctx->route_conf[mi],
                                          rcfp[r]->ctx->route_conf[mi]);
            if (rv != KG_CONF_OK) {
                return rv;
            }
        }
    }

    cf.ctx = ctx;

    for (m = 0; cycle->modules[m]; m++) {
        if (cycle->modules[m]->type != KG_KAFKA_MODULE) {
            continue;
        }

        module = cycle->modules[m]->ctx;

        if (module->postconfiguration) {
            if (module->postconfiguration(&cf) != KG_OK) {
                return KG_CONF_ERROR;
            }
        }
    }

    if (kg_kafka_init_engine(&cf, cmcf) != KG_OK) {
        return KG_CONF_ERROR;
    }

    if (kg_kafka_resolve_routes(&cf, cmcf) != KG_OK) {
        return KG_CONF_ERROR;
    }

    if (kg_kafka_add_listening(&cf, cmcf) != KG_OK) {
        return KG_CONF_ERROR;
    }

    if (kg_kafka_route_init_conf(&cf, cmcf) != KG_OK) {
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;
}


static kg_int_t
kg_kafka_init_phases(kg_conf_t *cf, kg_kafka_core_main_conf_t *cmcf)
{
    kg_uint_t  i;

    for (i = 0; i < KG_KAFKA_NPHASES; i++) {
        if (kg_array_init(&cmcf->phases[i].handlers, cf->pool, 1,
                          sizeof(kg_kafka_handler_pt))
            != KG_OK)
        {
            return KG_ERROR;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_init_engine(kg_conf_t *cf, kg_kafka_core_main_conf_t *cmcf)
{
    kg_uint_t                  i, j, n, next;
    kg_kafka_handler_pt       *h;
    kg_kafka_phase_handler_t  *ph;

    n = 1;

    for (i = 0; i < KG_KAFKA_LOG_PHASE; i++) {
        n += cmcf->phases[i].handlers.nelts;
    }

    ph = kg_pcalloc(cf->pool, n * sizeof(kg_kafka_phase_handler_t));
    if (ph == NULL) {
        return KG_ERROR;
    }

    cmcf->engine = ph;
    n = 0;

    for (i = 0; i < KG_KAFKA_LOG_PHASE; i++) {
        h = cmcf->phases[i].handlers.elts;
        next = n + cmcf->phases[i].handlers.nelts;

        /* the last registered runs first, as in nginx */

        for (j = cmcf->phases[i].handlers.nelts; j > 0; j--) {
            ph[n].handler = h[j - 1];
            ph[n].next = next;
            n++;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_resolve_routes(kg_conf_t *cf, kg_kafka_core_main_conf_t *cmcf)
{
    kg_uint_t                       r, c;
    kg_kafka_core_route_conf_t    **rcfp, *rcf;
    kg_kafka_core_cluster_conf_t  **ccfp;

    rcfp = cmcf->routes.elts;
    ccfp = cmcf->clusters.elts;

    for (c = 0; c < cmcf->clusters.nelts; c++) {
        ccfp[c]->upstream = kg_kafka_upstream_create(cf, ccfp[c]);
        if (ccfp[c]->upstream == NULL) {
            return KG_ERROR;
        }
    }

    for (r = 0; r < cmcf->routes.nelts; r++) {
        rcf = rcfp[r];

        for (c = 0; c < cmcf->clusters.nelts; c++) {
            if (ccfp[c]->name.len == rcf->cluster_name.len
                && kg_strncmp(ccfp[c]->name.data, rcf->cluster_name.data,
                              rcf->cluster_name.len)
                   == 0)
            {
                rcf->cluster = ccfp[c];
                break;
            }
        }

        if (rcf->cluster == NULL) {
            kg_log_error(KG_LOG_EMERG, cf->log, 0,
                         "unknown cluster \"%V\" in route \"%V\" in %s:%ui",
                         &rcf->cluster_name, &rcf->name, rcf->file_name,
                         rcf->line);
            return KG_ERROR;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_add_listening(kg_conf_t *cf, kg_kafka_core_main_conf_t *cmcf)
{
    kg_uint_t                     r, i, port;
    kg_kafka_listen_t            *listen;
    kg_kafka_core_route_conf_t  **rcfp, *rcf;

    rcfp = cmcf->routes.elts;

    for (r = 0; r < cmcf->routes.nelts; r++) {
        rcf = rcfp[r];
        listen = rcf->listen.elts;

        for (i = 0; i < rcf->listen.nelts; i++) {

            if (kg_kafka_add_port(cf, rcf, &listen[i], 0, -1) != KG_OK) {
                return KG_ERROR;
            }

            /* the broker ports live on the address of the bootstrap port */

            if (rcf->broker_first == 0) {
                continue;
            }

            for (port = rcf->broker_first; port <= rcf->broker_last; port++) {
                if (kg_kafka_add_port(cf, rcf, &listen[i], port,
                                      port - rcf->broker_first)
                    != KG_OK)
                {
                    return KG_ERROR;
                }
            }
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_add_port(kg_conf_t *cf, kg_kafka_core_route_conf_t *rcf,
    kg_kafka_listen_t *listen, kg_uint_t port, kg_int_t index)
{
    kg_uint_t          i;
    socklen_t          socklen;
    kg_sockaddr_t      sa;
    kg_listening_t    *ls;
    kg_kafka_port_t   *kp;

    sa = listen->sockaddr;
    socklen = listen->socklen;

    if (index >= 0) {
        kg_inet_set_port(&sa.sockaddr, (in_port_t) port);
    }

    /* one address, one port: a Kafka stream names no route or broker */

    ls = cf->cycle->listening.elts;

    for (i = 0; i < cf->cycle->listening.nelts; i++) {
        if (kg_cmp_sockaddr(ls[i].sockaddr, ls[i].socklen, &sa.sockaddr,
                            socklen, 1)
            == KG_OK)
        {
            kg_log_error(KG_LOG_EMERG, cf->log, 0,
                         "duplicate listen address and port pair "
                         "in route \"%V\" in %s:%ui",
                         &rcf->name, rcf->file_name, rcf->line);
            return KG_ERROR;
        }
    }

    kp = kg_palloc(cf->pool, sizeof(kg_kafka_port_t));
    if (kp == NULL) {
        return KG_ERROR;
    }

    kp->ctx = rcf->ctx;
    kp->index = index;

    ls = kg_create_listening(cf, &sa.sockaddr, socklen);
    if (ls == NULL) {
        return KG_ERROR;
    }

    ls->addr_ntop = 1;
    ls->handler = kg_kafka_init_connection;
    ls->pool_size = 512;
    ls->type = SOCK_STREAM;

    ls->logp = &cf->cycle->new_log;
    ls->log.data = &ls->addr_text;
    ls->log.handler = kg_accept_log_error;

    ls->backlog = listen->backlog;
    ls->reuseport = listen->reuseport;

    ls->servers = kp;

    return KG_OK;
}
