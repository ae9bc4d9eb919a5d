/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_HASH_H_INCLUDED_
#define _KG_HASH_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


typedef struct {
    void             *value;
    u_short           len;
    u_char            name[1];
} kg_hash_elt_t;


typedef struct {
    kg_hash_elt_t   **buckets;
    kg_uint_t         size;
} kg_hash_t;


typedef struct {
    kg_str_t          key;
    kg_uint_t         key_hash;
    void             *value;
} kg_hash_key_t;


typedef kg_uint_t (*kg_hash_key_pt) (u_char *data, size_t len);


typedef struct {
    kg_hash_t        *hash;
    kg_hash_key_pt    key;

    kg_uint_t         max_size;
    kg_uint_t         bucket_size;

    char             *name;
    kg_pool_t        *pool;
    kg_pool_t        *temp_pool;
} kg_hash_init_t;


#define kg_hash(key, c)   ((kg_uint_t) key * 31 + c)

kg_uint_t kg_hash_key(u_char *data, size_t len);
kg_uint_t kg_hash_key_lc(u_char *data, size_t len);
kg_uint_t kg_hash_strlow(u_char *dst, u_char *src, size_t n);


/*
 * builds a static, read-only hash from "nelts" keys (a key whose data is
 * NULL is skipped); as in nginx the names are stored lowercased, so look
 * names up lowercased, with key_hash from kg_hash_key_lc() or
 * kg_hash_strlow(); a table that does not fit in max_size buckets of
 * bucket_size bytes is reported at EMERG and gives KG_ERROR
 */

kg_int_t kg_hash_init(kg_hash_init_t *hinit, kg_hash_key_t *names,
    kg_uint_t nelts);
void *kg_hash_find(kg_hash_t *hash, kg_uint_t key, u_char *name, size_t len);


#endif /* _KG_HASH_H_INCLUDED_ */
