/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_LOG_H_INCLUDED_
#define _KG_LOG_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


#define KG_LOG_STDERR            0
#define KG_LOG_EMERG             1
#define KG_LOG_ALERT             2
#define KG_LOG_CRIT              3
#define KG_LOG_ERR               4
#define KG_LOG_WARN              5
#define KG_LOG_NOTICE            6
#define KG_LOG_INFO              7
#define KG_LOG_DEBUG             8

#define KG_LOG_DEBUG_CORE        0x010
#define KG_LOG_DEBUG_ALLOC       0x020
#define KG_LOG_DEBUG_MUTEX       0x040
#define KG_LOG_DEBUG_EVENT       0x080
#define KG_LOG_DEBUG_STREAM      0x100
#define KG_LOG_DEBUG_KAFKA       0x200
#define KG_LOG_DEBUG_AUTH        0x400
#define KG_LOG_DEBUG_SECRET      0x800

/* keep debug_levels[] in kg_log.c in step with these */

#define KG_LOG_DEBUG_FIRST       KG_LOG_DEBUG_CORE
#define KG_LOG_DEBUG_LAST        KG_LOG_DEBUG_SECRET
#define KG_LOG_DEBUG_CONNECTION  0x80000000
#define KG_LOG_DEBUG_ALL         0x7ffffff0


typedef u_char *(*kg_log_handler_pt) (kg_log_t *log, u_char *buf, size_t len);
typedef void (*kg_log_writer_pt) (kg_log_t *log, kg_uint_t level,
    u_char *buf, size_t len);


struct kg_log_s {
    kg_uint_t            log_level;
    kg_open_file_t      *file;

    kg_atomic_uint_t     connection;

    time_t               disk_full_time;

    kg_log_handler_pt    handler;
    void                *data;

    kg_log_writer_pt     writer;
    void                *wdata;

    /* "char *": actions are static strings, printed as ", while %s" */

    char                *action;

    kg_log_t            *next;
};


#define KG_MAX_ERROR_STR   2048


/* no threads: the "#tid" part of a log line is always 0 */

#ifndef kg_log_tid
#define kg_log_tid         0
#define KG_TID_T_FMT       "%d"
#endif


#define kg_log_error(level, log, ...)                                        \
    if ((log)->log_level >= (level)) kg_log_error_core(level, log, __VA_ARGS__)

void kg_log_error_core(kg_uint_t level, kg_log_t *log, kg_err_t err,
    const char *fmt, ...);

#define kg_log_debug(level, log, ...)                                        \
    if ((log)->log_level & level)                                            \
        kg_log_error_core(KG_LOG_DEBUG, log, __VA_ARGS__)

#if (KG_DEBUG)

#define kg_log_debug0(level, log, err, fmt)                                  \
        kg_log_debug(level, log, err, fmt)

#define kg_log_debug1(level, log, err, fmt, arg1)                            \
        kg_log_debug(level, log, err, fmt, arg1)

#define kg_log_debug2(level, log, err, fmt, arg1, arg2)                      \
        kg_log_debug(level, log, err, fmt, arg1, arg2)

#define kg_log_debug3(level, log, err, fmt, arg1, arg2, arg3)                \
        kg_log_debug(level, log, err, fmt, arg1, arg2, arg3)

#define kg_log_debug4(level, log, err, fmt, arg1, arg2, arg3, arg4)          \
        kg_log_debug(level, log, err, fmt, arg1, arg2, arg3, arg4)

#define kg_log_debug5(level, log, err, fmt, arg1, arg2, arg3, arg4, arg5)    \
        kg_log_debug(level, log, err, fmt, arg1, arg2, arg3, arg4, arg5)

#define kg_log_debug6(level, log, err, fmt,                                  \
                       arg1, arg2, arg3, arg4, arg5, arg6)                   \
        kg_log_debug(level, log, err, fmt,                                   \
                       arg1, arg2, arg3, arg4, arg5, arg6)

#define kg_log_debug7(level, log, err, fmt,                                  \
                       arg1, arg2, arg3, arg4, arg5, arg6, arg7)             \
        kg_log_debug(level, log, err, fmt,                                   \
                       arg1, arg2, arg3, arg4, arg5, arg6, arg7)

#define kg_log_debug8(level, log, err, fmt,                                  \
                       arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8)       \
        kg_log_debug(level, log, err, fmt,                                   \
                       arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8)

#else /* !KG_DEBUG */

#define kg_log_debug0(level, log, err, fmt)
#define kg_log_debug1(level, log, err, fmt, arg1)
#define kg_log_debug2(level, log, err, fmt, arg1, arg2)
#define kg_log_debug3(level, log, err, fmt, arg1, arg2, arg3)
#define kg_log_debug4(level, log, err, fmt, arg1, arg2, arg3, arg4)
#define kg_log_debug5(level, log, err, fmt, arg1, arg2, arg3, arg4, arg5)
#define kg_log_debug6(level, log, err, fmt, arg1, arg2, arg3, arg4, arg5, arg6)
#define kg_log_debug7(level, log, err, fmt, arg1, arg2, arg3, arg4, arg5,    \
                       arg6, arg7)
#define kg_log_debug8(level, log, err, fmt, arg1, arg2, arg3, arg4, arg5,    \
                       arg6, arg7, arg8)

#endif

/*
 * opens the default error log (KG_ERROR_LOG_PATH under prefix, or the
 * given file) before the configuration is read; falls back to stderr
 */
kg_log_t *kg_log_init(u_char *prefix, u_char *error_log);
void kg_log_abort(kg_err_t err, const char *fmt, ...);
void kg_log_stderr(kg_err_t err, const char *fmt, ...);
u_char *kg_log_errno(u_char *buf, u_char *last, kg_err_t err);
kg_int_t kg_log_open_default(kg_cycle_t *cycle);
kg_int_t kg_log_redirect_stderr(kg_cycle_t *cycle);
kg_log_t *kg_log_get_file_log(kg_log_t *head);
char *kg_log_set_log(kg_conf_t *cf, kg_log_t **head);


static inline void
kg_write_stderr(char *text)
{
    (void) kg_write_fd(kg_stderr, text, kg_strlen(text));
}


static inline void
kg_write_stdout(char *text)
{
    (void) kg_write_fd(kg_stdout, text, kg_strlen(text));
}


extern kg_module_t  kg_errlog_module;
extern kg_uint_t    kg_use_stderr;


#endif /* _KG_LOG_H_INCLUDED_ */
