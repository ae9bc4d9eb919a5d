/*
 * Copyright (C) kgate authors
 */


/*
 * The names of the brokers are resolved with c-ares rather than with a
 * DNS client of our own: c-ares is well kept and used by curl, Node.js
 * and gRPC; it honours /etc/resolv.conf (servers, search, ndots, timeout,
 * attempts) and /etc/hosts as the C library does; it times out and
 * retries by itself; and it runs no thread: it hands its sockets and its
 * next timeout to the caller, so they join the worker's epoll loop like
 * any connection.  kgate adds a cache per worker, one query for
 * concurrent lookups of a name, a timeout per caller and cancellation.
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_resolver.h>

#include <ares.h>


#define KG_RESOLVER_NAME_LEN    254     /* 253 and a trailing dot */
#define KG_RESOLVER_SWEEP       8       /* cache entries looked at per use */


typedef struct {
    kg_rbtree_node_t          node;        /* key: hash of the name */
    kg_queue_t                queue;       /* the cache, recent first */
    kg_queue_t                waiting;     /* the ctxs of the query */

    u_char                   *name;        /* lowercased, null-terminated */
    size_t                    len;

    kg_sockaddr_t            *addrs;
    kg_uint_t                 naddrs;
    const char               *err;

    kg_msec_t                 expire;

    unsigned                  pending:1;   /* a query runs */
    unsigned                  starting:1;  /* in ares_getaddrinfo() */
    unsigned                  busy:1;      /* its handlers are called */
} kg_resolver_node_t;


typedef struct {
    ares_channel              channel;
    kg_log_t                 *log;

    kg_rbtree_t               tree;
    kg_rbtree_node_t          sentinel;
    kg_queue_t                cache;
    kg_uint_t                 nnodes;

    /* the connections of the c-ares sockets, linked by c->queue */
    kg_queue_t                connections;

    kg_event_t                timer;

    unsigned                  destroying:1;
} kg_resolver_t;


static kg_int_t kg_resolver_init(kg_log_t *log);
static void kg_resolver_cleanup(void *data);
static void kg_resolver_ctx_cleanup(void *data);
static kg_int_t kg_resolver_literal(kg_resolver_ctx_t *ctx);
static kg_uint_t kg_resolver_reserved(u_char *name, size_t len);
static kg_int_t kg_resolver_query(kg_resolver_ctx_t *ctx,
    kg_resolver_node_t *rn);
static void kg_resolver_wait(kg_resolver_ctx_t *ctx,
    kg_resolver_node_t *rn);
static void kg_resolver_query_handler(void *arg, int status, int timeouts,
    struct ares_addrinfo *res);
static void kg_resolver_set_result(kg_resolver_node_t *rn, int status,
    struct ares_addrinfo *res);
static kg_int_t kg_resolver_answer(kg_resolver_ctx_t *ctx,
    kg_resolver_node_t *rn);
static void kg_resolver_detach(kg_resolver_node_t *rn);
static void kg_resolver_timeout_handler(kg_event_t *ev);
static kg_resolver_node_t *kg_resolver_lookup(u_char *name, size_t len,
    kg_uint_t hash);
static kg_resolver_node_t *kg_resolver_create_node(u_char *name,
    size_t len, kg_uint_t hash, kg_log_t *log);
static void kg_resolver_rbtree_insert_value(kg_rbtree_node_t *temp,
    kg_rbtree_node_t *node, kg_rbtree_node_t *sentinel);
static void kg_resolver_expire(void);
static void kg_resolver_release(kg_resolver_node_t *rn);
static void kg_resolver_free_node(kg_resolver_node_t *rn);
static void kg_resolver_sock_state(void *data, ares_socket_t fd,
    int readable, int writable);
static void kg_resolver_close_connection(kg_connection_t *c);
static void kg_resolver_read_handler(kg_event_t *rev);
static void kg_resolver_write_handler(kg_event_t *wev);
static void kg_resolver_timer_handler(kg_event_t *ev);
static void kg_resolver_set_timer(void);


static kg_resolver_t     kg_resolver;
static kg_uint_t         kg_resolver_library;

/* what the debug lines of the resolver's timers print as a connection */
static kg_connection_t   kg_resolver_ident;


kg_resolver_ctx_t *
kg_resolve_start(kg_log_t *log, kg_pool_t *pool)
{
    kg_pool_cleanup_t  *cln;
    kg_resolver_ctx_t  *ctx;

    ctx = kg_pcalloc(pool, sizeof(kg_resolver_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    /* the owner going away with its pool must not leave a handler */

    cln = kg_pool_cleanup_add(pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = kg_resolver_ctx_cleanup;
    cln->data = ctx;

    ctx->log = log;
    ctx->pool = pool;
    ctx->state = KG_AGAIN;

    kg_resolver_ident.fd = (kg_socket_t) -1;

    ctx->event.data = &kg_resolver_ident;
    ctx->event.log = log;
    ctx->event.handler = kg_resolver_timeout_handler;
    ctx->event.cancelable = 1;

    return ctx;
}


kg_int_t
kg_resolve_name(kg_resolver_ctx_t *ctx)
{
    u_char               name[KG_RESOLVER_NAME_LEN + 1];
    size_t               len;
    kg_int_t             rc;
    kg_uint_t            hash;
    kg_resolver_node_t  *rn;

    if (ctx->waiting) {
        kg_log_error(KG_LOG_ALERT, ctx->log, 0,
                     "resolving \"%V\" while it is being resolved",
                     &ctx->name);
        return KG_ERROR;
    }

    ctx->state = KG_ERROR;
    ctx->addrs = NULL;
    ctx->naddrs = 0;
    ctx->err = NULL;
    ctx->node = NULL;
    ctx->event.log = ctx->log;

    len = ctx->name.len;

    if (len == 0 || len > KG_RESOLVER_NAME_LEN
        || kg_strlchr(ctx->name.data, ctx->name.data + len, '\0'))
    {
        ctx->err = "invalid host name";

        kg_log_error(KG_LOG_ERR, ctx->log, 0,
                     "\"%V\" could not be resolved (%s)",
                     &ctx->name, ctx->err);
        return KG_ERROR;
    }

    rc = kg_resolver_literal(ctx);

    if (rc != KG_DECLINED) {
        return rc;
    }

    kg_strlow(name, ctx->name.data, len);
    name[len] = '\0';

    if (kg_resolver_reserved(name, len)) {
        ctx->err = ares_strerror(ARES_ENOTFOUND);

        kg_log_error(KG_LOG_ERR, ctx->log, 0,
                     "\"%V\" could not be resolved (%s: reserved name)",
                     &ctx->name, ctx->err);
        return KG_ERROR;
    }

    if (kg_resolver.channel == NULL && kg_resolver_init(ctx->log) != KG_OK) {
        ctx->err = "resolver is not available";
        return KG_ERROR;
    }

    kg_resolver_expire();

    hash = kg_hash_key(name, len);

    rn = kg_resolver_lookup(name, len, hash);

    if (rn) {

        if (rn->pending) {
            kg_log_debug1(KG_LOG_DEBUG_CORE, ctx->log, 0,
                          "resolve: \"%V\" joins the query", &ctx->name);

            kg_resolver_wait(ctx, rn);
            return KG_AGAIN;
        }

        /* an answer being handed out is fresh, whatever its TTL */

        if (rn->busy || (kg_msec_int_t) (rn->expire - kg_current_msec) > 0) {
            kg_log_debug1(KG_LOG_DEBUG_CORE, ctx->log, 0,
                          "resolve: \"%V\" cached", &ctx->name);

            kg_queue_remove(&rn->queue);
            kg_queue_insert_head(&kg_resolver.cache, &rn->queue);

            return kg_resolver_answer(ctx, rn);
        }

        /* expired: the entry is queried again */

    } else {
        rn = kg_resolver_create_node(name, len, hash, ctx->log);
        if (rn == NULL) {
            ctx->err = "out of memory";
            return KG_ERROR;
        }
    }

    return kg_resolver_query(ctx, rn);
}


void
kg_resolve_cancel(kg_resolver_ctx_t *ctx)
{
    if (ctx->event.timer_set) {
        kg_del_timer(&ctx->event);
    }

    if (!ctx->waiting) {
        return;
    }

    kg_log_debug1(KG_LOG_DEBUG_CORE, ctx->log, 0,
                  "resolve: \"%V\" cancelled", &ctx->name);

    /* the query goes on: its answer is cached for the next caller */

    kg_queue_remove(&ctx->queue);

    ctx->waiting = 0;
    ctx->node = NULL;
}


kg_int_t
kg_resolver_set_servers(kg_log_t *log, kg_str_t *servers)
{
    int    rc;
    char  *csv;

    if (servers->len == 0) {
        kg_log_error(KG_LOG_ERR, log, 0, "no resolver servers given");
        return KG_ERROR;
    }

    if (kg_resolver.channel == NULL && kg_resolver_init(log) != KG_OK) {
        return KG_ERROR;
    }

    csv = kg_alloc(servers->len + 1, log);
    if (csv == NULL) {
        return KG_ERROR;
    }

    kg_memcpy(csv, servers->data, servers->len);
    csv[servers->len] = '\0';

    /* c-ares refuses while queries run */

    rc = ares_set_servers_ports_csv(kg_resolver.channel, csv);

    kg_free(csv);

    if (rc != ARES_SUCCESS) {
        kg_log_error(KG_LOG_ERR, log, 0,
                     "invalid resolver servers \"%V\" (%s)",
                     servers, ares_strerror(rc));
        return KG_ERROR;
    }

    return KG_OK;
}


static kg_int_t
kg_resolver_init(kg_log_t *log)
{
    int                   rc;
    ares_channel          channel;
    kg_pool_cleanup_t    *cln;
    struct ares_options   opts;

    if (!kg_resolver_library) {
        rc = ares_library_init(ARES_LIB_INIT_ALL);

        if (rc != ARES_SUCCESS) {
            kg_log_error(KG_LOG_ERR, log, 0,
                         "ares_library_init() failed (%s)",
                         ares_strerror(rc));
            return KG_ERROR;
        }

        kg_resolver_library = 1;
    }

    /*
     * only the socket callback is set: servers, search domains, timeout
     * and attempts come from /etc/resolv.conf, read once per worker
     */

    kg_memzero(&opts, sizeof(struct ares_options));

    opts.sock_state_cb = kg_resolver_sock_state;
    opts.sock_state_cb_data = NULL;

    rc = ares_init_options(&channel, &opts, ARES_OPT_SOCK_STATE_CB);

    if (rc != ARES_SUCCESS) {
        kg_log_error(KG_LOG_ERR, log, 0,
                     "ares_init_options() failed (%s)", ares_strerror(rc));
        return KG_ERROR;
    }

    /* the channel lives as long as the worker's cycle */

    cln = kg_pool_cleanup_add(kg_cycle->pool, 0);
    if (cln == NULL) {
        ares_destroy(channel);
        return KG_ERROR;
    }

    cln->handler = kg_resolver_cleanup;
    cln->data = NULL;

    kg_memzero(&kg_resolver, sizeof(kg_resolver_t));

    kg_resolver.channel = channel;
    kg_resolver.log = kg_cycle->log;

    kg_rbtree_init(&kg_resolver.tree, &kg_resolver.sentinel,
                   kg_resolver_rbtree_insert_value);

    kg_queue_init(&kg_resolver.cache);
    kg_queue_init(&kg_resolver.connections);

    kg_resolver_ident.fd = (kg_socket_t) -1;

    kg_resolver.timer.data = &kg_resolver_ident;
    kg_resolver.timer.log = kg_resolver.log;
    kg_resolver.timer.handler = kg_resolver_timer_handler;

    kg_log_debug1(KG_LOG_DEBUG_CORE, log, 0,
                  "resolver: c-ares %s", ares_version(NULL));

    return KG_OK;
}


static void
kg_resolver_cleanup(void *data)
{
    kg_queue_t          *q;
    kg_connection_t     *c;
    kg_resolver_node_t  *rn;

    if (kg_resolver.channel == NULL) {
        return;
    }

    /*
     * the worker exits: the queries end with ARES_EDESTRUCTION and tell
     * nobody, the sockets are closed by c-ares
     */

    kg_resolver.destroying = 1;

    ares_destroy(kg_resolver.channel);
    kg_resolver.channel = NULL;

    if (kg_resolver.timer.timer_set) {
        kg_del_timer(&kg_resolver.timer);
    }

    while (!kg_queue_empty(&kg_resolver.connections)) {
        q = kg_queue_head(&kg_resolver.connections);
        kg_queue_remove(q);

        c = kg_queue_data(q, kg_connection_t, queue);
        kg_resolver_close_connection(c);
    }

    while (!kg_queue_empty(&kg_resolver.cache)) {
        q = kg_queue_head(&kg_resolver.cache);
        rn = kg_queue_data(q, kg_resolver_node_t, queue);

        kg_resolver_detach(rn);
        kg_resolver_free_node(rn);
    }

    kg_memzero(&kg_resolver, sizeof(kg_resolver_t));
}


static void
kg_resolver_ctx_cleanup(void *data)
{
    kg_resolver_ctx_t  *ctx = data;

    kg_resolve_cancel(ctx);
}


/* an address needs no query, with or without the brackets of IPv6 */

static kg_int_t
kg_resolver_literal(kg_resolver_ctx_t *ctx)
{
    u_char               *p, *text;
    size_t                len;
    in_addr_t             inaddr;
    kg_addr_t            *addr;
    struct in6_addr       inaddr6;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    text = ctx->name.data;
    len = ctx->name.len;

    if (len > 2 && text[0] == '[' && text[len - 1] == ']') {
        text++;
        len -= 2;
    }

    inaddr = kg_inet_addr(text, len);

    if (inaddr == INADDR_NONE
        && kg_inet6_addr(text, len, inaddr6.s6_addr) != KG_OK)
    {
        return KG_DECLINED;
    }

    addr = kg_pcalloc(ctx->pool, sizeof(kg_addr_t));
    if (addr == NULL) {
        goto failed;
    }

    if (inaddr != INADDR_NONE) {
        sin = kg_pcalloc(ctx->pool, sizeof(struct sockaddr_in));
        if (sin == NULL) {
            goto failed;
        }

        sin->sin_family = AF_INET;
        sin->sin_port = htons(ctx->port);
        sin->sin_addr.s_addr = inaddr;

        addr->sockaddr = (struct sockaddr *) sin;
        addr->socklen = sizeof(struct sockaddr_in);

    } else {
        sin6 = kg_pcalloc(ctx->pool, sizeof(struct sockaddr_in6));
        if (sin6 == NULL) {
            goto failed;
        }

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(ctx->port);
        sin6->sin6_addr = inaddr6;

        addr->sockaddr = (struct sockaddr *) sin6;
        addr->socklen = sizeof(struct sockaddr_in6);
    }

    p = kg_pnalloc(ctx->pool, KG_SOCKADDR_STRLEN);
    if (p == NULL) {
        goto failed;
    }

    addr->name.len = kg_sock_ntop(addr->sockaddr, addr->socklen, p,
                                  KG_SOCKADDR_STRLEN, 1);
    addr->name.data = p;

    ctx->addrs = addr;
    ctx->naddrs = 1;
    ctx->state = KG_OK;

    return KG_OK;

failed:

    ctx->err = "out of memory";
    return KG_ERROR;
}


/*
 * RFC 6761 6.4: "invalid" names never exist; c-ares would still send
 * them to the name servers
 */

static kg_uint_t
kg_resolver_reserved(u_char *name, size_t len)
{
    static u_char  invalid[] = ".invalid";

    if (name[len - 1] == '.') {
        len--;
    }

    if (len == sizeof(invalid) - 2) {
        return kg_strncmp(name, invalid + 1, len) == 0;
    }

    return len > sizeof(invalid) - 1
           && kg_strncmp(name + len - (sizeof(invalid) - 1), invalid,
                         sizeof(invalid) - 1) == 0;
}


static kg_int_t
kg_resolver_query(kg_resolver_ctx_t *ctx, kg_resolver_node_t *rn)
{
    struct ares_addrinfo_hints  hints;

    kg_log_debug1(KG_LOG_DEBUG_CORE, ctx->log, 0,
                  "resolve: \"%s\" query", rn->name);

    if (rn->addrs) {
        kg_free(rn->addrs);
        rn->addrs = NULL;
    }

    rn->naddrs = 0;
    rn->err = NULL;
    rn->pending = 1;

    kg_queue_remove(&rn->queue);
    kg_queue_insert_head(&kg_resolver.cache, &rn->queue);

    kg_memzero(&hints, sizeof(struct ares_addrinfo_hints));

    /* IPv4 and IPv6; one entry per address, not one per socket type */

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;

    /* /etc/hosts and some errors are answered inside the call */

    rn->starting = 1;

    ares_getaddrinfo(kg_resolver.channel, (char *) rn->name, NULL, &hints,
                     kg_resolver_query_handler, rn);

    rn->starting = 0;

    if (!rn->pending) {
        kg_resolver_answer(ctx, rn);
        kg_resolver_release(rn);

        return ctx->state;
    }

    kg_resolver_set_timer();

    kg_resolver_wait(ctx, rn);

    return KG_AGAIN;
}


static void
kg_resolver_wait(kg_resolver_ctx_t *ctx, kg_resolver_node_t *rn)
{
    kg_queue_insert_tail(&rn->waiting, &ctx->queue);

    ctx->waiting = 1;
    ctx->node = rn;

    kg_add_timer(&ctx->event, ctx->timeout ? ctx->timeout
                                           : KG_RESOLVER_TIMEOUT);
}


static void
kg_resolver_query_handler(void *arg, int status, int timeouts,
    struct ares_addrinfo *res)
{
    kg_queue_t           waiting, *q;
    kg_resolver_ctx_t   *ctx;
    kg_resolver_node_t  *rn;

    rn = arg;

    rn->pending = 0;

    if (status == ARES_EDESTRUCTION) {
        if (res) {
            ares_freeaddrinfo(res);
        }

        kg_resolver_detach(rn);
        return;
    }

    kg_resolver_set_result(rn, status, res);

    if (rn->starting) {
        return;
    }

    /*
     * a handler may resolve this very name again, or cancel another
     * waiting ctx: the waiting ones are taken off the node first, and
     * the node stays while they are called
     */

    kg_queue_init(&waiting);

    if (!kg_queue_empty(&rn->waiting)) {
        kg_queue_add(&waiting, &rn->waiting);
        kg_queue_init(&rn->waiting);
    }

    rn->busy = 1;

    while (!kg_queue_empty(&waiting)) {
        q = kg_queue_head(&waiting);
        kg_queue_remove(q);

        ctx = kg_queue_data(q, kg_resolver_ctx_t, queue);

        ctx->waiting = 0;
        ctx->node = NULL;

        if (ctx->event.timer_set) {
            kg_del_timer(&ctx->event);
        }

        (void) kg_resolver_answer(ctx, rn);

        ctx->handler(ctx);
    }

    rn->busy = 0;

    kg_resolver_release(rn);
}


static void
kg_resolver_set_result(kg_resolver_node_t *rn, int status,
    struct ares_addrinfo *res)
{
    kg_int_t                     ttl;
    kg_uint_t                    i, n;
    socklen_t                    len;
    kg_sockaddr_t               *addrs;
    struct ares_addrinfo_node   *ai;
    struct ares_addrinfo_cname  *cn;

    ttl = KG_RESOLVER_VALID;
    n = 0;

    if (status == ARES_SUCCESS && res) {

        for (ai = res->nodes; ai; ai = ai->ai_next) {
            n++;
        }

        n = kg_min(n, KG_RESOLVER_MAX_ADDRS);
    }

    if (n) {
        addrs = kg_alloc(n * sizeof(kg_sockaddr_t), kg_resolver.log);

        if (addrs == NULL) {
            status = ARES_ENOMEM;

        } else {
            rn->addrs = addrs;

            for (ai = res->nodes; ai && rn->naddrs < n; ai = ai->ai_next) {

                if (ai->ai_family == AF_INET) {
                    len = sizeof(struct sockaddr_in);

                } else if (ai->ai_family == AF_INET6) {
                    len = sizeof(struct sockaddr_in6);

                } else {
                    continue;
                }

                if (ai->ai_addrlen < len) {
                    continue;
                }

                /* /etc/hosts may list an address twice */

                for (i = 0; i < rn->naddrs; i++) {
                    if (kg_cmp_sockaddr(&addrs[i].sockaddr, len,
                                        ai->ai_addr, len, 0)
                        == KG_OK)
                    {
                        break;
                    }
                }

                if (i < rn->naddrs) {
                    continue;
                }

                kg_memzero(&addrs[rn->naddrs], sizeof(kg_sockaddr_t));
                kg_memcpy(&addrs[rn->naddrs], ai->ai_addr, len);
                rn->naddrs++;

                ttl = kg_min(ttl, (kg_int_t) ai->ai_ttl);
            }

            for (cn = res->cnames; cn; cn = cn->next) {
                ttl = kg_min(ttl, (kg_int_t) cn->ttl);
            }
        }
    }

    if (res) {
        ares_freeaddrinfo(res);
    }

    if (status == ARES_SUCCESS && rn->naddrs == 0) {
        status = ARES_ENODATA;
    }

    if (status != ARES_SUCCESS) {
        rn->err = ares_strerror(status);

        ttl = (status == ARES_ENOMEM) ? 0 : KG_RESOLVER_INVALID;

        kg_log_error(KG_LOG_ERR, kg_resolver.log, 0,
                     "\"%s\" could not be resolved (%s)",
                     rn->name, rn->err);
    }

    /* a TTL of 0, as /etc/hosts gives, is not cached */

    if (ttl < 0) {
        ttl = 0;
    }

    rn->expire = kg_current_msec + (kg_msec_t) ttl * 1000;

    kg_log_debug3(KG_LOG_DEBUG_CORE, kg_resolver.log, 0,
                  "resolve: \"%s\": %ui addresses, ttl %i",
                  rn->name, rn->naddrs, ttl);
}


static kg_int_t
kg_resolver_answer(kg_resolver_ctx_t *ctx, kg_resolver_node_t *rn)
{
    u_char           *p;
    kg_uint_t         i;
    socklen_t         len;
    kg_addr_t        *addrs;
    struct sockaddr  *sa;

    ctx->addrs = NULL;
    ctx->naddrs = 0;

    if (rn->naddrs == 0) {
        ctx->state = KG_ERROR;
        ctx->err = rn->err;
        return KG_ERROR;
    }

    addrs = kg_palloc(ctx->pool, rn->naddrs * sizeof(kg_addr_t));
    if (addrs == NULL) {
        goto failed;
    }

    for (i = 0; i < rn->naddrs; i++) {
        len = (rn->addrs[i].sockaddr.sa_family == AF_INET6)
              ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

        sa = kg_palloc(ctx->pool, len);
        if (sa == NULL) {
            goto failed;
        }

        kg_memcpy(sa, &rn->addrs[i], len);
        kg_inet_set_port(sa, ctx->port);

        p = kg_pnalloc(ctx->pool, KG_SOCKADDR_STRLEN);
        if (p == NULL) {
            goto failed;
        }

        addrs[i].sockaddr = sa;
        addrs[i].socklen = len;
        addrs[i].name.len = kg_sock_ntop(sa, len, p, KG_SOCKADDR_STRLEN, 1);
        addrs[i].name.data = p;
    }

    ctx->addrs = addrs;
    ctx->naddrs = rn->naddrs;
    ctx->state = KG_OK;
    ctx->err = NULL;

    return KG_OK;

failed:

    ctx->state = KG_ERROR;
    ctx->err = "out of memory";

    return KG_ERROR;
}


/* the ctxs of a node that goes away untold */

static void
kg_resolver_detach(kg_resolver_node_t *rn)
{
    kg_queue_t         *q;
    kg_resolver_ctx_t  *ctx;

    while (!kg_queue_empty(&rn->waiting)) {
        q = kg_queue_head(&rn->waiting);
        ctx = kg_queue_data(q, kg_resolver_ctx_t, queue);

        kg_resolve_cancel(ctx);
    }
}


static void
kg_resolver_timeout_handler(kg_event_t *ev)
{
    kg_resolver_ctx_t  *ctx;

    ctx = (kg_resolver_ctx_t *)
              ((u_char *) ev - offsetof(kg_resolver_ctx_t, event));

    if (!ctx->waiting) {
        return;
    }

    kg_resolve_cancel(ctx);

    ctx->state = KG_ERROR;
    ctx->err = "timed out";

    kg_log_error(KG_LOG_ERR, ctx->log, 0,
                 "\"%V\" could not be resolved (%s)", &ctx->name, ctx->err);

    ctx->handler(ctx);
}


static kg_resolver_node_t *
kg_resolver_lookup(u_char *name, size_t len, kg_uint_t hash)
{
    kg_int_t             rc;
    kg_rbtree_node_t    *node, *sentinel;
    kg_resolver_node_t  *rn;

    node = kg_resolver.tree.root;
    sentinel = kg_resolver.tree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        /* hash == node->key */

        rn = (kg_resolver_node_t *) node;

        rc = kg_memn2cmp(name, rn->name, len, rn->len);

        if (rc == 0) {
            return rn;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


static kg_resolver_node_t *
kg_resolver_create_node(u_char *name, size_t len, kg_uint_t hash,
    kg_log_t *log)
{
    kg_resolver_node_t  *rn;

    rn = kg_alloc(sizeof(kg_resolver_node_t) + len + 1, log);
    if (rn == NULL) {
        return NULL;
    }

    kg_memzero(rn, sizeof(kg_resolver_node_t));

    rn->name = (u_char *) rn + sizeof(kg_resolver_node_t);
    rn->len = len;
    kg_memcpy(rn->name, name, len + 1);

    rn->node.key = hash;

    kg_queue_init(&rn->waiting);

    kg_rbtree_insert(&kg_resolver.tree, &rn->node);
    kg_queue_insert_head(&kg_resolver.cache, &rn->queue);
    kg_resolver.nnodes++;

    return rn;
}


static void
kg_resolver_rbtree_insert_value(kg_rbtree_node_t *temp,
    kg_rbtree_node_t *node, kg_rbtree_node_t *sentinel)
{
    kg_rbtree_node_t    **p;
    kg_resolver_node_t   *rn, *rn_temp;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else { /* node->key == temp->key */

            rn = (kg_resolver_node_t *) node;
            rn_temp = (kg_resolver_node_t *) temp;

            p = (kg_memn2cmp(rn->name, rn_temp->name, rn->len, rn_temp->len)
                 < 0) ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    kg_rbt_red(node);
}


/*
 * a few of the least recently used entries are looked at on every use:
 * the expired ones go, and the oldest ones while the cache is full
 */

static void
kg_resolver_expire(void)
{
    kg_uint_t            i;
    kg_queue_t          *q, *prev;
    kg_resolver_node_t  *rn;

    q = kg_queue_last(&kg_resolver.cache);

    for (i = 0;
         i < KG_RESOLVER_SWEEP && q != kg_queue_sentinel(&kg_resolver.cache);
         i++)
    {
        prev = kg_queue_prev(q);
        rn = kg_queue_data(q, kg_resolver_node_t, queue);

        if (!rn->pending && !rn->busy
            && ((kg_msec_int_t) (rn->expire - kg_current_msec) <= 0
                || kg_resolver.nnodes >= KG_RESOLVER_MAX_NAMES))
        {
            kg_resolver_free_node(rn);
        }

        q = prev;
    }
}


static void
kg_resolver_release(kg_resolver_node_t *rn)
{
    if (rn->pending || rn->busy
        || (kg_msec_int_t) (rn->expire - kg_current_msec) > 0)
    {
        return;
    }

    kg_resolver_free_node(rn);
}


static void
kg_resolver_free_node(kg_resolver_node_t *rn)
{
    kg_log_debug1(KG_LOG_DEBUG_CORE, kg_resolver.log, 0,
                  "resolve: \"%s\" leaves the cache", rn->name);

    kg_rbtree_delete(&kg_resolver.tree, &rn->node);
    kg_queue_remove(&rn->queue);
    kg_resolver.nnodes--;

    if (rn->addrs) {
        kg_free(rn->addrs);
    }

    kg_free(rn);
}


/*
 * c-ares says which of its sockets it wants to read or write, and which
 * it is about to close (neither); they are watched level-triggered, as
 * ares_process_fd() reads one answer at a time
 */

static void
kg_resolver_sock_state(void *data, ares_socket_t fd, int readable,
    int writable)
{
    kg_queue_t       *q;
    kg_connection_t  *c;

    c = NULL;

    for (q = kg_queue_head(&kg_resolver.connections);
         q != kg_queue_sentinel(&kg_resolver.connections);
         q = kg_queue_next(q))
    {
        c = kg_queue_data(q, kg_connection_t, queue);

        if (c->fd == fd) {
            break;
        }

        c = NULL;
    }

    kg_log_debug3(KG_LOG_DEBUG_CORE, kg_resolver.log, 0,
                  "resolver socket %d: read:%d write:%d",
                  fd, readable, writable);

    if (!readable && !writable) {
        if (c) {
            kg_queue_remove(&c->queue);
            kg_resolver_close_connection(c);
        }

        return;
    }

    if (c == NULL) {
        if (kg_resolver.destroying) {
            return;
        }

        /* without a connection the query still ends, by its timeout */

        c = kg_get_connection(fd, kg_resolver.log);
        if (c == NULL) {
            return;
        }

        c->data = &kg_resolver;
        c->log_error = KG_ERROR_ERR;

        c->read->handler = kg_resolver_read_handler;
        c->read->log = kg_resolver.log;
        c->write->handler = kg_resolver_write_handler;
        c->write->log = kg_resolver.log;

        kg_queue_insert_tail(&kg_resolver.connections, &c->queue);
    }

    if (readable && !c->read->active) {
        (void) kg_add_event(c->read, KG_READ_EVENT, KG_LEVEL_EVENT);

    } else if (!readable && c->read->active) {
        (void) kg_del_event(c->read, KG_READ_EVENT, 0);
    }

    if (writable && !c->write->active) {
        (void) kg_add_event(c->write, KG_WRITE_EVENT, KG_LEVEL_EVENT);

    } else if (!writable && c->write->active) {
        (void) kg_del_event(c->write, KG_WRITE_EVENT, 0);
    }
}


/* the socket is c-ares': it closes it, kgate only forgets it */

static void
kg_resolver_close_connection(kg_connection_t *c)
{
    if (!kg_resolver.destroying && (c->read->active || c->write->active)) {
        (void) kg_del_conn(c, 0);
    }

    if (c->read->posted) {
        kg_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        kg_delete_posted_event(c->write);
    }

    c->read->closed = 1;
    c->write->closed = 1;

    /* at exit the cycle and its connections go as a whole */

    if (!kg_resolver.destroying) {
        kg_free_connection(c);
    }

    c->fd = (kg_socket_t) -1;
}


static void
kg_resolver_read_handler(kg_event_t *rev)
{
    kg_connection_t  *c;

    c = rev->data;

    /* the connection may be gone on return */

    ares_process_fd(kg_resolver.channel, c->fd, ARES_SOCKET_BAD);

    kg_resolver_set_timer();
}


static void
kg_resolver_write_handler(kg_event_t *wev)
{
    kg_connection_t  *c;

    c = wev->data;

    ares_process_fd(kg_resolver.channel, ARES_SOCKET_BAD, c->fd);

    kg_resolver_set_timer();
}


static void
kg_resolver_timer_handler(kg_event_t *ev)
{
    /* retries and timeouts of the queries */

    ares_process_fd(kg_resolver.channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);

    kg_resolver_set_timer();
}


/*
 * the timer runs while queries do, so an exiting worker waits for them,
 * as it waits for their sockets anyway
 */

static void
kg_resolver_set_timer(void)
{
    kg_msec_t        timer;
    struct timeval   tv, *tvp;

    if (kg_resolver.channel == NULL) {
        return;
    }

    tvp = ares_timeout(kg_resolver.channel, NULL, &tv);

    if (kg_resolver.timer.timer_set) {
        kg_del_timer(&kg_resolver.timer);
    }

    if (tvp == NULL) {
        return;
    }

    timer = (kg_msec_t) tvp->tv_sec * 1000
            + (kg_msec_t) (tvp->tv_usec + 999) / 1000;

    kg_add_timer(&kg_resolver.timer, timer);
}
