/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


/*
 * strerror() is not async-signal-safe and its buffer may be localized at
 * any moment, so the messages are copied once at start-up, as nginx does;
 * errors above the table's end get a fixed text
 */

#define KG_SYS_NERR  135


static kg_str_t   *kg_sys_errlist;
static kg_str_t    kg_unknown_error = kg_string("Unknown error");


u_char *
kg_strerror(kg_err_t err, u_char *errstr, size_t size)
{
    kg_str_t  *msg;

    msg = ((kg_uint_t) err < KG_SYS_NERR && kg_sys_errlist != NULL)
              ? &kg_sys_errlist[err] : &kg_unknown_error;
    size = kg_min(size, msg->len);

    return kg_cpymem(errstr, msg->data, size);
}


kg_int_t
kg_strerror_init(void)
{
    char       *msg;
    u_char     *p;
    size_t      len;
    kg_err_t    err;

    if (kg_sys_errlist != NULL) {
        return KG_OK;
    }

    /* kg_strerror() cannot report its own failure: use strerror() here */

    len = KG_SYS_NERR * sizeof(kg_str_t);

    kg_sys_errlist = calloc(1, len);
    if (kg_sys_errlist == NULL) {
        goto failed;
    }

    for (err = 0; err < KG_SYS_NERR; err++) {
        msg = strerror(err);
        len = kg_strlen(msg);

        p = malloc(len);
        if (p == NULL) {
            goto failed;
        }

        kg_memcpy(p, msg, len);
        kg_sys_errlist[err].len = len;
        kg_sys_errlist[err].data = p;
    }

    return KG_OK;

failed:

    err = errno;
    kg_log_stderr(0, "malloc(%uz) failed (%d: %s)", len, err, strerror(err));

    return KG_ERROR;
}
