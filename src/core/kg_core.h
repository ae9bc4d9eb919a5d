/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_CORE_H_INCLUDED_
#define _KG_CORE_H_INCLUDED_


#include <kg_config.h>


typedef struct kg_module_s          kg_module_t;
typedef struct kg_conf_s            kg_conf_t;
typedef struct kg_cycle_s           kg_cycle_t;
typedef struct kg_pool_s            kg_pool_t;
typedef struct kg_chain_s           kg_chain_t;
typedef struct kg_log_s             kg_log_t;
typedef struct kg_open_file_s       kg_open_file_t;
typedef struct kg_command_s         kg_command_t;
typedef struct kg_file_s            kg_file_t;
typedef struct kg_event_s           kg_event_t;
typedef struct kg_connection_s      kg_connection_t;
typedef struct kg_ssl_s             kg_ssl_t;
typedef struct kg_ssl_connection_s  kg_ssl_connection_t;

typedef void (*kg_event_handler_pt)(kg_event_t *ev);
typedef void (*kg_connection_handler_pt)(kg_connection_t *c);


#define  KG_OK          0
#define  KG_ERROR      -1
#define  KG_AGAIN      -2
#define  KG_BUSY       -3
#define  KG_DONE       -4
#define  KG_DECLINED   -5
#define  KG_ABORT      -6


#include <kg_errno.h>
#include <kg_rbtree.h>
#include <kg_socket.h>
#include <kg_string.h>
#include <kg_times.h>
#include <kg_shmtx.h>
#include <kg_files.h>
#include <kg_shmem.h>
#include <kg_process.h>
#include <kg_dlopen.h>
#include <kg_parse.h>
#include <kg_log.h>
#include <kg_alloc.h>
#include <kg_palloc.h>
#include <kg_buf.h>
#include <kg_queue.h>
#include <kg_array.h>
#include <kg_list.h>
#include <kg_hash.h>
#include <kg_file.h>
#include <kg_inet.h>
#include <kg_cycle.h>
#include <kg_process_cycle.h>
#include <kg_conf_file.h>
#include <kg_module.h>
#include <kg_os.h>
#include <kg_connection.h>
#include <kg_daemon.h>
#include <kg_setproctitle.h>
#include <kg_channel.h>


#define LF     (u_char) '\n'
#define CR     (u_char) '\r'
#define CRLF   "\r\n"


#define kg_abs(value)       (((value) >= 0) ? (value) : - (value))
#define kg_max(val1, val2)  ((val1 < val2) ? (val2) : (val1))
#define kg_min(val1, val2)  ((val1 > val2) ? (val2) : (val1))


#endif /* _KG_CORE_H_INCLUDED_ */
