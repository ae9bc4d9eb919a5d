/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_QUEUE_H_INCLUDED_
#define _KG_QUEUE_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/* an intrusive doubly linked circular list with a sentinel */

typedef struct kg_queue_s  kg_queue_t;

struct kg_queue_s {
    kg_queue_t  *prev;
    kg_queue_t  *next;
};


#define kg_queue_init(q)                                                     \
    (q)->prev = q;                                                           \
    (q)->next = q


#define kg_queue_empty(h)                                                    \
    (h == (h)->prev)


#define kg_queue_insert_head(h, x)                                           \
    (x)->next = (h)->next;                                                   \
    (x)->next->prev = x;                                                     \
    (x)->prev = h;                                                           \
    (h)->next = x


#define kg_queue_insert_after   kg_queue_insert_head


#define kg_queue_insert_tail(h, x)                                           \
    (x)->prev = (h)->prev;                                                   \
    (x)->prev->next = x;                                                     \
    (x)->next = h;                                                           \
    (h)->prev = x


#define kg_queue_insert_before   kg_queue_insert_tail


#define kg_queue_head(h)                                                     \
    (h)->next


#define kg_queue_last(h)                                                     \
    (h)->prev


#define kg_queue_sentinel(h)                                                 \
    (h)


#define kg_queue_next(q)                                                     \
    (q)->next


#define kg_queue_prev(q)                                                     \
    (q)->prev


#if (KG_DEBUG)

#define kg_queue_remove(x)                                                   \
    (x)->next->prev = (x)->prev;                                             \
    (x)->prev->next = (x)->next;                                             \
    (x)->prev = NULL;                                                        \
    (x)->next = NULL

#else

#define kg_queue_remove(x)                                                   \
    (x)->next->prev = (x)->prev;                                             \
    (x)->prev->next = (x)->next

#endif


#define kg_queue_split(h, q, n)                                              \
    (n)->prev = (h)->prev;                                                   \
    (n)->prev->next = n;                                                     \
    (n)->next = q;                                                           \
    (h)->prev = (q)->prev;                                                   \
    (h)->prev->next = h;                                                     \
    (q)->prev = n;


#define kg_queue_add(h, n)                                                   \
    (h)->prev->next = (n)->next;                                             \
    (n)->next->prev = (h)->prev;                                             \
    (h)->prev = (n)->prev;                                                   \
    (h)->prev->next = h;


#define kg_queue_data(q, type, link)                                         \
    (type *) ((u_char *) q - offsetof(type, link))


kg_queue_t *kg_queue_middle(kg_queue_t *queue);
void kg_queue_sort(kg_queue_t *queue,
    kg_int_t (*cmp)(const kg_queue_t *, const kg_queue_t *));


#endif /* _KG_QUEUE_H_INCLUDED_ */
