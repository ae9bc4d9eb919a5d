/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


static char *kg_error_log(kg_conf_t *cf, kg_command_t *cmd, void *conf);
static char *kg_log_set_levels(kg_conf_t *cf, kg_log_t *log);
static void kg_log_insert(kg_log_t *log, kg_log_t *new_log);


static kg_command_t  kg_errlog_commands[] = {

    { kg_string("error_log"),
      KG_MAIN_CONF|KG_CONF_1MORE,
      kg_error_log,
      0,
      0,
      NULL },

      kg_null_command
};


static kg_core_module_t  kg_errlog_module_ctx = {
    kg_string("errlog"),
    NULL,
    NULL
};


kg_module_t  kg_errlog_module = {
    KG_MODULE_V1,
    &kg_errlog_module_ctx,                 /* module context */
    kg_errlog_commands,                    /* module directives */
    KG_CORE_MODULE,                        /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


static kg_log_t        kg_log;
static kg_open_file_t  kg_log_file;
kg_uint_t              kg_use_stderr = 1;


static kg_str_t err_levels[] = {
    kg_null_string,
    kg_string("emerg"),
    kg_string("alert"),
    kg_string("crit"),
    kg_string("error"),
    kg_string("warn"),
    kg_string("notice"),
    kg_string("info"),
    kg_string("debug")
};

static kg_str_t debug_levels[] = {
    kg_string("debug_core"),
    kg_string("debug_alloc"),
    kg_string("debug_mutex"),
    kg_string("debug_event"),
    kg_string("debug_stream"),
    kg_string("debug_kafka"),
    kg_string("debug_auth"),
    kg_string("debug_secret")
};


/*
 * one line is built in a stack buffer and written with one write() per
 * log, so lines of concurrent processes never interleave in a file
 * opened with O_APPEND; a line that does not fit is cut, never overrun
 */

void
kg_log_error_core(kg_uint_t level, kg_log_t *log, kg_err_t err,
    const char *fmt, ...)
{
    va_list      args;
    u_char      *p, *last, *msg;
    size_t       prefix;
    ssize_t      n;
    kg_uint_t    wrote_stderr, debug_connection;
    u_char       errstr[KG_MAX_ERROR_STR];

    last = errstr + KG_MAX_ERROR_STR;

    p = errstr;

    if (kg_cached_err_log_time.len) {
        p = kg_cpymem(p, kg_cached_err_log_time.data,
                      kg_cached_err_log_time.len);
    }

    if (level > KG_LOG_DEBUG) {
        level = KG_LOG_DEBUG;
    }

    p = kg_slprintf(p, last, " [%V] ", &err_levels[level]);

    /* pid#tid */
    p = kg_slprintf(p, last, "%P#" KG_TID_T_FMT ": ",
                    kg_log_pid, kg_log_tid);

    if (log->connection) {
        p = kg_slprintf(p, last, "*%uA ", log->connection);
    }

    msg = p;

    va_start(args, fmt);
    p = kg_vslprintf(p, last, fmt, args);
    va_end(args);

    if (err) {
        p = kg_log_errno(p, last, err);
    }

    if (level != KG_LOG_DEBUG) {

        if (log->handler) {
            p = log->handler(log, p, last - p);

        } else if (log->action) {
            p = kg_slprintf(p, last, ", while %s", log->action);
        }
    }

    if (p > last - KG_LINEFEED_SIZE) {
        p = last - KG_LINEFEED_SIZE;
    }

    kg_linefeed(p);

    wrote_stderr = 0;
    debug_connection = (log->log_level & KG_LOG_DEBUG_CONNECTION) != 0;

    while (log) {

        if (log->log_level < level && !debug_connection) {
            break;
        }

        if (log->writer) {
            log->writer(log, level, errstr, p - errstr);
            goto next;
        }

        if (log->file == NULL) {
            goto next;
        }

        /* a full disk is not retried more than once a second */

        if (kg_cached_time != NULL && kg_time() == log->disk_full_time) {
            goto next;
        }

        n = kg_write_fd(log->file->fd, errstr, p - errstr);

        if (n == -1 && kg_errno == KG_ENOSPC && kg_cached_time != NULL) {
            log->disk_full_time = kg_time();
        }

        if (log->file->fd == kg_stderr) {
            wrote_stderr = 1;
        }

    next:

        log = log->next;
    }

    if (!kg_use_stderr || level > KG_LOG_WARN || wrote_stderr) {
        return;
    }

    /* the console gets "kgate: [level] message" */

    prefix = sizeof("kgate: [") - 1 + err_levels[level].len + sizeof("] ") - 1;

    if ((size_t) (msg - errstr) < prefix) {
        (void) kg_write_console(kg_stderr, errstr, p - errstr);
        return;
    }

    msg -= prefix;
    (void) kg_sprintf(msg, "kgate: [%V] ", &err_levels[level]);

    (void) kg_write_console(kg_stderr, msg, p - msg);
}


void
kg_log_abort(kg_err_t err, const char *fmt, ...)
{
    u_char   *p;
    va_list   args;
    u_char    errstr[KG_MAX_ERROR_STR];

    va_start(args, fmt);
    p = kg_vsnprintf(errstr, sizeof(errstr) - 1, fmt, args);
    va_end(args);

    kg_log_error(KG_LOG_ALERT, kg_cycle->log, err,
                 "%*s", p - errstr, errstr);
}


void
kg_log_stderr(kg_err_t err, const char *fmt, ...)
{
    u_char   *p, *last;
    va_list   args;
    u_char    errstr[KG_MAX_ERROR_STR];

    last = errstr + KG_MAX_ERROR_STR;

    p = kg_cpymem(errstr, "kgate: ", 7);

    va_start(args, fmt);
    p = kg_vslprintf(p, last, fmt, args);
    va_end(args);

    if (err) {
        p = kg_log_errno(p, last, err);
    }

    if (p > last - KG_LINEFEED_SIZE) {
        p = last - KG_LINEFEED_SIZE;
    }

    kg_linefeed(p);

    (void) kg_write_console(kg_stderr, errstr, p - errstr);
}


u_char *
kg_log_errno(u_char *buf, u_char *last, kg_err_t err)
{
    if (buf > last - 50) {

        /* leave a space for an error code */

        buf = last - 50;
        *buf++ = '.';
        *buf++ = '.';
        *buf++ = '.';
    }

    buf = kg_slprintf(buf, last, " (%d: ", err);

    buf = kg_strerror(err, buf, last - buf);

    if (buf < last) {
        *buf++ = ')';
    }

    return buf;
}


kg_log_t *
kg_log_init(u_char *prefix, u_char *error_log)
{
    u_char  *p, *name;
    size_t   nlen, plen;

    kg_log.file = &kg_log_file;
    kg_log.log_level = KG_LOG_NOTICE;

    if (error_log == NULL) {
        error_log = (u_char *) KG_ERROR_LOG_PATH;
    }

    name = error_log;
    nlen = kg_strlen(name);

    if (nlen == 0) {
        kg_log_file.fd = kg_stderr;
        return &kg_log;
    }

    p = NULL;

    if (name[0] != '/') {

        if (prefix) {
            plen = kg_strlen(prefix);

        } else {
#ifdef KG_PREFIX
            prefix = (u_char *) KG_PREFIX;
            plen = kg_strlen(prefix);
#else
            plen = 0;
#endif
        }

        if (plen) {
            name = malloc(plen + nlen + 2);
            if (name == NULL) {
                return NULL;
            }

            p = kg_cpymem(name, prefix, plen);

            if (!kg_path_separator(*(p - 1))) {
                *p++ = '/';
            }

            kg_cpystrn(p, error_log, nlen + 1);

            p = name;
        }
    }

    kg_log_file.fd = kg_open_file(name, KG_FILE_APPEND,
                                  KG_FILE_CREATE_OR_OPEN,
                                  KG_FILE_DEFAULT_ACCESS);

    if (kg_log_file.fd == KG_INVALID_FILE) {

        /* not fatal: the configuration may name another log */

        kg_log_stderr(kg_errno,
                      "[warn] could not open error log file: "
                      kg_open_file_n " \"%s\" failed", name);

        kg_log_file.fd = kg_stderr;
    }

    if (p) {
        kg_free(p);
    }

    return &kg_log;
}


kg_int_t
kg_log_open_default(kg_cycle_t *cycle)
{
    kg_log_t  *log;

    if (kg_log_get_file_log(&cycle->new_log) != NULL) {
        return KG_OK;
    }

    if (cycle->new_log.log_level != 0) {
        /* there are some error logs, but no files */

        log = kg_pcalloc(cycle->pool, sizeof(kg_log_t));
        if (log == NULL) {
            return KG_ERROR;
        }

    } else {
        /* no error logs at all */
        log = &cycle->new_log;
    }

    log->log_level = KG_LOG_ERR;

    log->file = kg_conf_open_file(cycle, &cycle->error_log);
    if (log->file == NULL) {
        return KG_ERROR;
    }

    if (log != &cycle->new_log) {
        kg_log_insert(&cycle->new_log, log);
    }

    return KG_OK;
}


kg_int_t
kg_log_redirect_stderr(kg_cycle_t *cycle)
{
    kg_fd_t  fd;

    if (cycle->log_use_stderr) {
        return KG_OK;
    }

    /* file log always exists when we are called */
    fd = kg_log_get_file_log(cycle->log)->file->fd;

    if (fd != kg_stderr) {
        if (kg_set_stderr(fd) == KG_FILE_ERROR) {
            kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                         kg_set_stderr_n " failed");

            return KG_ERROR;
        }
    }

    return KG_OK;
}


kg_log_t *
kg_log_get_file_log(kg_log_t *head)
{
    kg_log_t  *log;

    for (log = head; log; log = log->next) {
        if (log->file != NULL) {
            return log;
        }
    }

    return NULL;
}


static char *
kg_log_set_levels(kg_conf_t *cf, kg_log_t *log)
{
    kg_uint_t   i, n, d, found;
    kg_str_t   *value;

    if (cf->args->nelts == 2) {
        log->log_level = KG_LOG_ERR;
        return KG_CONF_OK;
    }

    value = cf->args->elts;

    for (i = 2; i < cf->args->nelts; i++) {
        found = 0;

        for (n = 1; n <= KG_LOG_DEBUG; n++) {
            if (value[i].len == err_levels[n].len
                && kg_strncmp(value[i].data, err_levels[n].data,
                              value[i].len) == 0)
            {

                if (log->log_level != 0) {
                    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                      "duplicate log level \"%V\"",
                                      &value[i]);
                    return KG_CONF_ERROR;
                }

                log->log_level = n;
                found = 1;
                break;
            }
        }

        for (n = 0, d = KG_LOG_DEBUG_FIRST; d <= KG_LOG_DEBUG_LAST; d <<= 1) {
            if (value[i].len == debug_levels[n].len
                && kg_strncmp(value[i].data, debug_levels[n].data,
                              value[i].len) == 0)
            {
                if (log->log_level & ~KG_LOG_DEBUG_ALL) {
                    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                      "invalid log level \"%V\"",
                                      &value[i]);
                    return KG_CONF_ERROR;
                }

                log->log_level |= d;
                found = 1;
                break;
            }

            n++;
        }


        if (!found) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "invalid log level \"%V\"", &value[i]);
            return KG_CONF_ERROR;
        }
    }

    if (log->log_level == KG_LOG_DEBUG) {
        log->log_level = KG_LOG_DEBUG_ALL;
    }

    return KG_CONF_OK;
}


static char *
kg_error_log(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_log_t  *dummy;

    dummy = &cf->cycle->new_log;

    return kg_log_set_log(cf, &dummy);
}


char *
kg_log_set_log(kg_conf_t *cf, kg_log_t **head)
{
    kg_log_t  *new_log;
    kg_str_t  *value, name;

    if (*head != NULL && (*head)->log_level == 0) {
        new_log = *head;

    } else {

        new_log = kg_pcalloc(cf->pool, sizeof(kg_log_t));
        if (new_log == NULL) {
            return KG_CONF_ERROR;
        }

        if (*head == NULL) {
            *head = new_log;
        }
    }

    value = cf->args->elts;

    if (value[1].len == sizeof("stderr") - 1
        && kg_strncmp(value[1].data, "stderr", value[1].len) == 0)
    {
        /* an empty name makes kg_conf_open_file() return stderr */

        kg_str_null(&name);
        cf->cycle->log_use_stderr = 1;

        new_log->file = kg_conf_open_file(cf->cycle, &name);
        if (new_log->file == NULL) {
            return KG_CONF_ERROR;
        }

    } else {
        new_log->file = kg_conf_open_file(cf->cycle, &value[1]);
        if (new_log->file == NULL) {
            return KG_CONF_ERROR;
        }
    }

    if (kg_log_set_levels(cf, new_log) != KG_CONF_OK) {
        return KG_CONF_ERROR;
    }

    if (*head != new_log) {
        kg_log_insert(*head, new_log);
    }

    return KG_CONF_OK;
}


/* the list is kept sorted by level, the most verbose log first */

static void
kg_log_insert(kg_log_t *log, kg_log_t *new_log)
{
    kg_log_t  tmp;

    if (new_log->log_level > log->log_level) {

        /*
         * list head address is permanent, insert new log after
         * head and swap its contents with head
         */

        tmp = *log;
        *log = *new_log;
        *new_log = tmp;

        log->next = new_log;
        return;
    }

    while (log->next) {
        if (new_log->log_level > log->next->log_level) {
            new_log->next = log->next;
            log->next = new_log;
            return;
        }

        log = log->next;
    }

    log->next = new_log;
}
