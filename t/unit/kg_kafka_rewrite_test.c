/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_rewrite.h>
#include <kg_kafka_versions.h>

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "kg_kafka_proto_vectors.c"


#define KG_TEST_ADVERTISE   "gw.kgate.test"
#define KG_TEST_BASE_PORT   19092
#define KG_TEST_NOPORT      7          /* a node kgate has no port for */
#define KG_TEST_MAX_SEEN    64


#define kg_test_max(key)    ((kg_uint_t) kg_kafka_api(key)->max_version)


typedef struct {
    int32_t                  node_id;
    int32_t                  port;
    u_char                   host[64];
    size_t                   host_len;
} kg_test_seen_t;


typedef struct {
    kg_pool_t               *pool;
    kg_kafka_addr_map_t      map;
    kg_test_seen_t           seen[KG_TEST_MAX_SEEN];
    kg_uint_t                nseen;
} kg_test_ctx_t;


static kg_log_t  kg_test_log;

static int32_t   kg_test_replicas[] = { 1, 2, 3 };

static kg_str_t  kg_test_hosts[] = {
    kg_string("broker-1.kafka.internal"),
    kg_string("broker-2.kafka.internal"),
    kg_string("broker-3.kafka.internal"),
    kg_string("broker-7.kafka.internal"),
};

static int32_t   kg_test_ids[] = { 1, 2, 3, KG_TEST_NOPORT };


static kg_int_t
kg_test_node_port(void *data, int32_t node_id)
{
    return (node_id == KG_TEST_NOPORT) ? -1 : KG_TEST_BASE_PORT + node_id;
}


static void
kg_test_learn(void *data, int32_t node_id, kg_str_t *host, int32_t port)
{
    kg_test_seen_t  *s;
    kg_test_ctx_t   *ctx = data;

    assert_true(ctx->nseen < KG_TEST_MAX_SEEN);
    assert_true(host->len < sizeof(s->host));

    s = &ctx->seen[ctx->nseen++];
    s->node_id = node_id;
    s->port = port;
    s->host_len = host->len;
    kg_memcpy(s->host, host->data, host->len);
}


static int
kg_test_setup(void **state)
{
    kg_test_ctx_t  *ctx;

    ctx = calloc(1, sizeof(kg_test_ctx_t));
    if (ctx == NULL) {
        return -1;
    }

    ctx->pool = kg_create_pool(16384, &kg_test_log);
    if (ctx->pool == NULL) {
        return -1;
    }

    kg_str_set(&ctx->map.host, KG_TEST_ADVERTISE);
    ctx->map.node_port = kg_test_node_port;
    ctx->map.learn = kg_test_learn;
    ctx->map.data = ctx;

    *state = ctx;

    return 0;
}


static int
kg_test_teardown(void **state)
{
    kg_test_ctx_t  *ctx = *state;

    kg_destroy_pool(ctx->pool);
    free(ctx);

    return 0;
}


static void
kg_test_encode(kg_pool_t *pool, kg_uint_t key, kg_uint_t v, void *msg,
    kg_str_t *out)
{
    size_t                 size;
    kg_uint_t              flex;
    const kg_kafka_api_t  *api;

    api = kg_kafka_api(key);
    flex = kg_kafka_flexible(api, v);

    size = kg_kafka_encoded_size(api->response, v, flex, msg);
    assert_true(size != KG_KAFKA_SIZE_ERROR);

    out->data = kg_pnalloc(pool, size + 1);
    assert_non_null(out->data);

    out->len = kg_kafka_encode(out->data, api->response, v, flex, msg)
               - out->data;
    assert_int_equal(out->len, size);
}


/* the rewritten body is exactly the expected struct, re-encoded */

static void
kg_test_expect(kg_test_ctx_t *ctx, kg_uint_t key, kg_uint_t v, void *msg,
    kg_str_t *out)
{
    kg_str_t  want;

    kg_test_encode(ctx->pool, key, v, msg, &want);

    assert_int_equal(out->len, want.len);
    assert_memory_equal(out->data, want.data, want.len);
}


static void
kg_test_learned(kg_test_ctx_t *ctx, int32_t node_id, kg_str_t *host,
    int32_t port)
{
    kg_uint_t        i;
    kg_test_seen_t  *s;

    for (i = 0; i < ctx->nseen; i++) {
        s = &ctx->seen[i];

        if (s->node_id == node_id && s->port == port
            && s->host_len == host->len
            && kg_memcmp(s->host, host->data, host->len) == 0)
        {
            return;
        }
    }

    fail_msg("node %d %.*s:%d not learned", (int) node_id, (int) host->len,
             host->data, (int) port);
}


static void
kg_test_unhex(kg_pool_t *pool, const char *hex, kg_str_t *out)
{
    size_t  i, n;
    u_char  c, v;

    n = strlen(hex) / 2;

    out->data = kg_pnalloc(pool, n + 1);
    assert_non_null(out->data);
    out->len = n;

    for (i = 0; i < 2 * n; i++) {
        c = (u_char) hex[i];
        v = (c >= 'a') ? c - 'a' + 10 : c - '0';
        out->data[i / 2] = (i & 1) ? (u_char) (out->data[i / 2] | v)
                                   : (u_char) (v << 4);
    }
}


static int32_t
kg_test_port(int32_t node_id)
{
    return (node_id == KG_TEST_NOPORT) ? 0 : KG_TEST_BASE_PORT + node_id;
}


static kg_kafka_metadata_response_t *
kg_test_metadata(kg_pool_t *pool)
{
    kg_uint_t                            i;
    kg_kafka_metadata_response_t        *m;
    kg_kafka_metadata_resp_topic_t      *t;
    kg_kafka_metadata_resp_broker_t     *b;
    kg_kafka_metadata_resp_partition_t  *p;

    m = kg_pcalloc(pool, sizeof(kg_kafka_metadata_response_t));
    b = kg_pcalloc(pool, 4 * sizeof(kg_kafka_metadata_resp_broker_t));
    t = kg_pcalloc(pool, sizeof(kg_kafka_metadata_resp_topic_t));
    p = kg_pcalloc(pool, sizeof(kg_kafka_metadata_resp_partition_t));
    assert_non_null(m);
    assert_non_null(b);
    assert_non_null(t);
    assert_non_null(p);

    for (i = 0; i < 4; i++) {
        b[i].NodeId = kg_test_ids[i];
        b[i].Host = kg_test_hosts[i];
        b[i].Port = 9092;
        kg_str_set(&b[i].Rack, "rack-a");
    }

    m->ThrottleTimeMs = 0;
    m->Brokers.elts = b;
    m->Brokers.nelts = 4;
    kg_str_set(&m->ClusterId, "kafka-cluster-1");
    m->ControllerId = 1;
    m->Topics.elts = t;
    m->Topics.nelts = 1;
    m->ClusterAuthorizedOperations = INT32_MIN;

    kg_str_set(&t->Name, "orders");
    kg_memset(t->TopicId.data, 0x5a, 16);
    t->Partitions.elts = p;
    t->Partitions.nelts = 1;
    t->TopicAuthorizedOperations = INT32_MIN;

    p->PartitionIndex = 0;
    p->LeaderId = 2;
    p->LeaderEpoch = 4;
    p->ReplicaNodes.elts = kg_test_replicas;
    p->ReplicaNodes.nelts = 3;
    p->IsrNodes.elts = kg_test_replicas;
    p->IsrNodes.nelts = 3;
    p->OfflineReplicas.elts = kg_kafka_empty;

    return m;
}


static void
test_kafka_rewrite_metadata_every_version(void **state)
{
    kg_str_t                          body, out;
    kg_uint_t                         v, i;
    kg_test_ctx_t                    *ctx = *state;
    kg_kafka_metadata_response_t     *m;
    kg_kafka_metadata_resp_broker_t  *b;

    for (v = 0; v <= kg_test_max(KG_KAFKA_API_METADATA); v++) {
        assert_true(kg_kafka_rewrite_needed(KG_KAFKA_API_METADATA, v));

        ctx->nseen = 0;
        m = kg_test_metadata(ctx->pool);
        kg_test_encode(ctx->pool, KG_KAFKA_API_METADATA, v, m, &body);

        assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                                   KG_KAFKA_API_METADATA, v,
                                                   &body, &out),
                         KG_OK);

        /* every real broker learned, the one without a port too */

        assert_int_equal(ctx->nseen, 4);

        b = m->Brokers.elts;

        for (i = 0; i < 4; i++) {
            kg_test_learned(ctx, b[i].NodeId, &b[i].Host, 9092);

            kg_str_set(&b[i].Host, KG_TEST_ADVERTISE);
            b[i].Port = kg_test_port(b[i].NodeId);
        }

        kg_test_expect(ctx, KG_KAFKA_API_METADATA, v, m, &out);
    }
}


static void
test_kafka_rewrite_find_coordinator_every_version(void **state)
{
    kg_str_t                                       body, out;
    kg_uint_t                                      v;
    kg_test_ctx_t                                 *ctx = *state;
    kg_kafka_find_coordinator_response_t          *r;
    kg_kafka_find_coordinator_resp_coordinator_t  *c;

    for (v = 0; v <= kg_test_max(KG_KAFKA_API_FIND_COORDINATOR); v++) {
        assert_true(kg_kafka_rewrite_needed(KG_KAFKA_API_FIND_COORDINATOR,
                                            v));

        ctx->nseen = 0;

        r = kg_pcalloc(ctx->pool, sizeof(*r));
        c = kg_pcalloc(ctx->pool, 3 * sizeof(*c));
        assert_non_null(r);
        assert_non_null(c);

        r->ThrottleTimeMs = 10;
        r->NodeId = 2;
        r->Host = kg_test_hosts[1];
        r->Port = 9092;

        /* found; not available; an error that still names a host */

        kg_str_set(&c[0].Key, "group-a");
        c[0].NodeId = 2;
        c[0].Host = kg_test_hosts[1];
        c[0].Port = 9092;

        kg_str_set(&c[1].Key, "group-b");
        c[1].NodeId = -1;
        kg_str_set(&c[1].Host, "");
        c[1].Port = -1;
        c[1].ErrorCode = 15;
        kg_str_set(&c[1].ErrorMessage, "coordinator not available");

        kg_str_set(&c[2].Key, "group-c");
        c[2].NodeId = 3;
        c[2].Host = kg_test_hosts[2];
        c[2].Port = 9092;
        c[2].ErrorCode = 16;

        r->Coordinators.elts = c;
        r->Coordinators.nelts = 3;

        kg_test_encode(ctx->pool, KG_KAFKA_API_FIND_COORDINATOR, v, r, &body);

        assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                                KG_KAFKA_API_FIND_COORDINATOR,
                                                v, &body, &out),
                         KG_OK);

        assert_int_equal(ctx->nseen, 1);
        kg_test_learned(ctx, 2, &kg_test_hosts[1], 9092);

        kg_str_set(&r->Host, KG_TEST_ADVERTISE);
        r->Port = KG_TEST_BASE_PORT + 2;

        kg_str_set(&c[0].Host, KG_TEST_ADVERTISE);
        c[0].Port = KG_TEST_BASE_PORT + 2;

        kg_str_set(&c[2].Host, KG_TEST_ADVERTISE);
        c[2].Port = 0;

        kg_test_expect(ctx, KG_KAFKA_API_FIND_COORDINATOR, v, r, &out);

        /* an error answer has no address: nothing to rewrite */

        if (v <= 3) {
            r->ErrorCode = 15;
            r->NodeId = -1;
            kg_str_set(&r->Host, "");
            r->Port = -1;

            kg_test_encode(ctx->pool, KG_KAFKA_API_FIND_COORDINATOR, v, r,
                           &body);

            assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                                KG_KAFKA_API_FIND_COORDINATOR,
                                                v, &body, &out),
                             KG_DECLINED);
        }
    }
}


static void
test_kafka_rewrite_describe_cluster_every_version(void **state)
{
    kg_str_t                                  body, out;
    kg_uint_t                                 v, i, type;
    kg_test_ctx_t                            *ctx = *state;
    kg_kafka_describe_cluster_response_t     *r;
    kg_kafka_describe_cluster_resp_broker_t  *b;

    for (v = 0; v <= kg_test_max(KG_KAFKA_API_DESCRIBE_CLUSTER); v++) {
        for (type = 1; type <= 2; type++) {
            if (v == 0 && type == 2) {
                continue;
            }

            ctx->nseen = 0;

            r = kg_pcalloc(ctx->pool, sizeof(*r));
            b = kg_pcalloc(ctx->pool, 3 * sizeof(*b));
            assert_non_null(r);
            assert_non_null(b);

            r->EndpointType = (int8_t) type;
            kg_str_set(&r->ClusterId, "kafka-cluster-1");
            r->ControllerId = 1;
            r->ClusterAuthorizedOperations = INT32_MIN;
            r->Brokers.elts = b;
            r->Brokers.nelts = 3;

            for (i = 0; i < 3; i++) {
                b[i].BrokerId = kg_test_ids[i];
                b[i].Host = kg_test_hosts[i];
                b[i].Port = 9093;
            }

            kg_test_encode(ctx->pool, KG_KAFKA_API_DESCRIBE_CLUSTER, v, r,
                           &body);

            assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                                KG_KAFKA_API_DESCRIBE_CLUSTER,
                                                v, &body, &out),
                             KG_OK);

            /* controllers (KIP-919) are hidden but are not brokers */

            assert_int_equal(ctx->nseen, (type == 1) ? 3 : 0);

            for (i = 0; i < 3; i++) {
                if (type == 1) {
                    kg_test_learned(ctx, b[i].BrokerId, &b[i].Host, 9093);
                }

                kg_str_set(&b[i].Host, KG_TEST_ADVERTISE);
                b[i].Port = kg_test_port(b[i].BrokerId);
            }

            kg_test_expect(ctx, KG_KAFKA_API_DESCRIBE_CLUSTER, v, r, &out);
        }
    }
}


/*
 * KIP-951: a NOT_LEADER_OR_FOLLOWER Produce or Fetch answer names the new
 * leader and its address.  Below the versions that carry it the responses
 * must stream: not even decoded, so a body that is not one still passes.
 */

static void
test_kafka_rewrite_produce_every_version(void **state)
{
    kg_str_t                                       body, out, junk;
    kg_uint_t                                      v;
    kg_test_ctx_t                                 *ctx = *state;
    kg_kafka_produce_response_t                   *r;
    kg_kafka_produce_resp_topic_produce_t         *t;
    kg_kafka_produce_resp_node_endpoint_t         *e;
    kg_kafka_produce_resp_partition_produce_t     *p;
    kg_kafka_produce_resp_leader_id_and_epoch_t   *l;

    kg_str_set(&junk, "\xff\xff\xff");

    for (v = 0; v <= kg_test_max(KG_KAFKA_API_PRODUCE); v++) {

        if (v < 10) {
            assert_false(kg_kafka_rewrite_needed(KG_KAFKA_API_PRODUCE, v));
            assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                                       KG_KAFKA_API_PRODUCE,
                                                       v, &junk, &out),
                             KG_DECLINED);
            continue;
        }

        assert_true(kg_kafka_rewrite_needed(KG_KAFKA_API_PRODUCE, v));

        ctx->nseen = 0;

        r = kg_pcalloc(ctx->pool, sizeof(*r));
        t = kg_pcalloc(ctx->pool, sizeof(*t));
        p = kg_pcalloc(ctx->pool, sizeof(*p));
        l = kg_pcalloc(ctx->pool, sizeof(*l));
        e = kg_pcalloc(ctx->pool, 2 * sizeof(*e));
        assert_non_null(r);
        assert_non_null(t);
        assert_non_null(p);
        assert_non_null(l);
        assert_non_null(e);

        kg_str_set(&t->Name, "orders");
        t->PartitionResponses.elts = p;
        t->PartitionResponses.nelts = 1;

        p->Index = 1;
        p->ErrorCode = 6;                 /* NOT_LEADER_OR_FOLLOWER */
        p->BaseOffset = -1;
        p->LogAppendTimeMs = -1;
        p->LogStartOffset = -1;
        p->RecordErrors.elts = kg_kafka_empty;
        p->CurrentLeader = l;
        KG_KAFKA_TAG_SET(&p->tagged, 0);

        l->LeaderId = 3;
        l->LeaderEpoch = 12;

        r->Responses.elts = t;
        r->Responses.nelts = 1;
        r->ThrottleTimeMs = 0;

        /* no NodeEndpoints: nothing to rewrite */

        kg_test_encode(ctx->pool, KG_KAFKA_API_PRODUCE, v, r, &body);

        assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                                   KG_KAFKA_API_PRODUCE, v,
                                                   &body, &out),
                         KG_DECLINED);

        e[0].NodeId = 3;
        e[0].Host = kg_test_hosts[2];
        e[0].Port = 9092;
        kg_str_set(&e[0].Rack, "rack-c");
        e[1].NodeId = KG_TEST_NOPORT;
        e[1].Host = kg_test_hosts[3];
        e[1].Port = 9092;

        r->NodeEndpoints.elts = e;
        r->NodeEndpoints.nelts = 2;
        KG_KAFKA_TAG_SET(&r->tagged, 0);

        kg_test_encode(ctx->pool, KG_KAFKA_API_PRODUCE, v, r, &body);

        assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                                   KG_KAFKA_API_PRODUCE, v,
                                                   &body, &out),
                         KG_OK);

        assert_int_equal(ctx->nseen, 2);
        kg_test_learned(ctx, 3, &kg_test_hosts[2], 9092);
        kg_test_learned(ctx, KG_TEST_NOPORT, &kg_test_hosts[3], 9092);

        kg_str_set(&e[0].Host, KG_TEST_ADVERTISE);
        e[0].Port = KG_TEST_BASE_PORT + 3;
        kg_str_set(&e[1].Host, KG_TEST_ADVERTISE);
        e[1].Port = 0;

        kg_test_expect(ctx, KG_KAFKA_API_PRODUCE, v, r, &out);
    }
}


static void
test_kafka_rewrite_fetch_every_version(void **state)
{
    kg_str_t                                    body, out, junk;
    kg_uint_t                                   v;
    kg_test_ctx_t                              *ctx = *state;
    kg_kafka_fetch_response_t                  *r;
    kg_kafka_fetch_resp_able_topic_t           *t;
    kg_kafka_fetch_resp_node_endpoint_t        *e;
    kg_kafka_fetch_resp_partition_data_t       *p;
    kg_kafka_fetch_resp_leader_id_and_epoch_t  *l;

    kg_str_set(&junk, "\xff\xff\xff");

    for (v = 0; v <= kg_test_max(KG_KAFKA_API_FETCH); v++) {

        if (v < 16) {
            assert_false(kg_kafka_rewrite_needed(KG_KAFKA_API_FETCH, v));
            assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                                       KG_KAFKA_API_FETCH, v,
                                                       &junk, &out),
                             KG_DECLINED);
            continue;
        }

        assert_true(kg_kafka_rewrite_needed(KG_KAFKA_API_FETCH, v));

        ctx->nseen = 0;

        r = kg_pcalloc(ctx->pool, sizeof(*r));
        t = kg_pcalloc(ctx->pool, sizeof(*t));
        p = kg_pcalloc(ctx->pool, 2 * sizeof(*p));
        l = kg_pcalloc(ctx->pool, sizeof(*l));
        e = kg_pcalloc(ctx->pool, sizeof(*e));
        assert_non_null(r);
        assert_non_null(t);
        assert_non_null(p);
        assert_non_null(l);
        assert_non_null(e);

        kg_memset(t->TopicId.data, 0x42, 16);
        t->Partitions.elts = p;
        t->Partitions.nelts = 2;

        /* one partition with records, one whose leader moved */

        p[0].PartitionIndex = 0;
        p[0].HighWatermark = 100;
        p[0].LastStableOffset = 100;
        p[0].PreferredReadReplica = -1;
        kg_str_set(&p[0].Records, "\x00\x00\x00\x00\x00\x00\x00\x2a"
                                  "\x00\x00\x00\x10records!");

        p[1].PartitionIndex = 1;
        p[1].ErrorCode = 6;
        p[1].HighWatermark = -1;
        p[1].LastStableOffset = -1;
        p[1].LogStartOffset = -1;
        p[1].PreferredReadReplica = -1;
        p[1].CurrentLeader = l;
        KG_KAFKA_TAG_SET(&p[1].tagged, 1);

        l->LeaderId = 1;
        l->LeaderEpoch = 7;

        e->NodeId = 1;
        e->Host = kg_test_hosts[0];
        e->Port = 9092;

        r->SessionId = 77;
        r->Responses.elts = t;
        r->Responses.nelts = 1;
        r->NodeEndpoints.elts = e;
        r->NodeEndpoints.nelts = 1;
        KG_KAFKA_TAG_SET(&r->tagged, 0);

        kg_test_encode(ctx->pool, KG_KAFKA_API_FETCH, v, r, &body);

        assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                                   KG_KAFKA_API_FETCH, v,
                                                   &body, &out),
                         KG_OK);

        assert_int_equal(ctx->nseen, 1);
        kg_test_learned(ctx, 1, &kg_test_hosts[0], 9092);

        kg_str_set(&e->Host, KG_TEST_ADVERTISE);
        e->Port = KG_TEST_BASE_PORT + 1;

        kg_test_expect(ctx, KG_KAFKA_API_FETCH, v, r, &out);
    }
}


/* controller listeners: hidden, never learned as brokers */

static void
test_kafka_rewrite_describe_quorum_listeners(void **state)
{
    kg_str_t                                   body, out;
    kg_uint_t                                  v;
    kg_test_ctx_t                             *ctx = *state;
    kg_kafka_describe_quorum_response_t       *r;
    kg_kafka_describe_quorum_resp_node_t      *n;
    kg_kafka_describe_quorum_resp_listener_t  *l;

    for (v = 0; v <= kg_test_max(KG_KAFKA_API_DESCRIBE_QUORUM); v++) {
        assert_int_equal(kg_kafka_rewrite_needed(KG_KAFKA_API_DESCRIBE_QUORUM,
                                                 v),
                         v >= 2);

        ctx->nseen = 0;

        r = kg_pcalloc(ctx->pool, sizeof(*r));
        n = kg_pcalloc(ctx->pool, sizeof(*n));
        l = kg_pcalloc(ctx->pool, 2 * sizeof(*l));
        assert_non_null(r);
        assert_non_null(n);
        assert_non_null(l);

        n->NodeId = 3;
        n->Listeners.elts = l;
        n->Listeners.nelts = 2;

        kg_str_set(&l[0].Name, "CONTROLLER");
        kg_str_set(&l[0].Host, "controller-3.kafka.internal");
        l[0].Port = 9093;
        kg_str_set(&l[1].Name, "CONTROLLER_TLS");
        kg_str_set(&l[1].Host, "controller-3.kafka.internal");
        l[1].Port = 9094;

        r->Nodes.elts = n;
        r->Nodes.nelts = 1;

        kg_test_encode(ctx->pool, KG_KAFKA_API_DESCRIBE_QUORUM, v, r, &body);

        assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                                KG_KAFKA_API_DESCRIBE_QUORUM,
                                                v, &body, &out),
                         (v >= 2) ? KG_OK : KG_DECLINED);

        assert_int_equal(ctx->nseen, 0);

        if (v < 2) {
            continue;
        }

        kg_str_set(&l[0].Host, KG_TEST_ADVERTISE);
        l[0].Port = KG_TEST_BASE_PORT + 3;
        kg_str_set(&l[1].Host, KG_TEST_ADVERTISE);
        l[1].Port = KG_TEST_BASE_PORT + 3;

        kg_test_expect(ctx, KG_KAFKA_API_DESCRIBE_QUORUM, v, r, &out);
    }
}


/*
 * The apis found from the schemas: a changed schema that adds an address
 * somewhere fails here, so that the list in kg_kafka_rewrite.h is kept.
 */

static kg_uint_t
kg_test_expected_needed(kg_uint_t key, kg_uint_t v)
{
    switch (key) {

    case KG_KAFKA_API_API_VERSIONS:
    case KG_KAFKA_API_METADATA:
    case KG_KAFKA_API_FIND_COORDINATOR:
    case KG_KAFKA_API_DESCRIBE_CLUSTER:
    case KG_KAFKA_API_SHARE_FETCH:
    case KG_KAFKA_API_SHARE_ACKNOWLEDGE:
    case KG_KAFKA_API_UPDATE_RAFT_VOTER:
        return 1;

    case KG_KAFKA_API_PRODUCE:
        return v >= 10;

    case KG_KAFKA_API_FETCH:
        return v >= 16;

    case KG_KAFKA_API_DESCRIBE_QUORUM:
        return v >= 2;

    case KG_KAFKA_API_VOTE:
    case KG_KAFKA_API_BEGIN_QUORUM_EPOCH:
    case KG_KAFKA_API_END_QUORUM_EPOCH:
    case KG_KAFKA_API_FETCH_SNAPSHOT:
        return v >= 1;

    default:
        return 0;
    }
}


static void
test_kafka_rewrite_needed_matches_schemas(void **state)
{
    kg_uint_t              key, v;
    const kg_kafka_api_t  *api;

    for (key = 0; key < KG_KAFKA_API_MAX; key++) {
        api = kg_kafka_api(key);
        if (api == NULL) {
            assert_false(kg_kafka_rewrite_needed((int16_t) key, 0));
            continue;
        }

        for (v = api->min_version; v <= (kg_uint_t) api->max_version; v++) {
            if (kg_kafka_rewrite_needed((int16_t) key, (int16_t) v)
                != kg_test_expected_needed(key, v))
            {
                fail_msg("%s v%u: rewrite_needed is wrong", api->name,
                         (unsigned) v);
            }
        }

        /* above what kgate knows: fail closed where addresses may be */

        assert_int_equal(kg_kafka_rewrite_needed((int16_t) key,
                                                 api->max_version + 1),
                         kg_test_expected_needed(key, api->max_version));
    }

    assert_false(kg_kafka_rewrite_needed(-1, 0));
    assert_false(kg_kafka_rewrite_needed(KG_KAFKA_API_METADATA, -1));
    assert_false(kg_kafka_rewrite_needed(KG_KAFKA_API_MAX, 0));
}


/*
 * ApiVersions caps Produce at v9 and Fetch at v10: at those versions and
 * below their responses carry neither an address nor a broker id, so the
 * proxy streams them; above, a client that ignored the cap still gets
 * rewritten node ids.
 */

static void
test_kafka_rewrite_needed_streams_produce_and_fetch(void **state)
{
    int16_t  v;

    for (v = 0; v <= 9; v++) {
        assert_false(kg_kafka_rewrite_needed(KG_KAFKA_API_PRODUCE, v));
        assert_false(kg_kafka_rewrite_ids_needed(KG_KAFKA_API_PRODUCE, v));
    }

    for (v = 0; v <= 10; v++) {
        assert_false(kg_kafka_rewrite_needed(KG_KAFKA_API_FETCH, v));
        assert_false(kg_kafka_rewrite_ids_needed(KG_KAFKA_API_FETCH, v));
    }

    assert_true(kg_kafka_rewrite_needed(KG_KAFKA_API_PRODUCE, 10));
    assert_true(kg_kafka_rewrite_ids_needed(KG_KAFKA_API_FETCH, 11));
}


/*
 * Every generated response vector: the rewriter never fails on a valid
 * body, its output decodes, and rewriting it again is a no-op that
 * learns nothing but kgate's own address.
 */

static void
test_kafka_rewrite_vectors_every_response(void **state)
{
    kg_str_t                         body, out, again;
    kg_int_t                         rc;
    kg_uint_t                        i, n, j, flex;
    kg_test_ctx_t                   *ctx = *state;
    const kg_kafka_api_t            *api;
    const kg_kafka_proto_vector_t   *t;

    n = 0;

    for (i = 0; i < sizeof(kg_kafka_proto_vectors)
                    / sizeof(kg_kafka_proto_vector_t); i++)
    {
        t = &kg_kafka_proto_vectors[i];

        if (!t->response || t->api_key == KG_KAFKA_API_API_VERSIONS) {
            continue;
        }

        api = kg_kafka_api(t->api_key);
        flex = kg_kafka_flexible(api, t->version);

        kg_test_unhex(ctx->pool, t->hex, &body);

        ctx->nseen = 0;

        rc = kg_kafka_rewrite_response(ctx->pool, &ctx->map, t->api_key,
                                       t->version, &body, &out);

        if (!kg_kafka_rewrite_needed(t->api_key, t->version)) {
            assert_int_equal(rc, KG_DECLINED);
            continue;
        }

        if (rc == KG_DECLINED) {
            continue;
        }

        assert_int_equal(rc, KG_OK);
        n++;

        assert_int_equal(kg_kafka_decode(ctx->pool, api->response, t->version,
                                         flex, out.data, out.len,
                                         kg_pcalloc(ctx->pool,
                                                    api->response->size),
                                         NULL),
                         KG_OK);

        ctx->nseen = 0;

        rc = kg_kafka_rewrite_response(ctx->pool, &ctx->map, t->api_key,
                                       t->version, &out, &again);
        assert_int_equal(rc, KG_OK);
        assert_int_equal(again.len, out.len);
        assert_memory_equal(again.data, out.data, out.len);

        for (j = 0; j < ctx->nseen; j++) {
            assert_int_equal(ctx->seen[j].host_len,
                             sizeof(KG_TEST_ADVERTISE) - 1);
            assert_memory_equal(ctx->seen[j].host, KG_TEST_ADVERTISE,
                                sizeof(KG_TEST_ADVERTISE) - 1);
        }
    }

    /* the vectors do carry addresses: the loop above did rewrite */

    assert_true(n > 20);
}


static void
test_kafka_rewrite_bad_body_error(void **state)
{
    kg_str_t                       body, cut, out;
    kg_uint_t                      v;
    kg_test_ctx_t                 *ctx = *state;
    kg_kafka_metadata_response_t  *m;

    m = kg_test_metadata(ctx->pool);
    kg_test_encode(ctx->pool, KG_KAFKA_API_METADATA, 9, m, &body);

    /* every truncation fails cleanly, never a partial rewrite */

    for (cut.len = 0; cut.len < body.len; cut.len++) {
        cut.data = body.data;
        assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                                   KG_KAFKA_API_METADATA, 9,
                                                   &cut, &out),
                         KG_ERROR);
    }

    /* a trailing byte */

    cut.data = kg_pnalloc(ctx->pool, body.len + 1);
    assert_non_null(cut.data);
    kg_memcpy(cut.data, body.data, body.len);
    cut.data[body.len] = 0;
    cut.len = body.len + 1;

    assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                               KG_KAFKA_API_METADATA, 9,
                                               &cut, &out),
                     KG_ERROR);

    /* the wrong version's layout */

    assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                               KG_KAFKA_API_METADATA, 8,
                                               &body, &out),
                     KG_ERROR);

    /* a version kgate does not know is not guessed at */

    v = kg_test_max(KG_KAFKA_API_METADATA) + 1;

    assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                               KG_KAFKA_API_METADATA,
                                               (int16_t) v, &body, &out),
                     KG_ERROR);
}


/* without callbacks every node is one kgate has no port for */

static void
test_kafka_rewrite_without_callbacks(void **state)
{
    kg_str_t                          body, out;
    kg_uint_t                         i;
    kg_test_ctx_t                    *ctx = *state;
    kg_kafka_addr_map_t               map;
    kg_kafka_metadata_response_t     *m;
    kg_kafka_metadata_resp_broker_t  *b;

    kg_memzero(&map, sizeof(kg_kafka_addr_map_t));
    kg_str_set(&map.host, "other.kgate.test");

    m = kg_test_metadata(ctx->pool);
    kg_test_encode(ctx->pool, KG_KAFKA_API_METADATA, 1, m, &body);

    assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &map,
                                               KG_KAFKA_API_METADATA, 1,
                                               &body, &out),
                     KG_OK);

    b = m->Brokers.elts;

    for (i = 0; i < m->Brokers.nelts; i++) {
        kg_str_set(&b[i].Host, "other.kgate.test");
        b[i].Port = 0;
    }

    kg_test_expect(ctx, KG_KAFKA_API_METADATA, 1, m, &out);
}


/*
 * A Metadata v0 response body from a Kafka 0.9.0.1 cluster of three
 * brokers, all topics asked: topic "kp", three partitions.
 */

static u_char  kg_test_metadata_v0_capture[] = {
    0x00, 0x00, 0x00, 0x03,                          /* 3 brokers */
    0x00, 0x00, 0x00, 0x01,                          /* node 1 */
    0x00, 0x09, '1', '2', '7', '.', '0', '.', '0', '.', '1',
    0x00, 0x00, 0x71, 0xa4,                          /* port 29092 */
    0x00, 0x00, 0x00, 0x02,                          /* node 2 */
    0x00, 0x09, '1', '2', '7', '.', '0', '.', '0', '.', '1',
    0x00, 0x00, 0x71, 0xa5,                          /* port 29093 */
    0x00, 0x00, 0x00, 0x03,                          /* node 3 */
    0x00, 0x09, '1', '2', '7', '.', '0', '.', '0', '.', '1',
    0x00, 0x00, 0x71, 0xa6,                          /* port 29094 */
    0x00, 0x00, 0x00, 0x01,                          /* 1 topic */
    0x00, 0x00,                                      /* no error */
    0x00, 0x02, 'k', 'p',
    0x00, 0x00, 0x00, 0x03,                          /* 3 partitions */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02
};


static void
test_kafka_rewrite_metadata_v0_capture(void **state)
{
    size_t          off;
    u_char          want[sizeof(kg_test_metadata_v0_capture) + 3 * 4];
    u_char         *p;
    kg_str_t        body, out, real;
    kg_uint_t       i;
    kg_test_ctx_t  *ctx = *state;

    body.data = kg_test_metadata_v0_capture;
    body.len = sizeof(kg_test_metadata_v0_capture);

    assert_true(kg_kafka_rewrite_needed(KG_KAFKA_API_METADATA, 0));

    ctx->nseen = 0;

    assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                               KG_KAFKA_API_METADATA, 0,
                                               &body, &out),
                     KG_OK);

    kg_str_set(&real, "127.0.0.1");

    assert_int_equal(ctx->nseen, 3);
    kg_test_learned(ctx, 1, &real, 29092);
    kg_test_learned(ctx, 2, &real, 29093);
    kg_test_learned(ctx, 3, &real, 29094);

    /*
     * By hand: "127.0.0.1" (9 bytes) becomes "gw.kgate.test" (13), the
     * ports 19093..19095; the topic part is the captured bytes.
     */

    p = want;
    p = kg_cpymem(p, "\x00\x00\x00\x03", 4);

    for (i = 1; i <= 3; i++) {
        *p++ = 0;
        *p++ = 0;
        *p++ = 0;
        *p++ = (u_char) i;
        *p++ = 0;
        *p++ = 13;
        p = kg_cpymem(p, KG_TEST_ADVERTISE, 13);
        *p++ = 0;
        *p++ = 0;
        *p++ = (u_char) ((KG_TEST_BASE_PORT + i) >> 8);
        *p++ = (u_char) ((KG_TEST_BASE_PORT + i) & 0xff);
    }

    off = 4 + 3 * (4 + 2 + 9 + 4);
    p = kg_cpymem(p, kg_test_metadata_v0_capture + off,
                  sizeof(kg_test_metadata_v0_capture) - off);

    assert_int_equal((size_t) (p - want), sizeof(want));
    assert_int_equal(out.len, sizeof(want));
    assert_memory_equal(out.data, want, sizeof(want));

    /* the 0x4a95 = 19093 of the first broker, for the reader */
    assert_int_equal(out.data[4 + 4 + 2 + 13 + 2], 0x4a);
    assert_int_equal(out.data[4 + 4 + 2 + 13 + 3], 0x95);
}


static void
test_kafka_rewrite_api_versions_capped(void **state)
{
    kg_str_t                                   body, out;
    kg_test_ctx_t                             *ctx = *state;
    kg_kafka_api_versions_response_t          *r;
    kg_kafka_api_versions_resp_api_version_t  *e;

    r = kg_pcalloc(ctx->pool, sizeof(*r));
    e = kg_pcalloc(ctx->pool, 2 * sizeof(*e));
    assert_non_null(r);
    assert_non_null(e);

    e[0].ApiKey = KG_KAFKA_API_METADATA;
    e[0].MaxVersion = 99;
    e[1].ApiKey = KG_KAFKA_API_API_VERSIONS;
    e[1].MaxVersion = 3;
    r->ApiKeys.elts = e;
    r->ApiKeys.nelts = 2;

    kg_test_encode(ctx->pool, KG_KAFKA_API_API_VERSIONS, 3, r, &body);

    assert_true(kg_kafka_rewrite_needed(KG_KAFKA_API_API_VERSIONS, 0));
    assert_int_equal(kg_kafka_rewrite_response(ctx->pool, &ctx->map,
                                               KG_KAFKA_API_API_VERSIONS, 3,
                                               &body, &out),
                     KG_OK);

    e[0].MaxVersion = kg_test_max(KG_KAFKA_API_METADATA);

    kg_test_expect(ctx, KG_KAFKA_API_API_VERSIONS, 3, r, &out);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_kafka_rewrite_metadata_every_version,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_rewrite_find_coordinator_every_version,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_rewrite_describe_cluster_every_version,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_rewrite_produce_every_version,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_rewrite_fetch_every_version,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_rewrite_describe_quorum_listeners,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test(test_kafka_rewrite_needed_matches_schemas),
        cmocka_unit_test(test_kafka_rewrite_needed_streams_produce_and_fetch),
        cmocka_unit_test_setup_teardown(
            test_kafka_rewrite_vectors_every_response,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_rewrite_bad_body_error,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_rewrite_without_callbacks,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_rewrite_metadata_v0_capture,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_rewrite_api_versions_capped,
            kg_test_setup, kg_test_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
