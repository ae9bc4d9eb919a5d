/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_TEST_EVENT_H_INCLUDED_
#define _KG_TEST_EVENT_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>


/* an event loop as a worker has it, with the default "events" block */

kg_int_t kg_test_events_init(kg_cycle_t *cycle);
kg_connection_t *kg_test_wrap_fd(kg_cycle_t *cycle, int fd);
void kg_test_noop_handler(kg_event_t *ev);
void kg_test_run_until(kg_cycle_t *cycle, kg_uint_t *counter,
    kg_uint_t value, kg_uint_t turns, kg_msec_t timeout);
void kg_test_run_for(kg_cycle_t *cycle, kg_msec_t ms);


#endif /* _KG_TEST_EVENT_H_INCLUDED_ */
