/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_EVENT_H_INCLUDED_
#define _KG_EVENT_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


#define KG_INVALID_INDEX  0xd0d0d0d0


struct kg_event_s {
    void            *data;

    unsigned         write:1;

    unsigned         accept:1;

    /* used to detect the stale events in epoll */
    unsigned         instance:1;

    /* the event was passed or would be passed to the kernel */
    unsigned         active:1;

    unsigned         disabled:1;

    /* the socket may be read or written without blocking */
    unsigned         ready:1;

    unsigned         eof:1;
    unsigned         error:1;

    unsigned         timedout:1;
    unsigned         timer_set:1;

    unsigned         delayed:1;

    unsigned         deferred_accept:1;

    /* the pending eof reported by epoll (EPOLLRDHUP) */
    unsigned         pending_eof:1;

    unsigned         posted:1;

    unsigned         closed:1;

    /* to test on worker exit */
    unsigned         channel:1;

    /* a timer that must not keep an exiting worker alive */
    unsigned         cancelable:1;

    /*
     * epoll with EPOLLRDHUP: -1 means "unknown, read until EAGAIN",
     * 0 means the socket buffer was drained by a short read
     */
    int              available;

    kg_event_handler_pt  handler;

    kg_uint_t        index;

    kg_log_t        *log;

    kg_rbtree_node_t timer;

    /* the posted queue */
    kg_queue_t       queue;
};


typedef struct {
    kg_int_t  (*add)(kg_event_t *ev, kg_int_t event, kg_uint_t flags);
    kg_int_t  (*del)(kg_event_t *ev, kg_int_t event, kg_uint_t flags);

    kg_int_t  (*enable)(kg_event_t *ev, kg_int_t event, kg_uint_t flags);
    kg_int_t  (*disable)(kg_event_t *ev, kg_int_t event, kg_uint_t flags);

    kg_int_t  (*add_conn)(kg_connection_t *c);
    kg_int_t  (*del_conn)(kg_connection_t *c, kg_uint_t flags);

    kg_int_t  (*process_events)(kg_cycle_t *cycle, kg_msec_t timer,
                                kg_uint_t flags);

    kg_int_t  (*init)(kg_cycle_t *cycle, kg_msec_t timer);
    void      (*done)(kg_cycle_t *cycle);
} kg_event_actions_t;


extern kg_event_actions_t   kg_event_actions;


/* epoll in edge-triggered mode: read or write until EAGAIN */
#define KG_USE_CLEAR_EVENT      0x00000004
#define KG_USE_EPOLL_EVENT      0x00000040

/* recv() / send() may be called until EAGAIN without an event between */
#define KG_USE_GREEDY_EVENT     0x00000080


/* the event filter flags of kg_add_event() / kg_del_event() */

#define KG_CLOSE_EVENT    1      /* the fd is being closed: no syscall */
#define KG_DISABLE_EVENT  2
#define KG_FLUSH_EVENT    4      /* unused on epoll */

#define KG_LOWAT_EVENT    0
#define KG_VNODE_EVENT    0

#define KG_READ_EVENT     (EPOLLIN|EPOLLRDHUP)
#define KG_WRITE_EVENT    EPOLLOUT

#define KG_LEVEL_EVENT    0
#define KG_EDGE_EVENT     EPOLLET
#define KG_CLEAR_EVENT    KG_EDGE_EVENT

/* one worker is woken per new connection, without an accept mutex */
#define KG_EXCLUSIVE_EVENT  EPOLLEXCLUSIVE

#define KG_UPDATE_TIME      1
#define KG_POST_EVENTS      2


#define kg_process_events   kg_event_actions.process_events
#define kg_done_events      kg_event_actions.done

#define kg_add_event        kg_event_actions.add
#define kg_del_event        kg_event_actions.del
#define kg_add_conn         kg_event_actions.add_conn
#define kg_del_conn         kg_event_actions.del_conn

#define kg_add_timer        kg_event_add_timer
#define kg_del_timer        kg_event_del_timer


#define KG_EVENT_MODULE      0x544E5645  /* "EVNT" */
#define KG_EVENT_CONF        0x02000000


typedef struct {
    kg_uint_t    connections;
    kg_uint_t    use;

    kg_flag_t    multi_accept;

    u_char      *name;
} kg_event_conf_t;


typedef struct {
    kg_str_t              *name;

    void                 *(*create_conf)(kg_cycle_t *cycle);
    char                 *(*init_conf)(kg_cycle_t *cycle, void *conf);

    kg_event_actions_t     actions;
} kg_event_module_t;


extern kg_atomic_t          *kg_connection_counter;

extern kg_uint_t             kg_accept_disabled;
extern kg_uint_t             kg_event_flags;
extern kg_module_t           kg_events_module;
extern kg_module_t           kg_event_core_module;


#define kg_event_get_conf(conf_ctx, module)                                  \
             (*(kg_get_conf(conf_ctx, kg_events_module))) [module.ctx_index]


void kg_event_accept(kg_event_t *ev);
kg_int_t kg_enable_accept_events(kg_cycle_t *cycle);
kg_int_t kg_disable_accept_events(kg_cycle_t *cycle, kg_uint_t all);
u_char *kg_accept_log_error(kg_log_t *log, u_char *buf, size_t len);


void kg_process_events_and_timers(kg_cycle_t *cycle);
kg_int_t kg_handle_read_event(kg_event_t *rev, kg_uint_t flags);
kg_int_t kg_handle_write_event(kg_event_t *wev, size_t lowat);


kg_int_t kg_send_lowat(kg_connection_t *c, size_t lowat);


/* used in kg_log_debugX() */
#define kg_event_ident(p)  ((kg_connection_t *) (p))->fd


#include <kg_event_timer.h>
#include <kg_event_posted.h>
#include <kg_event_openssl.h>


#endif /* _KG_EVENT_H_INCLUDED_ */
