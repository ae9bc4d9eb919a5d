/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_CONNECTION_H_INCLUDED_
#define _KG_CONNECTION_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


typedef struct kg_listening_s  kg_listening_t;

struct kg_listening_s {
    kg_socket_t         fd;

    struct sockaddr    *sockaddr;
    socklen_t           socklen;    /* size of sockaddr */
    size_t              addr_text_max_len;
    kg_str_t            addr_text;

    int                 type;

    int                 backlog;
    int                 rcvbuf;
    int                 sndbuf;

    /* handler of accepted connection */
    kg_connection_handler_pt   handler;

    void               *servers;  /* the owning module's conf */

    kg_log_t            log;
    kg_log_t           *logp;

    size_t              pool_size;

    kg_listening_t     *previous;
    kg_connection_t    *connection;

    kg_uint_t           worker;

    unsigned            open:1;
    unsigned            remain:1;
    unsigned            ignore:1;

    unsigned            bound:1;       /* already bound */
    unsigned            inherited:1;   /* inherited from previous process */
    unsigned            listen:1;
    unsigned            nonblocking:1;
    unsigned            addr_ntop:1;
    unsigned            wildcard:1;

    unsigned            ipv6only:1;
    unsigned            reuseport:1;
    unsigned            add_reuseport:1;
};


typedef enum {
    KG_ERROR_ALERT = 0,
    KG_ERROR_ERR,
    KG_ERROR_INFO,
    KG_ERROR_IGNORE_ECONNRESET,
    KG_ERROR_IGNORE_EINVAL
} kg_connection_log_error_e;


typedef enum {
    KG_TCP_NODELAY_UNSET = 0,
    KG_TCP_NODELAY_SET,
    KG_TCP_NODELAY_DISABLED
} kg_connection_tcp_nodelay_e;


#define KG_LOWLEVEL_BUFFERED  0x0f
#define KG_SSL_BUFFERED       0x01


struct kg_connection_s {
    void               *data;
    kg_event_t         *read;
    kg_event_t         *write;

    kg_socket_t         fd;

    kg_recv_pt          recv;
    kg_send_pt          send;
    kg_recv_chain_pt    recv_chain;
    kg_send_chain_pt    send_chain;

    kg_listening_t     *listening;

    off_t               sent;

    kg_log_t           *log;

    kg_pool_t          *pool;

    int                 type;

    struct sockaddr    *sockaddr;
    socklen_t           socklen;
    kg_str_t            addr_text;

    kg_ssl_connection_t  *ssl;

    struct sockaddr    *local_sockaddr;
    socklen_t           local_socklen;

    kg_buf_t           *buffer;

    kg_queue_t          queue;

    kg_atomic_uint_t    number;

    kg_msec_t           start_time;
    kg_uint_t           requests;

    unsigned            buffered:8;

    unsigned            log_error:3;     /* kg_connection_log_error_e */

    unsigned            timedout:1;
    unsigned            error:1;
    unsigned            destroyed:1;

    unsigned            idle:1;
    unsigned            reusable:1;
    unsigned            close:1;
    unsigned            shared:1;

    unsigned            sndlowat:1;
    unsigned            tcp_nodelay:2;   /* kg_connection_tcp_nodelay_e */

    unsigned            need_last_buf:1;
    unsigned            need_flush_buf:1;
};


#define kg_set_connection_log(c, l)                                          \
                                                                             \
    c->log->file = l->file;                                                  \
    c->log->next = l->next;                                                  \
    c->log->writer = l->writer;                                              \
    c->log->wdata = l->wdata;                                                \
    c->log->log_level = l->log_level


kg_listening_t *kg_create_listening(kg_conf_t *cf, struct sockaddr *sockaddr,
    socklen_t socklen);
kg_int_t kg_set_inherited_sockets(kg_cycle_t *cycle);
kg_int_t kg_open_listening_sockets(kg_cycle_t *cycle);
void kg_configure_listening_sockets(kg_cycle_t *cycle);
void kg_close_listening_sockets(kg_cycle_t *cycle);
void kg_close_connection(kg_connection_t *c);
void kg_close_idle_connections(kg_cycle_t *cycle);
kg_int_t kg_connection_local_sockaddr(kg_connection_t *c, kg_str_t *s,
    kg_uint_t port);
kg_int_t kg_tcp_nodelay(kg_connection_t *c);
kg_int_t kg_connection_error(kg_connection_t *c, kg_err_t err, char *text);

kg_connection_t *kg_get_connection(kg_socket_t s, kg_log_t *log);
void kg_free_connection(kg_connection_t *c);

void kg_reusable_connection(kg_connection_t *c, kg_uint_t reusable);


#endif /* _KG_CONNECTION_H_INCLUDED_ */
