/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_RESOLVER_H_INCLUDED_
#define _KG_RESOLVER_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>


/*
 * Resolves host names in a worker without blocking it.
 *
 *     ctx = kg_resolve_start(log, pool);
 *     ctx->name = host; ctx->port = port;
 *     ctx->handler = handler; ctx->data = data; ctx->timeout = 5000;
 *
 *     rc = kg_resolve_name(ctx);
 *
 * KG_OK     answered now (an IP literal, the cache, /etc/hosts): the
 *           addresses are in ctx->addrs; the handler is NOT called.
 * KG_ERROR  failed now (a bad or reserved name, a cached failure, no
 *           memory): ctx->err says why; the handler is NOT called.
 * KG_AGAIN  the handler is called later, once, with ctx->state KG_OK
 *           (ctx->addrs) or KG_ERROR (ctx->err: "Domain name not found",
 *           "timed out", ...).
 *
 * After KG_OK or KG_ERROR ctx->state equals the return code, so a caller
 * may simply call its handler itself.  The addresses are allocated from
 * the pool of the ctx and carry ctx->port; their names are "addr:port".
 *
 * kg_resolve_cancel() detaches a ctx whose caller went away: the handler
 * is never called after it.  Destroying the pool of the ctx cancels it
 * too.  A ctx may be used again once its handler ran or it was cancelled.
 *
 * Each worker has one c-ares channel, created on first use; answers are
 * cached per worker, for the TTL of the records but at most
 * KG_RESOLVER_VALID seconds, failures for KG_RESOLVER_INVALID seconds.
 * Concurrent lookups of one name share one query.  Names ending in
 * ".invalid" fail at once (RFC 6761).  A failed query is logged at the
 * "error" level, once, with the name and c-ares' reason.
 *
 * Only a worker (an event loop running on kg_cycle) may use it.
 */


#define KG_RESOLVER_VALID          30       /* s, the cap of a record TTL */
#define KG_RESOLVER_INVALID        5        /* s, a failure is remembered */
#define KG_RESOLVER_TIMEOUT        30000    /* ms, when ctx->timeout is 0 */
#define KG_RESOLVER_MAX_ADDRS      32       /* kept per name */
#define KG_RESOLVER_MAX_NAMES      1024     /* the cache size */


typedef struct kg_resolver_ctx_s  kg_resolver_ctx_t;

typedef void (*kg_resolver_handler_pt)(kg_resolver_ctx_t *ctx);


struct kg_resolver_ctx_s {
    /* in */
    kg_str_t                  name;
    in_port_t                 port;
    kg_resolver_handler_pt    handler;
    void                     *data;
    kg_msec_t                 timeout;

    /* out */
    kg_int_t                  state;
    kg_addr_t                *addrs;
    kg_uint_t                 naddrs;
    const char               *err;

    /* private */
    kg_log_t                 *log;
    kg_pool_t                *pool;
    void                     *node;
    kg_queue_t                queue;
    kg_event_t                event;

    unsigned                  waiting:1;
};


kg_resolver_ctx_t *kg_resolve_start(kg_log_t *log, kg_pool_t *pool);
kg_int_t kg_resolve_name(kg_resolver_ctx_t *ctx);
void kg_resolve_cancel(kg_resolver_ctx_t *ctx);

/*
 * Replaces the name servers of /etc/resolv.conf for this worker, e.g.
 * "127.0.0.1:5353,[::1]:53"; refused while queries run.
 */
kg_int_t kg_resolver_set_servers(kg_log_t *log, kg_str_t *servers);


#endif /* _KG_RESOLVER_H_INCLUDED_ */
