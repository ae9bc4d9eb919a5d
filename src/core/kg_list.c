/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


kg_list_t *
kg_list_create(kg_pool_t *pool, kg_uint_t n, size_t size)
{
    kg_list_t  *list;

    list = kg_palloc(pool, sizeof(kg_list_t));
    if (list == NULL) {
        return NULL;
    }

    if (kg_list_init(list, pool, n, size) != KG_OK) {
        return NULL;
    }

    return list;
}


void *
kg_list_push(kg_list_t *l)
{
    void            *elt;
    kg_list_part_t  *last;

    last = l->last;

    if (last->nelts == l->nalloc) {

        /* the last part is full, allocate a new list part */

        last = kg_palloc(l->pool, sizeof(kg_list_part_t));
        if (last == NULL) {
            return NULL;
        }

        last->elts = kg_palloc(l->pool, l->nalloc * l->size);
        if (last->elts == NULL) {
            return NULL;
        }

        last->nelts = 0;
        last->next = NULL;

        l->last->next = last;
        l->last = last;
    }

    elt = (char *) last->elts + l->size * last->nelts;
    last->nelts++;

    return elt;
}
