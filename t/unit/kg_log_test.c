/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>

#include <setjmp.h>
#include <regex.h>
#include <cmocka.h>


typedef struct {
    FILE            *tmp;
    kg_open_file_t   file;
    kg_log_t         log;
} test_ctx_t;


static int
setup(void **state)
{
    test_ctx_t  *ctx;

    kg_pagesize = getpagesize();
    (void) kg_strerror_init();
    kg_time_init();

    /* console echo of warnings would clutter the test output */
    kg_use_stderr = 0;

    ctx = calloc(1, sizeof(test_ctx_t));
    if (ctx == NULL) {
        return -1;
    }

    /* an anonymous file: nothing to clean up if a test aborts */

    ctx->tmp = tmpfile();
    if (ctx->tmp == NULL) {
        free(ctx);
        return -1;
    }

    ctx->file.fd = fileno(ctx->tmp);

    ctx->log.file = &ctx->file;
    ctx->log.log_level = KG_LOG_INFO;

    *state = ctx;

    return 0;
}


static int
teardown(void **state)
{
    test_ctx_t  *ctx = *state;

    fclose(ctx->tmp);
    free(ctx);

    return 0;
}


static size_t
read_log(test_ctx_t *ctx, char *buf, size_t size)
{
    ssize_t  n;

    n = pread(ctx->file.fd, buf, size - 1, 0);
    assert_true(n >= 0);

    buf[n] = '\0';

    return (size_t) n;
}


static void
assert_matches(const char *text, const char *pattern)
{
    int      rc;
    regex_t  re;

    assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);

    rc = regexec(&re, text, 0, NULL, 0);
    regfree(&re);

    if (rc != 0) {
        fail_msg("\"%s\" does not match \"%s\"", text, pattern);
    }
}


static void
test_log_error_line_format(void **state)
{
    test_ctx_t  *ctx = *state;
    char         buf[4096], pattern[256];

    ctx->log.connection = 5;
    ctx->log.action = "testing the log";

    kg_log_error(KG_LOG_ERR, &ctx->log, 0, "message %d", 42);

    (void) read_log(ctx, buf, sizeof(buf));

    (void) snprintf(pattern, sizeof(pattern),
                    "^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} "
                    "\\[error\\] [0-9]+#0: \\*5 message 42, "
                    "while testing the log\n$");

    assert_matches(buf, pattern);
}


static void
test_log_error_appends_errno_text(void **state)
{
    test_ctx_t  *ctx = *state;
    char         buf[4096];

    kg_log_error(KG_LOG_WARN, &ctx->log, KG_ECONNREFUSED,
                 "connect() to %s failed", "127.0.0.1:9092");

    (void) read_log(ctx, buf, sizeof(buf));

    assert_matches(buf, " \\[warn\\] [0-9]+#0: connect\\(\\) to "
                        "127.0.0.1:9092 failed "
                        "\\(111: Connection refused\\)\n$");
}


static void
test_log_error_filters_by_level(void **state)
{
    test_ctx_t  *ctx = *state;
    char         buf[4096];

    ctx->log.log_level = KG_LOG_WARN;

    kg_log_error(KG_LOG_INFO, &ctx->log, 0, "not written");
    kg_log_error(KG_LOG_NOTICE, &ctx->log, 0, "not written either");
    kg_log_error(KG_LOG_EMERG, &ctx->log, 0, "written");

    (void) read_log(ctx, buf, sizeof(buf));

    assert_non_null(strstr(buf, "[emerg]"));
    assert_null(strstr(buf, "not written"));
}


static void
test_log_error_truncates_long_message(void **state)
{
    test_ctx_t  *ctx = *state;
    char         buf[8192], *big;
    size_t       n;

    big = malloc(5000);
    assert_non_null(big);
    kg_memset(big, 'x', 4999);
    big[4999] = '\0';

    ctx->log.action = "an action that no longer fits";

    kg_log_error(KG_LOG_ERR, &ctx->log, 0, "%s", big);

    n = read_log(ctx, buf, sizeof(buf));

    assert_int_equal(n, KG_MAX_ERROR_STR);
    assert_int_equal(buf[n - 1], '\n');
    assert_int_equal(buf[n - 2], 'x');

    /* with an errno the code stays visible after "..." */

    assert_int_equal(ftruncate(ctx->file.fd, 0), 0);
    assert_int_equal(lseek(ctx->file.fd, 0, SEEK_SET), 0);

    kg_log_error(KG_LOG_ERR, &ctx->log, KG_ENOENT, "%s", big);

    n = read_log(ctx, buf, sizeof(buf));

    assert_true(n <= KG_MAX_ERROR_STR);
    assert_int_equal(buf[n - 1], '\n');
    assert_non_null(strstr(buf, "x... (2: No such file or directory)"));

    free(big);
}


static u_char *
test_handler(kg_log_t *log, u_char *buf, size_t len)
{
    return kg_snprintf(buf, len, " while %s, client: %s", log->action,
                       (char *) log->data);
}


static void
test_log_error_calls_handler_instead_of_action(void **state)
{
    test_ctx_t  *ctx = *state;
    char         buf[4096];

    ctx->log.action = "proxying";
    ctx->log.handler = test_handler;
    ctx->log.data = "10.0.0.1";

    kg_log_error(KG_LOG_INFO, &ctx->log, 0, "closed");

    (void) read_log(ctx, buf, sizeof(buf));

    assert_matches(buf, " \\[info\\] [0-9]+#0: closed while proxying, "
                        "client: 10.0.0.1\n$");
}


static void
test_log_error_writes_each_log_in_chain(void **state)
{
    FILE            *tmp;
    test_ctx_t      *ctx = *state;
    char             buf[4096];
    kg_log_t         second;
    kg_open_file_t   file;

    tmp = tmpfile();
    assert_non_null(tmp);
    file.fd = fileno(tmp);

    kg_memzero(&second, sizeof(kg_log_t));
    second.file = &file;
    second.log_level = KG_LOG_ERR;

    ctx->log.next = &second;

    kg_log_error(KG_LOG_INFO, &ctx->log, 0, "only first");
    kg_log_error(KG_LOG_ERR, &ctx->log, 0, "both");

    (void) read_log(ctx, buf, sizeof(buf));
    assert_non_null(strstr(buf, "only first"));
    assert_non_null(strstr(buf, "both"));

    assert_true(pread(file.fd, buf, sizeof(buf) - 1, 0) > 0);
    assert_null(strstr(buf, "only first"));
    assert_non_null(strstr(buf, "both"));

    fclose(tmp);
}


static void
test_log_errno_formats_code(void **state)
{
    u_char  buf[128], *p;

    p = kg_log_errno(buf, buf + sizeof(buf), KG_EACCES);
    *p = '\0';

    assert_string_equal((char *) buf, " (13: Permission denied)");

    p = kg_log_errno(buf, buf + sizeof(buf), 100000);
    *p = '\0';

    assert_string_equal((char *) buf, " (100000: Unknown error)");
}


static void
test_log_set_log_parses_levels(void **state)
{
    test_ctx_t  *ctx = *state;
    kg_str_t    *value;
    kg_log_t    *head;
    kg_conf_t    cf;
    kg_pool_t   *pool;
    kg_array_t  *args;
    kg_cycle_t  *cycle;

    pool = kg_create_pool(4096, &ctx->log);
    assert_non_null(pool);

    cycle = kg_pcalloc(pool, sizeof(kg_cycle_t));
    assert_non_null(cycle);

    cycle->pool = pool;
    cycle->log = &ctx->log;
    assert_int_equal(kg_list_init(&cycle->open_files, pool, 4,
                                  sizeof(kg_open_file_t)), KG_OK);

    args = kg_array_create(pool, 4, sizeof(kg_str_t));
    assert_non_null(args);

    kg_memzero(&cf, sizeof(kg_conf_t));
    cf.args = args;
    cf.cycle = cycle;
    cf.pool = pool;
    cf.log = &ctx->log;

    /* error_log stderr debug_kafka debug_event; */

    value = kg_array_push_n(args, 4);
    kg_str_set(&value[0], "error_log");
    kg_str_set(&value[1], "stderr");
    kg_str_set(&value[2], "debug_kafka");
    kg_str_set(&value[3], "debug_event");

    head = &cycle->new_log;

    assert_ptr_equal(kg_log_set_log(&cf, &head), KG_CONF_OK);
    assert_int_equal(cycle->new_log.log_level,
                     KG_LOG_DEBUG_KAFKA | KG_LOG_DEBUG_EVENT);
    assert_int_equal(cycle->new_log.file->fd, kg_stderr);
    assert_true(cycle->log_use_stderr);

    /* error_log stderr warn; adds a second, quieter log after it */

    args->nelts = 3;
    kg_str_set(&value[2], "warn");
    assert_ptr_equal(kg_log_set_log(&cf, &head), KG_CONF_OK);
    assert_non_null(cycle->new_log.next);
    assert_int_equal(cycle->new_log.next->log_level, KG_LOG_WARN);

    /* error_log stderr; is at "error" */

    args->nelts = 2;
    assert_ptr_equal(kg_log_set_log(&cf, &head), KG_CONF_OK);
    assert_int_equal(cycle->new_log.next->next->log_level, KG_LOG_ERR);

    /* error_log stderr loud; */

    args->nelts = 3;
    kg_str_set(&value[2], "loud");
    assert_ptr_equal(kg_log_set_log(&cf, &head), KG_CONF_ERROR);

    /* error_log stderr info notice; */

    args->nelts = 4;
    kg_str_set(&value[2], "info");
    kg_str_set(&value[3], "notice");
    assert_ptr_equal(kg_log_set_log(&cf, &head), KG_CONF_ERROR);

    /* a debug mask does not combine with a level, as in nginx */

    kg_str_set(&value[2], "warn");
    kg_str_set(&value[3], "debug_kafka");
    assert_ptr_equal(kg_log_set_log(&cf, &head), KG_CONF_ERROR);

    kg_destroy_pool(pool);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_log_error_line_format, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_log_error_appends_errno_text, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_log_error_filters_by_level, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_log_error_truncates_long_message, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_log_error_calls_handler_instead_of_action, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_log_error_writes_each_log_in_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_log_errno_formats_code, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_log_set_log_parses_levels, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
