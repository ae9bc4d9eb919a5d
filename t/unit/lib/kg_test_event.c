/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>

#include <setjmp.h>
#include <cmocka.h>

#include <kg_test_event.h>


static void kg_test_guard_start(kg_cycle_t *cycle, kg_msec_t timeout);
static void kg_test_guard_handler(kg_event_t *ev);


static kg_event_t       kg_test_guard;
static kg_connection_t  kg_test_guard_conn;
static kg_uint_t        kg_test_guard_fired;


/* no "events" block: the defaults (512 connections, epoll) */

kg_int_t
kg_test_events_init(kg_cycle_t *cycle)
{
    kg_core_module_t  *events;

    kg_cycle = cycle;

    events = kg_events_module.ctx;

    if (events->init_conf(cycle, NULL) != KG_CONF_OK) {
        return KG_ERROR;
    }

    return kg_event_core_module.init_process(cycle);
}


kg_connection_t *
kg_test_wrap_fd(kg_cycle_t *cycle, int fd)
{
    kg_connection_t  *c;

    c = kg_get_connection(fd, cycle->log);
    assert_non_null(c);

    c->recv = kg_recv;
    c->send = kg_send;
    c->recv_chain = kg_recv_chain;
    c->send_chain = kg_send_chain;
    c->log_error = KG_ERROR_INFO;
    c->read->log = cycle->log;
    c->write->log = cycle->log;
    c->pool = cycle->pool;

    /* epoll reports both directions: every event needs a handler */

    c->read->handler = kg_test_noop_handler;
    c->write->handler = kg_test_noop_handler;

    assert_int_equal(kg_add_conn(c), KG_OK);

    return c;
}


void
kg_test_noop_handler(kg_event_t *ev)
{
}


/*
 * turn the loop until the counter reaches the value, or fail after
 * the turns or the timeout, whichever comes first
 */

void
kg_test_run_until(kg_cycle_t *cycle, kg_uint_t *counter, kg_uint_t value,
    kg_uint_t turns, kg_msec_t timeout)
{
    kg_uint_t  i;

    kg_test_guard_start(cycle, timeout);

    for (i = 0; i < turns && *counter < value; i++) {
        kg_process_events_and_timers(cycle);

        if (kg_test_guard_fired) {
            break;
        }
    }

    if (kg_test_guard.timer_set) {
        kg_del_timer(&kg_test_guard);
    }

    assert_int_equal(*counter, value);
}


/* turn the loop for a while: what should not happen has its chance */

void
kg_test_run_for(kg_cycle_t *cycle, kg_msec_t ms)
{
    kg_test_guard_start(cycle, ms);

    while (!kg_test_guard_fired) {
        kg_process_events_and_timers(cycle);
    }
}


static void
kg_test_guard_start(kg_cycle_t *cycle, kg_msec_t timeout)
{
    /* the guard is never in the timer tree between two runs */

    kg_memzero(&kg_test_guard, sizeof(kg_event_t));
    kg_test_guard_conn.fd = (kg_socket_t) -1;

    kg_test_guard.data = &kg_test_guard_conn;
    kg_test_guard.log = cycle->log;
    kg_test_guard.handler = kg_test_guard_handler;
    kg_test_guard_fired = 0;

    kg_add_timer(&kg_test_guard, timeout);
}


static void
kg_test_guard_handler(kg_event_t *ev)
{
    kg_test_guard_fired = 1;
}
