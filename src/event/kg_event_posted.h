/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_EVENT_POSTED_H_INCLUDED_
#define _KG_EVENT_POSTED_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>


#define kg_post_event(ev, q)                                                 \
                                                                             \
    if (!(ev)->posted) {                                                     \
        (ev)->posted = 1;                                                    \
        kg_queue_insert_tail(q, &(ev)->queue);                               \
                                                                             \
        kg_log_debug1(KG_LOG_DEBUG_CORE, (ev)->log, 0, "post event %p", ev); \
                                                                             \
    } else  {                                                                \
        kg_log_debug1(KG_LOG_DEBUG_CORE, (ev)->log, 0,                       \
                      "update posted event %p", ev);                         \
    }


#define kg_delete_posted_event(ev)                                           \
                                                                             \
    (ev)->posted = 0;                                                        \
    kg_queue_remove(&(ev)->queue);                                           \
                                                                             \
    kg_log_debug1(KG_LOG_DEBUG_CORE, (ev)->log, 0,                           \
                  "delete posted event %p", ev);



void kg_event_process_posted(kg_cycle_t *cycle, kg_queue_t *posted);
void kg_event_move_posted_next(kg_cycle_t *cycle);


extern kg_queue_t  kg_posted_accept_events;
extern kg_queue_t  kg_posted_next_events;
extern kg_queue_t  kg_posted_events;


#endif /* _KG_EVENT_POSTED_H_INCLUDED_ */
