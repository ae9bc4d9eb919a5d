/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


#define KG_HASH_ELT_SIZE(name)                                               \
    (sizeof(void *) + kg_align((name)->key.len + 2, sizeof(void *)))


void *
kg_hash_find(kg_hash_t *hash, kg_uint_t key, u_char *name, size_t len)
{
    kg_uint_t       i;
    kg_hash_elt_t  *elt;

    if (hash->size == 0) {
        return NULL;
    }

    elt = hash->buckets[key % hash->size];

    if (elt == NULL) {
        return NULL;
    }

    while (elt->value) {
        if (len != (size_t) elt->len) {
            goto next;
        }

        for (i = 0; i < len; i++) {
            if (name[i] != elt->name[i]) {
                goto next;
            }
        }

        return elt->value;

    next:

        elt = (kg_hash_elt_t *) kg_align_ptr(&elt->name[0] + elt->len,
                                             sizeof(void *));
        continue;
    }

    return NULL;
}


kg_int_t
kg_hash_init(kg_hash_init_t *hinit, kg_hash_key_t *names, kg_uint_t nelts)
{
    u_char          *elts;
    size_t           len, cacheline;
    u_short         *test;
    kg_uint_t        i, n, key, size, start, bucket_size;
    kg_hash_elt_t   *elt, **buckets;

    if (hinit->max_size == 0) {
        kg_log_error(KG_LOG_EMERG, hinit->pool->log, 0,
                     "could not build %s, you should "
                     "increase %s_max_size: %i",
                     hinit->name, hinit->name, hinit->max_size);
        return KG_ERROR;
    }

    /* a bucket's offsets are kept in u_short */

    if (hinit->bucket_size > 65536 - 256
        || hinit->bucket_size < 4 * sizeof(void *))
    {
        kg_log_error(KG_LOG_EMERG, hinit->pool->log, 0,
                     "could not build %s, invalid "
                     "%s_bucket_size: %i",
                     hinit->name, hinit->name, hinit->bucket_size);
        return KG_ERROR;
    }

    for (n = 0; n < nelts; n++) {
        if (names[n].key.data == NULL) {
            continue;
        }

        if (names[n].key.len > 65535
            || hinit->bucket_size
               < KG_HASH_ELT_SIZE(&names[n]) + sizeof(void *))
        {
            kg_log_error(KG_LOG_EMERG, hinit->pool->log, 0,
                         "could not build %s, you should "
                         "increase %s_bucket_size: %i",
                         hinit->name, hinit->name, hinit->bucket_size);
            return KG_ERROR;
        }
    }

    /* kg_cacheline_size is 0 until kg_os_init() has run */

    cacheline = kg_cacheline_size ? kg_cacheline_size : 64;

    test = kg_alloc(hinit->max_size * sizeof(u_short), hinit->pool->log);
    if (test == NULL) {
        return KG_ERROR;
    }

    bucket_size = hinit->bucket_size - sizeof(void *);

    start = nelts / (bucket_size / (2 * sizeof(void *)));
    start = start ? start : 1;

    /* the smallest number of buckets in which every bucket fits */

    for (size = start; size <= hinit->max_size; size++) {

        kg_memzero(test, size * sizeof(u_short));

        for (n = 0; n < nelts; n++) {
            if (names[n].key.data == NULL) {
                continue;
            }

            key = names[n].key_hash % size;
            len = test[key] + KG_HASH_ELT_SIZE(&names[n]);

            if (len > bucket_size) {
                goto next;
            }

            test[key] = (u_short) len;
        }

        goto found;

    next:

        continue;
    }

    kg_log_error(KG_LOG_EMERG, hinit->pool->log, 0,
                 "could not build %s, you should increase "
                 "either %s_max_size: %i or %s_bucket_size: %i",
                 hinit->name, hinit->name, hinit->max_size,
                 hinit->name, hinit->bucket_size);

    kg_free(test);

    return KG_ERROR;

found:

    for (i = 0; i < size; i++) {
        test[i] = sizeof(void *);
    }

    for (n = 0; n < nelts; n++) {
        if (names[n].key.data == NULL) {
            continue;
        }

        key = names[n].key_hash % size;
        len = test[key] + KG_HASH_ELT_SIZE(&names[n]);
        test[key] = (u_short) len;
    }

    len = 0;

    for (i = 0; i < size; i++) {
        if (test[i] == sizeof(void *)) {
            continue;
        }

        test[i] = (u_short) (kg_align(test[i], cacheline));

        len += test[i];
    }

    buckets = kg_pcalloc(hinit->pool, size * sizeof(kg_hash_elt_t *));
    if (buckets == NULL) {
        kg_free(test);
        return KG_ERROR;
    }

    elts = kg_palloc(hinit->pool, len + cacheline);
    if (elts == NULL) {
        kg_free(test);
        return KG_ERROR;
    }

    elts = kg_align_ptr(elts, cacheline);

    for (i = 0; i < size; i++) {
        if (test[i] == sizeof(void *)) {
            continue;
        }

        buckets[i] = (kg_hash_elt_t *) elts;
        elts += test[i];
    }

    for (i = 0; i < size; i++) {
        test[i] = 0;
    }

    for (n = 0; n < nelts; n++) {
        if (names[n].key.data == NULL) {
            continue;
        }

        key = names[n].key_hash % size;
        elt = (kg_hash_elt_t *) ((u_char *) buckets[key] + test[key]);

        elt->value = names[n].value;
        elt->len = (u_short) names[n].key.len;

        kg_strlow(elt->name, names[n].key.data, names[n].key.len);

        test[key] = (u_short) (test[key] + KG_HASH_ELT_SIZE(&names[n]));
    }

    /* a NULL value ends each bucket */

    for (i = 0; i < size; i++) {
        if (buckets[i] == NULL) {
            continue;
        }

        elt = (kg_hash_elt_t *) ((u_char *) buckets[i] + test[i]);

        elt->value = NULL;
    }

    kg_free(test);

    hinit->hash->buckets = buckets;
    hinit->hash->size = size;

    return KG_OK;
}


kg_uint_t
kg_hash_key(u_char *data, size_t len)
{
    kg_uint_t  i, key;

    key = 0;

    for (i = 0; i < len; i++) {
        key = kg_hash(key, data[i]);
    }

    return key;
}


kg_uint_t
kg_hash_key_lc(u_char *data, size_t len)
{
    kg_uint_t  i, key;

    key = 0;

    for (i = 0; i < len; i++) {
        key = kg_hash(key, kg_tolower(data[i]));
    }

    return key;
}


kg_uint_t
kg_hash_strlow(u_char *dst, u_char *src, size_t n)
{
    kg_uint_t  key;

    key = 0;

    while (n--) {
        *dst = kg_tolower(*src);
        key = kg_hash(key, *dst);
        dst++;
        src++;
    }

    return key;
}
