/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_CONF_FILE_H_INCLUDED_
#define _KG_CONF_FILE_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/*
 *        AAAA  number of arguments
 *      FF      command flags
 *    TT        command type, i.e. the context a directive is allowed in
 *
 * The context byte: KG_MAIN_CONF is the top level; every module kind
 * defines the rest of its bits in its own header (KG_EVENT_CONF,
 * KG_STREAM_MAIN_CONF 0x02000000, KG_STREAM_SRV_CONF 0x04000000,
 * KG_KAFKA_MAIN_CONF 0x08000000 ...).  Bits of different kinds may
 * overlap: a directive is only looked up among the modules of the kind
 * whose block is being parsed (cf->module_type).
 */

#define KG_CONF_NOARGS      0x00000001
#define KG_CONF_TAKE1       0x00000002
#define KG_CONF_TAKE2       0x00000004
#define KG_CONF_TAKE3       0x00000008
#define KG_CONF_TAKE4       0x00000010
#define KG_CONF_TAKE5       0x00000020
#define KG_CONF_TAKE6       0x00000040
#define KG_CONF_TAKE7       0x00000080

#define KG_CONF_MAX_ARGS    8

#define KG_CONF_TAKE12      (KG_CONF_TAKE1|KG_CONF_TAKE2)
#define KG_CONF_TAKE13      (KG_CONF_TAKE1|KG_CONF_TAKE3)

#define KG_CONF_TAKE23      (KG_CONF_TAKE2|KG_CONF_TAKE3)

#define KG_CONF_TAKE123     (KG_CONF_TAKE1|KG_CONF_TAKE2|KG_CONF_TAKE3)
#define KG_CONF_TAKE1234    (KG_CONF_TAKE1|KG_CONF_TAKE2|KG_CONF_TAKE3   \
                              |KG_CONF_TAKE4)

#define KG_CONF_ARGS_NUMBER 0x000000ff
#define KG_CONF_BLOCK       0x00000100
#define KG_CONF_FLAG        0x00000200
#define KG_CONF_ANY         0x00000400
#define KG_CONF_1MORE       0x00000800
#define KG_CONF_2MORE       0x00001000

#define KG_DIRECT_CONF      0x00010000

#define KG_MAIN_CONF        0x01000000
#define KG_ANY_CONF         0xFF000000



#define KG_CONF_UNSET       -1
#define KG_CONF_UNSET_UINT  (kg_uint_t) -1
#define KG_CONF_UNSET_PTR   (void *) -1
#define KG_CONF_UNSET_SIZE  (size_t) -1
#define KG_CONF_UNSET_MSEC  (kg_msec_t) -1


#define KG_CONF_OK          NULL
#define KG_CONF_ERROR       (void *) -1

#define KG_CONF_BLOCK_START 1
#define KG_CONF_BLOCK_DONE  2
#define KG_CONF_FILE_DONE   3


/* limits that keep a hostile or broken file from exhausting kgate */
#define KG_CONF_BUFFER             131072
#define KG_CONF_MAX_LINE           65536
#define KG_CONF_MAX_BLOCK_DEPTH    32
#define KG_CONF_MAX_INCLUDE_DEPTH  16


#define KG_MAX_CONF_ERRSTR  1024


struct kg_command_s {
    kg_str_t             name;
    kg_uint_t            type;
    char               *(*set)(kg_conf_t *cf, kg_command_t *cmd, void *conf);
    kg_uint_t            conf;
    kg_uint_t            offset;
    void                *post;
};

#define kg_null_command  { kg_null_string, 0, NULL, 0, 0, NULL }


struct kg_open_file_s {
    kg_fd_t              fd;
    kg_str_t             name;

    void               (*flush)(kg_open_file_t *file, kg_log_t *log);
    void                *data;
};


typedef struct kg_conf_file_s  kg_conf_file_t;

struct kg_conf_file_s {
    kg_file_t            file;
    kg_buf_t            *buffer;
    kg_buf_t            *dump;
    kg_uint_t            line;

    /* bytes read since the last LF, to enforce KG_CONF_MAX_LINE */
    kg_uint_t            line_len;

    /* the including file, to detect include loops and nesting */
    kg_conf_file_t      *prev;
};


typedef struct {
    kg_str_t             name;
    kg_buf_t            *buffer;
} kg_conf_dump_t;


typedef char *(*kg_conf_handler_pt)(kg_conf_t *cf,
    kg_command_t *dummy, void *conf);


struct kg_conf_s {
    char                *name;
    kg_array_t          *args;

    kg_cycle_t          *cycle;
    kg_pool_t           *pool;
    kg_pool_t           *temp_pool;
    kg_conf_file_t      *conf_file;
    kg_log_t            *log;

    void                *ctx;
    kg_uint_t            module_type;
    kg_uint_t            cmd_type;

    kg_conf_handler_pt   handler;
    void                *handler_conf;

    /* blocks being parsed, to enforce KG_CONF_MAX_BLOCK_DEPTH */
    kg_uint_t            depth;
};


typedef char *(*kg_conf_post_handler_pt) (kg_conf_t *cf,
    void *data, void *conf);

typedef struct {
    kg_conf_post_handler_pt  post_handler;
} kg_conf_post_t;


typedef struct {
    kg_conf_post_handler_pt  post_handler;
    char                    *old_name;
    char                    *new_name;
} kg_conf_deprecated_t;


typedef struct {
    kg_conf_post_handler_pt  post_handler;
    kg_int_t                 low;
    kg_int_t                 high;
} kg_conf_num_bounds_t;


typedef struct {
    kg_str_t                 name;
    kg_uint_t                value;
} kg_conf_enum_t;


#define KG_CONF_BITMASK_SET  1

typedef struct {
    kg_str_t                 name;
    kg_uint_t                mask;
} kg_conf_bitmask_t;



char *kg_conf_deprecated(kg_conf_t *cf, void *post, void *data);
char *kg_conf_check_num_bounds(kg_conf_t *cf, void *post, void *data);


#define kg_get_conf(conf_ctx, module)  conf_ctx[module.index]



#define kg_conf_init_value(conf, default)                                    \
    if (conf == KG_CONF_UNSET) {                                             \
        conf = default;                                                      \
    }

#define kg_conf_init_ptr_value(conf, default)                                \
    if (conf == KG_CONF_UNSET_PTR) {                                         \
        conf = default;                                                      \
    }

#define kg_conf_init_uint_value(conf, default)                               \
    if (conf == KG_CONF_UNSET_UINT) {                                        \
        conf = default;                                                      \
    }

#define kg_conf_init_size_value(conf, default)                               \
    if (conf == KG_CONF_UNSET_SIZE) {                                        \
        conf = default;                                                      \
    }

#define kg_conf_init_msec_value(conf, default)                               \
    if (conf == KG_CONF_UNSET_MSEC) {                                        \
        conf = default;                                                      \
    }

#define kg_conf_merge_value(conf, prev, default)                             \
    if (conf == KG_CONF_UNSET) {                                             \
        conf = (prev == KG_CONF_UNSET) ? default : prev;                     \
    }

#define kg_conf_merge_ptr_value(conf, prev, default)                         \
    if (conf == KG_CONF_UNSET_PTR) {                                         \
        conf = (prev == KG_CONF_UNSET_PTR) ? default : prev;                 \
    }

#define kg_conf_merge_uint_value(conf, prev, default)                        \
    if (conf == KG_CONF_UNSET_UINT) {                                        \
        conf = (prev == KG_CONF_UNSET_UINT) ? default : prev;                \
    }

#define kg_conf_merge_msec_value(conf, prev, default)                        \
    if (conf == KG_CONF_UNSET_MSEC) {                                        \
        conf = (prev == KG_CONF_UNSET_MSEC) ? default : prev;                \
    }

#define kg_conf_merge_sec_value(conf, prev, default)                         \
    if (conf == KG_CONF_UNSET) {                                             \
        conf = (prev == KG_CONF_UNSET) ? default : prev;                     \
    }

#define kg_conf_merge_size_value(conf, prev, default)                        \
    if (conf == KG_CONF_UNSET_SIZE) {                                        \
        conf = (prev == KG_CONF_UNSET_SIZE) ? default : prev;                \
    }

#define kg_conf_merge_off_value(conf, prev, default)                         \
    if (conf == KG_CONF_UNSET) {                                             \
        conf = (prev == KG_CONF_UNSET) ? default : prev;                     \
    }

#define kg_conf_merge_str_value(conf, prev, default)                         \
    if (conf.data == NULL) {                                                 \
        if (prev.data) {                                                     \
            conf.len = prev.len;                                             \
            conf.data = prev.data;                                           \
        } else {                                                             \
            conf.len = sizeof(default) - 1;                                  \
            conf.data = (u_char *) default;                                  \
        }                                                                    \
    }

#define kg_conf_merge_bitmask_value(conf, prev, default)                     \
    if (conf == 0) {                                                         \
        conf = (prev == 0) ? default : prev;                                 \
    }


char *kg_conf_param(kg_conf_t *cf);
char *kg_conf_parse(kg_conf_t *cf, kg_str_t *filename);
char *kg_conf_include(kg_conf_t *cf, kg_command_t *cmd, void *conf);


kg_int_t kg_conf_full_name(kg_cycle_t *cycle, kg_str_t *name,
    kg_uint_t conf_prefix);
kg_open_file_t *kg_conf_open_file(kg_cycle_t *cycle, kg_str_t *name);
void kg_conf_log_error(kg_uint_t level, kg_conf_t *cf,
    kg_err_t err, const char *fmt, ...);


char *kg_conf_set_flag_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf);
char *kg_conf_set_str_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf);
char *kg_conf_set_str_array_slot(kg_conf_t *cf, kg_command_t *cmd,
    void *conf);
char *kg_conf_set_keyval_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf);
char *kg_conf_set_num_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf);
char *kg_conf_set_size_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf);
char *kg_conf_set_off_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf);
char *kg_conf_set_msec_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf);
char *kg_conf_set_sec_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf);
char *kg_conf_set_enum_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf);
char *kg_conf_set_bitmask_slot(kg_conf_t *cf, kg_command_t *cmd, void *conf);


extern kg_module_t  kg_conf_module;


#endif /* _KG_CONF_FILE_H_INCLUDED_ */
