/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kgate.h>


static void *kg_core_module_create_conf(kg_cycle_t *cycle);
static char *kg_core_module_init_conf(kg_cycle_t *cycle, void *conf);
static char *kg_set_worker_processes(kg_conf_t *cf, kg_command_t *cmd,
    void *conf);
static char *kg_load_module(kg_conf_t *cf, kg_command_t *cmd, void *conf);
static void kg_unload_module(void *data);


static kg_command_t  kg_core_commands[] = {

    { kg_string("daemon"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_FLAG,
      kg_conf_set_flag_slot,
      0,
      offsetof(kg_core_conf_t, daemon),
      NULL },

    { kg_string("master_process"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_FLAG,
      kg_conf_set_flag_slot,
      0,
      offsetof(kg_core_conf_t, master),
      NULL },

    { kg_string("worker_processes"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_set_worker_processes,
      0,
      0,
      NULL },

    { kg_string("pid"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot,
      0,
      offsetof(kg_core_conf_t, pid),
      NULL },

    { kg_string("worker_shutdown_timeout"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_msec_slot,
      0,
      offsetof(kg_core_conf_t, shutdown_timeout),
      NULL },

    { kg_string("worker_rlimit_nofile"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_num_slot,
      0,
      offsetof(kg_core_conf_t, rlimit_nofile),
      NULL },

    { kg_string("working_directory"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_conf_set_str_slot,
      0,
      offsetof(kg_core_conf_t, working_directory),
      NULL },

    { kg_string("load_module"),
      KG_MAIN_CONF|KG_DIRECT_CONF|KG_CONF_TAKE1,
      kg_load_module,
      0,
      0,
      NULL },

      kg_null_command
};


static kg_core_module_t  kg_core_module_ctx = {
    kg_string("core"),
    kg_core_module_create_conf,
    kg_core_module_init_conf
};


kg_module_t  kg_core_module = {
    KG_MODULE_V1,
    &kg_core_module_ctx,                   /* module context */
    kg_core_commands,                      /* module directives */
    KG_CORE_MODULE,                        /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


static void *
kg_core_module_create_conf(kg_cycle_t *cycle)
{
    kg_core_conf_t  *ccf;

    ccf = kg_pcalloc(cycle->pool, sizeof(kg_core_conf_t));
    if (ccf == NULL) {
        return NULL;
    }

    /*
     * set by kg_pcalloc()
     *
     *     ccf->pid = NULL;
     *     ccf->oldpid = NULL;
     *     ccf->working_directory = { 0, NULL };
     */

    ccf->daemon = KG_CONF_UNSET;
    ccf->master = KG_CONF_UNSET;
    ccf->shutdown_timeout = KG_CONF_UNSET_MSEC;

    ccf->worker_processes = KG_CONF_UNSET;

    ccf->rlimit_nofile = KG_CONF_UNSET;

    return ccf;
}


static char *
kg_core_module_init_conf(kg_cycle_t *cycle, void *conf)
{
    kg_core_conf_t  *ccf = conf;

    kg_conf_init_value(ccf->daemon, 1);
    kg_conf_init_value(ccf->master, 1);
    kg_conf_init_msec_value(ccf->shutdown_timeout, 0);
    kg_conf_init_value(ccf->worker_processes, 1);

    if (ccf->pid.len == 0) {
        kg_str_set(&ccf->pid, KG_PID_PATH);
    }

    if (kg_conf_full_name(cycle, &ccf->pid, 0) != KG_OK) {
        return KG_CONF_ERROR;
    }

    ccf->oldpid.len = ccf->pid.len + sizeof(KG_OLDPID_EXT) - 1;

    ccf->oldpid.data = kg_pnalloc(cycle->pool, ccf->oldpid.len + 1);
    if (ccf->oldpid.data == NULL) {
        return KG_CONF_ERROR;
    }

    kg_memcpy(kg_cpymem(ccf->oldpid.data, ccf->pid.data, ccf->pid.len),
              KG_OLDPID_EXT, sizeof(KG_OLDPID_EXT));

    if (ccf->working_directory.len) {
        if (kg_conf_full_name(cycle, &ccf->working_directory, 0) != KG_OK) {
            return KG_CONF_ERROR;
        }
    }

    return KG_CONF_OK;
}


static char *
kg_set_worker_processes(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_str_t        *value;
    kg_core_conf_t  *ccf;

    ccf = (kg_core_conf_t *) conf;

    if (ccf->worker_processes != KG_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (kg_strcmp(value[1].data, "auto") == 0) {
        ccf->worker_processes = kg_ncpu > 0 ? kg_ncpu : 1;
        return KG_CONF_OK;
    }

    ccf->worker_processes = kg_atoi(value[1].data, value[1].len);

    if (ccf->worker_processes == KG_ERROR || ccf->worker_processes == 0) {
        ccf->worker_processes = KG_CONF_UNSET;
        return "invalid value";
    }

    return KG_CONF_OK;
}


/*
 * load_module FILE: the shared object exports kg_modules[] and
 * kg_module_names[] (and may export kg_module_order[]); each module is
 * checked and added to this cycle.  The handle is closed with the cycle
 * pool; dlopen() counts references, so a reload that loads the same
 * file again keeps the code mapped.
 */

static char *
kg_load_module(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    void               *handle;
    char              **names, **order;
    kg_str_t           *value, file;
    kg_uint_t           i;
    kg_module_t        *module, **modules;
    kg_pool_cleanup_t  *cln;

    if (cf->cycle->modules_used) {
        return "is specified too late";
    }

    value = cf->args->elts;

    file = value[1];

    if (kg_conf_full_name(cf->cycle, &file, 0) != KG_OK) {
        return KG_CONF_ERROR;
    }

    cln = kg_pool_cleanup_add(cf->cycle->pool, 0);
    if (cln == NULL) {
        return KG_CONF_ERROR;
    }

    handle = kg_dlopen(file.data);
    if (handle == NULL) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          kg_dlopen_n " \"%s\" failed (%s)",
                          file.data, kg_dlerror());
        return KG_CONF_ERROR;
    }

    cln->handler = kg_unload_module;
    cln->data = handle;

    modules = kg_dlsym(handle, "kg_modules");
    if (modules == NULL) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          kg_dlsym_n " \"%s\" failed in \"%s\" (%s)",
                          "kg_modules", file.data, kg_dlerror());
        return KG_CONF_ERROR;
    }

    names = kg_dlsym(handle, "kg_module_names");
    if (names == NULL) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          kg_dlsym_n " \"%s\" failed in \"%s\" (%s)",
                          "kg_module_names", file.data, kg_dlerror());
        return KG_CONF_ERROR;
    }

    order = kg_dlsym(handle, "kg_module_order");

    for (i = 0; modules[i]; i++) {
        module = modules[i];

        if (names[i] == NULL) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "module without a name in \"%s\"", file.data);
            return KG_CONF_ERROR;
        }

        module->name = names[i];

        if (kg_add_module(cf, &file, module, order) != KG_OK) {
            return KG_CONF_ERROR;
        }

        kg_log_debug2(KG_LOG_DEBUG_CORE, cf->log, 0, "module: %s i:%ui",
                      module->name, module->index);
    }

    return KG_CONF_OK;
}


static void
kg_unload_module(void *data)
{
    void  *handle = data;

    if (kg_dlclose(handle) != 0) {
        kg_log_error(KG_LOG_ALERT, kg_cycle->log, 0,
                     kg_dlclose_n " failed (%s)", kg_dlerror());
    }
}
