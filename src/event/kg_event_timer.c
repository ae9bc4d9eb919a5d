/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>


kg_rbtree_t              kg_event_timer_rbtree;
static kg_rbtree_node_t  kg_event_timer_sentinel;

/*
 * the event timer rbtree may contain the duplicate keys, however,
 * it should not be a problem, because we use the rbtree to find
 * a minimum timer value only
 */

kg_int_t
kg_event_timer_init(kg_log_t *log)
{
    kg_rbtree_init(&kg_event_timer_rbtree, &kg_event_timer_sentinel,
                   kg_rbtree_insert_timer_value);

    return KG_OK;
}


kg_msec_t
kg_event_find_timer(void)
{
    kg_msec_int_t      timer;
    kg_rbtree_node_t  *node, *root, *sentinel;

    if (kg_event_timer_rbtree.root == &kg_event_timer_sentinel) {
        return KG_TIMER_INFINITE;
    }

    root = kg_event_timer_rbtree.root;
    sentinel = kg_event_timer_rbtree.sentinel;

    node = kg_rbtree_min(root, sentinel);

    timer = (kg_msec_int_t) (node->key - kg_current_msec);

    return (kg_msec_t) (timer > 0 ? timer : 0);
}


void
kg_event_expire_timers(void)
{
    kg_event_t        *ev;
    kg_rbtree_node_t  *node, *root, *sentinel;

    sentinel = kg_event_timer_rbtree.sentinel;

    for ( ;; ) {
        root = kg_event_timer_rbtree.root;

        if (root == sentinel) {
            return;
        }

        node = kg_rbtree_min(root, sentinel);

        /* node->key > kg_current_msec */

        if ((kg_msec_int_t) (node->key - kg_current_msec) > 0) {
            return;
        }

        ev = kg_rbtree_data(node, kg_event_t, timer);

        kg_log_debug2(KG_LOG_DEBUG_EVENT, ev->log, 0,
                      "event timer del: %d: %M",
                      kg_event_ident(ev->data), ev->timer.key);

        kg_rbtree_delete(&kg_event_timer_rbtree, &ev->timer);

#if (KG_DEBUG)
        ev->timer.left = NULL;
        ev->timer.right = NULL;
        ev->timer.parent = NULL;
#endif

        ev->timer_set = 0;

        ev->timedout = 1;

        ev->handler(ev);
    }
}


/*
 * an exiting worker waits for its timers: only those marked cancelable
 * (idle keepalives, retries) may be dropped without waiting
 */

kg_int_t
kg_event_no_timers_left(void)
{
    kg_event_t        *ev;
    kg_rbtree_node_t  *node, *root, *sentinel;

    sentinel = kg_event_timer_rbtree.sentinel;
    root = kg_event_timer_rbtree.root;

    if (root == sentinel) {
        return KG_OK;
    }

    for (node = kg_rbtree_min(root, sentinel);
         node;
         node = kg_rbtree_next(&kg_event_timer_rbtree, node))
    {
        ev = kg_rbtree_data(node, kg_event_t, timer);

        if (!ev->cancelable) {
            return KG_AGAIN;
        }
    }

    /* only cancelable timers left */

    return KG_OK;
}


/*
 * fire every cancelable timer at once as timed out, so that their owners
 * clean up before the worker exits; the other timers are left running
 */

void
kg_event_cancel_timers(void)
{
    kg_event_t        *ev;
    kg_rbtree_node_t  *node, *next, *root, *sentinel;

    sentinel = kg_event_timer_rbtree.sentinel;

    for ( ;; ) {
        root = kg_event_timer_rbtree.root;

        if (root == sentinel) {
            return;
        }

        /* a handler may add or delete timers: restart the walk each time */

        ev = NULL;

        for (node = kg_rbtree_min(root, sentinel); node; node = next) {
            next = kg_rbtree_next(&kg_event_timer_rbtree, node);

            ev = kg_rbtree_data(node, kg_event_t, timer);

            if (ev->cancelable) {
                break;
            }

            ev = NULL;
        }

        if (ev == NULL) {
            return;
        }

        kg_log_debug2(KG_LOG_DEBUG_EVENT, ev->log, 0,
                      "event timer cancel: %d: %M",
                      kg_event_ident(ev->data), ev->timer.key);

        kg_rbtree_delete(&kg_event_timer_rbtree, &ev->timer);

        ev->timer_set = 0;

        ev->timedout = 1;

        ev->handler(ev);
    }
}
