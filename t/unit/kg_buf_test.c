/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>

#include <setjmp.h>
#include <cmocka.h>


static kg_log_t        test_log;
static kg_open_file_t  test_log_file;

static int             tag_a, tag_b;


static int
setup(void **state)
{
    kg_pool_t  *pool;

    kg_pagesize = getpagesize();

    test_log_file.fd = kg_stderr;
    test_log.file = &test_log_file;
    test_log.log_level = KG_LOG_EMERG;

    pool = kg_create_pool(4096, &test_log);
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
test_create_temp_buf_sets_bounds(void **state)
{
    kg_buf_t  *b;

    b = kg_create_temp_buf(*state, 100);

    assert_non_null(b);
    assert_ptr_equal(b->pos, b->start);
    assert_ptr_equal(b->last, b->start);
    assert_ptr_equal(b->end, b->start + 100);
    assert_true(b->temporary);
    assert_false(b->memory);
    assert_false(b->last_buf);
    assert_int_equal(kg_buf_size(b), 0);

    b->last = kg_cpymem(b->last, "hello", 5);
    assert_int_equal(kg_buf_size(b), 5);
    assert_true(kg_buf_in_memory(b));
    assert_false(kg_buf_special(b));
}


static void
test_alloc_chain_link_reuses_freed_links(void **state)
{
    kg_pool_t   *pool = *state;
    kg_chain_t  *cl, *again;

    cl = kg_alloc_chain_link(pool);
    assert_non_null(cl);

    kg_free_chain(pool, cl);
    assert_ptr_equal(pool->chain, cl);

    again = kg_alloc_chain_link(pool);
    assert_ptr_equal(again, cl);
    assert_null(pool->chain);
}


static void
test_create_chain_of_bufs_links_all(void **state)
{
    kg_bufs_t    bufs;
    kg_uint_t    n;
    kg_chain_t  *cl, *chain;

    bufs.num = 4;
    bufs.size = 64;

    chain = kg_create_chain_of_bufs(*state, &bufs);
    assert_non_null(chain);

    for (n = 0, cl = chain; cl; cl = cl->next, n++) {
        assert_int_equal(cl->buf->end - cl->buf->start, 64);
        assert_true(cl->buf->temporary);
    }

    assert_int_equal(n, 4);
}


static void
test_chain_add_copy_appends(void **state)
{
    kg_pool_t   *pool = *state;
    kg_buf_t    *b1, *b2;
    kg_chain_t  *chain, in1, in2;

    b1 = kg_create_temp_buf(pool, 8);
    b2 = kg_create_temp_buf(pool, 8);

    in1.buf = b1;
    in1.next = &in2;
    in2.buf = b2;
    in2.next = NULL;

    chain = NULL;

    assert_int_equal(kg_chain_add_copy(pool, &chain, &in1), KG_OK);
    assert_int_equal(kg_chain_add_copy(pool, &chain, &in2), KG_OK);

    assert_ptr_equal(chain->buf, b1);
    assert_ptr_equal(chain->next->buf, b2);
    assert_ptr_equal(chain->next->next->buf, b2);
    assert_null(chain->next->next->next);
}


static void
test_chain_update_chains_moves_sent_to_free(void **state)
{
    kg_pool_t   *pool = *state;
    kg_chain_t  *free, *busy, *out, *cl1, *cl2, *cl3;

    free = NULL;
    busy = NULL;

    cl1 = kg_chain_get_free_buf(pool, &free);
    cl1->buf->start = kg_palloc(pool, 16);
    cl1->buf->pos = cl1->buf->start;
    cl1->buf->last = cl1->buf->start + 16;
    cl1->buf->end = cl1->buf->last;
    cl1->buf->temporary = 1;
    cl1->buf->tag = &tag_a;

    cl2 = kg_chain_get_free_buf(pool, &free);
    cl2->buf->start = kg_palloc(pool, 16);
    cl2->buf->pos = cl2->buf->start;
    cl2->buf->last = cl2->buf->start + 16;
    cl2->buf->end = cl2->buf->last;
    cl2->buf->temporary = 1;
    cl2->buf->tag = &tag_a;

    cl1->next = cl2;
    out = cl1;

    /* nothing sent yet: everything stays busy */

    kg_chain_update_chains(pool, &free, &busy, &out, &tag_a);

    assert_null(out);
    assert_ptr_equal(busy, cl1);
    assert_null(free);

    /* the first buffer is sent */

    cl1->buf->pos = cl1->buf->last;

    kg_chain_update_chains(pool, &free, &busy, &out, &tag_a);

    assert_ptr_equal(busy, cl2);
    assert_ptr_equal(free, cl1);
    assert_ptr_equal(cl1->buf->pos, cl1->buf->start);
    assert_ptr_equal(cl1->buf->last, cl1->buf->start);

    /* a buffer of another module goes back to the pool, not to "free" */

    cl2->buf->pos = cl2->buf->last;

    cl3 = kg_chain_get_free_buf(pool, &free);
    assert_ptr_equal(cl3, cl1);
    cl3->buf->tag = &tag_b;
    out = cl3;

    kg_chain_update_chains(pool, &free, &busy, &out, &tag_a);

    assert_null(busy);
    assert_ptr_equal(free, cl2);
    assert_ptr_equal(pool->chain, cl3);
}


static void
test_chain_update_sent_advances_positions(void **state)
{
    kg_pool_t   *pool = *state;
    kg_buf_t    *b1, *b2;
    kg_chain_t   cl1, cl2, *rest;

    b1 = kg_create_temp_buf(pool, 10);
    b2 = kg_create_temp_buf(pool, 10);
    b1->last += 10;
    b2->last += 10;

    cl1.buf = b1;
    cl1.next = &cl2;
    cl2.buf = b2;
    cl2.next = NULL;

    rest = kg_chain_update_sent(&cl1, 14);

    assert_ptr_equal(rest, &cl2);
    assert_int_equal(kg_buf_size(b1), 0);
    assert_int_equal(kg_buf_size(b2), 6);

    rest = kg_chain_update_sent(rest, 6);
    assert_null(rest);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_create_temp_buf_sets_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_alloc_chain_link_reuses_freed_links, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_create_chain_of_bufs_links_all, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_chain_add_copy_appends, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_chain_update_chains_moves_sent_to_free, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_chain_update_sent_advances_positions, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
