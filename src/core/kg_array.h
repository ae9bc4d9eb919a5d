/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_ARRAY_H_INCLUDED_
#define _KG_ARRAY_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


typedef struct {
    void        *elts;
    kg_uint_t    nelts;
    size_t       size;
    kg_uint_t    nalloc;
    kg_pool_t   *pool;
} kg_array_t;


kg_array_t *kg_array_create(kg_pool_t *p, kg_uint_t n, size_t size);
void kg_array_destroy(kg_array_t *a);
void *kg_array_push(kg_array_t *a);
void *kg_array_push_n(kg_array_t *a, kg_uint_t n);


static inline kg_int_t
kg_array_init(kg_array_t *array, kg_pool_t *pool, kg_uint_t n, size_t size)
{
    array->nelts = 0;
    array->size = size;
    array->nalloc = n;
    array->pool = pool;

    array->elts = kg_palloc(pool, n * size);
    if (array->elts == NULL) {
        return KG_ERROR;
    }

    return KG_OK;
}


#endif /* _KG_ARRAY_H_INCLUDED_ */
