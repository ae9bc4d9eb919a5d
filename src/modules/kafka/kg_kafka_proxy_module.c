/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_kafka.h>
#include <kg_kafka_upstream.h>
#include <kg_kafka_rewrite.h>
#include <kg_kafka_versions.h>
#include <kg_kafka_route.h>
#include <kg_kafka_errors.h>


/* requests waiting for their response; more stop reading the client */
#define KG_KAFKA_PROXY_INFLIGHT   256

/* the in-flight ring a session starts with, in its context; it doubles */
#define KG_KAFKA_PROXY_INFLIGHT0  8

/* the idle buffers a worker keeps for reuse, per buffer size */
#define KG_KAFKA_PROXY_FREE       64
#define KG_KAFKA_PROXY_SIZES      4


typedef struct {
    int32_t                       correlation_id;
    int16_t                       api_key;
    int16_t                       api_version;
    kg_msec_t                     sent;
    u_char                       *local;       /* a frame kgate answers */
    size_t                        local_len;
} kg_kafka_inflight_t;


/*
 * One direction of the pump.  The buffer holds, in order: bytes already
 * sent [start, pos), whole or partial frames that may be sent [pos, scan),
 * and bytes not yet looked at [scan, last).
 */

typedef struct {
    kg_buf_t                      buf;
    u_char                       *scan;
    size_t                        rest;        /* of the frame being passed */
    kg_kafka_frame_t              frame;
    off_t                         received;
    off_t                         sent;
} kg_kafka_proxy_dir_t;


typedef struct {
    kg_peer_connection_t          peer;
    kg_kafka_upstream_wait_t      wait;
    kg_kafka_addr_map_t           map;

    kg_kafka_proxy_dir_t          requests;    /* client -> upstream */
    kg_kafka_proxy_dir_t          responses;   /* upstream -> client */

    /* a response read whole for a rewrite: the bytes after the prefix */
    u_char                       *whole;
    size_t                        whole_size;
    size_t                        whole_received;
    kg_kafka_frame_t              whole_frame;
    kg_kafka_inflight_t           whole_request;

    /* a rewritten or local frame, sent before responses.buf */
    u_char                       *out;
    u_char                       *out_pos;
    u_char                       *out_last;

    kg_kafka_inflight_t          *inflight;    /* ring of nalloc */
    kg_uint_t                     head;
    kg_uint_t                     ninflight;
    kg_uint_t                     nalloc;      /* a power of 2 */

    kg_uint_t                     addr;        /* bootstrap to try next */
    kg_uint_t                     tries;
    kg_uint_t                     fetched;

    kg_str_t                      name;
    u_char                        text[KG_KAFKA_HOST_LEN + 8];
    kg_sockaddr_t                 sockaddr;
    socklen_t                     socklen;

    /* a paused route holds requests; a switched one drains the session */
    kg_event_t                    pause_event;
    kg_event_t                    drain_event;

    /* the request buffer grown past buffer_size, kg_alloc() memory */
    u_char                       *grown;

    kg_kafka_route_metrics_t     *metrics;

    kg_kafka_inflight_t           inflight0[KG_KAFKA_PROXY_INFLIGHT0];

    /* the close cause a session carries while it runs */
    kg_uint_t                     cause;

    unsigned                      connected:1;

    /* a drained session connects to the route's new cluster */
    unsigned                      repairing:1;

    /*
     * the client authenticated the upstream connection (SASL): another
     * one would not be, so a switch closes the session
     */
    unsigned                      authenticated:1;

    /* a broker port with no broker behind it in the active cluster */
    unsigned                      surplus:1;
} kg_kafka_proxy_ctx_t;


/*
 * Idle sessions hold no buffers: a direction takes one when its source
 * is readable and gives it back once it is empty, to a list of this
 * worker's, so the hot path does not allocate.
 */

typedef struct {
    size_t                        size;
    kg_uint_t                     n;
    void                         *free;        /* linked by the 1st word */
} kg_kafka_proxy_bufs_t;


#define kg_kafka_proxy_slot(u, i)                                             \
    (&(u)->inflight[((u)->head + (i)) & ((u)->nalloc - 1)])


static kg_int_t kg_kafka_proxy_postconfiguration(kg_conf_t *cf);
static void kg_kafka_proxy_exit_process(kg_cycle_t *cycle);
static kg_int_t kg_kafka_proxy_upstream_phase(kg_kafka_session_t *s);
static kg_int_t kg_kafka_proxy_choose(kg_kafka_session_t *s);
static void kg_kafka_proxy_metadata_handler(kg_kafka_upstream_wait_t *w,
    kg_int_t rc);
static void kg_kafka_proxy_connect(kg_kafka_session_t *s);
static void kg_kafka_proxy_next_upstream(kg_kafka_session_t *s);
static kg_int_t kg_kafka_proxy_get_peer(kg_peer_connection_t *pc,
    void *data);
static void kg_kafka_proxy_connect_handler(kg_event_t *ev);
static void kg_kafka_proxy_ssl_handler(kg_connection_t *pc);
static void kg_kafka_proxy_connected(kg_kafka_session_t *s);
static void kg_kafka_proxy_wait_handler(kg_event_t *ev);
static kg_int_t kg_kafka_proxy_handler(kg_kafka_session_t *s);
static void kg_kafka_proxy_downstream_handler(kg_event_t *ev);
static void kg_kafka_proxy_upstream_handler(kg_event_t *ev);
static void kg_kafka_proxy_process(kg_kafka_session_t *s,
    kg_uint_t from_upstream, kg_uint_t do_write);
static kg_int_t kg_kafka_proxy_send(kg_kafka_session_t *s,
    kg_connection_t *dst, kg_kafka_proxy_dir_t *d, u_char **pos,
    u_char *last);
static kg_int_t kg_kafka_proxy_requests(kg_kafka_session_t *s);
static kg_int_t kg_kafka_proxy_local(kg_kafka_session_t *s,
    kg_kafka_request_header_t *h, kg_kafka_inflight_t *r);
static kg_int_t kg_kafka_proxy_responses(kg_kafka_session_t *s);
static kg_int_t kg_kafka_proxy_rewrite(kg_kafka_session_t *s);
static void kg_kafka_proxy_compact(kg_kafka_proxy_dir_t *d);
static kg_int_t kg_kafka_proxy_buf_get(kg_kafka_session_t *s,
    kg_kafka_proxy_dir_t *d);
static void kg_kafka_proxy_buf_free(kg_kafka_session_t *s,
    kg_kafka_proxy_dir_t *d);
static kg_kafka_inflight_t *kg_kafka_proxy_inflight_push(
    kg_kafka_session_t *s);
static void kg_kafka_proxy_set_timers(kg_kafka_session_t *s);
static kg_int_t kg_kafka_proxy_log_phase(kg_kafka_session_t *s);
static void kg_kafka_proxy_close_upstream(kg_kafka_session_t *s);
static kg_int_t kg_kafka_proxy_node_port(void *data, int32_t node_id);
static int32_t kg_kafka_proxy_node_id(void *data, int32_t node_id);
static kg_int_t kg_kafka_proxy_node_host(void *data, kg_pool_t *pool,
    int32_t node_id, kg_str_t *host);
static void kg_kafka_proxy_notify(kg_kafka_session_t *s);
static void kg_kafka_proxy_pause_handler(kg_event_t *ev);
static void kg_kafka_proxy_drain_handler(kg_event_t *ev);
static kg_int_t kg_kafka_proxy_repair(kg_kafka_session_t *s);
static void kg_kafka_proxy_repaired(kg_kafka_session_t *s);
static kg_int_t kg_kafka_proxy_grow(kg_kafka_session_t *s, size_t size);
static kg_int_t kg_kafka_proxy_answer(kg_kafka_session_t *s,
    kg_kafka_request_header_t *h, int16_t acks, kg_uint_t reason);
static kg_uint_t kg_kafka_proxy_forwards(kg_int_t api_key);
static void kg_kafka_proxy_learn(void *data, int32_t node_id, kg_str_t *host,
    int32_t port);
static void kg_kafka_proxy_set_nodelay(kg_connection_t *c);
static u_char *kg_kafka_proxy_log_error(kg_log_t *log, u_char *buf,
    size_t len);


static kg_kafka_module_t  kg_kafka_proxy_module_ctx = {
    NULL,                                  /* preconfiguration */
    kg_kafka_proxy_postconfiguration,      /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create route configuration */
    NULL,                                  /* merge route configuration */

    NULL                                   /* create cluster configuration */
};


kg_module_t  kg_kafka_proxy_module = {
    KG_MODULE_V1,
    &kg_kafka_proxy_module_ctx,            /* module context */
    NULL,                                  /* module directives */
    KG_KAFKA_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    kg_kafka_proxy_exit_process,           /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


/* what an empty direction points to: no buffer, no room */
static u_char                 kg_kafka_proxy_none[1];

static kg_kafka_proxy_bufs_t  kg_kafka_proxy_bufs[KG_KAFKA_PROXY_SIZES];


static kg_int_t
kg_kafka_proxy_postconfiguration(kg_conf_t *cf)
{
    kg_kafka_handler_pt        *h;
    kg_kafka_core_main_conf_t  *cmcf;

    cmcf = kg_kafka_conf_get_module_main_conf(cf, kg_kafka_core_module);

    h = kg_array_push(&cmcf->phases[KG_KAFKA_UPSTREAM_PHASE].handlers);
    if (h == NULL) {
        return KG_ERROR;
    }

    *h = kg_kafka_proxy_upstream_phase;

    h = kg_array_push(&cmcf->phases[KG_KAFKA_PROXY_PHASE].handlers);
    if (h == NULL) {
        return KG_ERROR;
    }

    *h = kg_kafka_proxy_handler;

    h = kg_array_push(&cmcf->phases[KG_KAFKA_LOG_PHASE].handlers);
    if (h == NULL) {
        return KG_ERROR;
    }

    *h = kg_kafka_proxy_log_phase;

    return KG_OK;
}


static void
kg_kafka_proxy_exit_process(kg_cycle_t *cycle)
{
    void       *p;
    kg_uint_t   i;

    for (i = 0; i < KG_KAFKA_PROXY_SIZES; i++) {

        while (kg_kafka_proxy_bufs[i].free) {
            p = kg_kafka_proxy_bufs[i].free;
            kg_kafka_proxy_bufs[i].free = *(void **) p;
            kg_free(p);
        }

        kg_kafka_proxy_bufs[i].n = 0;
    }
}


/*
 * UPSTREAM CONNECT: a bootstrap port is paired with one of the cluster's
 * bootstrap addresses, a broker port with the broker its node id maps
 * to.  An unknown node is looked up by a Metadata request first.
 */

static kg_int_t
kg_kafka_proxy_upstream_phase(kg_kafka_session_t *s)
{
    kg_int_t               rc;
    kg_connection_t       *c;
    kg_kafka_upstream_t   *up;
    kg_kafka_proxy_ctx_t  *u;

    c = s->connection;

    u = kg_pcalloc(c->pool, sizeof(kg_kafka_proxy_ctx_t));
    if (u == NULL) {
        return KG_ERROR;
    }

    kg_kafka_set_ctx(s, u, kg_kafka_proxy_module);

    s->log_handler = kg_kafka_proxy_log_error;

    up = s->cluster->upstream;

    u->inflight = u->inflight0;
    u->nalloc = KG_KAFKA_PROXY_INFLIGHT0;

    u->requests.buf.start = kg_kafka_proxy_none;
    u->requests.buf.pos = kg_kafka_proxy_none;
    u->requests.buf.last = kg_kafka_proxy_none;
    u->requests.buf.end = kg_kafka_proxy_none;
    u->requests.scan = kg_kafka_proxy_none;
    u->responses.buf = u->requests.buf;
    u->responses.scan = kg_kafka_proxy_none;

    u->addr = up->next;
    u->wait.data = s;
    u->wait.handler = kg_kafka_proxy_metadata_handler;

    u->map.host = s->route->advertise;
    u->map.node_port = kg_kafka_proxy_node_port;
    u->map.learn = kg_kafka_proxy_learn;
    u->map.node_id = kg_kafka_proxy_node_id;
    u->map.node_host = s->route->sni.len ? kg_kafka_proxy_node_host : NULL;
    u->map.data = s;

    /* client bytes wait in the socket until the upstream is there */

    c->read->handler = kg_kafka_proxy_wait_handler;
    c->write->handler = kg_kafka_proxy_wait_handler;

    if (kg_handle_read_event(c->read, 0) != KG_OK) {
        return KG_ERROR;
    }

    rc = kg_kafka_proxy_choose(s);

    if (rc == KG_AGAIN) {
        c->log->action = "fetching metadata";

        if (kg_kafka_upstream_refresh(up, &u->wait) == KG_ERROR) {
            return KG_ERROR;
        }

        return KG_AGAIN;
    }

    if (rc != KG_OK) {
        return KG_ERROR;
    }

    kg_kafka_proxy_connect(s);

    return KG_AGAIN;
}


/* KG_OK: u->sockaddr is set; KG_AGAIN: the node is not known yet */

static kg_int_t
kg_kafka_proxy_choose(kg_kafka_session_t *s)
{
    int32_t                node_id;
    kg_addr_t             *addr;
    kg_kafka_node_t       *node;
    kg_kafka_upstream_t   *up;
    kg_kafka_proxy_ctx_t  *u;

    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);
    up = s->cluster->upstream;

    if ((s->broker < 0 && s->node_id < 0) || u->surplus) {
        addr = s->cluster->bootstrap.elts;
        addr = &addr[u->addr++ % s->cluster->bootstrap.nelts];

        kg_memcpy(&u->sockaddr, addr->sockaddr, addr->socklen);
        u->socklen = addr->socklen;
        u->name = addr->name;
        s->upstream_name = &u->name;

        return KG_OK;
    }

    /* the port, or the SNI name, is a virtual node id: its real node */

    if (s->node_id >= 0) {
        node_id = kg_kafka_route_real_id(s->route, s->cluster, s->node_id);

    } else {
        node_id = kg_kafka_route_node_real(s->cluster, s->broker);
    }

    node = (node_id >= 0) ? kg_kafka_upstream_node(up, node_id) : NULL;

    if (node && node->socklen == 0) {

        /* its advertised host is not resolved, or could not be */

        if (!u->fetched) {
            return KG_AGAIN;
        }

        kg_log_error(KG_LOG_ERR, s->connection->log, 0,
                     "broker %D of cluster \"%V\" has no address "
                     "(\"%V\" not resolved), closing client", node_id,
                     &s->cluster->name, &node->name);
        return KG_ERROR;
    }

    if (node == NULL) {
        if (!u->fetched) {
            return KG_AGAIN;
        }

        if (u->repairing) {

            /* the client reconnects to a surplus port, as below */

            kg_log_error(KG_LOG_INFO, s->connection->log, 0,
                         "no broker of cluster \"%V\" behind this port, "
                         "closing drained connection", &s->cluster->name);
            return KG_DECLINED;
        }

        /*
         * The cluster the route uses now has fewer brokers than the one
         * the client learned its metadata from, or the broker is gone:
         * Metadata goes to any broker of the cluster, other requests get
         * a retriable error, and the client refreshes its metadata.
         */

        kg_log_error(KG_LOG_INFO, s->connection->log, 0,
                     "no broker of cluster \"%V\" behind this port, "
                     "answering with retriable errors", &s->cluster->name);

        u->surplus = 1;

        return kg_kafka_proxy_choose(s);
    }

    /* the table may move: keep a copy */

    u->socklen = node->socklen;
    kg_memcpy(&u->sockaddr, &node->sockaddr, node->socklen);

    u->name.len = node->name.len;
    u->name.data = u->text;
    kg_memcpy(u->text, node->name.data, node->name.len);

    s->upstream_name = &u->name;

    return KG_OK;
}


static void
kg_kafka_proxy_metadata_handler(kg_kafka_upstream_wait_t *w, kg_int_t rc)
{
    kg_kafka_session_t    *s;
    kg_kafka_proxy_ctx_t  *u;

    s = w->data;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);

    u->fetched = 1;

    if (rc != KG_OK || s->connection->close) {
        kg_kafka_finalize_session(s);
        return;
    }

    if (kg_kafka_proxy_choose(s) != KG_OK) {
        kg_kafka_finalize_session(s);
        return;
    }

    kg_kafka_proxy_connect(s);
}


static void
kg_kafka_proxy_connect(kg_kafka_session_t *s)
{
    kg_int_t               rc;
    kg_connection_t       *c, *pc;
    kg_kafka_proxy_ctx_t  *u;

    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);

    c->log->action = "connecting to upstream";

    u->tries++;

    kg_memzero(&u->peer, sizeof(kg_peer_connection_t));

    u->peer.sockaddr = &u->sockaddr.sockaddr;
    u->peer.socklen = u->socklen;
    u->peer.name = &u->name;
    u->peer.get = kg_kafka_proxy_get_peer;
    u->peer.log = c->log;
    u->peer.log_error = KG_ERROR_ERR;
    u->peer.type = SOCK_STREAM;
    u->peer.tries = 1;

    rc = kg_event_connect_peer(&u->peer);

    kg_log_debug1(KG_LOG_DEBUG_KAFKA, c->log, 0, "kafka connect: %i", rc);

    if (rc == KG_ERROR || rc == KG_BUSY || rc == KG_DECLINED) {
        kg_kafka_proxy_next_upstream(s);
        return;
    }

    pc = u->peer.connection;

    pc->data = s;
    pc->log = c->log;
    pc->pool = c->pool;
    pc->read->log = c->log;
    pc->write->log = c->log;

    pc->read->handler = kg_kafka_proxy_connect_handler;
    pc->write->handler = kg_kafka_proxy_connect_handler;

    kg_add_timer(pc->write, s->cluster->connect_timeout);

    if (rc == KG_OK) {
        kg_post_event(pc->write, &kg_posted_events);
    }
}


/*
 * A bootstrap port tries the next bootstrap address; a broker port has
 * one broker only: the client is closed and retries, as it would with
 * the broker itself.
 */

static void
kg_kafka_proxy_next_upstream(kg_kafka_session_t *s)
{
    kg_connection_t       *c;
    kg_kafka_proxy_ctx_t  *u;

    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);

    kg_kafka_proxy_close_upstream(s);

    kg_metrics_inc(kg_kafka_route_metrics(s)
                   ? kg_kafka_route_metrics(s)->connect_errors : NULL, 1);

    if (((s->broker >= 0 || s->node_id >= 0) && !u->surplus)
        || u->tries >= s->cluster->bootstrap.nelts || c->close)
    {
        kg_log_error(KG_LOG_ERR, c->log, 0,
                     "upstream unavailable, closing client");
        kg_kafka_finalize_session(s);
        return;
    }

    if (kg_kafka_proxy_choose(s) != KG_OK) {
        kg_kafka_finalize_session(s);
        return;
    }

    kg_kafka_proxy_connect(s);
}


static kg_int_t
kg_kafka_proxy_get_peer(kg_peer_connection_t *pc, void *data)
{
    return KG_OK;
}


static void
kg_kafka_proxy_connect_handler(kg_event_t *ev)
{
    int                    err;
    socklen_t              len;
    kg_str_t              *name;
    kg_connection_t       *pc;
    kg_kafka_session_t    *s;

    pc = ev->data;
    s = pc->data;

    if (s->connection->close) {
        kg_kafka_finalize_session(s);
        return;
    }

    if (ev->timedout) {
        kg_log_error(KG_LOG_ERR, pc->log, KG_ETIMEDOUT, "upstream timed out");
        kg_kafka_proxy_next_upstream(s);
        return;
    }

    if (pc->write->timer_set) {
        kg_del_timer(pc->write);
    }

    err = 0;
    len = sizeof(int);

    if (getsockopt(pc->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = kg_socket_errno;
    }

    if (err) {
        kg_log_error(KG_LOG_ERR, pc->log, err, "connect() failed");
        kg_kafka_proxy_next_upstream(s);
        return;
    }

    if (s->cluster->ssl == NULL) {
        kg_kafka_proxy_connected(s);
        return;
    }

    s->connection->log->action = "TLS handshaking with upstream";

    if (kg_ssl_create_connection(s->cluster->ssl, pc,
                                 KG_SSL_BUFFER|KG_SSL_CLIENT)
        != KG_OK)
    {
        kg_kafka_finalize_session(s);
        return;
    }

    name = s->cluster->tls_name.len ? &s->cluster->tls_name : NULL;

    if (name && kg_ssl_set_host(pc, name, s->cluster->tls_verify) != KG_OK) {
        kg_kafka_finalize_session(s);
        return;
    }

    if (kg_ssl_handshake(pc) == KG_AGAIN) {
        kg_add_timer(pc->write, s->cluster->connect_timeout);
        pc->ssl->handler = kg_kafka_proxy_ssl_handler;
        return;
    }

    kg_kafka_proxy_ssl_handler(pc);
}


static void
kg_kafka_proxy_ssl_handler(kg_connection_t *pc)
{
    kg_kafka_session_t  *s;

    s = pc->data;

    if (pc->write->timer_set) {
        kg_del_timer(pc->write);
    }

    if (!pc->ssl->handshaked) {
        kg_kafka_proxy_next_upstream(s);
        return;
    }

    kg_kafka_proxy_connected(s);
}


static void
kg_kafka_proxy_connected(kg_kafka_session_t *s)
{
    kg_kafka_proxy_ctx_t  *u;

    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);

    u->connected = 1;
    s->cluster->upstream->next = u->addr;

    kg_log_debug0(KG_LOG_DEBUG_KAFKA, s->connection->log, 0,
                  "kafka upstream connected");

    if (u->repairing) {
        kg_kafka_proxy_repaired(s);
        return;
    }

    s->phase_handler++;

    kg_kafka_core_run_phases(s);
}


static void
kg_kafka_proxy_wait_handler(kg_event_t *ev)
{
    kg_connection_t     *c;
    kg_kafka_session_t  *s;

    c = ev->data;
    s = c->data;

    if (c->close) {
        kg_kafka_finalize_session(s);
    }
}


/* PROXY: the pump takes the session */

static kg_int_t
kg_kafka_proxy_handler(kg_kafka_session_t *s)
{
    kg_connection_t       *c, *pc;
    kg_kafka_proxy_ctx_t  *u;

    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);

    if (u == NULL || !u->connected) {
        kg_log_error(KG_LOG_ERR, c->log, 0, "no upstream to proxy to");
        return KG_ERROR;
    }

    pc = u->peer.connection;

    /* the buffers come with the first bytes (kg_kafka_proxy_buf_get()) */

    kg_kafka_frame_init(&u->requests.frame, s->route->max_frame_size,
                        KG_KAFKA_FRAME_DETECT);
    kg_kafka_frame_init(&u->responses.frame, s->route->max_frame_size,
                        KG_KAFKA_FRAME_RESPONSE|KG_KAFKA_FRAME_DETECT);

    kg_kafka_proxy_set_nodelay(c);
    kg_kafka_proxy_set_nodelay(pc);

    u->metrics = kg_kafka_route_metrics(s);

    u->pause_event.handler = kg_kafka_proxy_pause_handler;
    u->pause_event.data = s;
    u->pause_event.log = c->log;

    u->drain_event.handler = kg_kafka_proxy_drain_handler;
    u->drain_event.data = s;
    u->drain_event.log = c->log;

    s->notify = kg_kafka_proxy_notify;

    c->log->action = "proxying connection";

    kg_log_debug1(KG_LOG_DEBUG_KAFKA, c->log, 0, "proxy connected to %V",
                  &u->name);

    c->read->handler = kg_kafka_proxy_downstream_handler;
    c->write->handler = kg_kafka_proxy_downstream_handler;
    pc->read->handler = kg_kafka_proxy_upstream_handler;
    pc->write->handler = kg_kafka_proxy_upstream_handler;

    if (pc->read->ready) {
        kg_post_event(pc->read, &kg_posted_events);
    }

    kg_kafka_proxy_process(s, 0, 1);

    return KG_DONE;
}


static void
kg_kafka_proxy_downstream_handler(kg_event_t *ev)
{
    kg_connection_t     *c;
    kg_kafka_session_t  *s;

    c = ev->data;
    s = c->data;

    if (c->close) {

        /*
         * A reload that left the route's cluster alone: the old worker
         * keeps serving the session until it ends or
         * worker_shutdown_timeout (c->error) expires.
         */

        if (!c->error && kg_kafka_route_keep(s)) {
            c->close = 0;
            return;
        }

        kg_log_debug0(KG_LOG_DEBUG_KAFKA, c->log, 0,
                      "closing idle connection");
        s->close_cause = KG_KAFKA_CLOSE_SHUTDOWN;
        kg_kafka_finalize_session(s);
        return;
    }

    if (ev->timedout) {
        ev->timedout = 0;
        kg_log_debug0(KG_LOG_DEBUG_KAFKA, c->log, 0,
                      "client timed out while idle");
        s->close_cause = KG_KAFKA_CLOSE_IDLE;
        kg_kafka_finalize_session(s);
        return;
    }

    kg_kafka_proxy_process(s, ev->write, ev->write);
}


static void
kg_kafka_proxy_upstream_handler(kg_event_t *ev)
{
    kg_connection_t       *pc;
    kg_kafka_session_t    *s;
    kg_kafka_proxy_ctx_t  *u;
    kg_kafka_inflight_t   *r;

    pc = ev->data;
    s = pc->data;

    if (s->connection->close) {
        s->close_cause = KG_KAFKA_CLOSE_SHUTDOWN;
        kg_kafka_finalize_session(s);
        return;
    }

    if (ev->timedout) {
        ev->timedout = 0;

        u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);

        if (u->ninflight) {
            r = &u->inflight[u->head];

            if ((kg_msec_int_t) (kg_current_msec - r->sent)
                >= (kg_msec_int_t) s->route->request_timeout)
            {
                kg_log_error(KG_LOG_ERR, pc->log, KG_ETIMEDOUT,
                             "upstream did not answer request %D "
                             "(api %d v%d)", r->correlation_id,
                             (int) r->api_key, (int) r->api_version);
                kg_kafka_finalize_session(s);
                return;
            }
        }
    }

    kg_kafka_proxy_process(s, !ev->write, ev->write);
}


/*
 * The pump, one direction at a time, as kg_stream_proxy_process(): send
 * what is ready toward dst, then read from src while there is room, and
 * cut what was read into frames.  A side is not read while the buffer
 * toward the other is full, so memory stays bounded and TCP pushes back.
 */

static void
kg_kafka_proxy_process(kg_kafka_session_t *s, kg_uint_t from_upstream,
    kg_uint_t do_write)
{
    char                  *recv_action, *send_action;
    size_t                 size;
    ssize_t                n;
    kg_int_t               rc;
    kg_connection_t       *c, *pc, *src, *dst;
    kg_kafka_proxy_ctx_t  *u;
    kg_kafka_proxy_dir_t  *d;

    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);
    pc = u->peer.connection;

    if (from_upstream) {
        src = pc;
        dst = c;
        d = &u->responses;
        recv_action = "proxying and reading from upstream";
        send_action = "proxying and sending to client";

    } else {
        src = c;
        dst = pc;
        d = &u->requests;
        recv_action = "proxying and reading from client";
        send_action = "proxying and sending to upstream";
    }

    for ( ;; ) {

        rc = from_upstream ? kg_kafka_proxy_responses(s)
                           : kg_kafka_proxy_requests(s);

        if (rc == KG_ERROR) {
            kg_kafka_finalize_session(s);
            return;
        }

        if (do_write || d->scan != d->buf.pos || (from_upstream && u->out)) {
            c->log->action = send_action;

            /*
             * A short write is not a full socket: SSL_write() sends one
             * record (16k) a call and leaves the write event ready, so
             * no event would come for the rest.  Sends go on until the
             * data is gone or the socket says KG_AGAIN.
             */

            if (from_upstream && u->out) {
                rc = kg_kafka_proxy_send(s, dst, d, &u->out_pos,
                                         u->out_last);

                if (rc == KG_ERROR) {
                    kg_kafka_finalize_session(s);
                    return;
                }

                if (rc == KG_OK) {
                    kg_free(u->out);
                    u->out = NULL;
                    continue;
                }
            }

            if (d->scan != d->buf.pos && !(from_upstream && u->out)) {
                if (kg_kafka_proxy_send(s, dst, d, &d->buf.pos, d->scan)
                    == KG_ERROR)
                {
                    kg_kafka_finalize_session(s);
                    return;
                }
            }
        }

        kg_kafka_proxy_compact(d);

        if (d->buf.start == kg_kafka_proxy_none
            && src->read->ready && !src->read->eof && !src->read->error)
        {
            if (kg_kafka_proxy_buf_get(s, d) != KG_OK) {
                kg_kafka_finalize_session(s);
                return;
            }
        }

        size = d->buf.end - d->buf.last;

        if (size && src->read->ready && !src->read->eof
            && !src->read->error)
        {
            c->log->action = recv_action;

            n = src->recv(src, d->buf.last, size);

            if (n == KG_AGAIN) {
                break;
            }

            if (n == 0) {
                src->read->eof = 1;
                break;
            }

            if (n > 0) {
                d->received += n;

                if (!from_upstream) {
                    s->received += n;

                    kg_metrics_inc(u->metrics ? u->metrics->bytes_in : NULL,
                                   n);
                }

                d->buf.last += n;
                do_write = 1;
                continue;
            }

            src->read->eof = 1;
            src->read->error = 1;
        }

        break;
    }

    c->log->action = "proxying connection";

    /* an idle direction keeps no memory */

    if (d->buf.pos == d->buf.last) {
        kg_kafka_proxy_buf_free(s, d);
    }

    if (u->ninflight == 0 && u->inflight != u->inflight0) {
        kg_free(u->inflight);
        u->inflight = u->inflight0;
        u->nalloc = KG_KAFKA_PROXY_INFLIGHT0;
        u->head = 0;
    }

    if (from_upstream) {

        /* answers made room for more requests */

        if (u->ninflight < KG_KAFKA_PROXY_INFLIGHT
            && (u->requests.scan != u->requests.buf.last || c->read->ready)
            && !c->read->posted)
        {
            kg_post_event(c->read, &kg_posted_events);
        }

    } else if (u->ninflight && u->inflight[u->head].local
               && !c->write->posted)
    {
        /* a response kgate answers itself may have become due */

        kg_post_event(c->write, &kg_posted_events);
    }

    if (src->read->eof) {

        /*
         * the broker closed (restart, or an api it does not know): the
         * client reconnects; the client closed: what it sent before is
         * delivered, the answers are not wanted
         */

        if (from_upstream || d->buf.pos == d->scan) {
            kg_log_debug1(KG_LOG_DEBUG_KAFKA, c->log, 0,
                          "%s closed the connection",
                          from_upstream ? "upstream" : "client");
            s->close_cause = from_upstream ? KG_KAFKA_CLOSE_UPSTREAM
                                           : KG_KAFKA_CLOSE_CLIENT;
            kg_kafka_finalize_session(s);
            return;
        }
    }

    if (kg_handle_read_event(src->read, 0) != KG_OK) {
        kg_kafka_finalize_session(s);
        return;
    }

    if (kg_handle_write_event(dst->write, 0) != KG_OK) {
        kg_kafka_finalize_session(s);
        return;
    }

    /* drain at a request boundary on reload or graceful stop */

    c->idle = (u->ninflight == 0 && u->requests.rest == 0
               && u->requests.buf.pos == u->requests.buf.last
               && u->responses.rest == 0
               && u->responses.buf.pos == u->responses.buf.last
               && u->out == NULL && u->whole == NULL);

    if (c->idle && kg_exiting && !kg_kafka_route_keep(s)) {
        kg_log_debug0(KG_LOG_DEBUG_KAFKA, c->log, 0,
                      "closing idle connection");
        s->close_cause = KG_KAFKA_CLOSE_SHUTDOWN;
        kg_kafka_finalize_session(s);
        return;
    }

    /*
     * The route was switched: once what was sent upstream is answered,
     * the client is paired with the new cluster and what it sent since
     * goes there.  Where that cannot be, what was not forwarded is
     * dropped (the client sends it again, to the new cluster, on a new
     * connection), and the session closes.
     */

    if (s->draining
        && u->ninflight == 0 && u->requests.rest == 0
        && u->requests.buf.pos == u->requests.scan
        && u->responses.rest == 0
        && u->responses.buf.pos == u->responses.buf.last
        && u->out == NULL && u->whole == NULL)
    {
        rc = kg_kafka_proxy_repair(s);

        if (rc == KG_OK) {
            /* the same cluster again: the upstream connection stays */

            if (!c->read->posted) {
                kg_post_event(c->read, &kg_posted_events);
            }

            kg_kafka_proxy_set_timers(s);
            return;
        }

        if (rc != KG_DECLINED) {
            return;
        }

        kg_log_error(KG_LOG_INFO, c->log, 0,
                     "closing drained connection: route \"%V\" was "
                     "switched to another cluster", &s->route->name);
        s->close_cause = KG_KAFKA_CLOSE_DRAIN;
        kg_kafka_finalize_session(s);
        return;
    }

    kg_kafka_proxy_set_timers(s);
}


/* KG_OK: all of [*pos, last) was sent; KG_AGAIN: the socket is full */

static kg_int_t
kg_kafka_proxy_send(kg_kafka_session_t *s, kg_connection_t *dst,
    kg_kafka_proxy_dir_t *d, u_char **pos, u_char *last)
{
    ssize_t                n;
    kg_kafka_proxy_ctx_t  *u;

    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);

    while (*pos < last) {
        n = dst->send(dst, *pos, last - *pos);

        if (n == KG_ERROR) {
            return KG_ERROR;
        }

        if (n <= 0) {
            return KG_AGAIN;
        }

        *pos += n;
        d->sent += n;

        if (d == &u->responses) {
            s->sent += n;
            kg_metrics_inc(u->metrics ? u->metrics->bytes_out : NULL, n);
        }

        /* a plain socket that took less is full: no need to ask again */

        if (*pos < last && !dst->write->ready) {
            return KG_AGAIN;
        }
    }

    return KG_OK;
}


/* client -> upstream: cut frames, note what answer each one expects */

static kg_int_t
kg_kafka_proxy_requests(kg_kafka_session_t *s)
{
    u_char                     *p;
    size_t                      n, avail;
    int16_t                     acks;
    kg_int_t                    rc;
    kg_connection_t            *c;
    kg_kafka_inflight_t        *r;
    kg_kafka_proxy_ctx_t       *u;
    kg_kafka_proxy_dir_t       *d;
    kg_kafka_request_header_t   h;

    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);
    d = &u->requests;

    for ( ;; ) {

        avail = d->buf.last - d->scan;

        if (d->rest) {

            /* the rest of a frame passes as it arrives: never decoded */

            n = kg_min(d->rest, avail);

            if (n == 0) {
                return KG_OK;
            }

            d->scan += n;
            d->rest -= n;
            continue;
        }

        /* a request boundary */

        if (s->draining) {
            return KG_OK;
        }

        if (avail < 4 || u->ninflight == KG_KAFKA_PROXY_INFLIGHT) {
            return KG_OK;
        }

        if (d->frame.nprefix < 4) {
            p = d->scan;

            if (kg_kafka_frame_size(&d->frame, &p, d->buf.last) == KG_ERROR) {
                kg_log_error(KG_LOG_INFO, c->log, 0,
                             "client sent an invalid frame: %s",
                             d->frame.reason);
                return KG_ERROR;
            }
        }

        n = kg_min(avail - 4, d->frame.size);

        rc = kg_kafka_frame_request_header(&d->frame, &h, d->scan + 4, n);

        if (rc == KG_OK && h.api_key == KG_KAFKA_API_PRODUCE) {
            rc = kg_kafka_frame_produce_acks(&d->frame, &h,
                                             d->scan + 4 + h.size,
                                             n - h.size, &acks);
        } else {
            acks = -1;
        }

        if (rc == KG_ERROR) {
            kg_log_error(KG_LOG_INFO, c->log, 0,
                         "client sent an invalid frame: %s",
                         d->frame.reason ? d->frame.reason
                                         : "invalid request header");
            return KG_ERROR;
        }

        if (rc == KG_AGAIN) {
            if (d->scan == d->buf.start && d->buf.last == d->buf.end) {
                kg_log_error(KG_LOG_INFO, c->log, 0,
                             "client sent a request header larger than "
                             "the buffer");
                return KG_ERROR;
            }

            return KG_OK;
        }

        /* KG_OK, or KG_DECLINED: a version kgate does not know passes */

        kg_log_debug4(KG_LOG_DEBUG_KAFKA, c->log, 0,
                      "kafka request: api %d v%d corr %D size %uz",
                      (int) h.api_key, (int) h.api_version,
                      h.correlation_id, d->frame.size);

        if (kg_kafka_route_paused(s)
            && !kg_kafka_proxy_forwards(h.api_key))
        {

            /*
             * held, not forwarded, until resume or pause_timeout; what
             * has no effect on data (Metadata, ApiVersions, SASL) passes
             * when nothing is held before it, so clients still connect
             */

            if (!u->pause_event.timer_set) {
                kg_add_timer(&u->pause_event, s->route->pause_timeout);
            }

            if (d->buf.last == d->buf.end
                && (size_t) (d->buf.end - d->buf.start)
                   < s->route->pause_buffer_size)
            {
                if (kg_kafka_proxy_grow(s,
                        kg_min(2 * (size_t) (d->buf.end - d->buf.start),
                               s->route->pause_buffer_size))
                    != KG_OK)
                {
                    return KG_ERROR;
                }
            }

            return KG_OK;
        }

        if (u->surplus && !kg_kafka_proxy_forwards(h.api_key)) {

            /* no broker here: answered by kgate, whole frames needed */

            if (avail < 4 + d->frame.size) {
                if (d->buf.last == d->buf.end
                    && kg_kafka_proxy_grow(s, (d->scan - d->buf.pos) + 4
                                              + d->frame.size)
                       != KG_OK)
                {
                    return KG_ERROR;
                }

                return KG_OK;
            }

            if (kg_kafka_proxy_answer(s, &h, acks, KG_KAFKA_ERR_NO_BROKER)
                != KG_OK)
            {
                return KG_ERROR;
            }

            continue;
        }

        if (h.api_key == KG_KAFKA_API_API_VERSIONS
            && s->cluster->fallback.len)
        {
            /* the whole request is needed, to drop it from the stream */

            if (avail < 4 + d->frame.size) {
                if (d->scan == d->buf.start && d->buf.last == d->buf.end) {
                    kg_log_error(KG_LOG_INFO, c->log, 0,
                                 "client sent an ApiVersions request "
                                 "larger than the buffer");
                    return KG_ERROR;
                }

                return KG_OK;
            }

            r = kg_kafka_proxy_inflight_push(s);
            if (r == NULL) {
                return KG_ERROR;
            }

            if (kg_kafka_proxy_local(s, &h, r) != KG_OK) {
                return KG_ERROR;
            }

            u->ninflight++;
            s->requests++;

            n = 4 + d->frame.size;
            kg_memmove(d->scan, d->scan + n, avail - n);
            d->buf.last -= n;

            kg_kafka_frame_next(&d->frame);
            continue;
        }

        if (u->metrics && h.api_key >= 0 && h.api_key < KG_KAFKA_API_MAX) {
            kg_metrics_inc(&u->metrics->requests[h.api_key], 1);
        }

        if (h.api_key == KG_KAFKA_API_SASL_HANDSHAKE
            || h.api_key == KG_KAFKA_API_SASL_AUTHENTICATE)
        {
            u->authenticated = 1;
        }

        if (acks != 0) {
            r = kg_kafka_proxy_inflight_push(s);
            if (r == NULL) {
                return KG_ERROR;
            }

            r->correlation_id = h.correlation_id;
            r->api_key = h.api_key;
            r->api_version = h.api_version;
            r->sent = kg_current_msec;
            r->local = NULL;
            r->local_len = 0;

            u->ninflight++;
        }

        s->requests++;

        d->rest = 4 + d->frame.size;

        kg_kafka_frame_next(&d->frame);
    }
}


/* the answer kgate gives itself: ApiVersions of an old cluster */

static kg_int_t
kg_kafka_proxy_local(kg_kafka_session_t *s, kg_kafka_request_header_t *h,
    kg_kafka_inflight_t *r)
{
    u_char     *p;
    size_t      size;
    kg_str_t    body;
    kg_pool_t  *pool;

    pool = kg_create_pool(4096, s->connection->log);
    if (pool == NULL) {
        return KG_ERROR;
    }

    if (kg_kafka_versions_fallback_response(pool, &s->cluster->fallback,
                                            h->api_version, &body)
        != KG_OK)
    {
        kg_log_error(KG_LOG_ERR, s->connection->log, 0,
                     "cannot answer ApiVersions v%d for broker version "
                     "\"%V\"", (int) h->api_version, &s->cluster->fallback);
        kg_destroy_pool(pool);
        return KG_ERROR;
    }

    /* the ApiVersions response header is v0 in every version */

    size = 4 + body.len;

    p = kg_alloc(4 + size, s->connection->log);
    if (p == NULL) {
        kg_destroy_pool(pool);
        return KG_ERROR;
    }

    r->correlation_id = h->correlation_id;
    r->api_key = h->api_key;
    r->api_version = h->api_version;
    r->sent = kg_current_msec;
    r->local = p;
    r->local_len = 4 + size;

    *p++ = (u_char) (size >> 24);
    *p++ = (u_char) (size >> 16);
    *p++ = (u_char) (size >> 8);
    *p++ = (u_char) size;
    *p++ = (u_char) ((uint32_t) h->correlation_id >> 24);
    *p++ = (u_char) ((uint32_t) h->correlation_id >> 16);
    *p++ = (u_char) ((uint32_t) h->correlation_id >> 8);
    *p++ = (u_char) h->correlation_id;
    kg_memcpy(p, body.data, body.len);

    kg_destroy_pool(pool);

    return KG_OK;
}


/*
 * upstream -> client: every response must answer the oldest request;
 * responses with broker addresses are read whole and rewritten, the
 * others pass as they arrive.  Responses leave in request order, also
 * the ones kgate gives itself.
 */

static kg_int_t
kg_kafka_proxy_responses(kg_kafka_session_t *s)
{
    u_char                *p;
    size_t                 n, avail;
    int32_t                corr;
    kg_connection_t       *c;
    kg_kafka_inflight_t   *r;
    kg_kafka_proxy_ctx_t  *u;
    kg_kafka_proxy_dir_t  *d;

    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);
    d = &u->responses;

    for ( ;; ) {

        avail = d->buf.last - d->scan;

        if (d->rest) {
            n = kg_min(d->rest, avail);

            if (n == 0) {
                return KG_OK;
            }

            d->scan += n;
            d->rest -= n;
            continue;
        }

        if (u->whole) {
            n = kg_min(u->whole_size - u->whole_received, avail);

            kg_memcpy(u->whole + u->whole_received, d->scan, n);
            u->whole_received += n;

            kg_memmove(d->scan, d->scan + n, avail - n);
            d->buf.last -= n;

            if (u->whole_received < u->whole_size) {
                return KG_OK;
            }

            /* what went before must have left first */

            if (u->out || d->buf.pos != d->scan) {
                return KG_OK;
            }

            if (kg_kafka_proxy_rewrite(s) != KG_OK) {
                return KG_ERROR;
            }

            continue;
        }

        if (u->ninflight && u->inflight[u->head].local) {

            if (u->out || d->buf.pos != d->scan) {
                return KG_OK;
            }

            r = &u->inflight[u->head];

            u->out = r->local;
            u->out_pos = r->local;
            u->out_last = r->local + r->local_len;

            r->local = NULL;

            u->head = (u->head + 1) & (u->nalloc - 1);
            u->ninflight--;
            continue;
        }

        if (avail < 8) {
            return KG_OK;
        }

        if (d->frame.nprefix < 4) {
            p = d->scan;

            if (kg_kafka_frame_size(&d->frame, &p, d->buf.last) == KG_ERROR) {
                kg_log_error(KG_LOG_ERR, c->log, 0,
                             "upstream sent an invalid frame: %s",
                             d->frame.reason);
                return KG_ERROR;
            }
        }

        p = d->scan + 4;
        corr = (int32_t) (((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
                          | ((uint32_t) p[2] << 8) | p[3]);

        if (u->ninflight == 0) {
            kg_log_error(KG_LOG_ERR, c->log, 0,
                         "upstream sent response %D to no request", corr);
            return KG_ERROR;
        }

        r = &u->inflight[u->head];

        if (corr != r->correlation_id) {
            kg_log_error(KG_LOG_ERR, c->log, 0,
                         "upstream sent response %D, request %D expected",
                         corr, r->correlation_id);
            return KG_ERROR;
        }

        u->head = (u->head + 1) & (u->nalloc - 1);
        u->ninflight--;

        if (u->metrics && r->api_key >= 0 && r->api_key < KG_KAFKA_API_MAX) {
            kg_metrics_inc(&u->metrics->responses[r->api_key], 1);
            kg_metrics_observe(&u->metrics->latency[r->api_key],
                               (kg_current_msec - r->sent) * 1000);
        }

        if (kg_kafka_rewrite_needed(r->api_key, r->api_version)
            || kg_kafka_rewrite_ids_needed(r->api_key, r->api_version))
        {

            u->whole = kg_alloc(d->frame.size, c->log);
            if (u->whole == NULL) {
                return KG_ERROR;
            }

            u->whole_size = d->frame.size;
            u->whole_received = 0;
            u->whole_frame = d->frame;
            u->whole_request = *r;

            /* the prefix is written anew with the new size */

            kg_memmove(d->scan, d->scan + 4, avail - 4);
            d->buf.last -= 4;

        } else {
            d->rest = 4 + d->frame.size;
        }

        kg_kafka_frame_next(&d->frame);
    }
}


static kg_int_t
kg_kafka_proxy_rewrite(kg_kafka_session_t *s)
{
    u_char                      *p;
    size_t                       size;
    kg_int_t                     rc;
    kg_str_t                     body, out;
    kg_pool_t                   *pool;
    kg_connection_t             *c;
    kg_kafka_inflight_t         *r;
    kg_kafka_proxy_ctx_t        *u;
    kg_kafka_response_header_t   h;

    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);
    r = &u->whole_request;

    rc = kg_kafka_frame_response_header(&u->whole_frame, &h,
                                        (kg_uint_t) r->api_key,
                                        (kg_uint_t) r->api_version,
                                        u->whole, u->whole_size);
    if (rc != KG_OK) {
        kg_log_error(KG_LOG_ERR, c->log, 0,
                     "upstream sent an invalid response header to api %d "
                     "v%d", (int) r->api_key, (int) r->api_version);
        return KG_ERROR;
    }

    pool = kg_create_pool(kg_max(4096, u->whole_size / 2), c->log);
    if (pool == NULL) {
        return KG_ERROR;
    }

    body.data = u->whole + h.size;
    body.len = u->whole_size - h.size;

    rc = kg_kafka_rewrite_response(pool, &u->map, r->api_key, r->api_version,
                                   &body, &out);

    if (rc == KG_ERROR) {
        kg_log_error(KG_LOG_ERR, c->log, 0,
                     "upstream sent a response to api %d v%d that cannot "
                     "be rewritten", (int) r->api_key, (int) r->api_version);
        kg_destroy_pool(pool);
        return KG_ERROR;
    }

    if (rc == KG_DECLINED) {
        out = body;
    }

    size = h.size + out.len;

    p = kg_alloc(4 + size, c->log);
    if (p == NULL) {
        kg_destroy_pool(pool);
        return KG_ERROR;
    }

    u->out = p;
    u->out_pos = p;

    *p++ = (u_char) (size >> 24);
    *p++ = (u_char) (size >> 16);
    *p++ = (u_char) (size >> 8);
    *p++ = (u_char) size;
    p = kg_cpymem(p, u->whole, h.size);
    p = kg_cpymem(p, out.data, out.len);

    u->out_last = p;

    kg_destroy_pool(pool);

    kg_free(u->whole);
    u->whole = NULL;

    return KG_OK;
}


/* make room at the end: drop what was sent */

static void
kg_kafka_proxy_compact(kg_kafka_proxy_dir_t *d)
{
    size_t  n;

    if (d->buf.pos == d->buf.start) {
        return;
    }

    n = d->buf.last - d->buf.pos;

    if (n) {
        kg_memmove(d->buf.start, d->buf.pos, n);
    }

    d->scan -= d->buf.pos - d->buf.start;
    d->buf.pos = d->buf.start;
    d->buf.last = d->buf.start + n;
}


static kg_int_t
kg_kafka_proxy_buf_get(kg_kafka_session_t *s, kg_kafka_proxy_dir_t *d)
{
    u_char                 *p;
    size_t                  size;
    kg_uint_t               i;
    kg_kafka_proxy_bufs_t  *b;

    size = s->route->buffer_size;
    p = NULL;

    for (i = 0; i < KG_KAFKA_PROXY_SIZES; i++) {
        b = &kg_kafka_proxy_bufs[i];

        if (b->size == size && b->free) {
            p = b->free;
            b->free = *(void **) p;
            b->n--;
            break;
        }
    }

    if (p == NULL) {
        p = kg_alloc(size, s->connection->log);
        if (p == NULL) {
            return KG_ERROR;
        }
    }

    d->buf.start = p;
    d->buf.pos = p;
    d->buf.last = p;
    d->buf.end = p + size;
    d->scan = p;

    return KG_OK;
}


/* gives the buffer back, whatever it holds */

static void
kg_kafka_proxy_buf_free(kg_kafka_session_t *s, kg_kafka_proxy_dir_t *d)
{
    u_char                 *p;
    size_t                  size;
    kg_uint_t               i;
    kg_kafka_proxy_ctx_t   *u;
    kg_kafka_proxy_bufs_t  *b, *slot;

    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);

    p = d->buf.start;

    if (p == kg_kafka_proxy_none || p == NULL) {
        return;
    }

    size = d->buf.end - d->buf.start;

    d->buf.start = kg_kafka_proxy_none;
    d->buf.pos = kg_kafka_proxy_none;
    d->buf.last = kg_kafka_proxy_none;
    d->buf.end = kg_kafka_proxy_none;
    d->scan = kg_kafka_proxy_none;

    if (p == u->grown) {
        kg_free(p);
        u->grown = NULL;
        return;
    }

    slot = NULL;

    for (i = 0; i < KG_KAFKA_PROXY_SIZES; i++) {
        b = &kg_kafka_proxy_bufs[i];

        if (b->size == size) {
            slot = b;
            break;
        }

        if (b->size == 0 && slot == NULL) {
            slot = b;
        }
    }

    if (slot == NULL || slot->n >= KG_KAFKA_PROXY_FREE) {
        kg_free(p);
        return;
    }

    slot->size = size;
    *(void **) p = slot->free;
    slot->free = p;
    slot->n++;
}


/* the slot after the last in-flight request; the ring doubles when full */

static kg_kafka_inflight_t *
kg_kafka_proxy_inflight_push(kg_kafka_session_t *s)
{
    kg_uint_t              i, n;
    kg_kafka_inflight_t   *a;
    kg_kafka_proxy_ctx_t  *u;

    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);

    if (u->ninflight == u->nalloc) {
        n = 2 * u->nalloc;

        a = kg_alloc(n * sizeof(kg_kafka_inflight_t), s->connection->log);
        if (a == NULL) {
            return NULL;
        }

        for (i = 0; i < u->ninflight; i++) {
            a[i] = *kg_kafka_proxy_slot(u, i);
        }

        if (u->inflight != u->inflight0) {
            kg_free(u->inflight);
        }

        u->inflight = a;
        u->nalloc = n;
        u->head = 0;
    }

    return kg_kafka_proxy_slot(u, u->ninflight);
}


static void
kg_kafka_proxy_set_timers(kg_kafka_session_t *s)
{
    kg_msec_int_t          left;
    kg_connection_t       *c, *pc;
    kg_kafka_proxy_ctx_t  *u;

    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);
    pc = u->peer.connection;

    /* the idle timer: any progress restarts it */

    kg_add_timer(c->write, s->route->idle_timeout);

    if (u->ninflight == 0) {
        if (pc->read->timer_set) {
            kg_del_timer(pc->read);
        }

        return;
    }

    left = (kg_msec_int_t) (u->inflight[u->head].sent
                            + s->route->request_timeout - kg_current_msec);

    kg_add_timer(pc->read, (kg_msec_t) kg_max(left, 1));
}


static kg_int_t
kg_kafka_proxy_log_phase(kg_kafka_session_t *s)
{
    kg_uint_t              i;
    kg_kafka_proxy_ctx_t  *u;

    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);

    if (u == NULL) {
        return KG_OK;
    }

    kg_kafka_upstream_cancel(&u->wait);

    s->notify = NULL;

    if (u->pause_event.timer_set) {
        kg_del_timer(&u->pause_event);
    }

    if (u->drain_event.timer_set) {
        kg_del_timer(&u->drain_event);
    }

    kg_kafka_proxy_buf_free(s, &u->requests);
    kg_kafka_proxy_buf_free(s, &u->responses);

    for (i = 0; i < u->ninflight; i++) {
        if (kg_kafka_proxy_slot(u, i)->local) {
            kg_free(kg_kafka_proxy_slot(u, i)->local);
        }
    }

    u->ninflight = 0;

    if (u->inflight != u->inflight0) {
        kg_free(u->inflight);
        u->inflight = u->inflight0;
    }

    if (u->whole) {
        kg_free(u->whole);
        u->whole = NULL;
    }

    if (u->out) {
        kg_free(u->out);
        u->out = NULL;
    }

    kg_kafka_proxy_close_upstream(s);

    return KG_OK;
}


static void
kg_kafka_proxy_close_upstream(kg_kafka_session_t *s)
{
    kg_connection_t       *pc;
    kg_kafka_proxy_ctx_t  *u;

    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);
    pc = u->peer.connection;

    if (pc == NULL) {
        return;
    }

    kg_log_debug1(KG_LOG_DEBUG_KAFKA, s->connection->log, 0,
                  "close kafka upstream connection: %d", pc->fd);

    if (pc->ssl) {
        pc->ssl->no_wait_shutdown = 1;
        pc->ssl->no_send_shutdown = 1;
        (void) kg_ssl_shutdown(pc);
    }

    kg_close_connection(pc);

    u->peer.connection = NULL;
    u->connected = 0;
}


/* a real node id: the broker port of its rank, -1: none */

static kg_int_t
kg_kafka_proxy_node_port(void *data, int32_t node_id)
{
    kg_kafka_session_t *s = data;

    kg_int_t  index;

    if (s->route->broker_first == 0) {
        return -1;
    }

    index = kg_kafka_route_node_index(s->cluster, node_id);

    if (index < 0
        || (kg_uint_t) index > s->route->broker_last - s->route->broker_first)
    {
        return -1;
    }

    return s->route->broker_first + index;
}


static int32_t
kg_kafka_proxy_node_id(void *data, int32_t node_id)
{
    kg_kafka_session_t *s = data;

    return kg_kafka_route_virtual_id(s->route, s->cluster, node_id);
}


/* SNI routes: "broker-$node_id.gw.example.com", the bootstrap port */

static kg_int_t
kg_kafka_proxy_node_host(void *data, kg_pool_t *pool, int32_t node_id,
    kg_str_t *host)
{
    kg_kafka_session_t *s = data;

    u_char   *p;
    int32_t   id;

    id = kg_kafka_route_virtual_id(s->route, s->cluster, node_id);

    if (id < 0) {
        return -1;
    }

    p = kg_pnalloc(pool, s->route->sni.len + KG_INT32_LEN);
    if (p == NULL) {
        return -1;
    }

    host->data = p;

    p = kg_cpymem(p, s->route->sni_prefix.data, s->route->sni_prefix.len);
    p = kg_sprintf(p, "%D", id);
    p = kg_cpymem(p, s->route->sni_suffix.data, s->route->sni_suffix.len);

    host->len = p - host->data;

    return kg_inet_get_port(s->connection->listening->sockaddr);
}


static void
kg_kafka_proxy_learn(void *data, int32_t node_id, kg_str_t *host,
    int32_t port)
{
    kg_kafka_session_t *s = data;

    kg_kafka_upstream_learn(s->cluster->upstream, node_id, host, port);
}


/*
 * The route's state changed under the session (kg_kafka_route_check()):
 * the pump looks again from a posted event, never from here, since the
 * check may run inside this session's own handlers.
 */

static void
kg_kafka_proxy_notify(kg_kafka_session_t *s)
{
    kg_connection_t       *c;
    kg_kafka_proxy_ctx_t  *u;

    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);

    if (s->draining && !u->drain_event.timer_set) {
        kg_log_error(KG_LOG_INFO, c->log, 0,
                     "draining: route \"%V\" was switched to another "
                     "cluster", &s->route->name);

        kg_add_timer(&u->drain_event, s->route->switch_drain_timeout);
    }

    /*
     * held requests stay held while the session drains: they go to the
     * new cluster, and pause_timeout still counts from their first hold
     */

    if (!kg_kafka_route_paused(s) && u->pause_event.timer_set) {
        kg_del_timer(&u->pause_event);
    }

    if (!c->read->posted) {
        kg_post_event(c->read, &kg_posted_events);
    }
}


/*
 * pause_timeout: every request held whole is answered with a retriable
 * error (kg_kafka_errors.h), in order after those sent upstream; the
 * ones still arriving are held anew.
 */

static void
kg_kafka_proxy_pause_handler(kg_event_t *ev)
{
    u_char                     *p;
    size_t                      avail;
    int16_t                     acks;
    kg_int_t                    rc;
    kg_uint_t                   n;
    kg_connection_t            *c;
    kg_kafka_session_t         *s;
    kg_kafka_proxy_ctx_t       *u;
    kg_kafka_proxy_dir_t       *d;
    kg_kafka_request_header_t   h;

    s = ev->data;
    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);
    d = &u->requests;

    if (!kg_kafka_route_paused(s)) {
        return;
    }

    c->log->action = "answering requests held by a pause";

    n = 0;

    while (d->rest == 0) {

        avail = d->buf.last - d->scan;

        if (avail < 4 || u->ninflight == KG_KAFKA_PROXY_INFLIGHT) {
            break;
        }

        if (d->frame.nprefix < 4) {
            p = d->scan;

            if (kg_kafka_frame_size(&d->frame, &p, d->buf.last) == KG_ERROR) {
                kg_log_error(KG_LOG_INFO, c->log, 0,
                             "client sent an invalid frame: %s",
                             d->frame.reason);
                kg_kafka_finalize_session(s);
                return;
            }
        }

        if (avail < 4 + d->frame.size) {

            /* answered at the next expiry, once it is here whole */

            if (kg_kafka_proxy_grow(s, (d->scan - d->buf.pos) + 4
                                       + d->frame.size)
                != KG_OK)
            {
                kg_kafka_finalize_session(s);
                return;
            }

            break;
        }

        rc = kg_kafka_frame_request_header(&d->frame, &h, d->scan + 4,
                                           d->frame.size);

        acks = -1;

        if (rc == KG_OK && h.api_key == KG_KAFKA_API_PRODUCE) {
            rc = kg_kafka_frame_produce_acks(&d->frame, &h,
                                             d->scan + 4 + h.size,
                                             d->frame.size - h.size, &acks);
        }

        if (rc == KG_ERROR || rc == KG_AGAIN) {
            kg_log_error(KG_LOG_INFO, c->log, 0,
                         "client sent an invalid request header");
            kg_kafka_finalize_session(s);
            return;
        }

        if (kg_kafka_proxy_forwards(h.api_key)) {
            /* not held: it leaves once what was before it has */
            break;
        }

        if (kg_kafka_proxy_answer(s, &h, acks, KG_KAFKA_ERR_PAUSED)
            != KG_OK)
        {
            kg_kafka_finalize_session(s);
            return;
        }

        n++;
    }

    if (n) {
        kg_log_error(KG_LOG_INFO, c->log, 0,
                     "route \"%V\" still paused after %M ms: %ui held "
                     "request(s) answered with a retriable error",
                     &s->route->name, s->route->pause_timeout, n);
    }

    c->log->action = "proxying connection";

    if (d->buf.last != d->scan) {
        kg_add_timer(&u->pause_event, s->route->pause_timeout);
    }

    if (!c->write->posted) {
        kg_post_event(c->write, &kg_posted_events);
    }

    if (!c->read->posted) {
        kg_post_event(c->read, &kg_posted_events);
    }
}


static void
kg_kafka_proxy_drain_handler(kg_event_t *ev)
{
    kg_kafka_session_t  *s;

    s = ev->data;

    kg_log_error(KG_LOG_INFO, s->connection->log, 0,
                 "closing connection not drained after %M ms: route \"%V\" "
                 "was switched", s->route->switch_drain_timeout,
                 &s->route->name);

    s->close_cause = KG_KAFKA_CLOSE_DRAIN;

    kg_kafka_finalize_session(s);
}


/*
 * A drained session: nothing is in flight upstream, and what the client
 * sent since the switch waits unparsed at requests.scan.  The upstream
 * connection alone is closed, and the client is paired with the broker
 * of the same rank in the route's new cluster (a bootstrap port: any of
 * its bootstrap addresses), so the client keeps its connection and its
 * metadata.  KG_OK: the route came back to the session's cluster, the
 * upstream stays; KG_AGAIN: connecting, or the session was finalized;
 * KG_DECLINED: the session is closed as before.
 */

static kg_int_t
kg_kafka_proxy_repair(kg_kafka_session_t *s)
{
    kg_int_t                       rc;
    kg_connection_t               *c;
    kg_kafka_route_t              *rt;
    kg_kafka_route_shm_t          *shm;
    kg_kafka_proxy_ctx_t          *u;
    kg_kafka_route_metrics_t      *m;
    kg_kafka_core_cluster_conf_t  *to;

    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);
    rt = s->route->runtime;

    to = (rt != NULL) ? rt->active : NULL;

    /*
     * A worker of an older configuration (a switch by reload) leaves the
     * client to reconnect to the new workers, with the new configuration
     * of the cluster; an authenticated upstream connection cannot be
     * replaced.
     */

    if (to == NULL || to->upstream == NULL || to->bootstrap.nelts == 0
        || u->authenticated || kg_exiting || c->close)
    {
        return KG_DECLINED;
    }

    shm = (rt->cmcf && rt->cmcf->shm_zone) ? rt->cmcf->shm_zone->data : NULL;

    if (shm && shm->generation != rt->generation) {
        return KG_DECLINED;
    }

    if (u->drain_event.timer_set) {
        kg_del_timer(&u->drain_event);
    }

    s->draining = 0;

    if (to == s->cluster) {
        kg_log_error(KG_LOG_INFO, c->log, 0,
                     "route \"%V\" is back on cluster \"%V\", the "
                     "connection stays", &s->route->name, &to->name);
        return KG_OK;
    }

    kg_log_error(KG_LOG_INFO, c->log, 0,
                 "drained connection moves from cluster \"%V\" to \"%V\": "
                 "route \"%V\" was switched", &s->cluster->name, &to->name,
                 &s->route->name);

    kg_kafka_proxy_close_upstream(s);

    /* the session now counts for the new cluster */

    m = kg_kafka_route_metrics(s);

    if (m) {
        kg_metrics_dec(m->active, 1);
    }

    s->cluster = to;

    m = kg_kafka_route_metrics(s);

    if (m) {
        kg_metrics_inc(m->connections, 1);
        kg_metrics_inc(m->active, 1);
    }

    u->metrics = m;

    /* the idle timer is the connect timeout's until the pump runs again */

    if (c->read->timer_set) {
        kg_del_timer(c->read);
    }

    if (c->write->timer_set) {
        kg_del_timer(c->write);
    }

    c->read->handler = kg_kafka_proxy_wait_handler;
    c->write->handler = kg_kafka_proxy_wait_handler;

    u->repairing = 1;
    u->surplus = 0;
    u->fetched = 0;
    u->tries = 0;
    u->addr = to->upstream->next;

    /* a failure from here closes the client as a drain did */

    u->cause = s->close_cause;
    s->close_cause = KG_KAFKA_CLOSE_DRAIN;

    rc = kg_kafka_proxy_choose(s);

    if (rc == KG_AGAIN) {
        c->log->action = "fetching metadata";

        if (kg_kafka_upstream_refresh(to->upstream, &u->wait) == KG_ERROR) {
            kg_kafka_finalize_session(s);
        }

        return KG_AGAIN;
    }

    if (rc != KG_OK) {
        kg_kafka_finalize_session(s);
        return KG_AGAIN;
    }

    kg_kafka_proxy_connect(s);

    return KG_AGAIN;
}


/* the new upstream is connected: the pump goes on where it stopped */

static void
kg_kafka_proxy_repaired(kg_kafka_session_t *s)
{
    kg_connection_t       *c, *pc;
    kg_kafka_proxy_ctx_t  *u;

    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);
    pc = u->peer.connection;

    u->repairing = 0;
    s->close_cause = u->cause;

    kg_kafka_frame_init(&u->responses.frame, s->route->max_frame_size,
                        KG_KAFKA_FRAME_RESPONSE|KG_KAFKA_FRAME_DETECT);

    kg_kafka_proxy_set_nodelay(pc);

    c->log->action = "proxying connection";

    kg_log_error(KG_LOG_INFO, c->log, 0,
                 "connection re-paired with %V of cluster \"%V\"",
                 &u->name, &s->cluster->name);

    c->read->handler = kg_kafka_proxy_downstream_handler;
    c->write->handler = kg_kafka_proxy_downstream_handler;
    pc->read->handler = kg_kafka_proxy_upstream_handler;
    pc->write->handler = kg_kafka_proxy_upstream_handler;

    if (pc->read->ready) {
        kg_post_event(pc->read, &kg_posted_events);
    }

    kg_kafka_proxy_process(s, 0, 1);
}


/* the request buffer holds at least size bytes from its unsent start */

static kg_int_t
kg_kafka_proxy_grow(kg_kafka_session_t *s, size_t size)
{
    u_char                *p;
    size_t                 used, scan;
    kg_kafka_proxy_ctx_t  *u;
    kg_kafka_proxy_dir_t  *d;

    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);
    d = &u->requests;

    if (size <= (size_t) (d->buf.end - d->buf.start)) {
        return KG_OK;
    }

    p = kg_alloc(size, s->connection->log);
    if (p == NULL) {
        return KG_ERROR;
    }

    used = d->buf.last - d->buf.pos;
    scan = d->scan - d->buf.pos;

    kg_memcpy(p, d->buf.pos, used);

    kg_kafka_proxy_buf_free(s, d);

    d->scan = p + scan;
    d->buf.start = p;
    d->buf.pos = p;
    d->buf.last = p + used;
    d->buf.end = p + size;

    u->grown = p;

    return KG_OK;
}


/*
 * A request answered by kgate with a retriable error instead of being
 * forwarded: the whole frame is at requests.scan; it leaves the buffer
 * and its answer takes its turn among the responses.
 */

static kg_int_t
kg_kafka_proxy_answer(kg_kafka_session_t *s, kg_kafka_request_header_t *h,
    int16_t acks, kg_uint_t reason)
{
    u_char                *p;
    size_t                 n, size, hsize;
    kg_int_t               rc;
    kg_str_t               body, out;
    kg_pool_t             *pool;
    kg_connection_t       *c;
    kg_kafka_inflight_t   *r;
    kg_kafka_proxy_ctx_t  *u;
    kg_kafka_proxy_dir_t  *d;

    c = s->connection;
    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);
    d = &u->requests;

    n = 4 + d->frame.size;

    s->requests++;

    if (h->api_key == KG_KAFKA_API_PRODUCE && acks == 0) {
        /* no answer is expected: dropped, never sent */
        goto done;
    }

    pool = kg_create_pool(4096, c->log);
    if (pool == NULL) {
        return KG_ERROR;
    }

    body.data = d->scan + 4 + h->size;
    body.len = d->frame.size - h->size;

    rc = kg_kafka_error_response(pool, h->api_key, h->api_version, &body,
                                 reason, &out);

    if (rc != KG_OK) {
        kg_log_error(KG_LOG_INFO, c->log, 0,
                     "%s request to api %d v%d, closing the connection",
                     rc == KG_DECLINED ? "no retriable error answers a"
                                       : "cannot decode a",
                     (int) h->api_key, (int) h->api_version);
        kg_destroy_pool(pool);
        return KG_ERROR;
    }

    /* response header v1 (tagged fields) where the body is flexible */

    hsize = 4 + ((h->flexible && h->api_key != KG_KAFKA_API_API_VERSIONS)
                 ? 1 : 0);
    size = hsize + out.len;

    p = kg_alloc(4 + size, c->log);
    if (p == NULL) {
        kg_destroy_pool(pool);
        return KG_ERROR;
    }

    r = kg_kafka_proxy_inflight_push(s);
    if (r == NULL) {
        kg_free(p);
        kg_destroy_pool(pool);
        return KG_ERROR;
    }

    r->correlation_id = h->correlation_id;
    r->api_key = h->api_key;
    r->api_version = h->api_version;
    r->sent = kg_current_msec;
    r->local = p;
    r->local_len = 4 + size;

    *p++ = (u_char) (size >> 24);
    *p++ = (u_char) (size >> 16);
    *p++ = (u_char) (size >> 8);
    *p++ = (u_char) size;
    *p++ = (u_char) ((uint32_t) h->correlation_id >> 24);
    *p++ = (u_char) ((uint32_t) h->correlation_id >> 16);
    *p++ = (u_char) ((uint32_t) h->correlation_id >> 8);
    *p++ = (u_char) h->correlation_id;

    if (hsize == 5) {
        *p++ = 0;
    }

    kg_memcpy(p, out.data, out.len);

    u->ninflight++;

    kg_destroy_pool(pool);

done:

    kg_memmove(d->scan, d->scan + n, (d->buf.last - d->scan) - n);
    d->buf.last -= n;

    kg_kafka_frame_next(&d->frame);

    return KG_OK;
}


/* what a broker port without a broker still forwards */

static kg_uint_t
kg_kafka_proxy_forwards(kg_int_t api_key)
{
    switch (api_key) {

    case KG_KAFKA_API_METADATA:
    case KG_KAFKA_API_API_VERSIONS:
    case KG_KAFKA_API_SASL_HANDSHAKE:
    case KG_KAFKA_API_SASL_AUTHENTICATE:
        return 1;

    default:
        return 0;
    }
}


static void
kg_kafka_proxy_set_nodelay(kg_connection_t *c)
{
    int  tcp_nodelay;

    /* small request/response exchanges must not wait for Nagle */

    tcp_nodelay = 1;

    if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY,
                   (const void *) &tcp_nodelay, sizeof(int))
        == -1)
    {
        kg_log_error(KG_LOG_INFO, c->log, kg_socket_errno,
                     "setsockopt(TCP_NODELAY) failed");
    }
}


static u_char *
kg_kafka_proxy_log_error(kg_log_t *log, u_char *buf, size_t len)
{
    kg_kafka_session_t    *s;
    kg_kafka_proxy_ctx_t  *u;

    s = log->data;

    u = kg_kafka_get_module_ctx(s, kg_kafka_proxy_module);

    if (u == NULL || !u->connected) {
        return buf;
    }

    return kg_snprintf(buf, len,
                       ", bytes from/to client:%O/%O"
                       ", bytes from/to upstream:%O/%O",
                       u->requests.received, u->responses.sent,
                       u->responses.received, u->requests.sent);
}
