/*
 * Copyright (C) kgate authors
 */


/*
 * A module of the right version built with other features (as if for
 * another ABI revision): load_module must refuse it.
 */


#include <kg_config.h>
#include <kg_core.h>


kg_module_t  abi_mismatch_module = {
    KG_MODULE_UNSET_INDEX, KG_MODULE_UNSET_INDEX,
    NULL, 0, 0, kgate_version,
    "8,4,8,epoll:1,openssl:1,debug:0,sanitize:0,abi:0",
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
    &abi_mismatch_module,
    NULL
};

char  *kg_module_names[] = {
    "abi_mismatch_module",
    NULL
};
