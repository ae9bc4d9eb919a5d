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


#define KG_TEST_UNSUPPORTED  35


typedef struct {
    kg_pool_t                *pool;
} kg_test_ctx_t;


typedef struct {
    int16_t                   api_key;
    int16_t                   min;
    int16_t                   max;
} kg_test_range_t;


static kg_log_t  kg_test_log;

static char     *kg_test_fallbacks[] = {
    "0.8.0", "0.8.1", "0.8.2", "0.9.0", "0.10.0", "0.10.1", "0.10.2",
    "0.11.0", NULL
};


/* what a Kafka 0.9.0.1 broker supports, its ApiKeys and Protocol */

static kg_test_range_t  kg_test_0_9_0[] = {
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
    { KG_KAFKA_API_API_VERSIONS, 0, 4 },          /* kgate's own */
};


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
kg_test_encode(kg_pool_t *pool, kg_uint_t v,
    kg_kafka_api_versions_response_t *r, kg_str_t *out)
{
    size_t                 size;
    kg_uint_t              flex;
    const kg_kafka_api_t  *api;

    api = kg_kafka_api(KG_KAFKA_API_API_VERSIONS);
    flex = kg_kafka_flexible(api, v);

    size = kg_kafka_encoded_size(api->response, v, flex, r);
    assert_true(size != KG_KAFKA_SIZE_ERROR);

    out->data = kg_pnalloc(pool, size + 1);
    assert_non_null(out->data);

    out->len = kg_kafka_encode(out->data, api->response, v, flex, r)
               - out->data;
    assert_int_equal(out->len, size);
}


static void
kg_test_decode(kg_pool_t *pool, kg_uint_t v, kg_str_t *body,
    kg_kafka_api_versions_response_t *r)
{
    const kg_kafka_api_t  *api;

    api = kg_kafka_api(KG_KAFKA_API_API_VERSIONS);

    assert_int_equal(kg_kafka_decode(pool, api->response, v,
                                     kg_kafka_flexible(api, v), body->data,
                                     body->len, r, NULL),
                     KG_OK);
}


static void
test_kafka_versions_known_unstable(void **state)
{
    int16_t  min, max;

    assert_int_equal(kg_kafka_versions_known(KG_KAFKA_API_METADATA, &min,
                                             &max),
                     KG_OK);
    assert_int_equal(min, 0);
    assert_int_equal(max, kg_kafka_api(KG_KAFKA_API_METADATA)->max_version);

    /* EndTxn's latest version is marked unstable in the schemas */

    assert_true(kg_kafka_api(KG_KAFKA_API_END_TXN)->flags
                & KG_KAFKA_API_UNSTABLE);
    assert_int_equal(kg_kafka_versions_known(KG_KAFKA_API_END_TXN, &min,
                                             &max),
                     KG_OK);
    assert_int_equal(max, kg_kafka_api(KG_KAFKA_API_END_TXN)->max_version - 1);

    /* an api whose only version is unstable is not known */

    assert_int_equal(kg_kafka_versions_known(KG_KAFKA_API_SHARE_FETCH, &min,
                                             &max),
                     KG_DECLINED);

    assert_int_equal(kg_kafka_versions_known(KG_KAFKA_API_MAX, &min, &max),
                     KG_DECLINED);
    assert_int_equal(kg_kafka_versions_known(1000, &min, &max), KG_DECLINED);
}


/* Produce and Fetch stop below the versions that carry broker ids */

static void
test_kafka_versions_offered_streams_produce_fetch(void **state)
{
    int16_t  min, max;

    assert_int_equal(kg_kafka_versions_offered(KG_KAFKA_API_PRODUCE, &min,
                                               &max),
                     KG_OK);
    assert_int_equal(max, 9);
    assert_false(kg_kafka_rewrite_needed(KG_KAFKA_API_PRODUCE, max));

    assert_int_equal(kg_kafka_versions_offered(KG_KAFKA_API_FETCH, &min,
                                               &max),
                     KG_OK);
    assert_int_equal(max, 10);

    /* everything else is offered as far as kgate knows it */

    assert_int_equal(kg_kafka_versions_offered(KG_KAFKA_API_METADATA, &min,
                                               &max),
                     KG_OK);
    assert_int_equal(max, kg_kafka_api(KG_KAFKA_API_METADATA)->max_version);

    assert_int_equal(kg_kafka_versions_offered(1000, &min, &max),
                     KG_DECLINED);
}


/* a broker newer than kgate, in every ApiVersions version */

static void
test_kafka_versions_cap_every_version(void **state)
{
    kg_str_t                                             body, out;
    kg_uint_t                                            v;
    kg_test_ctx_t                                       *ctx = *state;
    kg_kafka_api_versions_response_t                    *r;
    kg_kafka_api_versions_resp_api_version_t            *e, *w;
    kg_kafka_api_versions_resp_supported_feature_key_t  *f;

    for (v = 0; v <= 4; v++) {
        r = kg_pcalloc(ctx->pool, sizeof(*r));
        e = kg_pcalloc(ctx->pool, 8 * sizeof(*e));
        w = kg_pcalloc(ctx->pool, 8 * sizeof(*w));
        f = kg_pcalloc(ctx->pool, sizeof(*f));
        assert_non_null(r);
        assert_non_null(e);
        assert_non_null(w);
        assert_non_null(f);

        e[0] = (kg_kafka_api_versions_resp_api_version_t) { 0, 3, 99, {0} };
        e[1] = (kg_kafka_api_versions_resp_api_version_t) { -1, 0, 1, {0} };
        e[2] = (kg_kafka_api_versions_resp_api_version_t) { 3, 0, 12, {0} };
        e[3] = (kg_kafka_api_versions_resp_api_version_t) { 3, 0, 0, {0} };
        e[4] = (kg_kafka_api_versions_resp_api_version_t) { 18, 0, 7, {0} };
        e[5] = (kg_kafka_api_versions_resp_api_version_t) { 26, 0, 5, {0} };
        e[6] = (kg_kafka_api_versions_resp_api_version_t) { 78, 0, 0, {0} };
        e[7] = (kg_kafka_api_versions_resp_api_version_t) { 1000, 0, 3, {0} };

        /* Metadata 13-15: nothing left of it once capped */
        e[3].MinVersion = 13;
        e[3].MaxVersion = 15;

        r->ThrottleTimeMs = 5;
        r->ApiKeys.elts = e;
        r->ApiKeys.nelts = 8;

        kg_str_set(&f->Name, "metadata.version");
        f->MinVersion = 1;
        f->MaxVersion = 21;
        r->SupportedFeatures.elts = f;
        r->SupportedFeatures.nelts = 1;
        r->FinalizedFeaturesEpoch = 42;
        KG_KAFKA_TAG_SET(&r->tagged, 0);
        KG_KAFKA_TAG_SET(&r->tagged, 1);

        kg_test_encode(ctx->pool, v, r, &body);

        assert_int_equal(kg_kafka_versions_cap(ctx->pool, (int16_t) v, &body,
                                               &out),
                         KG_OK);

        /* the expected answer, everything else unchanged */

        /* Produce is offered up to v9 only, so that it streams */

        w[0] = e[0];
        w[0].MaxVersion = 9;
        w[1] = e[2];
        w[2] = e[4];
        w[2].MaxVersion = kg_kafka_api(KG_KAFKA_API_API_VERSIONS)->max_version;
        w[3] = e[5];
        w[3].MaxVersion = kg_kafka_api(KG_KAFKA_API_END_TXN)->max_version - 1;

        r->ApiKeys.elts = w;
        r->ApiKeys.nelts = 4;

        kg_test_encode(ctx->pool, v, r, &body);

        assert_int_equal(out.len, body.len);
        assert_memory_equal(out.data, body.data, body.len);

        /* what kgate sends it leaves alone */

        assert_int_equal(kg_kafka_versions_cap(ctx->pool, (int16_t) v, &body,
                                               &out),
                         KG_DECLINED);
    }
}


/* KIP-511: a v0 UNSUPPORTED_VERSION answer to a newer request */

static void
test_kafka_versions_cap_unsupported_v0(void **state)
{
    kg_str_t                                   body, out;
    kg_test_ctx_t                             *ctx = *state;
    kg_kafka_api_versions_response_t           r, back;
    kg_kafka_api_versions_resp_api_version_t   e, *b;

    kg_memzero(&r, sizeof(r));
    kg_memzero(&e, sizeof(e));

    e.ApiKey = KG_KAFKA_API_API_VERSIONS;
    e.MaxVersion = 9;

    r.ErrorCode = KG_TEST_UNSUPPORTED;
    r.ApiKeys.elts = &e;
    r.ApiKeys.nelts = 1;

    kg_test_encode(ctx->pool, 0, &r, &body);

    assert_int_equal(kg_kafka_versions_cap(ctx->pool, 4, &body, &out), KG_OK);

    kg_test_decode(ctx->pool, 0, &out, &back);
    assert_int_equal(back.ErrorCode, KG_TEST_UNSUPPORTED);
    assert_int_equal(back.ApiKeys.nelts, 1);
    b = back.ApiKeys.elts;
    assert_int_equal(b->ApiKey, KG_KAFKA_API_API_VERSIONS);
    assert_int_equal(b->MinVersion, 0);
    assert_int_equal(b->MaxVersion,
                     kg_kafka_api(KG_KAFKA_API_API_VERSIONS)->max_version);

    /* above what kgate knows too */

    assert_int_equal(kg_kafka_versions_cap(ctx->pool, 9, &body, &out), KG_OK);

    /* a v0 body without the error is no such answer */

    r.ErrorCode = 0;
    kg_test_encode(ctx->pool, 0, &r, &body);

    assert_int_equal(kg_kafka_versions_cap(ctx->pool, 3, &body, &out),
                     KG_ERROR);
}


/* an error body v0 does not read becomes one: retries go lower */

static void
test_kafka_versions_cap_error_any_shape(void **state)
{
    kg_str_t                                   body, out;
    kg_test_ctx_t                             *ctx = *state;
    kg_kafka_api_versions_response_t           r, back;
    kg_kafka_api_versions_resp_api_version_t   e, *b;

    /* librdkafka 2.0.2's mock cluster to v3: a raw count, no tags */

    body.data = (u_char *) "\x00\x23\x01\x00\x12\x00\x00\x00\x02"
                           "\x00\x00\x00\x00";
    body.len = 13;

    assert_int_equal(kg_kafka_versions_cap(ctx->pool, 3, &body, &out), KG_OK);

    kg_test_decode(ctx->pool, 0, &out, &back);
    assert_int_equal(back.ErrorCode, KG_TEST_UNSUPPORTED);
    assert_int_equal(back.ApiKeys.nelts, 1);
    b = back.ApiKeys.elts;
    assert_int_equal(b->ApiKey, KG_KAFKA_API_API_VERSIONS);
    assert_int_equal(b->MinVersion, 0);
    assert_int_equal(b->MaxVersion, 2);

    /* v4: the client may try v3 next */

    assert_int_equal(kg_kafka_versions_cap(ctx->pool, 4, &body, &out), KG_OK);
    kg_test_decode(ctx->pool, 0, &out, &back);
    b = back.ApiKeys.elts;
    assert_int_equal(back.ApiKeys.nelts, 1);
    assert_int_equal(b->MaxVersion, 3);

    /* v1: only v0 is left */

    assert_int_equal(kg_kafka_versions_cap(ctx->pool, 1, &body, &out), KG_OK);
    kg_test_decode(ctx->pool, 0, &out, &back);
    b = back.ApiKeys.elts;
    assert_int_equal(back.ApiKeys.nelts, 1);
    assert_int_equal(b->MaxVersion, 0);

    /* another error is kept: the client must see it */

    body.data = (u_char *) "\x00\x2a\x01";
    body.len = 3;

    assert_int_equal(kg_kafka_versions_cap(ctx->pool, 3, &body, &out), KG_OK);
    kg_test_decode(ctx->pool, 0, &out, &back);
    assert_int_equal(back.ErrorCode, 42);

    /* to v0 nothing lower exists: the body must decode */

    assert_int_equal(kg_kafka_versions_cap(ctx->pool, 0, &body, &out),
                     KG_ERROR);

    /* a success in a version above kgate's: its layout is unknown */

    kg_memzero(&r, sizeof(r));
    kg_memzero(&e, sizeof(e));

    e.ApiKey = KG_KAFKA_API_PRODUCE;
    e.MaxVersion = 11;

    r.ApiKeys.elts = &e;
    r.ApiKeys.nelts = 1;
    r.SupportedFeatures.elts = kg_kafka_empty;
    r.FinalizedFeatures.elts = kg_kafka_empty;

    kg_test_encode(ctx->pool, 4, &r, &body);

    assert_int_equal(kg_kafka_versions_cap(ctx->pool, 9, &body, &out), KG_OK);
    kg_test_decode(ctx->pool, 0, &out, &back);
    assert_int_equal(back.ErrorCode, KG_TEST_UNSUPPORTED);
    assert_int_equal(back.ApiKeys.nelts, 1);
    b = back.ApiKeys.elts;
    assert_int_equal(b->ApiKey, KG_KAFKA_API_API_VERSIONS);
    assert_int_equal(b->MaxVersion,
                     kg_kafka_api(KG_KAFKA_API_API_VERSIONS)->max_version);
}


static void
test_kafka_versions_cap_bad_body_error(void **state)
{
    kg_str_t        body, out;
    kg_test_ctx_t  *ctx = *state;

    kg_str_set(&body, "\x00\x00\xff\xff\xff");

    assert_int_equal(kg_kafka_versions_cap(ctx->pool, 0, &body, &out),
                     KG_ERROR);
    assert_int_equal(kg_kafka_versions_cap(ctx->pool, 3, &body, &out),
                     KG_ERROR);
    assert_int_equal(kg_kafka_versions_cap(ctx->pool, -1, &body, &out),
                     KG_ERROR);

    body.len = 0;

    assert_int_equal(kg_kafka_versions_cap(ctx->pool, 2, &body, &out),
                     KG_ERROR);
}


/* every table in every version decodes, sorted, with ApiVersions in it */

static void
test_kafka_versions_fallback_every_version(void **state)
{
    int16_t                                    min, max;
    kg_str_t                                   name, out;
    kg_uint_t                                  i, k, v, self;
    kg_test_ctx_t                             *ctx = *state;
    kg_kafka_api_versions_response_t           r;
    kg_kafka_api_versions_resp_api_version_t  *e;

    for (i = 0; kg_test_fallbacks[i]; i++) {
        name.data = (u_char *) kg_test_fallbacks[i];
        name.len = strlen(kg_test_fallbacks[i]);

        assert_int_equal(kg_kafka_versions_parse_fallback(&name), KG_OK);

        for (v = 0; v <= 4; v++) {
            assert_int_equal(kg_kafka_versions_fallback_response(ctx->pool,
                                                   &name, (int16_t) v, &out),
                             KG_OK);

            kg_test_decode(ctx->pool, v, &out, &r);

            assert_int_equal(r.ErrorCode, 0);
            assert_int_equal(r.ThrottleTimeMs, 0);
            assert_true(r.ApiKeys.nelts >= 5);

            e = r.ApiKeys.elts;
            self = 0;

            for (k = 0; k < r.ApiKeys.nelts; k++) {
                if (k > 0) {
                    assert_true(e[k - 1].ApiKey < e[k].ApiKey);
                }

                assert_int_equal(kg_kafka_versions_known(e[k].ApiKey, &min,
                                                         &max),
                                 KG_OK);
                assert_true(e[k].MinVersion >= min);
                assert_true(e[k].MaxVersion <= max);
                assert_true(e[k].MinVersion <= e[k].MaxVersion);

                if (e[k].ApiKey == KG_KAFKA_API_API_VERSIONS) {
                    assert_int_equal(e[k].MinVersion, min);
                    assert_int_equal(e[k].MaxVersion, max);
                    self = 1;
                }

                /* no inter-broker api in what clients are told */
                assert_true(e[k].ApiKey < 4 || e[k].ApiKey > 7);
                assert_true(e[k].ApiKey != 27);
            }

            assert_true(self);
        }
    }
}


static void
test_kafka_versions_fallback_0_9_0(void **state)
{
    kg_str_t                                   name, out, want;
    kg_uint_t                                  i, n;
    kg_test_ctx_t                             *ctx = *state;
    kg_kafka_api_versions_response_t           r;
    kg_kafka_api_versions_resp_api_version_t  *e;

    /* the rows in key order: ApiVersions (18) goes last */

    n = sizeof(kg_test_0_9_0) / sizeof(kg_test_range_t);

    e = kg_pcalloc(ctx->pool, n * sizeof(*e));
    assert_non_null(e);

    for (i = 0; i < n; i++) {
        e[i].ApiKey = kg_test_0_9_0[i].api_key;
        e[i].MinVersion = kg_test_0_9_0[i].min;
        e[i].MaxVersion = kg_test_0_9_0[i].max;
    }

    e[n - 1].MaxVersion = kg_kafka_api(KG_KAFKA_API_API_VERSIONS)->max_version;

    kg_memzero(&r, sizeof(r));
    r.ApiKeys.elts = e;
    r.ApiKeys.nelts = n;

    kg_str_set(&name, "0.9.0");

    for (i = 0; i <= 4; i++) {
        assert_int_equal(kg_kafka_versions_fallback_response(ctx->pool, &name,
                                                             (int16_t) i,
                                                             &out),
                         KG_OK);

        kg_test_encode(ctx->pool, i, &r, &want);

        assert_int_equal(out.len, want.len);
        assert_memory_equal(out.data, want.data, want.len);
    }

    /* v0 by hand: no error, 14 rows of key, min, max */

    assert_int_equal(kg_kafka_versions_fallback_response(ctx->pool, &name, 0,
                                                         &out),
                     KG_OK);

    assert_int_equal(out.len, 2 + 4 + 14 * 6);
    assert_memory_equal(out.data, "\x00\x00" "\x00\x00\x00\x0e"
                                  "\x00\x00" "\x00\x00" "\x00\x01", 12);
    assert_memory_equal(out.data + 6 + 13 * 6,
                        "\x00\x12" "\x00\x00" "\x00\x04", 6);

    /* "0.9.0.1" is the same release */

    kg_str_set(&name, "0.9.0.1");

    assert_int_equal(kg_kafka_versions_fallback_response(ctx->pool, &name, 1,
                                                         &out),
                     KG_OK);

    kg_test_encode(ctx->pool, 1, &r, &want);
    assert_memory_equal(out.data, want.data, want.len);
}


/* a request version kgate does not know gets the v0 error of KIP-511 */

static void
test_kafka_versions_fallback_unknown_version(void **state)
{
    kg_str_t                                   name, out;
    kg_test_ctx_t                             *ctx = *state;
    kg_kafka_api_versions_response_t           r;
    kg_kafka_api_versions_resp_api_version_t  *e;

    kg_str_set(&name, "0.10.2");

    assert_int_equal(kg_kafka_versions_fallback_response(ctx->pool, &name,
                                                         5, &out),
                     KG_OK);

    kg_test_decode(ctx->pool, 0, &out, &r);
    assert_int_equal(r.ErrorCode, KG_TEST_UNSUPPORTED);
    assert_int_equal(r.ApiKeys.nelts, 1);
    e = r.ApiKeys.elts;
    assert_int_equal(e->ApiKey, KG_KAFKA_API_API_VERSIONS);
    assert_int_equal(e->MaxVersion,
                     kg_kafka_api(KG_KAFKA_API_API_VERSIONS)->max_version);

    assert_int_equal(kg_kafka_versions_fallback_response(ctx->pool, &name,
                                                         -1, &out),
                     KG_OK);
    assert_int_equal(out.len, 2 + 4 + 6);

    /* an unknown release is a configuration kgate refused */

    kg_str_set(&name, "0.7.0");

    assert_int_equal(kg_kafka_versions_fallback_response(ctx->pool, &name,
                                                         0, &out),
                     KG_ERROR);
}


static void
test_kafka_versions_parse_fallback_values(void **state)
{
    kg_str_t     s;
    kg_uint_t    i;
    static char *good[] = {
        "0.8.0", "0.8.2", "0.9.0", "0.9.0.1", "0.10.0", "0.10.1.1",
        "0.10.2", "0.10.2.2", "0.11.0", "0.11.0.3", NULL
    };
    static char *bad[] = {
        "", "0", "0.9", "0.9.", "0.9.0.", "0.9.0.x", "0.9.0.1a", "0.9.00",
        "0.10.10", "0.10", "0.7.0", "1.0.0", "2.8.0", "0.9.0 ", " 0.9.0",
        NULL
    };

    for (i = 0; good[i]; i++) {
        s.data = (u_char *) good[i];
        s.len = strlen(good[i]);

        if (kg_kafka_versions_parse_fallback(&s) != KG_OK) {
            fail_msg("\"%s\" refused", good[i]);
        }
    }

    for (i = 0; bad[i]; i++) {
        s.data = (u_char *) bad[i];
        s.len = strlen(bad[i]);

        if (kg_kafka_versions_parse_fallback(&s) != KG_ERROR) {
            fail_msg("\"%s\" accepted", bad[i]);
        }
    }

    s.data = NULL;
    s.len = 0;

    assert_int_equal(kg_kafka_versions_parse_fallback(&s), KG_ERROR);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_kafka_versions_known_unstable),
        cmocka_unit_test(test_kafka_versions_offered_streams_produce_fetch),
        cmocka_unit_test_setup_teardown(
            test_kafka_versions_cap_every_version,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_versions_cap_unsupported_v0,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_versions_cap_error_any_shape,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_versions_cap_bad_body_error,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_versions_fallback_every_version,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_versions_fallback_0_9_0,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_versions_fallback_unknown_version,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test(test_kafka_versions_parse_fallback_values),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
