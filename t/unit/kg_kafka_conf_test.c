/*
 * Copyright (C) kgate authors
 */


/*
 * The cluster {} and route {} blocks read by the real configuration
 * parser, then finished as the cycle does (init_conf): values land in
 * the route and cluster configurations, defaults apply, a listening socket
 * is created for the bootstrap port and each broker port, a route names a
 * cluster defined anywhere, and mistakes are refused with the messages
 * users see.  The node id -> broker port mapping of the node table too.
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_kafka.h>
#include <kg_kafka_upstream.h>
#include <kg_resolver.h>

#include <setjmp.h>
#include <cmocka.h>

#include <kg_test_cycle.h>
#include <kg_test_event.h>
#include <kg_test_log.h>


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
static int setup_events(void **state);
static int teardown_events(void **state);
static void parse(const char *text);
static kg_kafka_core_main_conf_t *main_conf(void);
static kg_kafka_core_route_conf_t *route_conf(kg_uint_t n);
static void dns_nxdomain(int fd);
static void assert_error_at(const char *message, kg_uint_t line);


#define KG_TEST_CONF                                                          \
    "cluster local {\n"                                                       \
    "    bootstrap 127.0.0.1:9092 127.0.0.1:9093;\n"                          \
    "    broker_version_fallback 0.9.0;\n"                                    \
    "    connect_timeout 3s;\n"                                               \
    "}\n"


static void
test_kafka_block_parses_route_and_cluster(void **state)
{
    kg_listening_t                *ls;
    kg_kafka_port_t               *kp;
    kg_kafka_core_route_conf_t    *rcf;
    kg_kafka_core_cluster_conf_t  *ccf;

    parse("route default {\n"
          "    listen 127.0.0.1:19092 backlog=64;\n"
          "    broker_ports 19093-19102 node_id_base=1;\n"
          "    advertise gw.example.com;\n"
          "    cluster local;\n"
          "    max_frame_size 1m;\n"
          "    idle_timeout 1m;\n"
          "    request_timeout 5s;\n"
          "}\n"
          KG_TEST_CONF);

    assert_ptr_equal(t.rv, KG_CONF_OK);

    assert_int_equal(main_conf()->routes.nelts, 1);
    assert_int_equal(main_conf()->clusters.nelts, 1);

    rcf = route_conf(0);
    ccf = rcf->cluster;

    assert_non_null(ccf);
    assert_int_equal(ccf->bootstrap.nelts, 2);
    assert_int_equal(ccf->connect_timeout, 3000);
    assert_int_equal(ccf->fallback.len, 5);
    assert_non_null(ccf->upstream);

    assert_int_equal(rcf->broker_first, 19093);
    assert_int_equal(rcf->broker_last, 19102);
    assert_int_equal(rcf->node_id_base, 1);
    assert_int_equal(rcf->max_frame_size, 1024 * 1024);
    assert_int_equal(rcf->idle_timeout, 60000);
    assert_int_equal(rcf->request_timeout, 5000);
    assert_int_equal(rcf->advertise.len, sizeof("gw.example.com") - 1);

    /* the bootstrap port, then one socket per broker port */

    assert_int_equal(t.cycle->listening.nelts, 11);

    ls = t.cycle->listening.elts;
    assert_int_equal(ls[0].backlog, 64);
    assert_ptr_equal(ls[0].handler, kg_kafka_init_connection);

    kp = ls[0].servers;
    assert_int_equal(kp->index, -1);

    kp = ls[10].servers;
    assert_int_equal(kp->index, 9);
    assert_int_equal(kg_inet_get_port(ls[10].sockaddr), 19102);
}


static void
test_kafka_core_merge_route_conf_defaults(void **state)
{
    kg_kafka_core_route_conf_t  *rcf;

    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19094;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_OK);

    rcf = route_conf(0);

    assert_int_equal(rcf->max_frame_size, 100 * 1024 * 1024);
    assert_int_equal(rcf->idle_timeout, 600000);
    assert_int_equal(rcf->request_timeout, 30000);
    assert_int_equal(rcf->node_id_base, KG_CONF_UNSET);
    assert_int_equal(rcf->cluster->connect_timeout, 3000);

    /* advertise defaults to the address of the bootstrap port */

    assert_int_equal(rcf->advertise.len, sizeof("127.0.0.1") - 1);
    assert_memory_equal(rcf->advertise.data, "127.0.0.1", 9);
}


static void
test_kafka_init_conf_rejects_unknown_cluster(void **state)
{
    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19094;\n"
          "    cluster remote;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors,
                           "unknown cluster \"remote\" in route \"default\""));
}


static void
test_kafka_core_merge_route_conf_rejects_missing_ports(void **state)
{
    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors,
                           "no \"broker_ports\" or \"sni\" is defined"));
}


static void
test_kafka_core_broker_ports_rejects_invalid_range(void **state)
{
    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19102-19093;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors, "invalid port range \"19102-19093\""));
}


static void
test_kafka_core_broker_ports_rejects_invalid_parameter(void **state)
{
    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19094 base=1;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors, "invalid parameter \"base=1\""));
}


static void
test_kafka_core_fallback_rejects_invalid_version(void **state)
{
    parse("cluster local {\n"
          "    bootstrap 127.0.0.1:9092;\n"
          "    broker_version_fallback 9.x;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors, "invalid broker version \"9.x\""));
}


static void
test_kafka_core_bootstrap_rejects_missing_port(void **state)
{
    parse("cluster local {\n"
          "    bootstrap 127.0.0.1;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors, "no port in bootstrap \"127.0.0.1\""));
}


static void
test_kafka_core_sni_rejects_missing_node_id(void **state)
{
    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    sni broker.gw.example.com;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors,
                           "no \"$node_id\" in \"broker.gw.example.com\""));
}


static void
test_kafka_block_rejects_duplicate_route(void **state)
{
    parse(KG_TEST_CONF
          "route a {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19094;\n"
          "    cluster local;\n"
          "}\n"
          "route a {\n"
          "    listen 127.0.0.1:19192;\n"
          "    broker_ports 19193-19194;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors, "\"route\" directive is duplicate"));
}


static void
test_kafka_block_rejects_shared_port(void **state)
{
    parse(KG_TEST_CONF
          "route a {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19094;\n"
          "    cluster local;\n"
          "}\n"
          "route b {\n"
          "    listen 127.0.0.1:19094;\n"
          "    broker_ports 19193-19194;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors,
                           "duplicate listen address and port pair "
                           "in route \"b\""));
}


static void
test_kafka_core_listen_rejects_route_directive_in_cluster(void **state)
{
    parse("cluster local {\n"
          "    bootstrap 127.0.0.1:9092;\n"
          "    listen 127.0.0.1:19092;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_non_null(strstr(t.errors, "\"listen\" directive is not allowed"));
}


static void
test_kafka_upstream_node_port_orders_node_ids(void **state)
{
    kg_str_t                     host = kg_string("127.0.0.1");
    kg_kafka_upstream_t         *up;
    kg_kafka_core_route_conf_t  *rcf;

    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19094;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_OK);

    rcf = route_conf(0);
    up = rcf->cluster->upstream;

    kg_kafka_upstream_learn(up, 9, &host, 9094);
    kg_kafka_upstream_learn(up, 3, &host, 9092);

    /* the lowest id takes the first port */

    assert_int_equal(kg_kafka_upstream_node_port(up, rcf, 3), 19093);
    assert_int_equal(kg_kafka_upstream_node_port(up, rcf, 9), 19094);
    assert_int_equal(kg_kafka_upstream_port_node(up, rcf, 0), 3);
    assert_int_equal(kg_kafka_upstream_port_node(up, rcf, 1), 9);

    /* more nodes than ports: the last has none */

    kg_kafka_upstream_learn(up, 11, &host, 9095);

    assert_int_equal(kg_kafka_upstream_node_port(up, rcf, 11), -1);
    assert_int_equal(kg_kafka_upstream_node(up, 9)->port, 9094);
    assert_int_equal(kg_kafka_upstream_node(up, 9)->name.len,
                     sizeof("127.0.0.1:9094") - 1);
    assert_null(kg_kafka_upstream_node(up, 4));
}


static void
test_kafka_upstream_node_port_uses_node_id_base(void **state)
{
    kg_kafka_core_route_conf_t  *rcf;

    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19102 node_id_base=100;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_OK);

    rcf = route_conf(0);

    assert_int_equal(kg_kafka_upstream_node_port(rcf->cluster->upstream, rcf,
                                                 100), 19093);
    assert_int_equal(kg_kafka_upstream_node_port(rcf->cluster->upstream, rcf,
                                                 109), 19102);
    assert_int_equal(kg_kafka_upstream_node_port(rcf->cluster->upstream, rcf,
                                                 110), -1);
    assert_int_equal(kg_kafka_upstream_node_port(rcf->cluster->upstream, rcf,
                                                 99), -1);
    assert_int_equal(kg_kafka_upstream_port_node(rcf->cluster->upstream, rcf,
                                                 4), 104);
}


/*
 * Advertised host names go through the worker's resolver, never the
 * blocking system one: the node has no address until the answer, the
 * session waits, and a name that does not resolve is logged.
 */

static void
test_kafka_upstream_learn_resolves_without_blocking(void **state)
{
    kg_str_t                     host = kg_string("broker-1.kgate.test");
    kg_str_t                     servers;
    kg_uint_t                    i;
    kg_socket_t                  fd;
    kg_kafka_node_t             *node;
    kg_kafka_upstream_t         *up;
    struct sockaddr_in           sin;
    socklen_t                    len;
    u_char                       text[32];

    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19094;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_OK);

    up = route_conf(0)->cluster->upstream;

    /* a name server of the test's own: a socket it answers from */

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd != -1);

    kg_memzero(&sin, sizeof(struct sockaddr_in));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(struct sockaddr_in);

    assert_int_equal(bind(fd, (struct sockaddr *) &sin, len), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *) &sin, &len), 0);

    servers.data = text;
    servers.len = kg_sprintf(text, "127.0.0.1:%d", (int) ntohs(sin.sin_port))
                  - text;

    assert_int_equal(kg_resolver_set_servers(&t.log, &servers), KG_OK);

    kg_kafka_upstream_learn(up, 1, &host, 9092);

    /* asked, not answered: the node is known, without an address */

    assert_int_equal(up->resolving, 1);
    node = kg_kafka_upstream_node(up, 1);
    assert_non_null(node);
    assert_int_equal(node->socklen, 0);
    assert_null(kg_kafka_upstream_peer(up, 1));

    /* the same name again while it is being resolved: no second lookup */

    kg_kafka_upstream_learn(up, 1, &host, 9092);
    assert_int_equal(up->resolving, 1);

    /* every query is answered NXDOMAIN, from the loop's point of view */

    for (i = 0; i < 100 && up->resolving; i++) {
        kg_test_run_for(t.cycle, 20);
        dns_nxdomain(fd);
    }

    (void) close(fd);

    assert_int_equal(up->resolving, 0);
    assert_null(kg_kafka_upstream_peer(up, 1));
    assert_int_equal(kg_test_log_count(&t.log,
                         "cannot resolve broker 1 host "
                         "\"broker-1.kgate.test\" of cluster \"local\""),
                     1);
}


static void
test_kafka_upstream_learn_resolves_localhost(void **state)
{
    kg_str_t                     host = kg_string("localhost");
    kg_str_t                     bad = kg_string("kafka-2.broker.invalid");
    kg_uint_t                    i;
    kg_kafka_node_t             *node;
    kg_kafka_upstream_t         *up;
    struct sockaddr_in          *sin;

    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19094;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_OK);

    up = route_conf(0)->cluster->upstream;

    kg_kafka_upstream_learn(up, 1, &host, 9092);
    for (i = 0; i < 50 && up->resolving; i++) {
        kg_test_run_for(t.cycle, 100);
    }

    node = kg_kafka_upstream_peer(up, 1);
    assert_non_null(node);
    assert_int_equal(node->sockaddr.sockaddr.sa_family, AF_INET);

    sin = &node->sockaddr.sockaddr_in;
    assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
    assert_int_equal(ntohs(sin->sin_port), 9092);
    assert_int_equal(node->name.len, sizeof("localhost:9092") - 1);

    /* a reserved name fails at once, logged, and leaves no address */

    kg_kafka_upstream_learn(up, 2, &bad, 9092);

    assert_int_equal(up->resolving, 0);
    assert_null(kg_kafka_upstream_peer(up, 2));
    assert_int_equal(kg_test_log_count(&t.log,
                         "cannot resolve broker 2 host "
                         "\"kafka-2.broker.invalid\""), 1);
}


/*
 * Values checked once the file has been read named no place; each error
 * now names the file and the line of the directive.
 */

static void
test_kafka_core_check_buffer_size_names_line(void **state)
{
    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19094;\n"
          "    buffer_size 1k;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_error_at("\"buffer_size\" must be at least 4k in route "
                    "\"default\"", 9);
}


static void
test_kafka_core_check_frame_size_names_line(void **state)
{
    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19094;\n"
          "    cluster local;\n"
          "\n"
          "    max_frame_size 3g;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_error_at("invalid \"max_frame_size\" in route \"default\", it "
                    "must be from 64 to 2147483647 bytes", 11);

    teardown(state);
    assert_int_equal(setup(state), 0);

    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    max_frame_size 63;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_error_at("invalid \"max_frame_size\" in route \"default\", it "
                    "must be from 64 to 2147483647 bytes", 8);
}


static void
test_kafka_core_check_route_timeout_names_line(void **state)
{
    kg_uint_t    i;
    char         text[512], message[128];
    const char  *names[] = { "idle_timeout", "request_timeout",
                             "switch_drain_timeout", "pause_timeout" };

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {

        if (i) {
            teardown(state);
            assert_int_equal(setup(state), 0);
        }

        (void) snprintf(text, sizeof(text),
                        KG_TEST_CONF
                        "route r%d {\n"
                        "    listen 127.0.0.1:19092;\n"
                        "    broker_ports 19093-19094;\n"
                        "    cluster local;\n"
                        "    %s 0s;\n"
                        "}\n", (int) i, names[i]);

        parse(text);

        (void) snprintf(message, sizeof(message),
                        "\"%s\" must be greater than zero in route \"r%d\"",
                        names[i], (int) i);

        assert_ptr_equal(t.rv, KG_CONF_ERROR);
        assert_error_at(message, 10);
    }
}


static void
test_kafka_core_check_connect_timeout_names_line(void **state)
{
    parse("cluster local {\n"
          "    bootstrap 127.0.0.1:9092;\n"
          "    connect_timeout 0;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_error_at("\"connect_timeout\" must be greater than zero in "
                    "cluster \"local\"", 3);
}


static void
test_kafka_route_init_conf_own_failover_names_line(void **state)
{
    /* the failover directive comes before the route's cluster */

    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19094;\n"
          "    failover local after=2;\n"
          "    cluster local;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_error_at("failover cluster \"local\" of route \"default\" is its "
                    "own cluster", 9);
}


static void
test_kafka_route_init_conf_unknown_failover_names_line(void **state)
{
    parse(KG_TEST_CONF
          "route default {\n"
          "    listen 127.0.0.1:19092;\n"
          "    broker_ports 19093-19094;\n"
          "    cluster local;\n"
          "\n"
          "    failover dr;\n"
          "}\n");

    assert_ptr_equal(t.rv, KG_CONF_ERROR);
    assert_error_at("unknown failover cluster \"dr\" in route \"default\"",
                    11);
}


static void
test_kafka_sni_node_id_parses_name(void **state)
{
    int32_t                      id;
    kg_str_t                     name;
    kg_kafka_core_route_conf_t   rcf;

    kg_memzero(&rcf, sizeof(kg_kafka_core_route_conf_t));

    kg_str_set(&rcf.sni_prefix, "broker-");
    kg_str_set(&rcf.sni_suffix, ".gw.example.com");

    kg_str_set(&name, "broker-12.gw.example.com");
    assert_int_equal(kg_kafka_sni_node_id(&rcf, &name, &id), KG_OK);
    assert_int_equal(id, 12);

    kg_str_set(&name, "BROKER-3.GW.EXAMPLE.COM");
    assert_int_equal(kg_kafka_sni_node_id(&rcf, &name, &id), KG_OK);
    assert_int_equal(id, 3);

    kg_str_set(&name, "gw.example.com");
    assert_int_equal(kg_kafka_sni_node_id(&rcf, &name, &id), KG_DECLINED);

    kg_str_set(&name, "broker-x.gw.example.com");
    assert_int_equal(kg_kafka_sni_node_id(&rcf, &name, &id), KG_DECLINED);
}


static int
setup(void **state)
{
    int  fd;

    kg_memzero(&t, sizeof(test_ctx_t));

    kg_test_temp_name(t.log_path, "kg_kafka_conf_test_log");

    fd = mkstemp(t.log_path);
    if (fd == -1) {
        return -1;
    }

    t.log_file.fd = fd;
    t.log.file = &t.log_file;
    t.log.log_level = KG_LOG_INFO;

    /* a cycle as kg_init_cycle() makes it for a configuration to parse */

    t.cycle = kg_test_cycle_create(&t.log, NULL);
    if (t.cycle == NULL) {
        return -1;
    }

    t.pool = t.cycle->pool;
    t.cycle->new_log = t.log;

    return 0;
}


/* and a worker's event loop, for the resolver */

static int
setup_events(void **state)
{
    if (setup(state) != 0) {
        return -1;
    }

    return kg_test_events_init(t.cycle) == KG_OK ? 0 : -1;
}


static int
teardown_events(void **state)
{
    kg_event_core_module.exit_process(t.cycle);

    return teardown(state);
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

    (void) unlink(t.log_path);

    if (t.conf_path[0]) {
        (void) unlink(t.conf_path);
    }

    return 0;
}


/* parses as kg_init_cycle() does, then finishes the kafka module's conf */

static void
parse(const char *text)
{
    ssize_t            n;
    kg_core_module_t  *module;

    t.rv = kg_test_conf_parse_text(t.cycle, t.conf_path,
                                   "kg_kafka_conf_test_conf", text);

    if (t.rv == KG_CONF_OK) {
        module = kg_kafka_module.ctx;
        t.rv = module->init_conf(t.cycle,
                                 t.cycle->conf_ctx[kg_kafka_module.index]);
    }

    n = pread(t.log_file.fd, t.errors, sizeof(t.errors) - 1, 0);
    t.errors[n > 0 ? n : 0] = '\0';
}


static kg_kafka_core_main_conf_t *
main_conf(void)
{
    kg_kafka_conf_ctx_t  *ctx;

    ctx = (kg_kafka_conf_ctx_t *) t.cycle->conf_ctx[kg_kafka_module.index];
    assert_non_null(ctx);

    return ctx->main_conf[kg_kafka_core_module.ctx_index];
}


static kg_kafka_core_route_conf_t *
route_conf(kg_uint_t n)
{
    kg_kafka_core_route_conf_t  **rcfp;

    rcfp = main_conf()->routes.elts;

    assert_true(n < main_conf()->routes.nelts);

    return rcfp[n];
}


/* the message, then " in FILE:LINE" of the configuration parsed */

static void
assert_error_at(const char *message, kg_uint_t line)
{
    char  want[PATH_MAX + 512];

    (void) snprintf(want, sizeof(want), "%s in %s:%u", message, t.conf_path,
                    (unsigned) line);

    if (strstr(t.errors, want) == NULL) {
        print_error("expected \"%s\" in the log:\n%s\n", want, t.errors);
        fail();
    }
}


/* answers the queries waiting on fd: the question back, NXDOMAIN */

static void
dns_nxdomain(int fd)
{
    u_char              buf[512];
    size_t              n;
    ssize_t             len;
    socklen_t           slen;
    struct sockaddr_in  from;

    for ( ;; ) {
        slen = sizeof(struct sockaddr_in);

        len = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
                       (struct sockaddr *) &from, &slen);
        if (len < 12) {
            return;
        }

        /* the question name, then its type and class */

        for (n = 12; n < (size_t) len && buf[n]; n += buf[n] + 1) {
            /* void */
        }

        n += 5;

        if (n > (size_t) len) {
            continue;
        }

        buf[2] = 0x81;                  /* a response, recursion desired */
        buf[3] = 0x83;                  /* recursion available, NXDOMAIN */
        kg_memzero(&buf[6], 6);         /* no answer, authority, extra */

        (void) sendto(fd, buf, n, 0, (struct sockaddr *) &from, slen);
    }
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_kafka_block_parses_route_and_cluster, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_core_merge_route_conf_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_init_conf_rejects_unknown_cluster, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_core_merge_route_conf_rejects_missing_ports,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_core_broker_ports_rejects_invalid_range,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_core_broker_ports_rejects_invalid_parameter,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_core_fallback_rejects_invalid_version,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_core_bootstrap_rejects_missing_port, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_core_sni_rejects_missing_node_id, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_block_rejects_duplicate_route, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_block_rejects_shared_port, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_core_listen_rejects_route_directive_in_cluster,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_upstream_node_port_orders_node_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_upstream_node_port_uses_node_id_base,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_upstream_learn_resolves_without_blocking,
            setup_events, teardown_events),
        cmocka_unit_test_setup_teardown(
            test_kafka_upstream_learn_resolves_localhost,
            setup_events, teardown_events),
        cmocka_unit_test_setup_teardown(
            test_kafka_core_check_buffer_size_names_line, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_core_check_frame_size_names_line, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_core_check_route_timeout_names_line,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_core_check_connect_timeout_names_line,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_route_init_conf_own_failover_names_line,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_route_init_conf_unknown_failover_names_line,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_sni_node_id_parses_name, setup, teardown),
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
