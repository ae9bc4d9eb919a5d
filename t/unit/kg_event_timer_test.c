/*
 * Copyright (C) kgate authors
 */


/*
 * The timer rbtree without the event loop: kg_current_msec is set by
 * hand, so expiry order, lazy re-arming, deletion, wrap-around and the
 * cancelable flag are checked exactly.
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>

#include <setjmp.h>
#include <cmocka.h>


#define TEST_TIMERS  4


typedef struct {
    kg_log_t          log;
    kg_open_file_t    log_file;
    kg_connection_t   conns[TEST_TIMERS];
    kg_event_t        events[TEST_TIMERS];
    kg_uint_t         fired[TEST_TIMERS];
    kg_uint_t         nfired;
} test_ctx_t;


static test_ctx_t  t;


static void test_timer_handler(kg_event_t *ev);


static void
test_event_find_timer_returns_infinite_when_empty(void **state)
{
    assert_true(kg_event_find_timer() == KG_TIMER_INFINITE);
    assert_int_equal(kg_event_no_timers_left(), KG_OK);
}


static void
test_event_expire_timers_fires_in_key_order(void **state)
{
    kg_current_msec = 1000;

    kg_add_timer(&t.events[0], 30);
    kg_add_timer(&t.events[1], 10);
    kg_add_timer(&t.events[2], 20);
    kg_add_timer(&t.events[3], 5000);

    assert_int_equal(kg_event_find_timer(), 10);

    kg_current_msec = 1025;

    kg_event_expire_timers();

    assert_int_equal(t.nfired, 2);
    assert_int_equal(t.fired[0], 1);
    assert_int_equal(t.fired[1], 2);
    assert_true(t.events[1].timedout);
    assert_false(t.events[1].timer_set);
    assert_true(t.events[0].timer_set);

    assert_int_equal(kg_event_find_timer(), 5);

    kg_current_msec = 1030;

    kg_event_expire_timers();

    assert_int_equal(t.nfired, 3);
    assert_int_equal(t.fired[2], 0);

    kg_del_timer(&t.events[3]);

    assert_true(kg_event_find_timer() == KG_TIMER_INFINITE);
}


static void
test_event_add_timer_keeps_key_within_lazy_delay(void **state)
{
    kg_msec_t  key;

    kg_current_msec = 5000;

    kg_add_timer(&t.events[0], 1000);
    key = t.events[0].timer.key;

    /* less than KG_TIMER_LAZY_DELAY later: the rbtree is not touched */

    kg_current_msec = 5100;
    kg_add_timer(&t.events[0], 1000);
    assert_int_equal(t.events[0].timer.key, key);

    kg_current_msec = 5400;
    kg_add_timer(&t.events[0], 1000);
    assert_int_equal(t.events[0].timer.key, 6400);

    kg_del_timer(&t.events[0]);
}


static void
test_event_del_timer_prevents_expiry(void **state)
{
    kg_current_msec = 100;

    kg_add_timer(&t.events[0], 10);
    kg_add_timer(&t.events[1], 20);

    kg_del_timer(&t.events[0]);

    assert_false(t.events[0].timer_set);

    kg_current_msec = 200;
    kg_event_expire_timers();

    assert_int_equal(t.nfired, 1);
    assert_int_equal(t.fired[0], 1);
    assert_false(t.events[0].timedout);
}


static void
test_event_find_timer_survives_wraparound(void **state)
{
    kg_current_msec = (kg_msec_t) -10;

    kg_add_timer(&t.events[0], 20);
    kg_add_timer(&t.events[1], 5);

    /* the key of events[0] wrapped past zero and still sorts last */

    assert_int_equal(t.events[0].timer.key, 10);
    assert_int_equal(kg_event_find_timer(), 5);

    kg_current_msec = (kg_msec_t) -5;
    kg_event_expire_timers();

    assert_int_equal(t.nfired, 1);
    assert_int_equal(t.fired[0], 1);

    kg_current_msec = 9;
    kg_event_expire_timers();

    assert_int_equal(t.nfired, 1);

    kg_current_msec = 10;
    kg_event_expire_timers();

    assert_int_equal(t.nfired, 2);
    assert_int_equal(t.fired[1], 0);
}


static void
test_event_no_timers_left_ignores_cancelable(void **state)
{
    kg_current_msec = 0;

    t.events[0].cancelable = 1;
    t.events[1].cancelable = 1;

    kg_add_timer(&t.events[0], 10);
    kg_add_timer(&t.events[1], 50);

    assert_int_equal(kg_event_no_timers_left(), KG_OK);

    /* one timer somebody waits for keeps the worker alive */

    kg_add_timer(&t.events[2], 30);

    assert_int_equal(kg_event_no_timers_left(), KG_AGAIN);

    kg_del_timer(&t.events[2]);

    assert_int_equal(kg_event_no_timers_left(), KG_OK);

    kg_del_timer(&t.events[0]);
    kg_del_timer(&t.events[1]);
}


static void
test_event_cancel_timers_fires_only_cancelable(void **state)
{
    kg_current_msec = 0;

    t.events[1].cancelable = 1;
    t.events[3].cancelable = 1;

    kg_add_timer(&t.events[0], 10);
    kg_add_timer(&t.events[1], 20);
    kg_add_timer(&t.events[2], 30);
    kg_add_timer(&t.events[3], 40);

    kg_event_cancel_timers();

    assert_int_equal(t.nfired, 2);
    assert_int_equal(t.fired[0], 1);
    assert_int_equal(t.fired[1], 3);
    assert_true(t.events[0].timer_set);
    assert_true(t.events[2].timer_set);

    kg_del_timer(&t.events[0]);
    kg_del_timer(&t.events[2]);
}


static void
test_timer_handler(kg_event_t *ev)
{
    t.fired[t.nfired++] = ev - t.events;
}


static int
setup(void **state)
{
    kg_uint_t  i;

    kg_memzero(&t, sizeof(test_ctx_t));

    t.log_file.fd = STDERR_FILENO;
    t.log.file = &t.log_file;
    t.log.log_level = KG_LOG_WARN;

    for (i = 0; i < TEST_TIMERS; i++) {
        t.conns[i].fd = (kg_socket_t) i;
        t.events[i].data = &t.conns[i];
        t.events[i].log = &t.log;
        t.events[i].handler = test_timer_handler;
    }

    return kg_event_timer_init(&t.log) == KG_OK ? 0 : -1;
}


static int
teardown(void **state)
{
    assert_true(kg_event_find_timer() == KG_TIMER_INFINITE);

    return 0;
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_event_find_timer_returns_infinite_when_empty,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_event_expire_timers_fires_in_key_order, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_event_add_timer_keeps_key_within_lazy_delay,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_event_del_timer_prevents_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_event_find_timer_survives_wraparound, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_event_no_timers_left_ignores_cancelable, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_event_cancel_timers_fires_only_cancelable,
            setup, teardown),
    };

    kg_time_init();

    return cmocka_run_group_tests(tests, NULL, NULL);
}
