/*
 * Copyright (C) kgate authors
 */


/*
 * The metrics library: declarations and their checks, the exact
 * Prometheus text of a small registry, atomic aggregation over forked
 * processes through the shared zone, and what a reload keeps.
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_metrics.h>

#include <setjmp.h>
#include <cmocka.h>


typedef struct {
    kg_pool_t         *pool;
    kg_log_t           log;
    kg_open_file_t     log_file;
    kg_cycle_t        *cycle;
    kg_conf_t          conf;
} test_cycle_t;


static test_cycle_t  t, t2;


static int setup(void **state);
static int teardown(void **state);
static kg_int_t cycle_init(test_cycle_t *tc, kg_cycle_t *old);
static void cycle_done(test_cycle_t *tc);
static kg_shm_zone_t *zone(kg_cycle_t *cycle);
static kg_int_t zone_create(kg_cycle_t *cycle, kg_cycle_t *old);
static char *render(kg_cycle_t *cycle);
static const char *api_name(kg_uint_t index);


static void
test_metrics_family_checks_names(void **state)
{
    assert_null(kg_metrics_family(&t.conf, "requests_total", "",
                                  KG_METRICS_COUNTER, NULL));
    assert_null(kg_metrics_family(&t.conf, "kgate_requests", "",
                                  KG_METRICS_COUNTER, NULL));
    assert_null(kg_metrics_family(&t.conf, "kgate_1-x", "",
                                  KG_METRICS_GAUGE, NULL));
    assert_null(kg_metrics_family(&t.conf, "kgate_", "",
                                  KG_METRICS_GAUGE, NULL));
    assert_null(kg_metrics_family(&t.conf, "kgate_x", "",
                                  KG_METRICS_GAUGE, "le"));
    assert_null(kg_metrics_family(&t.conf, "kgate_x", "",
                                  KG_METRICS_GAUGE, "a,,b"));
    assert_null(kg_metrics_family(&t.conf, "kgate_x", "",
                                  KG_METRICS_GAUGE, "a,"));
    assert_null(kg_metrics_family(&t.conf, "kgate_x", "",
                                  KG_METRICS_GAUGE, "1a"));
    assert_null(kg_metrics_family(&t.conf, "kgate_x", "",
                                  KG_METRICS_GAUGE, "a:b"));
    assert_null(kg_metrics_family(&t.conf, "kgate_x", "", 7, NULL));
    assert_null(kg_metrics_family(&t.conf, "kgate_x", "",
                                  KG_METRICS_GAUGE,
                                  "a,b,c,d,e,f,g,h,i"));

    assert_non_null(kg_metrics_family(&t.conf, "kgate_x:y", "",
                                      KG_METRICS_GAUGE, "a,b_2"));
}


static void
test_metrics_family_redeclared(void **state)
{
    kg_str_t             v[2];
    kg_metric_t         *m1, *m2;
    kg_metric_family_t  *f, *f2;

    static const kg_uint_t  b1[] = { 1, 2 };
    static const kg_uint_t  b2[] = { 1, 3 };

    f = kg_metrics_family(&t.conf, "kgate_bytes_total", "Bytes",
                          KG_METRICS_COUNTER, "route,dir");
    assert_non_null(f);

    f2 = kg_metrics_family(&t.conf, "kgate_bytes_total", "Bytes",
                           KG_METRICS_COUNTER, "route,dir");
    assert_ptr_equal(f, f2);

    assert_null(kg_metrics_family(&t.conf, "kgate_bytes_total", "Bytes",
                                  KG_METRICS_COUNTER, "route"));
    assert_null(kg_metrics_family(&t.conf, "kgate_bytes_total", "Bytes",
                                  KG_METRICS_COUNTER, "route,way"));

    kg_str_set(&v[0], "r");
    kg_str_set(&v[1], "in");

    m1 = kg_metrics_series(&t.conf, f, v);
    m2 = kg_metrics_series(&t.conf, f, v);
    assert_non_null(m1);
    assert_ptr_equal(m1, m2);

    kg_str_set(&v[1], "out");
    m2 = kg_metrics_series(&t.conf, f, v);
    assert_non_null(m2);
    assert_ptr_not_equal(m1, m2);

    assert_null(kg_metrics_series(&t.conf, f, NULL));

    /* a histogram keeps its buckets */

    f = kg_metrics_histogram_family(&t.conf, "kgate_h_seconds", "", NULL,
                                    b1, 2, 1000);
    assert_non_null(f);
    assert_ptr_equal(kg_metrics_histogram_family(&t.conf, "kgate_h_seconds",
                                                 "", NULL, b1, 2, 1000),
                     f);
    assert_null(kg_metrics_histogram_family(&t.conf, "kgate_h_seconds", "",
                                            NULL, b2, 2, 1000));
    assert_null(kg_metrics_histogram_family(&t.conf, "kgate_h2_seconds", "",
                                            NULL, b2, 2, 300));
    assert_null(kg_metrics_histogram_family(&t.conf, "kgate_h3_seconds", "",
                                            NULL, b2, 0, 1000));
    assert_null(kg_metrics_histogram_family(&t.conf, "kgate_h4_seconds", "",
                                            NULL, b2 + 1, 1, 0));

    /* a histogram needs its buckets before a series */

    f = kg_metrics_family(&t.conf, "kgate_h5_seconds", "",
                          KG_METRICS_HISTOGRAM, NULL);
    assert_non_null(f);
    assert_null(kg_metrics_series(&t.conf, f, NULL));
}


static void
test_metrics_render_exact(void **state)
{
    char                *text;
    kg_str_t             v[2];
    kg_metric_t         *c, *g, *h, *vec;
    kg_metric_family_t  *f;

    static const kg_uint_t  buckets[] = { 500, 2500, 1000000 };

    f = kg_metrics_family(&t.conf, "kgate_requests_total",
                          "Requests, with a \\ and a\nnew line",
                          KG_METRICS_COUNTER, NULL);
    c = kg_metrics_series(&t.conf, f, NULL);
    assert_non_null(c);

    f = kg_metrics_family(&t.conf, "kgate_route_state", "Route state",
                          KG_METRICS_GAUGE, "route,cluster");
    kg_str_set(&v[0], "a\"b\\c\nd");
    kg_str_set(&v[1], "blue");
    g = kg_metrics_series(&t.conf, f, v);
    assert_non_null(g);

    f = kg_metrics_histogram_family(&t.conf, "kgate_latency_seconds",
                                    "Latency", "route", buckets, 3,
                                    KG_METRICS_LATENCY_SCALE);
    kg_str_set(&v[0], "r1");
    h = kg_metrics_series(&t.conf, f, v);
    assert_non_null(h);

    f = kg_metrics_family(&t.conf, "kgate_api_requests_total",
                          "By API", KG_METRICS_COUNTER, "route,api");
    vec = kg_metrics_series_vector(&t.conf, f, v, 4, api_name);
    assert_non_null(vec);

    /* an empty family prints its HELP and TYPE only */

    assert_non_null(kg_metrics_family(&t.conf, "kgate_empty", "",
                                      KG_METRICS_GAUGE, NULL));

    assert_int_equal(zone_create(t.cycle, NULL), KG_OK);

    kg_metrics_inc(c, 3);
    kg_metrics_set(g, -2);
    kg_metrics_observe(h, 100);
    kg_metrics_observe(h, 500);
    kg_metrics_observe(h, 2000);
    kg_metrics_observe(h, 5000000);
    kg_metrics_inc(&vec[0], 7);
    kg_metrics_inc(&vec[3], 1);
    kg_metrics_inc(NULL, 1);
    kg_metrics_observe(NULL, 1);

    text = render(t.cycle);

    assert_string_equal(text,
        "# HELP kgate_requests_total Requests, with a \\\\ and a\\nnew line\n"
        "# TYPE kgate_requests_total counter\n"
        "kgate_requests_total 3\n"
        "# HELP kgate_route_state Route state\n"
        "# TYPE kgate_route_state gauge\n"
        "kgate_route_state{route=\"a\\\"b\\\\c\\nd\",cluster=\"blue\"} -2\n"
        "# HELP kgate_latency_seconds Latency\n"
        "# TYPE kgate_latency_seconds histogram\n"
        "kgate_latency_seconds_bucket{route=\"r1\",le=\"0.0005\"} 2\n"
        "kgate_latency_seconds_bucket{route=\"r1\",le=\"0.0025\"} 3\n"
        "kgate_latency_seconds_bucket{route=\"r1\",le=\"1\"} 3\n"
        "kgate_latency_seconds_bucket{route=\"r1\",le=\"+Inf\"} 4\n"
        "kgate_latency_seconds_sum{route=\"r1\"} 5.0026\n"
        "kgate_latency_seconds_count{route=\"r1\"} 4\n"
        "# HELP kgate_api_requests_total By API\n"
        "# TYPE kgate_api_requests_total counter\n"
        "kgate_api_requests_total{route=\"r1\",api=\"Produce\"} 7\n"
        "kgate_api_requests_total{route=\"r1\",api=\"3\"} 1\n"
        "# HELP kgate_empty \n"
        "# TYPE kgate_empty gauge\n");

    assert_int_equal(kg_metrics_value(h), 4);
    assert_int_equal(kg_metrics_value(g), -2);
}


static void
test_metrics_render_grows_buffer(void **state)
{
    char                *text;
    kg_metric_t         *vec;
    kg_metric_family_t  *f;
    kg_uint_t            i;

    f = kg_metrics_family(&t.conf, "kgate_many_total", "Many",
                          KG_METRICS_COUNTER, "n");
    vec = kg_metrics_series_vector(&t.conf, f, NULL, 1000, NULL);
    assert_non_null(vec);

    assert_int_equal(zone_create(t.cycle, NULL), KG_OK);

    for (i = 0; i < 1000; i++) {
        kg_metrics_inc(&vec[i], i + 1);
    }

    text = render(t.cycle);

    assert_non_null(strstr(text, "kgate_many_total{n=\"0\"} 1\n"));
    assert_non_null(strstr(text, "kgate_many_total{n=\"999\"} 1000\n"));
    assert_true(strlen(text) > 20000);
}


static void
test_metrics_declared_too_late(void **state)
{
    kg_metric_family_t  *f;

    f = kg_metrics_family(&t.conf, "kgate_a_total", "", KG_METRICS_COUNTER,
                          NULL);
    assert_non_null(f);

    assert_int_equal(zone_create(t.cycle, NULL), KG_OK);

    assert_null(kg_metrics_family(&t.conf, "kgate_b_total", "",
                                  KG_METRICS_COUNTER, NULL));
    assert_null(kg_metrics_series(&t.conf, f, NULL));
}


static void
test_metrics_inc_aggregates_forked_workers(void **state)
{
    int                  status;
    pid_t                pid[2];
    kg_uint_t            i, n;
    kg_metric_t         *c, *h;
    kg_metric_family_t  *f;

    static const kg_uint_t  buckets[] = { 10, 100 };

    f = kg_metrics_family(&t.conf, "kgate_work_total", "", KG_METRICS_COUNTER,
                          NULL);
    c = kg_metrics_series(&t.conf, f, NULL);

    f = kg_metrics_histogram_family(&t.conf, "kgate_work_seconds", "", NULL,
                                    buckets, 2, 1000);
    h = kg_metrics_series(&t.conf, f, NULL);

    assert_int_equal(zone_create(t.cycle, NULL), KG_OK);

    n = 200000;

    for (i = 0; i < 2; i++) {
        pid[i] = fork();
        assert_true(pid[i] != -1);

        if (pid[i] == 0) {
            kg_uint_t  k;

            for (k = 0; k < n; k++) {
                kg_metrics_inc(c, 1);
                kg_metrics_observe(h, k % 200);
            }

            _exit(0);
        }
    }

    for (i = 0; i < 2; i++) {
        assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }

    assert_int_equal(kg_metrics_value(c), 2 * n);
    assert_int_equal(kg_metrics_value(h), 2 * n);

    /* per process: 11 of each 200 in the first bucket, 90 in the next */

    assert_int_equal(h->value[0], 2 * 11 * (n / 200));
    assert_int_equal(h->value[1], 2 * 90 * (n / 200));
    assert_int_equal(h->value[2], 2 * 99 * (n / 200));
    assert_int_equal(h->value[3], 2 * (n / 200) * (199 * 200 / 2));
}


static void
test_metrics_reload_same_layout_shares_zone(void **state)
{
    kg_metric_t         *c, *g, *c2, *g2;
    kg_shm_zone_t       *z, *z2;
    kg_metric_family_t  *f;

    f = kg_metrics_family(&t.conf, "kgate_r_total", "", KG_METRICS_COUNTER,
                          NULL);
    c = kg_metrics_series(&t.conf, f, NULL);
    f = kg_metrics_family(&t.conf, "kgate_g", "", KG_METRICS_GAUGE, NULL);
    g = kg_metrics_series(&t.conf, f, NULL);

    assert_int_equal(zone_create(t.cycle, NULL), KG_OK);

    kg_metrics_inc(c, 5);
    kg_metrics_set(g, 9);

    /* the same declarations in a new cycle: the same name and size */

    assert_int_equal(cycle_init(&t2, t.cycle), KG_OK);

    f = kg_metrics_family(&t2.conf, "kgate_r_total", "", KG_METRICS_COUNTER,
                          NULL);
    c2 = kg_metrics_series(&t2.conf, f, NULL);
    f = kg_metrics_family(&t2.conf, "kgate_g", "", KG_METRICS_GAUGE, NULL);
    g2 = kg_metrics_series(&t2.conf, f, NULL);

    z = zone(t.cycle);
    z2 = zone(t2.cycle);

    assert_int_equal(z->shm.name.len, z2->shm.name.len);
    assert_memory_equal(z->shm.name.data, z2->shm.name.data, z->shm.name.len);
    assert_int_equal(z->shm.size, z2->shm.size);

    /* as kg_init_cycle() does for a kept zone */

    z2->shm.addr = z->shm.addr;
    z2->shm.exists = 1;
    assert_int_equal(z2->init(z2, z->data), KG_OK);

    assert_int_equal(kg_metrics_value(c2), 5);
    assert_int_equal(kg_metrics_value(g2), 9);

    /* old and new workers add to the same slot */

    kg_metrics_inc(c, 1);
    kg_metrics_inc(c2, 1);
    assert_int_equal(kg_metrics_value(c2), 7);

    z2->shm.addr = NULL;
    cycle_done(&t2);
}


static void
test_metrics_reload_new_layout_carries_counters(void **state)
{
    kg_str_t             v;
    kg_metric_t         *c, *g, *vec, *c2, *g2, *vec2, *n2;
    kg_shm_zone_t       *z, *z2;
    kg_metric_family_t  *f;

    kg_str_set(&v, "r1");

    f = kg_metrics_family(&t.conf, "kgate_r_total", "", KG_METRICS_COUNTER,
                          "route");
    c = kg_metrics_series(&t.conf, f, &v);
    f = kg_metrics_family(&t.conf, "kgate_g", "", KG_METRICS_GAUGE, NULL);
    g = kg_metrics_series(&t.conf, f, NULL);
    f = kg_metrics_family(&t.conf, "kgate_v_total", "", KG_METRICS_COUNTER,
                          "route,api");
    vec = kg_metrics_series_vector(&t.conf, f, &v, 3, NULL);

    assert_int_equal(zone_create(t.cycle, NULL), KG_OK);

    kg_metrics_inc(c, 5);
    kg_metrics_set(g, 9);
    kg_metrics_inc(&vec[2], 4);

    /* a new route: another layout, another zone */

    assert_int_equal(cycle_init(&t2, t.cycle), KG_OK);

    f = kg_metrics_family(&t2.conf, "kgate_r_total", "", KG_METRICS_COUNTER,
                          "route");
    kg_str_set(&v, "r0");
    n2 = kg_metrics_series(&t2.conf, f, &v);
    kg_str_set(&v, "r1");
    c2 = kg_metrics_series(&t2.conf, f, &v);
    f = kg_metrics_family(&t2.conf, "kgate_g", "", KG_METRICS_GAUGE, NULL);
    g2 = kg_metrics_series(&t2.conf, f, NULL);
    f = kg_metrics_family(&t2.conf, "kgate_v_total", "", KG_METRICS_COUNTER,
                          "route,api");
    vec2 = kg_metrics_series_vector(&t2.conf, f, &v, 5, NULL);

    z = zone(t.cycle);
    z2 = zone(t2.cycle);

    assert_false(z->shm.name.len == z2->shm.name.len
                 && kg_memcmp(z->shm.name.data, z2->shm.name.data,
                              z->shm.name.len) == 0);

    assert_int_equal(zone_create(t2.cycle, t.cycle), KG_OK);

    assert_int_equal(kg_metrics_value(c2), 5);
    assert_int_equal(kg_metrics_value(n2), 0);
    assert_int_equal(kg_metrics_value(g2), 0);
    assert_int_equal(kg_metrics_value(&vec2[2]), 4);
    assert_int_equal(kg_metrics_value(&vec2[4]), 0);

    /* the zones are apart now */

    kg_metrics_inc(c, 1);
    assert_int_equal(kg_metrics_value(c2), 5);

    cycle_done(&t2);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_metrics_family_checks_names,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_family_redeclared,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_render_exact,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_render_grows_buffer,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_declared_too_late,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_metrics_inc_aggregates_forked_workers, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_metrics_reload_same_layout_shares_zone, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_metrics_reload_new_layout_carries_counters,
            setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}


static int
setup(void **state)
{
    return cycle_init(&t, NULL) == KG_OK ? 0 : -1;
}


static int
teardown(void **state)
{
    cycle_done(&t);
    return 0;
}


static kg_int_t
cycle_init(test_cycle_t *tc, kg_cycle_t *old)
{
    kg_memzero(tc, sizeof(test_cycle_t));

    tc->log_file.fd = open("/dev/null", O_WRONLY);
    if (tc->log_file.fd == -1) {
        return KG_ERROR;
    }

    tc->log.file = &tc->log_file;
    tc->log.log_level = KG_LOG_INFO;

    tc->pool = kg_create_pool(16384, &tc->log);
    if (tc->pool == NULL) {
        return KG_ERROR;
    }

    tc->cycle = kg_pcalloc(tc->pool, sizeof(kg_cycle_t));
    if (tc->cycle == NULL) {
        return KG_ERROR;
    }

    tc->cycle->pool = tc->pool;
    tc->cycle->log = &tc->log;
    tc->cycle->old_cycle = old;

    /* not the init cycle */
    tc->cycle->conf_ctx = (void ****) tc->pool;

    if (kg_list_init(&tc->cycle->shared_memory, tc->pool, 1,
                     sizeof(kg_shm_zone_t))
        != KG_OK)
    {
        return KG_ERROR;
    }

    tc->conf.cycle = tc->cycle;
    tc->conf.pool = tc->pool;
    tc->conf.log = &tc->log;

    return KG_OK;
}


static void
cycle_done(test_cycle_t *tc)
{
    kg_shm_zone_t  *z;

    if (tc->pool == NULL) {
        return;
    }

    z = zone(tc->cycle);

    if (z && z->shm.addr) {
        kg_shm_free(&z->shm);
    }

    kg_destroy_pool(tc->pool);
    (void) close(tc->log_file.fd);

    tc->pool = NULL;
}


static kg_shm_zone_t *
zone(kg_cycle_t *cycle)
{
    kg_shm_zone_t  *z;

    if (cycle->shared_memory.part.nelts == 0) {
        return NULL;
    }

    z = cycle->shared_memory.part.elts;

    return z;
}


/* what kg_init_cycle() does for a zone of a new layout */

static kg_int_t
zone_create(kg_cycle_t *cycle, kg_cycle_t *old)
{
    kg_shm_zone_t  *z;

    z = zone(cycle);
    assert_non_null(z);
    assert_true(z->shm.size > 0);

    if (kg_shm_alloc(&z->shm) != KG_OK) {
        return KG_ERROR;
    }

    return z->init(z, NULL);
}


static char *
render(kg_cycle_t *cycle)
{
    u_char    *p;
    kg_buf_t  *b;

    b = kg_metrics_render(kg_metrics_get(cycle), cycle->pool);
    assert_non_null(b);

    p = kg_pnalloc(cycle->pool, b->last - b->pos + 1);
    assert_non_null(p);

    *kg_cpymem(p, b->pos, b->last - b->pos) = '\0';

    return (char *) p;
}


static const char *
api_name(kg_uint_t index)
{
    return index == 0 ? "Produce" : NULL;
}
