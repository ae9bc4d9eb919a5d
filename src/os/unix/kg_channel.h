/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_CHANNEL_H_INCLUDED_
#define _KG_CHANNEL_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/* a command from the master to a worker; fd travels as SCM_RIGHTS */

typedef struct {
    kg_uint_t   command;
    kg_pid_t    pid;
    kg_int_t    slot;
    kg_fd_t     fd;
} kg_channel_t;


kg_int_t kg_write_channel(kg_socket_t s, kg_channel_t *ch, size_t size,
    kg_log_t *log);
kg_int_t kg_read_channel(kg_socket_t s, kg_channel_t *ch, size_t size,
    kg_log_t *log);
kg_int_t kg_add_channel_event(kg_cycle_t *cycle, kg_fd_t fd,
    kg_int_t event, kg_event_handler_pt handler);
void kg_close_channel(kg_fd_t *fd, kg_log_t *log);


#endif /* _KG_CHANNEL_H_INCLUDED_ */
