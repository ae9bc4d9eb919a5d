/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_EVENT_CONNECT_H_INCLUDED_
#define _KG_EVENT_CONNECT_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>


#define KG_PEER_KEEPALIVE           1
#define KG_PEER_NEXT                2
#define KG_PEER_FAILED              4


typedef struct kg_peer_connection_s  kg_peer_connection_t;

typedef kg_int_t (*kg_event_get_peer_pt)(kg_peer_connection_t *pc,
    void *data);
typedef void (*kg_event_free_peer_pt)(kg_peer_connection_t *pc, void *data,
    kg_uint_t state);


struct kg_peer_connection_s {
    kg_connection_t                 *connection;

    struct sockaddr                 *sockaddr;
    socklen_t                        socklen;
    kg_str_t                        *name;

    kg_uint_t                        tries;
    kg_msec_t                        start_time;

    kg_event_get_peer_pt             get;
    kg_event_free_peer_pt            free;
    void                            *data;

    kg_addr_t                       *local;

    int                              type;
    int                              rcvbuf;

    kg_log_t                        *log;

    unsigned                         cached:1;
    unsigned                         so_keepalive:1;
    unsigned                         down:1;

                                     /* kg_connection_log_error_e */
    unsigned                         log_error:2;
};


kg_int_t kg_event_connect_peer(kg_peer_connection_t *pc);
kg_int_t kg_event_get_peer(kg_peer_connection_t *pc, void *data);
kg_int_t kg_event_connect_test(kg_connection_t *c);


#endif /* _KG_EVENT_CONNECT_H_INCLUDED_ */
