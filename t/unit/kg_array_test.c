/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>

#include <setjmp.h>
#include <cmocka.h>


typedef struct {
    kg_int_t     value;
    kg_queue_t   queue;
} test_item_t;


static kg_log_t   test_log;


static int
setup(void **state)
{
    kg_pool_t  *pool;

    kg_pagesize = getpagesize();

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
test_array_push_grows_and_keeps_contents(void **state)
{
    kg_uint_t    i;
    kg_int_t    *elt, *elts;
    kg_array_t  *a;

    a = kg_array_create(*state, 2, sizeof(kg_int_t));
    assert_non_null(a);
    assert_int_equal(a->nelts, 0);
    assert_int_equal(a->nalloc, 2);

    for (i = 0; i < 1000; i++) {
        elt = kg_array_push(a);
        assert_non_null(elt);
        *elt = (kg_int_t) i;
    }

    assert_int_equal(a->nelts, 1000);
    assert_true(a->nalloc >= 1000);

    elts = a->elts;

    for (i = 0; i < 1000; i++) {
        assert_int_equal(elts[i], (kg_int_t) i);
    }
}


static void
test_array_push_n_reserves_block(void **state)
{
    kg_int_t    *elt, *elts;
    kg_array_t   a;

    assert_int_equal(kg_array_init(&a, *state, 4, sizeof(kg_int_t)), KG_OK);

    elt = kg_array_push(&a);
    *elt = 7;

    elt = kg_array_push_n(&a, 100);
    assert_non_null(elt);
    elt[99] = 8;

    assert_int_equal(a.nelts, 101);

    elts = a.elts;
    assert_int_equal(elts[0], 7);
    assert_int_equal(elts[100], 8);
}


static void
test_array_push_grows_empty_array(void **state)
{
    kg_int_t    *elt;
    kg_array_t   a;

    assert_int_equal(kg_array_init(&a, *state, 0, sizeof(kg_int_t)), KG_OK);

    elt = kg_array_push(&a);
    assert_non_null(elt);
    *elt = 1;

    assert_int_equal(a.nelts, 1);
    assert_true(a.nalloc >= 1);

    elt = kg_array_push_n(&a, 3);
    assert_non_null(elt);
    assert_int_equal(a.nelts, 4);
}


static void
test_array_destroy_returns_tail_memory(void **state)
{
    kg_pool_t   *pool = *state;
    u_char      *last;
    kg_array_t  *a;

    last = pool->d.last;

    a = kg_array_create(pool, 4, 8);
    assert_non_null(a);

    kg_array_destroy(a);

    /* only the alignment of the array header may remain */
    assert_true((size_t) (pool->d.last - last) < KG_ALIGNMENT);
}


static void
test_list_push_chains_parts(void **state)
{
    kg_uint_t        i, n;
    kg_int_t        *elt, *data;
    kg_list_t       *list;
    kg_list_part_t  *part;

    list = kg_list_create(*state, 3, sizeof(kg_int_t));
    assert_non_null(list);

    for (i = 0; i < 10; i++) {
        elt = kg_list_push(list);
        assert_non_null(elt);
        *elt = (kg_int_t) i;
    }

    part = &list->part;
    data = part->elts;
    n = 0;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            data = part->elts;
            i = 0;
        }

        assert_int_equal(data[i], (kg_int_t) n);
        n++;
    }

    assert_int_equal(n, 10);
    assert_ptr_not_equal(list->last, &list->part);
}


static kg_int_t
cmp_items(const kg_queue_t *one, const kg_queue_t *two)
{
    test_item_t  *a, *b;

    a = kg_queue_data(one, test_item_t, queue);
    b = kg_queue_data(two, test_item_t, queue);

    return a->value - b->value;
}


static void
test_queue_insert_remove_and_sort(void **state)
{
    kg_int_t      i;
    kg_queue_t    head, *q;
    test_item_t   items[7], *item;
    kg_int_t      values[7] = { 4, 1, 6, 3, 3, 0, 5 };

    kg_queue_init(&head);
    assert_true(kg_queue_empty(&head));

    for (i = 0; i < 7; i++) {
        items[i].value = values[i];
        kg_queue_insert_tail(&head, &items[i].queue);
    }

    assert_false(kg_queue_empty(&head));
    assert_ptr_equal(kg_queue_head(&head), &items[0].queue);
    assert_ptr_equal(kg_queue_last(&head), &items[6].queue);

    /* 7 elements: the middle is the 4th */
    assert_ptr_equal(kg_queue_middle(&head), &items[3].queue);

    kg_queue_remove(&items[2].queue);

    kg_queue_sort(&head, cmp_items);

    i = -1;

    for (q = kg_queue_head(&head);
         q != kg_queue_sentinel(&head);
         q = kg_queue_next(q))
    {
        item = kg_queue_data(q, test_item_t, queue);
        assert_true(item->value >= i);
        assert_int_not_equal(item->value, 6);
        i = item->value;
    }

    /* stable: the two 3s keep their order */
    item = kg_queue_data(kg_queue_next(kg_queue_next(kg_queue_head(&head))),
                         test_item_t, queue);
    assert_ptr_equal(item, &items[3]);

    kg_queue_insert_head(&head, &items[2].queue);
    assert_ptr_equal(kg_queue_head(&head), &items[2].queue);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_array_push_grows_and_keeps_contents, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_array_push_n_reserves_block, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_array_push_grows_empty_array, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_array_destroy_returns_tail_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_list_push_chains_parts, setup, teardown),
        cmocka_unit_test(test_queue_insert_remove_and_sort),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
