/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>


kg_queue_t  kg_posted_accept_events;
kg_queue_t  kg_posted_next_events;
kg_queue_t  kg_posted_events;


void
kg_event_process_posted(kg_cycle_t *cycle, kg_queue_t *posted)
{
    kg_queue_t  *q;
    kg_event_t  *ev;

    while (!kg_queue_empty(posted)) {

        q = kg_queue_head(posted);
        ev = kg_queue_data(q, kg_event_t, queue);

        kg_log_debug1(KG_LOG_DEBUG_EVENT, cycle->log, 0,
                      "posted event %p", ev);

        kg_delete_posted_event(ev);

        ev->handler(ev);
    }
}


/*
 * events posted to "next" wait for one more turn of the loop: a reader
 * that yielded to be fair to the others is resumed as if the socket
 * had signalled again
 */

void
kg_event_move_posted_next(kg_cycle_t *cycle)
{
    kg_queue_t  *q;
    kg_event_t  *ev;

    for (q = kg_queue_head(&kg_posted_next_events);
         q != kg_queue_sentinel(&kg_posted_next_events);
         q = kg_queue_next(q))
    {
        ev = kg_queue_data(q, kg_event_t, queue);

        ev->ready = 1;
        ev->available = -1;
    }

    kg_queue_add(&kg_posted_events, &kg_posted_next_events);
    kg_queue_init(&kg_posted_next_events);
}
