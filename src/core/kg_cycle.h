/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_CYCLE_H_INCLUDED_
#define _KG_CYCLE_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


#ifndef KG_CYCLE_POOL_SIZE
#define KG_CYCLE_POOL_SIZE     16384
#endif


#ifndef KG_MAXHOSTNAMELEN
#define KG_MAXHOSTNAMELEN      256
#endif


typedef struct kg_shm_zone_s  kg_shm_zone_t;

typedef kg_int_t (*kg_shm_zone_init_pt) (kg_shm_zone_t *zone, void *data);

/*
 * A named shared memory zone.  init() is called with the data of the
 * zone of the previous cycle when the zone is kept across a reload
 * (same name, size and tag), else with NULL on fresh memory.
 */

struct kg_shm_zone_s {
    void                     *data;
    kg_shm_t                  shm;
    kg_shm_zone_init_pt       init;
    void                     *tag;
    kg_uint_t                 noreuse;  /* unsigned  noreuse:1; */
};


struct kg_cycle_s {
    void                  ****conf_ctx;
    kg_pool_t                *pool;

    kg_log_t                 *log;
    kg_log_t                  new_log;

    kg_uint_t                 log_use_stderr;  /* unsigned  log_use_stderr:1; */

    kg_connection_t         **files;
    kg_connection_t          *free_connections;
    kg_uint_t                 free_connection_n;

    kg_module_t             **modules;
    kg_uint_t                 modules_n;
    kg_uint_t                 modules_used;    /* unsigned  modules_used:1; */

    kg_queue_t                reusable_connections_queue;
    kg_uint_t                 reusable_connections_n;
    time_t                    connections_reuse_time;

    kg_array_t                listening;
    kg_array_t                config_dump;
    kg_list_t                 open_files;
    kg_list_t                 shared_memory;

    kg_uint_t                 connection_n;
    kg_uint_t                 files_n;

    kg_connection_t          *connections;
    kg_event_t               *read_events;
    kg_event_t               *write_events;

    kg_cycle_t               *old_cycle;

    kg_str_t                  conf_file;
    kg_str_t                  conf_param;
    kg_str_t                  conf_prefix;
    kg_str_t                  prefix;
    kg_str_t                  error_log;
    kg_str_t                  hostname;
};


typedef struct {
    kg_flag_t                 daemon;
    kg_flag_t                 master;

    kg_msec_t                 shutdown_timeout;

    kg_int_t                  worker_processes;

    kg_int_t                  rlimit_nofile;

    kg_str_t                  working_directory;

    kg_str_t                  pid;
    kg_str_t                  oldpid;
} kg_core_conf_t;


#define kg_is_init_cycle(cycle)  (cycle->conf_ctx == NULL)


kg_cycle_t *kg_init_cycle(kg_cycle_t *old_cycle);
kg_int_t kg_create_pidfile(kg_str_t *name, kg_log_t *log);
void kg_delete_pidfile(kg_cycle_t *cycle);
kg_int_t kg_signal_process(kg_cycle_t *cycle, char *sig);
void kg_reopen_files(kg_cycle_t *cycle);
kg_pid_t kg_exec_new_binary(kg_cycle_t *cycle, char *const *argv);
kg_shm_zone_t *kg_shared_memory_add(kg_conf_t *cf, kg_str_t *name,
    size_t size, void *tag);
void kg_set_shutdown_timer(kg_cycle_t *cycle);


extern volatile kg_cycle_t  *kg_cycle;
extern kg_array_t            kg_old_cycles;
extern kg_module_t           kg_core_module;
extern kg_uint_t             kg_test_config;
extern kg_uint_t             kg_dump_config;
extern kg_uint_t             kg_quiet_mode;


#endif /* _KG_CYCLE_H_INCLUDED_ */
