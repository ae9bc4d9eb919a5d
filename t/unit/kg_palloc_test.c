/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>

#include <setjmp.h>
#include <cmocka.h>


static kg_log_t        test_log;
static kg_open_file_t  test_log_file;

static int             cleanup_order[8];
static int             cleanup_count;


static int
setup(void **state)
{
    kg_pool_t  *pool;

    kg_pagesize = getpagesize();
    (void) kg_strerror_init();
    kg_time_init();

    test_log_file.fd = kg_stderr;
    test_log.file = &test_log_file;
    test_log.log_level = KG_LOG_EMERG;

    pool = kg_create_pool(1024, &test_log);
    if (pool == NULL) {
        return -1;
    }

    *state = pool;

    return 0;
}


static int
teardown(void **state)
{
    kg_destroy_pool(*state);

    return 0;
}


static void
test_palloc_small_allocations_stay_in_block(void **state)
{
    kg_pool_t  *pool = *state;
    u_char     *a, *b;

    a = kg_palloc(pool, 16);
    b = kg_palloc(pool, 16);

    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_equal(b, a + 16);
    assert_ptr_equal(pool->large, NULL);
    assert_true(a > (u_char *) pool && b < pool->d.end);
}


static void
test_palloc_aligns_results(void **state)
{
    kg_pool_t  *pool = *state;
    u_char     *a, *b, *c;

    a = kg_pnalloc(pool, 3);
    b = kg_palloc(pool, 8);
    c = kg_pnalloc(pool, 1);

    assert_non_null(a);
    assert_int_equal((uintptr_t) b % KG_ALIGNMENT, 0);

    /* kg_pnalloc() does not align */
    assert_ptr_equal(c, b + 8);
}


static void
test_palloc_large_goes_to_large_list(void **state)
{
    kg_pool_t  *pool = *state;
    u_char     *p;

    p = kg_palloc(pool, 64 * 1024);

    assert_non_null(p);
    assert_non_null(pool->large);
    assert_ptr_equal(pool->large->alloc, p);

    kg_memset(p, 0xa5, 64 * 1024);

    assert_int_equal(kg_pfree(pool, p), KG_OK);
    assert_null(pool->large->alloc);
    assert_int_equal(kg_pfree(pool, p), KG_DECLINED);
}


static void
test_palloc_grows_new_blocks(void **state)
{
    kg_pool_t  *pool = *state;
    kg_uint_t   i;
    u_char     *p;

    for (i = 0; i < 200; i++) {
        p = kg_palloc(pool, 100);
        assert_non_null(p);
        kg_memset(p, (int) i, 100);
    }

    assert_non_null(pool->d.next);

    /* blocks that keep failing are skipped */
    assert_ptr_not_equal(pool->current, pool);
}


static void
test_pcalloc_zeroes(void **state)
{
    kg_pool_t  *pool = *state;
    u_char     *p;
    kg_uint_t   i;

    p = kg_pnalloc(pool, 64);
    kg_memset(p, 0xff, 64);
    kg_reset_pool(pool);

    p = kg_pcalloc(pool, 64);
    assert_non_null(p);

    for (i = 0; i < 64; i++) {
        assert_int_equal(p[i], 0);
    }
}


static void
test_pmemalign_honours_alignment(void **state)
{
    kg_pool_t  *pool = *state;
    void       *p;

    p = kg_pmemalign(pool, 100, 256);

    assert_non_null(p);
    assert_int_equal((uintptr_t) p % 256, 0);
}


static void
cleanup_handler(void *data)
{
    cleanup_order[cleanup_count++] = *(int *) data;
}


static void
test_pool_cleanup_add_runs_handlers_last_first(void **state)
{
    int                 i;
    kg_pool_t          *pool;
    kg_pool_cleanup_t  *cln;

    pool = kg_create_pool(512, &test_log);
    assert_non_null(pool);

    cleanup_count = 0;

    for (i = 1; i <= 3; i++) {
        cln = kg_pool_cleanup_add(pool, sizeof(int));
        assert_non_null(cln);
        assert_non_null(cln->data);

        *(int *) cln->data = i;
        cln->handler = cleanup_handler;
    }

    /* a cleanup without a handler is skipped */
    cln = kg_pool_cleanup_add(pool, 0);
    assert_non_null(cln);
    assert_null(cln->data);

    kg_destroy_pool(pool);

    assert_int_equal(cleanup_count, 3);
    assert_int_equal(cleanup_order[0], 3);
    assert_int_equal(cleanup_order[1], 2);
    assert_int_equal(cleanup_order[2], 1);
}


static void
test_pool_cleanup_file_closes_fd(void **state)
{
    kg_pool_t               *pool = *state;
    kg_fd_t                  fd;
    kg_pool_cleanup_t       *cln;
    kg_pool_cleanup_file_t  *clnf;

    fd = open("/dev/null", O_RDONLY);
    assert_true(fd >= 0);

    cln = kg_pool_cleanup_add(pool, sizeof(kg_pool_cleanup_file_t));
    assert_non_null(cln);

    cln->handler = kg_pool_cleanup_file;
    clnf = cln->data;
    clnf->fd = fd;
    clnf->name = (u_char *) "/dev/null";
    clnf->log = &test_log;

    kg_pool_run_cleanup_file(pool, fd);

    assert_null(cln->handler);
    assert_int_equal(fcntl(fd, F_GETFD), -1);
}


static void
test_reset_pool_frees_large_and_rewinds(void **state)
{
    kg_pool_t  *pool = *state;
    u_char     *first, *again;

    first = kg_palloc(pool, 32);
    (void) kg_palloc(pool, 8192);
    (void) kg_palloc(pool, 900);

    kg_reset_pool(pool);

    assert_null(pool->large);
    assert_ptr_equal(pool->current, pool);

    again = kg_palloc(pool, 32);
    assert_ptr_equal(first, again);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_palloc_small_allocations_stay_in_block, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_palloc_aligns_results, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_palloc_large_goes_to_large_list, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_palloc_grows_new_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_pcalloc_zeroes, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_pmemalign_honours_alignment, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_pool_cleanup_add_runs_handlers_last_first, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_pool_cleanup_file_closes_fd, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_reset_pool_frees_large_and_rewinds, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
