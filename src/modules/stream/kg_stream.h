/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_STREAM_H_INCLUDED_
#define _KG_STREAM_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_event_connect.h>


typedef struct kg_stream_session_s  kg_stream_session_t;


typedef struct {
    void                         **main_conf;
    void                         **srv_conf;
} kg_stream_conf_ctx_t;


typedef struct {
    kg_sockaddr_t                  sockaddr;
    socklen_t                      socklen;
    kg_str_t                       addr_text;

    /* server ctx */
    kg_stream_conf_ctx_t          *ctx;

    /* where the listen directive is, for errors found later */
    u_char                        *file_name;
    kg_uint_t                      line;

    int                            backlog;
    unsigned                       reuseport:1;
} kg_stream_listen_t;


typedef void (*kg_stream_handler_pt)(kg_stream_session_t *s);


typedef struct {
    kg_array_t                     servers;     /* kg_stream_core_srv_conf_t */
    kg_array_t                     listen;      /* kg_stream_listen_t */
} kg_stream_core_main_conf_t;


typedef struct {
    /* the content phase handler, set by proxy_pass */
    kg_stream_handler_pt           handler;

    kg_stream_conf_ctx_t          *ctx;

    u_char                        *file_name;
    kg_uint_t                      line;

    kg_uint_t                      listen;      /* unsigned  listen:1; */
} kg_stream_core_srv_conf_t;


typedef struct {
    kg_msec_t                      connect_timeout;
    kg_msec_t                      timeout;
    size_t                         buffer_size;

    /* resolved once, at configuration time, by the master */
    kg_addr_t                     *addrs;
    kg_uint_t                      naddrs;
    kg_str_t                       url;
} kg_stream_proxy_srv_conf_t;


struct kg_stream_session_s {
    uint32_t                       signature;   /* "STRM" */

    kg_connection_t               *connection;

    off_t                          received;
    time_t                         start_sec;
    kg_msec_t                      start_msec;

    /* appends module specific details to error log lines */
    kg_log_handler_pt              log_handler;

    void                         **ctx;
    void                         **main_conf;
    void                         **srv_conf;
};


typedef struct {
    kg_int_t                     (*preconfiguration)(kg_conf_t *cf);
    kg_int_t                     (*postconfiguration)(kg_conf_t *cf);

    void                        *(*create_main_conf)(kg_conf_t *cf);
    char                        *(*init_main_conf)(kg_conf_t *cf, void *conf);

    void                        *(*create_srv_conf)(kg_conf_t *cf);
    char                        *(*merge_srv_conf)(kg_conf_t *cf, void *prev,
                                                   void *conf);
} kg_stream_module_t;


#define KG_STREAM_MAIN_CONF        0x02000000
#define KG_STREAM_SRV_CONF         0x04000000


#define KG_STREAM_MAIN_CONF_OFFSET  offsetof(kg_stream_conf_ctx_t, main_conf)
#define KG_STREAM_SRV_CONF_OFFSET   offsetof(kg_stream_conf_ctx_t, srv_conf)


#define kg_stream_get_module_ctx(s, module)   (s)->ctx[module.ctx_index]
#define kg_stream_set_ctx(s, c, module)       s->ctx[module.ctx_index] = c;
#define kg_stream_delete_ctx(s, module)       s->ctx[module.ctx_index] = NULL;


#define kg_stream_get_module_main_conf(s, module)                             \
    (s)->main_conf[module.ctx_index]
#define kg_stream_get_module_srv_conf(s, module)                              \
    (s)->srv_conf[module.ctx_index]

#define kg_stream_conf_get_module_main_conf(cf, module)                       \
    ((kg_stream_conf_ctx_t *) cf->ctx)->main_conf[module.ctx_index]
#define kg_stream_conf_get_module_srv_conf(cf, module)                        \
    ((kg_stream_conf_ctx_t *) cf->ctx)->srv_conf[module.ctx_index]


void kg_stream_init_connection(kg_connection_t *c);
void kg_stream_close_connection(kg_connection_t *c);


extern kg_uint_t    kg_stream_max_module;
extern kg_module_t  kg_stream_module;
extern kg_module_t  kg_stream_core_module;
extern kg_module_t  kg_stream_proxy_module;


#endif /* _KG_STREAM_H_INCLUDED_ */
