/*
 * Copyright (C) kgate authors
 */


/*
 * The stream {} block read by the real configuration parser: values land
 * in the server configuration, main-level values are inherited, listening
 * sockets are created (not opened), and bad directives are refused with
 * the messages users see.
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_stream.h>

#include <setjmp.h>
#include <cmocka.h>

#include <kg_test_log.h>
#include <kg_test_cycle.h>


typedef struct {
    kg_pool_t                   *pool;
    kg_cycle_t                  *cycle;
    kg_log_t                     log;
    kg_open_file_t               log_file;
    char                         conf_path[PATH_MAX];
    char                         log_path[PATH_MAX];
    char                        *rv;
    char                         errors[4096];
} test_ctx_t;


static test_ctx_t  t;


static int setup(void **state);
static int teardown(void **state);
static void parse(const char *text);
static kg_stream_core_main_conf_t *core_main_conf(void);
static kg_stream_proxy_srv_conf_t *proxy_srv_conf(kg_uint_t n);


static void
test_stream_block_parses_server(void **state)
{
    kg_listening_t              *ls;
    struct sockaddr_in          *sin;
    kg_stream_proxy_srv_conf_t  *pscf;
    kg_stream_core_main_conf_t  *cmcf;

    parse("stream {\n"
          "    server {\n"
          "        listen 127.0.0.1:19092 backlog=64 reuseport;\n"
          "        proxy_pass 127.0.0.1:9092;\n"
          "        proxy_connect_timeout 5s;\n"
          "        proxy_timeout 10m;\n"
          "        proxy_buffer_size 16k;\n"
          "    }\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_OK);

    cmcf = core_main_conf();
    assert_int_equal(cmcf->servers.nelts, 1);

    pscf = proxy_srv_conf(0);
    assert_int_equal(pscf->connect_timeout, 5000);
    assert_int_equal(pscf->timeout, 600000);
    assert_int_equal(pscf->buffer_size, 16384);
    assert_int_equal(pscf->naddrs, 1);

    sin = (struct sockaddr_in *) pscf->addrs[0].sockaddr;
    assert_int_equal(sin->sin_family, AF_INET);
    assert_int_equal(ntohs(sin->sin_port), 9092);
    assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);

    assert_int_equal(t.cycle->listening.nelts, 1);

    ls = t.cycle->listening.elts;
    assert_int_equal(ls->backlog, 64);
    assert_true(ls->reuseport);
    assert_ptr_equal(ls->handler, kg_stream_init_connection);
    assert_int_equal(ls->addr_text.len, sizeof("127.0.0.1:19092") - 1);
    assert_memory_equal(ls->addr_text.data, "127.0.0.1:19092",
                        ls->addr_text.len);
}


static void
test_stream_proxy_merge_srv_conf_inherits_main(void **state)
{
    kg_stream_proxy_srv_conf_t  *pscf;

    parse("stream {\n"
          "    proxy_timeout 30s;\n"
          "    proxy_buffer_size 4k;\n"
          "    server {\n"
          "        listen 127.0.0.1:19092;\n"
          "        proxy_pass 127.0.0.1:9092;\n"
          "    }\n"
          "    server {\n"
          "        listen 127.0.0.1:19093;\n"
          "        proxy_pass 127.0.0.1:9093;\n"
          "        proxy_timeout 1s;\n"
          "    }\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_OK);
    assert_int_equal(t.cycle->listening.nelts, 2);

    pscf = proxy_srv_conf(0);
    assert_int_equal(pscf->timeout, 30000);
    assert_int_equal(pscf->buffer_size, 4096);
    assert_int_equal(pscf->connect_timeout, 60000);

    pscf = proxy_srv_conf(1);
    assert_int_equal(pscf->timeout, 1000);
    assert_int_equal(pscf->buffer_size, 4096);
}


static void
test_stream_proxy_merge_srv_conf_defaults(void **state)
{
    kg_listening_t              *ls;
    kg_stream_proxy_srv_conf_t  *pscf;

    parse("stream {\n"
          "    server {\n"
          "        listen 127.0.0.1:19092;\n"
          "        proxy_pass 127.0.0.1:9092;\n"
          "    }\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_OK);

    pscf = proxy_srv_conf(0);
    assert_int_equal(pscf->connect_timeout, 60000);
    assert_int_equal(pscf->timeout, 600000);
    assert_int_equal(pscf->buffer_size, 16384);

    ls = t.cycle->listening.elts;
    assert_int_equal(ls->backlog, KG_LISTEN_BACKLOG);
    assert_false(ls->reuseport);
}


static void
test_proxy_pass_rejects_missing_port(void **state)
{
    parse("stream {\n"
          "    server {\n"
          "        listen 127.0.0.1:19092;\n"
          "        proxy_pass 127.0.0.1;\n"
          "    }\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors, "no port in upstream \"127.0.0.1\""));
    assert_non_null(strstr(t.errors, ":4"));
}


static void
test_proxy_pass_rejects_invalid_port(void **state)
{
    parse("stream {\n"
          "    server {\n"
          "        listen 127.0.0.1:19092;\n"
          "        proxy_pass 127.0.0.1:99999;\n"
          "    }\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors, "in upstream \"127.0.0.1:99999\""));
}


static void
test_proxy_pass_rejects_duplicate(void **state)
{
    parse("stream {\n"
          "    server {\n"
          "        listen 127.0.0.1:19092;\n"
          "        proxy_pass 127.0.0.1:9092;\n"
          "        proxy_pass 127.0.0.1:9093;\n"
          "    }\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors,
                           "\"proxy_pass\" directive is duplicate"));
}


static void
test_proxy_pass_rejects_main_level(void **state)
{
    parse("stream {\n"
          "    proxy_pass 127.0.0.1:9092;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors,
                           "\"proxy_pass\" directive is not allowed here"));
}


static void
test_stream_proxy_check_rejects_zero(void **state)
{
    char         want[PATH_MAX + 128];
    kg_uint_t    i;
    kg_uint_t    line[] = { 2, 5, 5 };
    const char  *name[] = { "proxy_connect_timeout", "proxy_timeout",
                            "proxy_buffer_size" };
    const char  *text[] = {
        "stream {\n"
        "    proxy_connect_timeout 0;\n"
        "}\n",

        "stream {\n"
        "    server {\n"
        "        listen 127.0.0.1:19092;\n"
        "        proxy_pass 127.0.0.1:9092;\n"
        "        proxy_timeout 0s;\n"
        "    }\n"
        "}\n",

        "stream {\n"
        "    server {\n"
        "        listen 127.0.0.1:19092;\n"
        "\n"
        "        proxy_buffer_size 0;\n"
        "        proxy_pass 127.0.0.1:9092;\n"
        "    }\n"
        "}\n"
    };

    /* each zero value is refused at its own line */

    for (i = 0; i < 3; i++) {

        if (i) {
            teardown(state);
            assert_int_equal(setup(state), 0);
        }

        parse(text[i]);

        assert_ptr_equal(t.rv, KG_CONF_ERROR);

        (void) snprintf(want, sizeof(want),
                        "\"%s\" must be greater than zero in %s:%u",
                        name[i], t.conf_path, (unsigned) line[i]);

        assert_non_null(strstr(t.errors, want));
    }
}


static void
test_stream_core_server_rejects_missing_listen(void **state)
{
    parse("stream {\n"
          "    server {\n"
          "        proxy_pass 127.0.0.1:9092;\n"
          "    }\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors,
                           "no \"listen\" is defined for server"));
}


static void
test_stream_core_merge_srv_conf_rejects_missing_proxy_pass(void **state)
{
    parse("stream {\n"
          "    server {\n"
          "        listen 127.0.0.1:19092;\n"
          "    }\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors,
                           "no \"proxy_pass\" is defined for server"));
}


static void
test_stream_core_listen_rejects_invalid_parameter(void **state)
{
    parse("stream {\n"
          "    server {\n"
          "        listen 127.0.0.1:19092 bogus;\n"
          "        proxy_pass 127.0.0.1:9092;\n"
          "    }\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors, "invalid parameter \"bogus\""));
}


static void
test_stream_core_listen_rejects_invalid_backlog(void **state)
{
    parse("stream {\n"
          "    server {\n"
          "        listen 127.0.0.1:19092 backlog=-1;\n"
          "        proxy_pass 127.0.0.1:9092;\n"
          "    }\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors, "invalid backlog \"backlog=-1\""));
}


static void
test_stream_block_rejects_duplicate_listen(void **state)
{
    parse("stream {\n"
          "    server {\n"
          "        listen 127.0.0.1:19092;\n"
          "        proxy_pass 127.0.0.1:9092;\n"
          "    }\n"
          "    server {\n"
          "        listen 127.0.0.1:19092;\n"
          "        proxy_pass 127.0.0.1:9093;\n"
          "    }\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors,
                     "duplicate \"127.0.0.1:19092\" address and port pair"));
    assert_non_null(strstr(t.errors, ":7\n"));
}


static void
test_stream_block_rejects_duplicate_block(void **state)
{
    parse("stream {\n"
          "}\n"
          "stream {\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors, "\"stream\" directive is duplicate"));
}


static int
setup(void **state)
{
    kg_memzero(&t, sizeof(test_ctx_t));

    if (kg_test_log_open(&t.log, &t.log_file, t.log_path,
                         "kg_stream_test_log")
        != KG_OK)
    {
        return -1;
    }

    t.cycle = kg_test_cycle_create(&t.log, NULL);
    if (t.cycle == NULL) {
        return -1;
    }

    t.pool = t.cycle->pool;
    t.cycle->new_log = t.log;

    return 0;
}


static int
teardown(void **state)
{
    if (t.pool) {
        kg_destroy_pool(t.pool);
    }

    if (t.log_file.fd > 0) {
        (void) close(t.log_file.fd);
    }

    if (t.conf_path[0]) {
        (void) unlink(t.conf_path);
    }

    return 0;
}


static void
parse(const char *text)
{
    ssize_t  n;

    t.rv = kg_test_conf_parse_text(t.cycle, t.conf_path,
                                   "kg_stream_test_conf", text);

    n = pread(t.log_file.fd, t.errors, sizeof(t.errors) - 1, 0);
    t.errors[n > 0 ? n : 0] = '\0';
}


static kg_stream_core_main_conf_t *
core_main_conf(void)
{
    kg_stream_conf_ctx_t  *ctx;

    ctx = (kg_stream_conf_ctx_t *) t.cycle->conf_ctx[kg_stream_module.index];
    assert_non_null(ctx);

    return ctx->main_conf[kg_stream_core_module.ctx_index];
}


static kg_stream_proxy_srv_conf_t *
proxy_srv_conf(kg_uint_t n)
{
    kg_stream_core_srv_conf_t   **cscfp;
    kg_stream_core_main_conf_t   *cmcf;

    cmcf = core_main_conf();
    assert_true(n < cmcf->servers.nelts);

    cscfp = cmcf->servers.elts;

    return cscfp[n]->ctx->srv_conf[kg_stream_proxy_module.ctx_index];
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_stream_block_parses_server,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_stream_proxy_merge_srv_conf_inherits_main, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_stream_proxy_merge_srv_conf_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_pass_rejects_missing_port,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_pass_rejects_invalid_port,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_pass_rejects_duplicate,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_pass_rejects_main_level,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_stream_proxy_check_rejects_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_stream_core_server_rejects_missing_listen, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_stream_core_merge_srv_conf_rejects_missing_proxy_pass,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_stream_core_listen_rejects_invalid_parameter,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_stream_core_listen_rejects_invalid_backlog,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_stream_block_rejects_duplicate_listen, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_stream_block_rejects_duplicate_block, setup, teardown),
    };

    kg_time_init();

    if (kg_strerror_init() != KG_OK) {
        return 1;
    }

    if (kg_preinit_modules() != KG_OK) {
        return 1;
    }

    return cmocka_run_group_tests(tests, NULL, NULL);
}
