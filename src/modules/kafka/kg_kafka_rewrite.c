/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_rewrite.h>
#include <kg_kafka_versions.h>


/* versions of an api whose need to rewrite is kept in one uint64_t */
#define KG_KAFKA_REWRITE_VERSIONS  64

/* DescribeCluster EndpointType of controllers (KIP-919) */
#define KG_KAFKA_REWRITE_CONTROLLERS  2


typedef struct {
    kg_kafka_addr_map_t       *map;
    kg_pool_t                 *pool;
    kg_uint_t                  version;
    kg_uint_t                  flexible;
    kg_uint_t                  learn;
    kg_uint_t                  changed;
    kg_uint_t                  pass;        /* 0: learn, 1: rewrite */
} kg_kafka_rewrite_ctx_t;


static void kg_kafka_rewrite_init(void);
static kg_uint_t kg_kafka_rewrite_scan(const kg_kafka_schema_t *s,
    kg_uint_t v, kg_uint_t depth);
static kg_uint_t kg_kafka_rewrite_scan_ids(const kg_kafka_schema_t *s,
    kg_uint_t v, kg_uint_t depth);
static void kg_kafka_rewrite_ids(kg_kafka_rewrite_ctx_t *ctx,
    const kg_kafka_field_t *f, u_char *dst);
static kg_uint_t kg_kafka_rewrite_learns(kg_uint_t api_key, void *msg);
static void kg_kafka_rewrite_struct(kg_kafka_rewrite_ctx_t *ctx,
    const kg_kafka_schema_t *s, u_char *base, int32_t node_id);
static void kg_kafka_rewrite_address(kg_kafka_rewrite_ctx_t *ctx,
    int32_t node_id, kg_uint_t error, kg_str_t *host,
    const kg_kafka_field_t *pf, u_char *port);


#define kg_kafka_rewrite_present(f, v)                                       \
    ((v) >= (f)->min && (v) <= (f)->max)

#define kg_kafka_rewrite_tagged(f, v, flex)                                  \
    ((flex) && (f)->tmin != KG_KAFKA_VNONE && (v) >= (f)->tmin)

#define kg_kafka_rewrite_host(f)                                             \
    ((f)->type == KG_KAFKA_STRING && !((f)->flags & KG_KAFKA_ARRAY)          \
     && kg_strcmp((f)->name, "Host") == 0)

#define kg_kafka_rewrite_port(f)                                             \
    (((f)->type == KG_KAFKA_INT32 || (f)->type == KG_KAFKA_UINT16)           \
     && !((f)->flags & KG_KAFKA_ARRAY) && kg_strcmp((f)->name, "Port") == 0)


/*
 * Bit v of kg_kafka_rewrite_versions[api_key]: responses of version v
 * carry an address.  Built from the schemas on first use, so that the
 * check made for every response is two loads.
 */

static uint64_t   kg_kafka_rewrite_versions[KG_KAFKA_API_MAX];
static uint64_t   kg_kafka_rewrite_id_versions[KG_KAFKA_API_MAX];
static kg_uint_t  kg_kafka_rewrite_ready;


kg_int_t
kg_kafka_rewrite_response(kg_pool_t *pool, kg_kafka_addr_map_t *map,
    int16_t api_key, int16_t api_version, kg_str_t *body, kg_str_t *out)
{
    size_t                   size;
    u_char                  *p, *msg;
    const char              *err;
    const kg_kafka_api_t    *api;
    kg_kafka_rewrite_ctx_t   ctx;

    if (api_key == KG_KAFKA_API_API_VERSIONS) {
        return kg_kafka_versions_cap(pool, api_version, body, out);
    }

    if (!kg_kafka_rewrite_needed(api_key, api_version)
        && (map->node_id == NULL
            || !kg_kafka_rewrite_ids_needed(api_key, api_version)))
    {
        return KG_DECLINED;
    }

    api = kg_kafka_api(api_key);

    if (api_version > api->max_version) {
        /* the layout is unknown: better no response than a real address */
        kg_log_debug2(KG_LOG_DEBUG_KAFKA, pool->log, 0,
                      "kafka rewrite: %s v%d response: unknown version",
                      api->name, api_version);
        return KG_ERROR;
    }

    msg = kg_palloc(pool, api->response->size);
    if (msg == NULL) {
        return KG_ERROR;
    }

    ctx.map = map;
    ctx.pool = pool;
    ctx.version = api_version;
    ctx.flexible = kg_kafka_flexible(api, api_version);
    ctx.changed = 0;

    if (kg_kafka_decode(pool, api->response, ctx.version, ctx.flexible,
                        body->data, body->len, msg, &err)
        != KG_OK)
    {
        kg_log_debug3(KG_LOG_DEBUG_KAFKA, pool->log, 0,
                      "kafka rewrite: %s v%d response: %s",
                      api->name, api_version, err);
        return KG_ERROR;
    }

    ctx.learn = kg_kafka_rewrite_learns(api_key, msg);

    /*
     * Every address is learned before any node id is mapped: the rank of
     * a node among the cluster's may depend on the others in the same
     * response.
     */

    if (ctx.learn && map->learn != NULL) {
        ctx.pass = 0;
        kg_kafka_rewrite_struct(&ctx, api->response, msg, -1);
    }

    ctx.pass = 1;
    kg_kafka_rewrite_struct(&ctx, api->response, msg, -1);

    if (!ctx.changed) {
        return KG_DECLINED;
    }

    size = kg_kafka_encoded_size(api->response, ctx.version, ctx.flexible,
                                 msg);
    if (size == KG_KAFKA_SIZE_ERROR) {
        return KG_ERROR;
    }

    p = kg_pnalloc(pool, size ? size : 1);
    if (p == NULL) {
        return KG_ERROR;
    }

    out->data = p;
    out->len = kg_kafka_encode(p, api->response, ctx.version, ctx.flexible,
                               msg)
               - p;

    return KG_OK;
}


kg_uint_t
kg_kafka_rewrite_needed(int16_t api_key, int16_t api_version)
{
    const kg_kafka_api_t  *api;

    if (api_key == KG_KAFKA_API_API_VERSIONS) {
        return 1;
    }

    if (api_key < 0 || api_version < 0) {
        return 0;
    }

    api = kg_kafka_api(api_key);
    if (api == NULL) {
        return 0;
    }

    if (!kg_kafka_rewrite_ready) {
        kg_kafka_rewrite_init();
    }

    if (api_version > api->max_version
        || api_version >= KG_KAFKA_REWRITE_VERSIONS)
    {
        return kg_kafka_rewrite_versions[api_key] != 0;
    }

    return (kg_kafka_rewrite_versions[api_key] >> api_version) & 1;
}


kg_uint_t
kg_kafka_rewrite_ids_needed(int16_t api_key, int16_t api_version)
{
    const kg_kafka_api_t  *api;

    if (api_key < 0 || api_version < 0) {
        return 0;
    }

    api = kg_kafka_api(api_key);
    if (api == NULL) {
        return 0;
    }

    if (!kg_kafka_rewrite_ready) {
        kg_kafka_rewrite_init();
    }

    if (api_version > api->max_version
        || api_version >= KG_KAFKA_REWRITE_VERSIONS)
    {
        return kg_kafka_rewrite_id_versions[api_key] != 0;
    }

    return (kg_kafka_rewrite_id_versions[api_key] >> api_version) & 1;
}


static void
kg_kafka_rewrite_init(void)
{
    kg_uint_t              key, v;
    const kg_kafka_api_t  *api;

    for (key = 0; key < KG_KAFKA_API_MAX; key++) {
        api = kg_kafka_api(key);
        if (api == NULL) {
            continue;
        }

        for (v = api->min_version;
             v <= (kg_uint_t) api->max_version && v < KG_KAFKA_REWRITE_VERSIONS;
             v++)
        {
            if (kg_kafka_rewrite_scan(api->response, v, 0)) {
                kg_kafka_rewrite_versions[key] |= (uint64_t) 1 << v;
                kg_kafka_rewrite_id_versions[key] |= (uint64_t) 1 << v;
            }

            if (kg_kafka_rewrite_scan_ids(api->response, v, 0)) {
                kg_kafka_rewrite_id_versions[key] |= (uint64_t) 1 << v;
            }
        }
    }

    kg_kafka_rewrite_ready = 1;
}


/* whether a struct of the version, or one it holds, has a Host and Port */

static kg_uint_t
kg_kafka_rewrite_scan(const kg_kafka_schema_t *s, kg_uint_t v,
    kg_uint_t depth)
{
    kg_uint_t                i, host, port;
    const kg_kafka_field_t  *f;

    if (depth > KG_KAFKA_MAX_DEPTH) {
        return 0;
    }

    host = 0;
    port = 0;

    for (i = 0; i < s->nfields; i++) {
        f = &s->fields[i];

        if (!kg_kafka_rewrite_present(f, v)) {
            continue;
        }

        if (f->type == KG_KAFKA_STRUCT) {
            if (kg_kafka_rewrite_scan(f->schema, v, depth + 1)) {
                return 1;
            }

        } else if (kg_kafka_rewrite_host(f)) {
            host = 1;

        } else if (kg_kafka_rewrite_port(f)) {
            port = 1;
        }
    }

    return host && port;
}


/* whether a struct of the version, or one it holds, has a node id */

static kg_uint_t
kg_kafka_rewrite_scan_ids(const kg_kafka_schema_t *s, kg_uint_t v,
    kg_uint_t depth)
{
    kg_uint_t                i;
    const kg_kafka_field_t  *f;

    if (depth > KG_KAFKA_MAX_DEPTH) {
        return 0;
    }

    for (i = 0; i < s->nfields; i++) {
        f = &s->fields[i];

        if (!kg_kafka_rewrite_present(f, v)) {
            continue;
        }

        if (f->type == KG_KAFKA_STRUCT) {
            if (kg_kafka_rewrite_scan_ids(f->schema, v, depth + 1)) {
                return 1;
            }

        } else if (f->type == KG_KAFKA_INT32
                   && f->entity == KG_KAFKA_ENTITY_BROKER_ID)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * Whether the addresses are brokers clients may be sent to, which the
 * proxy learns.  The KRaft quorum apis and DescribeQuorum carry
 * controller listeners: hidden all the same, never learned, or a
 * controller port would replace a broker's for the same node id.
 */

static kg_uint_t
kg_kafka_rewrite_learns(kg_uint_t api_key, void *msg)
{
    kg_kafka_describe_cluster_response_t  *dc;

    switch (api_key) {

    case KG_KAFKA_API_PRODUCE:
    case KG_KAFKA_API_FETCH:
    case KG_KAFKA_API_METADATA:
    case KG_KAFKA_API_FIND_COORDINATOR:
    case KG_KAFKA_API_SHARE_FETCH:
    case KG_KAFKA_API_SHARE_ACKNOWLEDGE:
        return 1;

    case KG_KAFKA_API_DESCRIBE_CLUSTER:
        dc = msg;
        return dc->EndpointType != KG_KAFKA_REWRITE_CONTROLLERS;

    default:
        return 0;
    }
}


/*
 * Walks a decoded struct: a Host and Port side by side are an address,
 * whose node id is the broker id field of the same struct or, for
 * DescribeQuorum's Listeners, of the struct that holds them.
 *
 * Produce and Fetch also carry CurrentLeader (KIP-951): node ids and
 * epochs only, passed as they are while node ids are the brokers' own.
 */

static void
kg_kafka_rewrite_struct(kg_kafka_rewrite_ctx_t *ctx,
    const kg_kafka_schema_t *s, u_char *base, int32_t node_id)
{
    u_char                  *dst, *port, *elt;
    kg_str_t                *host;
    kg_uint_t                i, k, node, error;
    kg_kafka_tags_t         *tags;
    kg_kafka_array_t        *a;
    const kg_kafka_field_t  *f, *pf;

    tags = (kg_kafka_tags_t *) (base + s->tagged);

    host = NULL;
    port = NULL;
    pf = NULL;
    node = 0;
    error = 0;

    for (i = 0; i < s->nfields; i++) {
        f = &s->fields[i];
        dst = base + f->offset;

        if (!kg_kafka_rewrite_present(f, ctx->version)
            || f->type == KG_KAFKA_STRUCT)
        {
            continue;
        }

        if (kg_kafka_rewrite_tagged(f, ctx->version, ctx->flexible)
            && !KG_KAFKA_TAG_ISSET(tags, f->tag))
        {
            continue;
        }

        if (f->flags & KG_KAFKA_ARRAY) {
            if (ctx->pass == 1) {
                kg_kafka_rewrite_ids(ctx, f, dst);
            }

            continue;
        }

        if (kg_kafka_rewrite_host(f)) {
            host = (kg_str_t *) dst;

        } else if (kg_kafka_rewrite_port(f)) {
            pf = f;
            port = dst;

        } else if (f->type == KG_KAFKA_INT32
                   && f->entity == KG_KAFKA_ENTITY_BROKER_ID)
        {
            /* the address beside is the node's: its real id */

            if (!node) {
                node_id = *(int32_t *) dst;
                node = 1;
            }

            if (ctx->pass == 1) {
                kg_kafka_rewrite_ids(ctx, f, dst);
            }

        } else if (f->type == KG_KAFKA_INT16
                   && kg_strcmp(f->name, "ErrorCode") == 0)
        {
            error = (*(int16_t *) dst != 0);
        }
    }

    if (host != NULL && port != NULL) {
        if (ctx->pass == 0) {
            if (node_id != -1 && !error && host->data != NULL) {
                ctx->map->learn(ctx->map->data, node_id, host,
                                pf->type == KG_KAFKA_UINT16
                                ? *(uint16_t *) port : *(int32_t *) port);
            }

        } else {
            kg_kafka_rewrite_address(ctx, node_id, error, host, pf, port);
        }
    }

    for (i = 0; i < s->nfields; i++) {
        f = &s->fields[i];
        dst = base + f->offset;

        if (!kg_kafka_rewrite_present(f, ctx->version)
            || f->type != KG_KAFKA_STRUCT)
        {
            continue;
        }

        if (kg_kafka_rewrite_tagged(f, ctx->version, ctx->flexible)
            && !KG_KAFKA_TAG_ISSET(tags, f->tag))
        {
            continue;
        }

        if (f->flags & KG_KAFKA_ARRAY) {
            a = (kg_kafka_array_t *) dst;
            elt = a->elts;

            for (k = 0; k < a->nelts; k++) {
                kg_kafka_rewrite_struct(ctx, f->schema, elt, node_id);
                elt += f->schema->size;
            }

            continue;
        }

        elt = *(u_char **) dst;

        if (elt != NULL) {
            kg_kafka_rewrite_struct(ctx, f->schema, elt, node_id);
        }
    }
}


static void
kg_kafka_rewrite_address(kg_kafka_rewrite_ctx_t *ctx, int32_t node_id,
    kg_uint_t error, kg_str_t *host, const kg_kafka_field_t *pf, u_char *port)
{
    kg_int_t              exposed;
    kg_kafka_addr_map_t  *map;

    map = ctx->map;

    if (node_id == -1 || error) {

        /*
         * No broker: a coordinator not found, an unknown leader.  Kafka
         * sends "" and -1 there, kept as they are; anything else is
         * hidden all the same, and not learned.
         */

        if (host->data == NULL || host->len == 0) {
            return;
        }

        exposed = 0;

    } else {
        if (map->node_host != NULL) {
            exposed = map->node_host(map->data, ctx->pool, node_id, host);

            if (exposed > 0 && exposed <= 65535) {
                goto port;
            }
        }

        exposed = (map->node_port != NULL)
                  ? map->node_port(map->data, node_id) : -1;

        /*
         * A node kgate has no port for still appears, or partitions led
         * by it name a broker the client does not know; port 0 makes it
         * a broker that refuses connections, which clients handle as a
         * broker down (backoff, metadata refresh) until kgate exposes it.
         */

        if (exposed < 0 || exposed > 65535) {
            exposed = 0;
        }
    }

    *host = map->host;

port:

    if (pf->type == KG_KAFKA_UINT16) {
        *(uint16_t *) port = (uint16_t) exposed;

    } else {
        *(int32_t *) port = (int32_t) exposed;
    }

    ctx->changed = 1;
}


/* a node id field, or an array of them, through map->node_id() */

static void
kg_kafka_rewrite_ids(kg_kafka_rewrite_ctx_t *ctx, const kg_kafka_field_t *f,
    u_char *dst)
{
    int32_t            *id, mapped;
    kg_uint_t           i, n;
    kg_kafka_array_t   *a;

    if (f->type != KG_KAFKA_INT32 || f->entity != KG_KAFKA_ENTITY_BROKER_ID
        || ctx->map->node_id == NULL)
    {
        return;
    }

    if (f->flags & KG_KAFKA_ARRAY) {
        a = (kg_kafka_array_t *) dst;
        id = a->elts;
        n = (id == NULL) ? 0 : a->nelts;

    } else {
        id = (int32_t *) dst;
        n = 1;
    }

    for (i = 0; i < n; i++) {
        if (id[i] < 0) {
            continue;
        }

        mapped = ctx->map->node_id(ctx->map->data, id[i]);

        if (mapped != id[i]) {
            id[i] = mapped;
            ctx->changed = 1;
        }
    }
}
