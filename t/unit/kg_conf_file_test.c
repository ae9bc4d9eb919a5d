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
 * Every test writes its configuration into a fresh directory under the
 * build directory, parses it with a cycle made of the static modules plus
 * the test module below, and compares what was logged with the exact
 * message, " in FILE:LINE" included.
 */


#define TEST_BLOCK_CONF     0x02000000


typedef struct {
    kg_flag_t            flag;
    kg_str_t             str;
    kg_int_t             num;
    size_t               size;
    off_t                off;
    kg_msec_t            msec;
    time_t               sec;
    kg_uint_t            enm;
    kg_uint_t            mask;
    kg_array_t          *str_array;
    kg_array_t          *keyval;
    kg_array_t          *args;
    kg_uint_t            blocks;
} test_conf_t;


typedef struct {
    kg_pool_t           *pool;
    kg_cycle_t          *cycle;
    kg_conf_t            conf;
    char                 dir[1024];
} test_ctx_t;


static void *test_create_conf(kg_cycle_t *cycle);
static char *test_args(kg_conf_t *cf, kg_command_t *cmd, void *conf);
static char *test_block(kg_conf_t *cf, kg_command_t *cmd, void *conf);


static kg_conf_enum_t  test_enum[] = {
    { kg_string("one"), 1 },
    { kg_string("two"), 2 },
    { kg_null_string, 0 }
};


static kg_conf_bitmask_t  test_mask[] = {
    { kg_string("a"), 0x01 },
    { kg_string("b"), 0x02 },
    { kg_string("c"), 0x04 },
    { kg_null_string, 0 }
};


static kg_command_t  test_commands[] = {

    { kg_string("t_flag"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_FLAG,
      kg_conf_set_flag_slot, 0, offsetof(test_conf_t, flag), NULL },

    { kg_string("t_str"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot, 0, offsetof(test_conf_t, str), NULL },

    { kg_string("t_two"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE2,
      kg_conf_set_keyval_slot, 0, offsetof(test_conf_t, keyval), NULL },

    { kg_string("t_num"),
      KG_MAIN_CONF|TEST_BLOCK_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_num_slot, 0, offsetof(test_conf_t, num), NULL },

    { kg_string("t_size"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_size_slot, 0, offsetof(test_conf_t, size), NULL },

    { kg_string("t_off"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_off_slot, 0, offsetof(test_conf_t, off), NULL },

    { kg_string("t_msec"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_msec_slot, 0, offsetof(test_conf_t, msec), NULL },

    { kg_string("t_sec"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_sec_slot, 0, offsetof(test_conf_t, sec), NULL },

    { kg_string("t_enum"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_enum_slot, 0, offsetof(test_conf_t, enm), test_enum },

    { kg_string("t_mask"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_1MORE,
      kg_conf_set_bitmask_slot, 0, offsetof(test_conf_t, mask), test_mask },

    { kg_string("t_list"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_array_slot, 0, offsetof(test_conf_t, str_array),
      NULL },

    { kg_string("t_args"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_1MORE,
      test_args, 0, 0, NULL },

    { kg_string("t_block"),
      KG_MAIN_CONF|TEST_BLOCK_CONF|KG_DIRECT_CONF|KG_CONF_BLOCK
      |KG_CONF_NOARGS,
      test_block, 0, 0, NULL },

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




static void *
test_create_conf(kg_cycle_t *cycle)
{
    test_conf_t  *tcf;

    tcf = kg_pcalloc(cycle->pool, sizeof(test_conf_t));
    if (tcf == NULL) {
        return NULL;
    }

    tcf->flag = KG_CONF_UNSET;
    tcf->num = KG_CONF_UNSET;
    tcf->size = KG_CONF_UNSET_SIZE;
    tcf->off = KG_CONF_UNSET;
    tcf->msec = KG_CONF_UNSET_MSEC;
    tcf->sec = KG_CONF_UNSET;
    tcf->enm = KG_CONF_UNSET_UINT;
    tcf->str_array = KG_CONF_UNSET_PTR;
    tcf->keyval = KG_CONF_UNSET_PTR;

    return tcf;
}


static char *
test_args(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    test_conf_t  *tcf = conf;

    kg_uint_t   i;
    kg_str_t   *value, *s;

    tcf->args = kg_array_create(cf->pool, cf->args->nelts, sizeof(kg_str_t));
    if (tcf->args == NULL) {
        return KG_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        s = kg_array_push(tcf->args);
        if (s == NULL) {
            return KG_CONF_ERROR;
        }

        *s = value[i];
    }

    return KG_CONF_OK;
}


static char *
test_block(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    test_conf_t  *tcf = conf;

    char       *rv;
    kg_conf_t   pcf;

    tcf->blocks++;

    pcf = *cf;
    cf->cmd_type = TEST_BLOCK_CONF;

    rv = kg_conf_parse(cf, NULL);

    *cf = pcf;

    return rv;
}


/* the message must appear in the log as a whole line after "pid#tid: " */

static void
test_write_str(test_ctx_t *t, const char *name, const char *data)
{
    kg_test_write(t->dir, name, data, strlen(data));
}


static char *
test_parse(test_ctx_t *t, const char *name)
{
    kg_str_t  file;

    file.len = strlen(t->dir) + 1 + strlen(name);
    file.data = kg_pnalloc(t->pool, file.len + 1);
    assert_non_null(file.data);

    snprintf((char *) file.data, file.len + 1, "%s/%s", t->dir, name);

    return kg_conf_parse(&t->conf, &file);
}


static char *
test_parse_str(test_ctx_t *t, const char *data)
{
    test_write_str(t, "main.conf", data);

    return test_parse(t, "main.conf");
}


static test_conf_t *
test_get_conf(test_ctx_t *t)
{
    return (test_conf_t *) t->cycle->conf_ctx[test_module.index];
}


static int
test_setup(void **state)
{
    test_ctx_t  *t;
    kg_cycle_t  *cycle;

    t = calloc(1, sizeof(test_ctx_t));
    if (t == NULL) {
        return -1;
    }

    if (kg_test_mkdtemp(t->dir, sizeof(t->dir), "conf") != KG_OK) {
        free(t);
        return -1;
    }

    kg_test_log_capture();

    kg_dump_config = 0;

    cycle = kg_test_cycle_create(&kg_test_log, t->dir);
    if (cycle == NULL) {
        return -1;
    }

    t->pool = cycle->pool;
    t->cycle = cycle;
    kg_cycle = cycle;

    if (kg_test_cycle_create_conf(cycle) != KG_OK
        || kg_test_conf_init(&t->conf, cycle) != KG_OK)
    {
        return -1;
    }

    /* the test module joins the way a loaded module does */

    test_module.index = KG_MODULE_UNSET_INDEX;
    test_module.name = "kg_test_module";

    if (kg_add_module(&t->conf, &test_module_ctx.name, &test_module, NULL)
        != KG_OK)
    {
        return -1;
    }

    *state = t;

    return 0;
}


static int
test_teardown(void **state)
{
    test_ctx_t  *t = *state;

    kg_cycle = NULL;
    kg_destroy_pool(t->pool);
    kg_test_rmtree(t->dir);
    free(t);

    return 0;
}


static void
test_conf_handler_unknown_directive(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "t_str a;\n\nfoo bar;\n"),
                     KG_CONF_ERROR);

    kg_test_assert_logged("unknown directive \"foo\" in %s:3",
                          kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_handler_not_allowed_here(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "t_block {\n    t_str a;\n}\n"),
                     KG_CONF_ERROR);

    kg_test_assert_logged("\"t_str\" directive is not allowed here in %s:2",
                          kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_handler_invalid_number_of_arguments(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "t_str;\n"), KG_CONF_ERROR);

    kg_test_assert_logged("invalid number of arguments in \"t_str\" directive"
                          " in %s:1", kg_test_path(t->dir, "main.conf"));

    assert_ptr_equal(test_parse_str(t, "\nt_two a;\n"), KG_CONF_ERROR);

    kg_test_assert_logged("invalid number of arguments in \"t_two\" directive"
                          " in %s:2", kg_test_path(t->dir, "main.conf"));

    assert_ptr_equal(test_parse_str(t, "t_flag on off;\n"), KG_CONF_ERROR);

    kg_test_assert_logged("invalid number of arguments in \"t_flag\" directive"
                          " in %s:1", kg_test_path(t->dir, "main.conf"));

    assert_ptr_equal(test_parse_str(t, "t_args;\n"), KG_CONF_ERROR);

    kg_test_assert_logged("invalid number of arguments in \"t_args\" directive"
                          " in %s:1", kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_set_str_slot_duplicate(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "t_str a;\nt_str b;\n"),
                     KG_CONF_ERROR);

    kg_test_assert_logged("\"t_str\" directive is duplicate in %s:2",
                          kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_handler_not_terminated(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "t_str a {\n}\n"), KG_CONF_ERROR);

    kg_test_assert_logged("directive \"t_str\" is not terminated by \";\""
                          " in %s:1", kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_handler_no_opening_brace(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "t_block;\n"), KG_CONF_ERROR);

    kg_test_assert_logged("directive \"t_block\" has no opening \"{\" in %s:1",
                          kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_parse_unexpected_close_brace(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "t_str a;\n}\n"), KG_CONF_ERROR);

    kg_test_assert_logged("unexpected \"}\" in %s:2",
                          kg_test_path(t->dir, "main.conf"));

    assert_ptr_equal(test_parse_str(t, "t_str a }\n"), KG_CONF_ERROR);

    kg_test_assert_logged("unexpected \"}\" in %s:1",
                          kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_read_token_unexpected_open_brace(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "{\n"), KG_CONF_ERROR);

    kg_test_assert_logged("unexpected \"{\" in %s:1",
                          kg_test_path(t->dir, "main.conf"));

    assert_ptr_equal(test_parse_str(t, "t_str a;\n;\n"), KG_CONF_ERROR);

    kg_test_assert_logged("unexpected \";\" in %s:2",
                          kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_read_token_eof_in_directive(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "t_str a"), KG_CONF_ERROR);

    kg_test_assert_logged("unexpected end of file, expecting \";\" or \"}\""
                          " in %s:1", kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_parse_eof_in_block(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "t_block {\n    t_num 1;\n"),
                     KG_CONF_ERROR);

    kg_test_assert_logged("unexpected end of file, expecting \"}\" in %s:3",
                          kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_read_token_unterminated_quote(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "t_num 1;\nt_str \"abc;\n\n"),
                     KG_CONF_ERROR);

    kg_test_assert_logged("unterminated quoted string in %s:2",
                          kg_test_path(t->dir, "main.conf"));

    assert_ptr_equal(test_parse_str(t, "t_str 'abc"), KG_CONF_ERROR);

    kg_test_assert_logged("unterminated quoted string in %s:1",
                          kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_read_token_no_space_after_quote(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "t_str \"a\"b;\n"), KG_CONF_ERROR);

    kg_test_assert_logged("unexpected \"b\" in %s:1",
                          kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_param_unexpected_end(void **state)
{
    test_ctx_t  *t = *state;

    kg_str_set(&t->cycle->conf_param, "t_str a");

    assert_ptr_equal(kg_conf_param(&t->conf), KG_CONF_ERROR);

    kg_test_assert_logged("unexpected end of parameter, expecting \";\""
                          " in command line");

    kg_str_set(&t->cycle->conf_param, "t_block { t_num 1; }");

    assert_ptr_equal(kg_conf_param(&t->conf), KG_CONF_ERROR);

    kg_test_assert_logged("block directives are not supported in -g option"
                          " in command line");
}


static void
test_conf_param_sets_directives(void **state)
{
    test_ctx_t   *t = *state;
    test_conf_t  *tcf;

    kg_str_set(&t->cycle->conf_param, "t_str from_g; t_num 7;");

    assert_ptr_equal(kg_conf_param(&t->conf), KG_CONF_OK);

    tcf = test_get_conf(t);

    assert_int_equal(tcf->num, 7);
    assert_int_equal(tcf->str.len, sizeof("from_g") - 1);
    assert_memory_equal(tcf->str.data, "from_g", sizeof("from_g") - 1);
    assert_null(t->conf.conf_file);
}


static void
test_conf_parse_open_failed(void **state)
{
    test_ctx_t  *t = *state;
    char         missing[PATH_MAX];

    snprintf(missing, sizeof(missing), "%s",
             kg_test_path(t->dir, "missing.conf"));

    assert_ptr_equal(test_parse_str(t, "t_num 1;\ninclude missing.conf;\n"),
                     KG_CONF_ERROR);

    kg_test_assert_logged("open() \"%s\" failed (2: No such file or directory)"
                          " in %s:2", missing,
                          kg_test_path(t->dir, "main.conf"));

    /* the top-level file has no location to report */

    kg_test_log_len = 0;

    assert_ptr_equal(test_parse(t, "missing.conf"), KG_CONF_ERROR);

    kg_test_assert_logged("open() \"%s\" failed (2: No such file or directory)",
                          missing);
}


static void
test_conf_include_loop(void **state)
{
    test_ctx_t  *t = *state;
    char         a[PATH_MAX];

    test_write_str(t, "a.conf", "t_num 1;\ninclude b.conf;\n");
    test_write_str(t, "b.conf", "include a.conf;\n");

    snprintf(a, sizeof(a), "%s", kg_test_path(t->dir, "a.conf"));

    assert_ptr_equal(test_parse(t, "a.conf"), KG_CONF_ERROR);

    kg_test_assert_logged("include loop: \"%s\" is already being read in %s:1",
                          a, kg_test_path(t->dir, "b.conf"));

    /* a file including itself */

    test_write_str(t, "self.conf", "\ninclude self.conf;\n");

    assert_ptr_equal(test_parse(t, "self.conf"), KG_CONF_ERROR);

    snprintf(a, sizeof(a), "%s", kg_test_path(t->dir, "self.conf"));

    kg_test_assert_logged("include loop: \"%s\" is already being read in %s:2",
                          a, a);
}


static void
test_conf_include_nesting_too_deep(void **state)
{
    test_ctx_t  *t = *state;
    char         name[64], data[64];
    kg_uint_t    i;

    for (i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "f%d.conf", (int) i);
        snprintf(data, sizeof(data), "include f%d.conf;\n", (int) i + 1);
        test_write_str(t, name, data);
    }

    test_write_str(t, "f40.conf", "t_num 1;\n");

    assert_ptr_equal(test_parse(t, "f0.conf"), KG_CONF_ERROR);

    snprintf(name, sizeof(name), "f%d.conf", KG_CONF_MAX_INCLUDE_DEPTH);

    kg_test_assert_logged("include nesting too deep in %s:1",
                          kg_test_path(t->dir, name));
}


static void
test_conf_include_glob_two_files(void **state)
{
    test_ctx_t   *t = *state;
    char          dir[PATH_MAX];
    test_conf_t  *tcf;

    snprintf(dir, sizeof(dir), "%s", kg_test_path(t->dir, "inc"));
    assert_int_equal(mkdir(dir, 0755), 0);

    test_write_str(t, "inc/1.conf", "t_str one;\n");
    test_write_str(t, "inc/2.conf", "t_num 2;\n");
    test_write_str(t, "inc/skipped.txt", "garbage\n");

    kg_dump_config = 1;

    assert_ptr_equal(test_parse_str(t, "include inc/*.conf;\nt_flag on;\n"),
                     KG_CONF_OK);

    kg_dump_config = 0;

    tcf = test_get_conf(t);

    assert_int_equal(tcf->num, 2);
    assert_int_equal(tcf->flag, 1);
    assert_int_equal(tcf->str.len, 3);
    assert_memory_equal(tcf->str.data, "one", 3);

    /* kgate -T prints these */

    assert_int_equal(t->cycle->config_dump.nelts, 3);

    /* a pattern that matches nothing is not an error */

    assert_ptr_equal(test_parse_str(t, "include none/*.conf;\n"), KG_CONF_OK);
}


static void
test_conf_include_unreadable(void **state)
{
    test_ctx_t  *t = *state;
    char         sub[PATH_MAX];

    snprintf(sub, sizeof(sub), "%s", kg_test_path(t->dir, "sub"));
    assert_int_equal(mkdir(sub, 0755), 0);

    assert_ptr_equal(test_parse_str(t, "include sub;\n"), KG_CONF_ERROR);

    kg_test_assert_logged("\"%s\" is not a regular file in %s:1",
                          sub, kg_test_path(t->dir, "main.conf"));

    if (geteuid() == 0) {
        /* root reads a file of mode 000 anyway */
        return;
    }

    test_write_str(t, "secret.conf", "t_num 1;\n");
    snprintf(sub, sizeof(sub), "%s", kg_test_path(t->dir, "secret.conf"));
    assert_int_equal(chmod(sub, 0), 0);

    assert_ptr_equal(test_parse_str(t, "include secret.conf;\n"),
                     KG_CONF_ERROR);

    kg_test_assert_logged("open() \"%s\" failed (13: Permission denied)"
                          " in %s:1", sub, kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_parse_block_nesting_too_deep(void **state)
{
    test_ctx_t  *t = *state;
    char        *data, *p;
    kg_uint_t    i;

    data = malloc(100 * 16 + 1);
    assert_non_null(data);

    p = data;

    for (i = 0; i < 100; i++) {
        p += sprintf(p, "t_block {\n");
    }

    for (i = 0; i < 100; i++) {
        p += sprintf(p, "}\n");
    }

    assert_ptr_equal(test_parse_str(t, data), KG_CONF_ERROR);

    free(data);

    kg_test_assert_logged("block nesting too deep (max 32) in %s:33",
                          kg_test_path(t->dir, "main.conf"));

    assert_int_equal(t->conf.depth, 0);

    /* exactly the limit is fine */

    kg_test_log_len = 0;

    data = malloc(32 * 16 + 1);
    assert_non_null(data);

    p = data;

    for (i = 0; i < 32; i++) {
        p += sprintf(p, "t_block {\n");
    }

    for (i = 0; i < 32; i++) {
        p += sprintf(p, "}\n");
    }

    assert_ptr_equal(test_parse_str(t, data), KG_CONF_OK);

    free(data);
}


static void
test_conf_read_token_line_too_long(void **state)
{
    test_ctx_t      *t = *state;
    char            *data;
    size_t           i, len;
    struct timespec  ts0, ts1;
    double           elapsed;

    len = 10 * 1024 * 1024;

    data = malloc(len + 16);
    assert_non_null(data);

    memcpy(data, "t_str ", 6);
    memset(data + 6, 'a', len);
    memcpy(data + 6 + len, ";\n", 2);

    kg_test_write(t->dir, "main.conf", data, len + 8);

    free(data);

    clock_gettime(CLOCK_MONOTONIC, &ts0);

    assert_ptr_equal(test_parse(t, "main.conf"), KG_CONF_ERROR);

    clock_gettime(CLOCK_MONOTONIC, &ts1);

    kg_test_assert_logged("line too long (max 65536 bytes) in %s:1",
                          kg_test_path(t->dir, "main.conf"));

    elapsed = (ts1.tv_sec - ts0.tv_sec) + (ts1.tv_nsec - ts0.tv_nsec) / 1e9;

    assert_true(elapsed < 1.0);

    /* many short arguments on one line are the same line */

    len = 200 * 1024;

    data = malloc(len + 16);
    assert_non_null(data);

    memcpy(data, "t_args", 6);

    for (i = 6; i < len; i += 2) {
        data[i] = ' ';
        data[i + 1] = 'a';
    }

    memcpy(data + len, ";\n", 2);

    kg_test_write(t->dir, "long.conf", data, len + 2);

    free(data);

    assert_ptr_equal(test_parse(t, "long.conf"), KG_CONF_ERROR);

    kg_test_assert_logged("line too long (max 65536 bytes) in %s:1",
                          kg_test_path(t->dir, "long.conf"));
}


static void
test_conf_read_token_invalid_byte(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "t_num 1;\nt_str a\001;\n"),
                     KG_CONF_ERROR);

    kg_test_assert_logged("invalid byte 0x01 in %s:2",
                          kg_test_path(t->dir, "main.conf"));

    kg_test_write(t->dir, "main.conf", "t_str \"a\0b\";\n", 13);

    assert_ptr_equal(test_parse(t, "main.conf"), KG_CONF_ERROR);

    kg_test_assert_logged("invalid byte 0x00 in %s:1",
                          kg_test_path(t->dir, "main.conf"));

    assert_ptr_equal(test_parse_str(t, "t_str\x7f a;\n"), KG_CONF_ERROR);

    kg_test_assert_logged("invalid byte 0x7f in %s:1",
                          kg_test_path(t->dir, "main.conf"));

    assert_ptr_equal(test_parse_str(t, "\x1b[31mt_str a;\n"), KG_CONF_ERROR);

    kg_test_assert_logged("invalid byte 0x1b in %s:1",
                          kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_read_token_control_in_quotes_and_comments(void **state)
{
    test_ctx_t   *t = *state;
    test_conf_t  *tcf;

    assert_ptr_equal(test_parse_str(t, "# bell \007 in a comment\n"
                                       "t_str \"a\001b\";\n"),
                     KG_CONF_OK);

    tcf = test_get_conf(t);

    assert_int_equal(tcf->str.len, 3);
    assert_memory_equal(tcf->str.data, "a\001b", 3);
}


static void
test_conf_read_token_garbage(void **state)
{
    test_ctx_t  *t = *state;
    char         data[4096];
    kg_uint_t    i, n;
    unsigned     seed;

    seed = 12345;

    for (n = 0; n < 200; n++) {

        for (i = 0; i < sizeof(data); i++) {
            seed = seed * 1103515245 + 12345;
            data[i] = (char) (seed >> 16);
        }

        kg_test_write(t->dir, "main.conf", data, sizeof(data));

        kg_test_log_len = 0;

        assert_ptr_equal(test_parse(t, "main.conf"), KG_CONF_ERROR);
        assert_true(kg_test_log_len > 0);
    }

    /* printable garbage fails on the first unknown word, not later */

    assert_ptr_equal(test_parse_str(t, "}{;;'\"\\\n"), KG_CONF_ERROR);
    assert_int_equal(t->conf.depth, 0);
}


static void
test_conf_read_token_quotes_and_escapes(void **state)
{
    test_ctx_t   *t = *state;
    kg_str_t     *a;
    test_conf_t  *tcf;

    assert_ptr_equal(test_parse_str(t,
                         "# a comment\n"
                         "t_args \"a b\" 'c d' \"q\\\"x\" 'q\\'y'"
                         " \"t\\tn\\nr\\r\\\\\" plain#not_comment"
                         " \"{;}\" ''   # trailing\n"
                         "   ;\n"),
                     KG_CONF_OK);

    tcf = test_get_conf(t);

    assert_non_null(tcf->args);
    assert_int_equal(tcf->args->nelts, 8);

    a = tcf->args->elts;

    assert_string_equal(a[0].data, "a b");
    assert_string_equal(a[1].data, "c d");
    assert_string_equal(a[2].data, "q\"x");
    assert_string_equal(a[3].data, "q'y");
    assert_string_equal(a[4].data, "t\tn\nr\r\\");
    assert_int_equal(a[4].len, 7);
    assert_string_equal(a[5].data, "plain#not_comment");
    assert_string_equal(a[6].data, "{;}");
    assert_int_equal(a[7].len, 0);
}


static void
test_conf_set_slots_values(void **state)
{
    test_ctx_t   *t = *state;
    kg_str_t     *s;
    kg_keyval_t  *kv;
    test_conf_t  *tcf;

    assert_ptr_equal(test_parse_str(t,
                         "t_flag ON;\n"
                         "t_num 42;\n"
                         "t_size 16k;\n"
                         "t_off 2g;\n"
                         "t_msec 1500ms;\n"
                         "t_sec 2h;\n"
                         "t_enum two;\n"
                         "t_mask a c;\n"
                         "t_list x;\n"
                         "t_list y;\n"
                         "t_two key value;\n"),
                     KG_CONF_OK);

    tcf = test_get_conf(t);

    assert_int_equal(tcf->flag, 1);
    assert_int_equal(tcf->num, 42);
    assert_int_equal(tcf->size, 16 * 1024);
    assert_true(tcf->off == (off_t) 2 * 1024 * 1024 * 1024);
    assert_int_equal(tcf->msec, 1500);
    assert_int_equal(tcf->sec, 7200);
    assert_int_equal(tcf->enm, 2);
    assert_int_equal(tcf->mask, 0x05);

    assert_int_equal(tcf->str_array->nelts, 2);
    s = tcf->str_array->elts;
    assert_string_equal(s[0].data, "x");
    assert_string_equal(s[1].data, "y");

    assert_int_equal(tcf->keyval->nelts, 1);
    kv = tcf->keyval->elts;
    assert_string_equal(kv[0].key.data, "key");
    assert_string_equal(kv[0].value.data, "value");
}


static void
test_conf_set_slots_invalid(void **state)
{
    test_ctx_t  *t = *state;
    char        *main_conf;

    main_conf = kg_test_path(t->dir, "main.conf");

    assert_ptr_equal(test_parse_str(t, "t_flag maybe;\n"), KG_CONF_ERROR);
    kg_test_assert_logged("invalid value \"maybe\" in \"t_flag\" directive,"
                          " it must be \"on\" or \"off\" in %s:1", main_conf);

    assert_ptr_equal(test_parse_str(t, "t_num 12x;\n"), KG_CONF_ERROR);
    kg_test_assert_logged("\"t_num\" directive invalid number in %s:1",
                          main_conf);

    assert_ptr_equal(test_parse_str(t, "t_size 1q;\n"), KG_CONF_ERROR);
    kg_test_assert_logged("\"t_size\" directive invalid value in %s:1",
                          main_conf);

    assert_ptr_equal(test_parse_str(t, "t_off -1;\n"), KG_CONF_ERROR);
    kg_test_assert_logged("\"t_off\" directive invalid value in %s:1",
                          main_conf);

    assert_ptr_equal(test_parse_str(t, "t_msec soon;\n"), KG_CONF_ERROR);
    kg_test_assert_logged("\"t_msec\" directive invalid value in %s:1",
                          main_conf);

    assert_ptr_equal(test_parse_str(t, "t_sec 1x;\n"), KG_CONF_ERROR);
    kg_test_assert_logged("\"t_sec\" directive invalid value in %s:1",
                          main_conf);

    assert_ptr_equal(test_parse_str(t, "t_enum three;\n"), KG_CONF_ERROR);
    kg_test_assert_logged("invalid value \"three\" in %s:1", main_conf);

    assert_ptr_equal(test_parse_str(t, "t_mask a z;\n"), KG_CONF_ERROR);
    kg_test_assert_logged("invalid value \"z\" in %s:1", main_conf);
}


static void
test_conf_full_name_prefixes(void **state)
{
    test_ctx_t  *t = *state;
    kg_str_t     name;
    char         want[PATH_MAX];

    kg_str_set(&name, "conf/x.conf");

    assert_int_equal(kg_conf_full_name(t->cycle, &name, 1), KG_OK);

    snprintf(want, sizeof(want), "%s/conf/x.conf", t->dir);

    assert_int_equal(name.len, strlen(want));
    assert_string_equal(name.data, want);

    kg_str_set(&name, "/etc/kgate.conf");

    assert_int_equal(kg_conf_full_name(t->cycle, &name, 0), KG_OK);
    assert_string_equal(name.data, "/etc/kgate.conf");
}


static void
test_conf_open_file_shared_and_stderr(void **state)
{
    test_ctx_t      *t = *state;
    kg_str_t         name;
    kg_open_file_t  *f1, *f2, *f3;

    kg_str_set(&name, "logs/a.log");

    f1 = kg_conf_open_file(t->cycle, &name);
    assert_non_null(f1);
    assert_int_equal(f1->fd, KG_INVALID_FILE);

    f2 = kg_conf_open_file(t->cycle, &name);
    assert_ptr_equal(f1, f2);

    kg_str_set(&name, "stderr");

    f3 = kg_conf_open_file(t->cycle, &name);
    assert_non_null(f3);
    assert_int_equal(f3->fd, kg_stderr);
    assert_int_equal(f3->name.len, 0);
}


static void
test_conf_check_num_bounds_range(void **state)
{
    test_ctx_t            *t = *state;
    kg_int_t               n;
    kg_conf_num_bounds_t   b = { kg_conf_check_num_bounds, 1, 10 };

    n = 5;
    assert_ptr_equal(kg_conf_check_num_bounds(&t->conf, &b, &n), KG_CONF_OK);

    n = 11;
    assert_ptr_equal(kg_conf_check_num_bounds(&t->conf, &b, &n),
                     KG_CONF_ERROR);

    kg_test_assert_logged("value must be between 1 and 10");
}


static void
test_core_module_directives(void **state)
{
    test_ctx_t        *t = *state;
    kg_core_conf_t    *ccf;
    kg_core_module_t  *module;
    char               want[PATH_MAX];

    assert_ptr_equal(test_parse_str(t,
                         "worker_processes 3;\n"
                         "daemon off;\n"
                         "master_process off;\n"
                         "pid run/kgate.pid;\n"
                         "worker_shutdown_timeout 10s;\n"
                         "worker_rlimit_nofile 4096;\n"),
                     KG_CONF_OK);

    ccf = (kg_core_conf_t *) kg_get_conf(t->cycle->conf_ctx, kg_core_module);
    module = kg_core_module.ctx;

    assert_ptr_equal(module->init_conf(t->cycle, ccf), KG_CONF_OK);

    assert_int_equal(ccf->worker_processes, 3);
    assert_int_equal(ccf->daemon, 0);
    assert_int_equal(ccf->master, 0);
    assert_int_equal(ccf->shutdown_timeout, 10000);
    assert_int_equal(ccf->rlimit_nofile, 4096);

    snprintf(want, sizeof(want), "%s/run/kgate.pid", t->dir);
    assert_string_equal(ccf->pid.data, want);
    assert_int_equal(ccf->pid.len, strlen(want));

    snprintf(want, sizeof(want), "%s/run/kgate.pid.oldbin", t->dir);
    assert_string_equal(ccf->oldpid.data, want);
    assert_int_equal(ccf->oldpid.len, strlen(want));
}


static void
test_core_module_worker_processes_invalid(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_parse_str(t, "worker_processes none;\n"),
                     KG_CONF_ERROR);

    kg_test_assert_logged("\"worker_processes\" directive invalid value"
                          " in %s:1", kg_test_path(t->dir, "main.conf"));
}


static void
test_core_module_worker_processes_auto(void **state)
{
    test_ctx_t      *t = *state;
    kg_core_conf_t  *ccf;

    assert_ptr_equal(test_parse_str(t, "worker_processes auto;\n"),
                     KG_CONF_OK);

    ccf = (kg_core_conf_t *) kg_get_conf(t->cycle->conf_ctx, kg_core_module);

    assert_true(ccf->worker_processes >= 1);
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
        cmocka_unit_test_setup_teardown(test_conf_handler_unknown_directive,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_handler_not_allowed_here,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_handler_invalid_number_of_arguments,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_set_str_slot_duplicate,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_handler_not_terminated,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_handler_no_opening_brace,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_parse_unexpected_close_brace,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_read_token_unexpected_open_brace,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_read_token_eof_in_directive,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_parse_eof_in_block,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_read_token_unterminated_quote,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_read_token_no_space_after_quote,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_param_unexpected_end,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_param_sets_directives,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_parse_open_failed,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_include_loop,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_include_nesting_too_deep,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_include_glob_two_files,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_include_unreadable,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_parse_block_nesting_too_deep,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_read_token_line_too_long,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_read_token_invalid_byte,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_read_token_control_in_quotes_and_comments,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_read_token_garbage,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_read_token_quotes_and_escapes,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_set_slots_values,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_set_slots_invalid,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_full_name_prefixes,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_open_file_shared_and_stderr,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_check_num_bounds_range,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_core_module_directives,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_core_module_worker_processes_invalid,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_core_module_worker_processes_auto,
            test_setup, test_teardown),
    };

    return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
