/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_versions.h>


/*
 * Input: byte 0 is the ApiVersions request version (-1 to 126), the rest
 * a broker's response body.  Capping never fails other than cleanly, and
 * a body kgate sends decodes, as that version or as the v0 error body of
 * KIP-511, and offers no version kgate does not know.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kg_uint_t kg_fuzz_valid(kg_pool_t *pool, kg_uint_t v,
    kg_uint_t error, kg_str_t *out);


static kg_log_t  kg_fuzz_log;


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char     *p;
    int16_t     version;
    kg_int_t    rc;
    kg_str_t    body, out;
    kg_pool_t  *pool;

    if (size < 1) {
        return 0;
    }

    version = (int16_t) (data[0] & 0x7f) - 1;

    pool = kg_create_pool(4096, &kg_fuzz_log);
    if (pool == NULL) {
        return 0;
    }

    /* a copy of its own size, so that ASan sees any overread */

    p = malloc(size - 1 ? size - 1 : 1);
    if (p == NULL) {
        kg_destroy_pool(pool);
        return 0;
    }

    memcpy(p, data + 1, size - 1);

    body.data = p;
    body.len = size - 1;

    rc = kg_kafka_versions_cap(pool, version, &body, &out);

    if (rc == KG_OK) {
        if (!kg_fuzz_valid(pool, version, 0, &out)
            && !(version > 0 && kg_fuzz_valid(pool, 0, 1, &out)))
        {
            abort();
        }

    } else if (rc != KG_DECLINED && rc != KG_ERROR) {
        abort();
    }

    free(p);
    kg_destroy_pool(pool);

    return 0;
}


/*
 * The body read as version v: it decodes, every range is kgate's, and
 * the v0 body of KIP-511 sent to a later version is an error body.
 */

static kg_uint_t
kg_fuzz_valid(kg_pool_t *pool, kg_uint_t v, kg_uint_t error, kg_str_t *out)
{
    int16_t                                    min, max;
    kg_uint_t                                  i;
    const kg_kafka_api_t                      *api;
    kg_kafka_api_versions_response_t           r;
    kg_kafka_api_versions_resp_api_version_t  *e;

    api = kg_kafka_api(KG_KAFKA_API_API_VERSIONS);

    if (v > (kg_uint_t) api->max_version
        || kg_kafka_decode(pool, api->response, v, kg_kafka_flexible(api, v),
                           out->data, out->len, &r, NULL)
           != KG_OK)
    {
        return 0;
    }

    if (error && r.ErrorCode == 0) {
        return 0;
    }

    e = r.ApiKeys.elts;

    for (i = 0; i < r.ApiKeys.nelts; i++) {
        if (kg_kafka_versions_known(e[i].ApiKey, &min, &max) != KG_OK
            || e[i].MinVersion < min || e[i].MaxVersion > max
            || e[i].MinVersion > e[i].MaxVersion)
        {
            return 0;
        }
    }

    return 1;
}
