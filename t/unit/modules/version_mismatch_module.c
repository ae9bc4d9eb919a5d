/*
 * Copyright (C) kgate authors
 */


/* a module built for another kgate version: load_module must refuse it */


#include <kg_config.h>
#include <kg_core.h>


kg_module_t  version_mismatch_module = {
    KG_MODULE_UNSET_INDEX, KG_MODULE_UNSET_INDEX,
    NULL, 0, 0, 999, KG_MODULE_SIGNATURE,
    NULL,                                  /* module context */
    NULL,                                  /* module directives */
    KG_CORE_MODULE,                        /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


kg_module_t  *kg_modules[] = {
    &version_mismatch_module,
    NULL
};

char  *kg_module_names[] = {
    "version_mismatch_module",
    NULL
};
