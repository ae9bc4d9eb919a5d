/*
 * Copyright (C) kgate authors
 */


/*
 * A valid dynamic module for the loader tests: a core module with one
 * directive, set through kgate's own slot setter so that loading it also
 * proves the module resolves kgate's symbols.
 */


#include <kg_config.h>
#include <kg_core.h>


typedef struct {
    kg_int_t   value;
} good_conf_t;


static void *good_create_conf(kg_cycle_t *cycle);


static kg_command_t  good_commands[] = {

    { kg_string("good_value"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_num_slot,
      0,
      offsetof(good_conf_t, value),
      NULL },

      kg_null_command
};


static kg_core_module_t  good_module_ctx = {
    kg_string("good"),
    good_create_conf,
    NULL
};


kg_module_t  good_module = {
    KG_MODULE_V1,
    &good_module_ctx,                      /* module context */
    good_commands,                         /* module directives */
    KG_CORE_MODULE,                        /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


kg_module_t  *kg_modules[] = {
    &good_module,
    NULL
};

char  *kg_module_names[] = {
    "good_module",
    NULL
};

char  *kg_module_order[] = {
    NULL
};


static void *
good_create_conf(kg_cycle_t *cycle)
{
    good_conf_t  *gcf;

    gcf = kg_pcalloc(cycle->pool, sizeof(good_conf_t));
    if (gcf == NULL) {
        return NULL;
    }

    gcf->value = KG_CONF_UNSET;

    return gcf;
}
