/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_CONF_YAML_H_INCLUDED_
#define _KG_CONF_YAML_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/* limits that keep a hostile or broken file from exhausting kgate */
#define KG_CONF_YAML_MAX_SIZE    1048576

/* nodes visited, an alias counting each time it is followed */
#define KG_CONF_YAML_MAX_NODES   100000

/* streaming domains, routes, bootstrap servers or node id ranges */
#define KG_CONF_YAML_MAX_ITEMS   1024

#define KG_CONF_YAML_PATH_LEN    256


/*
 * The translation of a Confluent Gateway configuration into directives.
 * Line N of the text holds the directives made from line N of the file,
 * so that the directive parser reports errors in them at the right line
 * of the YAML file; the text is padded with empty lines for that.
 */

typedef struct {
    kg_pool_t           *pool;
    kg_str_t             name;      /* the file, for messages */

    kg_str_t             text;      /* the directives */
    kg_str_t             error;     /* why the translation failed */
} kg_conf_yaml_t;


kg_int_t kg_conf_yaml_translate(kg_conf_yaml_t *cy, u_char *data,
    size_t len);
char *kg_conf_include_yaml(kg_conf_t *cf, kg_command_t *cmd, void *conf);


#endif /* _KG_CONF_YAML_H_INCLUDED_ */
