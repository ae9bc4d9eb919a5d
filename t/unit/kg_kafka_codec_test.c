/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_codec.h>

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include "kg_kafka_proto_vectors.c"


#define KG_TEST_DUMP_SIZE  (1024 * 1024)


typedef struct {
    kg_pool_t    *pool;
    u_char       *dump;
} kg_test_ctx_t;


/* a struct that holds itself: only to prove the depth bound */
typedef struct kg_test_node_s  kg_test_node_t;

struct kg_test_node_s {
    kg_test_node_t     *Next;
    kg_kafka_tags_t     tagged;
};

static const kg_kafka_schema_t  kg_test_node_schema;

static const kg_kafka_field_t  kg_test_node_fields[] = {
    { "Next", &kg_test_node_schema, 1, offsetof(kg_test_node_t, Next),
      KG_KAFKA_STRUCT, 0, 0, KG_KAFKA_VMAX, 0, KG_KAFKA_VMAX,
      KG_KAFKA_VNONE, 0, 0 }
};

static const kg_kafka_schema_t  kg_test_node_schema = {
    "Node", kg_test_node_fields, 1, sizeof(kg_test_node_t),
    offsetof(kg_test_node_t, tagged)
};


static kg_log_t  kg_test_log;


static int
kg_test_setup(void **state)
{
    kg_test_ctx_t  *ctx;

    ctx = calloc(1, sizeof(kg_test_ctx_t));
    if (ctx == NULL) {
        return -1;
    }

    ctx->pool = kg_create_pool(16384, &kg_test_log);
    ctx->dump = malloc(KG_TEST_DUMP_SIZE);

    if (ctx->pool == NULL || ctx->dump == NULL) {
        return -1;
    }

    *state = ctx;

    return 0;
}


static int
kg_test_teardown(void **state)
{
    kg_test_ctx_t  *ctx = *state;

    kg_destroy_pool(ctx->pool);
    free(ctx->dump);
    free(ctx);

    return 0;
}


static size_t
kg_test_unhex(const char *hex, u_char *out)
{
    size_t   i, n;
    u_char   c, v;

    n = strlen(hex) / 2;

    for (i = 0; i < 2 * n; i++) {
        c = (u_char) hex[i];
        v = (c >= 'a') ? c - 'a' + 10 : c - '0';
        out[i / 2] = (i & 1) ? (u_char) (out[i / 2] | v) : (u_char) (v << 4);
    }

    return n;
}


static uint64_t
kg_test_fnv(u_char *p, size_t len)
{
    size_t    i;
    uint64_t  h;

    h = 0xcbf29ce484222325ULL;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }

    return h;
}


static const kg_kafka_schema_t *
kg_test_schema(kg_uint_t key, kg_uint_t response, kg_uint_t version,
    kg_uint_t *flex)
{
    const kg_kafka_api_t  *api;

    api = kg_kafka_api(key);
    assert_non_null(api);

    *flex = kg_kafka_flexible(api, version);

    return response ? api->response : api->request;
}


/* decode, compare the values, encode, compare the bytes */

static void
kg_test_roundtrip(kg_test_ctx_t *ctx, const kg_kafka_proto_vector_t *vec,
    u_char *buf, size_t len)
{
    void                     *msg;
    u_char                   *out, *end;
    size_t                    size;
    kg_uint_t                 flex;
    const char               *err;
    const kg_kafka_schema_t  *s;

    s = kg_test_schema(vec->api_key, vec->response, vec->version, &flex);

    msg = kg_pcalloc(ctx->pool, s->size);
    assert_non_null(msg);

    err = NULL;

    if (kg_kafka_decode(ctx->pool, s, vec->version, flex, buf, len, msg, &err)
        != KG_OK)
    {
        fail_msg("%s v%d variant %d: decode: %s", s->name, vec->version,
                 vec->variant, err);
    }

    end = kg_kafka_print(ctx->dump, ctx->dump + KG_TEST_DUMP_SIZE, s,
                         vec->version, flex, msg);
    assert_true(end < ctx->dump + KG_TEST_DUMP_SIZE);

    if (kg_test_fnv(ctx->dump, end - ctx->dump) != vec->dump) {
        fail_msg("%s v%d variant %d: decoded values differ: %.*s", s->name,
                 vec->version, vec->variant, (int) (end - ctx->dump),
                 ctx->dump);
    }

    size = kg_kafka_encoded_size(s, vec->version, flex, msg);
    assert_int_equal(size, len);

    out = malloc(size + 1);
    assert_non_null(out);

    end = kg_kafka_encode(out, s, vec->version, flex, msg);
    assert_int_equal(end - out, len);

    if (memcmp(out, buf, len) != 0) {
        fail_msg("%s v%d variant %d: re-encoded bytes differ", s->name,
                 vec->version, vec->variant);
    }

    free(out);
}


static void
test_kafka_decode_vectors_roundtrip(void **state)
{
    size_t                           len, n;
    u_char                          *buf;
    kg_test_ctx_t                   *ctx = *state;
    const kg_kafka_proto_vector_t   *vec;

    n = 0;

    for (vec = kg_kafka_proto_vectors; vec->hex != NULL; vec++) {
        buf = malloc(strlen(vec->hex) / 2 + 1);
        assert_non_null(buf);

        len = kg_test_unhex(vec->hex, buf);

        kg_test_roundtrip(ctx, vec, buf, len);

        free(buf);
        kg_reset_pool(ctx->pool);
        n++;
    }

    assert_true(n > 1000);
}


static void
test_kafka_decode_vectors_cover_every_version(void **state)
{
    kg_uint_t                        key, v, dir, found;
    const kg_kafka_api_t            *api;
    const kg_kafka_proto_vector_t   *vec;

    for (key = 0; key < KG_KAFKA_API_MAX; key++) {
        api = kg_kafka_api(key);
        if (api == NULL) {
            continue;
        }

        for (v = api->min_version; v <= (kg_uint_t) api->max_version; v++) {
            for (dir = 0; dir < 2; dir++) {
                found = 0;

                for (vec = kg_kafka_proto_vectors; vec->hex != NULL; vec++) {
                    if (vec->api_key == key && vec->version == v
                        && vec->response == dir)
                    {
                        found = 1;
                        break;
                    }
                }

                if (!found) {
                    fail_msg("no vector for %s v%d %s", api->name, (int) v,
                             dir ? "response" : "request");
                }
            }
        }
    }
}


/* every strict prefix of a valid message must fail cleanly */

static void
test_kafka_decode_truncated_every_offset(void **state)
{
    void                            *msg;
    size_t                           len, cut;
    u_char                          *buf, *copy;
    kg_uint_t                        flex;
    const char                      *err;
    kg_test_ctx_t                   *ctx = *state;
    const kg_kafka_schema_t         *s;
    const kg_kafka_proto_vector_t   *vec;

    for (vec = kg_kafka_proto_vectors; vec->hex != NULL; vec++) {
        buf = malloc(strlen(vec->hex) / 2 + 1);
        assert_non_null(buf);

        len = kg_test_unhex(vec->hex, buf);
        s = kg_test_schema(vec->api_key, vec->response, vec->version, &flex);

        for (cut = 0; cut < len; cut++) {

            /* an exact-size copy, so that ASan sees any overread */

            copy = malloc(cut ? cut : 1);
            assert_non_null(copy);
            memcpy(copy, buf, cut);

            msg = kg_pcalloc(ctx->pool, s->size);
            assert_non_null(msg);

            err = NULL;

            if (kg_kafka_decode(ctx->pool, s, vec->version, flex, copy, cut,
                                msg, &err)
                != KG_ERROR)
            {
                fail_msg("%s v%d: a prefix of %d bytes decoded", s->name,
                         vec->version, (int) cut);
            }

            assert_non_null(err);

            free(copy);
        }

        free(buf);
        kg_reset_pool(ctx->pool);
    }
}


/* a zeroed struct encodes in every version, and decodes back the same */

static void
test_kafka_encode_zeroed_every_version(void **state)
{
    void                     *msg, *back;
    u_char                   *out, *again;
    size_t                    size;
    kg_uint_t                 key, v, dir, flex;
    const char               *err;
    kg_test_ctx_t            *ctx = *state;
    const kg_kafka_api_t     *api;
    const kg_kafka_schema_t  *s;

    for (key = 0; key < KG_KAFKA_API_MAX; key++) {
        api = kg_kafka_api(key);
        if (api == NULL) {
            continue;
        }

        for (v = api->min_version; v <= (kg_uint_t) api->max_version; v++) {
            for (dir = 0; dir < 2; dir++) {
                s = dir ? api->response : api->request;
                flex = kg_kafka_flexible(api, v);

                msg = kg_pcalloc(ctx->pool, s->size);
                back = kg_pcalloc(ctx->pool, s->size);
                assert_non_null(msg);
                assert_non_null(back);

                size = kg_kafka_encoded_size(s, v, flex, msg);
                assert_true(size != KG_KAFKA_SIZE_ERROR);

                out = malloc(size + 1);
                again = malloc(size + 1);
                assert_non_null(out);
                assert_non_null(again);

                assert_int_equal(kg_kafka_encode(out, s, v, flex, msg) - out,
                                 size);

                err = NULL;

                if (kg_kafka_decode(ctx->pool, s, v, flex, out, size, back,
                                    &err)
                    != KG_OK)
                {
                    fail_msg("%s v%d: %s", s->name, (int) v, err);
                }

                assert_int_equal(kg_kafka_encoded_size(s, v, flex, back),
                                 size);
                kg_kafka_encode(again, s, v, flex, back);
                assert_memory_equal(out, again, size);

                free(out);
                free(again);
            }
        }

        kg_reset_pool(ctx->pool);
    }
}


/*
 * Metadata v0 response as a 0.9 broker sends it, assembled by hand from
 * the protocol guide: one broker 1 "localhost":9092, topic "test" with one
 * partition led by 1.
 */

static u_char  kg_test_metadata_v0[] = {
    0x00, 0x00, 0x00, 0x01,                          /* brokers: 1 */
    0x00, 0x00, 0x00, 0x01,                          /* node id 1 */
    0x00, 0x09, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't',
    0x00, 0x00, 0x23, 0x84,                          /* port 9092 */
    0x00, 0x00, 0x00, 0x01,                          /* topics: 1 */
    0x00, 0x00,                                      /* error 0 */
    0x00, 0x04, 't', 'e', 's', 't',
    0x00, 0x00, 0x00, 0x01,                          /* partitions: 1 */
    0x00, 0x00,                                      /* error 0 */
    0x00, 0x00, 0x00, 0x00,                          /* partition 0 */
    0x00, 0x00, 0x00, 0x01,                          /* leader 1 */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,  /* replicas [1] */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01   /* isr [1] */
};


static void
test_kafka_decode_metadata_v0_capture(void **state)
{
    u_char                                  out[sizeof(kg_test_metadata_v0)];
    kg_test_ctx_t                          *ctx = *state;
    kg_kafka_metadata_response_t            m;
    kg_kafka_metadata_resp_topic_t     *t;
    kg_kafka_metadata_resp_broker_t    *b;
    kg_kafka_metadata_resp_partition_t *p;

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_metadata_response_schema, 0, 0,
                                     kg_test_metadata_v0,
                                     sizeof(kg_test_metadata_v0), &m, NULL),
                     KG_OK);

    assert_int_equal(m.Brokers.nelts, 1);
    b = m.Brokers.elts;
    assert_int_equal(b->NodeId, 1);
    assert_int_equal(b->Host.len, 9);
    assert_memory_equal(b->Host.data, "localhost", 9);
    assert_int_equal(b->Port, 9092);
    assert_null(b->Rack.data);                       /* v1+: default null */

    assert_int_equal(m.ControllerId, -1);            /* v1+: default -1 */
    assert_null(m.ClusterId.data);

    assert_int_equal(m.Topics.nelts, 1);
    t = m.Topics.elts;
    assert_memory_equal(t->Name.data, "test", 4);
    assert_int_equal(t->TopicAuthorizedOperations, INT32_MIN);

    assert_int_equal(t->Partitions.nelts, 1);
    p = t->Partitions.elts;
    assert_int_equal(p->LeaderId, 1);
    assert_int_equal(p->LeaderEpoch, -1);
    assert_int_equal(p->ReplicaNodes.nelts, 1);
    assert_int_equal(((int32_t *) p->IsrNodes.elts)[0], 1);

    /* zero copy: strings point into the input */
    assert_ptr_equal(b->Host.data, kg_test_metadata_v0 + 10);

    /* rewrite the port, as the address rewriter does */
    b->Port = 19093;
    assert_int_equal(kg_kafka_encoded_size(&kg_kafka_metadata_response_schema,
                                           0, 0, &m),
                     sizeof(kg_test_metadata_v0));
    kg_kafka_encode(out, &kg_kafka_metadata_response_schema, 0, 0, &m);
    assert_int_equal(out[21], 0x4a);
    assert_int_equal(out[22], 0x95);
    out[21] = 0x23;
    out[22] = 0x84;
    assert_memory_equal(out, kg_test_metadata_v0, sizeof(out));
}


/*
 * SASL captures (protocol-security-facts §1.6), bodies after the header:
 * the frame tests check the headers of the same frames.
 */

static void
test_kafka_decode_sasl_handshake_v1_capture(void **state)
{
    u_char                                body[] = "\x00\x0d" "SCRAM-SHA-256";
    kg_test_ctx_t                        *ctx = *state;
    kg_kafka_sasl_handshake_request_t     m;

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_sasl_handshake_request_schema,
                                     1, 0, body, sizeof(body) - 1, &m, NULL),
                     KG_OK);
    assert_int_equal(m.Mechanism.len, 13);
    assert_memory_equal(m.Mechanism.data, "SCRAM-SHA-256", 13);
}


static const char  kg_test_client_first[] =
    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";


static void
test_kafka_decode_sasl_authenticate_capture(void **state)
{
    u_char                                  v1[4 + 32], v2[1 + 32 + 1];
    u_char                                  out[64];
    kg_test_ctx_t                          *ctx = *state;
    kg_kafka_sasl_authenticate_request_t    m;

    memcpy(v1, "\x00\x00\x00\x20", 4);
    memcpy(v1 + 4, kg_test_client_first, 32);

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                 &kg_kafka_sasl_authenticate_request_schema,
                                 1, 0, v1, sizeof(v1), &m, NULL),
                     KG_OK);
    assert_int_equal(m.AuthBytes.len, 32);
    assert_memory_equal(m.AuthBytes.data, kg_test_client_first, 32);

    /* v2 is flexible: compact bytes (len + 1 = 0x21), empty tag buffer */

    v2[0] = 0x21;
    memcpy(v2 + 1, kg_test_client_first, 32);
    v2[33] = 0x00;

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                 &kg_kafka_sasl_authenticate_request_schema,
                                 2, 1, v2, sizeof(v2), &m, NULL),
                     KG_OK);
    assert_int_equal(m.AuthBytes.len, 32);

    assert_int_equal(kg_kafka_encoded_size(
                         &kg_kafka_sasl_authenticate_request_schema, 2, 1, &m),
                     sizeof(v2));
    kg_kafka_encode(out, &kg_kafka_sasl_authenticate_request_schema, 2, 1,
                    &m);
    assert_memory_equal(out, v2, sizeof(v2));
}


static void
test_kafka_decode_sasl_authenticate_response_v1_capture(void **state)
{
    u_char                                  buf[128], out[128];
    size_t                                  len;
    kg_test_ctx_t                          *ctx = *state;
    kg_kafka_sasl_authenticate_response_t   m;
    static const char                       server_first[] =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
        "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

    /* the frame of the capture less its size and correlation id */
    len = kg_test_unhex(
        "0000ffff00000056"
        "723d724f70724e476677456265525767624e456b714f25687659447057556132"
        "526154434166757846496c6a29684e6c46246b302c733d5732325a614a30534e"
        "5937736f457355456a623667513d3d2c693d34303936"
        "0000000000000000", buf);

    assert_int_equal(len, 0x6a - 4);

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                 &kg_kafka_sasl_authenticate_response_schema,
                                 1, 0, buf, len, &m, NULL),
                     KG_OK);
    assert_int_equal(m.ErrorCode, 0);
    assert_null(m.ErrorMessage.data);
    assert_int_equal(m.AuthBytes.len, sizeof(server_first) - 1);
    assert_memory_equal(m.AuthBytes.data, server_first,
                        sizeof(server_first) - 1);
    assert_int_equal(m.SessionLifetimeMs, 0);

    kg_kafka_encode(out, &kg_kafka_sasl_authenticate_response_schema, 1, 0,
                    &m);
    assert_memory_equal(out, buf, len);
}


static void
test_kafka_decode_oversized_array_count_rejected(void **state)
{
    const char                     *err;
    kg_test_ctx_t                  *ctx = *state;
    kg_kafka_metadata_response_t    m;
    u_char                          legacy[] = { 0x7f, 0xff, 0xff, 0xff,
                                                 0, 0, 0, 1, 0, 1 };
    u_char                          compact[] = { 0, 0, 0, 0,
                                                  0xff, 0xff, 0xff, 0xff,
                                                  0x0f, 0, 0, 0 };

    err = NULL;
    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_metadata_response_schema, 0, 0,
                                     legacy, sizeof(legacy), &m, &err),
                     KG_ERROR);
    assert_string_equal(err, "array length exceeds the message");

    /* v12: ThrottleTimeMs, then a compact count of 2^32 - 2 brokers */

    err = NULL;
    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_metadata_response_schema, 12,
                                     1, compact, sizeof(compact), &m, &err),
                     KG_ERROR);
    assert_string_equal(err, "array length exceeds the message");
}


static void
test_kafka_decode_bad_lengths_rejected(void **state)
{
    const char                         *err;
    kg_test_ctx_t                      *ctx = *state;
    kg_kafka_sasl_handshake_request_t   m;
    kg_kafka_metadata_response_t        mr;
    u_char                              neg[] = { 0xff, 0xfe };
    u_char                              null[] = { 0xff, 0xff };
    u_char                              big[] = { 0x00, 0x05, 'a' };
    u_char                              negarr[] = { 0xff, 0xff, 0xff, 0xfe,
                                                     0, 0, 0, 0 };

    err = NULL;
    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_sasl_handshake_request_schema,
                                     1, 0, neg, 2, &m, &err),
                     KG_ERROR);
    assert_string_equal(err, "negative string length");

    /* Mechanism is not nullable */
    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_sasl_handshake_request_schema,
                                     1, 0, null, 2, &m, &err),
                     KG_ERROR);
    assert_string_equal(err, "null in a non-nullable string");

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_sasl_handshake_request_schema,
                                     1, 0, big, 3, &m, &err),
                     KG_ERROR);
    assert_ptr_equal(err, kg_kafka_truncated);

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_metadata_response_schema, 0, 0,
                                     negarr, sizeof(negarr), &mr, &err),
                     KG_ERROR);
    assert_string_equal(err, "negative array length");
}


static void
test_kafka_decode_unknown_tags_preserved(void **state)
{
    u_char                             out[32];
    kg_test_ctx_t                     *ctx = *state;
    kg_kafka_api_versions_request_t    m;
    /* v3: ClientSoftwareName "a", ClientSoftwareVersion "b", two tags */
    u_char                             in[] = { 0x02, 'a', 0x02, 'b',
                                                0x02,
                                                0x05, 0x01, 0xaa,
                                                0xac, 0x02, 0x00 };

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_api_versions_request_schema, 3,
                                     1, in, sizeof(in), &m, NULL),
                     KG_OK);

    assert_int_equal(m.tagged.nunknown, 2);
    assert_int_equal(m.tagged.unknown[0].tag, 5);
    assert_int_equal(m.tagged.unknown[0].data.len, 1);
    assert_int_equal(m.tagged.unknown[1].tag, 300);
    assert_int_equal(m.tagged.unknown[1].data.len, 0);

    assert_int_equal(kg_kafka_encoded_size(
                         &kg_kafka_api_versions_request_schema, 3, 1, &m),
                     sizeof(in));
    kg_kafka_encode(out, &kg_kafka_api_versions_request_schema, 3, 1, &m);
    assert_memory_equal(out, in, sizeof(in));
}


static void
test_kafka_decode_known_tags_decoded(void **state)
{
    u_char                              out[64];
    size_t                              size;
    kg_test_ctx_t                      *ctx = *state;
    kg_kafka_api_versions_response_t    m;
    /* v3: error 0, no api keys, throttle 0; tags 1 (epoch 7), 3 (true) */
    u_char                              in[] = { 0x00, 0x00, 0x01,
                                                 0x00, 0x00, 0x00, 0x00,
                                                 0x02,
                                                 0x01, 0x08, 0, 0, 0, 0,
                                                 0, 0, 0, 7,
                                                 0x03, 0x01, 0x01 };

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_api_versions_response_schema,
                                     3, 1, in, sizeof(in), &m, NULL),
                     KG_OK);

    assert_true(KG_KAFKA_TAG_ISSET(&m.tagged, 1));
    assert_true(KG_KAFKA_TAG_ISSET(&m.tagged, 3));
    assert_false(KG_KAFKA_TAG_ISSET(&m.tagged, 0));
    assert_int_equal(m.FinalizedFeaturesEpoch, 7);
    assert_int_equal(m.ZkMigrationReady, 1);
    assert_non_null(m.SupportedFeatures.elts);       /* default: empty */
    assert_int_equal(m.SupportedFeatures.nelts, 0);
    assert_int_equal(m.tagged.nunknown, 0);

    /* a tag is written only when set: add SupportedFeatures (tag 0) */

    KG_KAFKA_TAG_SET(&m.tagged, 0);
    size = kg_kafka_encoded_size(&kg_kafka_api_versions_response_schema, 3, 1,
                                 &m);
    assert_int_equal(size, sizeof(in) + 3);
    kg_kafka_encode(out, &kg_kafka_api_versions_response_schema, 3, 1, &m);
    assert_int_equal(out[7], 3);                     /* three tags */
    assert_memory_equal(out + 8, "\x00\x01\x01", 3); /* tag 0: empty array */
    assert_memory_equal(out + 11, in + 8, sizeof(in) - 8);
}


static void
test_kafka_decode_bad_tags_rejected(void **state)
{
    const char                        *err;
    kg_test_ctx_t                     *ctx = *state;
    kg_kafka_api_versions_request_t    m;
    u_char                             order[] = { 0x01, 0x01, 0x02,
                                                   0x05, 0x00, 0x04, 0x00 };
    u_char                             dup[] = { 0x01, 0x01, 0x02,
                                                 0x05, 0x00, 0x05, 0x00 };
    u_char                             many[] = { 0x01, 0x01, 0x7f,
                                                  0x05, 0x00 };
    u_char                             size[] = { 0x01, 0x01, 0x01,
                                                  0x05, 0x09, 0x00 };

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_api_versions_request_schema, 3,
                                     1, order, sizeof(order), &m, &err),
                     KG_ERROR);
    assert_string_equal(err, "tagged fields out of order");

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_api_versions_request_schema, 3,
                                     1, dup, sizeof(dup), &m, &err),
                     KG_ERROR);
    assert_string_equal(err, "tagged fields out of order");

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_api_versions_request_schema, 3,
                                     1, many, sizeof(many), &m, &err),
                     KG_ERROR);
    assert_string_equal(err, "too many tagged fields");

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                     &kg_kafka_api_versions_request_schema, 3,
                                     1, size, sizeof(size), &m, &err),
                     KG_ERROR);
    assert_ptr_equal(err, kg_kafka_truncated);
}


static void
test_kafka_decode_varints_checked(void **state)
{
    const char                         *err;
    kg_test_ctx_t                      *ctx = *state;
    kg_kafka_sasl_authenticate_request_t m;
    u_char                              long0[] = { 0x81, 0x00, 0x00 };
    u_char                              over[] = { 0xff, 0xff, 0xff, 0xff,
                                                   0x1f, 0x00 };
    u_char                              trailing[] = { 0x01, 0x00, 0x00 };

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                 &kg_kafka_sasl_authenticate_request_schema,
                                 2, 1, long0, sizeof(long0), &m, &err),
                     KG_ERROR);
    assert_string_equal(err, "varint is not minimally encoded");

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                 &kg_kafka_sasl_authenticate_request_schema,
                                 2, 1, over, sizeof(over), &m, &err),
                     KG_ERROR);
    assert_string_equal(err, "varint overflows 32 bits");

    assert_int_equal(kg_kafka_decode(ctx->pool,
                                 &kg_kafka_sasl_authenticate_request_schema,
                                 2, 1, trailing, sizeof(trailing), &m, &err),
                     KG_ERROR);
    assert_string_equal(err, "trailing bytes after the message");
}


static void
test_kafka_decode_nullable_struct(void **state)
{
    u_char                                      out[64];
    const char                                 *err;
    kg_test_ctx_t                              *ctx = *state;
    kg_kafka_describe_topic_partitions_request_t m;
    /* Topics [], ResponsePartitionLimit 1, Cursor null, no tags */
    u_char                                      null[] = { 0x01,
                                                           0, 0, 0, 1,
                                                           0xff, 0x00 };
    u_char                                      bad[] = { 0x01,
                                                          0, 0, 0, 1,
                                                          0x02, 0x00 };

    assert_int_equal(kg_kafka_decode(ctx->pool,
                         &kg_kafka_describe_topic_partitions_request_schema,
                         0, 1, null, sizeof(null), &m, NULL),
                     KG_OK);
    assert_null(m.Cursor);

    kg_kafka_encode(out, &kg_kafka_describe_topic_partitions_request_schema,
                    0, 1, &m);
    assert_memory_equal(out, null, sizeof(null));

    assert_int_equal(kg_kafka_decode(ctx->pool,
                         &kg_kafka_describe_topic_partitions_request_schema,
                         0, 1, bad, sizeof(bad), &m, &err),
                     KG_ERROR);
    assert_string_equal(err, "invalid nullable struct marker");
}


static void
test_kafka_decode_depth_bounded(void **state)
{
    u_char           buf[64];
    const char      *err;
    kg_test_ctx_t   *ctx = *state;
    kg_test_node_t   node;

    memset(buf, 0x01, sizeof(buf));
    buf[sizeof(buf) - 1] = 0xff;

    err = NULL;
    assert_int_equal(kg_kafka_decode(ctx->pool, &kg_test_node_schema, 0, 0,
                                     buf, sizeof(buf), &node, &err),
                     KG_ERROR);
    assert_string_equal(err, "message nested too deep");

    /* within the bound it decodes */
    assert_int_equal(kg_kafka_decode(ctx->pool, &kg_test_node_schema, 0, 0,
                                     buf + sizeof(buf) - 4, 4, &node, &err),
                     KG_OK);
    assert_non_null(node.Next);
    assert_non_null(node.Next->Next->Next);
    assert_null(node.Next->Next->Next->Next);
}


static void
test_kafka_encode_string_too_long_rejected(void **state)
{
    kg_kafka_sasl_handshake_request_t  m;

    memset(&m, 0, sizeof(m));
    m.Mechanism.len = 40000;
    m.Mechanism.data = kg_kafka_empty;

    assert_true(kg_kafka_encoded_size(&kg_kafka_sasl_handshake_request_schema,
                                      1, 0, &m)
                == KG_KAFKA_SIZE_ERROR);
}


static void
test_kafka_header_version_exceptions(void **state)
{
    assert_int_equal(kg_kafka_request_header_version(KG_KAFKA_API_METADATA,
                                                     8), 1);
    assert_int_equal(kg_kafka_request_header_version(KG_KAFKA_API_METADATA,
                                                     9), 2);
    assert_int_equal(kg_kafka_response_header_version(KG_KAFKA_API_METADATA,
                                                      9), 1);
    assert_int_equal(kg_kafka_response_header_version(KG_KAFKA_API_METADATA,
                                                      0), 0);

    /* KIP-511: ApiVersions responses always carry header v0 */
    assert_int_equal(kg_kafka_request_header_version(
                         KG_KAFKA_API_API_VERSIONS, 3), 2);
    assert_int_equal(kg_kafka_response_header_version(
                         KG_KAFKA_API_API_VERSIONS, 3), 0);

    assert_int_equal(kg_kafka_request_header_version(
                         KG_KAFKA_API_CONTROLLED_SHUTDOWN, 0), 0);
    assert_int_equal(kg_kafka_request_header_version(
                         KG_KAFKA_API_CONTROLLED_SHUTDOWN, 1), 1);

    /* SaslHandshake is never flexible */
    assert_int_equal(kg_kafka_request_header_version(
                         KG_KAFKA_API_SASL_HANDSHAKE, 1), 1);

    assert_int_equal(kg_kafka_request_header_version(KG_KAFKA_API_MAX, 0),
                     -1);
    assert_int_equal(kg_kafka_request_header_version(9999, 0), -1);
}


static void
test_kafka_api_table(void **state)
{
    const kg_kafka_api_t  *api;

    api = kg_kafka_api(KG_KAFKA_API_METADATA);
    assert_non_null(api);
    assert_string_equal(api->name, "Metadata");
    assert_int_equal(api->api_key, 3);
    assert_int_equal(api->min_version, 0);
    assert_int_equal(api->max_version, 12);
    assert_int_equal(api->first_flexible, 9);
    assert_ptr_equal(api->request, &kg_kafka_metadata_request_schema);
    assert_ptr_equal(api->response, &kg_kafka_metadata_response_schema);

    api = kg_kafka_api(KG_KAFKA_API_SASL_HANDSHAKE);
    assert_non_null(api);
    assert_int_equal(api->first_flexible, -1);

    api = kg_kafka_api(KG_KAFKA_API_SHARE_FETCH);
    assert_non_null(api);
    assert_true(api->flags & KG_KAFKA_API_UNSTABLE);

    /* holes in the key space */
    assert_null(kg_kafka_api(KG_KAFKA_API_MAX));
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_kafka_decode_vectors_roundtrip,
                                        kg_test_setup, kg_test_teardown),
        cmocka_unit_test(test_kafka_decode_vectors_cover_every_version),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_truncated_every_offset,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_encode_zeroed_every_version,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_metadata_v0_capture,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_sasl_handshake_v1_capture,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_sasl_authenticate_capture,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_sasl_authenticate_response_v1_capture,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_oversized_array_count_rejected,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_bad_lengths_rejected,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_unknown_tags_preserved,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_known_tags_decoded,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_bad_tags_rejected,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_varints_checked,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_nullable_struct,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_decode_depth_bounded,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test(test_kafka_encode_string_too_long_rejected),
        cmocka_unit_test(test_kafka_header_version_exceptions),
        cmocka_unit_test(test_kafka_api_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
