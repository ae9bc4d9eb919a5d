/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_KAFKA_H_INCLUDED_
#define _KG_KAFKA_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_event_connect.h>
#include <kg_kafka_codec.h>
#include <kg_kafka_frame.h>


typedef struct kg_kafka_session_s   kg_kafka_session_t;
typedef struct kg_kafka_upstream_s  kg_kafka_upstream_t;
typedef struct kg_kafka_route_s     kg_kafka_route_t;
typedef struct kg_kafka_cluster_state_s  kg_kafka_cluster_state_t;


/*
 * A route{} and a cluster{} block each get a context like a stream
 * server{}: main_conf is shared by every block, route_conf belongs to one
 * route, cluster_conf to one cluster (NULL where it does not apply).
 */

typedef struct {
    void                         **main_conf;
    void                         **route_conf;
    void                         **cluster_conf;
} kg_kafka_conf_ctx_t;


/*
 * The session phases.  Each is an array of handlers filled by modules in
 * postconfiguration; a handler returns
 *
 *   KG_OK        the phase is done, go to the first handler of the next
 *   KG_DECLINED  not mine, go to the next handler of this phase
 *   KG_AGAIN     suspended: the handler resumes the engine itself with
 *                kg_kafka_core_run_phases() after s->phase_handler++
 *   KG_DONE      the handler owns the session from now on (PROXY)
 *   KG_ERROR     close the session
 *
 * LOG handlers run when the session ends, whatever their return.
 */

typedef enum {
    KG_KAFKA_POST_ACCEPT_PHASE = 0,
    KG_KAFKA_TLS_PHASE,
    KG_KAFKA_AUTH_PHASE,
    KG_KAFKA_UPSTREAM_PHASE,
    KG_KAFKA_PROXY_PHASE,
    KG_KAFKA_LOG_PHASE
} kg_kafka_phases_e;

#define KG_KAFKA_NPHASES             (KG_KAFKA_LOG_PHASE + 1)


typedef kg_int_t (*kg_kafka_handler_pt)(kg_kafka_session_t *s);


typedef struct {
    kg_kafka_handler_pt            handler;
    kg_uint_t                      next;        /* first of the next phase */
} kg_kafka_phase_handler_t;


typedef struct {
    kg_array_t                     handlers;    /* kg_kafka_handler_pt */
} kg_kafka_phase_t;


typedef struct {
    kg_sockaddr_t                  sockaddr;
    socklen_t                      socklen;
    kg_str_t                       addr_text;
    int                            backlog;
    unsigned                       reuseport:1;
} kg_kafka_listen_t;


/* what a listening socket knows: its route, and which broker port it is */

typedef struct {
    kg_kafka_conf_ctx_t           *ctx;
    kg_int_t                       index;       /* -1: bootstrap port */
} kg_kafka_port_t;


typedef struct kg_kafka_core_cluster_conf_s  kg_kafka_core_cluster_conf_t;


typedef struct {
    kg_array_t                     routes;   /* kg_kafka_core_route_conf_t * */
    kg_array_t                     clusters; /* cluster_conf_t * */

    kg_kafka_phase_t               phases[KG_KAFKA_NPHASES];

    /* flattened in init: the handlers of every phase but LOG, then NULL */
    kg_kafka_phase_handler_t      *engine;

    /* the runtime route state shared by every worker (kg_kafka_route.c) */
    kg_shm_zone_t                 *shm_zone;
    kg_str_t                       state_file;
} kg_kafka_core_main_conf_t;


typedef struct {
    kg_str_t                       name;
    kg_kafka_conf_ctx_t           *ctx;

    u_char                        *file_name;
    kg_uint_t                      line;

    kg_array_t                     listen;      /* kg_kafka_listen_t */

    kg_uint_t                      broker_first;   /* 0: none */
    kg_uint_t                      broker_last;
    kg_int_t                       node_id_base;   /* KG_CONF_UNSET: order */

    kg_str_t                       advertise;

    kg_str_t                       cluster_name;
    kg_kafka_core_cluster_conf_t  *cluster;

    kg_str_t                       tls_certificate;
    kg_str_t                       tls_certificate_key;
    kg_ssl_t                      *ssl;

    /* "broker-$node_id.gw.example.com": prefix and suffix of $node_id */
    kg_str_t                       sni;
    kg_str_t                       sni_prefix;
    kg_str_t                       sni_suffix;

    size_t                         max_frame_size;
    size_t                         buffer_size;
    kg_msec_t                      idle_timeout;
    kg_msec_t                      request_timeout;

    /* switchover */
    kg_msec_t                      switch_drain_timeout;
    kg_msec_t                      pause_timeout;
    size_t                         pause_buffer_size;

    kg_str_t                       failover_name;
    kg_kafka_core_cluster_conf_t  *failover;
    kg_uint_t                      failover_after;     /* 0: off */
    kg_msec_t                      failover_interval;
    u_char                        *failover_file;
    kg_uint_t                      failover_line;

    /* the runtime state of this route in this worker */
    kg_kafka_route_t              *runtime;
} kg_kafka_core_route_conf_t;


struct kg_kafka_core_cluster_conf_s {
    kg_str_t                       name;
    kg_kafka_conf_ctx_t           *ctx;

    u_char                        *file_name;
    kg_uint_t                      line;

    /* resolved once, at configuration time, by the master */
    kg_array_t                     bootstrap;   /* kg_addr_t */

    kg_str_t                       fallback;    /* "0.9.0": no ApiVersions */
    kg_msec_t                      connect_timeout;

    kg_flag_t                      tls;
    kg_flag_t                      tls_verify;
    kg_str_t                       tls_trusted_certificate;
    kg_str_t                       tls_certificate;
    kg_str_t                       tls_certificate_key;
    kg_str_t                       tls_name;
    kg_ssl_t                      *ssl;

    /* the node table of this worker */
    kg_kafka_upstream_t           *upstream;

    /* probe results and the real node ids seen, shared by the workers */
    kg_kafka_cluster_state_t      *state;
    kg_msec_t                      probe_interval;
};


struct kg_kafka_session_s {
    uint32_t                       signature;   /* "KAFK" */

    kg_connection_t               *connection;

    kg_kafka_core_route_conf_t    *route;
    kg_kafka_core_cluster_conf_t  *cluster;

    /* the broker port index the client addressed, -1: bootstrap */
    kg_int_t                       broker;

    /* the node a TLS SNI name asked for, -1: none */
    int32_t                        node_id;

    /* the principal an AUTH phase handler established */
    kg_str_t                       principal;

    /* the upstream being used, for log lines */
    kg_str_t                      *upstream_name;

    /* bytes from and to the client, and requests, for the close line */
    off_t                          received;
    off_t                          sent;
    kg_uint_t                      requests;

    kg_msec_t                      start_msec;
    kg_uint_t                      phase_handler;

    /* appends module specific details to error log lines */
    kg_log_handler_pt              log_handler;

    /* the sessions of the route in this worker (kg_kafka_route_t) */
    kg_queue_t                     queue;

    /*
     * called when the route's state changes under the session: it was
     * switched (s->draining set) or paused or resumed; set by the module
     * that pumps the session
     */
    void                         (*notify)(kg_kafka_session_t *s);

    void                         **ctx;
    void                         **main_conf;
    void                         **route_conf;

    /* why it closed, for metrics: KG_KAFKA_CLOSE_* (kg_kafka_route.h) */
    kg_uint_t                      close_cause;

    unsigned                       finalized:1;
    unsigned                       queued:1;
    unsigned                       draining:1;
};


typedef struct {
    kg_int_t                     (*preconfiguration)(kg_conf_t *cf);
    kg_int_t                     (*postconfiguration)(kg_conf_t *cf);

    void                        *(*create_main_conf)(kg_conf_t *cf);
    char                        *(*init_main_conf)(kg_conf_t *cf, void *conf);

    void                        *(*create_route_conf)(kg_conf_t *cf);
    char                        *(*merge_route_conf)(kg_conf_t *cf,
                                                     void *prev, void *conf);

    void                        *(*create_cluster_conf)(kg_conf_t *cf);
} kg_kafka_module_t;


#define KG_KAFKA_MAIN_CONF          0x02000000
#define KG_KAFKA_ROUTE_CONF         0x04000000
#define KG_KAFKA_CLUSTER_CONF       0x08000000


#define KG_KAFKA_MAIN_CONF_OFFSET    offsetof(kg_kafka_conf_ctx_t, main_conf)
#define KG_KAFKA_ROUTE_CONF_OFFSET   offsetof(kg_kafka_conf_ctx_t, route_conf)
#define KG_KAFKA_CLUSTER_CONF_OFFSET                                          \
    offsetof(kg_kafka_conf_ctx_t, cluster_conf)


#define kg_kafka_get_module_ctx(s, module)    (s)->ctx[module.ctx_index]
#define kg_kafka_set_ctx(s, c, module)        (s)->ctx[module.ctx_index] = c;
#define kg_kafka_delete_ctx(s, module)        (s)->ctx[module.ctx_index] = NULL;

#define kg_kafka_get_module_main_conf(s, module)                              \
    (s)->main_conf[module.ctx_index]
#define kg_kafka_get_module_route_conf(s, module)                             \
    (s)->route_conf[module.ctx_index]

#define kg_kafka_conf_get_module_main_conf(cf, module)                        \
    ((kg_kafka_conf_ctx_t *) cf->ctx)->main_conf[module.ctx_index]
#define kg_kafka_conf_get_module_route_conf(cf, module)                       \
    ((kg_kafka_conf_ctx_t *) cf->ctx)->route_conf[module.ctx_index]
#define kg_kafka_conf_get_module_cluster_conf(cf, module)                     \
    ((kg_kafka_conf_ctx_t *) cf->ctx)->cluster_conf[module.ctx_index]


/* kg_kafka_handler.c */
void kg_kafka_init_connection(kg_connection_t *c);
void kg_kafka_core_run_phases(kg_kafka_session_t *s);
void kg_kafka_finalize_session(kg_kafka_session_t *s);
void kg_kafka_close_connection(kg_connection_t *c);
kg_int_t kg_kafka_tls_handler(kg_kafka_session_t *s);
kg_int_t kg_kafka_sni_node_id(kg_kafka_core_route_conf_t *rcf,
    kg_str_t *name, int32_t *node_id);


extern kg_uint_t    kg_kafka_max_module;
extern kg_module_t  kg_kafka_module;
extern kg_module_t  kg_kafka_core_module;
extern kg_module_t  kg_kafka_proxy_module;


#endif /* _KG_KAFKA_H_INCLUDED_ */
