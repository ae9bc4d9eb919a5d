/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_KAFKA_UPSTREAM_H_INCLUDED_
#define _KG_KAFKA_UPSTREAM_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_kafka.h>


/*
 * The node table of one cluster in one worker: node id -> the broker's
 * real host and port.  It is learned from every Metadata (and
 * FindCoordinator, DescribeCluster) response that passes through, and,
 * when a client addresses a broker port whose node is not known yet, by
 * kgate's own Metadata request to the cluster's bootstrap, sent
 * asynchronously while the session waits.  Advertised host names are
 * resolved without blocking (kg_resolver.h); the waiting sessions are
 * resumed once the names the response listed are resolved, or failed.
 */

#define KG_KAFKA_HOST_LEN  255


typedef struct {
    int32_t                        node_id;
    int32_t                        port;
    kg_str_t                       host;
    kg_str_t                       name;        /* "host:port", for logs */
    kg_sockaddr_t                  sockaddr;
    socklen_t                      socklen;
    u_char                         text[KG_KAFKA_HOST_LEN + 8];
} kg_kafka_node_t;


typedef struct kg_kafka_upstream_wait_s  kg_kafka_upstream_wait_t;

typedef void (*kg_kafka_upstream_handler_pt)(kg_kafka_upstream_wait_t *w,
    kg_int_t rc);


struct kg_kafka_upstream_wait_s {
    kg_queue_t                     queue;
    void                          *data;
    kg_kafka_upstream_handler_pt   handler;
    kg_kafka_upstream_t           *upstream;
};


typedef struct kg_kafka_upstream_fetch_s  kg_kafka_upstream_fetch_t;


struct kg_kafka_upstream_s {
    kg_kafka_core_cluster_conf_t  *cluster;
    kg_array_t                     nodes;       /* ascending node_id */
    kg_pool_t                     *pool;
    kg_log_t                      *log;

    kg_queue_t                     waiting;     /* kg_kafka_upstream_wait_t */
    kg_kafka_upstream_fetch_t     *fetch;       /* in progress */
    kg_uint_t                      next;        /* bootstrap to try first */

    /* host names being resolved; a fetch that listed them waits */
    kg_queue_t                     lookups;
    kg_uint_t                      resolving;
    unsigned                       wait_names:1;
};


kg_kafka_upstream_t *kg_kafka_upstream_create(kg_conf_t *cf,
    kg_kafka_core_cluster_conf_t *ccf);
void kg_kafka_upstream_learn(kg_kafka_upstream_t *up, int32_t node_id,
    kg_str_t *host, int32_t port);
kg_kafka_node_t *kg_kafka_upstream_node(kg_kafka_upstream_t *up,
    int32_t node_id);
kg_kafka_node_t *kg_kafka_upstream_peer(kg_kafka_upstream_t *up,
    int32_t node_id);
kg_int_t kg_kafka_upstream_node_port(kg_kafka_upstream_t *up,
    kg_kafka_core_route_conf_t *rcf, int32_t node_id);
int32_t kg_kafka_upstream_port_node(kg_kafka_upstream_t *up,
    kg_kafka_core_route_conf_t *rcf, kg_int_t index);
kg_int_t kg_kafka_upstream_refresh(kg_kafka_upstream_t *up,
    kg_kafka_upstream_wait_t *w);
void kg_kafka_upstream_cancel(kg_kafka_upstream_wait_t *w);


#endif /* _KG_KAFKA_UPSTREAM_H_INCLUDED_ */
