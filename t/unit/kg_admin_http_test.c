/*
 * Copyright (C) kgate authors
 */


/*
 * The admin API's HTTP layer: the request parser (whole, fed byte by
 * byte, and every way a request is refused), the response writer, query
 * arguments, basic and bearer credentials, and the endpoint registry.
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_admin.h>

#include <setjmp.h>
#include <cmocka.h>


typedef struct {
    kg_pool_t                *pool;
    kg_cycle_t               *cycle;
    kg_log_t                  log;
    kg_open_file_t            log_file;
    kg_conf_t                 conf;
    kg_admin_http_request_t   hr;
    u_char                    buf[16384];
} test_ctx_t;


static test_ctx_t  t;


static int setup(void **state);
static int teardown(void **state);
static kg_int_t parse(const char *text);
static kg_int_t dummy_handler(kg_admin_request_t *r);


/* "secret" and "hunter2" with the salt "abcdefgh" */

#define TEST_PASSWD                                                          \
    "# admins\n"                                                             \
    "\n"                                                                     \
    "alice:{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=\n"           \
    "bob:{SSHA256}BBNBjZxvUaa0RQoSBwe3UO9nlQlxEq92tjROVlkgp0JhYmNkZWZnaA==\r\n"


static void
test_admin_http_parse_get(void **state)
{
    assert_int_equal(parse("GET /metrics?x=1&y=%20 HTTP/1.1\r\n"
                           "Host: localhost:9990\r\n"
                           "Authorization:  Bearer abc \r\n"
                           "X-Other: whatever\r\n"
                           "\r\n"),
                     KG_OK);

    assert_int_equal(t.hr.header_len, strlen((char *) t.buf));
    assert_int_equal(t.hr.method.len, 3);
    assert_memory_equal(t.hr.method.data, "GET", 3);
    assert_int_equal(t.hr.path.len, 8);
    assert_memory_equal(t.hr.path.data, "/metrics", 8);
    assert_int_equal(t.hr.args.len, 9);
    assert_memory_equal(t.hr.args.data, "x=1&y=%20", 9);
    assert_int_equal(t.hr.version, 1001);
    assert_int_equal(t.hr.host.len, 14);
    assert_int_equal(t.hr.authorization.len, 10);
    assert_memory_equal(t.hr.authorization.data, "Bearer abc", 10);
    assert_true(t.hr.content_length == -1);
    assert_true(t.hr.keepalive);
}


static void
test_admin_http_parse_decodes_path(void **state)
{
    assert_int_equal(parse("POST /routes/a%2Fb/switch HTTP/1.0\n"
                           "Content-Length: 3\n"
                           "\n"),
                     KG_OK);

    assert_int_equal(t.hr.path.len, 18);
    assert_memory_equal(t.hr.path.data, "/routes/a/b/switch", 18);
    assert_int_equal(t.hr.version, 1000);
    assert_true(t.hr.content_length == 3);
    assert_false(t.hr.keepalive);
}


static void
test_admin_http_parse_split_at_every_byte(void **state)
{
    size_t                    i, len, j;
    kg_int_t                  rc;
    const char               *requests[2];
    kg_admin_http_request_t   whole;

    requests[0] = "POST /reload?now=1 HTTP/1.1\r\n"
                  "Host: a\r\n"
                  "Content-Length: 0\r\n"
                  "Connection: close\r\n"
                  "\r\n";
    requests[1] = "GET /ready HTTP/1.1\n"
                  "Host: b\n"
                  "\n";

    for (j = 0; j < 2; j++) {
        assert_int_equal(parse(requests[j]), KG_OK);
        whole = t.hr;

        len = strlen(requests[j]);

        kg_memzero(&t.hr, sizeof(kg_admin_http_request_t));

        /* one more byte each call, as a slow client would send them */

        for (i = 1; i <= len; i++) {
            rc = kg_admin_http_parse(&t.hr, t.buf, t.buf + i);

            if (i < len) {
                assert_int_equal(rc, KG_AGAIN);

            } else {
                assert_int_equal(rc, KG_OK);
            }
        }

        assert_int_equal(t.hr.header_len, whole.header_len);
        assert_int_equal(t.hr.method.len, whole.method.len);
        assert_int_equal(t.hr.path.len, whole.path.len);
        assert_int_equal(t.hr.args.len, whole.args.len);
        assert_int_equal(t.hr.keepalive, whole.keepalive);
        assert_true(t.hr.content_length == whole.content_length);
    }
}


static void
test_admin_http_parse_rejects_oversized_header(void **state)
{
    size_t  n;

    n = kg_sprintf(t.buf, "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ") - t.buf;
    kg_memset(t.buf + n, 'a', KG_ADMIN_HTTP_MAX_HEADER);
    t.buf[n + KG_ADMIN_HTTP_MAX_HEADER] = '\0';

    kg_memzero(&t.hr, sizeof(kg_admin_http_request_t));

    assert_int_equal(kg_admin_http_parse(&t.hr, t.buf,
                                         t.buf + KG_ADMIN_HTTP_MAX_HEADER),
                     KG_ERROR);
    assert_int_equal(t.hr.status, 431);

    /* complete but too long is refused too */

    kg_memcpy(t.buf + n + KG_ADMIN_HTTP_MAX_HEADER, "\r\n\r\n", 5);

    assert_int_equal(parse((char *) t.buf), KG_ERROR);
    assert_int_equal(t.hr.status, 431);

    /* the limit itself is fine */

    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), KG_OK);
}


static void
test_admin_http_parse_rejects_bad_request_line(void **state)
{
    kg_uint_t    i;

    static const char  *bad[] = {
        "GET\r\n\r\n",
        "GET /\r\n\r\n",
        "GET x HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n",
        "G@T / HTTP/1.1\r\nHost: a\r\n\r\n",
        " GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / FOO/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.x\r\nHost: a\r\n\r\n",
        "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /%00 HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /% HTTP/1.1\r\nHost: a\r\n\r\n",
        "\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nNo colon\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01" "b\r\n\r\n",
        NULL
    };

    for (i = 0; bad[i]; i++) {
        assert_int_equal(parse(bad[i]), KG_ERROR);
        assert_int_equal(t.hr.status, 400);
        assert_non_null(t.hr.error);
        assert_non_null(t.hr.message);
        assert_false(t.hr.keepalive);
    }

    assert_int_equal(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), KG_ERROR);
    assert_int_equal(t.hr.status, 505);
}


static void
test_admin_http_parse_rejects_bad_content_length(void **state)
{
    kg_uint_t    i;

    static const char  *bad[] = {
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
            "Content-Length: 6\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\n"
            "Content-Length: 99999999999999999999999\r\n\r\n",
        NULL
    };

    for (i = 0; bad[i]; i++) {
        assert_int_equal(parse(bad[i]), KG_ERROR);
        assert_int_equal(t.hr.status, 400);
    }

    /* the same value twice is the same length */

    assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\n"
                           "Content-Length: 5\r\nContent-Length: 5\r\n\r\n"),
                     KG_OK);
    assert_true(t.hr.content_length == 5);

    assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\n"
                           "Content-Length: 65537\r\n\r\n"),
                     KG_ERROR);
    assert_int_equal(t.hr.status, 413);

    assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\n"
                           "Content-Length: 65536\r\n\r\n"),
                     KG_OK);
}


static void
test_admin_http_parse_refuses_chunked(void **state)
{
    assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n"),
                     KG_ERROR);
    assert_int_equal(t.hr.status, 411);

    assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\n"
                           "Content-Length: 3\r\n"
                           "Transfer-Encoding: gzip, chunked\r\n\r\n"),
                     KG_ERROR);
    assert_int_equal(t.hr.status, 501);

    assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\n"
                           "Expect: 100-continue\r\n"
                           "Content-Length: 3\r\n\r\n"),
                     KG_OK);
    assert_true(t.hr.expect_continue);

    assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\n"
                           "Expect: something\r\n\r\n"),
                     KG_ERROR);
    assert_int_equal(t.hr.status, 417);
}


static void
test_admin_http_parse_connection(void **state)
{
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n"
                           "Connection: Close\r\n\r\n"),
                     KG_OK);
    assert_false(t.hr.keepalive);

    assert_int_equal(parse("GET / HTTP/1.0\r\n"
                           "Connection: keep-alive\r\n\r\n"),
                     KG_OK);
    assert_true(t.hr.keepalive);

    assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n"), KG_OK);
    assert_false(t.hr.keepalive);
}


static void
test_admin_http_response_exact(void **state)
{
    kg_str_t   body, headers;
    kg_buf_t  *b;

    kg_str_set(&body, "{\"status\":\"ok\"}\n");
    kg_str_set(&headers, "Allow: GET" CRLF);

    b = kg_admin_http_response(t.pool, 405, NULL, &headers, &body, 0);
    assert_non_null(b);

    *b->last = '\0';

    assert_string_equal((char *) b->pos,
                        "HTTP/1.1 405 Method Not Allowed\r\n"
                        "Server: " KGATE_VER "\r\n"
                        "Content-Type: application/json\r\n"
                        "Content-Length: 16\r\n"
                        "Cache-Control: no-store\r\n"
                        "Connection: close\r\n"
                        "Allow: GET\r\n"
                        "\r\n"
                        "{\"status\":\"ok\"}\n");

    b = kg_admin_http_response(t.pool, 200, "text/plain", NULL, NULL, 1);
    assert_non_null(b);

    *b->last = '\0';

    assert_non_null(strstr((char *) b->pos, "Content-Length: 0\r\n"));
    assert_non_null(strstr((char *) b->pos, "Connection: keep-alive\r\n"));
}


static void
test_admin_http_error_body_escapes(void **state)
{
    kg_str_t  body;

    assert_int_equal(kg_admin_http_error_body(t.pool, &body, "bad",
                                              "a \"quoted\\\" \n word"),
                     KG_OK);

    assert_int_equal(body.len,
                     sizeof("{\"error\":\"bad\",\"message\":"
                            "\"a \\\"quoted\\\\\\\" \\n word\"}\n") - 1);
    assert_memory_equal(body.data,
                        "{\"error\":\"bad\",\"message\":"
                        "\"a \\\"quoted\\\\\\\" \\n word\"}\n", body.len);
}


static void
test_admin_http_arg_decodes(void **state)
{
    kg_str_t  args, value;

    kg_str_set(&args, "from=a&to=blue%20cluster+2&flag&x=");

    assert_int_equal(kg_admin_http_arg(t.pool, &args, "to", &value), KG_OK);
    assert_int_equal(value.len, 14);
    assert_memory_equal(value.data, "blue cluster 2", 14);

    assert_int_equal(kg_admin_http_arg(t.pool, &args, "flag", &value),
                     KG_OK);
    assert_int_equal(value.len, 0);

    assert_int_equal(kg_admin_http_arg(t.pool, &args, "x", &value), KG_OK);
    assert_int_equal(value.len, 0);

    assert_int_equal(kg_admin_http_arg(t.pool, &args, "t", &value),
                     KG_DECLINED);
    assert_int_equal(kg_admin_http_arg(t.pool, &args, "fro", &value),
                     KG_DECLINED);
}


static kg_int_t
check_basic(kg_array_t *users, const char *credentials)
{
    kg_str_t  plain, auth, user;

    plain.data = (u_char *) credentials;
    plain.len = strlen(credentials);

    auth.data = kg_pnalloc(t.pool, 6 + kg_base64_encoded_length(plain.len));
    assert_non_null(auth.data);

    kg_memcpy(auth.data, "Basic ", 6);

    user.data = auth.data + 6;
    kg_encode_base64(&user, &plain);

    auth.len = 6 + user.len;

    return kg_admin_auth_basic(t.pool, users, &auth, &user);
}


static void
test_admin_auth_basic_checks_passwords(void **state)
{
    kg_str_t     text, auth, user;
    kg_uint_t    line;
    kg_array_t  *users;

    users = kg_array_create(t.pool, 2, sizeof(kg_admin_user_t));
    assert_non_null(users);

    kg_str_set(&text, TEST_PASSWD);

    assert_int_equal(kg_admin_auth_basic_parse(t.pool, &text, users, &line),
                     KG_OK);
    assert_int_equal(users->nelts, 2);

    assert_int_equal(check_basic(users, "alice:secret"), KG_OK);
    assert_int_equal(check_basic(users, "bob:hunter2"), KG_OK);

    assert_int_equal(check_basic(users, "alice:Secret"), KG_DECLINED);
    assert_int_equal(check_basic(users, "alice:secret "), KG_DECLINED);
    assert_int_equal(check_basic(users, "bob:secret"), KG_DECLINED);
    assert_int_equal(check_basic(users, "carol:secret"), KG_DECLINED);
    assert_int_equal(check_basic(users, "alice"), KG_DECLINED);
    assert_int_equal(check_basic(users, ":secret"), KG_DECLINED);

    kg_str_set(&auth, "Basic !!!!");
    assert_int_equal(kg_admin_auth_basic(t.pool, users, &auth, &user),
                     KG_DECLINED);

    kg_str_set(&auth, "Bearer YWxpY2U6c2VjcmV0");
    assert_int_equal(kg_admin_auth_basic(t.pool, users, &auth, &user),
                     KG_DECLINED);

    kg_str_set(&auth, "");
    assert_int_equal(kg_admin_auth_basic(t.pool, users, &auth, &user),
                     KG_DECLINED);

    /* the scheme is case-insensitive */

    kg_str_set(&auth, "basic YWxpY2U6c2VjcmV0");
    assert_int_equal(kg_admin_auth_basic(t.pool, users, &auth, &user),
                     KG_OK);
    assert_int_equal(user.len, 5);
    assert_memory_equal(user.data, "alice", 5);
}


static void
test_admin_auth_basic_parse_rejects_bad_lines(void **state)
{
    kg_str_t     text;
    kg_uint_t    line;
    kg_array_t  *users;

    users = kg_array_create(t.pool, 2, sizeof(kg_admin_user_t));
    assert_non_null(users);

    kg_str_set(&text, "alice:{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/"
                      "Unols=\nbob:plaintext\n");
    assert_int_equal(kg_admin_auth_basic_parse(t.pool, &text, users, &line),
                     KG_ERROR);
    assert_int_equal(line, 2);

    kg_str_set(&text, "\n\n:{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/"
                      "Unols=\n");
    assert_int_equal(kg_admin_auth_basic_parse(t.pool, &text, users, &line),
                     KG_ERROR);
    assert_int_equal(line, 3);

    /* a digest that is not 32 bytes */

    kg_str_set(&text, "alice:{SHA256}YWJj\n");
    assert_int_equal(kg_admin_auth_basic_parse(t.pool, &text, users, &line),
                     KG_ERROR);
    assert_int_equal(line, 1);

    kg_str_set(&text, "alice:{SSHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/"
                      "Unols=\n");
    assert_int_equal(kg_admin_auth_basic_parse(t.pool, &text, users, &line),
                     KG_ERROR);
    assert_int_equal(line, 1);
}


static void
test_admin_auth_bearer_checks_tokens(void **state)
{
    kg_str_t     text, auth;
    kg_uint_t    line;
    kg_array_t  *tokens;

    tokens = kg_array_create(t.pool, 2, sizeof(kg_admin_token_t));
    assert_non_null(tokens);

    kg_str_set(&text, "# tokens\n0123456789abcdef\r\n\nsecond-token-xyz-1\n");

    assert_int_equal(kg_admin_auth_bearer_parse(t.pool, &text, tokens, &line),
                     KG_OK);
    assert_int_equal(tokens->nelts, 2);

    kg_str_set(&auth, "Bearer 0123456789abcdef");
    assert_int_equal(kg_admin_auth_bearer(tokens, &auth), KG_OK);

    kg_str_set(&auth, "bearer second-token-xyz-1 ");
    assert_int_equal(kg_admin_auth_bearer(tokens, &auth), KG_OK);

    kg_str_set(&auth, "Bearer 0123456789abcdeF");
    assert_int_equal(kg_admin_auth_bearer(tokens, &auth), KG_DECLINED);

    kg_str_set(&auth, "Bearer 0123456789abcde");
    assert_int_equal(kg_admin_auth_bearer(tokens, &auth), KG_DECLINED);

    kg_str_set(&auth, "Bearer ");
    assert_int_equal(kg_admin_auth_bearer(tokens, &auth), KG_DECLINED);

    kg_str_set(&auth, "Basic 0123456789abcdef");
    assert_int_equal(kg_admin_auth_bearer(tokens, &auth), KG_DECLINED);

    /* short or spaced tokens are refused with their line */

    kg_str_set(&text, "0123456789abcdef\nshort\n");
    assert_int_equal(kg_admin_auth_bearer_parse(t.pool, &text, tokens, &line),
                     KG_ERROR);
    assert_int_equal(line, 2);

    kg_str_set(&text, "0123456789 abcdef\n");
    assert_int_equal(kg_admin_auth_bearer_parse(t.pool, &text, tokens, &line),
                     KG_ERROR);
    assert_int_equal(line, 1);
}


static void
test_admin_find_endpoint_matches(void **state)
{
    kg_str_t              get, post, path, allow;
    kg_admin_registry_t  *reg;
    kg_admin_endpoint_t  *e;

    kg_str_set(&get, "GET");
    kg_str_set(&post, "POST");

    kg_str_set(&path, "/routes");
    assert_int_equal(kg_admin_add_endpoint(&t.conf, &get, &path, 0,
                                           dummy_handler, (void *) 1),
                     KG_OK);

    kg_str_set(&path, "/routes/");
    assert_int_equal(kg_admin_add_endpoint(&t.conf, &post, &path, 1,
                                           dummy_handler, (void *) 2),
                     KG_OK);

    kg_str_set(&path, "/routes/special/");
    assert_int_equal(kg_admin_add_endpoint(&t.conf, &post, &path, 1,
                                           dummy_handler, (void *) 3),
                     KG_OK);

    kg_str_set(&path, "/routes");
    assert_int_equal(kg_admin_add_endpoint(&t.conf, &get, &path, 0,
                                           dummy_handler, NULL),
                     KG_ERROR);

    kg_str_set(&path, "routes");
    assert_int_equal(kg_admin_add_endpoint(&t.conf, &get, &path, 0,
                                           dummy_handler, NULL),
                     KG_ERROR);

    reg = kg_admin_registry(t.cycle);
    assert_non_null(reg);
    assert_int_equal(reg->endpoints.nelts, 3);

    kg_str_set(&path, "/routes");
    e = kg_admin_find_endpoint(reg, &get, &path, t.pool, &allow);
    assert_non_null(e);
    assert_ptr_equal(e->data, (void *) 1);

    e = kg_admin_find_endpoint(reg, &post, &path, t.pool, &allow);
    assert_null(e);
    assert_int_equal(allow.len, 3);
    assert_memory_equal(allow.data, "GET", 3);

    kg_str_set(&path, "/routes/orders/switch");
    e = kg_admin_find_endpoint(reg, &post, &path, t.pool, &allow);
    assert_non_null(e);
    assert_ptr_equal(e->data, (void *) 2);

    kg_str_set(&path, "/routes/special/x");
    e = kg_admin_find_endpoint(reg, &post, &path, t.pool, &allow);
    assert_non_null(e);
    assert_ptr_equal(e->data, (void *) 3);

    e = kg_admin_find_endpoint(reg, &get, &path, t.pool, &allow);
    assert_null(e);
    assert_int_equal(allow.len, 4);

    kg_str_set(&path, "/nothing");
    e = kg_admin_find_endpoint(reg, &get, &path, t.pool, &allow);
    assert_null(e);
    assert_int_equal(allow.len, 0);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_admin_http_parse_get,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_http_parse_decodes_path,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_admin_http_parse_split_at_every_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_admin_http_parse_rejects_oversized_header, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_admin_http_parse_rejects_bad_request_line, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_admin_http_parse_rejects_bad_content_length,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_admin_http_parse_refuses_chunked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_http_parse_connection,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_http_response_exact,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_http_error_body_escapes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_http_arg_decodes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_admin_auth_basic_checks_passwords, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_admin_auth_basic_parse_rejects_bad_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_admin_auth_bearer_checks_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_find_endpoint_matches,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}


static int
setup(void **state)
{
    kg_memzero(&t, sizeof(test_ctx_t));

    t.log_file.fd = open("/dev/null", O_WRONLY);
    if (t.log_file.fd == -1) {
        return -1;
    }

    t.log.file = &t.log_file;
    t.log.log_level = KG_LOG_INFO;

    t.pool = kg_create_pool(16384, &t.log);
    if (t.pool == NULL) {
        return -1;
    }

    t.cycle = kg_pcalloc(t.pool, sizeof(kg_cycle_t));
    if (t.cycle == NULL) {
        return -1;
    }

    t.cycle->pool = t.pool;
    t.cycle->log = &t.log;

    t.conf.cycle = t.cycle;
    t.conf.pool = t.pool;
    t.conf.log = &t.log;

    return 0;
}


static int
teardown(void **state)
{
    kg_destroy_pool(t.pool);
    (void) close(t.log_file.fd);

    return 0;
}


/* parses text as one complete read; the text is copied to t.buf */

static kg_int_t
parse(const char *text)
{
    size_t  len;

    len = strlen(text);

    if ((u_char *) text != t.buf) {
        assert_true(len < sizeof(t.buf));
        kg_memcpy(t.buf, text, len + 1);
    }

    kg_memzero(&t.hr, sizeof(kg_admin_http_request_t));

    return kg_admin_http_parse(&t.hr, t.buf, t.buf + len);
}


static kg_int_t
dummy_handler(kg_admin_request_t *r)
{
    return KG_OK;
}
