/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_PROCESS_CYCLE_H_INCLUDED_
#define _KG_PROCESS_CYCLE_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


#define KG_CMD_OPEN_CHANNEL   1
#define KG_CMD_CLOSE_CHANNEL  2
#define KG_CMD_QUIT           3
#define KG_CMD_TERMINATE      4
#define KG_CMD_REOPEN         5


#define KG_PROCESS_SINGLE     0
#define KG_PROCESS_MASTER     1
#define KG_PROCESS_SIGNALLER  2
#define KG_PROCESS_WORKER     3
#define KG_PROCESS_HELPER     4


void kg_master_process_cycle(kg_cycle_t *cycle);
void kg_single_process_cycle(kg_cycle_t *cycle);


extern kg_uint_t      kg_process;
extern kg_uint_t      kg_worker;
extern kg_pid_t       kg_pid;
extern kg_pid_t       kg_new_binary;
extern kg_uint_t      kg_inherited;
extern kg_uint_t      kg_daemonized;
extern kg_uint_t      kg_exiting;

extern sig_atomic_t   kg_reap;
extern sig_atomic_t   kg_sigio;
extern sig_atomic_t   kg_sigalrm;
extern sig_atomic_t   kg_quit;
extern sig_atomic_t   kg_debug_quit;
extern sig_atomic_t   kg_terminate;
extern sig_atomic_t   kg_noaccept;
extern sig_atomic_t   kg_reconfigure;
extern sig_atomic_t   kg_reopen;
extern sig_atomic_t   kg_change_binary;


#endif /* _KG_PROCESS_CYCLE_H_INCLUDED_ */
