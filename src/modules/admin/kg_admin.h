/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_ADMIN_H_INCLUDED_
#define _KG_ADMIN_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_admin_http.h>
#include <kg_metrics.h>


/*
 * The admin API for other modules.
 *
 *     admin {
 *         listen      127.0.0.1:9990;
 *         auth        basic conf/admin.htpasswd;   (or: bearer FILE)
 *         state_file  logs/kgate.state;
 *         timeout     30s;
 *     }
 *
 * Endpoints are registered at configuration time, from any directive or
 * init_conf of any module, before or after the admin {} block is read:
 *
 *     static kg_str_t  post = kg_string("POST");
 *     static kg_str_t  path = kg_string("/routes/");
 *
 *     if (kg_admin_add_endpoint(cf, &post, &path, 1, kg_route_api, rcf)
 *         != KG_OK)
 *     {
 *         return KG_CONF_ERROR;
 *     }
 *
 * An exact path wins over a prefix, a longer prefix over a shorter one.
 * A path registered only for other methods answers 405 with "Allow".
 * The registration functions are always linked, so a module may call
 * them whether or not kg_admin_module is built; without an admin {}
 * block nothing is served.
 *
 * A handler runs in a worker, in the event loop: it must not block.  It
 * gets r->method, r->path, r->tail (the path after a prefix), r->args
 * (the query string as sent; kg_admin_arg() decodes one), r->body,
 * r->pool (freed with the request), r->connection, r->data (what was
 * registered) and r->user (the basic auth user, if any), and returns:
 *
 *   KG_OK      it answered with kg_admin_send*() (a 500 is sent if not);
 *   KG_AGAIN   it will answer later: it keeps r and calls kg_admin_send*()
 *              once, from any event handler of the same worker.  Until
 *              then the connection is not read.  If the request dies
 *              first (timeout, worker shutdown) r->pool is destroyed:
 *              a handler that keeps r registers a cleanup on r->pool
 *              (kg_pool_cleanup_add) to forget it;
 *   KG_ERROR   a 500 is sent.
 *
 * Every answer counts in kgate_admin_requests_total{code}.  Error bodies
 * are {"error":"...","message":"..."}: use kg_admin_send_error().
 *
 * Readiness checks answer GET /ready: each returns KG_OK when ready,
 * anything else when not, and may set *reason (pool memory or static)
 * either way.  They run in the worker that answers, must not block, and
 * should read state the workers share (shared memory).
 */


typedef struct kg_admin_request_s  kg_admin_request_t;

typedef kg_int_t (*kg_admin_handler_pt)(kg_admin_request_t *r);
typedef kg_int_t (*kg_admin_ready_pt)(kg_admin_request_t *r, void *data,
    kg_str_t *reason);


struct kg_admin_request_s {
    kg_str_t                  method;
    kg_str_t                  path;
    kg_str_t                  tail;
    kg_str_t                  args;
    kg_str_t                  body;

    kg_pool_t                *pool;
    kg_connection_t          *connection;
    void                     *data;

    kg_str_t                  user;

    /* every header the parser keeps */
    kg_admin_http_request_t  *http;

    /* set by kg_admin_send*() */
    kg_uint_t                 status;
    kg_buf_t                 *out;
    kg_str_t                  headers;

    /* the transport's: writes r->out */
    void                    (*finalize)(kg_admin_request_t *r);
    void                     *ctx;

    unsigned                  keepalive:1;
    unsigned                  responded:1;
};


typedef struct {
    kg_str_t                  method;
    kg_str_t                  path;
    kg_uint_t                 prefix;
    kg_admin_handler_pt       handler;
    void                     *data;
} kg_admin_endpoint_t;


typedef struct {
    kg_str_t                  name;
    kg_admin_ready_pt         check;
    void                     *data;
} kg_admin_ready_check_t;


typedef struct {
    kg_cycle_t               *cycle;
    kg_array_t                endpoints;    /* kg_admin_endpoint_t */
    kg_array_t                ready;        /* kg_admin_ready_check_t */

    /*
     * the full path of "state_file", for the modules that persist
     * runtime changes (route switches); set while the admin {} block is
     * read, so it is there in every init_conf and init_module
     */
    kg_str_t                  state_file;
} kg_admin_registry_t;


kg_int_t kg_admin_add_endpoint(kg_conf_t *cf, kg_str_t *method,
    kg_str_t *path, kg_uint_t prefix, kg_admin_handler_pt handler,
    void *data);
kg_int_t kg_admin_add_ready_check(kg_conf_t *cf, kg_str_t *name,
    kg_admin_ready_pt check, void *data);

kg_int_t kg_admin_send(kg_admin_request_t *r, kg_uint_t status,
    const char *content_type, kg_str_t *body);
kg_int_t kg_admin_send_json(kg_admin_request_t *r, kg_uint_t status,
    const char *fmt, ...);
kg_int_t kg_admin_send_error(kg_admin_request_t *r, kg_uint_t status,
    const char *error, const char *message);

/* an extra header line of the answer, before kg_admin_send*() */
kg_int_t kg_admin_add_header(kg_admin_request_t *r, const char *name,
    kg_str_t *value);

/* the value of a query argument, percent-decoded; KG_DECLINED if absent */
kg_int_t kg_admin_arg(kg_admin_request_t *r, const char *name,
    kg_str_t *value);

/* a JSON string body for %V in kg_admin_send_json(), in r->pool */
kg_str_t *kg_admin_json(kg_admin_request_t *r, kg_str_t *s);


/* for the transport: the registry of a cycle (created on first use) */
kg_admin_registry_t *kg_admin_registry(kg_cycle_t *cycle);

/*
 * The endpoint for method and path: NULL with *allow set to the methods
 * the path has ("GET, POST"; len 0 if none), for 405 and 404.
 */
kg_admin_endpoint_t *kg_admin_find_endpoint(kg_admin_registry_t *registry,
    kg_str_t *method, kg_str_t *path, kg_pool_t *pool, kg_str_t *allow);


extern kg_module_t  kg_admin_module;


#endif /* _KG_ADMIN_H_INCLUDED_ */
