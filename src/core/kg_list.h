/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_LIST_H_INCLUDED_
#define _KG_LIST_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


typedef struct kg_list_part_s  kg_list_part_t;

struct kg_list_part_s {
    void             *elts;
    kg_uint_t         nelts;
    kg_list_part_t   *next;
};


typedef struct {
    kg_list_part_t   *last;
    kg_list_part_t    part;
    size_t            size;
    kg_uint_t         nalloc;
    kg_pool_t        *pool;
} kg_list_t;


kg_list_t *kg_list_create(kg_pool_t *pool, kg_uint_t n, size_t size);

static inline kg_int_t
kg_list_init(kg_list_t *list, kg_pool_t *pool, kg_uint_t n, size_t size)
{
    list->part.elts = kg_palloc(pool, n * size);
    if (list->part.elts == NULL) {
        return KG_ERROR;
    }

    list->part.nelts = 0;
    list->part.next = NULL;
    list->last = &list->part;
    list->size = size;
    list->nalloc = n;
    list->pool = pool;

    return KG_OK;
}


/*
 *
 *  the iteration through the list:
 *
 *  part = &list.part;
 *  data = part->elts;
 *
 *  for (i = 0 ;; i++) {
 *
 *      if (i >= part->nelts) {
 *          if (part->next == NULL) {
 *              break;
 *          }
 *
 *          part = part->next;
 *          data = part->elts;
 *          i = 0;
 *      }
 *
 *      ...  data[i] ...
 *
 *  }
 */


void *kg_list_push(kg_list_t *list);


#endif /* _KG_LIST_H_INCLUDED_ */
