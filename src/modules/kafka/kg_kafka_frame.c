/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_frame.h>


/*
 * A cursor over the bytes given (last) inside a frame that may continue
 * beyond them (end).  Running past "last" but not "end" means KG_AGAIN;
 * past "end" means the frame itself is short.
 */

typedef struct {
    u_char        *pos;
    u_char        *last;
    size_t         end;         /* bytes of the frame left from pos */
    kg_int_t       rc;
} kg_kafka_cursor_t;


static kg_uint_t kg_kafka_frame_detect(kg_kafka_frame_t *f);
static void kg_kafka_cursor_init(kg_kafka_cursor_t *c, u_char *p, size_t len,
    size_t frame);
static u_char *kg_kafka_cursor_need(kg_kafka_cursor_t *c, size_t n);
static uint32_t kg_kafka_cursor_int(kg_kafka_cursor_t *c, size_t n);
static uint32_t kg_kafka_cursor_uvarint(kg_kafka_cursor_t *c);
static void kg_kafka_cursor_tags(kg_kafka_cursor_t *c, kg_str_t *raw);


void
kg_kafka_frame_init(kg_kafka_frame_t *f, size_t max_size, kg_uint_t flags)
{
    f->max_size = max_size ? max_size : KG_KAFKA_FRAME_MAX_SIZE;
    f->size = 0;
    f->reason = NULL;
    f->flags = flags;
    f->nprefix = 0;
}


void
kg_kafka_frame_next(kg_kafka_frame_t *f)
{
    /* only the first bytes of a connection can be a foreign protocol */

    f->flags &= ~KG_KAFKA_FRAME_DETECT;
    f->size = 0;
    f->reason = NULL;
    f->nprefix = 0;
}


kg_int_t
kg_kafka_frame_size(kg_kafka_frame_t *f, u_char **pos, u_char *last)
{
    u_char    *p;
    int32_t    n;
    size_t     min;

    if (f->nprefix == 4) {
        return (f->reason == NULL) ? KG_OK : KG_ERROR;
    }

    p = *pos;

    while (f->nprefix < 4 && p < last) {
        f->prefix[f->nprefix++] = *p++;
    }

    *pos = p;

    if (f->nprefix < 4) {
        return KG_AGAIN;
    }

    if ((f->flags & KG_KAFKA_FRAME_DETECT) && kg_kafka_frame_detect(f)) {
        return KG_ERROR;
    }

    n = (int32_t) (((uint32_t) f->prefix[0] << 24)
                   | ((uint32_t) f->prefix[1] << 16)
                   | ((uint32_t) f->prefix[2] << 8) | f->prefix[3]);

    if (n < 0) {
        f->reason = "negative frame size";
        return KG_ERROR;
    }

    if ((size_t) n > f->max_size) {
        f->reason = "frame size exceeds the maximum";
        return KG_ERROR;
    }

    min = (f->flags & KG_KAFKA_FRAME_RESPONSE) ? KG_KAFKA_RESPONSE_MIN_SIZE
                                               : KG_KAFKA_REQUEST_MIN_SIZE;

    if ((size_t) n < min) {
        f->reason = "frame size below the minimum header size";
        return KG_ERROR;
    }

    f->size = (size_t) n;

    return KG_OK;
}


static kg_uint_t
kg_kafka_frame_detect(kg_kafka_frame_t *f)
{
    u_char  *p;

    p = f->prefix;

    /* a TLS record: handshake (22) or alert (21), protocol major 3 */

    if ((p[0] == 0x16 || p[0] == 0x15) && p[1] == 0x03) {
        f->reason = (f->flags & KG_KAFKA_FRAME_RESPONSE)
                    ? "TLS record from the peer of a plaintext connection"
                    : "TLS handshake on a plaintext connection";
        return 1;
    }

    if (f->flags & KG_KAFKA_FRAME_RESPONSE) {
        if (kg_strncmp(p, "HTTP", 4) == 0) {
            f->reason = "HTTP response instead of Kafka";
            return 1;
        }

        return 0;
    }

    if (kg_strncmp(p, "GET ", 4) == 0 || kg_strncmp(p, "POST", 4) == 0
        || kg_strncmp(p, "PUT ", 4) == 0 || kg_strncmp(p, "HEAD", 4) == 0)
    {
        f->reason = "HTTP request on a Kafka connection";
        return 1;
    }

    return 0;
}


kg_int_t
kg_kafka_frame_request_header(kg_kafka_frame_t *f,
    kg_kafka_request_header_t *h, u_char *p, size_t len)
{
    u_char             *s;
    int16_t             n;
    kg_int_t            hv;
    kg_kafka_cursor_t   c;

    kg_kafka_cursor_init(&c, p, len, f->size);

    h->api_key = (int16_t) kg_kafka_cursor_int(&c, 2);
    h->api_version = (int16_t) kg_kafka_cursor_int(&c, 2);
    h->correlation_id = (int32_t) kg_kafka_cursor_int(&c, 4);
    h->client_id.len = 0;
    h->client_id.data = NULL;
    h->tags.len = 0;
    h->tags.data = NULL;

    if (c.rc != KG_OK) {
        goto failed;
    }

    h->api = kg_kafka_api((kg_uint_t) h->api_key);

    if (h->api_key < 0 || h->api == NULL) {
        f->reason = "unknown api key";
        return KG_ERROR;
    }

    if (h->api_version < 0) {
        f->reason = "negative api version";
        return KG_ERROR;
    }

    hv = kg_kafka_request_header_version(h->api_key, h->api_version);

    h->header_version = hv;
    h->flexible = kg_kafka_flexible(h->api, h->api_version);

    if (hv >= 1) {
        n = (int16_t) kg_kafka_cursor_int(&c, 2);

        if (c.rc != KG_OK) {
            goto failed;
        }

        if (n < -1) {
            f->reason = "negative client id length";
            return KG_ERROR;
        }

        if (n >= 0) {
            s = kg_kafka_cursor_need(&c, n);
            if (s == NULL) {
                goto failed;
            }

            h->client_id.len = n;
            h->client_id.data = s;
        }
    }

    if (hv >= 2) {
        kg_kafka_cursor_tags(&c, &h->tags);
    }

    if (c.rc != KG_OK) {
        goto failed;
    }

    h->size = c.pos - p;

    if (h->api_version < h->api->min_version
        || h->api_version > h->api->max_version)
    {
        f->reason = "unsupported api version";
        return KG_DECLINED;
    }

    return KG_OK;

failed:

    if (c.rc == KG_ERROR && f->reason == NULL) {
        f->reason = "truncated request header";
    }

    return c.rc;
}


kg_int_t
kg_kafka_frame_response_header(kg_kafka_frame_t *f,
    kg_kafka_response_header_t *h, kg_uint_t api_key, kg_uint_t api_version,
    u_char *p, size_t len)
{
    kg_int_t            hv;
    kg_kafka_cursor_t   c;

    hv = kg_kafka_response_header_version(api_key, api_version);

    if (hv < 0) {
        f->reason = "unknown api key";
        return KG_ERROR;
    }

    kg_kafka_cursor_init(&c, p, len, f->size);

    h->header_version = hv;
    h->flexible = kg_kafka_flexible(&kg_kafka_apis[api_key], api_version);
    h->correlation_id = (int32_t) kg_kafka_cursor_int(&c, 4);
    h->tags.len = 0;
    h->tags.data = NULL;

    if (hv >= 1) {
        kg_kafka_cursor_tags(&c, &h->tags);
    }

    if (c.rc != KG_OK) {
        if (c.rc == KG_ERROR) {
            f->reason = "truncated response header";
        }

        return c.rc;
    }

    h->size = c.pos - p;

    return KG_OK;
}


kg_int_t
kg_kafka_frame_produce_acks(kg_kafka_frame_t *f,
    kg_kafka_request_header_t *h, u_char *p, size_t len, int16_t *acks)
{
    int16_t             n;
    uint32_t            u;
    kg_kafka_cursor_t   c;

    if (h->api_key != KG_KAFKA_API_PRODUCE || h->size > f->size) {
        f->reason = "not a produce request";
        return KG_ERROR;
    }

    kg_kafka_cursor_init(&c, p, len, f->size - h->size);

    /* TransactionalId (nullable) comes first from v3 on */

    if (h->api_version >= 3) {
        if (h->flexible) {
            u = kg_kafka_cursor_uvarint(&c);

            if (c.rc == KG_OK && u > 1) {
                (void) kg_kafka_cursor_need(&c, u - 1);
            }

        } else {
            n = (int16_t) kg_kafka_cursor_int(&c, 2);

            if (c.rc == KG_OK && n < -1) {
                f->reason = "negative transactional id length";
                return KG_ERROR;
            }

            if (c.rc == KG_OK && n > 0) {
                (void) kg_kafka_cursor_need(&c, n);
            }
        }
    }

    *acks = (int16_t) kg_kafka_cursor_int(&c, 2);

    if (c.rc == KG_ERROR) {
        f->reason = "truncated produce request";
    }

    return c.rc;
}


static void
kg_kafka_cursor_init(kg_kafka_cursor_t *c, u_char *p, size_t len,
    size_t frame)
{
    c->pos = p;
    c->last = p + kg_min(len, frame);
    c->end = frame;
    c->rc = KG_OK;
}


static u_char *
kg_kafka_cursor_need(kg_kafka_cursor_t *c, size_t n)
{
    u_char  *p;

    if (c->rc != KG_OK) {
        return NULL;
    }

    if (n > c->end) {
        c->rc = KG_ERROR;
        return NULL;
    }

    if (n > (size_t) (c->last - c->pos)) {
        c->rc = KG_AGAIN;
        return NULL;
    }

    p = c->pos;
    c->pos += n;
    c->end -= n;

    return p;
}


static uint32_t
kg_kafka_cursor_int(kg_kafka_cursor_t *c, size_t n)
{
    u_char    *p;
    size_t     i;
    uint32_t   v;

    p = kg_kafka_cursor_need(c, n);
    if (p == NULL) {
        return 0;
    }

    v = 0;

    for (i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }

    return v;
}


static uint32_t
kg_kafka_cursor_uvarint(kg_kafka_cursor_t *c)
{
    u_char             *p;
    size_t              window;
    uint32_t            v;
    kg_kafka_reader_t   r;

    if (c->rc != KG_OK) {
        return 0;
    }

    /* a varint is at most 5 bytes: decide with what is there */

    window = kg_min((size_t) (c->last - c->pos), (size_t) 5);

    r.pos = c->pos;
    r.last = c->pos + window;
    r.err = NULL;

    v = kg_kafka_read_uvarint(&r);

    if (r.err != NULL) {
        c->rc = (r.err == kg_kafka_truncated
                 && window < kg_min(c->end, (size_t) 5))
                ? KG_AGAIN : KG_ERROR;
        return 0;
    }

    p = kg_kafka_cursor_need(c, r.pos - c->pos);

    return (p == NULL) ? 0 : v;
}


static void
kg_kafka_cursor_tags(kg_kafka_cursor_t *c, kg_str_t *raw)
{
    u_char    *start;
    int64_t    prev;
    uint32_t   n, i, tag, size;

    start = c->pos;

    n = kg_kafka_cursor_uvarint(c);

    /* a tag takes at least two bytes: its number and its size */

    if (c->rc == KG_OK && (n > KG_KAFKA_MAX_TAGS || n > c->end / 2)) {
        c->rc = KG_ERROR;
    }

    prev = -1;

    for (i = 0; c->rc == KG_OK && i < n; i++) {
        tag = kg_kafka_cursor_uvarint(c);
        size = kg_kafka_cursor_uvarint(c);

        if (c->rc != KG_OK) {
            break;
        }

        if ((int64_t) tag <= prev) {
            c->rc = KG_ERROR;
            break;
        }

        prev = tag;

        (void) kg_kafka_cursor_need(c, size);
    }

    raw->len = c->pos - start;
    raw->data = start;
}
