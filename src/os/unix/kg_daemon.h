/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_DAEMON_H_INCLUDED_
#define _KG_DAEMON_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


kg_int_t kg_daemon(kg_log_t *log);


#endif /* _KG_DAEMON_H_INCLUDED_ */
