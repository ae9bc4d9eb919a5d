/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kgate.h>


static kg_uint_t kg_module_index(kg_cycle_t *cycle);
static kg_uint_t kg_module_ctx_index(kg_cycle_t *cycle, kg_uint_t type,
    kg_uint_t index);


kg_uint_t         kg_max_module;
static kg_uint_t  kg_modules_n;


kg_int_t
kg_preinit_modules(void)
{
    kg_uint_t  i;

    for (i = 0; kg_modules[i]; i++) {
        kg_modules[i]->index = i;
        kg_modules[i]->name = kg_module_names[i];
    }

    kg_modules_n = i;
    kg_max_module = kg_modules_n + KG_MAX_DYNAMIC_MODULES;

    return KG_OK;
}


kg_int_t
kg_cycle_modules(kg_cycle_t *cycle)
{
    /*
     * create a list of modules to be used for this cycle,
     * copy static modules to it
     */

    cycle->modules = kg_pcalloc(cycle->pool, (kg_max_module + 1)
                                              * sizeof(kg_module_t *));
    if (cycle->modules == NULL) {
        return KG_ERROR;
    }

    kg_memcpy(cycle->modules, kg_modules,
              kg_modules_n * sizeof(kg_module_t *));

    cycle->modules_n = kg_modules_n;

    return KG_OK;
}


kg_int_t
kg_init_modules(kg_cycle_t *cycle)
{
    kg_uint_t  i;

    for (i = 0; cycle->modules[i]; i++) {
        if (cycle->modules[i]->init_module) {
            if (cycle->modules[i]->init_module(cycle) != KG_OK) {
                return KG_ERROR;
            }
        }
    }

    return KG_OK;
}


kg_int_t
kg_count_modules(kg_cycle_t *cycle, kg_uint_t type)
{
    kg_uint_t     i, next, max;
    kg_module_t  *module;

    next = 0;
    max = 0;

    /* count appropriate modules, set up their indices */

    for (i = 0; cycle->modules[i]; i++) {
        module = cycle->modules[i];

        if (module->type != type) {
            continue;
        }

        if (module->ctx_index != KG_MODULE_UNSET_INDEX) {

            /* if ctx_index was assigned, preserve it */

            if (module->ctx_index > max) {
                max = module->ctx_index;
            }

            if (module->ctx_index == next) {
                next++;
            }

            continue;
        }

        /* search for some free index */

        module->ctx_index = kg_module_ctx_index(cycle, type, next);

        if (module->ctx_index > max) {
            max = module->ctx_index;
        }

        next = module->ctx_index + 1;
    }

    /*
     * make sure the number returned is big enough for previous
     * cycle as well, else there will be problems if the number
     * will be stored in a global variable (as it's used to be)
     * and we'll have to roll back to the previous cycle
     */

    if (cycle->old_cycle && cycle->old_cycle->modules) {

        for (i = 0; cycle->old_cycle->modules[i]; i++) {
            module = cycle->old_cycle->modules[i];

            if (module->type != type) {
                continue;
            }

            if (module->ctx_index > max) {
                max = module->ctx_index;
            }
        }
    }

    /* prevent loading of additional modules */

    cycle->modules_used = 1;

    return max + 1;
}


kg_int_t
kg_add_module(kg_conf_t *cf, kg_str_t *file, kg_module_t *module,
    char **order)
{
    void              *rv;
    kg_uint_t          i, m, before;
    kg_core_module_t  *core_module;

    if (cf->cycle->modules_n >= kg_max_module) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0, "too many modules loaded");
        return KG_ERROR;
    }

    if (module->version != kgate_version) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "module \"%V\" version %ui instead of %ui",
                          file, module->version,
                          (kg_uint_t) kgate_version);
        return KG_ERROR;
    }

    if (module->signature == NULL
        || kg_strcmp(module->signature, KG_MODULE_SIGNATURE) != 0)
    {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "module \"%V\" is not binary compatible",
                          file);
        return KG_ERROR;
    }

    for (m = 0; cf->cycle->modules[m]; m++) {
        if (kg_strcmp(cf->cycle->modules[m]->name, module->name) == 0) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "module \"%s\" is already loaded",
                              module->name);
            return KG_ERROR;
        }
    }

    /*
     * if the module wasn't previously loaded, assign an index
     */

    if (module->index == KG_MODULE_UNSET_INDEX) {
        module->index = kg_module_index(cf->cycle);

        if (module->index >= kg_max_module) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "too many modules loaded");
            return KG_ERROR;
        }
    }

    /*
     * put the module into the cycle->modules array
     */

    before = cf->cycle->modules_n;

    if (order) {
        for (i = 0; order[i]; i++) {
            if (kg_strcmp(order[i], module->name) == 0) {
                i++;
                break;
            }
        }

        for ( /* void */ ; order[i]; i++) {

            for (m = 0; m < before; m++) {
                if (kg_strcmp(cf->cycle->modules[m]->name, order[i]) == 0) {
                    before = m;
                    break;
                }
            }
        }
    }

    /* put the module before modules[before] */

    if (before != cf->cycle->modules_n) {
        kg_memmove(&cf->cycle->modules[before + 1],
                   &cf->cycle->modules[before],
                   (cf->cycle->modules_n - before) * sizeof(kg_module_t *));
    }

    cf->cycle->modules[before] = module;
    cf->cycle->modules_n++;

    if (module->type == KG_CORE_MODULE) {

        /*
         * we are smart enough to initialize core modules right here,
         * the cycle created their siblings' configurations already
         */

        core_module = module->ctx;

        if (core_module && core_module->create_conf) {
            rv = core_module->create_conf(cf->cycle);
            if (rv == NULL) {
                return KG_ERROR;
            }

            cf->cycle->conf_ctx[module->index] = rv;
        }
    }

    return KG_OK;
}


static kg_uint_t
kg_module_index(kg_cycle_t *cycle)
{
    kg_uint_t     i, index;
    kg_module_t  *module;

    index = 0;

again:

    /* find an unused index */

    for (i = 0; cycle->modules[i]; i++) {
        module = cycle->modules[i];

        if (module->index == index) {
            index++;
            goto again;
        }
    }

    /* check previous cycle */

    if (cycle->old_cycle && cycle->old_cycle->modules) {

        for (i = 0; cycle->old_cycle->modules[i]; i++) {
            module = cycle->old_cycle->modules[i];

            if (module->index == index) {
                index++;
                goto again;
            }
        }
    }

    return index;
}


static kg_uint_t
kg_module_ctx_index(kg_cycle_t *cycle, kg_uint_t type, kg_uint_t index)
{
    kg_uint_t     i;
    kg_module_t  *module;

again:

    /* find an unused ctx_index */

    for (i = 0; cycle->modules[i]; i++) {
        module = cycle->modules[i];

        if (module->type != type) {
            continue;
        }

        if (module->ctx_index == index) {
            index++;
            goto again;
        }
    }

    /* check previous cycle */

    if (cycle->old_cycle && cycle->old_cycle->modules) {

        for (i = 0; cycle->old_cycle->modules[i]; i++) {
            module = cycle->old_cycle->modules[i];

            if (module->type != type) {
                continue;
            }

            if (module->ctx_index == index) {
                index++;
                goto again;
            }
        }
    }

    return index;
}
