/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_codec.h>


/* room for any one field value, to stand in for a missing struct */
typedef union {
    int64_t                    i64;
    double                     f64;
    kg_str_t                   str;
    kg_kafka_array_t           array;
    kg_kafka_uuid_t            uuid;
    void                      *ptr;
} kg_kafka_value_t;


static void kg_kafka_decode_struct(kg_kafka_reader_t *r,
    const kg_kafka_schema_t *s, kg_uint_t v, kg_uint_t flex, u_char *base);
static void kg_kafka_decode_field(kg_kafka_reader_t *r,
    const kg_kafka_field_t *f, kg_uint_t v, kg_uint_t flex, u_char *dst);
static void kg_kafka_decode_value(kg_kafka_reader_t *r,
    const kg_kafka_field_t *f, kg_uint_t v, kg_uint_t flex,
    kg_uint_t nullable, kg_uint_t inlined, u_char *dst);
static void kg_kafka_decode_tags(kg_kafka_reader_t *r,
    const kg_kafka_schema_t *s, kg_uint_t v, kg_uint_t flex, u_char *base);
static void kg_kafka_read_bytes(kg_kafka_reader_t *r, kg_uint_t compact,
    kg_uint_t nullable, kg_str_t *s);
static void *kg_kafka_alloc(kg_kafka_reader_t *r, size_t size);
static void kg_kafka_set_default(const kg_kafka_field_t *f, u_char *dst);
static size_t kg_kafka_elt_size(const kg_kafka_field_t *f);
static size_t kg_kafka_min_size(const kg_kafka_field_t *f, kg_uint_t v,
    kg_uint_t flex, kg_uint_t nullable, kg_uint_t depth);
static size_t kg_kafka_schema_min_size(const kg_kafka_schema_t *s,
    kg_uint_t v, kg_uint_t flex, kg_uint_t depth);

static size_t kg_kafka_size_struct(const kg_kafka_schema_t *s, kg_uint_t v,
    kg_uint_t flex, u_char *base, kg_uint_t depth);
static size_t kg_kafka_size_field(const kg_kafka_field_t *f, kg_uint_t v,
    kg_uint_t flex, u_char *dst, kg_uint_t depth);
static size_t kg_kafka_size_value(const kg_kafka_field_t *f, kg_uint_t v,
    kg_uint_t flex, kg_uint_t nullable, kg_uint_t inlined, u_char *dst,
    kg_uint_t depth);
static u_char *kg_kafka_write_struct(u_char *p, const kg_kafka_schema_t *s,
    kg_uint_t v, kg_uint_t flex, u_char *base, kg_uint_t depth);
static u_char *kg_kafka_write_field(u_char *p, const kg_kafka_field_t *f,
    kg_uint_t v, kg_uint_t flex, u_char *dst, kg_uint_t depth);
static u_char *kg_kafka_write_value(u_char *p, const kg_kafka_field_t *f,
    kg_uint_t v, kg_uint_t flex, kg_uint_t nullable, kg_uint_t inlined,
    u_char *dst, kg_uint_t depth);
static u_char *kg_kafka_write_int(u_char *p, uint64_t n, size_t len);
static u_char *kg_kafka_write_uvarint(u_char *p, uint32_t n);
static size_t kg_kafka_uvarint_size(uint32_t n);

static u_char *kg_kafka_print_struct(u_char *p, u_char *last,
    const kg_kafka_schema_t *s, kg_uint_t v, kg_uint_t flex, u_char *base,
    kg_uint_t depth);
static u_char *kg_kafka_print_value(u_char *p, u_char *last,
    const kg_kafka_field_t *f, kg_uint_t v, kg_uint_t flex,
    kg_uint_t inlined, u_char *dst, kg_uint_t depth);
static u_char *kg_kafka_print_str(u_char *p, u_char *last, const char *s);
static u_char *kg_kafka_print_hex(u_char *p, u_char *last, u_char *data,
    size_t len);
static u_char *kg_kafka_print_int(u_char *p, u_char *last, int64_t n);


#define kg_kafka_present(f, v)                                               \
    ((v) >= (f)->min && (v) <= (f)->max)

#define kg_kafka_nullable(f, v)                                              \
    ((f)->nmin != KG_KAFKA_VNONE && (v) >= (f)->nmin && (v) <= (f)->nmax)

#define kg_kafka_tagged(f, v, flex)                                          \
    ((flex) && (f)->tmin != KG_KAFKA_VNONE && (v) >= (f)->tmin)

#define kg_kafka_compact(f, flex)                                            \
    ((flex) && !((f)->flags & KG_KAFKA_NOFLEX))

#define kg_kafka_left(r)   ((size_t) ((r)->last - (r)->pos))


/* non-NULL, never dereferenced: the data of empty strings and arrays */
u_char  kg_kafka_empty[8];

/* one object, so that callers can tell "need more bytes" by address */
const char  kg_kafka_truncated[] = "message truncated";

static const kg_kafka_tags_t  kg_kafka_no_tags;

/* minimum wire size of one value, by type; strings: non-compact */
static const size_t  kg_kafka_wire_min[] = {
    0, 1, 2, 2, 4, 8, 8, 1, 16, 2, 4, 4, 0
};


void
kg_kafka_reader_init(kg_kafka_reader_t *r, kg_pool_t *pool, u_char *buf,
    size_t len)
{
    if (buf == NULL) {
        buf = kg_kafka_empty;
        len = 0;
    }

    r->pos = buf;
    r->last = buf + len;
    r->err = NULL;
    r->pool = pool;
    r->depth = 0;

    /*
     * decoded structs are bigger than their encoding; the per-count checks
     * keep the ratio bounded, this budget makes the bound explicit
     */

    if (len > (SIZE_MAX - KG_KAFKA_ALLOC_SLACK) / KG_KAFKA_ALLOC_RATIO) {
        r->budget = SIZE_MAX;

    } else {
        r->budget = len * KG_KAFKA_ALLOC_RATIO + KG_KAFKA_ALLOC_SLACK;
    }
}


int8_t
kg_kafka_read_int8(kg_kafka_reader_t *r)
{
    if (r->err != NULL) {
        return 0;
    }

    if (kg_kafka_left(r) < 1) {
        r->err = kg_kafka_truncated;
        return 0;
    }

    return (int8_t) *r->pos++;
}


int16_t
kg_kafka_read_int16(kg_kafka_reader_t *r)
{
    uint16_t  n;

    if (r->err != NULL) {
        return 0;
    }

    if (kg_kafka_left(r) < 2) {
        r->err = kg_kafka_truncated;
        return 0;
    }

    n = (uint16_t) ((r->pos[0] << 8) | r->pos[1]);
    r->pos += 2;

    return (int16_t) n;
}


int32_t
kg_kafka_read_int32(kg_kafka_reader_t *r)
{
    uint32_t  n;

    if (r->err != NULL) {
        return 0;
    }

    if (kg_kafka_left(r) < 4) {
        r->err = kg_kafka_truncated;
        return 0;
    }

    n = ((uint32_t) r->pos[0] << 24) | ((uint32_t) r->pos[1] << 16)
        | ((uint32_t) r->pos[2] << 8) | r->pos[3];
    r->pos += 4;

    return (int32_t) n;
}


int64_t
kg_kafka_read_int64(kg_kafka_reader_t *r)
{
    uint64_t   n;
    kg_uint_t  i;

    if (r->err != NULL) {
        return 0;
    }

    if (kg_kafka_left(r) < 8) {
        r->err = kg_kafka_truncated;
        return 0;
    }

    n = 0;

    for (i = 0; i < 8; i++) {
        n = (n << 8) | r->pos[i];
    }

    r->pos += 8;

    return (int64_t) n;
}


uint32_t
kg_kafka_read_uvarint(kg_kafka_reader_t *r)
{
    u_char     b;
    uint32_t   n;
    kg_uint_t  shift;

    if (r->err != NULL) {
        return 0;
    }

    n = 0;

    for (shift = 0; shift < 35; shift += 7) {

        if (r->pos >= r->last) {
            r->err = kg_kafka_truncated;
            return 0;
        }

        b = *r->pos++;

        if (shift == 28 && (b & 0xf0)) {
            r->err = "varint overflows 32 bits";
            return 0;
        }

        n |= (uint32_t) (b & 0x7f) << shift;

        if (!(b & 0x80)) {

            /* a zero last group could be dropped: the encoding is not ours */

            if (b == 0 && shift != 0) {
                r->err = "varint is not minimally encoded";
                return 0;
            }

            return n;
        }
    }

    return 0;
}


void
kg_kafka_read_string(kg_kafka_reader_t *r, kg_uint_t compact,
    kg_uint_t nullable, kg_str_t *s)
{
    size_t    len;
    int16_t   n16;
    uint32_t  n;

    s->len = 0;
    s->data = kg_kafka_empty;

    if (compact) {
        n = kg_kafka_read_uvarint(r);
        if (r->err != NULL) {
            return;
        }

        if (n == 0) {
            goto null;
        }

        len = (size_t) n - 1;

    } else {
        n16 = kg_kafka_read_int16(r);
        if (r->err != NULL) {
            return;
        }

        if (n16 == -1) {
            goto null;
        }

        if (n16 < 0) {
            r->err = "negative string length";
            return;
        }

        len = (size_t) n16;
    }

    if (len > kg_kafka_left(r)) {
        r->err = kg_kafka_truncated;
        return;
    }

    s->len = len;
    s->data = r->pos;
    r->pos += len;

    return;

null:

    if (!nullable) {
        r->err = "null in a non-nullable string";
        return;
    }

    s->data = NULL;
}


static void
kg_kafka_read_bytes(kg_kafka_reader_t *r, kg_uint_t compact,
    kg_uint_t nullable, kg_str_t *s)
{
    size_t    len;
    int32_t   n32;
    uint32_t  n;

    s->len = 0;
    s->data = kg_kafka_empty;

    if (compact) {
        n = kg_kafka_read_uvarint(r);
        if (r->err != NULL) {
            return;
        }

        if (n == 0) {
            goto null;
        }

        len = (size_t) n - 1;

    } else {
        n32 = kg_kafka_read_int32(r);
        if (r->err != NULL) {
            return;
        }

        if (n32 == -1) {
            goto null;
        }

        if (n32 < 0) {
            r->err = "negative bytes length";
            return;
        }

        len = (size_t) n32;
    }

    if (len > kg_kafka_left(r)) {
        r->err = kg_kafka_truncated;
        return;
    }

    s->len = len;
    s->data = r->pos;
    r->pos += len;

    return;

null:

    if (!nullable) {
        r->err = "null in non-nullable bytes";
        return;
    }

    s->data = NULL;
}


void
kg_kafka_skip_tags(kg_kafka_reader_t *r, kg_str_t *raw)
{
    u_char    *start;
    int64_t    prev;
    uint32_t   n, i, tag, size;

    start = r->pos;
    raw->len = 0;
    raw->data = start;

    n = kg_kafka_read_uvarint(r);
    if (r->err != NULL) {
        return;
    }

    if (n > KG_KAFKA_MAX_TAGS || n > kg_kafka_left(r) / 2) {
        r->err = "too many tagged fields";
        return;
    }

    prev = -1;

    for (i = 0; i < n; i++) {
        tag = kg_kafka_read_uvarint(r);
        size = kg_kafka_read_uvarint(r);
        if (r->err != NULL) {
            return;
        }

        if ((int64_t) tag <= prev) {
            r->err = "tagged fields out of order";
            return;
        }

        if (size > kg_kafka_left(r)) {
            r->err = kg_kafka_truncated;
            return;
        }

        prev = tag;
        r->pos += size;
    }

    raw->len = r->pos - start;
}


const kg_kafka_api_t *
kg_kafka_api(kg_uint_t api_key)
{
    if (api_key >= KG_KAFKA_API_MAX || kg_kafka_apis[api_key].name == NULL) {
        return NULL;
    }

    return &kg_kafka_apis[api_key];
}


kg_int_t
kg_kafka_decode(kg_pool_t *pool, const kg_kafka_schema_t *schema,
    kg_uint_t version, kg_uint_t flexible, u_char *buf, size_t len, void *out,
    const char **err)
{
    kg_kafka_reader_t  r;

    kg_kafka_reader_init(&r, pool, buf, len);

    if (kg_kafka_decode_reader(&r, schema, version, flexible, out) == KG_OK
        && r.pos != r.last)
    {
        r.err = "trailing bytes after the message";
    }

    if (r.err != NULL) {
        if (err != NULL) {
            *err = r.err;
        }

        return KG_ERROR;
    }

    return KG_OK;
}


kg_int_t
kg_kafka_decode_reader(kg_kafka_reader_t *r, const kg_kafka_schema_t *schema,
    kg_uint_t version, kg_uint_t flexible, void *out)
{
    if (r->err != NULL) {
        return KG_ERROR;
    }

    if (version >= KG_KAFKA_VMAX) {
        r->err = "version out of range";
        return KG_ERROR;
    }

    kg_kafka_decode_struct(r, schema, version, flexible != 0, out);

    return (r->err == NULL) ? KG_OK : KG_ERROR;
}


/*
 * On error the struct is left partly filled: callers drop it, the memory
 * belongs to the pool.
 */

static void
kg_kafka_decode_struct(kg_kafka_reader_t *r, const kg_kafka_schema_t *s,
    kg_uint_t v, kg_uint_t flex, u_char *base)
{
    kg_uint_t                i;
    kg_kafka_tags_t         *tags;
    const kg_kafka_field_t  *f;

    if (++r->depth > KG_KAFKA_MAX_DEPTH) {
        r->err = "message nested too deep";
        return;
    }

    for (i = 0; i < s->nfields; i++) {
        f = &s->fields[i];

        if (!kg_kafka_present(f, v) || kg_kafka_tagged(f, v, flex)) {
            kg_kafka_set_default(f, base + f->offset);
            continue;
        }

        kg_kafka_decode_field(r, f, v, flex, base + f->offset);

        if (r->err != NULL) {
            return;
        }
    }

    tags = (kg_kafka_tags_t *) (base + s->tagged);
    tags->unknown = NULL;
    tags->nunknown = 0;
    tags->present = 0;

    if (flex) {
        kg_kafka_decode_tags(r, s, v, flex, base);
    }

    r->depth--;
}


static void
kg_kafka_decode_field(kg_kafka_reader_t *r, const kg_kafka_field_t *f,
    kg_uint_t v, kg_uint_t flex, u_char *dst)
{
    u_char            *elt;
    size_t             min, esize, count;
    int32_t            n32;
    uint32_t           n;
    kg_uint_t          i;
    kg_kafka_array_t  *a;

    if (!(f->flags & KG_KAFKA_ARRAY)) {
        kg_kafka_decode_value(r, f, v, flex, kg_kafka_nullable(f, v), 0, dst);
        return;
    }

    a = (kg_kafka_array_t *) dst;
    a->elts = NULL;
    a->nelts = 0;

    if (flex) {
        n = kg_kafka_read_uvarint(r);
        if (r->err != NULL) {
            return;
        }

        if (n == 0) {
            goto null;
        }

        count = (size_t) n - 1;

    } else {
        n32 = kg_kafka_read_int32(r);
        if (r->err != NULL) {
            return;
        }

        if (n32 == -1) {
            goto null;
        }

        if (n32 < 0) {
            r->err = "negative array length";
            return;
        }

        count = (size_t) n32;
    }

    /* the count is checked against what is left before any allocation */

    min = kg_kafka_min_size(f, v, flex, 0, r->depth);
    if (min == 0) {
        min = 1;
    }

    if (count > kg_kafka_left(r) / min) {
        r->err = "array length exceeds the message";
        return;
    }

    if (count == 0) {
        a->elts = kg_kafka_empty;
        return;
    }

    esize = kg_kafka_elt_size(f);

    if (count > SIZE_MAX / esize) {
        r->err = "array too large";
        return;
    }

    elt = kg_kafka_alloc(r, count * esize);
    if (elt == NULL) {
        return;
    }

    a->elts = elt;
    a->nelts = count;

    for (i = 0; i < count; i++) {
        kg_kafka_decode_value(r, f, v, flex, 0, 1, elt);

        if (r->err != NULL) {
            return;
        }

        elt += esize;
    }

    return;

null:

    if (!kg_kafka_nullable(f, v)) {
        r->err = "null in a non-nullable array";
    }
}


static void
kg_kafka_decode_value(kg_kafka_reader_t *r, const kg_kafka_field_t *f,
    kg_uint_t v, kg_uint_t flex, kg_uint_t nullable, kg_uint_t inlined,
    u_char *dst)
{
    int8_t     marker;
    int64_t    n;
    u_char    *sub;
    uint8_t    b;

    switch (f->type) {

    case KG_KAFKA_INT8:
        *(int8_t *) dst = kg_kafka_read_int8(r);
        return;

    case KG_KAFKA_INT16:
        *(int16_t *) dst = kg_kafka_read_int16(r);
        return;

    case KG_KAFKA_UINT16:
        *(uint16_t *) dst = (uint16_t) kg_kafka_read_int16(r);
        return;

    case KG_KAFKA_INT32:
        *(int32_t *) dst = kg_kafka_read_int32(r);
        return;

    case KG_KAFKA_INT64:
        *(int64_t *) dst = kg_kafka_read_int64(r);
        return;

    case KG_KAFKA_FLOAT64:
        n = kg_kafka_read_int64(r);
        kg_memcpy(dst, &n, sizeof(double));
        return;

    case KG_KAFKA_BOOL:
        b = (uint8_t) kg_kafka_read_int8(r);
        *(uint8_t *) dst = b;
        return;

    case KG_KAFKA_UUID:
        if (r->err != NULL) {
            return;
        }

        if (kg_kafka_left(r) < 16) {
            r->err = kg_kafka_truncated;
            return;
        }

        kg_memcpy(dst, r->pos, 16);
        r->pos += 16;
        return;

    case KG_KAFKA_STRING:
        kg_kafka_read_string(r, kg_kafka_compact(f, flex), nullable,
                             (kg_str_t *) dst);
        return;

    case KG_KAFKA_BYTES:
    case KG_KAFKA_RECORDS:
        kg_kafka_read_bytes(r, kg_kafka_compact(f, flex), nullable,
                            (kg_str_t *) dst);
        return;

    case KG_KAFKA_STRUCT:
        if (inlined) {
            kg_kafka_decode_struct(r, f->schema, v, flex, dst);
            return;
        }

        *(u_char **) dst = NULL;

        if (nullable) {
            marker = kg_kafka_read_int8(r);
            if (r->err != NULL) {
                return;
            }

            if (marker == -1) {
                return;
            }

            if (marker != 1) {
                r->err = "invalid nullable struct marker";
                return;
            }
        }

        sub = kg_kafka_alloc(r, f->schema->size);
        if (sub == NULL) {
            return;
        }

        kg_kafka_decode_struct(r, f->schema, v, flex, sub);

        *(u_char **) dst = sub;
        return;

    default:
        r->err = "unknown field type in the schema";
        return;
    }
}


static void
kg_kafka_decode_tags(kg_kafka_reader_t *r, const kg_kafka_schema_t *s,
    kg_uint_t v, kg_uint_t flex, u_char *base)
{
    int64_t                  prev;
    uint32_t                 n, i, tag, size;
    kg_uint_t                k;
    kg_kafka_tag_t          *t;
    kg_kafka_tags_t         *tags;
    kg_kafka_reader_t        sub;
    const kg_kafka_field_t  *f;

    tags = (kg_kafka_tags_t *) (base + s->tagged);

    n = kg_kafka_read_uvarint(r);
    if (r->err != NULL) {
        return;
    }

    /* a tag takes at least two bytes: its number and its size */

    if (n > KG_KAFKA_MAX_TAGS || n > kg_kafka_left(r) / 2) {
        r->err = "too many tagged fields";
        return;
    }

    prev = -1;

    for (i = 0; i < n; i++) {
        tag = kg_kafka_read_uvarint(r);
        size = kg_kafka_read_uvarint(r);
        if (r->err != NULL) {
            return;
        }

        /* strictly ascending: no duplicates, and re-encoding is exact */

        if ((int64_t) tag <= prev) {
            r->err = "tagged fields out of order";
            return;
        }

        prev = tag;

        if (size > kg_kafka_left(r)) {
            r->err = kg_kafka_truncated;
            return;
        }

        f = NULL;

        for (k = 0; k < s->nfields; k++) {
            if (s->fields[k].tag == tag
                && kg_kafka_tagged(&s->fields[k], v, flex)
                && kg_kafka_present(&s->fields[k], v))
            {
                f = &s->fields[k];
                break;
            }
        }

        if (f != NULL) {
            sub = *r;
            sub.last = r->pos + size;

            kg_kafka_decode_field(&sub, f, v, flex, base + f->offset);

            if (sub.err == NULL && sub.pos != sub.last) {
                sub.err = "tagged field size mismatch";
            }

            if (sub.err != NULL) {
                r->err = sub.err;
                return;
            }

            r->budget = sub.budget;
            KG_KAFKA_TAG_SET(tags, tag);

        } else {
            if (tags->unknown == NULL) {
                tags->unknown = kg_kafka_alloc(r, n * sizeof(kg_kafka_tag_t));
                if (tags->unknown == NULL) {
                    return;
                }
            }

            t = &tags->unknown[tags->nunknown++];
            t->tag = tag;
            t->data.len = size;
            t->data.data = r->pos;
        }

        r->pos += size;
    }
}


static void *
kg_kafka_alloc(kg_kafka_reader_t *r, size_t size)
{
    void  *p;

    if (size > r->budget) {
        r->err = "decoded message exceeds the memory budget";
        return NULL;
    }

    r->budget -= size;

    p = kg_pcalloc(r->pool, size);
    if (p == NULL) {
        r->err = "out of memory";
    }

    return p;
}


static void
kg_kafka_set_default(const kg_kafka_field_t *f, u_char *dst)
{
    kg_str_t          *s;
    kg_kafka_array_t  *a;

    if (f->flags & KG_KAFKA_ARRAY) {
        a = (kg_kafka_array_t *) dst;
        a->elts = (f->def == KG_KAFKA_DEF_NULL) ? NULL : kg_kafka_empty;
        a->nelts = 0;
        return;
    }

    switch (f->type) {

    case KG_KAFKA_INT8:
        *(int8_t *) dst = (int8_t) f->def;
        break;

    case KG_KAFKA_INT16:
        *(int16_t *) dst = (int16_t) f->def;
        break;

    case KG_KAFKA_UINT16:
        *(uint16_t *) dst = (uint16_t) f->def;
        break;

    case KG_KAFKA_INT32:
        *(int32_t *) dst = (int32_t) f->def;
        break;

    case KG_KAFKA_INT64:
        *(int64_t *) dst = f->def;
        break;

    case KG_KAFKA_FLOAT64:
        *(double *) dst = 0.0;
        break;

    case KG_KAFKA_BOOL:
        *(uint8_t *) dst = (uint8_t) f->def;
        break;

    case KG_KAFKA_UUID:
        kg_memzero(dst, sizeof(kg_kafka_uuid_t));
        break;

    case KG_KAFKA_STRING:
    case KG_KAFKA_BYTES:
    case KG_KAFKA_RECORDS:
        s = (kg_str_t *) dst;
        s->len = 0;
        s->data = (f->def == KG_KAFKA_DEF_NULL) ? NULL : kg_kafka_empty;
        break;

    default: /* KG_KAFKA_STRUCT */
        *(u_char **) dst = NULL;
        break;
    }
}


static size_t
kg_kafka_elt_size(const kg_kafka_field_t *f)
{
    switch (f->type) {

    case KG_KAFKA_INT8:
    case KG_KAFKA_BOOL:
        return 1;

    case KG_KAFKA_INT16:
    case KG_KAFKA_UINT16:
        return 2;

    case KG_KAFKA_INT32:
        return 4;

    case KG_KAFKA_INT64:
    case KG_KAFKA_FLOAT64:
        return 8;

    case KG_KAFKA_UUID:
        return sizeof(kg_kafka_uuid_t);

    case KG_KAFKA_STRING:
    case KG_KAFKA_BYTES:
    case KG_KAFKA_RECORDS:
        return sizeof(kg_str_t);

    default: /* KG_KAFKA_STRUCT */
        return f->schema->size;
    }
}


/* the fewest bytes one value of the field can take on the wire */

static size_t
kg_kafka_min_size(const kg_kafka_field_t *f, kg_uint_t v, kg_uint_t flex,
    kg_uint_t nullable, kg_uint_t depth)
{
    switch (f->type) {

    case KG_KAFKA_STRING:
    case KG_KAFKA_BYTES:
    case KG_KAFKA_RECORDS:
        return kg_kafka_compact(f, flex) ? 1 : kg_kafka_wire_min[f->type];

    case KG_KAFKA_STRUCT:
        if (nullable) {
            return 1;
        }

        return kg_kafka_schema_min_size(f->schema, v, flex, depth + 1);

    default:
        return kg_kafka_wire_min[f->type];
    }
}


static size_t
kg_kafka_schema_min_size(const kg_kafka_schema_t *s, kg_uint_t v,
    kg_uint_t flex, kg_uint_t depth)
{
    size_t                   size;
    kg_uint_t                i;
    const kg_kafka_field_t  *f;

    size = flex ? 1 : 0;

    if (depth > KG_KAFKA_MAX_DEPTH) {
        return size;
    }

    for (i = 0; i < s->nfields; i++) {
        f = &s->fields[i];

        if (!kg_kafka_present(f, v) || kg_kafka_tagged(f, v, flex)) {
            continue;
        }

        if (f->flags & KG_KAFKA_ARRAY) {
            size += flex ? 1 : 4;
            continue;
        }

        size += kg_kafka_min_size(f, v, flex, kg_kafka_nullable(f, v), depth);
    }

    return size;
}


size_t
kg_kafka_encoded_size(const kg_kafka_schema_t *schema, kg_uint_t version,
    kg_uint_t flexible, void *msg)
{
    if (version >= KG_KAFKA_VMAX) {
        return KG_KAFKA_SIZE_ERROR;
    }

    return kg_kafka_size_struct(schema, version, flexible != 0, msg, 0);
}


u_char *
kg_kafka_encode(u_char *p, const kg_kafka_schema_t *schema, kg_uint_t version,
    kg_uint_t flexible, void *msg)
{
    return kg_kafka_write_struct(p, schema, version, flexible != 0, msg, 0);
}


/*
 * A NULL base encodes the struct's defaults: a missing struct in a
 * version that needs one, or a struct the caller left unset.
 */

static size_t
kg_kafka_size_struct(const kg_kafka_schema_t *s, kg_uint_t v, kg_uint_t flex,
    u_char *base, kg_uint_t depth)
{
    size_t                   size, n, count;
    u_char                  *dst;
    kg_uint_t                i;
    kg_kafka_value_t         def;
    const kg_kafka_tags_t   *tags;
    const kg_kafka_field_t  *f;

    if (depth > KG_KAFKA_MAX_DEPTH) {
        return KG_KAFKA_SIZE_ERROR;
    }

    tags = base ? (kg_kafka_tags_t *) (base + s->tagged) : &kg_kafka_no_tags;

    size = 0;
    count = 0;

    for (i = 0; i < s->nfields; i++) {
        f = &s->fields[i];

        if (!kg_kafka_present(f, v)) {
            continue;
        }

        if (kg_kafka_tagged(f, v, flex) && !KG_KAFKA_TAG_ISSET(tags, f->tag))
        {
            continue;
        }

        if (base) {
            dst = base + f->offset;

        } else {
            dst = (u_char *) &def;
            kg_kafka_set_default(f, dst);
        }

        n = kg_kafka_size_field(f, v, flex, dst, depth);
        if (n == KG_KAFKA_SIZE_ERROR) {
            return n;
        }

        if (kg_kafka_tagged(f, v, flex)) {
            if (n > UINT32_MAX) {
                return KG_KAFKA_SIZE_ERROR;
            }

            n += kg_kafka_uvarint_size(f->tag)
                 + kg_kafka_uvarint_size((uint32_t) n);
            count++;
        }

        size += n;
    }

    if (!flex) {
        return size;
    }

    for (i = 0; i < tags->nunknown; i++) {
        if (tags->unknown[i].data.len > UINT32_MAX) {
            return KG_KAFKA_SIZE_ERROR;
        }

        size += kg_kafka_uvarint_size(tags->unknown[i].tag)
                + kg_kafka_uvarint_size((uint32_t) tags->unknown[i].data.len)
                + tags->unknown[i].data.len;
    }

    count += tags->nunknown;

    if (count > KG_KAFKA_MAX_TAGS) {
        return KG_KAFKA_SIZE_ERROR;
    }

    return size + kg_kafka_uvarint_size((uint32_t) count);
}


static size_t
kg_kafka_size_field(const kg_kafka_field_t *f, kg_uint_t v, kg_uint_t flex,
    u_char *dst, kg_uint_t depth)
{
    u_char            *elt;
    size_t             size, n, esize;
    kg_uint_t          i;
    kg_kafka_array_t  *a;

    if (!(f->flags & KG_KAFKA_ARRAY)) {
        return kg_kafka_size_value(f, v, flex, kg_kafka_nullable(f, v), 0, dst,
                                   depth);
    }

    a = (kg_kafka_array_t *) dst;

    if (a->elts == NULL && kg_kafka_nullable(f, v)) {
        return flex ? 1 : 4;
    }

    /* a NULL array where null is not allowed is written empty */

    if (a->elts == NULL || a->nelts == 0) {
        return flex ? 1 : 4;
    }

    if (a->nelts >= INT32_MAX) {
        return KG_KAFKA_SIZE_ERROR;
    }

    size = flex ? kg_kafka_uvarint_size((uint32_t) a->nelts + 1) : 4;
    esize = kg_kafka_elt_size(f);
    elt = a->elts;

    for (i = 0; i < a->nelts; i++) {
        n = kg_kafka_size_value(f, v, flex, 0, 1, elt, depth);
        if (n == KG_KAFKA_SIZE_ERROR) {
            return n;
        }

        size += n;
        elt += esize;
    }

    return size;
}


static size_t
kg_kafka_size_value(const kg_kafka_field_t *f, kg_uint_t v, kg_uint_t flex,
    kg_uint_t nullable, kg_uint_t inlined, u_char *dst, kg_uint_t depth)
{
    size_t     n;
    u_char    *sub;
    kg_str_t  *s;

    switch (f->type) {

    case KG_KAFKA_STRING:
    case KG_KAFKA_BYTES:
    case KG_KAFKA_RECORDS:
        s = (kg_str_t *) dst;

        if (s->data == NULL && nullable) {
            return kg_kafka_compact(f, flex)
                   ? 1 : kg_kafka_wire_min[f->type];
        }

        n = (s->data == NULL) ? 0 : s->len;

        if (kg_kafka_compact(f, flex)) {
            if (n >= UINT32_MAX) {
                return KG_KAFKA_SIZE_ERROR;
            }

            return kg_kafka_uvarint_size((uint32_t) n + 1) + n;
        }

        if (n > (size_t) ((f->type == KG_KAFKA_STRING) ? INT16_MAX
                                                       : INT32_MAX))
        {
            return KG_KAFKA_SIZE_ERROR;
        }

        return kg_kafka_wire_min[f->type] + n;

    case KG_KAFKA_STRUCT:
        if (inlined) {
            return kg_kafka_size_struct(f->schema, v, flex, dst, depth + 1);
        }

        sub = *(u_char **) dst;

        if (!nullable) {
            return kg_kafka_size_struct(f->schema, v, flex, sub, depth + 1);
        }

        if (sub == NULL) {
            return 1;
        }

        n = kg_kafka_size_struct(f->schema, v, flex, sub, depth + 1);

        return (n == KG_KAFKA_SIZE_ERROR) ? n : n + 1;

    default:
        return kg_kafka_wire_min[f->type];
    }
}


static u_char *
kg_kafka_write_struct(u_char *p, const kg_kafka_schema_t *s, kg_uint_t v,
    kg_uint_t flex, u_char *base, kg_uint_t depth)
{
    size_t                   n;
    u_char                  *dst;
    uint32_t                 count, tag, ui;
    kg_uint_t                i;
    kg_kafka_tag_t          *t;
    kg_kafka_value_t         def;
    const kg_kafka_tags_t   *tags;
    const kg_kafka_field_t  *f;

    tags = base ? (kg_kafka_tags_t *) (base + s->tagged) : &kg_kafka_no_tags;

    count = tags->nunknown;

    for (i = 0; i < s->nfields; i++) {
        f = &s->fields[i];

        if (!kg_kafka_present(f, v)) {
            continue;
        }

        if (kg_kafka_tagged(f, v, flex)) {
            count += KG_KAFKA_TAG_ISSET(tags, f->tag);
            continue;
        }

        if (base) {
            dst = base + f->offset;

        } else {
            dst = (u_char *) &def;
            kg_kafka_set_default(f, dst);
        }

        p = kg_kafka_write_field(p, f, v, flex, dst, depth);
    }

    if (!flex) {
        return p;
    }

    p = kg_kafka_write_uvarint(p, count);

    if (count == 0) {
        return p;
    }

    /* known and unknown tags merged in ascending order */

    ui = 0;

    for (tag = 0; tags->present != 0 && tag < 32; tag++) {

        if (!KG_KAFKA_TAG_ISSET(tags, tag)) {
            continue;
        }

        for (i = 0; i < s->nfields; i++) {
            f = &s->fields[i];

            if (f->tag == tag && kg_kafka_tagged(f, v, flex)
                && kg_kafka_present(f, v))
            {
                break;
            }
        }

        if (i == s->nfields) {
            continue;
        }

        while (ui < tags->nunknown && tags->unknown[ui].tag < tag) {
            t = &tags->unknown[ui++];
            p = kg_kafka_write_uvarint(p, t->tag);
            p = kg_kafka_write_uvarint(p, (uint32_t) t->data.len);
            p = kg_cpymem(p, t->data.data, t->data.len);
        }

        n = kg_kafka_size_field(f, v, flex, base + f->offset, depth);

        p = kg_kafka_write_uvarint(p, tag);
        p = kg_kafka_write_uvarint(p, (uint32_t) n);
        p = kg_kafka_write_field(p, f, v, flex, base + f->offset, depth);
    }

    while (ui < tags->nunknown) {
        t = &tags->unknown[ui++];
        p = kg_kafka_write_uvarint(p, t->tag);
        p = kg_kafka_write_uvarint(p, (uint32_t) t->data.len);

        if (t->data.len) {
            p = kg_cpymem(p, t->data.data, t->data.len);
        }
    }

    return p;
}


static u_char *
kg_kafka_write_field(u_char *p, const kg_kafka_field_t *f, kg_uint_t v,
    kg_uint_t flex, u_char *dst, kg_uint_t depth)
{
    u_char            *elt;
    size_t             esize;
    kg_uint_t          i;
    kg_kafka_array_t  *a;

    if (!(f->flags & KG_KAFKA_ARRAY)) {
        return kg_kafka_write_value(p, f, v, flex, kg_kafka_nullable(f, v), 0,
                                    dst, depth);
    }

    a = (kg_kafka_array_t *) dst;

    if (a->elts == NULL && kg_kafka_nullable(f, v)) {
        if (flex) {
            *p++ = 0;
            return p;
        }

        return kg_kafka_write_int(p, (uint32_t) -1, 4);
    }

    if (a->elts == NULL || a->nelts == 0) {
        return flex ? kg_kafka_write_uvarint(p, 1)
                    : kg_kafka_write_int(p, 0, 4);
    }

    if (flex) {
        p = kg_kafka_write_uvarint(p, (uint32_t) a->nelts + 1);

    } else {
        p = kg_kafka_write_int(p, a->nelts, 4);
    }

    esize = kg_kafka_elt_size(f);
    elt = a->elts;

    for (i = 0; i < a->nelts; i++) {
        p = kg_kafka_write_value(p, f, v, flex, 0, 1, elt, depth);
        elt += esize;
    }

    return p;
}


static u_char *
kg_kafka_write_value(u_char *p, const kg_kafka_field_t *f, kg_uint_t v,
    kg_uint_t flex, kg_uint_t nullable, kg_uint_t inlined, u_char *dst,
    kg_uint_t depth)
{
    size_t     n;
    u_char    *sub;
    int64_t    i64;
    kg_str_t  *s;

    switch (f->type) {

    case KG_KAFKA_INT8:
        return kg_kafka_write_int(p, (uint8_t) *(int8_t *) dst, 1);

    case KG_KAFKA_BOOL:
        return kg_kafka_write_int(p, *(uint8_t *) dst, 1);

    case KG_KAFKA_INT16:
        return kg_kafka_write_int(p, (uint16_t) *(int16_t *) dst, 2);

    case KG_KAFKA_UINT16:
        return kg_kafka_write_int(p, *(uint16_t *) dst, 2);

    case KG_KAFKA_INT32:
        return kg_kafka_write_int(p, (uint32_t) *(int32_t *) dst, 4);

    case KG_KAFKA_INT64:
        return kg_kafka_write_int(p, (uint64_t) *(int64_t *) dst, 8);

    case KG_KAFKA_FLOAT64:
        kg_memcpy(&i64, dst, sizeof(double));
        return kg_kafka_write_int(p, (uint64_t) i64, 8);

    case KG_KAFKA_UUID:
        return kg_cpymem(p, dst, 16);

    case KG_KAFKA_STRING:
    case KG_KAFKA_BYTES:
    case KG_KAFKA_RECORDS:
        s = (kg_str_t *) dst;

        if (s->data == NULL && nullable) {
            if (kg_kafka_compact(f, flex)) {
                *p++ = 0;
                return p;
            }

            return kg_kafka_write_int(p, (uint64_t) -1,
                                      kg_kafka_wire_min[f->type]);
        }

        n = (s->data == NULL) ? 0 : s->len;

        if (kg_kafka_compact(f, flex)) {
            p = kg_kafka_write_uvarint(p, (uint32_t) n + 1);

        } else {
            p = kg_kafka_write_int(p, n, kg_kafka_wire_min[f->type]);
        }

        return n ? kg_cpymem(p, s->data, n) : p;

    default: /* KG_KAFKA_STRUCT */
        if (inlined) {
            return kg_kafka_write_struct(p, f->schema, v, flex, dst,
                                         depth + 1);
        }

        sub = *(u_char **) dst;

        if (nullable) {
            if (sub == NULL) {
                *p++ = 0xff;
                return p;
            }

            *p++ = 1;
        }

        return kg_kafka_write_struct(p, f->schema, v, flex, sub, depth + 1);
    }
}


static u_char *
kg_kafka_write_int(u_char *p, uint64_t n, size_t len)
{
    size_t  i;

    for (i = len; i > 0; i--) {
        p[i - 1] = (u_char) (n & 0xff);
        n >>= 8;
    }

    return p + len;
}


static u_char *
kg_kafka_write_uvarint(u_char *p, uint32_t n)
{
    while (n >= 0x80) {
        *p++ = (u_char) ((n & 0x7f) | 0x80);
        n >>= 7;
    }

    *p++ = (u_char) n;

    return p;
}


static size_t
kg_kafka_uvarint_size(uint32_t n)
{
    size_t  size;

    size = 1;

    while (n >= 0x80) {
        n >>= 7;
        size++;
    }

    return size;
}


u_char *
kg_kafka_print(u_char *p, u_char *last, const kg_kafka_schema_t *schema,
    kg_uint_t version, kg_uint_t flexible, void *msg)
{
    return kg_kafka_print_struct(p, last, schema, version, flexible != 0, msg,
                                 0);
}


static u_char *
kg_kafka_print_struct(u_char *p, u_char *last, const kg_kafka_schema_t *s,
    kg_uint_t v, kg_uint_t flex, u_char *base, kg_uint_t depth)
{
    u_char                  *elt;
    size_t                   esize;
    kg_uint_t                i, j, first;
    kg_kafka_array_t        *a;
    const kg_kafka_tags_t   *tags;
    const kg_kafka_field_t  *f;

    if (base == NULL) {
        return kg_kafka_print_str(p, last, "null");
    }

    if (depth > KG_KAFKA_MAX_DEPTH) {
        return kg_kafka_print_str(p, last, "{...}");
    }

    tags = (kg_kafka_tags_t *) (base + s->tagged);
    first = 1;

    p = kg_kafka_print_str(p, last, "{");

    for (i = 0; i < s->nfields; i++) {
        f = &s->fields[i];

        if (!kg_kafka_present(f, v)) {
            continue;
        }

        if (kg_kafka_tagged(f, v, flex) && !KG_KAFKA_TAG_ISSET(tags, f->tag))
        {
            continue;
        }

        p = kg_kafka_print_str(p, last, first ? "" : " ");
        p = kg_kafka_print_str(p, last, f->name);
        p = kg_kafka_print_str(p, last, "=");
        first = 0;

        if (!(f->flags & KG_KAFKA_ARRAY)) {
            p = kg_kafka_print_value(p, last, f, v, flex, 0,
                                     base + f->offset, depth);
            continue;
        }

        a = (kg_kafka_array_t *) (base + f->offset);

        if (a->elts == NULL) {
            p = kg_kafka_print_str(p, last, "null");
            continue;
        }

        p = kg_kafka_print_str(p, last, "[");
        esize = kg_kafka_elt_size(f);
        elt = a->elts;

        for (j = 0; j < a->nelts; j++) {
            p = kg_kafka_print_str(p, last, j ? "," : "");
            p = kg_kafka_print_value(p, last, f, v, flex, 1, elt, depth);
            elt += esize;
        }

        p = kg_kafka_print_str(p, last, "]");
    }

    for (i = 0; i < tags->nunknown; i++) {
        p = kg_kafka_print_str(p, last, first ? "?" : " ?");
        p = kg_kafka_print_int(p, last, tags->unknown[i].tag);
        p = kg_kafka_print_str(p, last, "=\"");
        p = kg_kafka_print_hex(p, last, tags->unknown[i].data.data,
                               tags->unknown[i].data.len);
        p = kg_kafka_print_str(p, last, "\"");
        first = 0;
    }

    return kg_kafka_print_str(p, last, "}");
}


static u_char *
kg_kafka_print_value(u_char *p, u_char *last, const kg_kafka_field_t *f,
    kg_uint_t v, kg_uint_t flex, kg_uint_t inlined, u_char *dst,
    kg_uint_t depth)
{
    u_char    *sub;
    int64_t    i64;
    kg_str_t  *s;
    u_char     bits[8];

    switch (f->type) {

    case KG_KAFKA_INT8:
        return kg_kafka_print_int(p, last, *(int8_t *) dst);

    case KG_KAFKA_BOOL:
        return kg_kafka_print_int(p, last, *(uint8_t *) dst);

    case KG_KAFKA_INT16:
        return kg_kafka_print_int(p, last, *(int16_t *) dst);

    case KG_KAFKA_UINT16:
        return kg_kafka_print_int(p, last, *(uint16_t *) dst);

    case KG_KAFKA_INT32:
        return kg_kafka_print_int(p, last, *(int32_t *) dst);

    case KG_KAFKA_INT64:
        return kg_kafka_print_int(p, last, *(int64_t *) dst);

    case KG_KAFKA_FLOAT64:
        kg_memcpy(&i64, dst, sizeof(double));
        kg_kafka_write_int(bits, (uint64_t) i64, 8);
        p = kg_kafka_print_str(p, last, "0x");
        return kg_kafka_print_hex(p, last, bits, 8);

    case KG_KAFKA_UUID:
        return kg_kafka_print_hex(p, last, dst, 16);

    case KG_KAFKA_STRING:
    case KG_KAFKA_BYTES:
    case KG_KAFKA_RECORDS:
        s = (kg_str_t *) dst;

        if (s->data == NULL) {
            return kg_kafka_print_str(p, last, "null");
        }

        p = kg_kafka_print_str(p, last, "\"");
        p = kg_kafka_print_hex(p, last, s->data, s->len);
        return kg_kafka_print_str(p, last, "\"");

    default: /* KG_KAFKA_STRUCT */
        sub = inlined ? dst : *(u_char **) dst;
        return kg_kafka_print_struct(p, last, f->schema, v, flex, sub,
                                     depth + 1);
    }
}


static u_char *
kg_kafka_print_str(u_char *p, u_char *last, const char *s)
{
    while (*s && p < last) {
        *p++ = (u_char) *s++;
    }

    return p;
}


static u_char *
kg_kafka_print_hex(u_char *p, u_char *last, u_char *data, size_t len)
{
    size_t                i;
    static const u_char   hex[] = "0123456789abcdef";

    for (i = 0; i < len && last - p >= 2; i++) {
        *p++ = hex[data[i] >> 4];
        *p++ = hex[data[i] & 0xf];
    }

    return p;
}


static u_char *
kg_kafka_print_int(u_char *p, u_char *last, int64_t n)
{
    u_char    *q;
    uint64_t   u;
    u_char     tmp[24];

    u = (n < 0) ? (uint64_t) 0 - (uint64_t) n : (uint64_t) n;
    q = tmp + sizeof(tmp);

    do {
        *--q = (u_char) ('0' + u % 10);
        u /= 10;
    } while (u);

    if (n < 0) {
        *--q = '-';
    }

    while (q < tmp + sizeof(tmp) && p < last) {
        *p++ = *q++;
    }

    return p;
}
