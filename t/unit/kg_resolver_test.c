/*
 * Copyright (C) kgate authors
 */


/*
 * The resolver through the real epoll loop.  No test reaches a real name
 * server: the channel is pointed at a tiny DNS responder on 127.0.0.1,
 * run by the same loop, that answers NXDOMAIN, answers with records, or
 * never answers, and counts what it is asked.
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_resolver.h>

#include <setjmp.h>
#include <cmocka.h>

#include <kg_test_log.h>
#include <kg_test_cycle.h>
#include <kg_test_event.h>


#define TEST_LOOP_LIMIT   400
#define TEST_PORT         9092

#define DNS_SILENT        0
#define DNS_NXDOMAIN      1
#define DNS_ANSWER        2


typedef struct {
    kg_pool_t          *pool;
    kg_cycle_t         *cycle;
    kg_log_t            log;
    kg_open_file_t      log_file;
    char                log_path[PATH_MAX];

    /* the fake name server */
    kg_connection_t    *dns;
    kg_uint_t           dns_mode;
    uint32_t            dns_ttl;
    kg_uint_t           queries;
    u_char              servers[64];

    kg_uint_t           handled;
    kg_resolver_ctx_t  *last;
    kg_resolver_ctx_t  *again;
    kg_int_t            again_rc;
} test_ctx_t;


static test_ctx_t  t;


static int setup(void **state);
static int teardown(void **state);
static void dns_start(kg_uint_t mode);
static void dns_read_handler(kg_event_t *rev);
static kg_resolver_ctx_t *ctx_create(kg_pool_t *pool, char *name);
static void ctx_handler(kg_resolver_ctx_t *ctx);
static void again_handler(kg_resolver_ctx_t *ctx);
static void run_until(kg_uint_t *counter, kg_uint_t value);
static kg_uint_t log_count(const char *text);


static void
test_resolve_name_ip_literal_is_sync(void **state)
{
    kg_resolver_ctx_t  *ctx;

    dns_start(DNS_NXDOMAIN);

    ctx = ctx_create(t.pool, "127.0.0.1");

    assert_int_equal(kg_resolve_name(ctx), KG_OK);
    assert_int_equal(ctx->state, KG_OK);
    assert_int_equal(ctx->naddrs, 1);
    assert_int_equal(ctx->addrs[0].sockaddr->sa_family, AF_INET);
    assert_int_equal(kg_inet_get_port(ctx->addrs[0].sockaddr), TEST_PORT);
    assert_int_equal(ctx->addrs[0].name.len, sizeof("127.0.0.1:9092") - 1);
    assert_memory_equal(ctx->addrs[0].name.data, "127.0.0.1:9092",
                        ctx->addrs[0].name.len);

    ctx = ctx_create(t.pool, "[::1]");

    assert_int_equal(kg_resolve_name(ctx), KG_OK);
    assert_int_equal(ctx->naddrs, 1);
    assert_int_equal(ctx->addrs[0].sockaddr->sa_family, AF_INET6);
    assert_int_equal(ctx->addrs[0].socklen, sizeof(struct sockaddr_in6));
    assert_int_equal(ctx->addrs[0].name.len, sizeof("[::1]:9092") - 1);
    assert_memory_equal(ctx->addrs[0].name.data, "[::1]:9092",
                        ctx->addrs[0].name.len);

    ctx = ctx_create(t.pool, "fe80::1");

    assert_int_equal(kg_resolve_name(ctx), KG_OK);
    assert_int_equal(ctx->addrs[0].sockaddr->sa_family, AF_INET6);

    /* answered without a query, the handler never runs */

    kg_test_run_for(t.cycle, 50);

    assert_int_equal(t.queries, 0);
    assert_int_equal(t.handled, 0);
}


static void
test_resolve_name_localhost_from_hosts(void **state)
{
    kg_int_t                rc;
    kg_uint_t               i, found;
    kg_resolver_ctx_t      *ctx;
    struct sockaddr_in     *sin;

    dns_start(DNS_NXDOMAIN);

    ctx = ctx_create(t.pool, "localhost");

    rc = kg_resolve_name(ctx);

    /* either contract holds: answered now and no handler, or later */

    if (rc == KG_OK) {
        kg_test_run_for(t.cycle, 50);
        assert_int_equal(t.handled, 0);

    } else {
        assert_int_equal(rc, KG_AGAIN);
        run_until(&t.handled, 1);
    }

    assert_int_equal(ctx->state, KG_OK);
    assert_true(ctx->naddrs >= 1);

    found = 0;

    for (i = 0; i < ctx->naddrs; i++) {
        assert_int_equal(kg_inet_get_port(ctx->addrs[i].sockaddr), TEST_PORT);

        if (ctx->addrs[i].sockaddr->sa_family == AF_INET) {
            sin = (struct sockaddr_in *) ctx->addrs[i].sockaddr;

            if (sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
                found = 1;
            }
        }
    }

    assert_true(found);

    /* /etc/hosts, not the name server */

    assert_int_equal(t.queries, 0);
}


static void
test_resolve_name_invalid_fails_without_query(void **state)
{
    kg_resolver_ctx_t  *ctx;

    dns_start(DNS_NXDOMAIN);

    ctx = ctx_create(t.pool, "nonexistent.invalid");

    assert_int_equal(kg_resolve_name(ctx), KG_ERROR);
    assert_int_equal(ctx->state, KG_ERROR);
    assert_int_equal(ctx->naddrs, 0);
    assert_non_null(ctx->err);
    assert_string_equal(ctx->err, "Domain name not found");

    ctx = ctx_create(t.pool, "INVALID.");

    assert_int_equal(kg_resolve_name(ctx), KG_ERROR);

    kg_test_run_for(t.cycle, 50);

    assert_int_equal(t.queries, 0);
    assert_int_equal(t.handled, 0);
    assert_int_equal(log_count("\"nonexistent.invalid\" could not be "
                               "resolved"), 1);
}


static void
test_resolve_name_nxdomain_is_cached(void **state)
{
    kg_uint_t           queries;
    kg_resolver_ctx_t  *ctx;

    dns_start(DNS_NXDOMAIN);

    ctx = ctx_create(t.pool, "nonexistent.test");

    assert_int_equal(kg_resolve_name(ctx), KG_AGAIN);

    run_until(&t.handled, 1);

    assert_ptr_equal(t.last, ctx);
    assert_int_equal(ctx->state, KG_ERROR);
    assert_int_equal(ctx->naddrs, 0);
    assert_string_equal(ctx->err, "Domain name not found");
    assert_true(t.queries >= 1);

    assert_int_equal(log_count("[error]"), 1);
    assert_int_equal(log_count("\"nonexistent.test\" could not be resolved"),
                     1);

    /* the failure is remembered: no query, no handler */

    queries = t.queries;

    ctx = ctx_create(t.pool, "Nonexistent.TEST");

    assert_int_equal(kg_resolve_name(ctx), KG_ERROR);
    assert_string_equal(ctx->err, "Domain name not found");

    kg_test_run_for(t.cycle, 50);

    assert_int_equal(t.queries, queries);
    assert_int_equal(t.handled, 1);
}


static void
test_resolve_name_times_out_on_silent_server(void **state)
{
    kg_msec_t           start;
    kg_resolver_ctx_t  *ctx;

    dns_start(DNS_SILENT);

    ctx = ctx_create(t.pool, "broker.test");
    ctx->timeout = 200;

    kg_time_update();
    start = kg_current_msec;

    assert_int_equal(kg_resolve_name(ctx), KG_AGAIN);

    run_until(&t.handled, 1);

    assert_int_equal(ctx->state, KG_ERROR);
    assert_string_equal(ctx->err, "timed out");
    assert_true(kg_current_msec - start >= 200);
    assert_true(kg_current_msec - start < 1500);
    assert_true(t.queries >= 1);

    assert_int_equal(log_count("\"broker.test\" could not be resolved "
                               "(timed out)"), 1);

    /* the query still runs: the worker's exit (teardown) ends it */
}


static void
test_resolve_cancel_handler_never_runs(void **state)
{
    kg_resolver_ctx_t  *ctx, *other;

    dns_start(DNS_ANSWER);

    ctx = ctx_create(t.pool, "broker.test");
    ctx->timeout = 100;

    assert_int_equal(kg_resolve_name(ctx), KG_AGAIN);

    kg_resolve_cancel(ctx);
    kg_resolve_cancel(ctx);

    /* another caller joins the same query and is answered */

    other = ctx_create(t.pool, "broker.test");

    assert_int_equal(kg_resolve_name(other), KG_AGAIN);

    run_until(&t.handled, 1);

    assert_ptr_equal(t.last, other);
    assert_int_equal(other->state, KG_OK);

    /* past the timeout of the cancelled one: still nothing for it */

    kg_test_run_for(t.cycle, 200);

    assert_int_equal(t.handled, 1);
    assert_int_equal(ctx->state, KG_ERROR);
    assert_null(ctx->addrs);

    /* a ctx may be used again */

    assert_int_equal(kg_resolve_name(ctx), KG_OK);
    assert_int_equal(ctx->naddrs, 2);
}


static void
test_resolve_cancel_by_pool_destroy(void **state)
{
    kg_pool_t          *pool;
    kg_resolver_ctx_t  *ctx, *other;

    dns_start(DNS_ANSWER);

    pool = kg_create_pool(1024, &t.log);
    assert_non_null(pool);

    ctx = ctx_create(pool, "broker.test");

    assert_int_equal(kg_resolve_name(ctx), KG_AGAIN);

    /* the owner goes away without a word */

    kg_destroy_pool(pool);

    other = ctx_create(t.pool, "broker.test");

    assert_int_equal(kg_resolve_name(other), KG_AGAIN);

    run_until(&t.handled, 1);

    assert_ptr_equal(t.last, other);
}


static void
test_resolve_name_cache_hit(void **state)
{
    kg_uint_t             i, queries, v4, v6;
    kg_resolver_ctx_t    *ctx;
    struct sockaddr_in   *sin;

    dns_start(DNS_ANSWER);

    ctx = ctx_create(t.pool, "broker.test");

    assert_int_equal(kg_resolve_name(ctx), KG_AGAIN);

    run_until(&t.handled, 1);

    assert_int_equal(ctx->state, KG_OK);
    assert_null(ctx->err);
    assert_int_equal(ctx->naddrs, 2);

    v4 = 0;
    v6 = 0;

    for (i = 0; i < ctx->naddrs; i++) {
        assert_int_equal(kg_inet_get_port(ctx->addrs[i].sockaddr), TEST_PORT);

        if (ctx->addrs[i].sockaddr->sa_family == AF_INET) {
            sin = (struct sockaddr_in *) ctx->addrs[i].sockaddr;
            assert_int_equal(sin->sin_addr.s_addr, htonl(0x7f000002));
            assert_int_equal(ctx->addrs[i].name.len,
                             sizeof("127.0.0.2:9092") - 1);
            assert_memory_equal(ctx->addrs[i].name.data, "127.0.0.2:9092",
                                ctx->addrs[i].name.len);
            v4++;

        } else {
            assert_int_equal(ctx->addrs[i].sockaddr->sa_family, AF_INET6);
            v6++;
        }
    }

    assert_int_equal(v4, 1);
    assert_int_equal(v6, 1);

    /* the same name, another port: answered now, from the cache */

    queries = t.queries;

    ctx = ctx_create(t.pool, "BROKER.test");
    ctx->port = 9093;

    assert_int_equal(kg_resolve_name(ctx), KG_OK);
    assert_int_equal(ctx->naddrs, 2);
    assert_int_equal(kg_inet_get_port(ctx->addrs[0].sockaddr), 9093);
    assert_int_equal(kg_inet_get_port(ctx->addrs[1].sockaddr), 9093);

    kg_test_run_for(t.cycle, 50);

    assert_int_equal(t.queries, queries);
    assert_int_equal(t.handled, 1);
}


static void
test_resolve_name_ttl_zero_is_not_cached(void **state)
{
    kg_resolver_ctx_t  *ctx;

    dns_start(DNS_ANSWER);
    t.dns_ttl = 0;

    ctx = ctx_create(t.pool, "broker.test");

    assert_int_equal(kg_resolve_name(ctx), KG_AGAIN);
    run_until(&t.handled, 1);
    assert_int_equal(ctx->state, KG_OK);

    assert_int_equal(kg_resolve_name(ctx), KG_AGAIN);
    run_until(&t.handled, 2);
    assert_int_equal(ctx->state, KG_OK);
}


static void
test_resolve_name_again_from_handler(void **state)
{
    kg_resolver_ctx_t  *ctx1, *ctx2;

    dns_start(DNS_ANSWER);
    t.dns_ttl = 0;

    ctx1 = ctx_create(t.pool, "broker.test");
    ctx1->handler = again_handler;
    ctx2 = ctx_create(t.pool, "broker.test");
    t.again = ctx_create(t.pool, "broker.test");

    assert_int_equal(kg_resolve_name(ctx1), KG_AGAIN);
    assert_int_equal(kg_resolve_name(ctx2), KG_AGAIN);

    run_until(&t.handled, 2);

    /* the answer being handed out serves the handler's lookup too */

    assert_int_equal(t.again_rc, KG_OK);
    assert_int_equal(t.again->naddrs, 2);

    assert_int_equal(ctx1->state, KG_OK);
    assert_int_equal(ctx2->state, KG_OK);
    assert_int_equal(ctx2->naddrs, 2);
    assert_int_equal(t.queries, 2);

    /* and then it is gone: TTL 0 */

    assert_int_equal(kg_resolve_name(ctx1), KG_AGAIN);
}


static void
test_resolve_name_shares_one_query(void **state)
{
    kg_uint_t           queries;
    kg_resolver_ctx_t  *ctx1, *ctx2;

    dns_start(DNS_ANSWER);

    ctx1 = ctx_create(t.pool, "broker.test");
    ctx2 = ctx_create(t.pool, "broker.test");

    assert_int_equal(kg_resolve_name(ctx1), KG_AGAIN);
    assert_int_equal(kg_resolve_name(ctx2), KG_AGAIN);

    run_until(&t.handled, 2);

    assert_int_equal(ctx1->state, KG_OK);
    assert_int_equal(ctx2->state, KG_OK);

    /* one A and one AAAA question, not two of each */

    queries = t.queries;
    assert_int_equal(queries, 2);
}


static void
test_resolve_name_rejects_bad_names(void **state)
{
    u_char              name[255];
    kg_resolver_ctx_t  *ctx;

    ctx = ctx_create(t.pool, "");

    assert_int_equal(kg_resolve_name(ctx), KG_ERROR);
    assert_string_equal(ctx->err, "invalid host name");

    /* 255 characters: one more than a name with its trailing dot */

    kg_memset(name, 'a', sizeof(name));

    ctx->name.data = name;
    ctx->name.len = sizeof(name);

    assert_int_equal(kg_resolve_name(ctx), KG_ERROR);
    assert_string_equal(ctx->err, "invalid host name");

    ctx->name.data = (u_char *) "a\0b";
    ctx->name.len = 3;

    assert_int_equal(kg_resolve_name(ctx), KG_ERROR);
    assert_int_equal(t.handled, 0);
}


/* the fake name server */

static void
dns_start(kg_uint_t mode)
{
    int                  fd;
    u_char              *p;
    kg_str_t             servers;
    socklen_t            len;
    struct sockaddr_in   sin;

    fd = socket(AF_INET, SOCK_DGRAM|SOCK_NONBLOCK, 0);
    assert_true(fd != -1);

    kg_memzero(&sin, sizeof(struct sockaddr_in));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    assert_int_equal(bind(fd, (struct sockaddr *) &sin, sizeof(sin)), 0);

    len = sizeof(sin);
    assert_int_equal(getsockname(fd, (struct sockaddr *) &sin, &len), 0);

    t.dns = kg_get_connection(fd, &t.log);
    assert_non_null(t.dns);

    t.dns->read->handler = dns_read_handler;
    t.dns->read->log = &t.log;
    t.dns->write->handler = kg_test_noop_handler;
    t.dns->write->log = &t.log;

    assert_int_equal(kg_add_event(t.dns->read, KG_READ_EVENT, KG_LEVEL_EVENT),
                     KG_OK);

    t.dns_mode = mode;
    t.dns_ttl = 60;

    p = kg_sprintf(t.servers, "127.0.0.1:%d", (int) ntohs(sin.sin_port));

    servers.data = t.servers;
    servers.len = p - t.servers;

    assert_int_equal(kg_resolver_set_servers(&t.log, &servers), KG_OK);
}


static void
dns_read_handler(kg_event_t *rev)
{
    u_char              *p, *last, *q;
    ssize_t              n;
    uint16_t             qtype;
    socklen_t            len;
    kg_connection_t     *c;
    struct sockaddr_in   sin;
    u_char               buf[512], out[600];

    c = rev->data;

    for ( ;; ) {
        len = sizeof(sin);

        n = recvfrom(c->fd, buf, sizeof(buf), 0, (struct sockaddr *) &sin,
                     &len);
        if (n == -1) {
            return;
        }

        t.queries++;

        if (t.dns_mode == DNS_SILENT || n < 12) {
            continue;
        }

        /* the question: a name, a type and a class */

        p = buf + 12;
        last = buf + n;

        while (p < last && *p) {
            p += *p + 1;
        }

        if (p + 5 > last) {
            continue;
        }

        qtype = (uint16_t) (p[1] << 8 | p[2]);
        p += 5;

        q = kg_cpymem(out, buf, p - buf);

        out[2] = 0x80 | (buf[2] & 0x79);          /* QR, opcode, RD */
        out[3] = 0x80;                             /* RA, NOERROR */
        out[6] = 0; out[7] = 0;                    /* ANCOUNT */
        out[8] = 0; out[9] = 0;                    /* NSCOUNT */
        out[10] = 0; out[11] = 0;                  /* ARCOUNT */

        if (t.dns_mode == DNS_NXDOMAIN) {
            out[3] |= 3;

        } else if (qtype == 1 || qtype == 28) {
            out[7] = 1;

            *q++ = 0xc0; *q++ = 0x0c;              /* the question's name */
            *q++ = 0; *q++ = (u_char) qtype;
            *q++ = 0; *q++ = 1;                    /* IN */
            *q++ = (u_char) (t.dns_ttl >> 24);
            *q++ = (u_char) (t.dns_ttl >> 16);
            *q++ = (u_char) (t.dns_ttl >> 8);
            *q++ = (u_char) t.dns_ttl;

            if (qtype == 1) {
                *q++ = 0; *q++ = 4;
                *q++ = 127; *q++ = 0; *q++ = 0; *q++ = 2;

            } else {
                *q++ = 0; *q++ = 16;
                kg_memzero(q, 16);
                q[0] = 0xfd;
                q[15] = 2;
                q += 16;
            }
        }

        (void) sendto(c->fd, out, q - out, 0, (struct sockaddr *) &sin, len);
    }
}


static kg_resolver_ctx_t *
ctx_create(kg_pool_t *pool, char *name)
{
    kg_resolver_ctx_t  *ctx;

    ctx = kg_resolve_start(&t.log, pool);
    assert_non_null(ctx);

    ctx->name.data = (u_char *) name;
    ctx->name.len = strlen(name);
    ctx->port = TEST_PORT;
    ctx->handler = ctx_handler;
    ctx->data = &t;
    ctx->timeout = 2000;

    return ctx;
}


static void
ctx_handler(kg_resolver_ctx_t *ctx)
{
    assert_ptr_equal(ctx->data, &t);
    assert_true(ctx->state == KG_OK || ctx->state == KG_ERROR);
    assert_false(ctx->waiting);

    t.handled++;
    t.last = ctx;
}


static void
again_handler(kg_resolver_ctx_t *ctx)
{
    ctx_handler(ctx);

    t.again_rc = kg_resolve_name(t.again);
}


/* turn the loop until the counter reaches the value, or fail after 3s */

static void
run_until(kg_uint_t *counter, kg_uint_t value)
{
    kg_test_run_until(t.cycle, counter, value, TEST_LOOP_LIMIT, 3000);
}


static kg_uint_t
log_count(const char *text)
{
    return kg_test_log_count(&t.log, text);
}


static int
setup(void **state)
{
    kg_memzero(&t, sizeof(test_ctx_t));

    if (kg_test_log_open(&t.log, &t.log_file, t.log_path,
                         "kg_resolver_test_log")
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

    if (kg_test_events_init(t.cycle) != KG_OK) {
        return -1;
    }

    return 0;
}


static int
teardown(void **state)
{
    kg_uint_t  alerts;

    if (t.dns) {
        kg_close_connection(t.dns);
    }

    kg_event_core_module.exit_process(t.cycle);

    /* as a worker exits: the channel goes with the cycle's pool */

    kg_destroy_pool(t.pool);

    alerts = log_count("[alert]") + log_count("[crit]")
             + log_count("[emerg]");

    (void) close(t.log_file.fd);

    return alerts ? -1 : 0;
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_resolve_name_ip_literal_is_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_resolve_name_localhost_from_hosts, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_resolve_name_invalid_fails_without_query, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_resolve_name_nxdomain_is_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_resolve_name_times_out_on_silent_server, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_resolve_cancel_handler_never_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_resolve_cancel_by_pool_destroy, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_resolve_name_cache_hit, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_resolve_name_ttl_zero_is_not_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_resolve_name_again_from_handler, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_resolve_name_shares_one_query, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_resolve_name_rejects_bad_names, setup, teardown),
    };

    kg_time_init();

    if (kg_strerror_init() != KG_OK) {
        return 1;
    }

    kg_pagesize = getpagesize();

    if (kg_preinit_modules() != KG_OK) {
        return 1;
    }

    return cmocka_run_group_tests(tests, NULL, NULL);
}
