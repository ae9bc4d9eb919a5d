/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_SETPROCTITLE_H_INCLUDED_
#define _KG_SETPROCTITLE_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/*
 * Linux has no setproctitle(): the title is written over argv[], and the
 * environment that follows argv[] in memory is moved away first so the
 * title may use that space too.
 */

#define KG_SETPROCTITLE_USES_ENV  1
#define KG_SETPROCTITLE_PAD       '\0'

kg_int_t kg_init_setproctitle(kg_log_t *log);
void kg_setproctitle(char *title);


#endif /* _KG_SETPROCTITLE_H_INCLUDED_ */
