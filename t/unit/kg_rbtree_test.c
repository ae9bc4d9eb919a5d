/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>

#include <setjmp.h>
#include <cmocka.h>


#define TEST_NODES  10000


typedef struct {
    kg_rbtree_t        tree;
    kg_rbtree_node_t   sentinel;
    kg_rbtree_node_t  *nodes;
} test_ctx_t;


static int
setup(void **state)
{
    test_ctx_t  *ctx;

    ctx = calloc(1, sizeof(test_ctx_t));
    if (ctx == NULL) {
        return -1;
    }

    ctx->nodes = calloc(TEST_NODES, sizeof(kg_rbtree_node_t));
    if (ctx->nodes == NULL) {
        free(ctx);
        return -1;
    }

    kg_rbtree_init(&ctx->tree, &ctx->sentinel, kg_rbtree_insert_value);

    srandom(12345);

    *state = ctx;

    return 0;
}


static int
teardown(void **state)
{
    test_ctx_t  *ctx = *state;

    free(ctx->nodes);
    free(ctx);

    return 0;
}


/* returns the black height, fails on any broken invariant */

static kg_int_t
check_subtree(kg_rbtree_node_t *node, kg_rbtree_node_t *sentinel,
    kg_uint_t *count)
{
    kg_int_t  lh, rh;

    if (node == sentinel) {
        return 1;
    }

    (*count)++;

    if (kg_rbt_is_red(node)) {
        assert_true(kg_rbt_is_black(node->left));
        assert_true(kg_rbt_is_black(node->right));
    }

    if (node->left != sentinel) {
        assert_ptr_equal(node->left->parent, node);
        assert_true(node->left->key <= node->key);
    }

    if (node->right != sentinel) {
        assert_ptr_equal(node->right->parent, node);
        assert_true(node->right->key >= node->key);
    }

    lh = check_subtree(node->left, sentinel, count);
    rh = check_subtree(node->right, sentinel, count);

    assert_int_equal(lh, rh);

    return lh + (kg_rbt_is_black(node) ? 1 : 0);
}


static void
check_tree(kg_rbtree_t *tree, kg_uint_t expected)
{
    kg_uint_t          count, n;
    kg_rbtree_node_t  *node, *prev;

    assert_true(kg_rbt_is_black(tree->sentinel));

    count = 0;

    if (tree->root != tree->sentinel) {
        assert_true(kg_rbt_is_black(tree->root));
    }

    (void) check_subtree(tree->root, tree->sentinel, &count);

    assert_int_equal(count, expected);

    if (expected == 0) {
        return;
    }

    /* in-order walk with kg_rbtree_next() visits everything sorted */

    node = kg_rbtree_min(tree->root, tree->sentinel);
    prev = NULL;
    n = 0;

    while (node) {
        if (prev) {
            assert_true(prev->key <= node->key);
        }

        prev = node;
        node = kg_rbtree_next(tree, node);
        n++;
    }

    assert_int_equal(n, expected);
}


static void
test_rbtree_insert_random_keys_keeps_invariants(void **state)
{
    test_ctx_t  *ctx = *state;
    kg_uint_t    i;

    for (i = 0; i < TEST_NODES; i++) {
        ctx->nodes[i].key = (kg_rbtree_key_t) (random() % 5000);
        kg_rbtree_insert(&ctx->tree, &ctx->nodes[i]);
    }

    check_tree(&ctx->tree, TEST_NODES);
}


static void
test_rbtree_min_is_smallest_key(void **state)
{
    test_ctx_t        *ctx = *state;
    kg_uint_t          i;
    kg_rbtree_key_t    min;
    kg_rbtree_node_t  *node;

    min = (kg_rbtree_key_t) -1;

    for (i = 0; i < TEST_NODES; i++) {
        ctx->nodes[i].key = (kg_rbtree_key_t) random();
        min = kg_min(min, ctx->nodes[i].key);
        kg_rbtree_insert(&ctx->tree, &ctx->nodes[i]);
    }

    node = kg_rbtree_min(ctx->tree.root, ctx->tree.sentinel);
    assert_int_equal(node->key, min);
}


static void
test_rbtree_delete_random_order_keeps_invariants(void **state)
{
    test_ctx_t  *ctx = *state;
    kg_uint_t    i, j, left, *order, t;

    order = malloc(TEST_NODES * sizeof(kg_uint_t));
    assert_non_null(order);

    for (i = 0; i < TEST_NODES; i++) {
        ctx->nodes[i].key = (kg_rbtree_key_t) random();
        kg_rbtree_insert(&ctx->tree, &ctx->nodes[i]);
        order[i] = i;
    }

    for (i = TEST_NODES - 1; i > 0; i--) {
        j = (kg_uint_t) random() % (i + 1);
        t = order[i];
        order[i] = order[j];
        order[j] = t;
    }

    left = TEST_NODES;

    for (i = 0; i < TEST_NODES; i++) {
        kg_rbtree_delete(&ctx->tree, &ctx->nodes[order[i]]);
        left--;

        if (i % 1000 == 0 || left < 5) {
            check_tree(&ctx->tree, left);
        }
    }

    assert_ptr_equal(ctx->tree.root, ctx->tree.sentinel);

    free(order);
}


static void
test_rbtree_insert_timer_value_handles_wraparound(void **state)
{
    test_ctx_t        *ctx = *state;
    kg_rbtree_node_t  *node;

    kg_rbtree_init(&ctx->tree, &ctx->sentinel, kg_rbtree_insert_timer_value);

    /* keys just before and just after the wrap of the counter */

    ctx->nodes[0].key = (kg_rbtree_key_t) -10;
    ctx->nodes[1].key = 5;
    ctx->nodes[2].key = (kg_rbtree_key_t) -20;

    kg_rbtree_insert(&ctx->tree, &ctx->nodes[0]);
    kg_rbtree_insert(&ctx->tree, &ctx->nodes[1]);
    kg_rbtree_insert(&ctx->tree, &ctx->nodes[2]);

    node = kg_rbtree_min(ctx->tree.root, ctx->tree.sentinel);
    assert_ptr_equal(node, &ctx->nodes[2]);

    node = kg_rbtree_next(&ctx->tree, node);
    assert_ptr_equal(node, &ctx->nodes[0]);

    node = kg_rbtree_next(&ctx->tree, node);
    assert_ptr_equal(node, &ctx->nodes[1]);

    assert_null(kg_rbtree_next(&ctx->tree, node));
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_rbtree_insert_random_keys_keeps_invariants, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_rbtree_min_is_smallest_key, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_rbtree_delete_random_order_keeps_invariants,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_rbtree_insert_timer_value_handles_wraparound,
            setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
