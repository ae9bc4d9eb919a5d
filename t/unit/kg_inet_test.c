/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>

#include <setjmp.h>
#include <cmocka.h>


static kg_log_t   test_log;


static int
setup(void **state)
{
    kg_pool_t  *pool;

    kg_pagesize = getpagesize();

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


static kg_int_t
parse(kg_pool_t *pool, kg_url_t *u, char *text, kg_uint_t listen)
{
    kg_memzero(u, sizeof(kg_url_t));

    u->url.data = (u_char *) text;
    u->url.len = kg_strlen(text);
    u->listen = listen;

    return kg_parse_url(pool, u);
}


static void
test_parse_url_ipv4_host_port(void **state)
{
    kg_url_t  u;

    assert_int_equal(parse(*state, &u, "127.0.0.1:9092", 0), KG_OK);

    assert_int_equal(u.family, AF_INET);
    assert_int_equal(u.port, 9092);
    assert_int_equal(u.naddrs, 1);
    assert_false(u.wildcard);
    assert_false(u.no_port);
    assert_int_equal(u.host.len, 9);
    assert_memory_equal(u.host.data, "127.0.0.1", 9);
    assert_int_equal(u.addrs[0].name.len, 14);
    assert_memory_equal(u.addrs[0].name.data, "127.0.0.1:9092", 14);
    assert_int_equal(kg_inet_get_port(u.addrs[0].sockaddr), 9092);
}


static void
test_parse_url_ipv6_brackets(void **state)
{
    kg_url_t  u;

    assert_int_equal(parse(*state, &u, "[::1]:9092", 0), KG_OK);

    assert_int_equal(u.family, AF_INET6);
    assert_int_equal(u.port, 9092);
    assert_int_equal(u.naddrs, 1);
    assert_int_equal(u.addrs[0].name.len, 10);
    assert_memory_equal(u.addrs[0].name.data, "[::1]:9092", 10);

    assert_int_equal(parse(*state, &u, "[::]:80", 1), KG_OK);
    assert_true(u.wildcard);

    assert_int_equal(parse(*state, &u, "[::1", 0), KG_ERROR);
    assert_string_equal(u.err, "invalid host");

    assert_int_equal(parse(*state, &u, "[::1]x", 0), KG_ERROR);
    assert_int_equal(parse(*state, &u, "[]:80", 0), KG_ERROR);
    assert_string_equal(u.err, "no host");

    assert_int_equal(parse(*state, &u, "[zz::1]:80", 0), KG_ERROR);
    assert_string_equal(u.err, "invalid IPv6 address");
}


static void
test_parse_url_hostname_resolves(void **state)
{
    kg_url_t  u;

    assert_int_equal(parse(*state, &u, "localhost:9092", 0), KG_OK);

    assert_true(u.naddrs >= 1);
    assert_int_equal(u.port, 9092);
    assert_int_equal(u.host.len, 9);
    assert_int_equal(kg_inet_get_port(u.addrs[0].sockaddr), 9092);

    /* no_resolve leaves the name alone */

    kg_memzero(&u, sizeof(kg_url_t));
    kg_str_set(&u.url, "broker-1.example.invalid:9093");
    u.no_resolve = 1;

    assert_int_equal(kg_parse_url(*state, &u), KG_OK);
    assert_int_equal(u.naddrs, 0);
    assert_int_equal(u.port, 9093);
    assert_int_equal(u.host.len, sizeof("broker-1.example.invalid") - 1);

    assert_int_equal(parse(*state, &u, "no-such-host.invalid:1", 0),
                     KG_ERROR);
    assert_string_equal(u.err, "host not found");
}


static void
test_parse_url_wildcard_and_port_only(void **state)
{
    kg_url_t  u;

    assert_int_equal(parse(*state, &u, "*:80", 1), KG_OK);
    assert_true(u.wildcard);
    assert_int_equal(u.port, 80);
    assert_int_equal(u.naddrs, 1);

    assert_int_equal(parse(*state, &u, "8080", 1), KG_OK);
    assert_true(u.wildcard);
    assert_int_equal(u.port, 8080);

    assert_int_equal(parse(*state, &u, "0.0.0.0:19092", 1), KG_OK);
    assert_true(u.wildcard);
}


static void
test_parse_url_rejects_bad_input(void **state)
{
    kg_url_t  u;

    assert_int_equal(parse(*state, &u, ":80", 0), KG_ERROR);
    assert_string_equal(u.err, "no host");

    assert_int_equal(parse(*state, &u, ":80", 1), KG_ERROR);
    assert_string_equal(u.err, "no host");

    assert_int_equal(parse(*state, &u, "127.0.0.1:0", 0), KG_ERROR);
    assert_string_equal(u.err, "invalid port");

    assert_int_equal(parse(*state, &u, "127.0.0.1:65536", 0), KG_ERROR);
    assert_string_equal(u.err, "invalid port");

    assert_int_equal(parse(*state, &u, "127.0.0.1:x", 0), KG_ERROR);
    assert_string_equal(u.err, "invalid port");

    assert_int_equal(parse(*state, &u, "70000", 1), KG_ERROR);
    assert_string_equal(u.err, "invalid port");

    assert_int_equal(parse(*state, &u, "127.0.0.1:80/path", 1), KG_ERROR);
    assert_string_equal(u.err, "invalid host");

    assert_int_equal(parse(*state, &u, "", 0), KG_ERROR);

    /* no port: allowed, flagged, default_port used */
    assert_int_equal(parse(*state, &u, "127.0.0.1", 0), KG_OK);
    assert_true(u.no_port);
    assert_int_equal(u.port, 0);
}


static void
test_parse_url_unix_path(void **state)
{
    kg_url_t  u;

    assert_int_equal(parse(*state, &u, "unix:/var/run/kgate.sock", 0), KG_OK);
    assert_int_equal(u.family, AF_UNIX);
    assert_int_equal(u.naddrs, 1);

    assert_int_equal(parse(*state, &u, "unix:", 0), KG_ERROR);
}


static void
test_sock_ntop_round_trips(void **state)
{
    u_char     text[KG_SOCKADDR_STRLEN];
    size_t     len;
    kg_addr_t  addr;
    char      *cases[] = { "10.1.2.3:9092", "[2001:db8::5]:19093",
                           "[::ffff:1.2.3.4]:1", "255.255.255.254:65535" };
    kg_uint_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(kg_parse_addr_port(*state, &addr,
                                            (u_char *) cases[i],
                                            kg_strlen(cases[i])),
                         KG_OK);

        len = kg_sock_ntop(addr.sockaddr, addr.socklen, text, sizeof(text),
                           1);
        assert_int_equal(len, kg_strlen(cases[i]));
        assert_memory_equal(text, cases[i], len);
    }

    len = kg_sock_ntop(addr.sockaddr, addr.socklen, text, sizeof(text), 0);
    assert_memory_equal(text, "255.255.255.254", len);

    /* a short buffer cuts, never overruns */
    len = kg_sock_ntop(addr.sockaddr, addr.socklen, text, 5, 1);
    assert_int_equal(len, 5);
}


static void
test_parse_addr_declines_names(void **state)
{
    kg_addr_t  addr;

    assert_int_equal(kg_parse_addr(*state, &addr, (u_char *) "localhost", 9),
                     KG_DECLINED);
    assert_int_equal(kg_parse_addr(*state, &addr, (u_char *) "1.2.3", 5),
                     KG_DECLINED);
    assert_int_equal(kg_parse_addr(*state, &addr, (u_char *) "1..2.3", 6),
                     KG_DECLINED);
    assert_int_equal(kg_parse_addr(*state, &addr, (u_char *) "1.2.3.256", 9),
                     KG_DECLINED);
    assert_int_equal(kg_parse_addr_port(*state, &addr,
                                        (u_char *) "1.2.3.4:0", 9),
                     KG_DECLINED);
    assert_int_equal(kg_parse_addr(*state, &addr, (u_char *) "::1", 3),
                     KG_OK);
    assert_int_equal(addr.sockaddr->sa_family, AF_INET6);
}


static void
test_cmp_sockaddr_compares_ports_on_demand(void **state)
{
    kg_addr_t  a, b, c;

    assert_int_equal(kg_parse_addr_port(*state, &a,
                                        (u_char *) "127.0.0.1:1", 11), KG_OK);
    assert_int_equal(kg_parse_addr_port(*state, &b,
                                        (u_char *) "127.0.0.1:2", 11), KG_OK);
    assert_int_equal(kg_parse_addr_port(*state, &c,
                                        (u_char *) "[::1]:1", 7), KG_OK);

    assert_int_equal(kg_cmp_sockaddr(a.sockaddr, a.socklen,
                                     b.sockaddr, b.socklen, 0), KG_OK);
    assert_int_equal(kg_cmp_sockaddr(a.sockaddr, a.socklen,
                                     b.sockaddr, b.socklen, 1), KG_DECLINED);
    assert_int_equal(kg_cmp_sockaddr(a.sockaddr, a.socklen,
                                     c.sockaddr, c.socklen, 0), KG_DECLINED);
}


static void
test_ptocidr_and_match(void **state)
{
    kg_str_t     text;
    kg_cidr_t   *cidr;
    kg_addr_t    addr;
    kg_array_t  *cidrs;

    cidrs = kg_array_create(*state, 2, sizeof(kg_cidr_t));
    assert_non_null(cidrs);

    cidr = kg_array_push(cidrs);
    kg_str_set(&text, "10.0.0.0/8");
    assert_int_equal(kg_ptocidr(&text, cidr), KG_OK);

    cidr = kg_array_push(cidrs);
    kg_str_set(&text, "2001:db8::1/32");
    assert_int_equal(kg_ptocidr(&text, cidr), KG_DONE);

    assert_int_equal(kg_parse_addr(*state, &addr, (u_char *) "10.9.8.7", 8),
                     KG_OK);
    assert_int_equal(kg_cidr_match(addr.sockaddr, cidrs), KG_OK);

    assert_int_equal(kg_parse_addr(*state, &addr, (u_char *) "11.0.0.1", 8),
                     KG_OK);
    assert_int_equal(kg_cidr_match(addr.sockaddr, cidrs), KG_DECLINED);

    assert_int_equal(kg_parse_addr(*state, &addr,
                                   (u_char *) "2001:db8:ff::1", 14), KG_OK);
    assert_int_equal(kg_cidr_match(addr.sockaddr, cidrs), KG_OK);

    kg_str_set(&text, "10.0.0.0/33");
    assert_int_equal(kg_ptocidr(&text, cidr), KG_ERROR);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_parse_url_ipv4_host_port, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_parse_url_ipv6_brackets, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_parse_url_hostname_resolves, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_parse_url_wildcard_and_port_only, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_parse_url_rejects_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_parse_url_unix_path, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_sock_ntop_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_parse_addr_declines_names, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_cmp_sockaddr_compares_ports_on_demand, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_ptocidr_and_match, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
