/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>

#include <setjmp.h>
#include <cmocka.h>


static kg_log_t        test_log;
static kg_open_file_t  test_log_file;


static int
setup(void **state)
{
    kg_pool_t  *pool;

    kg_pagesize = getpagesize();
    (void) kg_strerror_init();
    kg_time_init();

    /* the expected EMERG lines must not reach the console */
    kg_use_stderr = 0;

    test_log_file.fd = open("/dev/null", O_WRONLY);
    test_log.file = &test_log_file;
    test_log.log_level = KG_LOG_EMERG;

    pool = kg_create_pool(16384, &test_log);
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
    close(test_log_file.fd);

    return 0;
}


static void
test_hash_key_matches_definition(void **state)
{
    kg_uint_t  key;

    key = kg_hash(kg_hash(kg_hash(0, 'a'), 'b'), 'c');

    assert_int_equal(kg_hash_key((u_char *) "abc", 3), key);
    assert_int_equal(kg_hash_key_lc((u_char *) "ABC", 3), key);
    assert_int_not_equal(kg_hash_key((u_char *) "ABC", 3), key);
    assert_int_equal(kg_hash_key((u_char *) "", 0), 0);
}


static void
test_hash_strlow_lowercases_and_hashes(void **state)
{
    u_char  buf[8];

    assert_int_equal(kg_hash_strlow(buf, (u_char *) "MeTa", 4),
                     kg_hash_key((u_char *) "meta", 4));
    assert_memory_equal(buf, "meta", 4);
}


static void
test_hash_init_builds_findable_table(void **state)
{
    kg_pool_t       *pool = *state;
    kg_uint_t        i;
    kg_hash_t        hash;
    kg_hash_init_t   hinit;
    kg_hash_key_t    keys[100];
    u_char          *names, *name;
    static int       values[100];

    names = kg_palloc(pool, 100 * 16);
    assert_non_null(names);

    for (i = 0; i < 100; i++) {
        name = names + i * 16;
        keys[i].key.data = name;
        keys[i].key.len = kg_sprintf(name, "Topic-%ui", i) - name;
        keys[i].key_hash = kg_hash_key_lc(keys[i].key.data, keys[i].key.len);
        values[i] = (int) i;
        keys[i].value = &values[i];
    }

    kg_memzero(&hinit, sizeof(kg_hash_init_t));
    hinit.hash = &hash;
    hinit.key = kg_hash_key_lc;
    hinit.max_size = 512;
    hinit.bucket_size = 64;
    hinit.name = "test_hash";
    hinit.pool = pool;

    assert_int_equal(kg_hash_init(&hinit, keys, 100), KG_OK);
    assert_true(hash.size >= 1 && hash.size <= 512);

    for (i = 0; i < 100; i++) {
        u_char  lc[16];
        size_t  len;

        len = keys[i].key.len;
        kg_strlow(lc, keys[i].key.data, len);

        assert_ptr_equal(kg_hash_find(&hash, keys[i].key_hash, lc, len),
                         &values[i]);
    }

    assert_null(kg_hash_find(&hash, kg_hash_key((u_char *) "topic-100", 9),
                             (u_char *) "topic-100", 9));

    /* same bucket, different name */
    assert_null(kg_hash_find(&hash, keys[5].key_hash,
                             (u_char *) "topic-6", 7));
}


static void
test_hash_init_rejects_small_bucket(void **state)
{
    kg_hash_t        hash;
    kg_hash_init_t   hinit;
    kg_hash_key_t    key;
    static int       value;

    kg_str_set(&key.key, "a-rather-long-key-name-that-cannot-fit-in-bucket");
    key.key_hash = kg_hash_key(key.key.data, key.key.len);
    key.value = &value;

    kg_memzero(&hinit, sizeof(kg_hash_init_t));
    hinit.hash = &hash;
    hinit.key = kg_hash_key;
    hinit.max_size = 16;
    hinit.bucket_size = 32;
    hinit.name = "test_hash";
    hinit.pool = *state;

    assert_int_equal(kg_hash_init(&hinit, &key, 1), KG_ERROR);

    hinit.bucket_size = 8;
    assert_int_equal(kg_hash_init(&hinit, &key, 0), KG_ERROR);

    hinit.bucket_size = 128;
    hinit.max_size = 0;
    assert_int_equal(kg_hash_init(&hinit, &key, 1), KG_ERROR);
}


static void
test_hash_find_empty_table(void **state)
{
    kg_hash_t  hash;

    hash.buckets = NULL;
    hash.size = 0;

    assert_null(kg_hash_find(&hash, 1, (u_char *) "x", 1));
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_hash_key_matches_definition),
        cmocka_unit_test(test_hash_strlow_lowercases_and_hashes),
        cmocka_unit_test_setup_teardown(
            test_hash_init_builds_findable_table, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_hash_init_rejects_small_bucket, setup, teardown),
        cmocka_unit_test(test_hash_find_empty_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
