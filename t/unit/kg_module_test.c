/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>

#include <setjmp.h>
#include <cmocka.h>

#include <kg_test_log.h>
#include <kg_test_cycle.h>


/*
 * The module loader: load_module through a configuration file, with the
 * shared objects built from t/unit/modules/ into the build directory.
 */


#define TEST_MODULE_TYPE    0x54534554  /* "TEST" */


typedef struct {
    kg_int_t             value;
} test_conf_t;


typedef struct {
    kg_pool_t           *pool;
    kg_cycle_t          *cycle;
    kg_conf_t            conf;
    char                 dir[1024];
    char                 so_dir[1024];
} test_ctx_t;


static void *test_create_conf(kg_cycle_t *cycle);


static kg_command_t  test_commands[] = {

    { kg_string("t_value"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_num_slot, 0, offsetof(test_conf_t, value), NULL },

      kg_null_command
};


static kg_core_module_t  test_module_ctx = {
    kg_string("test"),
    test_create_conf,
    NULL
};


static kg_module_t  test_module = {
    KG_MODULE_V1,
    &test_module_ctx,                      /* module context */
    test_commands,                         /* module directives */
    KG_CORE_MODULE,                        /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


static kg_module_t  test_kind_modules[3] = {
    { KG_MODULE_V1, NULL, NULL, TEST_MODULE_TYPE,
      NULL, NULL, NULL, NULL, NULL, KG_MODULE_V1_PADDING },
    { KG_MODULE_V1, NULL, NULL, TEST_MODULE_TYPE,
      NULL, NULL, NULL, NULL, NULL, KG_MODULE_V1_PADDING },
    { KG_MODULE_V1, NULL, NULL, TEST_MODULE_TYPE,
      NULL, NULL, NULL, NULL, NULL, KG_MODULE_V1_PADDING }
};




static void *
test_create_conf(kg_cycle_t *cycle)
{
    test_conf_t  *tcf;

    tcf = kg_pcalloc(cycle->pool, sizeof(test_conf_t));
    if (tcf == NULL) {
        return NULL;
    }

    tcf->value = KG_CONF_UNSET;

    return tcf;
}


/* for messages with a system-dependent reason in the middle */

static char *
test_so(test_ctx_t *t, const char *name)
{
    static char  path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s.so", t->so_dir, name);

    return path;
}


static char *
test_conf_path(test_ctx_t *t)
{
    static char  path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/main.conf", t->dir);

    return path;
}


static void
test_write_conf(test_ctx_t *t, const char *fmt, ...)
{
    FILE     *f;
    va_list   args;

    f = fopen(test_conf_path(t), "w");
    assert_non_null(f);

    va_start(args, fmt);
    vfprintf(f, fmt, args);
    va_end(args);

    assert_int_equal(fclose(f), 0);
}


static kg_cycle_t *
test_cycle_create(test_ctx_t *t, kg_cycle_t *old_cycle)
{
    kg_cycle_t  *cycle;

    cycle = kg_test_cycle_create(&kg_test_log, t->dir);
    assert_non_null(cycle);

    cycle->old_cycle = old_cycle;

    assert_int_equal(kg_test_cycle_create_conf(cycle), KG_OK);
    assert_int_equal(kg_test_conf_init(&t->conf, cycle), KG_OK);

    assert_int_equal(kg_add_module(&t->conf, &test_module_ctx.name,
                                   &test_module, NULL),
                     KG_OK);

    t->cycle = cycle;
    t->pool = cycle->pool;

    return cycle;
}


static char *
test_parse(test_ctx_t *t)
{
    kg_str_t  file;

    file.len = strlen(test_conf_path(t));
    file.data = kg_pnalloc(t->pool, file.len + 1);
    assert_non_null(file.data);

    kg_memcpy(file.data, test_conf_path(t), file.len + 1);

    return kg_conf_parse(&t->conf, &file);
}


static kg_module_t *
test_find_module(kg_cycle_t *cycle, const char *name)
{
    kg_uint_t  i;

    for (i = 0; cycle->modules[i]; i++) {
        if (strcmp(cycle->modules[i]->name, name) == 0) {
            return cycle->modules[i];
        }
    }

    return NULL;
}


static int
test_setup(void **state)
{
    char        *builddir;
    test_ctx_t  *t;

    t = calloc(1, sizeof(test_ctx_t));
    if (t == NULL) {
        return -1;
    }

    builddir = getenv("KG_TEST_BUILDDIR");
    if (builddir == NULL) {
        builddir = "objs";
    }

    snprintf(t->so_dir, sizeof(t->so_dir), "%s/t/unit/modules", builddir);

    if (kg_test_mkdtemp(t->dir, sizeof(t->dir), "module") != KG_OK) {
        free(t);
        return -1;
    }

    kg_test_log_capture();

    test_module.index = KG_MODULE_UNSET_INDEX;
    test_module.name = "kg_test_module";

    *state = t;

    return 0;
}


static int
test_teardown(void **state)
{
    test_ctx_t  *t = *state;

    if (t->pool) {
        kg_destroy_pool(t->pool);
    }

    kg_cycle = NULL;

    kg_test_rmtree(t->dir);

    free(t);

    return 0;
}


static void
test_load_module_good(void **state)
{
    test_ctx_t   *t = *state;
    kg_cycle_t   *cycle;
    kg_module_t  *m;
    test_conf_t  *gcf;

    cycle = test_cycle_create(t, NULL);
    kg_cycle = cycle;

    test_write_conf(t, "load_module %s;\ngood_value 42;\n",
                    test_so(t, "good_module"));

    assert_ptr_equal(test_parse(t), KG_CONF_OK);

    m = test_find_module(cycle, "good_module");
    assert_non_null(m);
    assert_int_equal(m->type, KG_CORE_MODULE);
    assert_true(m->index < kg_max_module);

    /* the first field of the module's conf is its value */

    gcf = (test_conf_t *) cycle->conf_ctx[m->index];
    assert_non_null(gcf);
    assert_int_equal(gcf->value, 42);
}


static void
test_load_module_version_mismatch(void **state)
{
    test_ctx_t  *t = *state;
    char         so[PATH_MAX];

    test_cycle_create(t, NULL);

    snprintf(so, sizeof(so), "%s", test_so(t, "version_mismatch_module"));
    test_write_conf(t, "\nload_module %s;\n", so);

    assert_ptr_equal(test_parse(t), KG_CONF_ERROR);

    kg_test_assert_logged("module \"%s\" version 999 instead of 1000 in %s:2",
                          so, test_conf_path(t));
}


static void
test_load_module_abi_mismatch(void **state)
{
    test_ctx_t  *t = *state;
    char         so[PATH_MAX];

    test_cycle_create(t, NULL);

    snprintf(so, sizeof(so), "%s", test_so(t, "abi_mismatch_module"));
    test_write_conf(t, "load_module %s;\n", so);

    assert_ptr_equal(test_parse(t), KG_CONF_ERROR);

    kg_test_assert_logged("module \"%s\" is not binary compatible in %s:1",
                          so, test_conf_path(t));
}


static void
test_load_module_no_symbol(void **state)
{
    test_ctx_t  *t = *state;
    char         so[PATH_MAX], head[PATH_MAX + 64], tail[PATH_MAX + 64];

    test_cycle_create(t, NULL);

    snprintf(so, sizeof(so), "%s", test_so(t, "no_symbol_module"));
    test_write_conf(t, "load_module %s;\n", so);

    assert_ptr_equal(test_parse(t), KG_CONF_ERROR);

    snprintf(head, sizeof(head),
             ": dlsym() \"kg_modules\" failed in \"%s\" (", so);
    snprintf(tail, sizeof(tail), ") in %s:1", test_conf_path(t));

    kg_test_assert_logged_around(head, tail);
}


static void
test_load_module_missing_file(void **state)
{
    test_ctx_t  *t = *state;
    char         head[PATH_MAX + 64], tail[PATH_MAX + 64];

    test_cycle_create(t, NULL);

    test_write_conf(t, "load_module modules/missing.so;\n");

    assert_ptr_equal(test_parse(t), KG_CONF_ERROR);

    snprintf(head, sizeof(head),
             ": dlopen() \"%s/modules/missing.so\" failed (", t->dir);
    snprintf(tail, sizeof(tail), ") in %s:1", test_conf_path(t));

    kg_test_assert_logged_around(head, tail);
}


static void
test_load_module_too_late(void **state)
{
    test_ctx_t  *t = *state;

    test_cycle_create(t, NULL);

    test_write_conf(t, "t_value 1;\nload_module %s;\n",
                    test_so(t, "good_module"));

    assert_ptr_equal(test_parse(t), KG_CONF_ERROR);

    kg_test_assert_logged("\"load_module\" directive is specified too late"
                          " in %s:2", test_conf_path(t));
}


static void
test_load_module_already_loaded(void **state)
{
    test_ctx_t  *t = *state;

    test_cycle_create(t, NULL);

    test_write_conf(t, "load_module %s;\nload_module %s;\n",
                    test_so(t, "good_module"), test_so(t, "good_module"));

    assert_ptr_equal(test_parse(t), KG_CONF_ERROR);

    kg_test_assert_logged("module \"good_module\" is already loaded in %s:2",
                          test_conf_path(t));
}


static void
test_load_module_reload_same_file(void **state)
{
    test_ctx_t   *t = *state;
    kg_uint_t     index;
    kg_pool_t    *old_pool;
    kg_cycle_t   *old, *cycle;
    kg_module_t  *m;
    test_conf_t  *gcf;

    old = test_cycle_create(t, NULL);
    kg_cycle = old;

    test_write_conf(t, "load_module %s;\ngood_value 1;\n",
                    test_so(t, "good_module"));

    assert_ptr_equal(test_parse(t), KG_CONF_OK);

    m = test_find_module(old, "good_module");
    assert_non_null(m);
    index = m->index;

    old_pool = t->pool;

    /* the new cycle loads the same file again, as a reload does */

    test_module.index = KG_MODULE_UNSET_INDEX;

    cycle = test_cycle_create(t, old);

    test_write_conf(t, "load_module %s;\ngood_value 2;\n",
                    test_so(t, "good_module"));

    assert_ptr_equal(test_parse(t), KG_CONF_OK);

    /* the old cycle goes away: its handle is closed, the code stays */

    kg_destroy_pool(old_pool);
    cycle->old_cycle = NULL;
    kg_cycle = cycle;

    m = test_find_module(cycle, "good_module");
    assert_non_null(m);
    assert_int_equal(m->index, index);

    gcf = (test_conf_t *) cycle->conf_ctx[m->index];
    assert_int_equal(gcf->value, 2);
}


static void
test_add_module_order(void **state)
{
    test_ctx_t   *t = *state;
    kg_uint_t     i, a, b;
    kg_cycle_t   *cycle;
    kg_str_t      file = kg_string("order");
    char         *order[] = { "test_b", "test_a", NULL };

    cycle = test_cycle_create(t, NULL);

    test_kind_modules[0].index = KG_MODULE_UNSET_INDEX;
    test_kind_modules[0].name = "test_a";
    test_kind_modules[1].index = KG_MODULE_UNSET_INDEX;
    test_kind_modules[1].name = "test_b";

    assert_int_equal(kg_add_module(&t->conf, &file, &test_kind_modules[0],
                                   NULL),
                     KG_OK);

    /* test_b asks to be placed before test_a */

    assert_int_equal(kg_add_module(&t->conf, &file, &test_kind_modules[1],
                                   order),
                     KG_OK);

    a = b = 0;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i] == &test_kind_modules[0]) {
            a = i;
        }

        if (cycle->modules[i] == &test_kind_modules[1]) {
            b = i;
        }
    }

    assert_true(b + 1 == a);
    assert_null(cycle->modules[cycle->modules_n]);
    assert_true(test_kind_modules[0].index != test_kind_modules[1].index);
}


static void
test_count_modules_assigns_ctx_index(void **state)
{
    test_ctx_t  *t = *state;
    kg_uint_t    i;
    kg_cycle_t  *cycle;
    kg_str_t     file = kg_string("count");
    char        *names[] = { "test_x", "test_y", "test_z" };

    cycle = test_cycle_create(t, NULL);

    for (i = 0; i < 3; i++) {
        test_kind_modules[i].index = KG_MODULE_UNSET_INDEX;
        test_kind_modules[i].ctx_index = KG_MODULE_UNSET_INDEX;
        test_kind_modules[i].name = names[i];

        assert_int_equal(kg_add_module(&t->conf, &file, &test_kind_modules[i],
                                       NULL),
                         KG_OK);
    }

    assert_int_equal(kg_count_modules(cycle, TEST_MODULE_TYPE), 3);

    assert_int_equal(test_kind_modules[0].ctx_index, 0);
    assert_int_equal(test_kind_modules[1].ctx_index, 1);
    assert_int_equal(test_kind_modules[2].ctx_index, 2);

    assert_int_equal(cycle->modules_used, 1);
}


static void
test_module_signature_format(void **state)
{
    /* the signature names the features, so a mismatch can be read */

    assert_non_null(strstr(KG_MODULE_SIGNATURE, "epoll:"));
    assert_non_null(strstr(KG_MODULE_SIGNATURE, "openssl:"));
    assert_non_null(strstr(KG_MODULE_SIGNATURE, ",abi:"));
    assert_int_equal(test_module.version, kgate_version);
}


static void
test_init_cycle_load_module_and_reload(void **state)
{
    test_ctx_t        *t = *state;
    size_t             len;
    kg_uint_t          process;
    kg_cycle_t        *cycle, *cycle2, init_cycle;
    kg_module_t       *m;
    test_conf_t       *gcf;
    kg_core_conf_t    *ccf;

    test_write_conf(t, "load_module %s;\npid kgate.pid;\ngood_value 5;\n",
                    test_so(t, "good_module"));

    kg_memzero(&init_cycle, sizeof(kg_cycle_t));

    init_cycle.log = &kg_test_log;
    init_cycle.pool = kg_create_pool(1024, &kg_test_log);
    assert_non_null(init_cycle.pool);

    len = strlen(t->dir);
    init_cycle.prefix.data = kg_pnalloc(init_cycle.pool, len + 2);
    assert_non_null(init_cycle.prefix.data);
    kg_memcpy(init_cycle.prefix.data, t->dir, len);
    init_cycle.prefix.data[len++] = '/';
    init_cycle.prefix.data[len] = '\0';
    init_cycle.prefix.len = len;
    init_cycle.conf_prefix = init_cycle.prefix;

    kg_str_set(&init_cycle.conf_file, "main.conf");
    assert_int_equal(kg_conf_full_name(&init_cycle, &init_cycle.conf_file, 0),
                     KG_OK);

    kg_str_set(&init_cycle.error_log, "error.log");

    kg_cycle = &init_cycle;

    /* the master builds cycles; -t keeps sockets unconfigured */

    process = kg_process;
    kg_process = KG_PROCESS_MASTER;
    kg_test_config = 1;
    kg_quiet_mode = 1;
    kg_use_stderr = 1;

    cycle = kg_init_cycle(&init_cycle);

    assert_non_null(cycle);
    kg_cycle = cycle;

    m = test_find_module(cycle, "good_module");
    assert_non_null(m);

    gcf = (test_conf_t *) cycle->conf_ctx[m->index];
    assert_int_equal(gcf->value, 5);

    ccf = (kg_core_conf_t *) kg_get_conf(cycle->conf_ctx, kg_core_module);
    assert_int_equal(ccf->pid.len, len + sizeof("kgate.pid") - 1);

    /* a broken new configuration leaves the running cycle alone */

    test_write_conf(t, "load_module %s;\ngood_value x;\n",
                    test_so(t, "good_module"));

    assert_null(kg_init_cycle(cycle));

    m = test_find_module(cycle, "good_module");
    assert_non_null(m);
    assert_int_equal(((test_conf_t *) cycle->conf_ctx[m->index])->value, 5);

    /* a good one replaces it, loading the same file again */

    test_write_conf(t, "load_module %s;\npid kgate.pid;\ngood_value 6;\n",
                    test_so(t, "good_module"));

    cycle2 = kg_init_cycle(cycle);

    assert_non_null(cycle2);
    kg_cycle = cycle2;

    m = test_find_module(cycle2, "good_module");
    assert_non_null(m);
    assert_int_equal(((test_conf_t *) cycle2->conf_ctx[m->index])->value, 6);

    t->pool = cycle2->pool;

    kg_process = process;
    kg_test_config = 0;
    kg_quiet_mode = 0;
    kg_use_stderr = 0;
}


static int
test_group_setup(void **state)
{
    if (kg_strerror_init() != KG_OK) {
        return -1;
    }

    kg_time_init();

    return kg_preinit_modules() == KG_OK ? 0 : -1;
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_load_module_good,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_load_module_version_mismatch,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_load_module_abi_mismatch,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_load_module_no_symbol,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_load_module_missing_file,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_load_module_too_late,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_load_module_already_loaded,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_load_module_reload_same_file,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_add_module_order,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_count_modules_assigns_ctx_index,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_module_signature_format,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_init_cycle_load_module_and_reload,
            test_setup, test_teardown),
    };

    return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
