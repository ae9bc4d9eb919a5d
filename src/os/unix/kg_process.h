/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_PROCESS_H_INCLUDED_
#define _KG_PROCESS_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


typedef pid_t       kg_pid_t;

#define KG_INVALID_PID  -1

typedef void (*kg_spawn_proc_pt) (kg_cycle_t *cycle, void *data);

typedef struct {
    kg_pid_t            pid;
    int                 status;
    kg_socket_t         channel[2];

    kg_spawn_proc_pt    proc;
    void               *data;
    char               *name;

    unsigned            respawn:1;
    unsigned            just_spawn:1;
    unsigned            detached:1;
    unsigned            exiting:1;
    unsigned            exited:1;
} kg_process_t;


typedef struct {
    char               *path;
    char               *name;
    char *const        *argv;
    char *const        *envp;
} kg_exec_ctx_t;


/*
 * The signal table: kgate -s NAME looks the name up here, the master
 * and the workers install the handlers from here.
 */

typedef struct {
    int                 signo;
    char               *signame;
    char               *name;
    void              (*handler)(int signo, siginfo_t *siginfo,
                                 void *ucontext);
} kg_signal_t;


#define KG_MAX_PROCESSES         1024

#define KG_PROCESS_NORESPAWN     -1
#define KG_PROCESS_JUST_SPAWN    -2
#define KG_PROCESS_RESPAWN       -3
#define KG_PROCESS_JUST_RESPAWN  -4
#define KG_PROCESS_DETACHED      -5


#ifndef kg_value
#define kg_value_helper(n)   #n
#define kg_value(n)          kg_value_helper(n)
#endif


#define kg_getpid   getpid
#define kg_getppid  getppid

#ifndef kg_log_pid
#define kg_log_pid  kg_pid
#endif

#define kg_sched_yield()  sched_yield()


kg_pid_t kg_spawn_process(kg_cycle_t *cycle,
    kg_spawn_proc_pt proc, void *data, char *name, kg_int_t respawn);
kg_pid_t kg_execute(kg_cycle_t *cycle, kg_exec_ctx_t *ctx);
kg_int_t kg_init_signals(kg_log_t *log);
kg_int_t kg_os_signal_process(kg_cycle_t *cycle, char *name, kg_pid_t pid);


extern int            kg_argc;
extern char         **kg_argv;
extern char         **kg_os_argv;

extern kg_pid_t       kg_pid;
extern kg_pid_t       kg_parent;
extern kg_socket_t    kg_channel;
extern kg_int_t       kg_process_slot;
extern kg_int_t       kg_last_process;
extern kg_process_t   kg_processes[KG_MAX_PROCESSES];

extern kg_signal_t    signals[];


#endif /* _KG_PROCESS_H_INCLUDED_ */
