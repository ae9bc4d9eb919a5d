/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_admin.h>


#define KG_ADMIN_CONF          0x10000000

#define KG_ADMIN_AUTH_NONE     0
#define KG_ADMIN_AUTH_BASIC    1
#define KG_ADMIN_AUTH_BEARER   2

#define KG_ADMIN_PUBLISH_INTERVAL  1000

/* kgate_admin_requests_total is indexed by the status code */
#define KG_ADMIN_MAX_STATUS    600


typedef struct {
    kg_uint_t                 enabled;

    kg_array_t                listen;        /* kg_addr_t */

    kg_uint_t                 auth;
    kg_str_t                  auth_file;
    kg_array_t                users;         /* kg_admin_user_t */
    kg_array_t                tokens;        /* kg_admin_token_t */

    kg_str_t                  state_file;
    kg_msec_t                 timeout;

    kg_admin_registry_t      *registry;

    kg_metric_t              *requests;
    kg_metric_t              *workers;
    kg_metric_t              *reloads;
    kg_metric_t              *connections_active;
    kg_metric_t              *connections_total;
} kg_admin_conf_t;


/* a connection: one request at a time */

typedef struct {
    kg_admin_conf_t          *conf;
    kg_connection_t          *connection;

    kg_buf_t                 *buffer;
    kg_admin_http_request_t   http;

    kg_admin_request_t       *request;
    u_char                   *body;
    size_t                    body_received;

    unsigned                  reading_body:1;
    unsigned                  waiting:1;
    unsigned                  in_handler:1;
    unsigned                  answered:1;
} kg_admin_ctx_t;


static void *kg_admin_create_conf(kg_cycle_t *cycle);
static char *kg_admin_init_conf(kg_cycle_t *cycle, void *conf);
static char *kg_admin_block(kg_conf_t *cf, kg_command_t *cmd, void *conf);
static char *kg_admin_listen(kg_conf_t *cf, kg_command_t *cmd, void *conf);
static char *kg_admin_auth(kg_conf_t *cf, kg_command_t *cmd, void *conf);
static kg_int_t kg_admin_read_file(kg_conf_t *cf, kg_str_t *name,
    kg_str_t *text);
static kg_uint_t kg_admin_loopback(struct sockaddr *sa);
static kg_int_t kg_admin_add_listening(kg_conf_t *cf, kg_admin_conf_t *acf);
static kg_int_t kg_admin_add_builtins(kg_conf_t *cf, kg_admin_conf_t *acf);
static kg_int_t kg_admin_add_metrics(kg_conf_t *cf, kg_admin_conf_t *acf);
static kg_int_t kg_admin_init_module(kg_cycle_t *cycle);
static kg_int_t kg_admin_init_process(kg_cycle_t *cycle);
static void kg_admin_exit_process(kg_cycle_t *cycle);

static void kg_admin_init_connection(kg_connection_t *c);
static void kg_admin_wait_request(kg_admin_ctx_t *ctx);
static void kg_admin_read_handler(kg_event_t *rev);
static void kg_admin_process_buffer(kg_admin_ctx_t *ctx);
static kg_int_t kg_admin_create_request(kg_admin_ctx_t *ctx);
static void kg_admin_read_body(kg_admin_ctx_t *ctx);
static void kg_admin_run(kg_admin_ctx_t *ctx);
static kg_int_t kg_admin_authorized(kg_admin_ctx_t *ctx,
    kg_admin_request_t *r);
static void kg_admin_fail(kg_admin_ctx_t *ctx, kg_uint_t status,
    const char *error, const char *message);
static void kg_admin_finalize(kg_admin_request_t *r);
static void kg_admin_write_handler(kg_event_t *wev);
static void kg_admin_request_done(kg_admin_ctx_t *ctx);
static void kg_admin_close(kg_admin_ctx_t *ctx);
static void kg_admin_empty_handler(kg_event_t *ev);
static u_char *kg_admin_log_error(kg_log_t *log, u_char *buf, size_t len);

static kg_int_t kg_admin_health(kg_admin_request_t *r);
static kg_int_t kg_admin_ready(kg_admin_request_t *r);
static kg_int_t kg_admin_metrics(kg_admin_request_t *r);
static kg_int_t kg_admin_reload(kg_admin_request_t *r);

static void kg_admin_publish(kg_metrics_t *metrics, void *data);
static void kg_admin_publish_handler(kg_event_t *ev);


static kg_command_t  kg_admin_commands[] = {

    { kg_string("admin"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_BLOCK|KG_CONF_NOARGS,
      kg_admin_block,
      0,
      0,
      NULL },

    { kg_string("listen"),
      KG_ADMIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_admin_listen,
      0,
      0,
      NULL },

    { kg_string("auth"),
      KG_ADMIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE2,
      kg_admin_auth,
      0,
      0,
      NULL },

    { kg_string("state_file"),
      KG_ADMIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot,
      0,
      offsetof(kg_admin_conf_t, state_file),
      NULL },

    { kg_string("timeout"),
      KG_ADMIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_msec_slot,
      0,
      offsetof(kg_admin_conf_t, timeout),
      NULL },

      kg_null_command
};


static kg_core_module_t  kg_admin_module_ctx = {
    kg_string("admin"),
    kg_admin_create_conf,
    kg_admin_init_conf
};


kg_module_t  kg_admin_module = {
    KG_MODULE_V1,
    &kg_admin_module_ctx,                  /* module context */
    kg_admin_commands,                     /* module directives */
    KG_CORE_MODULE,                        /* module type */
    NULL,                                  /* init master */
    kg_admin_init_module,                  /* init module */
    kg_admin_init_process,                 /* init process */
    kg_admin_exit_process,                 /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


static kg_str_t  kg_admin_get = kg_string("GET");
static kg_str_t  kg_admin_post = kg_string("POST");


/* per worker: what this worker added to kgate_connections_active */
static kg_atomic_int_t   kg_admin_published;
static kg_event_t        kg_admin_publish_event;
static kg_connection_t   kg_admin_dumb;


static void *
kg_admin_create_conf(kg_cycle_t *cycle)
{
    kg_admin_conf_t  *acf;

    /*
     * set by kg_pcalloc():
     *
     *     acf->enabled = 0;
     *     acf->auth = KG_ADMIN_AUTH_NONE;
     *     acf->state_file = { 0, NULL };
     */

    acf = kg_pcalloc(cycle->pool, sizeof(kg_admin_conf_t));
    if (acf == NULL) {
        return NULL;
    }

    acf->timeout = KG_CONF_UNSET_MSEC;

    if (kg_array_init(&acf->listen, cycle->pool, 1, sizeof(kg_addr_t))
        != KG_OK)
    {
        return NULL;
    }

    if (kg_array_init(&acf->users, cycle->pool, 1, sizeof(kg_admin_user_t))
        != KG_OK)
    {
        return NULL;
    }

    if (kg_array_init(&acf->tokens, cycle->pool, 1, sizeof(kg_admin_token_t))
        != KG_OK)
    {
        return NULL;
    }

    return acf;
}


static char *
kg_admin_init_conf(kg_cycle_t *cycle, void *conf)
{
    kg_admin_conf_t *acf = conf;

    kg_conf_init_msec_value(acf->timeout, 30000);

    if (!acf->enabled) {
        return KG_CONF_OK;
    }

    /* the same object every module registered into, whatever the order */

    acf->registry = kg_admin_registry(cycle);
    if (acf->registry == NULL) {
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;
}


static char *
kg_admin_block(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_admin_conf_t *acf = conf;

    char       *rv;
    kg_str_t    text;
    kg_url_t    u;
    kg_uint_t   i, line;
    kg_conf_t   pcf;
    kg_addr_t  *addr;

    if (acf->enabled) {
        return "is duplicate";
    }

    acf->enabled = 1;

    pcf = *cf;
    cf->cmd_type = KG_ADMIN_CONF;

    rv = kg_conf_parse(cf, NULL);

    *cf = pcf;

    if (rv != KG_CONF_OK) {
        return rv;
    }

    if (acf->listen.nelts == 0) {
        kg_memzero(&u, sizeof(kg_url_t));
        kg_str_set(&u.url, "127.0.0.1:9990");
        u.listen = 1;

        if (kg_parse_url(cf->pool, &u) != KG_OK || u.naddrs == 0) {
            return KG_CONF_ERROR;
        }

        addr = kg_array_push(&acf->listen);
        if (addr == NULL) {
            return KG_CONF_ERROR;
        }

        *addr = u.addrs[0];
    }

    /*
     * An API that can switch clusters and reload kgate must not be open
     * to the network by accident: off the loopback it needs credentials.
     */

    addr = acf->listen.elts;

    for (i = 0; i < acf->listen.nelts; i++) {
        if (acf->auth == KG_ADMIN_AUTH_NONE
            && !kg_admin_loopback(addr[i].sockaddr))
        {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "the admin API listens on \"%V\", which is "
                              "not a loopback address, without \"auth\": "
                              "configure \"auth basic FILE\" or "
                              "\"auth bearer FILE\", or listen on "
                              "127.0.0.1", &addr[i].name);
            return KG_CONF_ERROR;
        }
    }

    if (acf->auth != KG_ADMIN_AUTH_NONE) {

        if (kg_admin_read_file(cf, &acf->auth_file, &text) != KG_OK) {
            return KG_CONF_ERROR;
        }

        if (acf->auth == KG_ADMIN_AUTH_BASIC) {
            if (kg_admin_auth_basic_parse(cf->pool, &text, &acf->users, &line)
                != KG_OK)
            {
                goto invalid;
            }

        } else {
            if (kg_admin_auth_bearer_parse(cf->pool, &text, &acf->tokens,
                                           &line)
                != KG_OK)
            {
                goto invalid;
            }
        }

        kg_explicit_memzero(text.data, text.len);

        if (acf->users.nelts == 0 && acf->tokens.nelts == 0) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "no credentials in \"%V\"", &acf->auth_file);
            return KG_CONF_ERROR;
        }
    }

    if (acf->state_file.len) {
        if (kg_conf_full_name(cf->cycle, &acf->state_file, 0) != KG_OK) {
            return KG_CONF_ERROR;
        }
    }

    if (kg_admin_add_listening(cf, acf) != KG_OK) {
        return KG_CONF_ERROR;
    }

    if (kg_admin_add_builtins(cf, acf) != KG_OK) {
        return KG_CONF_ERROR;
    }

    if (kg_admin_add_metrics(cf, acf) != KG_OK) {
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;

invalid:

    kg_explicit_memzero(text.data, text.len);

    if (line) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "invalid line %ui in \"%V\": expected %s", line,
                          &acf->auth_file,
                          acf->auth == KG_ADMIN_AUTH_BASIC
                          ? "\"user:{SHA256}base64\" or "
                            "\"user:{SSHA256}base64\""
                          : "a token of at least 16 printable characters");
    }

    return KG_CONF_ERROR;
}


static char *
kg_admin_listen(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_admin_conf_t *acf = conf;

    kg_str_t   *value;
    kg_url_t    u;
    kg_uint_t   i;
    kg_addr_t  *addr;

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

    for (i = 0; i < u.naddrs; i++) {
        addr = kg_array_push(&acf->listen);
        if (addr == NULL) {
            return KG_CONF_ERROR;
        }

        *addr = u.addrs[i];
    }

    return KG_CONF_OK;
}


static char *
kg_admin_auth(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_admin_conf_t *acf = conf;

    kg_str_t  *value;

    if (acf->auth != KG_ADMIN_AUTH_NONE) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 5 && kg_strncmp(value[1].data, "basic", 5) == 0) {
        acf->auth = KG_ADMIN_AUTH_BASIC;

    } else if (value[1].len == 6
               && kg_strncmp(value[1].data, "bearer", 6) == 0)
    {
        acf->auth = KG_ADMIN_AUTH_BEARER;

    } else {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "invalid auth scheme \"%V\": use \"basic\" or "
                          "\"bearer\"", &value[1]);
        return KG_CONF_ERROR;
    }

    acf->auth_file = value[2];

    if (kg_conf_full_name(cf->cycle, &acf->auth_file, 1) != KG_OK) {
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;
}


static kg_int_t
kg_admin_read_file(kg_conf_t *cf, kg_str_t *name, kg_str_t *text)
{
    ssize_t          n;
    size_t           size;
    kg_fd_t          fd;
    kg_file_info_t   fi;

    fd = kg_open_file(name->data, KG_FILE_RDONLY, KG_FILE_OPEN, 0);

    if (fd == KG_INVALID_FILE) {
        kg_conf_log_error(KG_LOG_EMERG, cf, kg_errno,
                          kg_open_file_n " \"%s\" failed", name->data);
        return KG_ERROR;
    }

    if (kg_fd_info(fd, &fi) == -1) {
        kg_conf_log_error(KG_LOG_EMERG, cf, kg_errno,
                          kg_fd_info_n " \"%s\" failed", name->data);
        goto failed;
    }

    if (kg_file_size(&fi) > 1024 * 1024) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "\"%s\" is larger than 1 MiB", name->data);
        goto failed;
    }

    size = (size_t) kg_file_size(&fi);

    text->data = kg_pnalloc(cf->temp_pool, size + 1);
    if (text->data == NULL) {
        goto failed;
    }

    text->len = 0;

    while (text->len < size) {
        n = kg_read_fd(fd, text->data + text->len, size - text->len);

        if (n == -1) {
            kg_conf_log_error(KG_LOG_EMERG, cf, kg_errno,
                              kg_read_fd_n " \"%s\" failed", name->data);
            goto failed;
        }

        if (n == 0) {
            break;
        }

        text->len += n;
    }

    (void) kg_close_file(fd);

    return KG_OK;

failed:

    (void) kg_close_file(fd);

    return KG_ERROR;
}


static kg_uint_t
kg_admin_loopback(struct sockaddr *sa)
{
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    switch (sa->sa_family) {

    case AF_INET:
        sin = (struct sockaddr_in *) sa;
        return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;

    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) sa;

        if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)) {
            return 1;
        }

        return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)
               && sin6->sin6_addr.s6_addr[12] == 127;

    case AF_UNIX:
        return 1;

    default:
        return 0;
    }
}


static kg_int_t
kg_admin_add_listening(kg_conf_t *cf, kg_admin_conf_t *acf)
{
    kg_uint_t        i;
    kg_addr_t       *addr;
    kg_listening_t  *ls;

    addr = acf->listen.elts;

    for (i = 0; i < acf->listen.nelts; i++) {

        ls = kg_create_listening(cf, addr[i].sockaddr, addr[i].socklen);
        if (ls == NULL) {
            return KG_ERROR;
        }

        ls->addr_ntop = 1;
        ls->handler = kg_admin_init_connection;
        ls->pool_size = 512;
        ls->type = SOCK_STREAM;
        ls->backlog = KG_LISTEN_BACKLOG;

        ls->logp = &cf->cycle->new_log;
        ls->log.data = &ls->addr_text;
        ls->log.handler = kg_accept_log_error;

        ls->servers = acf;
    }

    return KG_OK;
}


static kg_int_t
kg_admin_add_builtins(kg_conf_t *cf, kg_admin_conf_t *acf)
{
    kg_str_t  path;

    kg_str_set(&path, "/health");

    if (kg_admin_add_endpoint(cf, &kg_admin_get, &path, 0, kg_admin_health,
                              acf)
        != KG_OK)
    {
        return KG_ERROR;
    }

    kg_str_set(&path, "/ready");

    if (kg_admin_add_endpoint(cf, &kg_admin_get, &path, 0, kg_admin_ready,
                              acf)
        != KG_OK)
    {
        return KG_ERROR;
    }

    kg_str_set(&path, "/metrics");

    if (kg_admin_add_endpoint(cf, &kg_admin_get, &path, 0, kg_admin_metrics,
                              acf)
        != KG_OK)
    {
        return KG_ERROR;
    }

    kg_str_set(&path, "/reload");

    if (kg_admin_add_endpoint(cf, &kg_admin_post, &path, 0, kg_admin_reload,
                              acf)
        != KG_OK)
    {
        return KG_ERROR;
    }

    if (acf->state_file.len) {
        acf->registry = kg_admin_registry(cf->cycle);
        if (acf->registry == NULL) {
            return KG_ERROR;
        }

        acf->registry->state_file = acf->state_file;
    }

    return KG_OK;
}


static kg_int_t
kg_admin_add_metrics(kg_conf_t *cf, kg_admin_conf_t *acf)
{
    kg_metric_family_t  *f;

    f = kg_metrics_family(cf, "kgate_workers",
                          "Worker processes configured",
                          KG_METRICS_GAUGE, NULL);
    if (f == NULL) {
        return KG_ERROR;
    }

    acf->workers = kg_metrics_series(cf, f, NULL);
    if (acf->workers == NULL) {
        return KG_ERROR;
    }

    f = kg_metrics_family(cf, "kgate_connections_active",
                          "Connections open in the workers, client and "
                          "upstream, sampled every second",
                          KG_METRICS_GAUGE, NULL);
    if (f == NULL) {
        return KG_ERROR;
    }

    acf->connections_active = kg_metrics_series(cf, f, NULL);
    if (acf->connections_active == NULL) {
        return KG_ERROR;
    }

    f = kg_metrics_family(cf, "kgate_connections_total",
                          "Connections accepted from clients or opened "
                          "to upstreams",
                          KG_METRICS_COUNTER, NULL);
    if (f == NULL) {
        return KG_ERROR;
    }

    acf->connections_total = kg_metrics_series(cf, f, NULL);
    if (acf->connections_total == NULL) {
        return KG_ERROR;
    }

    f = kg_metrics_family(cf, "kgate_config_reloads_total",
                          "Configurations loaded by a reload",
                          KG_METRICS_COUNTER, NULL);
    if (f == NULL) {
        return KG_ERROR;
    }

    acf->reloads = kg_metrics_series(cf, f, NULL);
    if (acf->reloads == NULL) {
        return KG_ERROR;
    }

    f = kg_metrics_family(cf, "kgate_admin_requests_total",
                          "Admin API requests answered, by status code",
                          KG_METRICS_COUNTER, "code");
    if (f == NULL) {
        return KG_ERROR;
    }

    acf->requests = kg_metrics_series_vector(cf, f, NULL,
                                             KG_ADMIN_MAX_STATUS, NULL);
    if (acf->requests == NULL) {
        return KG_ERROR;
    }

    if (kg_metrics_add_collector(cf, kg_admin_publish, acf) != KG_OK) {
        return KG_ERROR;
    }

    return KG_OK;
}


static kg_int_t
kg_admin_init_module(kg_cycle_t *cycle)
{
    kg_core_conf_t   *ccf;
    kg_admin_conf_t  *acf;

    acf = (kg_admin_conf_t *) kg_get_conf(cycle->conf_ctx, kg_admin_module);

    if (!acf->enabled || kg_test_config) {
        return KG_OK;
    }

    ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx, kg_core_module);

    kg_metrics_set(acf->workers, ccf->master ? ccf->worker_processes : 1);

    if (!kg_is_init_cycle(cycle->old_cycle)) {
        kg_metrics_inc(acf->reloads, 1);
    }

    return KG_OK;
}


static kg_int_t
kg_admin_init_process(kg_cycle_t *cycle)
{
    kg_admin_conf_t  *acf;

    acf = (kg_admin_conf_t *) kg_get_conf(cycle->conf_ctx, kg_admin_module);

    if (!acf->enabled) {
        return KG_OK;
    }

    kg_admin_published = 0;

    kg_admin_dumb.fd = (kg_socket_t) -1;

    kg_admin_publish_event.handler = kg_admin_publish_handler;
    kg_admin_publish_event.data = &kg_admin_dumb;
    kg_admin_publish_event.log = cycle->log;
    kg_admin_publish_event.cancelable = 1;

    kg_add_timer(&kg_admin_publish_event, KG_ADMIN_PUBLISH_INTERVAL);

    return KG_OK;
}


static void
kg_admin_exit_process(kg_cycle_t *cycle)
{
    kg_admin_conf_t  *acf;

    acf = (kg_admin_conf_t *) kg_get_conf(cycle->conf_ctx, kg_admin_module);

    if (!acf->enabled) {
        return;
    }

    /* what this worker counted leaves with it */

    kg_metrics_dec(acf->connections_active, kg_admin_published);
    kg_admin_published = 0;
}


/*
 * Each worker adds the change of its own count of open connections to
 * the shared gauge, so the gauge is the sum over the workers.
 */

static void
kg_admin_publish(kg_metrics_t *metrics, void *data)
{
    kg_admin_conf_t *acf = data;

    kg_uint_t         i;
    kg_cycle_t       *cycle;
    kg_atomic_int_t   n;
    kg_listening_t   *ls;

    cycle = (kg_cycle_t *) kg_cycle;

    if (kg_process != KG_PROCESS_WORKER && kg_process != KG_PROCESS_SINGLE) {
        return;
    }

    /* listening sockets and the channel use connections too */

    n = (kg_atomic_int_t) (cycle->connection_n - cycle->free_connection_n);

    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].connection) {
            n--;
        }
    }

    if (kg_channel != -1 && kg_process == KG_PROCESS_WORKER) {
        n--;
    }

    if (n < 0) {
        n = 0;
    }

    kg_metrics_inc(acf->connections_active,
                   (kg_uint_t) (n - kg_admin_published));
    kg_admin_published = n;

    if (kg_connection_counter) {
        kg_metrics_set(acf->connections_total,
                       (kg_atomic_int_t) (*kg_connection_counter - 1));
    }
}


static void
kg_admin_publish_handler(kg_event_t *ev)
{
    kg_admin_conf_t  *acf;

    acf = (kg_admin_conf_t *) kg_get_conf(kg_cycle->conf_ctx,
                                          kg_admin_module);

    kg_admin_publish(NULL, acf);

    if (!kg_exiting) {
        kg_add_timer(ev, KG_ADMIN_PUBLISH_INTERVAL);
    }
}


/* connections */


static void
kg_admin_init_connection(kg_connection_t *c)
{
    kg_admin_ctx_t  *ctx;

    ctx = kg_pcalloc(c->pool, sizeof(kg_admin_ctx_t));
    if (ctx == NULL) {
        kg_close_connection(c);
        kg_destroy_pool(c->pool);
        return;
    }

    ctx->conf = c->listening->servers;
    ctx->connection = c;

    ctx->buffer = kg_create_temp_buf(c->pool, KG_ADMIN_HTTP_MAX_HEADER);
    if (ctx->buffer == NULL) {
        kg_close_connection(c);
        kg_destroy_pool(c->pool);
        return;
    }

    c->data = ctx;

    c->log->connection = c->number;
    c->log->handler = kg_admin_log_error;
    c->log->data = ctx;
    c->log->action = "reading admin request";
    c->log_error = KG_ERROR_INFO;

    c->read->handler = kg_admin_read_handler;
    c->write->handler = kg_admin_empty_handler;

    kg_admin_wait_request(ctx);
}


static void
kg_admin_wait_request(kg_admin_ctx_t *ctx)
{
    kg_connection_t  *c;

    c = ctx->connection;

    kg_add_timer(c->read, ctx->conf->timeout);

    if (c->read->ready) {
        kg_admin_read_handler(c->read);
        return;
    }

    if (kg_handle_read_event(c->read, 0) != KG_OK) {
        kg_admin_close(ctx);
    }
}


static void
kg_admin_read_handler(kg_event_t *rev)
{
    ssize_t           n;
    kg_buf_t         *b;
    kg_connection_t  *c;
    kg_admin_ctx_t   *ctx;

    c = rev->data;
    ctx = c->data;

    if (ctx->request && !ctx->reading_body) {

        /*
         * A request is being processed or answered: the next one waits
         * in the socket.  A handler that answers later must do so in time.
         */

        if (rev->timedout && ctx->waiting) {
            rev->timedout = 0;
            kg_admin_fail(ctx, 504, "timeout",
                          "the request was not answered in time");
        }

        return;
    }

    if (rev->timedout) {
        kg_log_error(KG_LOG_INFO, c->log, KG_ETIMEDOUT,
                     "admin client timed out");

        if (ctx->buffer->last > ctx->buffer->pos || ctx->reading_body) {
            rev->timedout = 0;
            kg_admin_fail(ctx, 408, "timeout",
                          "the request was not received in time");
            return;
        }

        kg_admin_close(ctx);
        return;
    }

    if (c->close) {
        kg_admin_close(ctx);
        return;
    }

    if (ctx->reading_body) {
        kg_admin_read_body(ctx);
        return;
    }

    b = ctx->buffer;

    for ( ;; ) {

        if (b->last == b->end) {
            /* the parser has said 431 by now; read nothing more */
            break;
        }

        n = c->recv(c, b->last, b->end - b->last);

        if (n == KG_AGAIN) {
            if (kg_handle_read_event(rev, 0) != KG_OK) {
                kg_admin_close(ctx);
            }

            return;
        }

        if (n == KG_ERROR || n == 0) {
            kg_admin_close(ctx);
            return;
        }

        b->last += n;

        if (c->idle) {
            c->idle = 0;
            c->log->action = "reading admin request";
        }

        break;
    }

    kg_admin_process_buffer(ctx);
}


static void
kg_admin_process_buffer(kg_admin_ctx_t *ctx)
{
    size_t                    avail;
    kg_int_t                  rc;
    kg_buf_t                 *b;
    kg_connection_t          *c;
    kg_admin_http_request_t  *hr;

    c = ctx->connection;
    b = ctx->buffer;
    hr = &ctx->http;

    rc = kg_admin_http_parse(hr, b->pos, b->last);

    if (rc == KG_AGAIN) {
        if (kg_handle_read_event(c->read, 0) != KG_OK) {
            kg_admin_close(ctx);
            return;
        }

        /* edge-triggered: read until EAGAIN */

        if (c->read->ready) {
            kg_post_event(c->read, &kg_posted_events);
        }

        return;
    }

    if (rc == KG_ERROR) {
        kg_log_error(KG_LOG_INFO, c->log, 0, "bad admin request: %s",
                     hr->message);
        kg_admin_fail(ctx, hr->status, hr->error, hr->message);
        return;
    }

    if (kg_admin_create_request(ctx) != KG_OK) {
        kg_admin_close(ctx);
        return;
    }

    b->pos += hr->header_len;

    if (hr->content_length <= 0) {
        kg_admin_run(ctx);
        return;
    }

    ctx->body = kg_pnalloc(ctx->request->pool, (size_t) hr->content_length);
    if (ctx->body == NULL) {
        kg_admin_close(ctx);
        return;
    }

    avail = kg_min((size_t) (b->last - b->pos), (size_t) hr->content_length);

    kg_memcpy(ctx->body, b->pos, avail);
    b->pos += avail;
    ctx->body_received = avail;

    if (avail == (size_t) hr->content_length) {
        kg_admin_run(ctx);
        return;
    }

    ctx->reading_body = 1;

    if (hr->expect_continue) {
        /* tiny and best effort: a client that gets nothing sends anyway */
        (void) c->send(c, (u_char *) "HTTP/1.1 100 Continue" CRLF CRLF,
                       sizeof("HTTP/1.1 100 Continue" CRLF CRLF) - 1);
    }

    kg_admin_read_body(ctx);
}


static kg_int_t
kg_admin_create_request(kg_admin_ctx_t *ctx)
{
    kg_pool_t                *pool;
    kg_connection_t          *c;
    kg_admin_request_t       *r;
    kg_admin_http_request_t  *hr;

    c = ctx->connection;
    hr = &ctx->http;

    pool = kg_create_pool(4096, c->log);
    if (pool == NULL) {
        return KG_ERROR;
    }

    r = kg_pcalloc(pool, sizeof(kg_admin_request_t));
    if (r == NULL) {
        kg_destroy_pool(pool);
        return KG_ERROR;
    }

    r->pool = pool;
    r->connection = c;
    r->http = hr;
    r->ctx = ctx;
    r->finalize = kg_admin_finalize;

    r->keepalive = hr->keepalive && !kg_exiting;

    /* the request's strings outlive the buffer, which the next one reuses */

    r->method.len = hr->method.len;
    r->method.data = kg_pstrdup(pool, &hr->method);
    r->path.len = hr->path.len;
    r->path.data = kg_pstrdup(pool, &hr->path);
    r->args.len = hr->args.len;
    r->args.data = kg_pstrdup(pool, &hr->args);

    if ((r->method.len && r->method.data == NULL)
        || (r->path.len && r->path.data == NULL)
        || (r->args.len && r->args.data == NULL))
    {
        kg_destroy_pool(pool);
        return KG_ERROR;
    }

    ctx->request = r;

    return KG_OK;
}


static void
kg_admin_read_body(kg_admin_ctx_t *ctx)
{
    size_t            size;
    ssize_t           n;
    kg_connection_t  *c;

    c = ctx->connection;
    size = (size_t) ctx->http.content_length;

    while (ctx->body_received < size) {

        n = c->recv(c, ctx->body + ctx->body_received,
                    size - ctx->body_received);

        if (n == KG_AGAIN) {
            if (kg_handle_read_event(c->read, 0) != KG_OK) {
                kg_admin_close(ctx);
            }

            return;
        }

        if (n == KG_ERROR || n == 0) {
            kg_admin_close(ctx);
            return;
        }

        ctx->body_received += n;
    }

    ctx->reading_body = 0;

    kg_admin_run(ctx);
}


static void
kg_admin_run(kg_admin_ctx_t *ctx)
{
    kg_int_t              rc;
    kg_str_t              allow;
    kg_admin_request_t   *r;
    kg_admin_endpoint_t  *e;

    r = ctx->request;

    r->body.data = ctx->body;
    r->body.len = ctx->body ? ctx->body_received : 0;

    ctx->connection->log->action = "processing admin request";

    if (kg_admin_authorized(ctx, r) != KG_OK) {
        return;
    }

    e = kg_admin_find_endpoint(ctx->conf->registry, &r->method, &r->path,
                               r->pool, &allow);

    if (e == NULL) {
        if (allow.len) {
            (void) kg_admin_add_header(r, "Allow", &allow);
            (void) kg_admin_send_error(r, 405, "method_not_allowed",
                                       "the method is not allowed here");
            return;
        }

        (void) kg_admin_send_error(r, 404, "not_found", "no such endpoint");
        return;
    }

    if (e->prefix) {
        r->tail.data = r->path.data + e->path.len;
        r->tail.len = r->path.len - e->path.len;
    }

    r->data = e->data;

    /* an answer given inside the handler is written after it returns */

    ctx->waiting = 1;
    ctx->in_handler = 1;

    rc = e->handler(r);

    ctx->in_handler = 0;

    if (ctx->answered) {
        kg_admin_finalize(r);
        return;
    }

    if (rc == KG_AGAIN) {
        return;
    }

    ctx->waiting = 0;

    if (rc != KG_OK) {
        kg_log_error(KG_LOG_ERR, ctx->connection->log, 0,
                     "admin handler of \"%V\" failed", &r->path);
    } else {
        kg_log_error(KG_LOG_ALERT, ctx->connection->log, 0,
                     "admin handler of \"%V\" did not answer", &r->path);
    }

    (void) kg_admin_send_error(r, 500, "internal_error",
                               "the request could not be processed");
}


static kg_int_t
kg_admin_authorized(kg_admin_ctx_t *ctx, kg_admin_request_t *r)
{
    kg_int_t          rc;
    kg_str_t          challenge, user;
    kg_admin_conf_t  *acf;

    acf = ctx->conf;

    if (acf->auth == KG_ADMIN_AUTH_NONE) {
        return KG_OK;
    }

    /* liveness tells nothing and probes rarely carry credentials */

    if (r->path.len == sizeof("/health") - 1
        && kg_strncmp(r->path.data, "/health", r->path.len) == 0)
    {
        return KG_OK;
    }

    if (acf->auth == KG_ADMIN_AUTH_BASIC) {
        rc = kg_admin_auth_basic(r->pool, &acf->users,
                                 &ctx->http.authorization, &user);
        if (rc == KG_OK) {
            r->user.data = kg_pstrdup(r->pool, &user);
            r->user.len = r->user.data ? user.len : 0;
            return KG_OK;
        }

        kg_str_set(&challenge, "Basic realm=\"kgate admin\", "
                               "charset=\"UTF-8\"");

    } else {
        if (kg_admin_auth_bearer(&acf->tokens, &ctx->http.authorization)
            == KG_OK)
        {
            return KG_OK;
        }

        kg_str_set(&challenge, "Bearer realm=\"kgate admin\"");
    }

    /* never the credential, nor the user name: it may be a password */

    kg_log_error(KG_LOG_INFO, ctx->connection->log, 0,
                 "admin request not authorized: %s",
                 ctx->http.authorization.len ? "invalid credentials"
                                             : "no credentials");

    (void) kg_admin_add_header(r, "WWW-Authenticate", &challenge);
    (void) kg_admin_send_error(r, 401, "unauthorized",
                               "valid credentials are required");

    return KG_DECLINED;
}


/* an error before or instead of a handler; the connection closes after */

static void
kg_admin_fail(kg_admin_ctx_t *ctx, kg_uint_t status, const char *error,
    const char *message)
{
    kg_admin_request_t  *r;

    ctx->reading_body = 0;

    if (ctx->request == NULL) {
        if (kg_admin_create_request(ctx) != KG_OK) {
            kg_admin_close(ctx);
            return;
        }
    }

    r = ctx->request;
    r->keepalive = 0;

    if (r->responded) {
        /* the answer is being written: the write timer handles it */
        return;
    }

    (void) kg_admin_send_error(r, status, error, message);
}


static void
kg_admin_finalize(kg_admin_request_t *r)
{
    kg_admin_ctx_t   *ctx;
    kg_connection_t  *c;

    ctx = r->ctx;
    c = r->connection;

    ctx->answered = 1;

    if (ctx->in_handler) {
        /* the handler still runs with r and the connection */
        return;
    }

    ctx->waiting = 0;
    ctx->answered = 0;

    kg_metrics_inc(&ctx->conf->requests[r->status < KG_ADMIN_MAX_STATUS
                                        ? r->status : 500],
                   1);

    kg_log_error(KG_LOG_INFO, c->log, 0, "admin \"%V %V\" %ui",
                 &r->method, &r->path, r->status);

    if (r->out == NULL) {
        kg_admin_close(ctx);
        return;
    }

    c->log->action = "writing admin response";

    if (c->read->timer_set) {
        kg_del_timer(c->read);
    }

    c->write->handler = kg_admin_write_handler;

    kg_admin_write_handler(c->write);
}


static void
kg_admin_write_handler(kg_event_t *wev)
{
    ssize_t           n;
    kg_buf_t         *b;
    kg_connection_t  *c;
    kg_admin_ctx_t   *ctx;

    c = wev->data;
    ctx = c->data;

    if (wev->timedout) {
        kg_log_error(KG_LOG_INFO, c->log, KG_ETIMEDOUT,
                     "admin client timed out");
        kg_admin_close(ctx);
        return;
    }

    b = ctx->request->out;

    while (b->pos < b->last) {

        n = c->send(c, b->pos, b->last - b->pos);

        if (n == KG_ERROR) {
            kg_admin_close(ctx);
            return;
        }

        if (n == KG_AGAIN) {
            kg_add_timer(wev, ctx->conf->timeout);

            if (kg_handle_write_event(wev, 0) != KG_OK) {
                kg_admin_close(ctx);
            }

            return;
        }

        b->pos += n;
    }

    if (wev->timer_set) {
        kg_del_timer(wev);
    }

    kg_admin_request_done(ctx);
}


static void
kg_admin_request_done(kg_admin_ctx_t *ctx)
{
    size_t            rest;
    kg_buf_t         *b;
    kg_uint_t         keepalive;
    kg_connection_t  *c;

    c = ctx->connection;
    b = ctx->buffer;

    keepalive = ctx->request->keepalive && !kg_exiting && !c->close;

    kg_destroy_pool(ctx->request->pool);
    ctx->request = NULL;
    ctx->body = NULL;
    ctx->body_received = 0;

    c->write->handler = kg_admin_empty_handler;

    if (!keepalive) {
        kg_admin_close(ctx);
        return;
    }

    /* keep what the client already sent of its next request */

    rest = b->last - b->pos;

    if (rest && b->pos != b->start) {
        kg_memmove(b->start, b->pos, rest);
    }

    b->pos = b->start;
    b->last = b->start + rest;

    kg_memzero(&ctx->http, sizeof(kg_admin_http_request_t));

    c->requests++;

    if (rest) {
        c->log->action = "reading admin request";
        kg_add_timer(c->read, ctx->conf->timeout);
        kg_admin_process_buffer(ctx);
        return;
    }

    /* idle: a graceful shutdown may close it */

    c->idle = 1;
    c->log->action = "keepalive";

    kg_admin_wait_request(ctx);
}


static void
kg_admin_close(kg_admin_ctx_t *ctx)
{
    kg_pool_t        *pool;
    kg_connection_t  *c;

    c = ctx->connection;

    if (ctx->request) {
        /* the cleanups of the request tell a waiting handler it is gone */
        kg_destroy_pool(ctx->request->pool);
        ctx->request = NULL;
    }

    c->destroyed = 1;

    pool = c->pool;

    kg_close_connection(c);

    kg_destroy_pool(pool);
}


static void
kg_admin_empty_handler(kg_event_t *ev)
{
    kg_log_debug0(KG_LOG_DEBUG_CORE, ev->log, 0, "admin empty handler");
}


static u_char *
kg_admin_log_error(kg_log_t *log, u_char *buf, size_t len)
{
    u_char           *p;
    kg_admin_ctx_t   *ctx;

    if (log->action) {
        p = kg_snprintf(buf, len, " while %s", log->action);
        len -= p - buf;
        buf = p;
    }

    ctx = log->data;

    return kg_snprintf(buf, len, ", client: %V, server: %V",
                       &ctx->connection->addr_text,
                       &ctx->connection->listening->addr_text);
}


/* the built-in endpoints */


static kg_int_t
kg_admin_health(kg_admin_request_t *r)
{
    return kg_admin_send_json(r, 200, "{\"status\":\"ok\"}");
}


static kg_int_t
kg_admin_ready(kg_admin_request_t *r)
{
    u_char                  *p;
    size_t                   len;
    kg_int_t                 rc;
    kg_str_t                 body, *reasons, *names;
    kg_uint_t                i, ready, *ok;
    kg_admin_conf_t         *acf;
    kg_admin_ready_check_t  *rcs;

    if (kg_exiting || kg_quit || kg_terminate) {
        return kg_admin_send_json(r, 503, "{\"status\":\"draining\"}");
    }

    acf = r->data;
    rcs = acf->registry->ready.elts;
    i = acf->registry->ready.nelts;

    reasons = kg_pcalloc(r->pool, (i + 1) * sizeof(kg_str_t));
    names = kg_pcalloc(r->pool, (i + 1) * sizeof(kg_str_t));
    ok = kg_pcalloc(r->pool, (i + 1) * sizeof(kg_uint_t));

    if (reasons == NULL || names == NULL || ok == NULL) {
        return KG_ERROR;
    }

    ready = 1;
    len = sizeof("{\"status\":\"not_ready\",\"checks\":[]}");

    for (i = 0; i < acf->registry->ready.nelts; i++) {
        kg_str_null(&body);

        rc = rcs[i].check(r, rcs[i].data, &body);

        ok[i] = (rc == KG_OK);
        ready &= ok[i];

        if (kg_admin_json_escape(r->pool, &reasons[i], &body) != KG_OK
            || kg_admin_json_escape(r->pool, &names[i], &rcs[i].name)
               != KG_OK)
        {
            return KG_ERROR;
        }

        len += sizeof("{\"name\":\"\",\"ready\":false,\"reason\":\"\"},")
               + names[i].len + reasons[i].len;
    }

    p = kg_pnalloc(r->pool, len);
    if (p == NULL) {
        return KG_ERROR;
    }

    body.data = p;

    p = kg_sprintf(p, "{\"status\":\"%s\",\"checks\":[",
                   ready ? "ready" : "not_ready");

    for (i = 0; i < acf->registry->ready.nelts; i++) {
        p = kg_sprintf(p, "%s{\"name\":\"%V\",\"ready\":%s,\"reason\":\"%V\"}",
                       i ? "," : "", &names[i], ok[i] ? "true" : "false",
                       &reasons[i]);
    }

    p = kg_sprintf(p, "]}\n");

    body.len = p - body.data;

    return kg_admin_send(r, ready ? 200 : 503, "application/json", &body);
}


static kg_int_t
kg_admin_metrics(kg_admin_request_t *r)
{
    kg_str_t   body;
    kg_buf_t  *b;

    b = kg_metrics_render(kg_metrics_get((kg_cycle_t *) kg_cycle), r->pool);
    if (b == NULL) {
        return KG_ERROR;
    }

    body.data = b->pos;
    body.len = b->last - b->pos;

    return kg_admin_send(r, 200, KG_METRICS_CONTENT_TYPE, &body);
}


static kg_int_t
kg_admin_reload(kg_admin_request_t *r)
{
    switch (kg_process) {

    case KG_PROCESS_WORKER:

        /* the master forked us; if it is gone, our parent is someone else */

        if (kg_getppid() != kg_parent) {
            return kg_admin_send_error(r, 503, "no_master",
                                       "the master process is gone");
        }

        if (kill(kg_parent, kg_signal_value(KG_RECONFIGURE_SIGNAL)) == -1) {
            kg_log_error(KG_LOG_ERR, r->connection->log, kg_errno,
                         "kill(%P, SIGHUP) failed", kg_parent);
            return kg_admin_send_error(r, 500, "internal_error",
                                       "the master could not be signalled");
        }

        break;

    case KG_PROCESS_SINGLE:
        kg_reconfigure = 1;
        break;

    default:
        return kg_admin_send_error(r, 503, "unavailable",
                                   "no master process to reload");
    }

    kg_log_error(KG_LOG_NOTICE, r->connection->log, 0,
                 "reload requested through the admin API");

    return kg_admin_send_json(r, 202, "{\"status\":\"reloading\"}");
}
