/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_conf_yaml.h>

#include <setjmp.h>
#include <cmocka.h>

#include <kg_test_log.h>
#include <kg_test_cycle.h>


/*
 * The translation is checked twice: as text, and parsed by the directive
 * parser through "include_yaml" with a test module whose "cluster" and
 * "route" blocks accept the directives the translation emits and record
 * each of them with the line the parser saw it at.  The modules that
 * define the real blocks are taken out of the test cycle.
 */


#define TEST_REC_SIZE       65536
#define TEST_YAML_CONF      0x02000000


typedef struct {
    kg_pool_t           *pool;
    kg_cycle_t          *cycle;
    kg_conf_t            conf;
    char                 dir[1024];
} test_ctx_t;


static char *test_block(kg_conf_t *cf, kg_command_t *cmd, void *conf);
static char *test_record(kg_conf_t *cf, kg_command_t *cmd, void *conf);


#define TEST_DIRECTIVE(name)                                                 \
    { kg_string(name),                                                       \
      TEST_YAML_CONF|KG_DIRECT_CONF|KG_CONF_1MORE,                           \
      test_record, 0, 0, NULL }

static kg_command_t  test_commands[] = {

    { kg_string("cluster"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_BLOCK|KG_CONF_TAKE1,
      test_block, 0, 0, NULL },

    { kg_string("route"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_BLOCK|KG_CONF_TAKE1,
      test_block, 0, 0, NULL },

    TEST_DIRECTIVE("bootstrap"),
    TEST_DIRECTIVE("tls"),
    TEST_DIRECTIVE("tls_verify"),
    TEST_DIRECTIVE("tls_trusted_certificate"),
    TEST_DIRECTIVE("tls_certificate"),
    TEST_DIRECTIVE("tls_certificate_key"),
    TEST_DIRECTIVE("listen"),
    TEST_DIRECTIVE("advertise"),
    TEST_DIRECTIVE("broker_ports"),
    TEST_DIRECTIVE("sni"),
    TEST_DIRECTIVE("cluster"),

      kg_null_command
};


static kg_core_module_t  test_module_ctx = {
    kg_string("test_yaml"),
    NULL,
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


static u_char          test_rec_buf[TEST_REC_SIZE];
static size_t          test_rec_len;


/* the Confluent Gateway client-switchover example, as a gateway file */

static const char  test_switchover[] =
    "gateway:\n"                                              /*  1 */
    "  admin:\n"
    "    endpoints:\n"
    "      metrics: true\n"
    "  streamingDomains:\n"                                   /*  5 */
    "    - name: kafka1-domain\n"
    "      type: kafka\n"
    "      kafkaCluster:\n"
    "        name: kafka-cluster-1\n"
    "        nodeIdRanges:\n"                                 /* 10 */
    "          - name: d\n"
    "            start: 1\n"
    "            end: 5\n"
    "        bootstrapServers:\n"
    "          - id: internal-kafka1-listener\n"              /* 15 */
    "            endpoint: \"kafka-1:44444\"\n"
    "    - name: kafka2-domain\n"
    "      type: kafka\n"
    "      kafkaCluster:\n"
    "        name: kafka-cluster-2\n"                         /* 20 */
    "        nodeIdRanges:\n"
    "          - name: d\n"
    "            start: 1\n"
    "            end: 5\n"
    "        bootstrapServers:\n"                             /* 25 */
    "          - id: internal-kafka2-listener\n"
    "            endpoint: \"kafka-2:22222\"\n"
    "  routes:\n"
    "    - name: switchover-route\n"
    "      endpoint: \"host.docker.internal:19092\"\n"        /* 30 */
    "      brokerIdentificationStrategy:\n"
    "        type: port\n"
    "      streamingDomain:\n"
    "        name: kafka1-domain\n"
    "        bootstrapServerId: internal-kafka1-listener\n"   /* 35 */
    "      security:\n"
    "        auth: passthrough\n"
    "    - name: dr-route\n"
    "      endpoint: \"gw.example.com:29092\"\n"
    "      brokerIdentificationStrategy:\n"                   /* 40 */
    "        type: port\n"
    "      streamingDomain:\n"
    "        name: kafka2-domain\n";


static char *
test_block(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char       *rv;
    kg_str_t   *value;
    kg_conf_t   pcf;

    value = cf->args->elts;

    test_rec_len = kg_snprintf(test_rec_buf + test_rec_len,
                               TEST_REC_SIZE - 1 - test_rec_len,
                               "%V %V { @%ui\n", &value[0], &value[1],
                               cf->conf_file->line)
                   - test_rec_buf;

    pcf = *cf;
    cf->cmd_type = TEST_YAML_CONF;

    rv = kg_conf_parse(cf, NULL);

    *cf = pcf;

    test_rec_len = kg_snprintf(test_rec_buf + test_rec_len,
                               TEST_REC_SIZE - 1 - test_rec_len, "}\n")
                   - test_rec_buf;
    test_rec_buf[test_rec_len] = '\0';

    return rv;
}


/* records "name arg... @line"; an argument "reject.example" is refused */

static char *
test_record(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    u_char     *p, *last;
    kg_str_t   *value;
    kg_uint_t   i;

    value = cf->args->elts;

    p = test_rec_buf + test_rec_len;
    last = test_rec_buf + TEST_REC_SIZE - 1;

    for (i = 0; i < cf->args->nelts; i++) {
        if (kg_strcmp(value[i].data, "reject.example") == 0) {
            return "is refused";
        }

        p = kg_slprintf(p, last, "%s%V", i ? " " : "", &value[i]);
    }

    p = kg_slprintf(p, last, " @%ui\n", cf->conf_file->line);

    test_rec_len = p - test_rec_buf;
    test_rec_buf[test_rec_len] = '\0';

    return KG_CONF_OK;
}


static void
test_assert_recorded(const char *want)
{
    if (strstr((char *) test_rec_buf, want) == NULL) {
        print_error("expected \"%s\" in the directives:\n%s\n",
                    want, test_rec_buf);
        fail();
    }
}


/* parses "include_yaml gw.yaml;" after the YAML was written */

static char *
test_include(test_ctx_t *t, const char *yaml)
{
    kg_str_t  file;

    kg_test_write(t->dir, "gw.yaml", yaml, strlen(yaml));
    kg_test_write(t->dir, "main.conf", "\ninclude_yaml gw.yaml;\n",
                  sizeof("\ninclude_yaml gw.yaml;\n") - 1);

    file.len = strlen(t->dir) + sizeof("/main.conf") - 1;
    file.data = kg_pnalloc(t->pool, file.len + 1);
    assert_non_null(file.data);

    snprintf((char *) file.data, file.len + 1, "%s/main.conf", t->dir);

    return kg_conf_parse(&t->conf, &file);
}


static kg_int_t
test_translate(test_ctx_t *t, kg_conf_yaml_t *cy, const char *yaml,
    size_t len)
{
    kg_memzero(cy, sizeof(kg_conf_yaml_t));

    cy->pool = t->pool;
    kg_str_set(&cy->name, "gw.yaml");

    return kg_conf_yaml_translate(cy, (u_char *) yaml, len);
}


static void
test_assert_error(test_ctx_t *t, const char *yaml, const char *want)
{
    kg_conf_yaml_t  cy;

    assert_int_equal(test_translate(t, &cy, yaml, strlen(yaml)), KG_ERROR);

    if (cy.error.len != strlen(want)
        || kg_strncmp(cy.error.data, want, cy.error.len) != 0)
    {
        print_error("expected error \"%s\", got \"%.*s\"\n", want,
                    (int) cy.error.len, cy.error.data);
        fail();
    }
}


/* the directives on line "n" of the translation */

static void
test_assert_line(kg_conf_yaml_t *cy, kg_uint_t n, const char *want)
{
    u_char     *p, *last, *eol;
    kg_uint_t   line;

    p = cy->text.data;
    last = p + cy->text.len;

    for (line = 1; line < n && p < last; line++) {
        p = kg_strlchr(p, last, LF);
        assert_non_null(p);
        p++;
    }

    eol = kg_strlchr(p, last, LF);
    if (eol == NULL) {
        eol = last;
    }

    if ((size_t) (eol - p) != strlen(want)
        || kg_strncmp(p, want, eol - p) != 0)
    {
        print_error("line %lu: expected \"%s\", got \"%.*s\"\n",
                    (unsigned long) n, want, (int) (eol - p), p);
        fail();
    }
}


static int
test_setup(void **state)
{
    kg_uint_t      i, j, n;
    test_ctx_t    *t;
    kg_cycle_t    *cycle;
    kg_module_t   *m;
    kg_command_t  *cmd;

    t = calloc(1, sizeof(test_ctx_t));
    if (t == NULL) {
        return -1;
    }

    if (kg_test_mkdtemp(t->dir, sizeof(t->dir), "yaml") != KG_OK) {
        free(t);
        return -1;
    }

    kg_test_log_capture();

    test_rec_len = 0;
    test_rec_buf[0] = '\0';

    kg_dump_config = 0;

    cycle = kg_test_cycle_create(&kg_test_log, t->dir);
    if (cycle == NULL) {
        return -1;
    }

    t->pool = cycle->pool;
    kg_cycle = cycle;

    /* the modules of the real "cluster" and "route" blocks are left out */

    for (i = 0, n = 0; cycle->modules[i]; i++) {
        m = cycle->modules[i];

        for (cmd = m->commands, j = 0; cmd && cmd->name.len; cmd++) {
            if (kg_strcmp(cmd->name.data, "cluster") == 0
                || kg_strcmp(cmd->name.data, "route") == 0)
            {
                j = 1;
            }
        }

        if (j == 0) {
            cycle->modules[n++] = m;
        }
    }

    cycle->modules[n] = NULL;
    cycle->modules_n = n;

    t->cycle = cycle;

    if (kg_test_conf_init(&t->conf, cycle) != KG_OK) {
        return -1;
    }

    test_module.index = KG_MODULE_UNSET_INDEX;
    test_module.name = "kg_test_yaml_module";

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
test_conf_yaml_translate_switchover(void **state)
{
    test_ctx_t      *t = *state;
    kg_conf_yaml_t   cy;

    assert_int_equal(test_translate(t, &cy, test_switchover,
                                    sizeof(test_switchover) - 1),
                     KG_OK);

    test_assert_line(&cy, 1, "");
    test_assert_line(&cy, 6, "cluster kafka1-domain { ");
    test_assert_line(&cy, 16, "bootstrap kafka-1:44444; } ");
    test_assert_line(&cy, 17, "cluster kafka2-domain { ");
    test_assert_line(&cy, 27, "bootstrap kafka-2:22222; } ");
    test_assert_line(&cy, 29, "route switchover-route { ");
    test_assert_line(&cy, 30, "listen 0.0.0.0:19092; "
                              "advertise host.docker.internal; ");
    test_assert_line(&cy, 32, "broker_ports 19093-19097 node_id_base=1; ");
    test_assert_line(&cy, 34, "cluster kafka1-domain; } ");
    test_assert_line(&cy, 38, "route dr-route { ");
    test_assert_line(&cy, 39, "listen 0.0.0.0:29092; "
                              "advertise gw.example.com; ");
    test_assert_line(&cy, 41, "broker_ports 29093-29097 node_id_base=1; ");
    test_assert_line(&cy, 43, "cluster kafka2-domain; } ");
}


static void
test_conf_include_yaml_switchover(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_include(t, test_switchover), KG_CONF_OK);

    assert_string_equal((char *) test_rec_buf,
        "cluster kafka1-domain { @6\n"
        "bootstrap kafka-1:44444 @16\n"
        "}\n"
        "cluster kafka2-domain { @17\n"
        "bootstrap kafka-2:22222 @27\n"
        "}\n"
        "route switchover-route { @29\n"
        "listen 0.0.0.0:19092 @30\n"
        "advertise host.docker.internal @30\n"
        "broker_ports 19093-19097 node_id_base=1 @32\n"
        "cluster kafka1-domain @34\n"
        "}\n"
        "route dr-route { @38\n"
        "listen 0.0.0.0:29092 @39\n"
        "advertise gw.example.com @39\n"
        "broker_ports 29093-29097 node_id_base=1 @41\n"
        "cluster kafka2-domain @43\n"
        "}\n");
}


/* a directive refused by its module is reported at the YAML's line */

static void
test_conf_include_yaml_directive_error_line(void **state)
{
    test_ctx_t  *t = *state;

    assert_ptr_equal(test_include(t,
                         "gateway:\n"
                         "  streamingDomains:\n"
                         "    - name: a\n"
                         "      kafkaCluster:\n"
                         "        bootstrapServers:\n"
                         "          - id: x\n"
                         "            endpoint: k:9092\n"
                         "        nodeIdRanges: [ { start: 0, end: 2 } ]\n"
                         "  routes:\n"
                         "    - name: r\n"
                         "      streamingDomain: { name: a }\n"
                         "      brokerIdentificationStrategy:\n"
                         "        type: port\n"
                         "\n"
                         "      endpoint: reject.example:9092\n"),
                     KG_CONF_ERROR);

    kg_test_assert_logged("\"advertise\" directive is refused in %s:15",
                          kg_test_path(t->dir, "gw.yaml"));
}


static void
test_conf_include_yaml_missing_file(void **state)
{
    test_ctx_t  *t = *state;
    kg_str_t     file;
    char         missing[PATH_MAX];

    snprintf(missing, sizeof(missing), "%s", kg_test_path(t->dir, "none.yaml"));

    kg_test_write(t->dir, "main.conf", "include_yaml none.yaml;\n",
                  sizeof("include_yaml none.yaml;\n") - 1);

    file.len = strlen(t->dir) + sizeof("/main.conf") - 1;
    file.data = kg_pnalloc(t->pool, file.len + 1);
    assert_non_null(file.data);

    snprintf((char *) file.data, file.len + 1, "%s/main.conf", t->dir);

    assert_ptr_equal(kg_conf_parse(&t->conf, &file), KG_CONF_ERROR);

    kg_test_assert_logged("open() \"%s\" failed (2: No such file or directory)"
                          " in %s:1", missing,
                          kg_test_path(t->dir, "main.conf"));
}


static void
test_conf_yaml_translate_unsupported_key(void **state)
{
    test_ctx_t  *t = *state;

    test_assert_error(t,
        "gateway:\n"
        "  routes:\n"
        "    - name: r\n"
        "      security:\n"
        "        swapConfig:\n"
        "          secretStore: kms1\n",
        "unsupported key \"gateway.routes[0].security.swapConfig\" "
        "in gw.yaml:5:9");

    test_assert_error(t,
        "gateway:\n"
        "  secretStores:\n"
        "    - name: kms1\n",
        "unsupported key \"gateway.secretStores\" in gw.yaml:2:3");

    test_assert_error(t,
        "gateway:\n"
        "  routes:\n"
        "    - name: r\n"
        "      security:\n"
        "        auth: swap\n",
        "unsupported value \"swap\" of \"gateway.routes[0].security.auth\" "
        "in gw.yaml:5:15");

    test_assert_error(t,
        "gateway:\n"
        "  streamingDomains:\n"
        "    - name: a\n"
        "      kafkaCluster:\n"
        "        bootstrapServers:\n"
        "          - id: x\n"
        "            endpoint: k:9093\n"
        "            ssl:\n"
        "              truststore:\n"
        "                type: JKS\n"
        "                location: /t.jks\n",
        "unsupported value \"JKS\" of \"gateway.streamingDomains[0]."
        "kafkaCluster.bootstrapServers[0].ssl.truststore.type\" "
        "in gw.yaml:10:23");

    test_assert_error(t,
        "services:\n"
        "  gateway:\n"
        "    image: x\n",
        "no \"gateway\" key and no service with GATEWAY_CONFIG in its "
        "\"environment\"; a GATEWAY_CONFIG_FILE must be included itself "
        "in gw.yaml:2:3");

    /* keys that configure nothing are accepted */

    test_assert_error(t,
        "gateway:\n"
        "  secretStores: []\n"
        "  advanced: {}\n"
        "  routes:\n"
        "    - name: r\n"
        "      endpoint: gw:1\n"
        "      brokerIdentificationStrategy: { type: port }\n"
        "      streamingDomain: { name: nope }\n",
        "unknown streaming domain \"nope\" in route \"r\" in gw.yaml:8:32");
}


static void
test_conf_yaml_translate_invalid_values(void **state)
{
    test_ctx_t  *t = *state;

    test_assert_error(t,
        "gateway:\n"
        "  routes:\n"
        "    - name: r\n"
        "      endpoint: gw.example.com\n",
        "invalid endpoint \"gw.example.com\", it must be \"host:port\" "
        "in gw.yaml:4:17");

    test_assert_error(t,
        "gateway:\n"
        "  routes:\n"
        "    - name: r\n"
        "      name: s\n",
        "duplicate key \"gateway.routes[0].name\" in gw.yaml:4:7");

    test_assert_error(t,
        "gateway:\n"
        "  routes:\n"
        "    - name: \"a\\tb\"\n",
        "invalid character in \"gateway.routes[0].name\" in gw.yaml:3:13");

    test_assert_error(t,
        "gateway:\n"
        "  routes: 5\n",
        "\"gateway.routes\" must be a sequence in gw.yaml:2:11");

    test_assert_error(t,
        "gateway:\n"
        "  routes:\n"
        "    - name: r\n"
        "      endpoint: gw:9092\n"
        "      streamingDomain: { name: a }\n",
        "no \"brokerIdentificationStrategy.type\" in "
        "\"gateway.routes[0]\" in gw.yaml:3:7");

    test_assert_error(t,
        "gateway:\n"
        "  streamingDomains:\n"
        "    - name: a\n"
        "      kafkaCluster:\n"
        "        bootstrapServers: [ { id: x, endpoint: 'k:1' } ]\n"
        "  routes:\n"
        "    - name: r\n"
        "      endpoint: gw:9092\n"
        "      streamingDomain: { name: a }\n"
        "      brokerIdentificationStrategy: { type: port }\n",
        "the \"port\" strategy of route \"r\" needs \"nodeIdRanges\" in "
        "streaming domain \"a\" in gw.yaml:10:45");

    test_assert_error(t,
        "- a\n",
        "the YAML document must be a mapping in gw.yaml:1:1");
}


static void
test_conf_yaml_translate_syntax_error(void **state)
{
    test_ctx_t  *t = *state;

    test_assert_error(t,
        "gateway:\n"
        "  routes: [\n",
        "YAML syntax error: did not find expected node content while "
        "parsing a flow node in gw.yaml:3:1");

    test_assert_error(t,
        "gateway:\n"
        "  name: a\n"
        " bad: b\n",
        "YAML syntax error: did not find expected key while parsing a "
        "block mapping in gw.yaml:3:2");

    test_assert_error(t,
        "gateway: *nowhere\n",
        "YAML syntax error: found undefined alias in gw.yaml:1:10");

    test_assert_error(t,
        "gateway: {}\n"
        "---\n"
        "gateway: {}\n",
        "more than one YAML document in gw.yaml:3:1");
}


static void
test_conf_yaml_translate_empty(void **state)
{
    test_ctx_t      *t = *state;
    kg_conf_yaml_t   cy;

    test_assert_error(t, "", "empty YAML document in gw.yaml");
    test_assert_error(t, "# nothing\n\n", "empty YAML document in gw.yaml");

    /* a gateway with nothing to translate is valid */

    assert_int_equal(test_translate(t, &cy, "gateway:\n", 9), KG_OK);
    assert_int_equal(cy.text.len, 0);

    assert_int_equal(test_translate(t, &cy, "gateway: {}\n", 12), KG_OK);
    assert_int_equal(cy.text.len, 0);
}


static void
test_conf_yaml_translate_huge(void **state)
{
    test_ctx_t      *t = *state;
    char            *big, *p;
    size_t           size;
    kg_uint_t        i;
    kg_conf_yaml_t   cy;

    size = KG_CONF_YAML_MAX_SIZE + 1;

    big = malloc(size);
    assert_non_null(big);
    memset(big, '#', size);

    assert_int_equal(test_translate(t, &cy, big, size), KG_ERROR);
    assert_non_null(kg_strnstr(cy.error.data, "YAML file is too large",
                               cy.error.len));

    /* the most routes allowed translate; one more is refused */

    p = big;
    p += sprintf(p, "gateway:\n  streamingDomains:\n"
                    "    - name: d\n      kafkaCluster:\n"
                    "        bootstrapServers: [ { id: x, endpoint: k:1 } ]\n"
                    "        nodeIdRanges: [ { start: 0, end: 2 } ]\n"
                    "  routes:\n");

    for (i = 0; i < KG_CONF_YAML_MAX_ITEMS; i++) {
        p += sprintf(p, "    - { name: r%lu, endpoint: 'gw:%lu', "
                        "streamingDomain: { name: d }, "
                        "brokerIdentificationStrategy: { type: port } }\n",
                     (unsigned long) i, (unsigned long) (10000 + i * 4));
    }

    assert_int_equal(test_translate(t, &cy, big, p - big), KG_OK);
    test_assert_line(&cy, 8 + KG_CONF_YAML_MAX_ITEMS - 1,
                     "route r1023 { listen 0.0.0.0:14092; advertise gw; "
                     "cluster d; broker_ports 14093-14095 node_id_base=0; } ");

    p += sprintf(p, "    - { name: extra }\n");

    assert_int_equal(test_translate(t, &cy, big, p - big), KG_ERROR);
    assert_non_null(kg_strnstr(cy.error.data, "too many items in "
                               "\"gateway.routes\"", cy.error.len));

    free(big);
}


static void
test_conf_yaml_translate_aliases(void **state)
{
    test_ctx_t      *t = *state;
    char            *bomb, *p;
    kg_uint_t        i, j;
    kg_conf_yaml_t   cy;

    /* an anchored TLS setting shared by two servers is followed twice */

    assert_int_equal(test_translate(t, &cy,
        "gateway:\n"
        "  streamingDomains:\n"
        "    - name: a\n"
        "      kafkaCluster:\n"
        "        bootstrapServers:\n"
        "          - id: x\n"
        "            endpoint: k1:9093\n"
        "            ssl: &tls\n"
        "              truststore: { type: PEM, location: /ca.pem }\n"
        "          - id: y\n"
        "            endpoint: k2:9093\n"
        "            ssl: *tls\n",
        sizeof("gateway:\n  streamingDomains:\n    - name: a\n"
               "      kafkaCluster:\n        bootstrapServers:\n"
               "          - id: x\n            endpoint: k1:9093\n"
               "            ssl: &tls\n"
               "              truststore: { type: PEM, location: /ca.pem }\n"
               "          - id: y\n            endpoint: k2:9093\n"
               "            ssl: *tls\n") - 1),
        KG_OK);

    test_assert_line(&cy, 6, "cluster a.x { ");
    test_assert_line(&cy, 8, "tls on; ");
    test_assert_line(&cy, 9, "tls_trusted_certificate /ca.pem; } ");

    /* the alias points above its block: the block's line is used */

    test_assert_line(&cy, 10, "cluster a.y { tls on; "
                              "tls_trusted_certificate /ca.pem; ");
    test_assert_line(&cy, 11, "bootstrap k2:9093; } ");

    /* "billion laughs": ten levels of ten aliases each */

    bomb = malloc(8192);
    assert_non_null(bomb);

    p = bomb;
    p += sprintf(p, "gateway:\n  name: [ &l0 { name: r, endpoint: 'g:1' }");

    for (i = 1; i < 10; i++) {
        p += sprintf(p, ", &l%lu [", (unsigned long) i);

        for (j = 0; j < 10; j++) {
            p += sprintf(p, "%s*l%lu", j ? ", " : "", (unsigned long) i - 1);
        }

        p += sprintf(p, "]");
    }

    p += sprintf(p, " ]\n  routes: *l1\n  streamingDomains: *l9\n");

    assert_int_equal(test_translate(t, &cy, bomb, p - bomb), KG_ERROR);

    /* the first copy of the route is walked, and found incomplete */

    assert_non_null(kg_strnstr(cy.error.data, "no \"brokerIdentification"
                               "Strategy.type\" in \"gateway.routes[0]\"",
                               cy.error.len));

    /* anchors in a value that is never walked cost nothing */

    p = bomb;
    p += sprintf(p, "gateway:\n  name: [ &l0 [ a, b, c, d, e, f, g, h, i, j ]");

    for (i = 1; i < 10; i++) {
        p += sprintf(p, ", &l%lu [", (unsigned long) i);

        for (j = 0; j < 10; j++) {
            p += sprintf(p, "%s*l%lu", j ? ", " : "", (unsigned long) i - 1);
        }

        p += sprintf(p, "]");
    }

    p += sprintf(p, " ]\n  admin: { endpoints: { metrics: *l9 } }\n");

    assert_int_equal(test_translate(t, &cy, bomb, p - bomb), KG_ERROR);
    assert_non_null(kg_strnstr(cy.error.data, "\"gateway.admin.endpoints."
                               "metrics\" must be a string", cy.error.len));

    p = bomb + sprintf(bomb, "gateway: &g\n  routes:\n    - *g\n");

    assert_int_equal(test_translate(t, &cy, bomb, p - bomb), KG_ERROR);
    assert_non_null(kg_strnstr(cy.error.data, "unsupported key "
                               "\"gateway.routes[0].routes\"",
                               cy.error.len));

    /* a recursive alias inside a sequence of sequences */

    p = bomb + sprintf(bomb, "gateway:\n  streamingDomains:\n"
                             "    - name: a\n      kafkaCluster:\n"
                             "        nodeIdRanges: &n [ *n ]\n");

    assert_int_equal(test_translate(t, &cy, bomb, p - bomb), KG_ERROR);

    free(bomb);
}


static void
test_conf_yaml_translate_budget(void **state)
{
    test_ctx_t      *t = *state;
    char            *bomb, *p;
    kg_uint_t        i;
    kg_conf_yaml_t   cy;

    /*
     * Domains of different names share one aliased cluster of 1000
     * servers: each is valid, but every visit is counted.
     */

    bomb = malloc(65536);
    assert_non_null(bomb);

    p = bomb;
    p += sprintf(p, "gateway:\n  streamingDomains:\n"
                    "    - name: d0\n      kafkaCluster: &c\n"
                    "        bootstrapServers: [");

    for (i = 0; i < 1000; i++) {
        p += sprintf(p, "%s{ id: a%lu, endpoint: 'k:1' }", i ? "," : "",
                     (unsigned long) i);
    }

    p += sprintf(p, "]\n");

    for (i = 1; i < 100; i++) {
        p += sprintf(p, "    - { name: d%lu, kafkaCluster: *c }\n",
                     (unsigned long) i);
    }

    assert_int_equal(test_translate(t, &cy, bomb, p - bomb), KG_ERROR);
    assert_non_null(kg_strnstr(cy.error.data, "YAML document is too "
                               "complex", cy.error.len));

    /* Compose services that all alias one big mapping */

    p = bomb;
    p += sprintf(p, "x: &b {");

    for (i = 0; i < 1000; i++) {
        p += sprintf(p, "%sk%lu: 0", i ? ", " : " ", (unsigned long) i);
    }

    p += sprintf(p, " }\nservices:\n");

    for (i = 0; i < 200; i++) {
        p += sprintf(p, "  s%lu: *b\n", (unsigned long) i);
    }

    assert_int_equal(test_translate(t, &cy, bomb, p - bomb), KG_ERROR);
    assert_non_null(kg_strnstr(cy.error.data, "YAML document is too "
                               "complex", cy.error.len));

    free(bomb);
}


static void
test_conf_yaml_translate_host_strategy(void **state)
{
    test_ctx_t      *t = *state;
    kg_conf_yaml_t   cy;
    static char      yaml[] =
        "gateway:\n"
        "  streamingDomains:\n"
        "    - name: sales\n"
        "      kafkaCluster:\n"
        "        bootstrapServers:\n"
        "          - id: SASL_SSL-1\n"
        "            endpoint: kafka0.example.com:9093\n"
        "            ssl:\n"
        "              ignoreTrust: true\n"
        "              keystore:\n"
        "                location: /opt/ssl/gw.pem\n"
        "  routes:\n"
        "    - name: \"eu sales;}\"\n"
        "      endpoint: \"[::1]:9092\"\n"
        "      brokerIdentificationStrategy:\n"
        "        type: host\n"
        "        pattern: broker-$(nodeId).eu-gw.sales.example.com:9092\n"
        "      streamingDomain:\n"
        "        name: sales\n"
        "        bootstrapServerId: SASL_SSL-1\n"
        "      security:\n"
        "        auth: passthrough\n"
        "        ssl:\n"
        "          clientAuth: none\n"
        "          keystore:\n"
        "            type: PEM\n"
        "            location: /opt/ssl/route.pem\n";

    assert_int_equal(test_translate(t, &cy, yaml, sizeof(yaml) - 1), KG_OK);

    test_assert_line(&cy, 3, "cluster sales { ");
    test_assert_line(&cy, 7, "bootstrap kafka0.example.com:9093; ");
    test_assert_line(&cy, 9, "tls on; tls_verify off; ");
    test_assert_line(&cy, 11, "tls_certificate /opt/ssl/gw.pem; "
                              "tls_certificate_key /opt/ssl/gw.pem; } ");
    test_assert_line(&cy, 13, "route \"eu sales;}\" { ");
    test_assert_line(&cy, 14, "listen [::]:9092; advertise ::1; ");
    test_assert_line(&cy, 17, "sni broker-$node_id.eu-gw.sales.example.com; ");
    test_assert_line(&cy, 19, "cluster sales; ");
    test_assert_line(&cy, 27, "tls_certificate /opt/ssl/route.pem; "
                              "tls_certificate_key /opt/ssl/route.pem; } ");

    /* the quoted name is one argument to the parser */

    assert_ptr_equal(test_include(t, yaml), KG_CONF_OK);
    test_assert_recorded("route eu sales;} { @13\n");
    test_assert_recorded("sni broker-$node_id.eu-gw.sales.example.com @17\n");
}


static void
test_conf_yaml_translate_compose(void **state)
{
    test_ctx_t      *t = *state;
    kg_conf_yaml_t   cy;
    static char      yaml[] =
        "services:\n"
        "  kafka-1:\n"
        "    image: confluentinc/cp-server:latest\n"
        "  gateway:\n"
        "    image: confluentinc/cpc-gateway:latest\n"
        "    environment:\n"
        "      GATEWAY_CONFIG: | \n"
        "        gateway:\n"
        "          streamingDomains:\n"
        "            - name: d\n"                         /* 10 */
        "              kafkaCluster:\n"
        "                nodeIdRanges:\n"
        "                  - { name: r, start: 0, end: 2 }\n"
        "                bootstrapServers:\n"
        "                  - id: i\n"                     /* 15 */
        "                    endpoint: \"kafka-1:44444\"\n"
        "          routes:\n"
        "            - name: r\n"
        "              endpoint: \"localhost:19092\"\n"
        "              brokerIdentificationStrategy:\n"   /* 20 */
        "                type: port\n"
        "              streamingDomain:\n"
        "                name: d\n"
        "    ports:\n"
        "      - \"19092:19092\"\n";

    assert_int_equal(test_translate(t, &cy, yaml, sizeof(yaml) - 1), KG_OK);

    test_assert_line(&cy, 10, "cluster d { ");
    test_assert_line(&cy, 16, "bootstrap kafka-1:44444; } ");
    test_assert_line(&cy, 18, "route r { ");
    test_assert_line(&cy, 21, "broker_ports 19093-19095 node_id_base=0; ");
    test_assert_line(&cy, 23, "cluster d; } ");

    /* errors in the embedded document point into the compose file */

    test_assert_error(t,
        "services:\n"
        "  gateway:\n"
        "    environment:\n"
        "      GATEWAY_CONFIG: |\n"
        "        gateway:\n"
        "          routes:\n"
        "            - name: r\n"
        "              security: { auth: swap }\n",
        "unsupported value \"swap\" of \"gateway.routes[0].security.auth\" "
        "in gw.yaml:8:33");

    test_assert_error(t,
        "services:\n"
        "  gateway:\n"
        "    environment:\n"
        "      GATEWAY_CONFIG: |\n"
        "        gateway:\n"
        "          routes: [\n",
        "YAML syntax error: did not find expected node content while "
        "parsing a flow node in gw.yaml:7:9");

    /* a compose file cannot nest another one */

    test_assert_error(t,
        "services:\n"
        "  gateway:\n"
        "    environment:\n"
        "      GATEWAY_CONFIG: \"services: { a: 1 }\"\n",
        "unsupported key \"services\" in gw.yaml:4:23");
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
        cmocka_unit_test_setup_teardown(test_conf_yaml_translate_switchover,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_include_yaml_switchover,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_include_yaml_directive_error_line,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_include_yaml_missing_file,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_yaml_translate_unsupported_key,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_yaml_translate_invalid_values,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_yaml_translate_syntax_error,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_yaml_translate_empty,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_yaml_translate_huge,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_yaml_translate_aliases,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_yaml_translate_budget,
                                        test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(
            test_conf_yaml_translate_host_strategy,
            test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(test_conf_yaml_translate_compose,
                                        test_setup, test_teardown),
    };

    return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
