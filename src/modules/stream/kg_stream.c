/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_stream.h>


static char *kg_stream_block(kg_conf_t *cf, kg_command_t *cmd, void *conf);
static kg_int_t kg_stream_add_listening(kg_conf_t *cf,
    kg_stream_core_main_conf_t *cmcf);

static void *kg_stream_core_create_main_conf(kg_conf_t *cf);
static void *kg_stream_core_create_srv_conf(kg_conf_t *cf);
static char *kg_stream_core_merge_srv_conf(kg_conf_t *cf, void *parent,
    void *child);
static char *kg_stream_core_server(kg_conf_t *cf, kg_command_t *cmd,
    void *conf);
static char *kg_stream_core_listen(kg_conf_t *cf, kg_command_t *cmd,
    void *conf);

static u_char *kg_stream_log_error(kg_log_t *log, u_char *buf, size_t len);


kg_uint_t  kg_stream_max_module;


static kg_command_t  kg_stream_commands[] = {

    { kg_string("stream"),
      KG_MAIN_CONF|KG_CONF_BLOCK|KG_CONF_NOARGS,
      kg_stream_block,
      0,
      0,
      NULL },

      kg_null_command
};


static kg_core_module_t  kg_stream_module_ctx = {
    kg_string("stream"),
    NULL,
    NULL
};


kg_module_t  kg_stream_module = {
    KG_MODULE_V1,
    &kg_stream_module_ctx,                 /* module context */
    kg_stream_commands,                    /* module directives */
    KG_CORE_MODULE,                        /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


static kg_command_t  kg_stream_core_commands[] = {

    { kg_string("server"),
      KG_STREAM_MAIN_CONF|KG_CONF_BLOCK|KG_CONF_NOARGS,
      kg_stream_core_server,
      0,
      0,
      NULL },

    { kg_string("listen"),
      KG_STREAM_SRV_CONF|KG_CONF_1MORE,
      kg_stream_core_listen,
      KG_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

      kg_null_command
};


static kg_stream_module_t  kg_stream_core_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    kg_stream_core_create_main_conf,       /* create main configuration */
    NULL,                                  /* init main configuration */

    kg_stream_core_create_srv_conf,        /* create server configuration */
    kg_stream_core_merge_srv_conf          /* merge server configuration */
};


kg_module_t  kg_stream_core_module = {
    KG_MODULE_V1,
    &kg_stream_core_module_ctx,            /* module context */
    kg_stream_core_commands,               /* module directives */
    KG_STREAM_MODULE,                      /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


static char *
kg_stream_block(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char                         *rv;
    kg_uint_t                     mi, m, s;
    kg_conf_t                     pcf;
    kg_stream_module_t           *module;
    kg_stream_conf_ctx_t         *ctx;
    kg_stream_core_srv_conf_t   **cscfp;
    kg_stream_core_main_conf_t   *cmcf;

    if (*(kg_stream_conf_ctx_t **) conf) {
        return "is duplicate";
    }

    ctx = kg_pcalloc(cf->pool, sizeof(kg_stream_conf_ctx_t));
    if (ctx == NULL) {
        return KG_CONF_ERROR;
    }

    *(kg_stream_conf_ctx_t **) conf = ctx;

    kg_stream_max_module = kg_count_modules(cf->cycle, KG_STREAM_MODULE);

    /* the main level holds the defaults every server block inherits */

    ctx->main_conf = kg_pcalloc(cf->pool,
                                sizeof(void *) * kg_stream_max_module);
    if (ctx->main_conf == NULL) {
        return KG_CONF_ERROR;
    }

    ctx->srv_conf = kg_pcalloc(cf->pool,
                               sizeof(void *) * kg_stream_max_module);
    if (ctx->srv_conf == NULL) {
        return KG_CONF_ERROR;
    }

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != KG_STREAM_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;
        mi = cf->cycle->modules[m]->ctx_index;

        if (module->create_main_conf) {
            ctx->main_conf[mi] = module->create_main_conf(cf);
            if (ctx->main_conf[mi] == NULL) {
                return KG_CONF_ERROR;
            }
        }

        if (module->create_srv_conf) {
            ctx->srv_conf[mi] = module->create_srv_conf(cf);
            if (ctx->srv_conf[mi] == NULL) {
                return KG_CONF_ERROR;
            }
        }
    }

    pcf = *cf;
    cf->ctx = ctx;

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != KG_STREAM_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;

        if (module->preconfiguration) {
            if (module->preconfiguration(cf) != KG_OK) {
                *cf = pcf;
                return KG_CONF_ERROR;
            }
        }
    }

    cf->module_type = KG_STREAM_MODULE;
    cf->cmd_type = KG_STREAM_MAIN_CONF;
    rv = kg_conf_parse(cf, NULL);

    if (rv != KG_CONF_OK) {
        *cf = pcf;
        return rv;
    }

    cmcf = ctx->main_conf[kg_stream_core_module.ctx_index];
    cscfp = cmcf->servers.elts;

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != KG_STREAM_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;
        mi = cf->cycle->modules[m]->ctx_index;

        cf->ctx = ctx;

        if (module->init_main_conf) {
            rv = module->init_main_conf(cf, ctx->main_conf[mi]);
            if (rv != KG_CONF_OK) {
                *cf = pcf;
                return rv;
            }
        }

        for (s = 0; s < cmcf->servers.nelts; s++) {

            /* merge the server{}s' srv_conf's */

            cf->ctx = cscfp[s]->ctx;

            if (module->merge_srv_conf) {
                rv = module->merge_srv_conf(cf, ctx->srv_conf[mi],
                                            cscfp[s]->ctx->srv_conf[mi]);
                if (rv != KG_CONF_OK) {
                    *cf = pcf;
                    return rv;
                }
            }
        }
    }

    cf->ctx = ctx;

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != KG_STREAM_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;

        if (module->postconfiguration) {
            if (module->postconfiguration(cf) != KG_OK) {
                *cf = pcf;
                return KG_CONF_ERROR;
            }
        }
    }

    *cf = pcf;

    if (kg_stream_add_listening(cf, cmcf) != KG_OK) {
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;
}


static kg_int_t
kg_stream_add_listening(kg_conf_t *cf, kg_stream_core_main_conf_t *cmcf)
{
    kg_uint_t            i, j;
    kg_listening_t      *ls;
    kg_stream_listen_t  *listen;

    listen = cmcf->listen.elts;

    for (i = 0; i < cmcf->listen.nelts; i++) {

        /*
         * one address, one server: a TCP stream carries nothing that could
         * choose between two servers sharing a socket
         */

        for (j = 0; j < i; j++) {
            if (kg_cmp_sockaddr(&listen[i].sockaddr.sockaddr,
                                listen[i].socklen,
                                &listen[j].sockaddr.sockaddr,
                                listen[j].socklen, 1)
                == KG_OK)
            {
                kg_log_error(KG_LOG_EMERG, cf->log, 0,
                             "duplicate \"%V\" address and port pair"
                             " in %s:%ui", &listen[i].addr_text,
                             listen[i].file_name, listen[i].line);
                return KG_ERROR;
            }
        }

        ls = kg_create_listening(cf, &listen[i].sockaddr.sockaddr,
                                 listen[i].socklen);
        if (ls == NULL) {
            return KG_ERROR;
        }

        ls->addr_ntop = 1;
        ls->handler = kg_stream_init_connection;
        ls->pool_size = 256;
        ls->type = SOCK_STREAM;

        ls->logp = &cf->cycle->new_log;
        ls->log.data = &ls->addr_text;
        ls->log.handler = kg_accept_log_error;

        ls->backlog = listen[i].backlog;
        ls->reuseport = listen[i].reuseport;

        ls->servers = listen[i].ctx;
    }

    return KG_OK;
}


static void *
kg_stream_core_create_main_conf(kg_conf_t *cf)
{
    kg_stream_core_main_conf_t  *cmcf;

    cmcf = kg_pcalloc(cf->pool, sizeof(kg_stream_core_main_conf_t));
    if (cmcf == NULL) {
        return NULL;
    }

    if (kg_array_init(&cmcf->servers, cf->pool, 4,
                      sizeof(kg_stream_core_srv_conf_t *))
        != KG_OK)
    {
        return NULL;
    }

    if (kg_array_init(&cmcf->listen, cf->pool, 4, sizeof(kg_stream_listen_t))
        != KG_OK)
    {
        return NULL;
    }

    return cmcf;
}


static void *
kg_stream_core_create_srv_conf(kg_conf_t *cf)
{
    kg_stream_core_srv_conf_t  *cscf;

    /*
     * set by kg_pcalloc():
     *
     *     cscf->handler = NULL;
     *     cscf->ctx = NULL;
     *     cscf->listen = 0;
     */

    cscf = kg_pcalloc(cf->pool, sizeof(kg_stream_core_srv_conf_t));
    if (cscf == NULL) {
        return NULL;
    }

    cscf->file_name = cf->conf_file->file.name.data;
    cscf->line = cf->conf_file->line;

    return cscf;
}


static char *
kg_stream_core_merge_srv_conf(kg_conf_t *cf, void *parent, void *child)
{
    kg_stream_core_srv_conf_t *conf = child;

    if (conf->handler == NULL) {
        kg_log_error(KG_LOG_EMERG, cf->log, 0,
                     "no \"proxy_pass\" is defined for server in %s:%ui",
                     conf->file_name, conf->line);
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;
}


static char *
kg_stream_core_server(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char                         *rv;
    void                         *mconf;
    kg_uint_t                     m;
    kg_conf_t                     pcf;
    kg_stream_module_t           *module;
    kg_stream_conf_ctx_t         *ctx, *stream_ctx;
    kg_stream_core_srv_conf_t    *cscf, **cscfp;
    kg_stream_core_main_conf_t   *cmcf;

    ctx = kg_pcalloc(cf->pool, sizeof(kg_stream_conf_ctx_t));
    if (ctx == NULL) {
        return KG_CONF_ERROR;
    }

    stream_ctx = cf->ctx;
    ctx->main_conf = stream_ctx->main_conf;

    /* the server{}'s srv_conf */

    ctx->srv_conf = kg_pcalloc(cf->pool,
                               sizeof(void *) * kg_stream_max_module);
    if (ctx->srv_conf == NULL) {
        return KG_CONF_ERROR;
    }

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (cf->cycle->modules[m]->type != KG_STREAM_MODULE) {
            continue;
        }

        module = cf->cycle->modules[m]->ctx;

        if (module->create_srv_conf) {
            mconf = module->create_srv_conf(cf);
            if (mconf == NULL) {
                return KG_CONF_ERROR;
            }

            ctx->srv_conf[cf->cycle->modules[m]->ctx_index] = mconf;
        }
    }

    /* the server configuration context */

    cscf = ctx->srv_conf[kg_stream_core_module.ctx_index];
    cscf->ctx = ctx;

    cmcf = ctx->main_conf[kg_stream_core_module.ctx_index];

    cscfp = kg_array_push(&cmcf->servers);
    if (cscfp == NULL) {
        return KG_CONF_ERROR;
    }

    *cscfp = cscf;

    /* parse inside server{} */

    pcf = *cf;
    cf->ctx = ctx;
    cf->cmd_type = KG_STREAM_SRV_CONF;

    rv = kg_conf_parse(cf, NULL);

    *cf = pcf;

    if (rv == KG_CONF_OK && !cscf->listen) {
        kg_log_error(KG_LOG_EMERG, cf->log, 0,
                     "no \"listen\" is defined for server in %s:%ui",
                     cscf->file_name, cscf->line);
        return KG_CONF_ERROR;
    }

    return rv;
}


static char *
kg_stream_core_listen(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_stream_core_srv_conf_t  *cscf = conf;

    kg_str_t                    *value;
    kg_int_t                     backlog;
    kg_url_t                     u;
    kg_uint_t                    i, n;
    kg_stream_listen_t          *ls, lsopt;
    kg_stream_core_main_conf_t  *cmcf;

    cscf->listen = 1;

    value = cf->args->elts;

    kg_memzero(&u, sizeof(kg_url_t));

    u.url = value[1];
    u.listen = 1;

    if (kg_parse_url(cf->pool, &u) != KG_OK) {
        if (u.err) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                               "%s in \"%V\" of the \"listen\" directive",
                               u.err, &u.url);
        }

        return KG_CONF_ERROR;
    }

    if (u.no_port) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "no port in \"%V\" of the \"listen\" directive",
                           &u.url);
        return KG_CONF_ERROR;
    }

    kg_memzero(&lsopt, sizeof(kg_stream_listen_t));

    lsopt.backlog = KG_LISTEN_BACKLOG;
    lsopt.ctx = cf->ctx;
    lsopt.file_name = cf->conf_file->file.name.data;
    lsopt.line = cf->conf_file->line;

    for (i = 2; i < cf->args->nelts; i++) {

        if (kg_strncmp(value[i].data, "backlog=", 8) == 0) {
            backlog = kg_atoi(value[i].data + 8, value[i].len - 8);

            if (backlog == KG_ERROR || backlog == 0 || backlog > INT_MAX) {
                kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                   "invalid backlog \"%V\"", &value[i]);
                return KG_CONF_ERROR;
            }

            lsopt.backlog = (int) backlog;
            continue;
        }

        if (value[i].len == 9
            && kg_strncmp(value[i].data, "reuseport", 9) == 0)
        {
            lsopt.reuseport = 1;
            continue;
        }

        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return KG_CONF_ERROR;
    }

    cmcf = kg_stream_conf_get_module_main_conf(cf, kg_stream_core_module);

    /* a name may resolve to several addresses: listen on each */

    for (n = 0; n < u.naddrs; n++) {

        ls = kg_array_push(&cmcf->listen);
        if (ls == NULL) {
            return KG_CONF_ERROR;
        }

        *ls = lsopt;

        kg_memcpy(&ls->sockaddr, u.addrs[n].sockaddr, u.addrs[n].socklen);
        ls->socklen = u.addrs[n].socklen;
        ls->addr_text = u.addrs[n].name;
    }

    return KG_CONF_OK;
}


void
kg_stream_init_connection(kg_connection_t *c)
{
    size_t                      len;
    u_char                      text[KG_SOCKADDR_STRLEN];
    kg_stream_session_t        *s;
    kg_stream_conf_ctx_t       *ctx;
    kg_stream_core_srv_conf_t  *cscf;

    ctx = c->listening->servers;

    s = kg_pcalloc(c->pool, sizeof(kg_stream_session_t));
    if (s == NULL) {
        kg_stream_close_connection(c);
        return;
    }

    s->signature = KG_STREAM_MODULE;
    s->main_conf = ctx->main_conf;
    s->srv_conf = ctx->srv_conf;
    s->connection = c;
    s->start_msec = kg_current_msec;

    c->data = s;

    /* the line itself names both ends: no "while accepting" suffix */

    c->log->connection = c->number;
    c->log->handler = NULL;

    len = kg_sock_ntop(c->sockaddr, c->socklen, text, KG_SOCKADDR_STRLEN, 1);

    kg_log_error(KG_LOG_INFO, c->log, 0, "client %*s connected to %V",
                 len, text, &c->listening->addr_text);

    c->log->handler = kg_stream_log_error;
    c->log->data = s;
    c->log->action = "initializing session";
    c->log_error = KG_ERROR_INFO;

    s->ctx = kg_pcalloc(c->pool, sizeof(void *) * kg_stream_max_module);
    if (s->ctx == NULL) {
        kg_stream_close_connection(c);
        return;
    }

    cscf = kg_stream_get_module_srv_conf(s, kg_stream_core_module);

    cscf->handler(s);
}


void
kg_stream_close_connection(kg_connection_t *c)
{
    kg_pool_t  *pool;

    kg_log_debug1(KG_LOG_DEBUG_STREAM, c->log, 0,
                  "close stream connection: %d", c->fd);

    c->destroyed = 1;

    pool = c->pool;

    kg_close_connection(c);

    kg_destroy_pool(pool);
}


static u_char *
kg_stream_log_error(kg_log_t *log, u_char *buf, size_t len)
{
    u_char               *p;
    kg_stream_session_t  *s;

    if (log->action) {
        p = kg_snprintf(buf, len, " while %s", log->action);
        len -= p - buf;
        buf = p;
    }

    s = log->data;

    p = kg_snprintf(buf, len, ", client: %V, server: %V",
                    &s->connection->addr_text,
                    &s->connection->listening->addr_text);
    len -= p - buf;
    buf = p;

    if (s->log_handler) {
        return s->log_handler(log, buf, len);
    }

    return buf;
}
