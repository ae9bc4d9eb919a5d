/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_EVENT_TIMER_H_INCLUDED_
#define _KG_EVENT_TIMER_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>


#define KG_TIMER_INFINITE  (kg_msec_t) -1

#define KG_TIMER_LAZY_DELAY  300


kg_int_t kg_event_timer_init(kg_log_t *log);
kg_msec_t kg_event_find_timer(void);
void kg_event_expire_timers(void);
kg_int_t kg_event_no_timers_left(void);
void kg_event_cancel_timers(void);


extern kg_rbtree_t  kg_event_timer_rbtree;


static inline void
kg_event_del_timer(kg_event_t *ev)
{
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
}


static inline void
kg_event_add_timer(kg_event_t *ev, kg_msec_t timer)
{
    kg_msec_t      key;
    kg_msec_int_t  diff;

    key = kg_current_msec + timer;

    if (ev->timer_set) {

        /*
         * Use a previous timer value if difference between it and a new
         * value is less than KG_TIMER_LAZY_DELAY milliseconds: this allows
         * to minimize the rbtree operations for fast connections.
         */

        diff = (kg_msec_int_t) (key - ev->timer.key);

        if (kg_abs(diff) < KG_TIMER_LAZY_DELAY) {
            kg_log_debug3(KG_LOG_DEBUG_EVENT, ev->log, 0,
                          "event timer: %d, old: %M, new: %M",
                          kg_event_ident(ev->data), ev->timer.key, key);
            return;
        }

        kg_del_timer(ev);
    }

    ev->timer.key = key;

    kg_log_debug3(KG_LOG_DEBUG_EVENT, ev->log, 0,
                  "event timer add: %d: %M:%M",
                  kg_event_ident(ev->data), timer, ev->timer.key);

    kg_rbtree_insert(&kg_event_timer_rbtree, &ev->timer);

    ev->timer_set = 1;
}


#endif /* _KG_EVENT_TIMER_H_INCLUDED_ */
