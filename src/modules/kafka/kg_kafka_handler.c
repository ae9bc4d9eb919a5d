/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_kafka.h>
#include <kg_kafka_route.h>


static void kg_kafka_tls_handshake_handler(kg_connection_t *c);
static const char *kg_kafka_close_text(kg_uint_t cause);
static u_char *kg_kafka_log_error(kg_log_t *log, u_char *buf, size_t len);


void
kg_kafka_init_connection(kg_connection_t *c)
{
    kg_kafka_port_t             *kp;
    kg_kafka_session_t          *s;
    kg_kafka_core_route_conf_t  *rcf;

    kp = c->listening->servers;

    s = kg_pcalloc(c->pool, sizeof(kg_kafka_session_t));
    if (s == NULL) {
        kg_kafka_close_connection(c);
        return;
    }

    s->signature = KG_KAFKA_MODULE;
    s->main_conf = kp->ctx->main_conf;
    s->route_conf = kp->ctx->route_conf;
    s->connection = c;
    s->broker = kp->index;
    s->node_id = -1;
    s->start_msec = kg_current_msec;

    rcf = kg_kafka_get_module_route_conf(s, kg_kafka_core_module);

    s->route = rcf;
    s->cluster = rcf->cluster;
    s->close_cause = KG_KAFKA_CLOSE_ERROR;

    c->data = s;

    c->log->connection = c->number;
    c->log->handler = NULL;

    /* one info line per session, at its end: this one is for debugging */

    kg_log_debug2(KG_LOG_DEBUG_KAFKA, c->log, 0, "client %V connected to %V",
                  &c->addr_text, &c->listening->addr_text);

    c->log->handler = kg_kafka_log_error;
    c->log->data = s;
    c->log->action = "initializing session";
    c->log_error = KG_ERROR_INFO;

    s->ctx = kg_pcalloc(c->pool, sizeof(void *) * kg_kafka_max_module);
    if (s->ctx == NULL) {
        kg_kafka_close_connection(c);
        return;
    }

    /* the cluster the route uses now, which a switch may have changed */

    if (kg_kafka_route_session_start(s) != KG_OK) {
        kg_kafka_close_connection(c);
        return;
    }

    kg_kafka_core_run_phases(s);
}


void
kg_kafka_core_run_phases(kg_kafka_session_t *s)
{
    kg_int_t                    rc;
    kg_kafka_phase_handler_t   *ph;
    kg_kafka_core_main_conf_t  *cmcf;

    cmcf = kg_kafka_get_module_main_conf(s, kg_kafka_core_module);
    ph = cmcf->engine;

    while (ph[s->phase_handler].handler) {

        rc = ph[s->phase_handler].handler(s);

        if (rc == KG_OK) {
            s->phase_handler = ph[s->phase_handler].next;
            continue;
        }

        if (rc == KG_DECLINED) {
            s->phase_handler++;
            continue;
        }

        if (rc == KG_AGAIN || rc == KG_DONE) {
            return;
        }

        kg_kafka_finalize_session(s);
        return;
    }

    /* no module took the session: nothing to proxy to */

    kg_log_error(KG_LOG_ERR, s->connection->log, 0,
                 "no handler takes the session");

    kg_kafka_finalize_session(s);
}


/*
 * The TLS phase: a route with a certificate terminates TLS here; the SNI
 * callback (kg_kafka_core_module.c) has picked the broker by the time the
 * handshake ends.
 */

kg_int_t
kg_kafka_tls_handler(kg_kafka_session_t *s)
{
    kg_int_t          rc;
    kg_connection_t  *c;

    if (s->route->ssl == NULL) {
        return KG_OK;
    }

    c = s->connection;
    c->log->action = "TLS handshaking";

    if (kg_ssl_create_connection(s->route->ssl, c, 0) != KG_OK) {
        return KG_ERROR;
    }

    rc = kg_ssl_handshake(c);

    if (rc == KG_ERROR) {
        return KG_ERROR;
    }

    if (rc == KG_AGAIN) {
        kg_add_timer(c->read, s->cluster->connect_timeout);
        c->ssl->handler = kg_kafka_tls_handshake_handler;
        return KG_AGAIN;
    }

    if (s->route->sni.len && s->node_id >= 0) {
        kg_log_debug1(KG_LOG_DEBUG_KAFKA, c->log, 0,
                      "kafka sni node: %D", s->node_id);
    }

    return KG_OK;
}


static void
kg_kafka_tls_handshake_handler(kg_connection_t *c)
{
    kg_kafka_session_t  *s;

    s = c->data;

    if (c->read->timer_set) {
        kg_del_timer(c->read);
    }

    if (c->read->timedout || !c->ssl->handshaked) {
        if (c->read->timedout) {
            kg_log_error(KG_LOG_INFO, c->log, KG_ETIMEDOUT,
                         "client timed out in TLS handshake");
        }

        kg_kafka_finalize_session(s);
        return;
    }

    s->phase_handler++;

    kg_kafka_core_run_phases(s);
}


void
kg_kafka_finalize_session(kg_kafka_session_t *s)
{
    kg_uint_t                   i;
    kg_msec_int_t               ms;
    kg_connection_t            *c;
    kg_kafka_handler_pt        *h;
    kg_kafka_core_main_conf_t  *cmcf;

    c = s->connection;

    if (s->finalized) {
        return;
    }

    s->finalized = 1;

    cmcf = kg_kafka_get_module_main_conf(s, kg_kafka_core_module);

    h = cmcf->phases[KG_KAFKA_LOG_PHASE].handlers.elts;

    for (i = 0; i < cmcf->phases[KG_KAFKA_LOG_PHASE].handlers.nelts; i++) {
        (void) h[i](s);
    }

    kg_kafka_route_session_end(s, s->close_cause);

    ms = (kg_msec_int_t) (kg_current_msec - s->start_msec);
    ms = kg_max(ms, 0);

    c->log->action = NULL;

    /* the one info line of a session: the log handler adds where */

    kg_log_error(KG_LOG_INFO, c->log, 0,
                 "session closed (%s) after %T.%03M s, cluster: \"%V\", "
                 "requests: %ui, bytes from/to client: %O/%O, "
                 "client port: %ui",
                 kg_kafka_close_text(s->close_cause),
                 (time_t) (ms / 1000), (kg_msec_t) (ms % 1000),
                 &s->cluster->name, s->requests, s->received, s->sent,
                 (kg_uint_t) kg_inet_get_port(c->sockaddr));

    kg_kafka_close_connection(c);
}


static const char *
kg_kafka_close_text(kg_uint_t cause)
{
    static const char  *text[] = {
        "client closed the connection",
        "upstream closed the connection",
        "client idle",
        "drained after a route switch",
        "shutting down",
        "error"
    };

    return cause < KG_KAFKA_CLOSE_MAX ? text[cause] : "error";
}


void
kg_kafka_close_connection(kg_connection_t *c)
{
    kg_pool_t  *pool;

    kg_log_debug1(KG_LOG_DEBUG_KAFKA, c->log, 0,
                  "close kafka connection: %d", c->fd);

    if (c->ssl) {
        c->ssl->no_wait_shutdown = 1;

        if (kg_ssl_shutdown(c) == KG_AGAIN) {
            c->ssl->handler = kg_kafka_close_connection;
            return;
        }
    }

    c->destroyed = 1;

    pool = c->pool;

    kg_close_connection(c);

    kg_destroy_pool(pool);
}


static u_char *
kg_kafka_log_error(kg_log_t *log, u_char *buf, size_t len)
{
    u_char              *p;
    kg_kafka_session_t  *s;

    if (log->action) {
        p = kg_snprintf(buf, len, " while %s", log->action);
        len -= p - buf;
        buf = p;
    }

    s = log->data;

    p = kg_snprintf(buf, len, ", route: %V, client: %V, server: %V",
                    &s->route->name, &s->connection->addr_text,
                    &s->connection->listening->addr_text);
    len -= p - buf;
    buf = p;

    if (s->upstream_name) {
        p = kg_snprintf(buf, len, ", upstream: \"%V\"", s->upstream_name);
        len -= p - buf;
        buf = p;
    }

    if (s->log_handler) {
        return s->log_handler(log, buf, len);
    }

    return buf;
}
