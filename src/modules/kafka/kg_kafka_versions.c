/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_versions.h>


/* the error code of a version the broker does not support */
#define KG_KAFKA_VERSIONS_UNSUPPORTED  35


typedef struct {
    int16_t                          api_key;
    int16_t                          min;
    int16_t                          max;
} kg_kafka_versions_range_t;


typedef struct {
    kg_str_t                         name;
    const kg_kafka_versions_range_t *apis;
    kg_uint_t                        napis;
} kg_kafka_versions_fallback_t;


static kg_int_t kg_kafka_versions_decode(kg_pool_t *pool,
    kg_uint_t version, kg_str_t *body, kg_kafka_api_versions_response_t *r);
static kg_int_t kg_kafka_versions_encode(kg_pool_t *pool, kg_uint_t version,
    kg_kafka_api_versions_response_t *r, kg_str_t *out);
static kg_int_t kg_kafka_versions_unsupported(kg_pool_t *pool,
    kg_uint_t version, int16_t error, kg_str_t *out);
static kg_uint_t kg_kafka_versions_add(
    kg_kafka_api_versions_resp_api_version_t *e, kg_uint_t api_key,
    int16_t min, int16_t max);
static const kg_kafka_versions_fallback_t *kg_kafka_versions_find(
    kg_str_t *value);


/*
 * What brokers of each release answer, as read from Kafka's ApiKeys and
 * protocol guide of that release (the 0.9.0 table is the protocol of
 * Kafka 0.9.0.1; librdkafka and kafka-python carry the same tables).
 * Only the apis clients send are listed: the inter-broker ones
 * (LeaderAndIsr, StopReplica, UpdateMetadata, ControlledShutdown,
 * WriteTxnMarkers) are not proxied.  ApiVersions itself is not listed:
 * kgate answers it, so its range is kgate's own.  Rows are sorted by key.
 */

static const kg_kafka_versions_range_t  kg_kafka_versions_0_8_0[] = {
    { KG_KAFKA_API_PRODUCE, 0, 0 },
    { KG_KAFKA_API_FETCH, 0, 0 },
    { KG_KAFKA_API_LIST_OFFSETS, 0, 0 },
    { KG_KAFKA_API_METADATA, 0, 0 },
};

/* offsets in ZooKeeper through the broker */
static const kg_kafka_versions_range_t  kg_kafka_versions_0_8_1[] = {
    { KG_KAFKA_API_PRODUCE, 0, 0 },
    { KG_KAFKA_API_FETCH, 0, 0 },
    { KG_KAFKA_API_LIST_OFFSETS, 0, 0 },
    { KG_KAFKA_API_METADATA, 0, 0 },
    { KG_KAFKA_API_OFFSET_COMMIT, 0, 0 },
    { KG_KAFKA_API_OFFSET_FETCH, 0, 0 },
};

/* offsets in Kafka, the group coordinator */
static const kg_kafka_versions_range_t  kg_kafka_versions_0_8_2[] = {
    { KG_KAFKA_API_PRODUCE, 0, 0 },
    { KG_KAFKA_API_FETCH, 0, 0 },
    { KG_KAFKA_API_LIST_OFFSETS, 0, 0 },
    { KG_KAFKA_API_METADATA, 0, 0 },
    { KG_KAFKA_API_OFFSET_COMMIT, 0, 1 },
    { KG_KAFKA_API_OFFSET_FETCH, 0, 1 },
    { KG_KAFKA_API_FIND_COORDINATOR, 0, 0 },
};

/* group membership */
static const kg_kafka_versions_range_t  kg_kafka_versions_0_9_0[] = {
    { KG_KAFKA_API_PRODUCE, 0, 1 },
    { KG_KAFKA_API_FETCH, 0, 1 },
    { KG_KAFKA_API_LIST_OFFSETS, 0, 0 },
    { KG_KAFKA_API_METADATA, 0, 0 },
    { KG_KAFKA_API_OFFSET_COMMIT, 0, 2 },
    { KG_KAFKA_API_OFFSET_FETCH, 0, 1 },
    { KG_KAFKA_API_FIND_COORDINATOR, 0, 0 },
    { KG_KAFKA_API_JOIN_GROUP, 0, 0 },
    { KG_KAFKA_API_HEARTBEAT, 0, 0 },
    { KG_KAFKA_API_LEAVE_GROUP, 0, 0 },
    { KG_KAFKA_API_SYNC_GROUP, 0, 0 },
    { KG_KAFKA_API_DESCRIBE_GROUPS, 0, 0 },
    { KG_KAFKA_API_LIST_GROUPS, 0, 0 },
};

/* message format v1, SASL handshake, ApiVersions */
static const kg_kafka_versions_range_t  kg_kafka_versions_0_10_0[] = {
    { KG_KAFKA_API_PRODUCE, 0, 2 },
    { KG_KAFKA_API_FETCH, 0, 2 },
    { KG_KAFKA_API_LIST_OFFSETS, 0, 0 },
    { KG_KAFKA_API_METADATA, 0, 1 },
    { KG_KAFKA_API_OFFSET_COMMIT, 0, 2 },
    { KG_KAFKA_API_OFFSET_FETCH, 0, 1 },
    { KG_KAFKA_API_FIND_COORDINATOR, 0, 0 },
    { KG_KAFKA_API_JOIN_GROUP, 0, 0 },
    { KG_KAFKA_API_HEARTBEAT, 0, 0 },
    { KG_KAFKA_API_LEAVE_GROUP, 0, 0 },
    { KG_KAFKA_API_SYNC_GROUP, 0, 0 },
    { KG_KAFKA_API_DESCRIBE_GROUPS, 0, 0 },
    { KG_KAFKA_API_LIST_GROUPS, 0, 0 },
    { KG_KAFKA_API_SASL_HANDSHAKE, 0, 0 },
};

/* CreateTopics and DeleteTopics */
static const kg_kafka_versions_range_t  kg_kafka_versions_0_10_1[] = {
    { KG_KAFKA_API_PRODUCE, 0, 2 },
    { KG_KAFKA_API_FETCH, 0, 3 },
    { KG_KAFKA_API_LIST_OFFSETS, 0, 1 },
    { KG_KAFKA_API_METADATA, 0, 2 },
    { KG_KAFKA_API_OFFSET_COMMIT, 0, 2 },
    { KG_KAFKA_API_OFFSET_FETCH, 0, 1 },
    { KG_KAFKA_API_FIND_COORDINATOR, 0, 0 },
    { KG_KAFKA_API_JOIN_GROUP, 0, 1 },
    { KG_KAFKA_API_HEARTBEAT, 0, 0 },
    { KG_KAFKA_API_LEAVE_GROUP, 0, 0 },
    { KG_KAFKA_API_SYNC_GROUP, 0, 0 },
    { KG_KAFKA_API_DESCRIBE_GROUPS, 0, 0 },
    { KG_KAFKA_API_LIST_GROUPS, 0, 0 },
    { KG_KAFKA_API_SASL_HANDSHAKE, 0, 0 },
    { KG_KAFKA_API_CREATE_TOPICS, 0, 0 },
    { KG_KAFKA_API_DELETE_TOPICS, 0, 0 },
};

static const kg_kafka_versions_range_t  kg_kafka_versions_0_10_2[] = {
    { KG_KAFKA_API_PRODUCE, 0, 2 },
    { KG_KAFKA_API_FETCH, 0, 3 },
    { KG_KAFKA_API_LIST_OFFSETS, 0, 1 },
    { KG_KAFKA_API_METADATA, 0, 2 },
    { KG_KAFKA_API_OFFSET_COMMIT, 0, 2 },
    { KG_KAFKA_API_OFFSET_FETCH, 0, 2 },
    { KG_KAFKA_API_FIND_COORDINATOR, 0, 0 },
    { KG_KAFKA_API_JOIN_GROUP, 0, 1 },
    { KG_KAFKA_API_HEARTBEAT, 0, 0 },
    { KG_KAFKA_API_LEAVE_GROUP, 0, 0 },
    { KG_KAFKA_API_SYNC_GROUP, 0, 0 },
    { KG_KAFKA_API_DESCRIBE_GROUPS, 0, 0 },
    { KG_KAFKA_API_LIST_GROUPS, 0, 0 },
    { KG_KAFKA_API_SASL_HANDSHAKE, 0, 0 },
    { KG_KAFKA_API_CREATE_TOPICS, 0, 1 },
    { KG_KAFKA_API_DELETE_TOPICS, 0, 0 },
};

/* message format v2, transactions, ACLs and configs */
static const kg_kafka_versions_range_t  kg_kafka_versions_0_11_0[] = {
    { KG_KAFKA_API_PRODUCE, 0, 3 },
    { KG_KAFKA_API_FETCH, 0, 5 },
    { KG_KAFKA_API_LIST_OFFSETS, 0, 2 },
    { KG_KAFKA_API_METADATA, 0, 4 },
    { KG_KAFKA_API_OFFSET_COMMIT, 0, 3 },
    { KG_KAFKA_API_OFFSET_FETCH, 0, 3 },
    { KG_KAFKA_API_FIND_COORDINATOR, 0, 1 },
    { KG_KAFKA_API_JOIN_GROUP, 0, 2 },
    { KG_KAFKA_API_HEARTBEAT, 0, 1 },
    { KG_KAFKA_API_LEAVE_GROUP, 0, 1 },
    { KG_KAFKA_API_SYNC_GROUP, 0, 1 },
    { KG_KAFKA_API_DESCRIBE_GROUPS, 0, 1 },
    { KG_KAFKA_API_LIST_GROUPS, 0, 1 },
    { KG_KAFKA_API_SASL_HANDSHAKE, 0, 0 },
    { KG_KAFKA_API_CREATE_TOPICS, 0, 2 },
    { KG_KAFKA_API_DELETE_TOPICS, 0, 1 },
    { KG_KAFKA_API_DELETE_RECORDS, 0, 0 },
    { KG_KAFKA_API_INIT_PRODUCER_ID, 0, 0 },
    { KG_KAFKA_API_OFFSET_FOR_LEADER_EPOCH, 0, 0 },
    { KG_KAFKA_API_ADD_PARTITIONS_TO_TXN, 0, 0 },
    { KG_KAFKA_API_ADD_OFFSETS_TO_TXN, 0, 0 },
    { KG_KAFKA_API_END_TXN, 0, 0 },
    { KG_KAFKA_API_TXN_OFFSET_COMMIT, 0, 0 },
    { KG_KAFKA_API_DESCRIBE_ACLS, 0, 0 },
    { KG_KAFKA_API_CREATE_ACLS, 0, 0 },
    { KG_KAFKA_API_DELETE_ACLS, 0, 0 },
    { KG_KAFKA_API_DESCRIBE_CONFIGS, 0, 0 },
    { KG_KAFKA_API_ALTER_CONFIGS, 0, 0 },
};


#define kg_kafka_versions_table(name, t)                                     \
    { kg_string(name), t, sizeof(t) / sizeof(kg_kafka_versions_range_t) }

static const kg_kafka_versions_fallback_t  kg_kafka_versions_fallbacks[] = {
    kg_kafka_versions_table("0.8.0", kg_kafka_versions_0_8_0),
    kg_kafka_versions_table("0.8.1", kg_kafka_versions_0_8_1),
    kg_kafka_versions_table("0.8.2", kg_kafka_versions_0_8_2),
    kg_kafka_versions_table("0.9.0", kg_kafka_versions_0_9_0),
    kg_kafka_versions_table("0.10.0", kg_kafka_versions_0_10_0),
    kg_kafka_versions_table("0.10.1", kg_kafka_versions_0_10_1),
    kg_kafka_versions_table("0.10.2", kg_kafka_versions_0_10_2),
    kg_kafka_versions_table("0.11.0", kg_kafka_versions_0_11_0),
    { kg_null_string, NULL, 0 }
};


kg_int_t
kg_kafka_versions_known(kg_uint_t api_key, int16_t *min, int16_t *max)
{
    kg_int_t               last;
    const kg_kafka_api_t  *api;

    api = kg_kafka_api(api_key);
    if (api == NULL) {
        return KG_DECLINED;
    }

    last = api->max_version;

    if (api->flags & KG_KAFKA_API_UNSTABLE) {
        last--;
    }

    if (last < api->min_version) {
        return KG_DECLINED;
    }

    *min = api->min_version;
    *max = (int16_t) last;

    return KG_OK;
}


/*
 * Produce v10+ (CurrentLeader, NodeEndpoints) and Fetch v11+
 * (PreferredReadReplica, then CurrentLeader and NodeEndpoints) carry
 * broker ids that kgate would have to map to its virtual ones, which
 * means buffering, decoding and re-encoding every response of the two
 * busiest apis.  Offering at most v9 and v10 keeps them streaming through
 * untouched; clients then learn leaders from Metadata (KIP-951's hints
 * are an optimisation) and fetch from leaders rather than followers
 * (KIP-392).  A client that sends a higher version anyway still gets
 * its responses rewritten.
 */

kg_int_t
kg_kafka_versions_offered(kg_uint_t api_key, int16_t *min, int16_t *max)
{
    if (kg_kafka_versions_known(api_key, min, max) != KG_OK) {
        return KG_DECLINED;
    }

    if (api_key == KG_KAFKA_API_PRODUCE && *max > 9) {
        *max = 9;

    } else if (api_key == KG_KAFKA_API_FETCH && *max > 10) {
        *max = 10;
    }

    return KG_OK;
}


kg_int_t
kg_kafka_versions_cap(kg_pool_t *pool, int16_t api_version, kg_str_t *body,
    kg_str_t *out)
{
    int16_t                                    min, max, error;
    kg_uint_t                                  i, n, version, changed;
    kg_kafka_api_versions_response_t           r;
    kg_kafka_api_versions_resp_api_version_t  *e;

    if (api_version < 0 || body->len < 2) {
        return KG_ERROR;
    }

    version = api_version;

    if (kg_kafka_versions_known(KG_KAFKA_API_API_VERSIONS, &min, &max)
        != KG_OK)
    {
        return KG_ERROR;
    }

    if (api_version > max
        || kg_kafka_versions_decode(pool, version, body, &r) != KG_OK)
    {
        /*
         * KIP-511: to a version above its own, a broker answers v0 with
         * UNSUPPORTED_VERSION, and clients retry with the range it lists
         */

        if (version != 0
            && kg_kafka_versions_decode(pool, 0, body, &r) == KG_OK
            && r.ErrorCode == KG_KAFKA_VERSIONS_UNSUPPORTED)
        {
            version = 0;
            goto cap;
        }

        /*
         * ErrorCode leads every version.  Brokers get error bodies
         * wrong: librdkafka's mock cluster answers a v3 request with a
         * raw one-byte count and no tagged fields, neither v0 nor v3.
         * A client only needs to retry lower, so kgate sends a clean v0
         * error body of its own.  It does the same to a version above
         * its own, whatever the broker said: the layout is unknown, and
         * the client has to use a lower version anyway.
         */

        error = (int16_t) ((body->data[0] << 8) | body->data[1]);

        if (version != 0 && (error != 0 || api_version > max)) {
            kg_log_debug2(KG_LOG_DEBUG_KAFKA, pool->log, 0,
                          "kafka versions: ApiVersions v%ui error %d "
                          "answered as v0", version, (int) error);

            if (error == 0) {
                error = KG_KAFKA_VERSIONS_UNSUPPORTED;
            }

            return kg_kafka_versions_unsupported(pool, version, error, out);
        }

        return KG_ERROR;
    }

cap:

    changed = 0;
    e = r.ApiKeys.elts;
    n = 0;

    for (i = 0; i < r.ApiKeys.nelts; i++) {

        if (e[i].ApiKey < 0
            || kg_kafka_versions_offered(e[i].ApiKey, &min, &max) != KG_OK)
        {
            kg_log_debug1(KG_LOG_DEBUG_KAFKA, pool->log, 0,
                          "kafka versions: api %d dropped", e[i].ApiKey);
            changed = 1;
            continue;
        }

        if (e[i].MinVersion < min) {
            e[i].MinVersion = min;
            changed = 1;
        }

        if (e[i].MaxVersion > max) {
            kg_log_debug3(KG_LOG_DEBUG_KAFKA, pool->log, 0,
                          "kafka versions: api %d capped from v%d to v%d",
                          e[i].ApiKey, e[i].MaxVersion, max);
            e[i].MaxVersion = max;
            changed = 1;
        }

        if (e[i].MinVersion > e[i].MaxVersion) {
            changed = 1;
            continue;
        }

        if (n != i) {
            e[n] = e[i];
        }

        n++;
    }

    if (!changed) {
        return KG_DECLINED;
    }

    r.ApiKeys.nelts = n;

    return kg_kafka_versions_encode(pool, version, &r, out);
}


kg_int_t
kg_kafka_versions_fallback_response(kg_pool_t *pool, kg_str_t *fallback,
    int16_t api_version, kg_str_t *out)
{
    int16_t                                    min, max;
    kg_uint_t                                  i, n, self, version;
    kg_kafka_api_versions_response_t           r;
    const kg_kafka_versions_range_t           *t;
    const kg_kafka_versions_fallback_t        *fb;
    kg_kafka_api_versions_resp_api_version_t  *e;

    fb = kg_kafka_versions_find(fallback);
    if (fb == NULL) {
        return KG_ERROR;
    }

    if (kg_kafka_versions_known(KG_KAFKA_API_API_VERSIONS, &min, &max)
        != KG_OK)
    {
        return KG_ERROR;
    }

    /* one more row: ApiVersions */

    e = kg_pcalloc(pool, (fb->napis + 1) * sizeof(*e));
    if (e == NULL) {
        return KG_ERROR;
    }

    kg_memzero(&r, sizeof(kg_kafka_api_versions_response_t));

    r.ApiKeys.elts = e;
    r.SupportedFeatures.elts = kg_kafka_empty;
    r.FinalizedFeatures.elts = kg_kafka_empty;
    r.FinalizedFeaturesEpoch = -1;

    if (api_version < 0 || api_version > max) {
        r.ErrorCode = KG_KAFKA_VERSIONS_UNSUPPORTED;
        r.ApiKeys.nelts = kg_kafka_versions_add(e, KG_KAFKA_API_API_VERSIONS,
                                                min, max);
        return kg_kafka_versions_encode(pool, 0, &r, out);
    }

    /* the rows stay sorted by key, ApiVersions in its place */

    version = api_version;
    self = 0;
    n = 0;

    for (i = 0; i < fb->napis; i++) {
        t = &fb->apis[i];

        if (!self && t->api_key > KG_KAFKA_API_API_VERSIONS) {
            n += kg_kafka_versions_add(&e[n], KG_KAFKA_API_API_VERSIONS,
                                       min, max);
            self = 1;
        }

        n += kg_kafka_versions_add(&e[n], t->api_key, t->min, t->max);
    }

    if (!self) {
        n += kg_kafka_versions_add(&e[n], KG_KAFKA_API_API_VERSIONS, min, max);
    }

    r.ApiKeys.nelts = n;

    return kg_kafka_versions_encode(pool, version, &r, out);
}


kg_int_t
kg_kafka_versions_parse_fallback(kg_str_t *value)
{
    return (kg_kafka_versions_find(value) != NULL) ? KG_OK : KG_ERROR;
}


static kg_int_t
kg_kafka_versions_decode(kg_pool_t *pool, kg_uint_t version, kg_str_t *body,
    kg_kafka_api_versions_response_t *r)
{
    const char            *err;
    const kg_kafka_api_t  *api;

    api = kg_kafka_api(KG_KAFKA_API_API_VERSIONS);

    if (kg_kafka_decode(pool, api->response, version,
                        kg_kafka_flexible(api, version), body->data,
                        body->len, r, &err)
        != KG_OK)
    {
        kg_log_debug2(KG_LOG_DEBUG_KAFKA, pool->log, 0,
                      "kafka versions: ApiVersions v%ui response: %s",
                      version, err);
        return KG_ERROR;
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_versions_encode(kg_pool_t *pool, kg_uint_t version,
    kg_kafka_api_versions_response_t *r, kg_str_t *out)
{
    size_t                 size;
    u_char                *p;
    kg_uint_t              flexible;
    const kg_kafka_api_t  *api;

    api = kg_kafka_api(KG_KAFKA_API_API_VERSIONS);
    flexible = kg_kafka_flexible(api, version);

    size = kg_kafka_encoded_size(api->response, version, flexible, r);
    if (size == KG_KAFKA_SIZE_ERROR) {
        return KG_ERROR;
    }

    p = kg_pnalloc(pool, size ? size : 1);
    if (p == NULL) {
        return KG_ERROR;
    }

    out->data = p;
    out->len = kg_kafka_encode(p, api->response, version, flexible, r) - p;

    return KG_OK;
}


/*
 * The v0 error body of KIP-511 for a request of version: ApiVersions is
 * listed below that version, so that a client retrying with the highest
 * one listed always goes down, and ends at v0, which every broker reads.
 */

static kg_int_t
kg_kafka_versions_unsupported(kg_pool_t *pool, kg_uint_t version,
    int16_t error, kg_str_t *out)
{
    kg_kafka_api_versions_response_t           r;
    kg_kafka_api_versions_resp_api_version_t  *e;

    e = kg_pcalloc(pool, sizeof(kg_kafka_api_versions_resp_api_version_t));
    if (e == NULL) {
        return KG_ERROR;
    }

    kg_memzero(&r, sizeof(kg_kafka_api_versions_response_t));

    r.ErrorCode = error;
    r.ApiKeys.elts = e;
    r.ApiKeys.nelts = kg_kafka_versions_add(e, KG_KAFKA_API_API_VERSIONS, 0,
                                            (int16_t) (version - 1));
    r.SupportedFeatures.elts = kg_kafka_empty;
    r.FinalizedFeatures.elts = kg_kafka_empty;
    r.FinalizedFeaturesEpoch = -1;

    return kg_kafka_versions_encode(pool, 0, &r, out);
}


/* one row narrowed to what kgate knows; 0 if nothing is left */

static kg_uint_t
kg_kafka_versions_add(kg_kafka_api_versions_resp_api_version_t *e,
    kg_uint_t api_key, int16_t min, int16_t max)
{
    int16_t  kmin, kmax;

    if (kg_kafka_versions_known(api_key, &kmin, &kmax) != KG_OK) {
        return 0;
    }

    e->ApiKey = (int16_t) api_key;
    e->MinVersion = (int16_t) kg_max(min, kmin);
    e->MaxVersion = (int16_t) kg_min(max, kmax);

    return (e->MinVersion <= e->MaxVersion) ? 1 : 0;
}


static const kg_kafka_versions_fallback_t *
kg_kafka_versions_find(kg_str_t *value)
{
    u_char                              *p, *last;
    size_t                               n;
    const kg_kafka_versions_fallback_t  *fb;

    if (value == NULL || value->data == NULL) {
        return NULL;
    }

    last = value->data + value->len;

    for (fb = kg_kafka_versions_fallbacks; fb->name.len; fb++) {
        n = fb->name.len;

        if (value->len < n || kg_strncmp(value->data, fb->name.data, n) != 0)
        {
            continue;
        }

        if (value->len == n) {
            return fb;
        }

        /* a patch level of the same release: "0.9.0.1" */

        p = value->data + n;

        if (*p++ != '.' || p == last) {
            continue;
        }

        while (p < last && *p >= '0' && *p <= '9') {
            p++;
        }

        if (p == last) {
            return fb;
        }
    }

    return NULL;
}
