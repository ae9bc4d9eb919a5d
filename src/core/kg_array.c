/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


kg_array_t *
kg_array_create(kg_pool_t *p, kg_uint_t n, size_t size)
{
    kg_array_t  *a;

    a = kg_palloc(p, sizeof(kg_array_t));
    if (a == NULL) {
        return NULL;
    }

    if (kg_array_init(a, p, n, size) != KG_OK) {
        return NULL;
    }

    return a;
}


void
kg_array_destroy(kg_array_t *a)
{
    kg_pool_t  *p;

    p = a->pool;

    /* give the memory back only when it is the last thing in the pool */

    if ((u_char *) a->elts + a->size * a->nalloc == p->d.last) {
        p->d.last -= a->size * a->nalloc;
    }

    if ((u_char *) a + sizeof(kg_array_t) == p->d.last) {
        p->d.last = (u_char *) a;
    }
}


void *
kg_array_push(kg_array_t *a)
{
    void        *elt, *new;
    size_t       size;
    kg_uint_t    nalloc;
    kg_pool_t   *p;

    if (a->nelts == a->nalloc) {

        /* the array is full */

        size = a->size * a->nalloc;

        p = a->pool;

        if (a->elts != NULL
            && (u_char *) a->elts + size == p->d.last
            && p->d.last + a->size <= p->d.end)
        {
            /*
             * the array allocation is the last in the pool
             * and there is space for new allocation
             */

            p->d.last += a->size;
            a->nalloc++;

        } else {
            /* allocate a new array; one made with n == 0 gets room too */

            nalloc = a->nalloc ? 2 * a->nalloc : 4;

            new = kg_palloc(p, nalloc * a->size);
            if (new == NULL) {
                return NULL;
            }

            if (size) {
                kg_memcpy(new, a->elts, size);
            }

            a->elts = new;
            a->nalloc = nalloc;
        }
    }

    elt = (u_char *) a->elts + a->size * a->nelts;
    a->nelts++;

    return elt;
}


void *
kg_array_push_n(kg_array_t *a, kg_uint_t n)
{
    void        *elt, *new;
    size_t       size;
    kg_uint_t    nalloc;
    kg_pool_t   *p;

    size = n * a->size;

    if (a->nelts + n > a->nalloc) {

        /* the array is full */

        p = a->pool;

        if (a->elts != NULL
            && (u_char *) a->elts + a->size * a->nalloc == p->d.last
            && p->d.last + size <= p->d.end)
        {
            /*
             * the array allocation is the last in the pool
             * and there is space for new allocation
             */

            p->d.last += size;
            a->nalloc += n;

        } else {
            /* allocate a new array */

            nalloc = 2 * ((n >= a->nalloc) ? n : a->nalloc);

            new = kg_palloc(p, nalloc * a->size);
            if (new == NULL) {
                return NULL;
            }

            if (a->nelts) {
                kg_memcpy(new, a->elts, a->nelts * a->size);
            }

            a->elts = new;
            a->nalloc = nalloc;
        }
    }

    elt = (u_char *) a->elts + a->size * a->nelts;
    a->nelts += n;

    return elt;
}
