/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_MODULE_H_INCLUDED_
#define _KG_MODULE_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kgate.h>


#define KG_MODULE_UNSET_INDEX  (kg_uint_t) -1


/*
 * Bumped whenever a public structure changes its layout in a way that
 * the version number alone would not tell; part of the signature below.
 */
#define kg_abi_version         1


#ifndef kg_value
#define kg_value_helper(n)     #n
#define kg_value(n)            kg_value_helper(n)
#endif


/*
 * The signature is a string of the build features that change the layout
 * of the structures a module sees; load_module refuses a module built
 * with a different one.
 */

#define KG_MODULE_SIGNATURE_0                                                \
    kg_value(KG_PTR_SIZE) ","                                                \
    kg_value(KG_SIG_ATOMIC_T_SIZE) ","                                       \
    kg_value(KG_TIME_T_SIZE) ","

#if (KG_HAVE_EPOLL)
#define KG_MODULE_SIGNATURE_1  "epoll:1,"
#else
#define KG_MODULE_SIGNATURE_1  "epoll:0,"
#endif

#if (KG_HAVE_OPENSSL)
#define KG_MODULE_SIGNATURE_2  "openssl:1,"
#else
#define KG_MODULE_SIGNATURE_2  "openssl:0,"
#endif

#if (KG_DEBUG)
#define KG_MODULE_SIGNATURE_3  "debug:1,"
#else
#define KG_MODULE_SIGNATURE_3  "debug:0,"
#endif

#if (KG_SANITIZE)
#define KG_MODULE_SIGNATURE_4  "sanitize:1,"
#else
#define KG_MODULE_SIGNATURE_4  "sanitize:0,"
#endif

#define KG_MODULE_SIGNATURE_5  "abi:" kg_value(kg_abi_version)

#define KG_MODULE_SIGNATURE                                                  \
    KG_MODULE_SIGNATURE_0 KG_MODULE_SIGNATURE_1 KG_MODULE_SIGNATURE_2        \
    KG_MODULE_SIGNATURE_3 KG_MODULE_SIGNATURE_4 KG_MODULE_SIGNATURE_5


#define KG_MODULE_V1                                                         \
    KG_MODULE_UNSET_INDEX, KG_MODULE_UNSET_INDEX,                            \
    NULL, 0, 0, kgate_version, KG_MODULE_SIGNATURE

#define KG_MODULE_V1_PADDING  0, 0, 0, 0


/* the module kinds: four ASCII letters read as a little-endian number */

#define KG_CORE_MODULE         0x45524F43  /* "CORE" */
#define KG_EVENT_MODULE        0x544E5645  /* "EVNT" */
#define KG_CONF_MODULE         0x464E4F43  /* "CONF" */
#define KG_STREAM_MODULE       0x4D525453  /* "STRM" */
#define KG_KAFKA_MODULE        0x4B464B41  /* "KAFK" */
#define KG_AUTH_MODULE         0x48545541  /* "AUTH" */
#define KG_SECRET_MODULE       0x52434553  /* "SECR" */
#define KG_ROUTE_MODULE        0x54554F52  /* "ROUT" */
#define KG_ADMIN_MODULE        0x4E4D4441  /* "ADMN" */


/* room for modules added by load_module */
#define KG_MAX_DYNAMIC_MODULES  128


struct kg_module_s {
    kg_uint_t             ctx_index;
    kg_uint_t             index;

    char                 *name;

    kg_uint_t             spare0;
    kg_uint_t             spare1;

    kg_uint_t             version;
    const char           *signature;

    void                 *ctx;
    kg_command_t         *commands;
    kg_uint_t             type;

    kg_int_t            (*init_master)(kg_log_t *log);

    kg_int_t            (*init_module)(kg_cycle_t *cycle);

    kg_int_t            (*init_process)(kg_cycle_t *cycle);
    void                (*exit_process)(kg_cycle_t *cycle);

    void                (*exit_master)(kg_cycle_t *cycle);

    uintptr_t             spare_hook0;
    uintptr_t             spare_hook1;
    uintptr_t             spare_hook2;
    uintptr_t             spare_hook3;
};


typedef struct {
    kg_str_t              name;
    void               *(*create_conf)(kg_cycle_t *cycle);
    char               *(*init_conf)(kg_cycle_t *cycle, void *conf);
} kg_core_module_t;


kg_int_t kg_preinit_modules(void);
kg_int_t kg_cycle_modules(kg_cycle_t *cycle);
kg_int_t kg_init_modules(kg_cycle_t *cycle);
kg_int_t kg_count_modules(kg_cycle_t *cycle, kg_uint_t type);

kg_int_t kg_add_module(kg_conf_t *cf, kg_str_t *file, kg_module_t *module,
    char **order);


extern kg_module_t  *kg_modules[];
extern kg_uint_t     kg_max_module;

extern char         *kg_module_names[];


#endif /* _KG_MODULE_H_INCLUDED_ */
