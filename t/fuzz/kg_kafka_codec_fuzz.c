/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_codec.h>


/*
 * Input: byte 0 picks the api key, byte 1 the version (low 7 bits) and
 * the direction (high bit), the rest is the message body.  Whatever the
 * bytes, decoding must fail cleanly or succeed, and a message that decodes
 * must re-encode to exactly the same bytes: decode is the inverse of
 * encode, which is what lets kgate rewrite a response it only partly
 * understands.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static kg_log_t  kg_fuzz_log;


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void                     *msg;
    u_char                   *body, *out;
    size_t                    len, n;
    kg_uint_t                 version, flex;
    kg_pool_t                *pool;
    const kg_kafka_api_t     *api;
    const kg_kafka_schema_t  *s;

    if (size < 2) {
        return 0;
    }

    api = kg_kafka_api(data[0] % KG_KAFKA_API_MAX);
    if (api == NULL) {
        return 0;
    }

    version = (data[1] & 0x7f) % (api->max_version + 1);
    if (version < (kg_uint_t) api->min_version) {
        version = api->min_version;
    }

    flex = kg_kafka_flexible(api, version);
    s = (data[1] & 0x80) ? api->response : api->request;

    /* an exact copy, so that the sanitizer sees any overread */

    len = size - 2;
    body = malloc(len ? len : 1);
    if (body == NULL) {
        return 0;
    }

    if (len) {
        memcpy(body, data + 2, len);
    }

    pool = kg_create_pool(4096, &kg_fuzz_log);
    if (pool == NULL) {
        free(body);
        return 0;
    }

    msg = kg_pcalloc(pool, s->size);

    if (msg != NULL
        && kg_kafka_decode(pool, s, version, flex, body, len, msg, NULL)
           == KG_OK)
    {
        n = kg_kafka_encoded_size(s, version, flex, msg);

        if (n != len) {
            abort();
        }

        out = malloc(n ? n : 1);

        if (out != NULL) {
            if (kg_kafka_encode(out, s, version, flex, msg) != out + n
                || (n && memcmp(out, body, n) != 0))
            {
                abort();
            }

            free(out);
        }
    }

    kg_destroy_pool(pool);
    free(body);

    return 0;
}
