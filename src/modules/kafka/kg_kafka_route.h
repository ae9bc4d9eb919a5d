/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_KAFKA_ROUTE_H_INCLUDED_
#define _KG_KAFKA_ROUTE_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_kafka.h>
#include <kg_metrics.h>


/*
 * Runtime route state: which cluster each route uses now, whether it is
 * paused, and what the health probes found.
 *
 * The truth lives in one shared memory zone created at configuration
 * time and kept across reloads, so the master, the new workers and the
 * old workers of a reload see the same state:
 *
 *   - the master writes each route's cluster when it builds a cycle
 *     (the configured cluster, or the state file's override) and bumps
 *     the route's epoch when that changes: a switch by reload;
 *   - an admin API call or an automatic failover, in any worker, writes
 *     the new cluster, bumps the epoch and persists the override in the
 *     state file;
 *   - every worker, old ones included, compares the epochs with what it
 *     has seen every 50 ms (and whenever a session starts), and drains
 *     the sessions of a route whose cluster changed: they stop taking
 *     requests, finish the ones sent upstream, and close.
 *
 * Virtual node ids: clients see node id node_id_base + i for the broker
 * port broker_first + i, and i is the rank of the real node id among the
 * real ids of the route's active cluster, in ascending order.  The real
 * ids of a cluster are remembered in the zone, so every worker, and every
 * cycle, ranks them the same way.  node_id_base defaults to 0.  A broker
 * port whose rank has no broker in the active cluster (one with fewer
 * brokers) forwards Metadata, ApiVersions and SASL to a bootstrap address
 * and answers everything else with a retriable error (kg_kafka_errors.h),
 * so that clients refresh their metadata.  Requests are not decoded, so
 * node ids in requests pass as they are: Fetch ReplicaId is -1 for
 * clients; DescribeConfigs BROKER resources name a virtual id the cluster
 * does not know (a known limit).
 *
 * Directives of route {}:
 *
 *     switch_drain_timeout  30s;  a drained session closes by then
 *     pause_timeout         20s;  held requests then get a retriable
 *                                 error, before the clients' own 30 s
 *     pause_buffer_size     1m;   held bytes per session, then the
 *                                 client is not read
 *     failover  CLUSTER [after=3] [interval=5s];
 *
 * A pause holds every request but Metadata, ApiVersions and SASL ones
 * with nothing held before them.  A failover needs "after" failed probes
 * in a row of the active cluster, does not switch to a cluster whose last
 * probe failed too, and never switches back by itself.
 *
 * Admin API: GET /routes; POST /routes/NAME/switch?to=CLUSTER (200; 404
 * unknown route or action, 400 no "to" or unknown cluster, 409 already
 * on that cluster, 405 wrong method); POST /routes/NAME/pause and
 * /resume (200, "changed":false if it already was).  GET /ready waits
 * until the active cluster of each route answered its last probe.
 *
 * The state file (admin "state_file", default logs/kgate.state) is
 * written after every API switch and failover, to a temporary file
 * renamed over it; the master reads it at start and reload, and
 * "kgate -T" shows the overrides it applies.  An override made before
 * the configuration changed the route's cluster is dropped, and the
 * master rewrites the file without it, so that it never applies again.
 *
 * Worker 0 probes every cluster of the configuration, whether a route
 * uses it or not: an API switch may go to any of them, and /ready and
 * "cluster_ok" need the probes of the new one at once.
 */


#define KG_KAFKA_NAME_MAX        63
#define KG_KAFKA_ROUTES_MAX      128
#define KG_KAFKA_CLUSTERS_MAX    128
#define KG_KAFKA_NODES_MAX       128

#define KG_KAFKA_ROUTE_CHECK     50            /* ms */

#define KG_KAFKA_CLOSE_CLIENT    0
#define KG_KAFKA_CLOSE_UPSTREAM  1
#define KG_KAFKA_CLOSE_IDLE      2
#define KG_KAFKA_CLOSE_DRAIN     3
#define KG_KAFKA_CLOSE_SHUTDOWN  4
#define KG_KAFKA_CLOSE_ERROR     5
#define KG_KAFKA_CLOSE_MAX       6

#define KG_KAFKA_SWITCH_RELOAD   0
#define KG_KAFKA_SWITCH_API      1
#define KG_KAFKA_SWITCH_FAILOVER 2


typedef struct {
    u_char                         len;
    u_char                         data[KG_KAFKA_NAME_MAX];
} kg_kafka_name_t;


typedef struct {
    kg_kafka_name_t                name;
    kg_kafka_name_t                active;
    kg_kafka_name_t                configured;

    kg_atomic_t                    used;
    kg_atomic_t                    epoch;        /* bumped by each switch */
    kg_atomic_t                    switches;
    kg_atomic_t                    failovers;
    kg_atomic_t                    connections;

    /* 0: not paused; else when the pause began, kg_current_msec + 1 */
    kg_atomic_t                    paused;
    kg_atomic_t                    paused_msec;  /* ended pauses */
} kg_kafka_route_state_t;


struct kg_kafka_cluster_state_s {
    kg_kafka_name_t                name;

    kg_atomic_t                    used;
    kg_atomic_t                    probes;
    kg_atomic_t                    ok;           /* the last probe */
    kg_atomic_t                    failures;     /* consecutive */
    kg_atomic_t                    last;         /* msec */

    kg_atomic_t                    lock;         /* of the nodes */
    kg_atomic_t                    nnodes;
    int32_t                        nodes[KG_KAFKA_NODES_MAX];  /* sorted */
};


typedef struct {
    kg_atomic_t                    lock;
    kg_atomic_t                    generation;   /* cycles built */
    kg_kafka_route_state_t         routes[KG_KAFKA_ROUTES_MAX];
    kg_kafka_cluster_state_t       clusters[KG_KAFKA_CLUSTERS_MAX];
} kg_kafka_route_shm_t;


/* the series of one route and one cluster */

typedef struct {
    kg_metric_t                   *requests;     /* vector by api key */
    kg_metric_t                   *responses;    /* vector by api key */
    kg_metric_t                   *latency;      /* vector by api key */
    kg_metric_t                   *bytes_in;
    kg_metric_t                   *bytes_out;
    kg_metric_t                   *connections;  /* total */
    kg_metric_t                   *active;
    kg_metric_t                   *closed;       /* vector by cause */
    kg_metric_t                   *connect_errors;
} kg_kafka_route_metrics_t;


struct kg_kafka_route_s {
    kg_kafka_core_route_conf_t    *conf;
    kg_kafka_core_main_conf_t     *cmcf;

    /* in the zone; NULL without one (unit tests) */
    kg_kafka_route_state_t        *state;

    /* this worker's view */
    kg_kafka_core_cluster_conf_t  *active;
    kg_uint_t                      epoch;
    kg_uint_t                      generation;
    kg_uint_t                      paused;

    /* the state file's override read with this configuration */
    kg_str_t                       override;

    /* an override the configuration made stale: the master removes it */
    kg_str_t                       stale;

    kg_queue_t                     sessions;     /* kg_kafka_session_t */

    /* by cluster index */
    kg_kafka_route_metrics_t      *metrics;

    kg_metric_t                   *switches;
    kg_metric_t                   *epoch_gauge;
    kg_metric_t                   *paused_seconds;
    kg_metric_t                   *failovers;
    kg_metric_t                   *paused_gauge;
};


kg_int_t kg_kafka_route_init_conf(kg_conf_t *cf,
    kg_kafka_core_main_conf_t *cmcf);
kg_int_t kg_kafka_route_init_module(kg_cycle_t *cycle);
kg_int_t kg_kafka_route_init_process(kg_cycle_t *cycle);

/* session life: KG_DECLINED if the route has no cluster here */
kg_int_t kg_kafka_route_session_start(kg_kafka_session_t *s);
void kg_kafka_route_session_end(kg_kafka_session_t *s, kg_uint_t cause);

/* compares the route's epoch and pause with the zone; drains, notifies */
void kg_kafka_route_check(kg_kafka_route_t *rt);

/* whether a graceful stop of this worker should keep the session */
kg_uint_t kg_kafka_route_keep(kg_kafka_session_t *s);

kg_uint_t kg_kafka_route_paused(kg_kafka_session_t *s);
kg_kafka_route_metrics_t *kg_kafka_route_metrics(kg_kafka_session_t *s);

/* switch, pause, resume: shared with the admin API and failover */
kg_int_t kg_kafka_route_switch(kg_kafka_route_t *rt,
    kg_kafka_core_cluster_conf_t *to, kg_uint_t how, kg_log_t *log);
kg_int_t kg_kafka_route_pause(kg_kafka_route_t *rt, kg_uint_t pause,
    kg_log_t *log);

/* virtual node ids */
void kg_kafka_route_node_seen(kg_kafka_core_cluster_conf_t *ccf,
    int32_t node_id);
kg_int_t kg_kafka_route_node_index(kg_kafka_core_cluster_conf_t *ccf,
    int32_t node_id);
int32_t kg_kafka_route_node_real(kg_kafka_core_cluster_conf_t *ccf,
    kg_uint_t index);
kg_uint_t kg_kafka_route_nnodes(kg_kafka_core_cluster_conf_t *ccf);
int32_t kg_kafka_route_virtual_id(kg_kafka_core_route_conf_t *rcf,
    kg_kafka_core_cluster_conf_t *ccf, int32_t node_id);
int32_t kg_kafka_route_real_id(kg_kafka_core_route_conf_t *rcf,
    kg_kafka_core_cluster_conf_t *ccf, int32_t node_id);

/* the state file: "route NAME cluster CLUSTER configured CLUSTER;" */
kg_int_t kg_kafka_route_state_parse(kg_str_t *text, kg_array_t *entries,
    kg_str_t *error);

typedef struct {
    kg_str_t                       route;
    kg_str_t                       cluster;
    kg_str_t                       configured;
} kg_kafka_route_entry_t;


#endif /* _KG_KAFKA_ROUTE_H_INCLUDED_ */
