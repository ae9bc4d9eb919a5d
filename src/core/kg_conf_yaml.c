/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_conf_yaml.h>

#include <yaml.h>


/*
 * include_yaml reads a Confluent Gateway configuration
 *
 *     gateway:
 *       streamingDomains: [ { name, type, kafkaCluster: { name,
 *           bootstrapServers: [ { id, endpoint, ssl } ], nodeIdRanges } } ]
 *       routes: [ { name, endpoint, brokerIdentificationStrategy,
 *           streamingDomain: { name, bootstrapServerId }, security } ]
 *
 * or a Docker Compose file whose service passes it in the environment
 * variable GATEWAY_CONFIG, and turns it into "cluster" and "route" blocks
 * read by the directive parser, so every check of those directives
 * applies.  The YAML is first walked against a table of the keys kgate
 * supports, the way directives are looked up: any other key is an error
 * naming it.  Only then are the blocks written, since a route may name a
 * streaming domain defined after it.
 *
 * A streaming domain becomes one cluster per bootstrap server, as a route
 * reaches one bootstrap server of its domain: the cluster is named after
 * the domain, or "DOMAIN.ID" when the domain has several servers.
 *
 * With the "port" strategy, node N of a domain whose nodeIdRanges start
 * at S is reached on the port that follows the endpoint's by N - S + 1:
 * the broker ports are the ones after the endpoint port, one per node id
 * from the lowest start to the highest end of the ranges.
 *
 * libyaml loads aliases as references to the anchored node, so a walk
 * could visit a node many times: every visit is counted and bounded.
 */


#define KG_CONF_YAML_ERRSTR     1024
#define KG_CONF_YAML_POOL_SIZE  16384


typedef struct {
    kg_str_t                   str;
    yaml_node_t               *node;      /* NULL: not set */
} kg_conf_yaml_value_t;


typedef struct {
    yaml_node_t               *node;
    kg_conf_yaml_value_t       type;
    kg_conf_yaml_value_t       location;
} kg_conf_yaml_store_t;


typedef struct {
    yaml_node_t               *node;
    kg_conf_yaml_value_t       ignore_trust;
    kg_conf_yaml_value_t       client_auth;
    kg_conf_yaml_store_t       truststore;
    kg_conf_yaml_store_t       keystore;
} kg_conf_yaml_ssl_t;


typedef struct {
    yaml_node_t               *node;
    kg_conf_yaml_value_t       id;
    kg_conf_yaml_value_t       endpoint;
    kg_conf_yaml_ssl_t         ssl;
} kg_conf_yaml_server_t;


typedef struct {
    yaml_node_t               *node;
    kg_conf_yaml_value_t       name;
    kg_conf_yaml_value_t       type;
    kg_array_t                 servers;
    kg_int_t                   node_min;  /* -1: no nodeIdRanges */
    kg_int_t                   node_max;
} kg_conf_yaml_domain_t;


typedef struct {
    kg_conf_yaml_value_t       start;
    kg_conf_yaml_value_t       end;
} kg_conf_yaml_range_t;


typedef struct {
    yaml_node_t               *node;
    kg_conf_yaml_value_t       name;
    kg_conf_yaml_value_t       endpoint;
    kg_conf_yaml_value_t       strategy;
    kg_conf_yaml_value_t       pattern;
    kg_conf_yaml_value_t       domain;
    kg_conf_yaml_value_t       server;
    kg_conf_yaml_value_t       auth;
    kg_conf_yaml_ssl_t         ssl;
} kg_conf_yaml_route_t;


typedef struct {
    kg_uint_t                  line;
    kg_str_t                   text;
} kg_conf_yaml_item_t;


typedef struct {
    kg_uint_t                  line;
    kg_array_t                 items;
} kg_conf_yaml_block_t;


typedef struct {
    kg_conf_yaml_t            *cy;
    yaml_document_t           *doc;

    /* where the document lies in the file: an embedded one is moved */
    kg_uint_t                  line_base;
    kg_uint_t                  col_base;
    kg_uint_t                  flat;      /* every mark at the base */

    kg_uint_t                  budget;

    kg_array_t                 domains;
    kg_array_t                 routes;
    kg_array_t                 blocks;
    kg_conf_yaml_value_t       metrics;

    size_t                     path_len;
    u_char                     path[KG_CONF_YAML_PATH_LEN];
} kg_conf_yaml_ctx_t;


typedef struct kg_conf_yaml_key_s  kg_conf_yaml_key_t;

typedef kg_int_t (*kg_conf_yaml_set_pt)(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, void *data, kg_conf_yaml_key_t *key);

struct kg_conf_yaml_key_s {
    kg_str_t                   name;
    kg_conf_yaml_set_pt        set;
    kg_uint_t                  offset;
    void                      *post;
};

#define kg_conf_yaml_null_key  { kg_null_string, NULL, 0, NULL }


typedef struct {
    kg_str_t                   name;
    kg_uint_t                  supported;
} kg_conf_yaml_enum_t;


static kg_int_t kg_conf_yaml_run(kg_conf_yaml_t *cy, u_char *data,
    size_t len, kg_uint_t line_base, kg_uint_t col_base, kg_uint_t flat,
    kg_uint_t compose);
static kg_int_t kg_conf_yaml_load(kg_conf_yaml_ctx_t *ctx,
    yaml_parser_t *parser, yaml_document_t *doc, u_char *data, size_t len);
static kg_int_t kg_conf_yaml_compose(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *services, u_char *data, size_t len);
static yaml_node_t *kg_conf_yaml_lookup(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *map, char *name);
static yaml_node_t *kg_conf_yaml_node(kg_conf_yaml_ctx_t *ctx, int index);
static kg_uint_t kg_conf_yaml_empty(yaml_node_t *node);
static size_t kg_conf_yaml_push(kg_conf_yaml_ctx_t *ctx, u_char *name,
    size_t len, kg_int_t index);
static kg_int_t kg_conf_yaml_error(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, const char *fmt, ...);
static kg_uint_t kg_conf_yaml_line(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node);

static kg_int_t kg_conf_yaml_mapping(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, kg_conf_yaml_key_t *keys, void *data);
static kg_int_t kg_conf_yaml_sequence(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, kg_int_t (*handler)(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *item, void *data), void *data);
static kg_int_t kg_conf_yaml_scalar(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, kg_str_t *value);

static kg_int_t kg_conf_yaml_set_str(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, void *data, kg_conf_yaml_key_t *key);
static kg_int_t kg_conf_yaml_set_bool(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, void *data, kg_conf_yaml_key_t *key);
static kg_int_t kg_conf_yaml_set_enum(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, void *data, kg_conf_yaml_key_t *key);
static kg_int_t kg_conf_yaml_set_skip(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, void *data, kg_conf_yaml_key_t *key);
static kg_int_t kg_conf_yaml_set_map(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, void *data, kg_conf_yaml_key_t *key);
static kg_int_t kg_conf_yaml_set_ssl(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, void *data, kg_conf_yaml_key_t *key);
static kg_int_t kg_conf_yaml_set_store(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, void *data, kg_conf_yaml_key_t *key);
static kg_int_t kg_conf_yaml_set_domains(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, void *data, kg_conf_yaml_key_t *key);
static kg_int_t kg_conf_yaml_set_servers(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, void *data, kg_conf_yaml_key_t *key);
static kg_int_t kg_conf_yaml_set_ranges(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, void *data, kg_conf_yaml_key_t *key);
static kg_int_t kg_conf_yaml_set_routes(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, void *data, kg_conf_yaml_key_t *key);

static kg_int_t kg_conf_yaml_domain(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *item, void *data);
static kg_int_t kg_conf_yaml_server(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *item, void *data);
static kg_int_t kg_conf_yaml_range(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *item, void *data);
static kg_int_t kg_conf_yaml_route(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *item, void *data);
static kg_int_t kg_conf_yaml_endpoint(kg_conf_yaml_ctx_t *ctx,
    kg_conf_yaml_value_t *endpoint, kg_str_t *host, kg_uint_t *port);
static kg_int_t kg_conf_yaml_required(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *item, kg_conf_yaml_value_t *value, char *name);

static kg_int_t kg_conf_yaml_generate(kg_conf_yaml_ctx_t *ctx);
static kg_int_t kg_conf_yaml_cluster(kg_conf_yaml_ctx_t *ctx,
    kg_conf_yaml_domain_t *domain, kg_uint_t n);
static kg_int_t kg_conf_yaml_route_block(kg_conf_yaml_ctx_t *ctx,
    kg_conf_yaml_route_t *route);
static kg_str_t *kg_conf_yaml_cluster_name(kg_conf_yaml_ctx_t *ctx,
    kg_conf_yaml_domain_t *domain, kg_uint_t n);
static kg_conf_yaml_block_t *kg_conf_yaml_block(kg_conf_yaml_ctx_t *ctx,
    yaml_node_t *node, char *name, kg_str_t *arg);
static kg_int_t kg_conf_yaml_add(kg_conf_yaml_ctx_t *ctx,
    kg_conf_yaml_block_t *block, yaml_node_t *node, char *name,
    kg_str_t *arg1, kg_str_t *arg2);
static u_char *kg_conf_yaml_quote(u_char *dst, kg_str_t *value);
static kg_int_t kg_conf_yaml_cmp_blocks(const void *one, const void *two);
static kg_int_t kg_conf_yaml_cmp_items(const void *one, const void *two);
static kg_int_t kg_conf_yaml_add_dump(kg_conf_t *cf, kg_str_t *name,
    u_char *data, size_t len);


static kg_conf_yaml_enum_t  kg_conf_yaml_domain_types[] = {
    { kg_string("kafka"), 1 },
    { kg_null_string, 0 }
};


static kg_conf_yaml_enum_t  kg_conf_yaml_strategies[] = {
    { kg_string("port"), 1 },
    { kg_string("host"), 1 },
    { kg_null_string, 0 }
};


static kg_conf_yaml_enum_t  kg_conf_yaml_auths[] = {
    { kg_string("passthrough"), 1 },
    { kg_string("swap"), 0 },
    { kg_null_string, 0 }
};


static kg_conf_yaml_enum_t  kg_conf_yaml_client_auths[] = {
    { kg_string("none"), 1 },
    { kg_string("requested"), 0 },
    { kg_string("required"), 0 },
    { kg_null_string, 0 }
};


/* kgate reads certificates and keys from PEM files only */

static kg_conf_yaml_enum_t  kg_conf_yaml_store_types[] = {
    { kg_string("PEM"), 1 },
    { kg_string("JKS"), 0 },
    { kg_string("PKCS12"), 0 },
    { kg_null_string, 0 }
};


/* a truststore of PEM certificates needs no password: it is ignored */

static kg_conf_yaml_key_t  kg_conf_yaml_truststore_keys[] = {

    { kg_string("type"), kg_conf_yaml_set_enum,
      offsetof(kg_conf_yaml_store_t, type), kg_conf_yaml_store_types },

    { kg_string("location"), kg_conf_yaml_set_str,
      offsetof(kg_conf_yaml_store_t, location), NULL },

    { kg_string("password"), kg_conf_yaml_set_skip, 0, NULL },

      kg_conf_yaml_null_key
};


static kg_conf_yaml_key_t  kg_conf_yaml_keystore_keys[] = {

    { kg_string("type"), kg_conf_yaml_set_enum,
      offsetof(kg_conf_yaml_store_t, type), kg_conf_yaml_store_types },

    { kg_string("location"), kg_conf_yaml_set_str,
      offsetof(kg_conf_yaml_store_t, location), NULL },

      kg_conf_yaml_null_key
};


/* the gateway's side of a bootstrap server: kgate is the TLS client */

static kg_conf_yaml_key_t  kg_conf_yaml_cluster_ssl_keys[] = {

    { kg_string("ignoreTrust"), kg_conf_yaml_set_bool,
      offsetof(kg_conf_yaml_ssl_t, ignore_trust), NULL },

    { kg_string("truststore"), kg_conf_yaml_set_store,
      offsetof(kg_conf_yaml_ssl_t, truststore),
      kg_conf_yaml_truststore_keys },

    { kg_string("keystore"), kg_conf_yaml_set_store,
      offsetof(kg_conf_yaml_ssl_t, keystore), kg_conf_yaml_keystore_keys },

      kg_conf_yaml_null_key
};


/* the clients' side of a route: kgate is the TLS server */

static kg_conf_yaml_key_t  kg_conf_yaml_route_ssl_keys[] = {

    { kg_string("keystore"), kg_conf_yaml_set_store,
      offsetof(kg_conf_yaml_ssl_t, keystore), kg_conf_yaml_keystore_keys },

    { kg_string("clientAuth"), kg_conf_yaml_set_enum,
      offsetof(kg_conf_yaml_ssl_t, client_auth),
      kg_conf_yaml_client_auths },

      kg_conf_yaml_null_key
};


static kg_conf_yaml_key_t  kg_conf_yaml_server_keys[] = {

    { kg_string("id"), kg_conf_yaml_set_str,
      offsetof(kg_conf_yaml_server_t, id), NULL },

    { kg_string("endpoint"), kg_conf_yaml_set_str,
      offsetof(kg_conf_yaml_server_t, endpoint), NULL },

    { kg_string("ssl"), kg_conf_yaml_set_ssl,
      offsetof(kg_conf_yaml_server_t, ssl), kg_conf_yaml_cluster_ssl_keys },

      kg_conf_yaml_null_key
};


static kg_conf_yaml_key_t  kg_conf_yaml_range_keys[] = {

    { kg_string("name"), kg_conf_yaml_set_skip, 0, NULL },

    { kg_string("start"), kg_conf_yaml_set_str,
      offsetof(kg_conf_yaml_range_t, start), NULL },

    { kg_string("end"), kg_conf_yaml_set_str,
      offsetof(kg_conf_yaml_range_t, end), NULL },

      kg_conf_yaml_null_key
};


/* the cluster's own name is only a label: routes name the domain */

static kg_conf_yaml_key_t  kg_conf_yaml_kafka_cluster_keys[] = {

    { kg_string("name"), kg_conf_yaml_set_skip, 0, NULL },

    { kg_string("bootstrapServers"), kg_conf_yaml_set_servers, 0, NULL },

    { kg_string("nodeIdRanges"), kg_conf_yaml_set_ranges, 0, NULL },

      kg_conf_yaml_null_key
};


static kg_conf_yaml_key_t  kg_conf_yaml_domain_keys[] = {

    { kg_string("name"), kg_conf_yaml_set_str,
      offsetof(kg_conf_yaml_domain_t, name), NULL },

    { kg_string("type"), kg_conf_yaml_set_enum,
      offsetof(kg_conf_yaml_domain_t, type), kg_conf_yaml_domain_types },

    { kg_string("kafkaCluster"), kg_conf_yaml_set_map, 0,
      kg_conf_yaml_kafka_cluster_keys },

      kg_conf_yaml_null_key
};


static kg_conf_yaml_key_t  kg_conf_yaml_strategy_keys[] = {

    { kg_string("type"), kg_conf_yaml_set_enum,
      offsetof(kg_conf_yaml_route_t, strategy), kg_conf_yaml_strategies },

    { kg_string("pattern"), kg_conf_yaml_set_str,
      offsetof(kg_conf_yaml_route_t, pattern), NULL },

      kg_conf_yaml_null_key
};


static kg_conf_yaml_key_t  kg_conf_yaml_route_domain_keys[] = {

    { kg_string("name"), kg_conf_yaml_set_str,
      offsetof(kg_conf_yaml_route_t, domain), NULL },

    { kg_string("bootstrapServerId"), kg_conf_yaml_set_str,
      offsetof(kg_conf_yaml_route_t, server), NULL },

      kg_conf_yaml_null_key
};


/* "passthrough" relays the clients' SASL exchange: what kgate does */

static kg_conf_yaml_key_t  kg_conf_yaml_security_keys[] = {

    { kg_string("auth"), kg_conf_yaml_set_enum,
      offsetof(kg_conf_yaml_route_t, auth), kg_conf_yaml_auths },

    { kg_string("ssl"), kg_conf_yaml_set_ssl,
      offsetof(kg_conf_yaml_route_t, ssl), kg_conf_yaml_route_ssl_keys },

      kg_conf_yaml_null_key
};


static kg_conf_yaml_key_t  kg_conf_yaml_route_keys[] = {

    { kg_string("name"), kg_conf_yaml_set_str,
      offsetof(kg_conf_yaml_route_t, name), NULL },

    { kg_string("endpoint"), kg_conf_yaml_set_str,
      offsetof(kg_conf_yaml_route_t, endpoint), NULL },

    { kg_string("brokerIdentificationStrategy"), kg_conf_yaml_set_map, 0,
      kg_conf_yaml_strategy_keys },

    { kg_string("streamingDomain"), kg_conf_yaml_set_map, 0,
      kg_conf_yaml_route_domain_keys },

    { kg_string("security"), kg_conf_yaml_set_map, 0,
      kg_conf_yaml_security_keys },

      kg_conf_yaml_null_key
};


/* kgate always serves /metrics on the listener of its "admin" block */

static kg_conf_yaml_key_t  kg_conf_yaml_endpoints_keys[] = {

    { kg_string("metrics"), kg_conf_yaml_set_bool,
      offsetof(kg_conf_yaml_ctx_t, metrics), NULL },

      kg_conf_yaml_null_key
};


static kg_conf_yaml_key_t  kg_conf_yaml_admin_keys[] = {

    { kg_string("endpoints"), kg_conf_yaml_set_map, 0,
      kg_conf_yaml_endpoints_keys },

      kg_conf_yaml_null_key
};


static kg_conf_yaml_key_t  kg_conf_yaml_gateway_keys[] = {

    { kg_string("name"), kg_conf_yaml_set_skip, 0, NULL },

    { kg_string("streamingDomains"), kg_conf_yaml_set_domains, 0, NULL },

    { kg_string("routes"), kg_conf_yaml_set_routes, 0, NULL },

    { kg_string("admin"), kg_conf_yaml_set_map, 0, kg_conf_yaml_admin_keys },

      kg_conf_yaml_null_key
};


static kg_conf_yaml_key_t  kg_conf_yaml_top_keys[] = {

    { kg_string("gateway"), kg_conf_yaml_set_map, 0,
      kg_conf_yaml_gateway_keys },

      kg_conf_yaml_null_key
};


kg_int_t
kg_conf_yaml_translate(kg_conf_yaml_t *cy, u_char *data, size_t len)
{
    kg_str_null(&cy->text);
    kg_str_null(&cy->error);

    if (len > KG_CONF_YAML_MAX_SIZE) {
        cy->error.data = kg_pnalloc(cy->pool, KG_CONF_YAML_ERRSTR);
        if (cy->error.data == NULL) {
            return KG_ERROR;
        }

        cy->error.len = kg_slprintf(cy->error.data,
                                    cy->error.data + KG_CONF_YAML_ERRSTR,
                                    "YAML file is too large (%uz bytes, "
                                    "max %d) in %V",
                                    len, KG_CONF_YAML_MAX_SIZE, &cy->name)
                        - cy->error.data;
        return KG_ERROR;
    }

    return kg_conf_yaml_run(cy, data, len, 1, 1, 0, 1);
}


/*
 * Translates one document: "line_base" and "col_base" are added to
 * libyaml's marks (which count from 0) to give the file's line and
 * column; "compose" allows the document to be a Docker Compose file.
 */

static kg_int_t
kg_conf_yaml_run(kg_conf_yaml_t *cy, u_char *data, size_t len,
    kg_uint_t line_base, kg_uint_t col_base, kg_uint_t flat,
    kg_uint_t compose)
{
    kg_int_t             rc;
    yaml_node_t         *root, *services;
    yaml_parser_t        parser;
    yaml_document_t      doc;
    kg_conf_yaml_ctx_t   ctx;

    kg_memzero(&ctx, sizeof(kg_conf_yaml_ctx_t));

    ctx.cy = cy;
    ctx.line_base = line_base;
    ctx.col_base = col_base;
    ctx.flat = flat;
    ctx.budget = KG_CONF_YAML_MAX_NODES;

    if (kg_array_init(&ctx.domains, cy->pool, 4,
                      sizeof(kg_conf_yaml_domain_t))
        != KG_OK
        || kg_array_init(&ctx.routes, cy->pool, 4,
                         sizeof(kg_conf_yaml_route_t))
           != KG_OK
        || kg_array_init(&ctx.blocks, cy->pool, 8,
                         sizeof(kg_conf_yaml_block_t))
           != KG_OK)
    {
        return KG_ERROR;
    }

    if (kg_conf_yaml_load(&ctx, &parser, &doc, data, len) != KG_OK) {
        return KG_ERROR;
    }

    ctx.doc = &doc;

    root = yaml_document_get_root_node(&doc);

    if (root == NULL) {
        rc = kg_conf_yaml_error(&ctx, NULL, "empty YAML document");
        goto done;
    }

    services = NULL;

    if (compose
        && root->type == YAML_MAPPING_NODE
        && kg_conf_yaml_lookup(&ctx, root, "gateway") == NULL)
    {
        services = kg_conf_yaml_lookup(&ctx, root, "services");
    }

    if (cy->error.len) {
        rc = KG_ERROR;
        goto done;
    }

    if (services) {
        rc = kg_conf_yaml_compose(&ctx, services, data, len);
        goto done;
    }

    rc = kg_conf_yaml_mapping(&ctx, root, kg_conf_yaml_top_keys, &ctx);

    if (rc == KG_OK) {
        rc = kg_conf_yaml_generate(&ctx);
    }

done:

    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);

    return rc;
}


static kg_int_t
kg_conf_yaml_load(kg_conf_yaml_ctx_t *ctx, yaml_parser_t *parser,
    yaml_document_t *doc, u_char *data, size_t len)
{
    yaml_node_t      *root;
    yaml_mark_t      *mark;
    yaml_node_t       node;
    const char       *context;
    yaml_document_t   next;

    if (!yaml_parser_initialize(parser)) {
        return kg_conf_yaml_error(ctx, NULL, "yaml_parser_initialize() "
                                  "failed");
    }

    yaml_parser_set_input_string(parser, data, len);

    if (!yaml_parser_load(parser, doc)) {
        goto failed;
    }

    /* a second document would be silently ignored: refuse it */

    root = yaml_document_get_root_node(doc);

    if (root) {
        if (!yaml_parser_load(parser, &next)) {
            yaml_document_delete(doc);
            goto failed;
        }

        root = yaml_document_get_root_node(&next);

        if (root) {
            kg_memzero(&node, sizeof(yaml_node_t));
            node.start_mark = root->start_mark;

            yaml_document_delete(&next);
            yaml_document_delete(doc);
            yaml_parser_delete(parser);

            return kg_conf_yaml_error(ctx, &node, "more than one YAML "
                                      "document");
        }

        yaml_document_delete(&next);
    }

    return KG_OK;

failed:

    kg_memzero(&node, sizeof(yaml_node_t));

    if (parser->error == YAML_MEMORY_ERROR || parser->problem == NULL) {
        yaml_parser_delete(parser);
        return kg_conf_yaml_error(ctx, NULL, "YAML parser failed");
    }

    context = parser->context;
    mark = &parser->problem_mark;
    node.start_mark = *mark;

    if (context) {
        (void) kg_conf_yaml_error(ctx, &node, "YAML syntax error: %s %s",
                                  parser->problem, context);
    } else {
        (void) kg_conf_yaml_error(ctx, &node, "YAML syntax error: %s",
                                  parser->problem);
    }

    yaml_parser_delete(parser);

    return KG_ERROR;
}


/*
 * A Docker Compose file as in Confluent's examples: the service that has
 * GATEWAY_CONFIG in its environment holds the configuration as a string,
 * usually a literal block ("|") whose lines are the file's lines.
 */

static kg_int_t
kg_conf_yaml_compose(kg_conf_yaml_ctx_t *ctx, yaml_node_t *services,
    u_char *data, size_t len)
{
    u_char            *p, *last;
    kg_uint_t          line, col, flat, n;
    yaml_node_t       *service, *env, *value, *found;
    yaml_node_pair_t  *pair;

    if (services->type != YAML_MAPPING_NODE) {
        return kg_conf_yaml_error(ctx, services, "\"services\" must be a "
                                  "mapping");
    }

    found = NULL;

    for (pair = services->data.mapping.pairs.start;
         pair < services->data.mapping.pairs.top;
         pair++)
    {
        service = kg_conf_yaml_node(ctx, pair->value);
        if (service == NULL) {
            return KG_ERROR;
        }

        if (service->type != YAML_MAPPING_NODE) {
            continue;
        }

        env = kg_conf_yaml_lookup(ctx, service, "environment");

        if (env == NULL || env->type != YAML_MAPPING_NODE) {

            if (ctx->cy->error.len) {
                return KG_ERROR;
            }

            continue;
        }

        value = kg_conf_yaml_lookup(ctx, env, "GATEWAY_CONFIG");

        if (value == NULL) {

            if (ctx->cy->error.len) {
                return KG_ERROR;
            }

            continue;
        }

        if (found) {
            return kg_conf_yaml_error(ctx, value, "GATEWAY_CONFIG is set "
                                      "by more than one service");
        }

        found = value;
    }

    if (found == NULL) {
        return kg_conf_yaml_error(ctx, services, "no \"gateway\" key and no "
                                  "service with GATEWAY_CONFIG in its "
                                  "\"environment\"; a GATEWAY_CONFIG_FILE "
                                  "must be included itself");
    }

    if (found->type != YAML_SCALAR_NODE) {
        return kg_conf_yaml_error(ctx, found, "GATEWAY_CONFIG must be a "
                                  "string");
    }

    if (found->data.scalar.style == YAML_LITERAL_SCALAR_STYLE) {

        /* the content starts on the line after "|", indented */

        line = found->start_mark.line + 1;
        col = 0;
        flat = 0;

        p = data;
        last = data + len;

        for (n = 0; n < line && p < last; p++) {
            if (*p == LF) {
                n++;
            }
        }

        while (p < last) {
            for (n = 0; p < last && *p == ' '; p++) {
                n++;
            }

            if (p < last && *p != LF && *p != CR) {
                col = n;
                break;
            }

            p = kg_strlchr(p, last, LF);
            if (p == NULL) {
                break;
            }

            p++;
        }

    } else {

        /* lines inside a quoted string do not map to the file's lines */

        line = found->start_mark.line;
        col = found->start_mark.column;
        flat = 1;
    }

    return kg_conf_yaml_run(ctx->cy, found->data.scalar.value,
                            found->data.scalar.length,
                            ctx->line_base + line, ctx->col_base + col,
                            flat, 0);
}


static yaml_node_t *
kg_conf_yaml_lookup(kg_conf_yaml_ctx_t *ctx, yaml_node_t *map, char *name)
{
    size_t             len, n;
    yaml_node_t       *key;
    yaml_node_pair_t  *pair;

    len = kg_strlen(name);

    /* a service may be an alias of a big mapping: the scan is counted */

    n = map->data.mapping.pairs.top - map->data.mapping.pairs.start;

    if (n > ctx->budget) {
        ctx->budget = 0;
        (void) kg_conf_yaml_node(ctx, 0);
        return NULL;
    }

    ctx->budget -= n;

    for (pair = map->data.mapping.pairs.start;
         pair < map->data.mapping.pairs.top;
         pair++)
    {
        key = yaml_document_get_node(ctx->doc, pair->key);

        if (key != NULL
            && key->type == YAML_SCALAR_NODE
            && key->data.scalar.length == len
            && kg_strncmp(key->data.scalar.value, name, len) == 0)
        {
            return yaml_document_get_node(ctx->doc, pair->value);
        }
    }

    return NULL;
}


/* every visit costs: aliases cannot make the walk grow without bound */

static yaml_node_t *
kg_conf_yaml_node(kg_conf_yaml_ctx_t *ctx, int index)
{
    yaml_node_t  *node;

    if (ctx->budget == 0) {
        (void) kg_conf_yaml_error(ctx, NULL, "YAML document is too complex "
                                  "(more than %d nodes with aliases "
                                  "expanded)", KG_CONF_YAML_MAX_NODES);
        return NULL;
    }

    ctx->budget--;

    node = yaml_document_get_node(ctx->doc, index);

    if (node == NULL) {
        (void) kg_conf_yaml_error(ctx, NULL, "invalid YAML node");
        return NULL;
    }

    return node;
}


/* "key:", "key: ~", "key: []" and "key: {}" configure nothing */

static kg_uint_t
kg_conf_yaml_empty(yaml_node_t *node)
{
    u_char  *p;
    size_t   len;

    switch (node->type) {

    case YAML_SEQUENCE_NODE:
        return node->data.sequence.items.start
               == node->data.sequence.items.top;

    case YAML_MAPPING_NODE:
        return node->data.mapping.pairs.start
               == node->data.mapping.pairs.top;

    case YAML_SCALAR_NODE:

        if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
            return 0;
        }

        p = node->data.scalar.value;
        len = node->data.scalar.length;

        return len == 0
               || (len == 1 && p[0] == '~')
               || (len == 4 && kg_strncasecmp(p, (u_char *) "null", 4) == 0);

    default:
        return 0;
    }
}


/* appends ".name" or "[index]" to the path; returns the length to restore */

static size_t
kg_conf_yaml_push(kg_conf_yaml_ctx_t *ctx, u_char *name, size_t len,
    kg_int_t index)
{
    u_char  *p, *last;
    size_t   saved, i;

    saved = ctx->path_len;

    p = ctx->path + ctx->path_len;
    last = ctx->path + KG_CONF_YAML_PATH_LEN;

    if (name == NULL) {
        p = kg_slprintf(p, last, "[%i]", index);

    } else {
        if (ctx->path_len && p < last) {
            *p++ = '.';
        }

        for (i = 0; i < len && p < last; i++) {
            *p++ = (name[i] < 0x20 || name[i] == 0x7f || name[i] == '"')
                   ? '?' : name[i];
        }
    }

    ctx->path_len = p - ctx->path;

    return saved;
}


static kg_int_t
kg_conf_yaml_error(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    const char *fmt, ...)
{
    u_char          *p, *last;
    va_list          args;
    kg_conf_yaml_t  *cy;

    cy = ctx->cy;

    if (cy->error.len) {
        return KG_ERROR;
    }

    p = kg_pnalloc(cy->pool, KG_CONF_YAML_ERRSTR);
    if (p == NULL) {
        return KG_ERROR;
    }

    cy->error.data = p;
    last = p + KG_CONF_YAML_ERRSTR;

    va_start(args, fmt);
    p = kg_vslprintf(p, last, fmt, args);
    va_end(args);

    if (node == NULL) {
        p = kg_slprintf(p, last, " in %V", &cy->name);

    } else if (ctx->flat) {
        p = kg_slprintf(p, last, " in %V:%ui:%ui", &cy->name,
                        ctx->line_base, ctx->col_base);

    } else {
        p = kg_slprintf(p, last, " in %V:%ui:%ui", &cy->name,
                        ctx->line_base + node->start_mark.line,
                        ctx->col_base + node->start_mark.column);
    }

    cy->error.len = p - cy->error.data;

    return KG_ERROR;
}


static kg_uint_t
kg_conf_yaml_line(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node)
{
    if (ctx->flat) {
        return ctx->line_base;
    }

    return ctx->line_base + node->start_mark.line;
}


static kg_int_t
kg_conf_yaml_mapping(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    kg_conf_yaml_key_t *keys, void *data)
{
    size_t             saved;
    uint64_t           seen;
    kg_uint_t          i;
    yaml_node_t       *key, *value;
    yaml_node_pair_t  *pair;

    if (node->type != YAML_MAPPING_NODE) {

        if (kg_conf_yaml_empty(node)) {
            return KG_OK;
        }

        if (ctx->path_len == 0) {
            return kg_conf_yaml_error(ctx, node, "the YAML document must "
                                      "be a mapping");
        }

        return kg_conf_yaml_error(ctx, node, "\"%*s\" must be a mapping",
                                  ctx->path_len, ctx->path);
    }

    seen = 0;

    for (pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top;
         pair++)
    {
        key = kg_conf_yaml_node(ctx, pair->key);
        if (key == NULL) {
            return KG_ERROR;
        }

        value = kg_conf_yaml_node(ctx, pair->value);
        if (value == NULL) {
            return KG_ERROR;
        }

        if (key->type != YAML_SCALAR_NODE) {
            return kg_conf_yaml_error(ctx, key, "a key of \"%*s\" is not "
                                      "a string", ctx->path_len, ctx->path);
        }

        saved = kg_conf_yaml_push(ctx, key->data.scalar.value,
                                  key->data.scalar.length, 0);

        for (i = 0; keys[i].name.len; i++) {
            if (keys[i].name.len == key->data.scalar.length
                && kg_strncmp(keys[i].name.data, key->data.scalar.value,
                              keys[i].name.len)
                   == 0)
            {
                break;
            }
        }

        if (keys[i].name.len == 0) {

            if (kg_conf_yaml_empty(value)) {
                ctx->path_len = saved;
                continue;
            }

            return kg_conf_yaml_error(ctx, key, "unsupported key \"%*s\"",
                                      ctx->path_len, ctx->path);
        }

        if (seen & ((uint64_t) 1 << i)) {
            return kg_conf_yaml_error(ctx, key, "duplicate key \"%*s\"",
                                      ctx->path_len, ctx->path);
        }

        seen |= (uint64_t) 1 << i;

        if (keys[i].set(ctx, value, data, &keys[i]) != KG_OK) {
            return KG_ERROR;
        }

        ctx->path_len = saved;
    }

    return KG_OK;
}


static kg_int_t
kg_conf_yaml_sequence(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    kg_int_t (*handler)(kg_conf_yaml_ctx_t *ctx, yaml_node_t *item,
    void *data), void *data)
{
    size_t             saved;
    kg_int_t           i, n;
    yaml_node_t       *item;
    yaml_node_item_t  *it;

    if (node->type != YAML_SEQUENCE_NODE) {

        if (kg_conf_yaml_empty(node)) {
            return KG_OK;
        }

        return kg_conf_yaml_error(ctx, node, "\"%*s\" must be a sequence",
                                  ctx->path_len, ctx->path);
    }

    n = node->data.sequence.items.top - node->data.sequence.items.start;

    if (n > KG_CONF_YAML_MAX_ITEMS) {
        return kg_conf_yaml_error(ctx, node, "too many items in \"%*s\" "
                                  "(max %d)", ctx->path_len, ctx->path,
                                  KG_CONF_YAML_MAX_ITEMS);
    }

    for (i = 0, it = node->data.sequence.items.start; i < n; i++, it++) {

        item = kg_conf_yaml_node(ctx, *it);
        if (item == NULL) {
            return KG_ERROR;
        }

        saved = kg_conf_yaml_push(ctx, NULL, 0, i);

        if (handler(ctx, item, data) != KG_OK) {
            return KG_ERROR;
        }

        ctx->path_len = saved;
    }

    return KG_OK;
}


/* a value becomes a directive's argument: no control bytes in it */

static kg_int_t
kg_conf_yaml_scalar(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    kg_str_t *value)
{
    u_char  *p, *last;

    if (node->type != YAML_SCALAR_NODE) {
        return kg_conf_yaml_error(ctx, node, "\"%*s\" must be a string",
                                  ctx->path_len, ctx->path);
    }

    if (kg_conf_yaml_empty(node) || node->data.scalar.length == 0) {
        return kg_conf_yaml_error(ctx, node, "\"%*s\" is empty",
                                  ctx->path_len, ctx->path);
    }

    p = node->data.scalar.value;
    last = p + node->data.scalar.length;

    for ( /* void */ ; p < last; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return kg_conf_yaml_error(ctx, node, "invalid character in "
                                      "\"%*s\"", ctx->path_len, ctx->path);
        }
    }

    value->data = node->data.scalar.value;
    value->len = node->data.scalar.length;

    return KG_OK;
}


static kg_int_t
kg_conf_yaml_set_str(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    void *data, kg_conf_yaml_key_t *key)
{
    kg_conf_yaml_value_t  *v;

    v = (kg_conf_yaml_value_t *) ((char *) data + key->offset);

    if (kg_conf_yaml_scalar(ctx, node, &v->str) != KG_OK) {
        return KG_ERROR;
    }

    v->node = node;

    return KG_OK;
}


static kg_int_t
kg_conf_yaml_set_bool(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    void *data, kg_conf_yaml_key_t *key)
{
    kg_uint_t              i;
    kg_str_t               s;
    kg_conf_yaml_value_t  *v;

    static kg_str_t  names[] = {
        kg_string("true"), kg_string("yes"), kg_string("on"),
        kg_string("false"), kg_string("no"), kg_string("off")
    };

    v = (kg_conf_yaml_value_t *) ((char *) data + key->offset);

    if (kg_conf_yaml_scalar(ctx, node, &s) != KG_OK) {
        return KG_ERROR;
    }

    for (i = 0; i < sizeof(names) / sizeof(kg_str_t); i++) {
        if (s.len == names[i].len
            && kg_strncasecmp(s.data, names[i].data, s.len) == 0)
        {
            v->node = node;

            if (i < 3) {
                kg_str_set(&v->str, "on");

            } else {
                kg_str_set(&v->str, "off");
            }

            return KG_OK;
        }
    }

    return kg_conf_yaml_error(ctx, node, "invalid value \"%V\" of \"%*s\", "
                              "it must be true or false",
                              &s, ctx->path_len, ctx->path);
}


static kg_int_t
kg_conf_yaml_set_enum(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    void *data, kg_conf_yaml_key_t *key)
{
    kg_uint_t              i;
    kg_conf_yaml_enum_t   *e;
    kg_conf_yaml_value_t  *v;

    v = (kg_conf_yaml_value_t *) ((char *) data + key->offset);
    e = key->post;

    if (kg_conf_yaml_scalar(ctx, node, &v->str) != KG_OK) {
        return KG_ERROR;
    }

    for (i = 0; e[i].name.len; i++) {
        if (e[i].name.len == v->str.len
            && kg_strncasecmp(e[i].name.data, v->str.data, v->str.len) == 0)
        {
            break;
        }
    }

    if (e[i].name.len == 0) {
        return kg_conf_yaml_error(ctx, node, "invalid value \"%V\" of "
                                  "\"%*s\"", &v->str, ctx->path_len,
                                  ctx->path);
    }

    if (!e[i].supported) {
        return kg_conf_yaml_error(ctx, node, "unsupported value \"%V\" of "
                                  "\"%*s\"", &v->str, ctx->path_len,
                                  ctx->path);
    }

    v->str = e[i].name;
    v->node = node;

    return KG_OK;
}


static kg_int_t
kg_conf_yaml_set_skip(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    void *data, kg_conf_yaml_key_t *key)
{
    return KG_OK;
}


static kg_int_t
kg_conf_yaml_set_map(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    void *data, kg_conf_yaml_key_t *key)
{
    return kg_conf_yaml_mapping(ctx, node, key->post,
                                (char *) data + key->offset);
}


static kg_int_t
kg_conf_yaml_set_ssl(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    void *data, kg_conf_yaml_key_t *key)
{
    kg_conf_yaml_ssl_t  *ssl;

    ssl = (kg_conf_yaml_ssl_t *) ((char *) data + key->offset);
    ssl->node = node;

    return kg_conf_yaml_mapping(ctx, node, key->post, ssl);
}


static kg_int_t
kg_conf_yaml_set_store(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    void *data, kg_conf_yaml_key_t *key)
{
    size_t                 n;
    kg_str_t              *l;
    kg_uint_t              i;
    kg_conf_yaml_store_t  *store;

    static kg_str_t  exts[] = {
        kg_string(".pem"), kg_string(".crt"), kg_string(".cer"),
        kg_string(".key")
    };

    store = (kg_conf_yaml_store_t *) ((char *) data + key->offset);
    store->node = node;

    if (kg_conf_yaml_mapping(ctx, node, key->post, store) != KG_OK) {
        return KG_ERROR;
    }

    if (store->location.node == NULL) {
        return kg_conf_yaml_error(ctx, node, "no \"location\" in \"%*s\"",
                                  ctx->path_len, ctx->path);
    }

    if (store->type.node) {
        return KG_OK;
    }

    /* Confluent's default type is JKS; a PEM file is known by its name */

    l = &store->location.str;

    for (i = 0; i < sizeof(exts) / sizeof(kg_str_t); i++) {
        n = exts[i].len;

        if (l->len > n
            && kg_strncasecmp(l->data + l->len - n, exts[i].data, n) == 0)
        {
            return KG_OK;
        }
    }

    return kg_conf_yaml_error(ctx, node, "no \"type\" in \"%*s\" and "
                              "\"%V\" is not a PEM file: kgate reads "
                              "certificates and keys from PEM files only",
                              ctx->path_len, ctx->path, l);
}


static kg_int_t
kg_conf_yaml_set_domains(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    void *data, kg_conf_yaml_key_t *key)
{
    return kg_conf_yaml_sequence(ctx, node, kg_conf_yaml_domain, NULL);
}


static kg_int_t
kg_conf_yaml_set_servers(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    void *data, kg_conf_yaml_key_t *key)
{
    return kg_conf_yaml_sequence(ctx, node, kg_conf_yaml_server, data);
}


static kg_int_t
kg_conf_yaml_set_ranges(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    void *data, kg_conf_yaml_key_t *key)
{
    return kg_conf_yaml_sequence(ctx, node, kg_conf_yaml_range, data);
}


static kg_int_t
kg_conf_yaml_set_routes(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node,
    void *data, kg_conf_yaml_key_t *key)
{
    return kg_conf_yaml_sequence(ctx, node, kg_conf_yaml_route, NULL);
}


static kg_int_t
kg_conf_yaml_domain(kg_conf_yaml_ctx_t *ctx, yaml_node_t *item, void *data)
{
    kg_uint_t               i;
    kg_conf_yaml_domain_t  *domain, *domains;

    if (ctx->domains.nelts >= KG_CONF_YAML_MAX_ITEMS) {
        return kg_conf_yaml_error(ctx, item, "too many streaming domains "
                                  "(max %d)", KG_CONF_YAML_MAX_ITEMS);
    }

    domain = kg_array_push(&ctx->domains);
    if (domain == NULL) {
        return KG_ERROR;
    }

    kg_memzero(domain, sizeof(kg_conf_yaml_domain_t));

    domain->node = item;
    domain->node_min = -1;
    domain->node_max = -1;

    if (kg_array_init(&domain->servers, ctx->cy->pool, 1,
                      sizeof(kg_conf_yaml_server_t))
        != KG_OK)
    {
        return KG_ERROR;
    }

    if (item->type != YAML_MAPPING_NODE) {
        return kg_conf_yaml_error(ctx, item, "\"%*s\" must be a mapping",
                                  ctx->path_len, ctx->path);
    }

    if (kg_conf_yaml_mapping(ctx, item, kg_conf_yaml_domain_keys, domain)
        != KG_OK)
    {
        return KG_ERROR;
    }

    if (kg_conf_yaml_required(ctx, item, &domain->name, "name") != KG_OK) {
        return KG_ERROR;
    }

    if (domain->servers.nelts == 0) {
        return kg_conf_yaml_error(ctx, item, "no \"kafkaCluster."
                                  "bootstrapServers\" in \"%*s\"",
                                  ctx->path_len, ctx->path);
    }

    domains = ctx->domains.elts;

    for (i = 0; i < ctx->domains.nelts - 1; i++) {
        if (domains[i].name.str.len == domain->name.str.len
            && kg_strncmp(domains[i].name.str.data, domain->name.str.data,
                          domain->name.str.len)
               == 0)
        {
            return kg_conf_yaml_error(ctx, domain->name.node, "duplicate "
                                      "streaming domain \"%V\"",
                                      &domain->name.str);
        }
    }

    return KG_OK;
}


static kg_int_t
kg_conf_yaml_server(kg_conf_yaml_ctx_t *ctx, yaml_node_t *item, void *data)
{
    kg_uint_t               i, port;
    kg_str_t                host;
    kg_conf_yaml_domain_t  *domain = data;
    kg_conf_yaml_server_t  *server, *servers;

    server = kg_array_push(&domain->servers);
    if (server == NULL) {
        return KG_ERROR;
    }

    kg_memzero(server, sizeof(kg_conf_yaml_server_t));

    server->node = item;

    if (item->type != YAML_MAPPING_NODE) {
        return kg_conf_yaml_error(ctx, item, "\"%*s\" must be a mapping",
                                  ctx->path_len, ctx->path);
    }

    if (kg_conf_yaml_mapping(ctx, item, kg_conf_yaml_server_keys, server)
        != KG_OK)
    {
        return KG_ERROR;
    }

    if (kg_conf_yaml_required(ctx, item, &server->id, "id") != KG_OK
        || kg_conf_yaml_required(ctx, item, &server->endpoint, "endpoint")
           != KG_OK
        || kg_conf_yaml_endpoint(ctx, &server->endpoint, &host, &port)
           != KG_OK)
    {
        return KG_ERROR;
    }

    servers = domain->servers.elts;

    for (i = 0; i < domain->servers.nelts - 1; i++) {
        if (servers[i].id.str.len == server->id.str.len
            && kg_strncmp(servers[i].id.str.data, server->id.str.data,
                          server->id.str.len)
               == 0)
        {
            return kg_conf_yaml_error(ctx, server->id.node, "duplicate "
                                      "bootstrap server id \"%V\"",
                                      &server->id.str);
        }
    }

    return KG_OK;
}


static kg_int_t
kg_conf_yaml_range(kg_conf_yaml_ctx_t *ctx, yaml_node_t *item, void *data)
{
    kg_int_t                start, end;
    kg_conf_yaml_range_t    range;
    kg_conf_yaml_domain_t  *domain = data;

    kg_memzero(&range, sizeof(kg_conf_yaml_range_t));

    if (item->type != YAML_MAPPING_NODE) {
        return kg_conf_yaml_error(ctx, item, "\"%*s\" must be a mapping",
                                  ctx->path_len, ctx->path);
    }

    if (kg_conf_yaml_mapping(ctx, item, kg_conf_yaml_range_keys, &range)
        != KG_OK)
    {
        return KG_ERROR;
    }

    if (kg_conf_yaml_required(ctx, item, &range.start, "start") != KG_OK
        || kg_conf_yaml_required(ctx, item, &range.end, "end") != KG_OK)
    {
        return KG_ERROR;
    }

    start = kg_atoi(range.start.str.data, range.start.str.len);

    if (start == KG_ERROR || start > INT32_MAX) {
        return kg_conf_yaml_error(ctx, range.start.node, "invalid node id "
                                  "\"%V\"", &range.start.str);
    }

    end = kg_atoi(range.end.str.data, range.end.str.len);

    if (end == KG_ERROR || end > INT32_MAX || end < start) {
        return kg_conf_yaml_error(ctx, range.end.node, "invalid node id "
                                  "\"%V\"", &range.end.str);
    }

    if (domain->node_min == -1 || start < domain->node_min) {
        domain->node_min = start;
    }

    if (end > domain->node_max) {
        domain->node_max = end;
    }

    return KG_OK;
}


static kg_int_t
kg_conf_yaml_route(kg_conf_yaml_ctx_t *ctx, yaml_node_t *item, void *data)
{
    kg_uint_t              i, port;
    kg_str_t               host;
    kg_conf_yaml_route_t  *route, *routes;

    if (ctx->routes.nelts >= KG_CONF_YAML_MAX_ITEMS) {
        return kg_conf_yaml_error(ctx, item, "too many routes (max %d)",
                                  KG_CONF_YAML_MAX_ITEMS);
    }

    route = kg_array_push(&ctx->routes);
    if (route == NULL) {
        return KG_ERROR;
    }

    kg_memzero(route, sizeof(kg_conf_yaml_route_t));

    route->node = item;

    if (item->type != YAML_MAPPING_NODE) {
        return kg_conf_yaml_error(ctx, item, "\"%*s\" must be a mapping",
                                  ctx->path_len, ctx->path);
    }

    if (kg_conf_yaml_mapping(ctx, item, kg_conf_yaml_route_keys, route)
        != KG_OK)
    {
        return KG_ERROR;
    }

    if (kg_conf_yaml_required(ctx, item, &route->name, "name") != KG_OK
        || kg_conf_yaml_required(ctx, item, &route->endpoint, "endpoint")
           != KG_OK
        || kg_conf_yaml_endpoint(ctx, &route->endpoint, &host, &port)
           != KG_OK
        || kg_conf_yaml_required(ctx, item, &route->strategy,
                                 "brokerIdentificationStrategy.type")
           != KG_OK
        || kg_conf_yaml_required(ctx, item, &route->domain,
                                 "streamingDomain.name")
           != KG_OK)
    {
        return KG_ERROR;
    }

    if (route->strategy.str.data[0] == 'h') {
        if (kg_conf_yaml_required(ctx, item, &route->pattern,
                                  "brokerIdentificationStrategy.pattern")
            != KG_OK)
        {
            return KG_ERROR;
        }

    } else if (route->pattern.node) {
        return kg_conf_yaml_error(ctx, route->pattern.node, "\"pattern\" "
                                  "needs the \"host\" strategy in \"%*s\"",
                                  ctx->path_len, ctx->path);
    }

    routes = ctx->routes.elts;

    for (i = 0; i < ctx->routes.nelts - 1; i++) {
        if (routes[i].name.str.len == route->name.str.len
            && kg_strncmp(routes[i].name.str.data, route->name.str.data,
                          route->name.str.len)
               == 0)
        {
            return kg_conf_yaml_error(ctx, route->name.node, "duplicate "
                                      "route \"%V\"", &route->name.str);
        }
    }

    return KG_OK;
}


/* "host:port", "[v6]:port" */

static kg_int_t
kg_conf_yaml_endpoint(kg_conf_yaml_ctx_t *ctx, kg_conf_yaml_value_t *endpoint,
    kg_str_t *host, kg_uint_t *port)
{
    u_char    *p, *colon;
    kg_int_t   n;
    kg_str_t  *s;

    s = &endpoint->str;
    colon = NULL;

    for (p = s->data; p < s->data + s->len; p++) {
        if (*p == ':') {
            colon = p;
        }

        if (*p == ' ' || *p == '/') {
            goto invalid;
        }
    }

    if (colon == NULL || colon == s->data) {
        goto invalid;
    }

    n = kg_atoi(colon + 1, s->data + s->len - colon - 1);

    if (n == KG_ERROR || n < 1 || n > 65535) {
        goto invalid;
    }

    host->data = s->data;
    host->len = colon - s->data;

    if (host->data[0] == '[') {
        if (host->len < 3 || host->data[host->len - 1] != ']') {
            goto invalid;
        }

    } else if (kg_strlchr(host->data, colon, ':') != NULL) {
        goto invalid;
    }

    *port = (kg_uint_t) n;

    return KG_OK;

invalid:

    return kg_conf_yaml_error(ctx, endpoint->node, "invalid endpoint \"%V\", "
                              "it must be \"host:port\"", s);
}


static kg_int_t
kg_conf_yaml_required(kg_conf_yaml_ctx_t *ctx, yaml_node_t *item,
    kg_conf_yaml_value_t *value, char *name)
{
    if (value->node) {
        return KG_OK;
    }

    return kg_conf_yaml_error(ctx, item, "no \"%s\" in \"%*s\"", name,
                              ctx->path_len, ctx->path);
}


static kg_int_t
kg_conf_yaml_generate(kg_conf_yaml_ctx_t *ctx)
{
    u_char                 *p, *last;
    size_t                  size;
    kg_uint_t               i, j, line, cur;
    kg_conf_yaml_item_t    *items;
    kg_conf_yaml_route_t   *routes;
    kg_conf_yaml_block_t   *blocks;
    kg_conf_yaml_domain_t  *domains;

    domains = ctx->domains.elts;

    for (i = 0; i < ctx->domains.nelts; i++) {
        for (j = 0; j < domains[i].servers.nelts; j++) {
            if (kg_conf_yaml_cluster(ctx, &domains[i], j) != KG_OK) {
                return KG_ERROR;
            }
        }
    }

    routes = ctx->routes.elts;

    for (i = 0; i < ctx->routes.nelts; i++) {
        if (kg_conf_yaml_route_block(ctx, &routes[i]) != KG_OK) {
            return KG_ERROR;
        }
    }

    /* blocks and directives in the order of their lines */

    blocks = ctx->blocks.elts;

    kg_sort(blocks, ctx->blocks.nelts, sizeof(kg_conf_yaml_block_t),
            kg_conf_yaml_cmp_blocks);

    size = 0;
    line = 1;

    for (i = 0; i < ctx->blocks.nelts; i++) {
        items = blocks[i].items.elts;

        kg_sort(items + 1, blocks[i].items.nelts - 1,
                sizeof(kg_conf_yaml_item_t), kg_conf_yaml_cmp_items);

        for (j = 0; j < blocks[i].items.nelts; j++) {
            if (items[j].line > line) {
                size += items[j].line - line;
                line = items[j].line;
            }

            size += items[j].text.len + 1;
        }

        size += sizeof("} ") - 1;
    }

    p = kg_pnalloc(ctx->cy->pool, size + 1);
    if (p == NULL) {
        return KG_ERROR;
    }

    ctx->cy->text.data = p;
    last = p + size;

    cur = 1;

    for (i = 0; i < ctx->blocks.nelts; i++) {
        items = blocks[i].items.elts;

        for (j = 0; j < blocks[i].items.nelts; j++) {
            while (items[j].line > cur && p < last) {
                *p++ = LF;
                cur++;
            }

            p = kg_cpymem(p, items[j].text.data, items[j].text.len);
            *p++ = ' ';
        }

        *p++ = '}';
        *p++ = ' ';
    }

    *p = '\0';

    ctx->cy->text.len = p - ctx->cy->text.data;

    return KG_OK;
}


static kg_int_t
kg_conf_yaml_cluster(kg_conf_yaml_ctx_t *ctx, kg_conf_yaml_domain_t *domain,
    kg_uint_t n)
{
    kg_str_t               *name, on, off;
    yaml_node_t            *node;
    kg_conf_yaml_ssl_t     *ssl;
    kg_conf_yaml_block_t   *block;
    kg_conf_yaml_server_t  *server;

    server = (kg_conf_yaml_server_t *) domain->servers.elts + n;

    name = kg_conf_yaml_cluster_name(ctx, domain, n);
    if (name == NULL) {
        return KG_ERROR;
    }

    node = (domain->servers.nelts == 1) ? domain->node : server->node;

    block = kg_conf_yaml_block(ctx, node, "cluster", name);
    if (block == NULL) {
        return KG_ERROR;
    }

    if (kg_conf_yaml_add(ctx, block, server->endpoint.node, "bootstrap",
                         &server->endpoint.str, NULL)
        != KG_OK)
    {
        return KG_ERROR;
    }

    ssl = &server->ssl;

    if (ssl->node == NULL) {
        return KG_OK;
    }

    kg_str_set(&on, "on");
    kg_str_set(&off, "off");

    if (kg_conf_yaml_add(ctx, block, ssl->node, "tls", &on, NULL) != KG_OK) {
        return KG_ERROR;
    }

    if (ssl->ignore_trust.node) {

        /* "ignoreTrust: true" disables verification */

        if (kg_conf_yaml_add(ctx, block, ssl->ignore_trust.node,
                             "tls_verify",
                             ssl->ignore_trust.str.data[1] == 'n'
                             ? &off : &on, NULL)
            != KG_OK)
        {
            return KG_ERROR;
        }
    }

    if (ssl->truststore.node
        && !(ssl->ignore_trust.node && ssl->ignore_trust.str.data[1] == 'n'))
    {
        if (kg_conf_yaml_add(ctx, block, ssl->truststore.location.node,
                             "tls_trusted_certificate",
                             &ssl->truststore.location.str, NULL)
            != KG_OK)
        {
            return KG_ERROR;
        }
    }

    if (ssl->keystore.node) {

        /* a PEM keystore holds both the certificate chain and the key */

        if (kg_conf_yaml_add(ctx, block, ssl->keystore.location.node,
                             "tls_certificate", &ssl->keystore.location.str,
                             NULL)
            != KG_OK
            || kg_conf_yaml_add(ctx, block, ssl->keystore.location.node,
                                "tls_certificate_key",
                                &ssl->keystore.location.str, NULL)
               != KG_OK)
        {
            return KG_ERROR;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_conf_yaml_route_block(kg_conf_yaml_ctx_t *ctx, kg_conf_yaml_route_t *route)
{
    u_char                 *p, *last, *var;
    size_t                  len;
    kg_int_t                n;
    kg_str_t                host, addr, ports, sni, *name;
    kg_uint_t               i, port, first, lastp;
    kg_conf_yaml_block_t   *block;
    kg_conf_yaml_domain_t  *domain, *domains;
    kg_conf_yaml_server_t  *servers;

    domains = ctx->domains.elts;
    domain = NULL;

    for (i = 0; i < ctx->domains.nelts; i++) {
        if (domains[i].name.str.len == route->domain.str.len
            && kg_strncmp(domains[i].name.str.data, route->domain.str.data,
                          route->domain.str.len)
               == 0)
        {
            domain = &domains[i];
            break;
        }
    }

    if (domain == NULL) {
        return kg_conf_yaml_error(ctx, route->domain.node, "unknown "
                                  "streaming domain \"%V\" in route \"%V\"",
                                  &route->domain.str, &route->name.str);
    }

    servers = domain->servers.elts;

    if (route->server.node == NULL) {
        if (domain->servers.nelts > 1) {
            return kg_conf_yaml_error(ctx, route->domain.node, "no "
                                      "\"bootstrapServerId\" in route "
                                      "\"%V\" and streaming domain \"%V\" "
                                      "has several bootstrap servers",
                                      &route->name.str, &domain->name.str);
        }

        i = 0;

    } else {
        for (i = 0; i < domain->servers.nelts; i++) {
            if (servers[i].id.str.len == route->server.str.len
                && kg_strncmp(servers[i].id.str.data, route->server.str.data,
                              route->server.str.len)
                   == 0)
            {
                break;
            }
        }

        if (i == domain->servers.nelts) {
            return kg_conf_yaml_error(ctx, route->server.node, "unknown "
                                      "bootstrap server id \"%V\" in "
                                      "streaming domain \"%V\"",
                                      &route->server.str,
                                      &domain->name.str);
        }
    }

    name = kg_conf_yaml_cluster_name(ctx, domain, i);
    if (name == NULL) {
        return KG_ERROR;
    }

    (void) kg_conf_yaml_endpoint(ctx, &route->endpoint, &host, &port);

    block = kg_conf_yaml_block(ctx, route->node, "route", &route->name.str);
    if (block == NULL) {
        return KG_ERROR;
    }

    /* clients reach the endpoint's name: kgate binds every address */

    addr.data = kg_pnalloc(ctx->cy->pool, sizeof("0.0.0.0:65535"));
    if (addr.data == NULL) {
        return KG_ERROR;
    }

    if (host.data[0] == '[') {
        addr.len = kg_sprintf(addr.data, "[::]:%ui", port) - addr.data;
        host.data++;
        host.len -= 2;

    } else {
        addr.len = kg_sprintf(addr.data, "0.0.0.0:%ui", port) - addr.data;
    }

    if (kg_conf_yaml_add(ctx, block, route->endpoint.node, "listen", &addr,
                         NULL)
        != KG_OK
        || kg_conf_yaml_add(ctx, block, route->endpoint.node, "advertise",
                            &host, NULL)
           != KG_OK
        || kg_conf_yaml_add(ctx, block, route->domain.node, "cluster", name,
                            NULL)
           != KG_OK)
    {
        return KG_ERROR;
    }

    if (route->strategy.str.data[0] == 'p') {

        if (domain->node_min == -1) {
            return kg_conf_yaml_error(ctx, route->strategy.node, "the "
                                      "\"port\" strategy of route \"%V\" "
                                      "needs \"nodeIdRanges\" in streaming "
                                      "domain \"%V\"", &route->name.str,
                                      &domain->name.str);
        }

        first = port + 1;
        lastp = port + 1 + (kg_uint_t) (domain->node_max - domain->node_min);

        if (lastp > 65535) {
            return kg_conf_yaml_error(ctx, route->strategy.node, "the "
                                      "broker ports of route \"%V\" would "
                                      "end after port 65535",
                                      &route->name.str);
        }

        ports.data = kg_pnalloc(ctx->cy->pool,
                                sizeof("65535-65535 node_id_base=")
                                + KG_INT_T_LEN);
        if (ports.data == NULL) {
            return KG_ERROR;
        }

        ports.len = kg_sprintf(ports.data, "%ui-%ui", first, lastp)
                    - ports.data;

        sni.data = ports.data + ports.len + 1;
        sni.len = kg_sprintf(sni.data, "node_id_base=%i", domain->node_min)
                  - sni.data;

        if (kg_conf_yaml_add(ctx, block, route->strategy.node,
                             "broker_ports", &ports, &sni)
            != KG_OK)
        {
            return KG_ERROR;
        }

    } else {

        /* "broker-$(nodeId).gw.example.com:9092" -> "broker-$node_id..." */

        p = route->pattern.str.data;
        last = p + route->pattern.str.len;

        var = kg_strlcasestrn(p, last, (u_char *) "$(nodeId)", 9 - 1);

        if (var == NULL) {
            return kg_conf_yaml_error(ctx, route->pattern.node, "no "
                                      "\"$(nodeId)\" in pattern \"%V\"",
                                      &route->pattern.str);
        }

        len = route->pattern.str.len;

        for (p = last; p > var + 9; p--) {
            if (p[-1] == ':') {
                n = kg_atoi(p, last - p);

                if (n != (kg_int_t) port) {
                    return kg_conf_yaml_error(ctx, route->pattern.node,
                                              "the port in pattern \"%V\" "
                                              "must be the endpoint's",
                                              &route->pattern.str);
                }

                len = p - 1 - route->pattern.str.data;
                break;
            }
        }

        sni.data = kg_pnalloc(ctx->cy->pool, len);
        if (sni.data == NULL) {
            return KG_ERROR;
        }

        p = kg_cpymem(sni.data, route->pattern.str.data,
                      var - route->pattern.str.data);
        p = kg_cpymem(p, "$node_id", sizeof("$node_id") - 1);
        p = kg_cpymem(p, var + 9, route->pattern.str.data + len - var - 9);

        sni.len = p - sni.data;

        if (route->ssl.keystore.node == NULL) {
            return kg_conf_yaml_error(ctx, route->strategy.node, "the "
                                      "\"host\" strategy of route \"%V\" "
                                      "needs \"security.ssl.keystore\": "
                                      "brokers are told apart by TLS SNI",
                                      &route->name.str);
        }

        if (kg_conf_yaml_add(ctx, block, route->pattern.node, "sni", &sni,
                             NULL)
            != KG_OK)
        {
            return KG_ERROR;
        }
    }

    if (route->ssl.keystore.node) {
        if (kg_conf_yaml_add(ctx, block, route->ssl.keystore.location.node,
                             "tls_certificate",
                             &route->ssl.keystore.location.str, NULL)
            != KG_OK
            || kg_conf_yaml_add(ctx, block,
                                route->ssl.keystore.location.node,
                                "tls_certificate_key",
                                &route->ssl.keystore.location.str, NULL)
               != KG_OK)
        {
            return KG_ERROR;
        }
    }

    return KG_OK;
}


static kg_str_t *
kg_conf_yaml_cluster_name(kg_conf_yaml_ctx_t *ctx,
    kg_conf_yaml_domain_t *domain, kg_uint_t n)
{
    u_char                 *p;
    kg_str_t               *name;
    kg_conf_yaml_server_t  *server;

    if (domain->servers.nelts == 1) {
        return &domain->name.str;
    }

    server = (kg_conf_yaml_server_t *) domain->servers.elts + n;

    name = kg_palloc(ctx->cy->pool, sizeof(kg_str_t));
    if (name == NULL) {
        return NULL;
    }

    name->len = domain->name.str.len + 1 + server->id.str.len;

    name->data = kg_pnalloc(ctx->cy->pool, name->len);
    if (name->data == NULL) {
        return NULL;
    }

    p = kg_cpymem(name->data, domain->name.str.data, domain->name.str.len);
    *p++ = '.';
    kg_memcpy(p, server->id.str.data, server->id.str.len);

    return name;
}


static kg_conf_yaml_block_t *
kg_conf_yaml_block(kg_conf_yaml_ctx_t *ctx, yaml_node_t *node, char *name,
    kg_str_t *arg)
{
    u_char                *p;
    kg_conf_yaml_item_t   *item;
    kg_conf_yaml_block_t  *block;

    block = kg_array_push(&ctx->blocks);
    if (block == NULL) {
        return NULL;
    }

    block->line = kg_conf_yaml_line(ctx, node);

    if (kg_array_init(&block->items, ctx->cy->pool, 8,
                      sizeof(kg_conf_yaml_item_t))
        != KG_OK)
    {
        return NULL;
    }

    item = kg_array_push(&block->items);
    if (item == NULL) {
        return NULL;
    }

    p = kg_pnalloc(ctx->cy->pool, kg_strlen(name) + 1 + 2 + 2 * arg->len
                                  + sizeof(" {") - 1);
    if (p == NULL) {
        return NULL;
    }

    item->line = block->line;
    item->text.data = p;

    p = kg_cpymem(p, name, kg_strlen(name));
    *p++ = ' ';
    p = kg_conf_yaml_quote(p, arg);
    *p++ = ' ';
    *p++ = '{';

    item->text.len = p - item->text.data;

    return block;
}


/* adds "name arg1 [arg2];" at the line of the node */

static kg_int_t
kg_conf_yaml_add(kg_conf_yaml_ctx_t *ctx, kg_conf_yaml_block_t *block,
    yaml_node_t *node, char *name, kg_str_t *arg1, kg_str_t *arg2)
{
    u_char               *p;
    size_t                len;
    kg_uint_t             line;
    kg_conf_yaml_item_t  *item;

    len = kg_strlen(name) + 1 + 2 + 2 * arg1->len + sizeof(";") - 1;

    if (arg2) {
        len += 1 + 2 + 2 * arg2->len;
    }

    item = kg_array_push(&block->items);
    if (item == NULL) {
        return KG_ERROR;
    }

    p = kg_pnalloc(ctx->cy->pool, len);
    if (p == NULL) {
        return KG_ERROR;
    }

    item->text.data = p;

    p = kg_cpymem(p, name, kg_strlen(name));
    *p++ = ' ';
    p = kg_conf_yaml_quote(p, arg1);

    if (arg2) {
        *p++ = ' ';
        p = kg_conf_yaml_quote(p, arg2);
    }

    *p++ = ';';

    item->text.len = p - item->text.data;

    line = kg_conf_yaml_line(ctx, node);

    /* an alias may point above the block: the block's line then */

    item->line = (line < block->line) ? block->line : line;

    return KG_OK;
}


/*
 * Values come from the YAML file: they are quoted when they hold anything
 * the directive parser would read as syntax, so that no value can end a
 * directive or open a block.  "dst" has room for 2 + 2 * len bytes.
 */

static u_char *
kg_conf_yaml_quote(u_char *dst, kg_str_t *value)
{
    u_char     *s, *end;
    kg_uint_t   quote;

    s = value->data;
    end = s + value->len;

    quote = (value->len == 0);

    for ( /* void */ ; s < end; s++) {
        switch (*s) {
        case ' ': case '\t': case ';': case '{': case '}':
        case '"': case '\'': case '\\': case '#':
            quote = 1;
            break;
        }
    }

    if (quote) {
        *dst++ = '"';
    }

    for (s = value->data; s < end; s++) {
        if (quote && (*s == '"' || *s == '\\')) {
            *dst++ = '\\';
        }

        *dst++ = *s;
    }

    if (quote) {
        *dst++ = '"';
    }

    return dst;
}


static kg_int_t
kg_conf_yaml_cmp_blocks(const void *one, const void *two)
{
    const kg_conf_yaml_block_t  *a = one, *b = two;

    return (kg_int_t) a->line - (kg_int_t) b->line;
}


static kg_int_t
kg_conf_yaml_cmp_items(const void *one, const void *two)
{
    const kg_conf_yaml_item_t  *a = one, *b = two;

    return (kg_int_t) a->line - (kg_int_t) b->line;
}


/*
 * include_yaml FILE;
 *
 * The directives are parsed as the inside of a block ended by "}", read
 * from memory under the YAML file's name, so that the usual messages say
 * "in FILE:LINE" with the line of the YAML that the directive came from.
 */

char *
kg_conf_include_yaml(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    char            *rv;
    u_char          *data, *p;
    ssize_t          n;
    kg_buf_t         b;
    kg_str_t        *value, file;
    kg_pool_t       *pool;
    kg_conf_yaml_t   cy;
    kg_conf_file_t   conf_file, *prev;

    value = cf->args->elts;
    file = value[1];

    if (kg_conf_full_name(cf->cycle, &file, 1) != KG_OK) {
        return KG_CONF_ERROR;
    }

    kg_memzero(&conf_file, sizeof(kg_conf_file_t));

    conf_file.file.fd = kg_open_file(file.data, KG_FILE_RDONLY,
                                     KG_FILE_OPEN, 0);

    if (conf_file.file.fd == KG_INVALID_FILE) {
        kg_conf_log_error(KG_LOG_EMERG, cf, kg_errno,
                          kg_open_file_n " \"%s\" failed", file.data);
        return KG_CONF_ERROR;
    }

    conf_file.file.name = file;
    conf_file.file.log = cf->log;

    rv = KG_CONF_ERROR;
    pool = NULL;

    if (kg_fd_info(conf_file.file.fd, &conf_file.file.info)
        == KG_FILE_ERROR)
    {
        kg_conf_log_error(KG_LOG_EMERG, cf, kg_errno,
                          kg_fd_info_n " \"%s\" failed", file.data);
        goto done;
    }

    if (!kg_is_file(&conf_file.file.info)) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "\"%s\" is not a regular file", file.data);
        goto done;
    }

    if (kg_file_size(&conf_file.file.info) > KG_CONF_YAML_MAX_SIZE) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "\"%s\" is too large (%O bytes, max %d)",
                          file.data, kg_file_size(&conf_file.file.info),
                          KG_CONF_YAML_MAX_SIZE);
        goto done;
    }

    pool = kg_create_pool(KG_CONF_YAML_POOL_SIZE, cf->log);
    if (pool == NULL) {
        goto done;
    }

    data = kg_pnalloc(pool, kg_file_size(&conf_file.file.info) + 1);
    if (data == NULL) {
        goto done;
    }

    n = kg_read_file(&conf_file.file, data,
                     kg_file_size(&conf_file.file.info), 0);

    if (n == KG_ERROR) {
        goto done;
    }

    if (n != kg_file_size(&conf_file.file.info)) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          kg_read_file_n " \"%s\" returned only "
                          "%z bytes instead of %O", file.data, n,
                          kg_file_size(&conf_file.file.info));
        goto done;
    }

    if (kg_dump_config && kg_conf_yaml_add_dump(cf, &file, data, n) != KG_OK)
    {
        goto done;
    }

    cy.pool = pool;
    cy.name = file;

    if (kg_conf_yaml_translate(&cy, data, n) != KG_OK) {
        if (cy.error.len) {
            kg_log_error(KG_LOG_EMERG, cf->log, 0, "%V", &cy.error);
        }

        goto done;
    }

    kg_log_debug2(KG_LOG_DEBUG_CORE, cf->log, 0, "include_yaml %s:\n%V",
                  file.data, &cy.text);

    p = kg_pnalloc(pool, cy.text.len + 1);
    if (p == NULL) {
        goto done;
    }

    kg_memzero(&b, sizeof(kg_buf_t));

    b.start = p;
    b.pos = p;
    p = kg_cpymem(p, cy.text.data, cy.text.len);
    *p++ = '}';
    b.last = p;
    b.end = p;
    b.temporary = 1;

    /* nothing is left to read from the file: the text is in the buffer */

    kg_memzero(&conf_file.file.info, sizeof(kg_file_info_t));

    conf_file.buffer = &b;
    conf_file.line = 1;

    prev = cf->conf_file;
    conf_file.prev = prev;
    cf->conf_file = &conf_file;

    rv = kg_conf_parse(cf, NULL);

    cf->conf_file = prev;

done:

    if (pool) {
        kg_destroy_pool(pool);
    }

    if (kg_close_file(conf_file.file.fd) == KG_FILE_ERROR) {
        kg_log_error(KG_LOG_ALERT, cf->log, kg_errno,
                     kg_close_file_n " %s failed", file.data);
    }

    return rv;
}


/* "kgate -T" shows the YAML file as it was read, as for "include" */

static kg_int_t
kg_conf_yaml_add_dump(kg_conf_t *cf, kg_str_t *name, u_char *data,
    size_t len)
{
    kg_buf_t        *buf;
    kg_uint_t        i;
    kg_conf_dump_t  *cd;

    cd = cf->cycle->config_dump.elts;

    for (i = 0; i < cf->cycle->config_dump.nelts; i++) {
        if (cd[i].name.len == name->len
            && kg_strncmp(cd[i].name.data, name->data, name->len) == 0)
        {
            return KG_OK;
        }
    }

    buf = kg_create_temp_buf(cf->cycle->pool, len + 1);
    if (buf == NULL) {
        return KG_ERROR;
    }

    buf->last = kg_cpymem(buf->pos, data, len);

    cd = kg_array_push(&cf->cycle->config_dump);
    if (cd == NULL) {
        return KG_ERROR;
    }

    cd->name = *name;
    cd->buffer = buf;

    return KG_OK;
}
