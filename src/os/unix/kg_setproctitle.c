/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


/*
 * Linux has no setproctitle(): ps(1) shows the memory argv[] points to.
 * The kernel lays the argv[] strings and then the environ[] strings out
 * back to back, so once the environment strings are copied elsewhere
 * the whole run, from argv[0] to the end of the last environment string,
 * can hold the title.
 *
 * The copy of the environment is never freed: environ[] points into it
 * for the life of the process, which also keeps leak checkers quiet.
 */


extern char **environ;

static char *kg_os_argv_last;


kg_int_t
kg_init_setproctitle(kg_log_t *log)
{
    u_char     *p, *start;
    size_t      size;
    kg_uint_t   i;

    size = 0;

    for (i = 0; environ[i]; i++) {
        size += kg_strlen(environ[i]) + 1;
    }

    start = kg_alloc(size + 1, log);
    if (start == NULL) {
        return KG_ERROR;
    }

    p = start;

    kg_os_argv_last = kg_os_argv[0];

    for (i = 0; kg_os_argv[i]; i++) {
        if (kg_os_argv_last == kg_os_argv[i]) {
            kg_os_argv_last = kg_os_argv[i] + kg_strlen(kg_os_argv[i]) + 1;
        }
    }

    for (i = 0; environ[i]; i++) {
        if (kg_os_argv_last == environ[i]) {

            size = kg_strlen(environ[i]) + 1;
            kg_os_argv_last = environ[i] + size;

            kg_cpystrn(p, (u_char *) environ[i], size);
            environ[i] = (char *) p;
            p += size;
        }
    }

    if (p == start) {
        /* the environment does not follow argv[], nothing was moved */
        kg_free(start);
    }

    kg_os_argv_last--;

    return KG_OK;
}


void
kg_setproctitle(char *title)
{
    u_char  *p;

    if (kg_os_argv == NULL || kg_os_argv_last == NULL) {
        return;
    }

    kg_os_argv[1] = NULL;

    p = kg_cpystrn((u_char *) kg_os_argv[0], (u_char *) "kgate: ",
                   kg_os_argv_last - kg_os_argv[0]);

    p = kg_cpystrn(p, (u_char *) title, kg_os_argv_last - (char *) p);

    if (kg_os_argv_last - (char *) p) {
        kg_memset(p, KG_SETPROCTITLE_PAD, kg_os_argv_last - (char *) p);
    }

    kg_log_debug1(KG_LOG_DEBUG_CORE, kg_cycle->log, 0,
                  "setproctitle: \"%s\"", kg_os_argv[0]);
}
