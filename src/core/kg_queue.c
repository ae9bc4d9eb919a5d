/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


static void kg_queue_merge(kg_queue_t *queue, kg_queue_t *tail,
    kg_int_t (*cmp)(const kg_queue_t *, const kg_queue_t *));


/*
 * find the middle queue element if the queue has odd number of elements
 * or the first element of the queue's second part otherwise
 */

kg_queue_t *
kg_queue_middle(kg_queue_t *queue)
{
    kg_queue_t  *middle, *next;

    middle = kg_queue_head(queue);

    if (middle == kg_queue_last(queue)) {
        return middle;
    }

    next = kg_queue_head(queue);

    for ( ;; ) {
        middle = kg_queue_next(middle);

        next = kg_queue_next(next);

        if (next == kg_queue_last(queue)) {
            return middle;
        }

        next = kg_queue_next(next);

        if (next == kg_queue_last(queue)) {
            return middle;
        }
    }
}


/* the stable merge sort */

void
kg_queue_sort(kg_queue_t *queue,
    kg_int_t (*cmp)(const kg_queue_t *, const kg_queue_t *))
{
    kg_queue_t  *q, tail;

    q = kg_queue_head(queue);

    if (q == kg_queue_last(queue)) {
        return;
    }

    q = kg_queue_middle(queue);

    kg_queue_split(queue, q, &tail);

    kg_queue_sort(queue, cmp);
    kg_queue_sort(&tail, cmp);

    kg_queue_merge(queue, &tail, cmp);
}


static void
kg_queue_merge(kg_queue_t *queue, kg_queue_t *tail,
    kg_int_t (*cmp)(const kg_queue_t *, const kg_queue_t *))
{
    kg_queue_t  *q1, *q2;

    q1 = kg_queue_head(queue);
    q2 = kg_queue_head(tail);

    for ( ;; ) {
        if (q1 == kg_queue_sentinel(queue)) {
            kg_queue_add(queue, tail);
            break;
        }

        if (q2 == kg_queue_sentinel(tail)) {
            break;
        }

        if (cmp(q1, q2) <= 0) {
            q1 = kg_queue_next(q1);
            continue;
        }

        kg_queue_remove(q2);
        kg_queue_insert_before(q1, q2);

        q2 = kg_queue_head(tail);
    }
}
