/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>

#include <setjmp.h>
#include <cmocka.h>


static void
test_gmtime_matches_libc(void **state)
{
    time_t     t;
    kg_tm_t    tm;
    struct tm  libc;
    kg_uint_t  i;

    srandom(4321);

    for (i = 0; i < 100000; i++) {

        /* 1970 .. 2400, with the leap days of 2000 and 2100 in range */
        t = (time_t) (((uint64_t) random() << 16 ^ random())
                      % 13569465600ULL);

        if (i < 4) {
            t = (time_t[]) { 0, 951782400, 4107542400LL, 86399 }[i];
        }

        kg_gmtime(t, &tm);
        kg_libc_gmtime(t, &libc);

        assert_int_equal(tm.kg_tm_year, libc.tm_year + 1900);
        assert_int_equal(tm.kg_tm_mon, libc.tm_mon + 1);
        assert_int_equal(tm.kg_tm_mday, libc.tm_mday);
        assert_int_equal(tm.kg_tm_hour, libc.tm_hour);
        assert_int_equal(tm.kg_tm_min, libc.tm_min);
        assert_int_equal(tm.kg_tm_sec, libc.tm_sec);
        assert_int_equal(tm.kg_tm_wday, libc.tm_wday);
    }
}


static void
test_time_update_formats_cached_strings(void **state)
{
    kg_msec_t  before;

    kg_time_init();

    assert_non_null(kg_cached_time);
    assert_true(kg_time() > 1600000000);

    assert_int_equal(kg_cached_err_log_time.len, 19);
    assert_int_equal(kg_cached_err_log_time.data[4], '/');
    assert_int_equal(kg_cached_err_log_time.data[10], ' ');

    assert_int_equal(kg_cached_iso8601.len, 25);
    assert_int_equal(kg_cached_iso8601.data[10], 'T');
    assert_true(kg_cached_iso8601.data[19] == '+'
                || kg_cached_iso8601.data[19] == '-');

    before = kg_current_msec;
    kg_msleep(20);
    kg_time_update();

    assert_true(kg_current_msec - before >= 20);
    assert_true(kg_current_msec - before < 5000);

    /* a second init keeps a valid slot published */
    kg_time_init();
    assert_true(kg_time() > 1600000000);
}


static void
test_time_sigsafe_update_keeps_format(void **state)
{
    kg_time_init();
    sleep(1);
    kg_time_sigsafe_update();

    assert_int_equal(kg_cached_err_log_time.len, 19);
    assert_int_equal(kg_cached_err_log_time.data[13], ':');

    kg_time_update();
    assert_true(kg_time() > 1600000000);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_gmtime_matches_libc),
        cmocka_unit_test(test_time_update_formats_cached_strings),
        cmocka_unit_test(test_time_sigsafe_update_keeps_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
