/*
 * Copyright (C) kgate authors
 */


/*
 * The event engine through the real epoll loop: a socketpair wrapped in
 * connections, handlers that fire on readiness, a writer that meets a
 * full socket buffer, timers that expire in order, posted events,
 * accept (and running out of worker_connections), connect, and the
 * graceful close of idle connections.
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_event_connect.h>

#include <setjmp.h>
#include <cmocka.h>

#include <kg_test_log.h>
#include <kg_test_cycle.h>
#include <kg_test_event.h>


#define TEST_LOOP_LIMIT  200


typedef struct {
    kg_pool_t          *pool;
    kg_cycle_t         *cycle;
    kg_log_t            log;
    kg_open_file_t      log_file;
    char                log_path[PATH_MAX];

    int                 fds[2];
    kg_connection_t    *c;

    kg_uint_t           reads;
    kg_uint_t           writes;
    kg_uint_t           order[8];
    kg_uint_t           norder;
    u_char              buf[64];
    ssize_t             n;

    kg_connection_t    *accepted;
    kg_uint_t           naccepted;

    kg_event_t          events[4];
    kg_connection_t     dummies[4];
} test_ctx_t;


static test_ctx_t  t;


static int setup(void **state);
static int teardown(void **state);
static void run_until(kg_uint_t *counter, kg_uint_t value);
static void log_contains(const char *text, kg_uint_t expected);
static void read_handler(kg_event_t *ev);
static void write_handler(kg_event_t *ev);
static void order_handler(kg_event_t *ev);
static void posting_handler(kg_event_t *ev);
static void accept_handler(kg_connection_t *c);
static void idle_handler(kg_event_t *ev);
static kg_listening_t *add_listening(void);


static void
test_handle_read_event_fires_read_handler(void **state)
{
    t.c = kg_test_wrap_fd(t.cycle, t.fds[0]);
    t.c->read->handler = read_handler;

    assert_int_equal(kg_handle_read_event(t.c->read, 0), KG_OK);

    assert_int_equal(write(t.fds[1], "hello", 5), 5);

    run_until(&t.reads, 1);

    assert_int_equal(t.n, 5);
    assert_memory_equal(t.buf, "hello", 5);

    /* a short read means the buffer is drained: no syscall, no data */

    assert_false(t.c->read->ready);
    assert_int_equal(t.c->recv(t.c, t.buf, sizeof(t.buf)), KG_AGAIN);

    /* the edge comes again with new data */

    assert_int_equal(write(t.fds[1], "again", 5), 5);

    run_until(&t.reads, 2);

    assert_int_equal(t.n, 5);
    assert_memory_equal(t.buf, "again", 5);
}


static void
test_unix_recv_reports_eof(void **state)
{
    t.c = kg_test_wrap_fd(t.cycle, t.fds[0]);
    t.c->read->handler = read_handler;

    (void) close(t.fds[1]);
    t.fds[1] = -1;

    run_until(&t.reads, 1);

    assert_int_equal(t.n, 0);
    assert_true(t.c->read->eof);
    assert_false(t.c->read->error);
}


static void
test_unix_send_stops_at_full_buffer(void **state)
{
    int      sndbuf;
    ssize_t  n;
    size_t   total;
    u_char   chunk[4096], sink[65536];

    sndbuf = 4096;
    (void) setsockopt(t.fds[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(int));

    t.c = kg_test_wrap_fd(t.cycle, t.fds[0]);
    t.c->write->handler = write_handler;

    kg_memset(chunk, 'x', sizeof(chunk));

    /* the writer learns about back-pressure; nothing is queued for it */

    total = 0;

    for ( ;; ) {
        n = t.c->send(t.c, chunk, sizeof(chunk));

        if (n == KG_AGAIN) {
            break;
        }

        assert_true(n > 0);
        total += n;
        assert_true(total < 64 * 1024 * 1024);
    }

    assert_false(t.c->write->ready);
    assert_int_equal(t.c->sent, (off_t) total);

    assert_int_equal(kg_handle_write_event(t.c->write, 0), KG_OK);

    /* the peer drains: the write handler is told it may go on */

    while (read(t.fds[1], sink, sizeof(sink)) > 0) { /* void */ }

    run_until(&t.writes, 1);

    assert_true(t.c->write->ready);
    assert_true(t.c->send(t.c, chunk, 16) == 16);
}


static void
test_writev_chain_sends_all_bufs(void **state)
{
    kg_buf_t    *b1, *b2;
    kg_chain_t  *cl1, *cl2, *rest;
    u_char       sink[64];

    t.c = kg_test_wrap_fd(t.cycle, t.fds[0]);

    b1 = kg_create_temp_buf(t.pool, 8);
    b2 = kg_create_temp_buf(t.pool, 8);
    cl1 = kg_alloc_chain_link(t.pool);
    cl2 = kg_alloc_chain_link(t.pool);
    assert_non_null(b1);
    assert_non_null(b2);
    assert_non_null(cl1);
    assert_non_null(cl2);

    b1->last = kg_cpymem(b1->last, "abc", 3);
    b2->last = kg_cpymem(b2->last, "defg", 4);

    cl1->buf = b1;
    cl1->next = cl2;
    cl2->buf = b2;
    cl2->next = NULL;

    t.c->write->ready = 1;

    rest = t.c->send_chain(t.c, cl1, 0);

    assert_null(rest);
    assert_int_equal(t.c->sent, 7);
    assert_int_equal(read(t.fds[1], sink, sizeof(sink)), 7);
    assert_memory_equal(sink, "abcdefg", 7);
}


static void
test_process_events_expires_timers_in_order(void **state)
{
    kg_uint_t  i;

    for (i = 0; i < 3; i++) {
        t.dummies[i].fd = (kg_socket_t) -1;
        t.events[i].data = &t.dummies[i];
        t.events[i].log = &t.log;
        t.events[i].handler = order_handler;
    }

    kg_add_timer(&t.events[0], 60);
    kg_add_timer(&t.events[1], 20);
    kg_add_timer(&t.events[2], 40);

    run_until(&t.norder, 3);

    assert_int_equal(t.order[0], 1);
    assert_int_equal(t.order[1], 2);
    assert_int_equal(t.order[2], 0);
}


static void
test_post_event_runs_in_same_iteration(void **state)
{
    kg_uint_t  i;

    for (i = 0; i < 2; i++) {
        t.dummies[i].fd = (kg_socket_t) -1;
        t.events[i].data = &t.dummies[i];
        t.events[i].log = &t.log;
        t.events[i].handler = order_handler;
    }

    t.c = kg_test_wrap_fd(t.cycle, t.fds[0]);
    t.c->read->handler = posting_handler;

    assert_int_equal(write(t.fds[1], "x", 1), 1);

    kg_process_events_and_timers(t.cycle);

    /* I/O first, then the posted events in the order they were posted */

    assert_int_equal(t.reads, 1);
    assert_int_equal(t.norder, 2);
    assert_int_equal(t.order[0], 0);
    assert_int_equal(t.order[1], 1);
    assert_false(t.events[0].posted);
}


static void
test_posted_next_events_run_on_next_turn(void **state)
{
    t.dummies[0].fd = (kg_socket_t) -1;
    t.events[0].data = &t.dummies[0];
    t.events[0].log = &t.log;
    t.events[0].handler = order_handler;

    kg_post_event(&t.events[0], &kg_posted_next_events);

    /* no I/O and no timer: the loop must not block */

    kg_process_events_and_timers(t.cycle);

    assert_int_equal(t.norder, 1);
    assert_true(t.events[0].ready);
}


static void
test_event_accept_calls_listening_handler(void **state)
{
    int                  s;
    socklen_t            len;
    kg_pool_t           *pool;
    kg_listening_t      *ls;
    struct sockaddr_in   sin;

    ls = add_listening();

    assert_int_equal(kg_event_core_module.init_process(t.cycle), KG_OK);
    assert_non_null(ls->connection);
    assert_true(ls->connection->read->active);

    len = sizeof(sin);
    assert_int_equal(getsockname(ls->fd, (struct sockaddr *) &sin, &len), 0);

    s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s != -1);
    assert_int_equal(connect(s, (struct sockaddr *) &sin, len), 0);

    run_until(&t.naccepted, 1);

    assert_non_null(t.accepted);
    assert_true(t.accepted->number > 0);
    assert_int_equal(t.accepted->log->connection, t.accepted->number);
    assert_true(t.accepted->write->ready);
    assert_int_equal(t.accepted->addr_text.len, sizeof("127.0.0.1") - 1);
    assert_memory_equal(t.accepted->addr_text.data, "127.0.0.1",
                        t.accepted->addr_text.len);

    pool = t.accepted->pool;
    kg_close_connection(t.accepted);
    kg_destroy_pool(pool);

    (void) close(s);
}


static void
test_event_accept_pauses_without_connections(void **state)
{
    int                  s1, s2;
    socklen_t            len;
    kg_uint_t            n;
    kg_pool_t           *pool;
    kg_listening_t      *ls;
    kg_connection_t     *c, *taken;
    struct sockaddr_in   sin;

    ls = add_listening();

    assert_int_equal(kg_event_core_module.init_process(t.cycle), KG_OK);

    len = sizeof(sin);
    assert_int_equal(getsockname(ls->fd, (struct sockaddr *) &sin, &len), 0);

    /* use up every free connection */

    taken = NULL;
    n = 0;

    for ( ;; ) {
        c = kg_get_connection((kg_socket_t) -1, &t.log);
        if (c == NULL) {
            break;
        }

        c->data = taken;
        taken = c;
        n++;
    }

    assert_int_equal(t.cycle->free_connection_n, 0);

    s1 = socket(AF_INET, SOCK_STREAM, 0);
    s2 = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(s1, (struct sockaddr *) &sin, len), 0);
    assert_int_equal(connect(s2, (struct sockaddr *) &sin, len), 0);

    kg_process_events_and_timers(t.cycle);

    /* the shortage is logged once and accepting stops for a while */

    assert_int_equal(t.naccepted, 0);
    assert_false(ls->connection->read->active);
    assert_true(ls->connection->read->timer_set);
    log_contains("worker_connections are not enough", 1);

    while (taken) {
        c = taken;
        taken = c->data;
        kg_free_connection(c);
    }

    run_until(&t.naccepted, 1);

    assert_true(ls->connection->read->active);

    pool = t.accepted->pool;
    kg_close_connection(t.accepted);
    kg_destroy_pool(pool);

    (void) close(s1);
    (void) close(s2);
}


static void
test_event_connect_peer_completes(void **state)
{
    int                    ls;
    socklen_t              len;
    kg_str_t               name = kg_string("127.0.0.1");
    struct sockaddr_in     sin;
    kg_peer_connection_t   pc;
    kg_int_t               rc;

    ls = socket(AF_INET, SOCK_STREAM, 0);
    kg_memzero(&sin, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(ls, (struct sockaddr *) &sin, sizeof(sin)), 0);
    assert_int_equal(listen(ls, 8), 0);

    len = sizeof(sin);
    assert_int_equal(getsockname(ls, (struct sockaddr *) &sin, &len), 0);

    kg_memzero(&pc, sizeof(kg_peer_connection_t));
    pc.sockaddr = (struct sockaddr *) &sin;
    pc.socklen = len;
    pc.name = &name;
    pc.log = &t.log;
    pc.log_error = KG_ERROR_ERR;

    rc = kg_event_connect_peer(&pc);

    assert_true(rc == KG_OK || rc == KG_AGAIN);
    assert_non_null(pc.connection);

    if (rc == KG_AGAIN) {
        pc.connection->read->handler = kg_test_noop_handler;
        pc.connection->write->handler = write_handler;
        run_until(&t.writes, 1);
    }

    assert_int_equal(kg_event_connect_test(pc.connection), KG_OK);

    kg_close_connection(pc.connection);
    (void) close(ls);
}


static void
test_event_connect_test_reports_refused(void **state)
{
    int                    ls;
    socklen_t              len;
    kg_str_t               name = kg_string("127.0.0.1");
    struct sockaddr_in     sin;
    kg_peer_connection_t   pc;
    kg_int_t               rc;

    /* a port that was just free: nobody listens on it */

    ls = socket(AF_INET, SOCK_STREAM, 0);
    kg_memzero(&sin, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(ls, (struct sockaddr *) &sin, sizeof(sin)), 0);
    len = sizeof(sin);
    assert_int_equal(getsockname(ls, (struct sockaddr *) &sin, &len), 0);
    (void) close(ls);

    kg_memzero(&pc, sizeof(kg_peer_connection_t));
    pc.sockaddr = (struct sockaddr *) &sin;
    pc.socklen = len;
    pc.name = &name;
    pc.log = &t.log;
    pc.log_error = KG_ERROR_ERR;

    rc = kg_event_connect_peer(&pc);

    if (rc == KG_DECLINED) {
        assert_null(pc.connection);
        log_contains("connect() to 127.0.0.1 failed", 1);
        return;
    }

    assert_int_equal(rc, KG_AGAIN);

    pc.connection->read->handler = kg_test_noop_handler;
    pc.connection->write->handler = write_handler;
    run_until(&t.writes, 1);

    assert_int_equal(kg_event_connect_test(pc.connection), KG_ERROR);
    log_contains("Connection refused", 1);

    kg_close_connection(pc.connection);
}


static void
test_close_idle_connections_calls_idle_handler(void **state)
{
    kg_connection_t  *busy;

    t.c = kg_test_wrap_fd(t.cycle, t.fds[0]);
    t.c->read->handler = idle_handler;
    t.c->idle = 1;

    busy = kg_test_wrap_fd(t.cycle, t.fds[1]);
    busy->read->handler = idle_handler;

    kg_close_idle_connections(t.cycle);

    /* only the idle one was asked to close, and it did */

    assert_int_equal(t.reads, 1);
    assert_int_equal(t.fds[0], -1);

    kg_close_connection(busy);
    t.fds[1] = -1;
}


static void
read_handler(kg_event_t *ev)
{
    kg_connection_t  *c;

    c = ev->data;

    t.n = c->recv(c, t.buf, sizeof(t.buf));
    t.reads++;
}


static void
write_handler(kg_event_t *ev)
{
    t.writes++;
}


static void
order_handler(kg_event_t *ev)
{
    t.order[t.norder++] = ev - t.events;
}


static void
posting_handler(kg_event_t *ev)
{
    kg_connection_t  *c;

    c = ev->data;

    t.n = c->recv(c, t.buf, sizeof(t.buf));
    t.reads++;

    kg_post_event(&t.events[0], &kg_posted_events);
    kg_post_event(&t.events[1], &kg_posted_events);

    /* posting twice does not run the handler twice */

    kg_post_event(&t.events[0], &kg_posted_events);
}


static void
accept_handler(kg_connection_t *c)
{
    t.accepted = c;
    t.naccepted++;
}


static void
idle_handler(kg_event_t *ev)
{
    kg_connection_t  *c;

    c = ev->data;

    if (c->close) {
        t.reads++;
        kg_close_connection(c);
        t.fds[0] = -1;
    }
}


static kg_listening_t *
add_listening(void)
{
    kg_conf_t            cf;
    kg_listening_t      *ls;
    struct sockaddr_in   sin;

    kg_memzero(&sin, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    kg_memzero(&cf, sizeof(kg_conf_t));
    cf.cycle = t.cycle;
    cf.pool = t.pool;
    cf.log = &t.log;

    ls = kg_create_listening(&cf, (struct sockaddr *) &sin, sizeof(sin));
    assert_non_null(ls);

    assert_int_equal(ls->addr_text.len, sizeof("127.0.0.1:0") - 1);
    assert_memory_equal(ls->addr_text.data, "127.0.0.1:0",
                        ls->addr_text.len);

    ls->handler = accept_handler;
    ls->pool_size = 256;
    ls->addr_ntop = 1;
    ls->log = t.log;
    ls->logp = &t.log;

    assert_int_equal(kg_open_listening_sockets(t.cycle), KG_OK);
    assert_true(ls->fd != (kg_socket_t) -1);
    assert_true(ls->listen);

    kg_configure_listening_sockets(t.cycle);

    /* the engine was started without listeners: start it again */

    kg_event_core_module.exit_process(t.cycle);
    t.cycle->connections = NULL;

    return ls;
}


/* turn the loop until the counter reaches the value, or fail after 2s */

static void
run_until(kg_uint_t *counter, kg_uint_t value)
{
    kg_test_run_until(t.cycle, counter, value, TEST_LOOP_LIMIT, 2000);
}


static void
log_contains(const char *text, kg_uint_t expected)
{
    kg_uint_t  found;

    found = kg_test_log_count(&t.log, text);

    if (found != expected) {
        kg_test_log_print(&t.log);
    }

    assert_int_equal(found, expected);
}


static int
setup(void **state)
{
    kg_memzero(&t, sizeof(test_ctx_t));

    t.fds[0] = -1;
    t.fds[1] = -1;

    if (kg_test_log_open(&t.log, &t.log_file, t.log_path, "kg_event_test_log")
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

    if (socketpair(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK, 0, t.fds) == -1) {
        return -1;
    }

    return 0;
}


static int
teardown(void **state)
{
    kg_uint_t        i;
    kg_listening_t  *ls;

    if (t.fds[0] != -1) {
        (void) close(t.fds[0]);
    }

    if (t.fds[1] != -1) {
        (void) close(t.fds[1]);
    }

    ls = t.cycle->listening.elts;
    for (i = 0; i < t.cycle->listening.nelts; i++) {
        if (ls[i].connection && ls[i].connection->read->timer_set) {
            kg_del_timer(ls[i].connection->read);
        }
    }

    if (t.cycle->listening.nelts && ls[0].fd != (kg_socket_t) -1) {
        kg_close_listening_sockets(t.cycle);
    }

    kg_event_core_module.exit_process(t.cycle);


    (void) close(t.log_file.fd);

    kg_destroy_pool(t.pool);

    return 0;
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_handle_read_event_fires_read_handler, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_unix_recv_reports_eof, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_unix_send_stops_at_full_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_writev_chain_sends_all_bufs, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_process_events_expires_timers_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_post_event_runs_in_same_iteration, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_posted_next_events_run_on_next_turn, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_event_accept_calls_listening_handler, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_event_accept_pauses_without_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_event_connect_peer_completes, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_event_connect_test_reports_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_close_idle_connections_calls_idle_handler,
            setup, teardown),
    };

    kg_time_init();

    if (kg_strerror_init() != KG_OK) {
        return 1;
    }

    /* kg_os_init() wants the argv of a real main() */

    kg_pagesize = getpagesize();

    if (kg_preinit_modules() != KG_OK) {
        return 1;
    }

    return cmocka_run_group_tests(tests, NULL, NULL);
}
