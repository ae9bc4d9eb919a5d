/*
 * Copyright (C) kgate authors
 */


/*
 * A third-party module as small as one can be: built out of tree with
 * --add-dynamic-module, loaded with load_module, it logs its banner when
 * a worker starts so that the tests can see it ran.
 */


#include <kg_config.h>
#include <kg_core.h>


typedef struct {
    kg_str_t  banner;
} kg_test_dynamic_conf_t;


static void *kg_test_dynamic_create_conf(kg_cycle_t *cycle);
static kg_int_t kg_test_dynamic_init_master(kg_log_t *log);
static kg_int_t kg_test_dynamic_init_process(kg_cycle_t *cycle);


static kg_command_t  kg_test_dynamic_commands[] = {

    { kg_string("test_dynamic_banner"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot,
      0,
      offsetof(kg_test_dynamic_conf_t, banner),
      NULL },

      kg_null_command
};


static kg_core_module_t  kg_test_dynamic_module_ctx = {
    kg_string("test_dynamic"),
    kg_test_dynamic_create_conf,
    NULL
};


kg_module_t  kg_test_dynamic_module = {
    KG_MODULE_V1,
    &kg_test_dynamic_module_ctx,           /* module context */
    kg_test_dynamic_commands,              /* module directives */
    KG_CORE_MODULE,                        /* module type */
    kg_test_dynamic_init_master,           /* init master */
    NULL,                                  /* init module */
    kg_test_dynamic_init_process,          /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


static void *
kg_test_dynamic_create_conf(kg_cycle_t *cycle)
{
    kg_test_dynamic_conf_t  *conf;

    /*
     * set by kg_pcalloc():
     *
     *     conf->banner = { 0, NULL };
     */

    conf = kg_pcalloc(cycle->pool, sizeof(kg_test_dynamic_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    return conf;
}


static kg_int_t
kg_test_dynamic_init_master(kg_log_t *log)
{
    kg_log_error(KG_LOG_NOTICE, log, 0, "test_dynamic: master started");

    return KG_OK;
}


static kg_int_t
kg_test_dynamic_init_process(kg_cycle_t *cycle)
{
    kg_test_dynamic_conf_t  *conf;

    conf = (kg_test_dynamic_conf_t *)
               kg_get_conf(cycle->conf_ctx, kg_test_dynamic_module);

    if (conf == NULL || conf->banner.data == NULL) {
        return KG_OK;
    }

    kg_log_error(KG_LOG_NOTICE, cycle->log, 0,
                 "test_dynamic_banner: \"%V\"", &conf->banner);

    return KG_OK;
}
