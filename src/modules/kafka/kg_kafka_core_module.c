/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_kafka.h>
#include <kg_kafka_versions.h>


static kg_int_t kg_kafka_core_postconfiguration(kg_conf_t *cf);
static void *kg_kafka_core_create_main_conf(kg_conf_t *cf);
static char *kg_kafka_core_init_main_conf(kg_conf_t *cf, void *conf);
static void *kg_kafka_core_create_route_conf(kg_conf_t *cf);
static char *kg_kafka_core_merge_route_conf(kg_conf_t *cf, void *parent,
    void *child);
static void *kg_kafka_core_create_cluster_conf(kg_conf_t *cf);
static kg_int_t kg_kafka_core_init_cluster(kg_conf_t *cf,
    kg_kafka_core_cluster_conf_t *ccf);
static kg_int_t kg_kafka_core_servername(kg_connection_t *c,
    kg_str_t *servername, void *data);

static char *kg_kafka_core_listen(kg_conf_t *cf, kg_command_t *cmd,
    void *conf);
static char *kg_kafka_core_broker_ports(kg_conf_t *cf, kg_command_t *cmd,
    void *conf);
static char *kg_kafka_core_sni(kg_conf_t *cf, kg_command_t *cmd, void *conf);
static char *kg_kafka_core_node_id_base(kg_conf_t *cf,
    kg_kafka_core_route_conf_t *rcf, kg_str_t *value);
static char *kg_kafka_core_bootstrap(kg_conf_t *cf, kg_command_t *cmd,
    void *conf);
static char *kg_kafka_core_fallback(kg_conf_t *cf, kg_command_t *cmd,
    void *conf);
static char *kg_kafka_core_failover(kg_conf_t *cf, kg_command_t *cmd,
    void *conf);
static char *kg_kafka_core_check_buffer_size(kg_conf_t *cf, void *post,
    void *data);
static char *kg_kafka_core_check_frame_size(kg_conf_t *cf, void *post,
    void *data);
static char *kg_kafka_core_check_route_timeout(kg_conf_t *cf, void *post,
    void *data);
static char *kg_kafka_core_check_connect_timeout(kg_conf_t *cf, void *post,
    void *data);


/* values are checked where they are written, so errors name FILE:LINE */

static kg_conf_post_t  kg_kafka_core_buffer_size_post =
    { kg_kafka_core_check_buffer_size };

static kg_conf_post_t  kg_kafka_core_frame_size_post =
    { kg_kafka_core_check_frame_size };

static kg_conf_post_t  kg_kafka_core_route_timeout_post =
    { kg_kafka_core_check_route_timeout };

static kg_conf_post_t  kg_kafka_core_connect_timeout_post =
    { kg_kafka_core_check_connect_timeout };


static kg_command_t  kg_kafka_core_commands[] = {

    /* route { } */

    { kg_string("listen"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_1MORE,
      kg_kafka_core_listen,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      0,
      NULL },

    { kg_string("broker_ports"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE12,
      kg_kafka_core_broker_ports,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      0,
      NULL },

    { kg_string("advertise"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      offsetof(kg_kafka_core_route_conf_t, advertise),
      NULL },

    { kg_string("cluster"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      offsetof(kg_kafka_core_route_conf_t, cluster_name),
      NULL },

    { kg_string("tls_certificate"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      offsetof(kg_kafka_core_route_conf_t, tls_certificate),
      NULL },

    { kg_string("tls_certificate_key"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      offsetof(kg_kafka_core_route_conf_t, tls_certificate_key),
      NULL },

    { kg_string("sni"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE12,
      kg_kafka_core_sni,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      0,
      NULL },

    { kg_string("max_frame_size"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE1,
      kg_conf_set_size_slot,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      offsetof(kg_kafka_core_route_conf_t, max_frame_size),
      &kg_kafka_core_frame_size_post },

    { kg_string("buffer_size"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE1,
      kg_conf_set_size_slot,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      offsetof(kg_kafka_core_route_conf_t, buffer_size),
      &kg_kafka_core_buffer_size_post },

    { kg_string("idle_timeout"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE1,
      kg_conf_set_msec_slot,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      offsetof(kg_kafka_core_route_conf_t, idle_timeout),
      &kg_kafka_core_route_timeout_post },

    { kg_string("request_timeout"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE1,
      kg_conf_set_msec_slot,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      offsetof(kg_kafka_core_route_conf_t, request_timeout),
      &kg_kafka_core_route_timeout_post },

    { kg_string("switch_drain_timeout"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE1,
      kg_conf_set_msec_slot,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      offsetof(kg_kafka_core_route_conf_t, switch_drain_timeout),
      &kg_kafka_core_route_timeout_post },

    { kg_string("pause_timeout"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE1,
      kg_conf_set_msec_slot,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      offsetof(kg_kafka_core_route_conf_t, pause_timeout),
      &kg_kafka_core_route_timeout_post },

    { kg_string("pause_buffer_size"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE1,
      kg_conf_set_size_slot,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      offsetof(kg_kafka_core_route_conf_t, pause_buffer_size),
      NULL },

    { kg_string("failover"),
      KG_KAFKA_ROUTE_CONF|KG_CONF_TAKE123,
      kg_kafka_core_failover,
      KG_KAFKA_ROUTE_CONF_OFFSET,
      0,
      NULL },

    /* cluster { } */

    { kg_string("bootstrap"),
      KG_KAFKA_CLUSTER_CONF|KG_CONF_1MORE,
      kg_kafka_core_bootstrap,
      KG_KAFKA_CLUSTER_CONF_OFFSET,
      0,
      NULL },

    { kg_string("broker_version_fallback"),
      KG_KAFKA_CLUSTER_CONF|KG_CONF_TAKE1,
      kg_kafka_core_fallback,
      KG_KAFKA_CLUSTER_CONF_OFFSET,
      0,
      NULL },

    { kg_string("connect_timeout"),
      KG_KAFKA_CLUSTER_CONF|KG_CONF_TAKE1,
      kg_conf_set_msec_slot,
      KG_KAFKA_CLUSTER_CONF_OFFSET,
      offsetof(kg_kafka_core_cluster_conf_t, connect_timeout),
      &kg_kafka_core_connect_timeout_post },

    { kg_string("tls"),
      KG_KAFKA_CLUSTER_CONF|KG_CONF_FLAG,
      kg_conf_set_flag_slot,
      KG_KAFKA_CLUSTER_CONF_OFFSET,
      offsetof(kg_kafka_core_cluster_conf_t, tls),
      NULL },

    { kg_string("tls_verify"),
      KG_KAFKA_CLUSTER_CONF|KG_CONF_FLAG,
      kg_conf_set_flag_slot,
      KG_KAFKA_CLUSTER_CONF_OFFSET,
      offsetof(kg_kafka_core_cluster_conf_t, tls_verify),
      NULL },

    { kg_string("tls_trusted_certificate"),
      KG_KAFKA_CLUSTER_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot,
      KG_KAFKA_CLUSTER_CONF_OFFSET,
      offsetof(kg_kafka_core_cluster_conf_t, tls_trusted_certificate),
      NULL },

    { kg_string("tls_certificate"),
      KG_KAFKA_CLUSTER_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot,
      KG_KAFKA_CLUSTER_CONF_OFFSET,
      offsetof(kg_kafka_core_cluster_conf_t, tls_certificate),
      NULL },

    { kg_string("tls_certificate_key"),
      KG_KAFKA_CLUSTER_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot,
      KG_KAFKA_CLUSTER_CONF_OFFSET,
      offsetof(kg_kafka_core_cluster_conf_t, tls_certificate_key),
      NULL },

    { kg_string("tls_name"),
      KG_KAFKA_CLUSTER_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot,
      KG_KAFKA_CLUSTER_CONF_OFFSET,
      offsetof(kg_kafka_core_cluster_conf_t, tls_name),
      NULL },

      kg_null_command
};


static kg_kafka_module_t  kg_kafka_core_module_ctx = {
    NULL,                                  /* preconfiguration */
    kg_kafka_core_postconfiguration,       /* postconfiguration */

    kg_kafka_core_create_main_conf,        /* create main configuration */
    kg_kafka_core_init_main_conf,          /* init main configuration */

    kg_kafka_core_create_route_conf,       /* create route configuration */
    kg_kafka_core_merge_route_conf,        /* merge route configuration */

    kg_kafka_core_create_cluster_conf      /* create cluster configuration */
};


kg_module_t  kg_kafka_core_module = {
    KG_MODULE_V1,
    &kg_kafka_core_module_ctx,             /* module context */
    kg_kafka_core_commands,                /* module directives */
    KG_KAFKA_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


static kg_int_t
kg_kafka_core_postconfiguration(kg_conf_t *cf)
{
    kg_kafka_handler_pt        *h;
    kg_kafka_core_main_conf_t  *cmcf;

    cmcf = kg_kafka_conf_get_module_main_conf(cf, kg_kafka_core_module);

    h = kg_array_push(&cmcf->phases[KG_KAFKA_TLS_PHASE].handlers);
    if (h == NULL) {
        return KG_ERROR;
    }

    *h = kg_kafka_tls_handler;

    return KG_OK;
}


static void *
kg_kafka_core_create_main_conf(kg_conf_t *cf)
{
    kg_kafka_core_main_conf_t  *cmcf;

    cmcf = kg_pcalloc(cf->pool, sizeof(kg_kafka_core_main_conf_t));
    if (cmcf == NULL) {
        return NULL;
    }

    if (kg_array_init(&cmcf->routes, cf->pool, 4,
                      sizeof(kg_kafka_core_route_conf_t *))
        != KG_OK)
    {
        return NULL;
    }

    if (kg_array_init(&cmcf->clusters, cf->pool, 4,
                      sizeof(kg_kafka_core_cluster_conf_t *))
        != KG_OK)
    {
        return NULL;
    }

    return cmcf;
}


static char *
kg_kafka_core_init_main_conf(kg_conf_t *cf, void *conf)
{
    kg_kafka_core_main_conf_t *cmcf = conf;

    kg_uint_t                       i;
    kg_kafka_core_cluster_conf_t  **ccfp;

    ccfp = cmcf->clusters.elts;

    for (i = 0; i < cmcf->clusters.nelts; i++) {
        if (kg_kafka_core_init_cluster(cf, ccfp[i]) != KG_OK) {
            return KG_CONF_ERROR;
        }
    }

    return KG_CONF_OK;
}


static kg_int_t
kg_kafka_core_init_cluster(kg_conf_t *cf, kg_kafka_core_cluster_conf_t *ccf)
{
    kg_pool_cleanup_t  *cln;

    if (ccf->bootstrap.nelts == 0) {
        kg_log_error(KG_LOG_EMERG, cf->log, 0,
                     "no \"bootstrap\" is defined for cluster \"%V\" "
                     "in %s:%ui", &ccf->name, ccf->file_name, ccf->line);
        return KG_ERROR;
    }

    if (ccf->connect_timeout == KG_CONF_UNSET_MSEC) {
        ccf->connect_timeout = 5000;
    }

    if (ccf->tls == KG_CONF_UNSET) {
        ccf->tls = 0;
    }

    if (ccf->tls_verify == KG_CONF_UNSET) {
        ccf->tls_verify = 1;
    }

    if (!ccf->tls) {
        return KG_OK;
    }

    if (ccf->tls_certificate.len != 0
        && ccf->tls_certificate_key.len == 0)
    {
        kg_log_error(KG_LOG_EMERG, cf->log, 0,
                     "no \"tls_certificate_key\" is defined for "
                     "cluster \"%V\" in %s:%ui",
                     &ccf->name, ccf->file_name, ccf->line);
        return KG_ERROR;
    }

    ccf->ssl = kg_pcalloc(cf->pool, sizeof(kg_ssl_t));
    if (ccf->ssl == NULL) {
        return KG_ERROR;
    }

    ccf->ssl->log = cf->log;

    if (kg_ssl_create(ccf->ssl, KG_SSL_DEFAULT_PROTOCOLS, ccf) != KG_OK) {
        return KG_ERROR;
    }

    cln = kg_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        kg_ssl_cleanup_ctx(ccf->ssl);
        return KG_ERROR;
    }

    cln->handler = kg_ssl_cleanup_ctx;
    cln->data = ccf->ssl;

    if (ccf->tls_certificate.len
        && kg_ssl_certificate(cf, ccf->ssl, &ccf->tls_certificate,
                              &ccf->tls_certificate_key)
           != KG_OK)
    {
        return KG_ERROR;
    }

    if (ccf->tls_verify) {
        if (ccf->tls_trusted_certificate.len == 0) {
            kg_log_error(KG_LOG_EMERG, cf->log, 0,
                         "no \"tls_trusted_certificate\" is defined for "
                         "\"tls_verify\" in cluster \"%V\" in %s:%ui",
                         &ccf->name, ccf->file_name, ccf->line);
            return KG_ERROR;
        }

        if (kg_ssl_trusted_certificate(cf, ccf->ssl,
                                       &ccf->tls_trusted_certificate, 9)
            != KG_OK)
        {
            return KG_ERROR;
        }
    }

    return KG_OK;
}


static void *
kg_kafka_core_create_route_conf(kg_conf_t *cf)
{
    kg_kafka_core_route_conf_t  *rcf;

    /*
     * set by kg_pcalloc():
     *
     *     rcf->name = { 0, NULL };
     *     rcf->broker_first = 0;
     *     rcf->advertise = { 0, NULL };
     *     rcf->cluster_name = { 0, NULL };
     *     rcf->cluster = NULL;
     *     rcf->tls_certificate = { 0, NULL };
     *     rcf->tls_certificate_key = { 0, NULL };
     *     rcf->ssl = NULL;
     *     rcf->sni = { 0, NULL };
     */

    rcf = kg_pcalloc(cf->pool, sizeof(kg_kafka_core_route_conf_t));
    if (rcf == NULL) {
        return NULL;
    }

    if (cf->conf_file) {
        rcf->file_name = cf->conf_file->file.name.data;
        rcf->line = cf->conf_file->line;
    }

    if (kg_array_init(&rcf->listen, cf->pool, 1, sizeof(kg_kafka_listen_t))
        != KG_OK)
    {
        return NULL;
    }

    rcf->node_id_base = KG_CONF_UNSET;
    rcf->max_frame_size = KG_CONF_UNSET_SIZE;
    rcf->buffer_size = KG_CONF_UNSET_SIZE;
    rcf->idle_timeout = KG_CONF_UNSET_MSEC;
    rcf->request_timeout = KG_CONF_UNSET_MSEC;
    rcf->switch_drain_timeout = KG_CONF_UNSET_MSEC;
    rcf->pause_timeout = KG_CONF_UNSET_MSEC;
    rcf->pause_buffer_size = KG_CONF_UNSET_SIZE;

    return rcf;
}


static char *
kg_kafka_core_merge_route_conf(kg_conf_t *cf, void *parent, void *child)
{
    kg_kafka_core_route_conf_t *prev = parent;
    kg_kafka_core_route_conf_t *conf = child;

    u_char             *p;
    kg_pool_cleanup_t  *cln;
    kg_kafka_listen_t  *ls;

    kg_conf_merge_size_value(conf->max_frame_size, prev->max_frame_size,
                              KG_KAFKA_FRAME_MAX_SIZE);
    kg_conf_merge_size_value(conf->buffer_size, prev->buffer_size, 32768);
    kg_conf_merge_msec_value(conf->idle_timeout, prev->idle_timeout,
                              10 * 60000);
    kg_conf_merge_msec_value(conf->request_timeout, prev->request_timeout,
                              30000);

    /*
     * Draining waits for answers that request_timeout bounds already;
     * a pause answers before the clients' own request timeout (30 s in
     * the Java client), so that they see a retriable error, not a
     * timeout.
     */

    kg_conf_merge_msec_value(conf->switch_drain_timeout,
                              prev->switch_drain_timeout, 30000);
    kg_conf_merge_msec_value(conf->pause_timeout, prev->pause_timeout,
                              20000);
    kg_conf_merge_size_value(conf->pause_buffer_size,
                              prev->pause_buffer_size, 1024 * 1024);

    if (conf->listen.nelts == 0) {
        kg_log_error(KG_LOG_EMERG, cf->log, 0,
                     "no \"listen\" is defined for route \"%V\" in %s:%ui",
                     &conf->name, conf->file_name, conf->line);
        return KG_CONF_ERROR;
    }

    if (conf->cluster_name.len == 0) {
        kg_log_error(KG_LOG_EMERG, cf->log, 0,
                     "no \"cluster\" is defined for route \"%V\" in %s:%ui",
                     &conf->name, conf->file_name, conf->line);
        return KG_CONF_ERROR;
    }

    if (conf->broker_first == 0 && conf->sni.len == 0) {
        kg_log_error(KG_LOG_EMERG, cf->log, 0,
                     "no \"broker_ports\" or \"sni\" is defined for "
                     "route \"%V\" in %s:%ui",
                     &conf->name, conf->file_name, conf->line);
        return KG_CONF_ERROR;
    }

    if (conf->broker_first && conf->sni.len) {
        kg_log_error(KG_LOG_EMERG, cf->log, 0,
                     "\"broker_ports\" and \"sni\" are exclusive in "
                     "route \"%V\" in %s:%ui",
                     &conf->name, conf->file_name, conf->line);
        return KG_CONF_ERROR;
    }

    if (conf->sni.len && conf->tls_certificate.len == 0) {
        kg_log_error(KG_LOG_EMERG, cf->log, 0,
                     "\"sni\" needs \"tls_certificate\" in route \"%V\" "
                     "in %s:%ui", &conf->name, conf->file_name, conf->line);
        return KG_CONF_ERROR;
    }

    if (conf->pause_buffer_size < conf->buffer_size) {
        conf->pause_buffer_size = conf->buffer_size;
    }

    if (conf->advertise.len == 0) {

        /* the address of the bootstrap port, without the port */

        ls = conf->listen.elts;

        p = kg_strlchr(ls->addr_text.data,
                       ls->addr_text.data + ls->addr_text.len, ']');
        if (p == NULL) {
            p = ls->addr_text.data;
        }

        p = kg_strlchr(p, ls->addr_text.data + ls->addr_text.len, ':');
        if (p == NULL) {
            p = ls->addr_text.data + ls->addr_text.len;
        }

        conf->advertise.data = ls->addr_text.data;
        conf->advertise.len = p - ls->addr_text.data;
    }

    if (conf->tls_certificate.len == 0) {
        return KG_CONF_OK;
    }

    if (conf->tls_certificate_key.len == 0) {
        kg_log_error(KG_LOG_EMERG, cf->log, 0,
                     "no \"tls_certificate_key\" is defined for route "
                     "\"%V\" in %s:%ui",
                     &conf->name, conf->file_name, conf->line);
        return KG_CONF_ERROR;
    }

    conf->ssl = kg_pcalloc(cf->pool, sizeof(kg_ssl_t));
    if (conf->ssl == NULL) {
        return KG_CONF_ERROR;
    }

    conf->ssl->log = cf->log;

    if (kg_ssl_create(conf->ssl, KG_SSL_DEFAULT_PROTOCOLS, conf) != KG_OK) {
        return KG_CONF_ERROR;
    }

    cln = kg_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        kg_ssl_cleanup_ctx(conf->ssl);
        return KG_CONF_ERROR;
    }

    cln->handler = kg_ssl_cleanup_ctx;
    cln->data = conf->ssl;

    if (kg_ssl_certificate(cf, conf->ssl, &conf->tls_certificate,
                           &conf->tls_certificate_key)
        != KG_OK)
    {
        return KG_CONF_ERROR;
    }

    if (kg_ssl_set_servername_handler(conf->ssl, kg_kafka_core_servername)
        != KG_OK)
    {
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;
}


static void *
kg_kafka_core_create_cluster_conf(kg_conf_t *cf)
{
    kg_kafka_core_cluster_conf_t  *ccf;

    ccf = kg_pcalloc(cf->pool, sizeof(kg_kafka_core_cluster_conf_t));
    if (ccf == NULL) {
        return NULL;
    }

    if (cf->conf_file) {
        ccf->file_name = cf->conf_file->file.name.data;
        ccf->line = cf->conf_file->line;
    }

    if (kg_array_init(&ccf->bootstrap, cf->pool, 2, sizeof(kg_addr_t))
        != KG_OK)
    {
        return NULL;
    }

    ccf->connect_timeout = KG_CONF_UNSET_MSEC;
    ccf->tls = KG_CONF_UNSET;
    ccf->tls_verify = KG_CONF_UNSET;

    return ccf;
}


/*
 * The SNI name picks the broker: "broker-3.gw.example.com" with the
 * pattern "broker-$node_id.gw.example.com" is node 3; any other name
 * (the advertised bootstrap name) is the bootstrap.
 */

static kg_int_t
kg_kafka_core_servername(kg_connection_t *c, kg_str_t *servername,
    void *data)
{
    int32_t                      node_id;
    kg_kafka_session_t          *s;
    kg_kafka_core_route_conf_t  *rcf;

    s = c->data;
    rcf = s->route;

    if (rcf->sni.len == 0) {
        return KG_DECLINED;
    }

    if (kg_kafka_sni_node_id(rcf, servername, &node_id) == KG_OK) {
        s->node_id = node_id;
    }

    return KG_OK;
}


kg_int_t
kg_kafka_sni_node_id(kg_kafka_core_route_conf_t *rcf, kg_str_t *name,
    int32_t *node_id)
{
    u_char    *p, *last;
    kg_int_t   n;

    if (name->len <= rcf->sni_prefix.len + rcf->sni_suffix.len) {
        return KG_DECLINED;
    }

    p = name->data;
    last = name->data + name->len;

    if (kg_strncasecmp(p, rcf->sni_prefix.data, rcf->sni_prefix.len) != 0
        || kg_strncasecmp(last - rcf->sni_suffix.len, rcf->sni_suffix.data,
                          rcf->sni_suffix.len)
           != 0)
    {
        return KG_DECLINED;
    }

    p += rcf->sni_prefix.len;
    last -= rcf->sni_suffix.len;

    n = kg_atoi(p, last - p);

    if (n == KG_ERROR || n > INT32_MAX) {
        return KG_DECLINED;
    }

    *node_id = (int32_t) n;

    return KG_OK;
}


static char *
kg_kafka_core_listen(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_kafka_core_route_conf_t *rcf = conf;

    kg_str_t           *value;
    kg_int_t            backlog;
    kg_url_t            u;
    kg_uint_t           i, n;
    kg_kafka_listen_t  *ls, lsopt;

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

    kg_memzero(&lsopt, sizeof(kg_kafka_listen_t));

    lsopt.backlog = KG_LISTEN_BACKLOG;

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

    for (n = 0; n < u.naddrs; n++) {

        ls = kg_array_push(&rcf->listen);
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


/* broker_ports 19093-19102 [node_id_base=N] */

static char *
kg_kafka_core_broker_ports(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_kafka_core_route_conf_t *rcf = conf;

    u_char    *dash;
    kg_int_t   first, last;
    kg_str_t  *value;

    if (rcf->broker_first) {
        return "is duplicate";
    }

    value = cf->args->elts;

    dash = kg_strlchr(value[1].data, value[1].data + value[1].len, '-');

    if (dash == NULL) {
        first = kg_atoi(value[1].data, value[1].len);
        last = first;

    } else {
        first = kg_atoi(value[1].data, dash - value[1].data);
        last = kg_atoi(dash + 1, value[1].data + value[1].len - dash - 1);
    }

    if (first == KG_ERROR || last == KG_ERROR || first < 1 || last > 65535
        || last < first)
    {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "invalid port range \"%V\"", &value[1]);
        return KG_CONF_ERROR;
    }

    if (last - first >= 1024) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "port range \"%V\" is larger than 1024 ports",
                           &value[1]);
        return KG_CONF_ERROR;
    }

    rcf->broker_first = (kg_uint_t) first;
    rcf->broker_last = (kg_uint_t) last;

    if (cf->args->nelts == 2) {
        return KG_CONF_OK;
    }

    return kg_kafka_core_node_id_base(cf, rcf, &value[2]);
}


static char *
kg_kafka_core_sni(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_kafka_core_route_conf_t *rcf = conf;

    u_char    *p, *last;
    kg_str_t  *value;

    if (rcf->sni.len) {
        return "is duplicate";
    }

    value = cf->args->elts;

    p = value[1].data;
    last = p + value[1].len;

    for ( /* void */ ; p + 8 <= last; p++) {
        if (kg_strncmp(p, "$node_id", 8) == 0) {
            break;
        }
    }

    if (p + 8 > last) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "no \"$node_id\" in \"%V\"", &value[1]);
        return KG_CONF_ERROR;
    }

    rcf->sni = value[1];

    rcf->sni_prefix.data = value[1].data;
    rcf->sni_prefix.len = p - value[1].data;

    rcf->sni_suffix.data = p + 8;
    rcf->sni_suffix.len = last - (p + 8);

    if (cf->args->nelts == 2) {
        return KG_CONF_OK;
    }

    /* as with broker_ports: the name of the first broker, in id order */

    return kg_kafka_core_node_id_base(cf, rcf, &value[2]);
}


static char *
kg_kafka_core_node_id_base(kg_conf_t *cf, kg_kafka_core_route_conf_t *rcf,
    kg_str_t *value)
{
    kg_int_t  base;

    if (rcf->node_id_base != KG_CONF_UNSET) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "node_id_base is duplicate");
        return KG_CONF_ERROR;
    }

    if (value->len < 13
        || kg_strncmp(value->data, "node_id_base=", 13) != 0)
    {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", value);
        return KG_CONF_ERROR;
    }

    base = kg_atoi(value->data + 13, value->len - 13);

    if (base == KG_ERROR || base > INT32_MAX) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "invalid node_id_base \"%V\"", value);
        return KG_CONF_ERROR;
    }

    rcf->node_id_base = base;

    return KG_CONF_OK;
}


static char *
kg_kafka_core_bootstrap(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_kafka_core_cluster_conf_t *ccf = conf;

    kg_url_t    u;
    kg_str_t   *value;
    kg_uint_t   i, n;
    kg_addr_t  *addr;

    if (ccf->bootstrap.nelts) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        kg_memzero(&u, sizeof(kg_url_t));

        u.url = value[i];

        /* resolving here keeps blocking DNS out of the workers */

        if (kg_parse_url(cf->pool, &u) != KG_OK) {
            if (u.err) {
                kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                   "%s in bootstrap \"%V\"", u.err, &u.url);
            }

            return KG_CONF_ERROR;
        }

        if (u.no_port) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                               "no port in bootstrap \"%V\"", &u.url);
            return KG_CONF_ERROR;
        }

        if (u.naddrs == 0) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                               "host not found in bootstrap \"%V\"", &u.url);
            return KG_CONF_ERROR;
        }

        for (n = 0; n < u.naddrs; n++) {
            addr = kg_array_push(&ccf->bootstrap);
            if (addr == NULL) {
                return KG_CONF_ERROR;
            }

            *addr = u.addrs[n];
        }
    }

    return KG_CONF_OK;
}


/* failover CLUSTER [after=3] [interval=5s] */

static char *
kg_kafka_core_failover(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_kafka_core_route_conf_t *rcf = conf;

    kg_str_t   *value, s;
    kg_int_t    n;
    kg_uint_t   i;

    if (rcf->failover_name.len) {
        return "is duplicate";
    }

    value = cf->args->elts;

    rcf->failover_name = value[1];

    /* the cluster is known once the whole file is read: errors name this */

    if (cf->conf_file) {
        rcf->failover_file = cf->conf_file->file.name.data;
        rcf->failover_line = cf->conf_file->line;
    }

    rcf->failover_after = 3;
    rcf->failover_interval = 5000;

    for (i = 2; i < cf->args->nelts; i++) {

        if (kg_strncmp(value[i].data, "after=", 6) == 0) {
            n = kg_atoi(value[i].data + 6, value[i].len - 6);

            if (n == KG_ERROR || n == 0 || n > 1000) {
                goto invalid;
            }

            rcf->failover_after = (kg_uint_t) n;
            continue;
        }

        if (kg_strncmp(value[i].data, "interval=", 9) == 0) {
            s.data = value[i].data + 9;
            s.len = value[i].len - 9;

            n = kg_parse_time(&s, 0);

            if (n == KG_ERROR || n < 100) {
                goto invalid;
            }

            rcf->failover_interval = (kg_msec_t) n;
            continue;
        }

        goto invalid;
    }

    return KG_CONF_OK;

invalid:

    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return KG_CONF_ERROR;
}


/* "0.9.0", "0.9.0.1", "0.8.2": brokers that predate ApiVersions */

static char *
kg_kafka_core_fallback(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_kafka_core_cluster_conf_t *ccf = conf;

    kg_str_t  *value;

    if (ccf->fallback.len) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (kg_kafka_versions_parse_fallback(&value[1]) != KG_OK) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "invalid broker version \"%V\"", &value[1]);
        return KG_CONF_ERROR;
    }

    ccf->fallback = value[1];

    return KG_CONF_OK;
}


static char *
kg_kafka_core_check_buffer_size(kg_conf_t *cf, void *post, void *data)
{
    size_t  *sp = data;

    kg_kafka_core_route_conf_t  *rcf;

    if (*sp < 4096) {
        rcf = kg_kafka_conf_get_module_route_conf(cf, kg_kafka_core_module);

        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "\"buffer_size\" must be at least 4k in route "
                           "\"%V\"", &rcf->name);
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;
}


static char *
kg_kafka_core_check_frame_size(kg_conf_t *cf, void *post, void *data)
{
    size_t  *sp = data;

    kg_kafka_core_route_conf_t  *rcf;

    if (*sp < 64 || *sp > 0x7fffffff) {
        rcf = kg_kafka_conf_get_module_route_conf(cf, kg_kafka_core_module);

        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "invalid \"max_frame_size\" in route \"%V\", "
                           "it must be from 64 to 2147483647 bytes",
                           &rcf->name);
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;
}


static char *
kg_kafka_core_check_route_timeout(kg_conf_t *cf, void *post, void *data)
{
    kg_msec_t  *mp = data;

    kg_str_t                    *value;
    kg_kafka_core_route_conf_t  *rcf;

    if (*mp == 0) {
        value = cf->args->elts;
        rcf = kg_kafka_conf_get_module_route_conf(cf, kg_kafka_core_module);

        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "\"%V\" must be greater than zero in route "
                           "\"%V\"", &value[0], &rcf->name);
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;
}


static char *
kg_kafka_core_check_connect_timeout(kg_conf_t *cf, void *post, void *data)
{
    kg_msec_t  *mp = data;

    kg_kafka_core_cluster_conf_t  *ccf;

    if (*mp == 0) {
        ccf = kg_kafka_conf_get_module_cluster_conf(cf, kg_kafka_core_module);

        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "\"connect_timeout\" must be greater than zero "
                           "in cluster \"%V\"", &ccf->name);
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;
}
