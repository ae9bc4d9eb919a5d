/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_kafka.h>
#include <kg_kafka_upstream.h>
#include <kg_kafka_route.h>
#include <kg_resolver.h>


#define KG_KAFKA_FETCH_CORRELATION  0x6b670001

#define KG_KAFKA_RESOLVE_TIMEOUT    5000


/* one lookup of an advertised host name; lives in its own pool */

typedef struct {
    kg_queue_t                     queue;       /* upstream->lookups */
    kg_pool_t                     *pool;
    kg_kafka_upstream_t           *upstream;
    int32_t                        node_id;
    int32_t                        port;
    size_t                         len;
    u_char                         host[KG_KAFKA_HOST_LEN];
} kg_kafka_upstream_lookup_t;


struct kg_kafka_upstream_fetch_s {
    kg_kafka_upstream_t           *upstream;
    kg_peer_connection_t           peer;
    kg_pool_t                     *pool;
    kg_log_t                       log;

    kg_uint_t                      tries;
    kg_uint_t                      addr;

    kg_buf_t                       out;
    kg_kafka_frame_t               frame;
    u_char                        *in;
    size_t                         received;

    int16_t                        version;
    kg_uint_t                      flexible;
};


static void kg_kafka_upstream_resolve_handler(kg_resolver_ctx_t *ctx);
static void kg_kafka_upstream_cleanup(void *data);
static void kg_kafka_upstream_wake(kg_kafka_upstream_t *up, kg_int_t rc);
static kg_int_t kg_kafka_upstream_fetch_start(kg_kafka_upstream_t *up);
static kg_int_t kg_kafka_upstream_fetch_request(
    kg_kafka_upstream_fetch_t *f);
static void kg_kafka_upstream_fetch_connect(kg_kafka_upstream_fetch_t *f);
static void kg_kafka_upstream_fetch_next(kg_kafka_upstream_fetch_t *f);
static void kg_kafka_upstream_fetch_connect_handler(kg_event_t *ev);
static void kg_kafka_upstream_fetch_ssl_handler(kg_connection_t *c);
static void kg_kafka_upstream_fetch_handler(kg_event_t *ev);
static kg_int_t kg_kafka_upstream_fetch_parse(kg_kafka_upstream_fetch_t *f);
static void kg_kafka_upstream_fetch_done(kg_kafka_upstream_fetch_t *f,
    kg_int_t rc);
static kg_int_t kg_kafka_upstream_get_peer(kg_peer_connection_t *pc,
    void *data);
static u_char *kg_kafka_upstream_log_error(kg_log_t *log, u_char *buf,
    size_t len);


kg_kafka_upstream_t *
kg_kafka_upstream_create(kg_conf_t *cf, kg_kafka_core_cluster_conf_t *ccf)
{
    kg_pool_cleanup_t    *cln;
    kg_kafka_upstream_t  *up;

    up = kg_pcalloc(cf->pool, sizeof(kg_kafka_upstream_t));
    if (up == NULL) {
        return NULL;
    }

    /* the lookups still running when the table goes away end with it */

    cln = kg_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = kg_kafka_upstream_cleanup;
    cln->data = up;

    kg_queue_init(&up->lookups);

    if (kg_array_init(&up->nodes, cf->pool, 8, sizeof(kg_kafka_node_t))
        != KG_OK)
    {
        return NULL;
    }

    up->cluster = ccf;
    up->pool = cf->pool;
    up->log = &cf->cycle->new_log;

    kg_queue_init(&up->waiting);

    return up;
}


/*
 * Called for every real broker seen.  The node takes the host at once and
 * its address when the host is resolved (kg_resolver.h: an address
 * literal at once, a name without blocking the worker); until then a
 * node new to the table has no address (socklen 0) and is not used.
 */

void
kg_kafka_upstream_learn(kg_kafka_upstream_t *up, int32_t node_id,
    kg_str_t *host, int32_t port)
{
    u_char                      *p;
    kg_uint_t                    i, n;
    kg_pool_t                   *pool;
    kg_kafka_node_t             *node, *nodes;
    kg_resolver_ctx_t           *ctx;
    kg_kafka_upstream_lookup_t  *lu;

    if (host->len == 0 || host->len > KG_KAFKA_HOST_LEN
        || port <= 0 || port > 65535 || node_id < 0)
    {
        return;
    }

    /* the rank among the cluster's ids gives the virtual node id */

    kg_kafka_route_node_seen(up->cluster, node_id);

    node = kg_kafka_upstream_node(up, node_id);

    if (node && node->port == port && node->host.len == host->len
        && kg_strncmp(node->host.data, host->data, host->len) == 0)
    {
        /* known, or being resolved */
        return;
    }

    if (node == NULL) {
        node = kg_array_push(&up->nodes);
        if (node == NULL) {
            return;
        }

        /* keep the table sorted by node id */

        nodes = up->nodes.elts;
        n = up->nodes.nelts - 1;

        for (i = n; i > 0 && nodes[i - 1].node_id > node_id; i--) {
            nodes[i] = nodes[i - 1];
            nodes[i].host.data = nodes[i].text;
            nodes[i].name.data = nodes[i].text;
        }

        node = &nodes[i];

        node->socklen = 0;
    }

    /* a node that moved keeps its old address until the new one is known */

    node->node_id = node_id;
    node->port = port;

    p = kg_cpymem(node->text, host->data, host->len);
    node->host.data = node->text;
    node->host.len = host->len;

    p = kg_sprintf(p, ":%D", port);
    node->name.data = node->text;
    node->name.len = p - node->text;

    pool = kg_create_pool(1024, up->log);
    if (pool == NULL) {
        node->host.len = 0;
        return;
    }

    lu = kg_palloc(pool, sizeof(kg_kafka_upstream_lookup_t));
    if (lu == NULL) {
        kg_destroy_pool(pool);
        node->host.len = 0;
        return;
    }

    ctx = kg_resolve_start(up->log, pool);
    if (ctx == NULL) {
        kg_destroy_pool(pool);
        node->host.len = 0;
        return;
    }

    /* the host points into a frame that goes away */

    lu->pool = pool;
    lu->upstream = up;
    lu->node_id = node_id;
    lu->port = port;
    lu->len = host->len;
    kg_memcpy(lu->host, host->data, host->len);

    ctx->name.data = lu->host;
    ctx->name.len = lu->len;
    ctx->port = (in_port_t) port;
    ctx->handler = kg_kafka_upstream_resolve_handler;
    ctx->data = lu;
    ctx->timeout = KG_KAFKA_RESOLVE_TIMEOUT;

    up->resolving++;
    kg_queue_insert_tail(&up->lookups, &lu->queue);

    if (kg_resolve_name(ctx) == KG_AGAIN) {
        kg_log_debug3(KG_LOG_DEBUG_KAFKA, up->log, 0,
                      "kafka resolving broker %D host \"%V\" of "
                      "cluster \"%V\"", node_id, &ctx->name,
                      &up->cluster->name);
        return;
    }

    kg_kafka_upstream_resolve_handler(ctx);
}


static void
kg_kafka_upstream_resolve_handler(kg_resolver_ctx_t *ctx)
{
    kg_str_t                     host;
    kg_uint_t                    i;
    kg_addr_t                   *addr;
    kg_kafka_node_t             *node;
    kg_kafka_upstream_t         *up;
    kg_kafka_upstream_lookup_t  *lu;

    lu = ctx->data;
    up = lu->upstream;

    up->resolving--;
    kg_queue_remove(&lu->queue);

    host.data = lu->host;
    host.len = lu->len;

    /* the table may have moved meanwhile, and the node moved on */

    node = kg_kafka_upstream_node(up, lu->node_id);

    if (node == NULL || node->port != lu->port
        || node->host.len != lu->len
        || kg_strncmp(node->host.data, lu->host, lu->len) != 0)
    {
        goto done;
    }

    if (ctx->state != KG_OK || ctx->naddrs == 0) {
        kg_log_error(KG_LOG_ERR, up->log, 0,
                     "cannot resolve broker %D host \"%V\" of cluster "
                     "\"%V\" (%s)", lu->node_id, &host, &up->cluster->name,
                     ctx->err ? ctx->err : "no address");

        /* the next Metadata that lists the node tries again */

        node->host.len = 0;

        goto done;
    }

    /*
     * IPv4 first: a broker that advertises "localhost" and listens on
     * 0.0.0.0 does not answer on ::1
     */

    addr = &ctx->addrs[0];

    for (i = 0; i < ctx->naddrs; i++) {
        if (ctx->addrs[i].sockaddr->sa_family == AF_INET) {
            addr = &ctx->addrs[i];
            break;
        }
    }

    kg_memcpy(&node->sockaddr, addr->sockaddr, addr->socklen);
    node->socklen = addr->socklen;
    kg_inet_set_port(&node->sockaddr.sockaddr, (in_port_t) lu->port);

    kg_log_error(KG_LOG_INFO, up->log, 0,
                 "cluster \"%V\": broker %D is %V",
                 &up->cluster->name, lu->node_id, &node->name);

done:

    kg_destroy_pool(ctx->pool);

    /* the sessions that waited for a fetch wait for its names too */

    if (up->resolving == 0 && up->fetch == NULL && up->wait_names) {
        kg_kafka_upstream_wake(up, KG_OK);
    }
}


static void
kg_kafka_upstream_cleanup(void *data)
{
    kg_kafka_upstream_t *up = data;

    kg_queue_t                  *q;
    kg_kafka_upstream_lookup_t  *lu;

    while (!kg_queue_empty(&up->lookups)) {
        q = kg_queue_head(&up->lookups);
        kg_queue_remove(q);

        lu = kg_queue_data(q, kg_kafka_upstream_lookup_t, queue);

        /* cancels the lookup: its handler never runs */
        kg_destroy_pool(lu->pool);
    }

    up->resolving = 0;
}


kg_kafka_node_t *
kg_kafka_upstream_node(kg_kafka_upstream_t *up, int32_t node_id)
{
    kg_uint_t         i;
    kg_kafka_node_t  *nodes;

    nodes = up->nodes.elts;

    for (i = 0; i < up->nodes.nelts; i++) {
        if (nodes[i].node_id == node_id) {
            return &nodes[i];
        }
    }

    return NULL;
}


/* a node with an address to connect to, NULL: none (yet) */

kg_kafka_node_t *
kg_kafka_upstream_peer(kg_kafka_upstream_t *up, int32_t node_id)
{
    kg_kafka_node_t  *node;

    node = kg_kafka_upstream_node(up, node_id);

    if (node == NULL || node->socklen == 0) {
        return NULL;
    }

    return node;
}


/* the broker port of a node for a route, -1: none */

kg_int_t
kg_kafka_upstream_node_port(kg_kafka_upstream_t *up,
    kg_kafka_core_route_conf_t *rcf, int32_t node_id)
{
    kg_int_t          index;
    kg_uint_t         i;
    kg_kafka_node_t  *nodes;

    if (rcf->broker_first == 0) {
        return -1;
    }

    if (rcf->node_id_base != KG_CONF_UNSET) {
        index = (kg_int_t) node_id - rcf->node_id_base;

    } else {
        nodes = up->nodes.elts;
        index = -1;

        for (i = 0; i < up->nodes.nelts; i++) {
            if (nodes[i].node_id == node_id) {
                index = i;
                break;
            }
        }
    }

    if (index < 0
        || (kg_uint_t) index > rcf->broker_last - rcf->broker_first)
    {
        return -1;
    }

    return rcf->broker_first + index;
}


/* the node a broker port stands for, -1: not known (yet) */

int32_t
kg_kafka_upstream_port_node(kg_kafka_upstream_t *up,
    kg_kafka_core_route_conf_t *rcf, kg_int_t index)
{
    kg_kafka_node_t  *nodes;

    if (rcf->node_id_base != KG_CONF_UNSET) {
        return (int32_t) (rcf->node_id_base + index);
    }

    if (index < 0 || (kg_uint_t) index >= up->nodes.nelts) {
        return -1;
    }

    nodes = up->nodes.elts;

    return nodes[index].node_id;
}


/*
 * Queues the waiter until a Metadata response from the bootstrap has
 * been read; w->handler(w, rc) is then called with KG_OK, or KG_ERROR if
 * no bootstrap address answered.  A waiter that ends first must call
 * kg_kafka_upstream_cancel().
 */

kg_int_t
kg_kafka_upstream_refresh(kg_kafka_upstream_t *up, kg_kafka_upstream_wait_t *w)
{
    w->upstream = up;

    kg_queue_insert_tail(&up->waiting, &w->queue);

    if (up->fetch || up->wait_names) {
        return KG_AGAIN;
    }

    if (kg_kafka_upstream_fetch_start(up) != KG_OK) {
        kg_queue_remove(&w->queue);
        w->upstream = NULL;
        return KG_ERROR;
    }

    return KG_AGAIN;
}


void
kg_kafka_upstream_cancel(kg_kafka_upstream_wait_t *w)
{
    if (w->upstream) {
        kg_queue_remove(&w->queue);
        w->upstream = NULL;
    }
}


static kg_int_t
kg_kafka_upstream_fetch_start(kg_kafka_upstream_t *up)
{
    kg_pool_t                  *pool;
    kg_kafka_upstream_fetch_t  *f;

    pool = kg_create_pool(4096, up->log);
    if (pool == NULL) {
        return KG_ERROR;
    }

    f = kg_pcalloc(pool, sizeof(kg_kafka_upstream_fetch_t));
    if (f == NULL) {
        kg_destroy_pool(pool);
        return KG_ERROR;
    }

    f->upstream = up;
    f->pool = pool;
    f->log = *up->log;
    f->log.handler = kg_kafka_upstream_log_error;
    f->log.data = f;
    f->log.action = "fetching metadata";
    f->addr = up->next % up->cluster->bootstrap.nelts;

    if (kg_kafka_upstream_fetch_request(f) != KG_OK) {
        kg_destroy_pool(pool);
        return KG_ERROR;
    }

    up->fetch = f;

    kg_kafka_upstream_fetch_connect(f);

    return KG_OK;
}


/*
 * Metadata v0 for brokers that predate ApiVersions (an empty topic list
 * asks for every topic there), else v1 with an empty list: brokers only
 */

static kg_int_t
kg_kafka_upstream_fetch_request(kg_kafka_upstream_fetch_t *f)
{
    u_char                       *p;
    size_t                        size, hsize;
    const kg_kafka_api_t         *api;
    kg_kafka_metadata_request_t   req;

    api = kg_kafka_api(KG_KAFKA_API_METADATA);

    f->version = f->upstream->cluster->fallback.len ? 0 : 1;

    if (f->version < api->min_version) {
        f->version = api->min_version;
    }

    f->flexible = kg_kafka_flexible(api, f->version);

    kg_memzero(&req, sizeof(kg_kafka_metadata_request_t));

    req.Topics.elts = kg_kafka_empty;
    req.Topics.nelts = 0;
    req.AllowAutoTopicCreation = 0;

    size = kg_kafka_encoded_size(&kg_kafka_metadata_request_schema,
                                 f->version, f->flexible, &req);
    if (size == KG_KAFKA_SIZE_ERROR) {
        return KG_ERROR;
    }

    /* api key, version, correlation id, client id "kgate", tags */

    hsize = 2 + 2 + 4 + 2 + 5 + (f->flexible ? 1 : 0);

    p = kg_pnalloc(f->pool, 4 + hsize + size);
    if (p == NULL) {
        return KG_ERROR;
    }

    f->out.start = p;
    f->out.pos = p;

    size += hsize;

    *p++ = (u_char) (size >> 24);
    *p++ = (u_char) (size >> 16);
    *p++ = (u_char) (size >> 8);
    *p++ = (u_char) size;

    *p++ = 0;
    *p++ = KG_KAFKA_API_METADATA;
    *p++ = (u_char) (f->version >> 8);
    *p++ = (u_char) f->version;
    *p++ = (u_char) (KG_KAFKA_FETCH_CORRELATION >> 24);
    *p++ = (u_char) (KG_KAFKA_FETCH_CORRELATION >> 16);
    *p++ = (u_char) (KG_KAFKA_FETCH_CORRELATION >> 8);
    *p++ = (u_char) KG_KAFKA_FETCH_CORRELATION;
    *p++ = 0;
    *p++ = 5;
    p = kg_cpymem(p, "kgate", 5);

    if (f->flexible) {
        *p++ = 0;
    }

    p = kg_kafka_encode(p, &kg_kafka_metadata_request_schema, f->version,
                        f->flexible, &req);

    f->out.last = p;
    f->out.end = p;

    return KG_OK;
}


static void
kg_kafka_upstream_fetch_connect(kg_kafka_upstream_fetch_t *f)
{
    kg_int_t           rc;
    kg_addr_t         *addr;
    kg_connection_t   *pc;

    addr = f->upstream->cluster->bootstrap.elts;
    addr = &addr[f->addr];

    f->tries++;

    kg_memzero(&f->peer, sizeof(kg_peer_connection_t));

    f->peer.sockaddr = addr->sockaddr;
    f->peer.socklen = addr->socklen;
    f->peer.name = &addr->name;
    f->peer.get = kg_kafka_upstream_get_peer;
    f->peer.log = &f->log;
    f->peer.log_error = KG_ERROR_ERR;
    f->peer.type = SOCK_STREAM;
    f->peer.tries = 1;

    f->out.pos = f->out.start;
    f->received = 0;
    f->in = NULL;

    kg_kafka_frame_init(&f->frame, KG_KAFKA_FRAME_MAX_SIZE,
                        KG_KAFKA_FRAME_RESPONSE|KG_KAFKA_FRAME_DETECT);

    rc = kg_event_connect_peer(&f->peer);

    if (rc == KG_ERROR || rc == KG_BUSY || rc == KG_DECLINED) {
        kg_kafka_upstream_fetch_next(f);
        return;
    }

    pc = f->peer.connection;

    pc->data = f;
    pc->pool = f->pool;
    pc->log = &f->log;
    pc->read->log = &f->log;
    pc->write->log = &f->log;

    pc->read->handler = kg_kafka_upstream_fetch_connect_handler;
    pc->write->handler = kg_kafka_upstream_fetch_connect_handler;

    kg_add_timer(pc->write, f->upstream->cluster->connect_timeout);

    if (rc == KG_OK) {
        kg_post_event(pc->write, &kg_posted_events);
    }
}


static void
kg_kafka_upstream_fetch_next(kg_kafka_upstream_fetch_t *f)
{
    kg_connection_t  *pc;

    pc = f->peer.connection;

    if (pc) {
        if (pc->ssl) {
            pc->ssl->no_wait_shutdown = 1;
            pc->ssl->no_send_shutdown = 1;
            (void) kg_ssl_shutdown(pc);
        }

        kg_close_connection(pc);
        f->peer.connection = NULL;
    }

    if (f->tries >= f->upstream->cluster->bootstrap.nelts) {
        kg_kafka_upstream_fetch_done(f, KG_ERROR);
        return;
    }

    f->addr = (f->addr + 1) % f->upstream->cluster->bootstrap.nelts;

    kg_kafka_upstream_fetch_connect(f);
}


static void
kg_kafka_upstream_fetch_connect_handler(kg_event_t *ev)
{
    int                         err;
    socklen_t                   len;
    kg_str_t                   *name;
    kg_connection_t            *c;
    kg_kafka_upstream_fetch_t  *f;

    c = ev->data;
    f = c->data;

    if (ev->timedout) {
        kg_log_error(KG_LOG_ERR, c->log, KG_ETIMEDOUT,
                     "bootstrap timed out");
        kg_kafka_upstream_fetch_next(f);
        return;
    }

    if (c->write->timer_set) {
        kg_del_timer(c->write);
    }

    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = kg_socket_errno;
    }

    if (err) {
        kg_log_error(KG_LOG_ERR, c->log, err, "connect() to %V failed",
                     f->peer.name);
        kg_kafka_upstream_fetch_next(f);
        return;
    }

    c->read->handler = kg_kafka_upstream_fetch_handler;
    c->write->handler = kg_kafka_upstream_fetch_handler;

    kg_add_timer(c->read, f->upstream->cluster->connect_timeout);

    if (f->upstream->cluster->ssl == NULL) {
        kg_kafka_upstream_fetch_handler(c->write);
        return;
    }

    if (kg_ssl_create_connection(f->upstream->cluster->ssl, c,
                                 KG_SSL_BUFFER|KG_SSL_CLIENT)
        != KG_OK)
    {
        kg_kafka_upstream_fetch_next(f);
        return;
    }

    name = f->upstream->cluster->tls_name.len ? &f->upstream->cluster->tls_name
                                              : NULL;

    if (name
        && kg_ssl_set_host(c, name, f->upstream->cluster->tls_verify)
           != KG_OK)
    {
        kg_kafka_upstream_fetch_next(f);
        return;
    }

    if (kg_ssl_handshake(c) == KG_AGAIN) {
        c->ssl->handler = kg_kafka_upstream_fetch_ssl_handler;
        return;
    }

    kg_kafka_upstream_fetch_ssl_handler(c);
}


static void
kg_kafka_upstream_fetch_ssl_handler(kg_connection_t *c)
{
    kg_kafka_upstream_fetch_t  *f;

    f = c->data;

    if (!c->ssl->handshaked || c->read->timedout) {
        kg_kafka_upstream_fetch_next(f);
        return;
    }

    c->read->handler = kg_kafka_upstream_fetch_handler;
    c->write->handler = kg_kafka_upstream_fetch_handler;

    kg_kafka_upstream_fetch_handler(c->write);
}


static void
kg_kafka_upstream_fetch_handler(kg_event_t *ev)
{
    u_char                     *p, prefix[4];
    size_t                      size;
    ssize_t                     n;
    kg_int_t                    rc;
    kg_connection_t            *c;
    kg_kafka_upstream_fetch_t  *f;

    c = ev->data;
    f = c->data;

    if (ev->timedout) {
        kg_log_error(KG_LOG_ERR, c->log, KG_ETIMEDOUT,
                     "bootstrap timed out");
        kg_kafka_upstream_fetch_next(f);
        return;
    }

    while (f->out.pos < f->out.last) {
        n = c->send(c, f->out.pos, f->out.last - f->out.pos);

        if (n == KG_ERROR) {
            kg_kafka_upstream_fetch_next(f);
            return;
        }

        if (n == KG_AGAIN) {
            if (kg_handle_write_event(c->write, 0) != KG_OK) {
                kg_kafka_upstream_fetch_next(f);
            }

            return;
        }

        f->out.pos += n;
    }

    for ( ;; ) {

        if (f->in == NULL) {
            n = c->recv(c, prefix, 4 - f->frame.nprefix);

            if (n > 0) {
                p = prefix;
                rc = kg_kafka_frame_size(&f->frame, &p, prefix + n);

                if (rc == KG_AGAIN) {
                    continue;
                }

                if (rc == KG_ERROR) {
                    kg_log_error(KG_LOG_ERR, c->log, 0,
                                 "invalid metadata response: %s",
                                 f->frame.reason);
                    kg_kafka_upstream_fetch_next(f);
                    return;
                }

                f->in = kg_pnalloc(f->pool, f->frame.size);
                if (f->in == NULL) {
                    kg_kafka_upstream_fetch_done(f, KG_ERROR);
                    return;
                }

                continue;
            }

        } else {
            size = f->frame.size - f->received;

            if (size == 0) {
                rc = kg_kafka_upstream_fetch_parse(f);
                kg_kafka_upstream_fetch_done(f, rc);
                return;
            }

            n = c->recv(c, f->in + f->received, size);

            if (n > 0) {
                f->received += n;
                continue;
            }
        }

        if (n == KG_AGAIN) {
            break;
        }

        kg_log_error(KG_LOG_ERR, c->log, 0,
                     "bootstrap closed the connection");
        kg_kafka_upstream_fetch_next(f);
        return;
    }

    if (kg_handle_read_event(c->read, 0) != KG_OK) {
        kg_kafka_upstream_fetch_next(f);
    }
}


static kg_int_t
kg_kafka_upstream_fetch_parse(kg_kafka_upstream_fetch_t *f)
{
    const char                        *err;
    kg_uint_t                          i;
    kg_kafka_response_header_t         h;
    kg_kafka_metadata_response_t       resp;
    kg_kafka_metadata_resp_broker_t   *b;

    if (kg_kafka_frame_response_header(&f->frame, &h, KG_KAFKA_API_METADATA,
                                       f->version, f->in, f->frame.size)
        != KG_OK)
    {
        kg_log_error(KG_LOG_ERR, &f->log, 0,
                     "invalid metadata response: %s",
                     f->frame.reason ? f->frame.reason : "truncated header");
        return KG_ERROR;
    }

    if (h.correlation_id != KG_KAFKA_FETCH_CORRELATION) {
        kg_log_error(KG_LOG_ERR, &f->log, 0,
                     "metadata response with unexpected correlation id %D",
                     h.correlation_id);
        return KG_ERROR;
    }

    kg_memzero(&resp, sizeof(kg_kafka_metadata_response_t));

    if (kg_kafka_decode(f->pool, &kg_kafka_metadata_response_schema,
                        f->version, h.flexible, f->in + h.size,
                        f->frame.size - h.size, &resp, &err)
        != KG_OK)
    {
        kg_log_error(KG_LOG_ERR, &f->log, 0,
                     "invalid metadata response: %s", err);
        return KG_ERROR;
    }

    b = resp.Brokers.elts;

    for (i = 0; i < resp.Brokers.nelts; i++) {
        kg_kafka_upstream_learn(f->upstream, b[i].NodeId, &b[i].Host,
                                b[i].Port);
    }

    return KG_OK;
}


static void
kg_kafka_upstream_fetch_done(kg_kafka_upstream_fetch_t *f, kg_int_t rc)
{
    kg_connection_t           *pc;
    kg_kafka_upstream_t       *up;

    up = f->upstream;
    pc = f->peer.connection;

    /* the next fetch starts where this one succeeded, or after it */

    up->next = (rc == KG_OK) ? f->addr : f->addr + 1;

    if (pc) {
        if (pc->ssl) {
            pc->ssl->no_wait_shutdown = 1;
            pc->ssl->no_send_shutdown = 1;
            (void) kg_ssl_shutdown(pc);
        }

        kg_close_connection(pc);
    }

    if (rc != KG_OK) {
        kg_log_error(KG_LOG_ERR, &f->log, 0,
                     "no bootstrap address of cluster \"%V\" answered",
                     &up->cluster->name);
    }

    up->fetch = NULL;

    kg_destroy_pool(f->pool);

    /* the names the response listed are resolved first */

    if (rc == KG_OK && up->resolving) {
        up->wait_names = 1;
        return;
    }

    kg_kafka_upstream_wake(up, rc);
}


static void
kg_kafka_upstream_wake(kg_kafka_upstream_t *up, kg_int_t rc)
{
    kg_queue_t                *q;
    kg_kafka_upstream_wait_t  *w;

    up->wait_names = 0;

    while (!kg_queue_empty(&up->waiting)) {
        q = kg_queue_head(&up->waiting);
        kg_queue_remove(q);

        w = kg_queue_data(q, kg_kafka_upstream_wait_t, queue);
        w->upstream = NULL;

        w->handler(w, rc);
    }
}


static kg_int_t
kg_kafka_upstream_get_peer(kg_peer_connection_t *pc, void *data)
{
    return KG_OK;
}


static u_char *
kg_kafka_upstream_log_error(kg_log_t *log, u_char *buf, size_t len)
{
    u_char                     *p;
    kg_kafka_upstream_fetch_t  *f;

    f = log->data;

    p = buf;

    if (log->action) {
        p = kg_snprintf(buf, len, " while %s", log->action);
        len -= p - buf;
        buf = p;
    }

    p = kg_snprintf(buf, len, ", cluster: %V", &f->upstream->cluster->name);
    len -= p - buf;
    buf = p;

    if (f->peer.name) {
        p = kg_snprintf(buf, len, ", upstream: \"%V\"", f->peer.name);
    }

    return p;
}
