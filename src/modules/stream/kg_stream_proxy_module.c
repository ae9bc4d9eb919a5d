/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_stream.h>


typedef struct {
    kg_peer_connection_t      peer;

    /* client -> upstream */
    kg_buf_t                  downstream_buf;

    /* upstream -> client */
    kg_buf_t                  upstream_buf;

    off_t                     received;           /* from upstream */
    off_t                     sent_upstream;
    off_t                     sent_downstream;

    kg_uint_t                 addr;               /* next address to try */

    kg_uint_t                 upstream_shut;      /* SHUT_WR to upstream */
    kg_uint_t                 downstream_shut;    /* SHUT_WR to client */

    unsigned                  connected:1;
    unsigned                  finalized:1;
} kg_stream_proxy_ctx_t;


static void kg_stream_proxy_handler(kg_stream_session_t *s);
static void kg_stream_proxy_connect(kg_stream_session_t *s);
static void kg_stream_proxy_next_upstream(kg_stream_session_t *s);
static kg_int_t kg_stream_proxy_get_peer(kg_peer_connection_t *pc,
    void *data);
static void kg_stream_proxy_connect_handler(kg_event_t *ev);
static kg_int_t kg_stream_proxy_test_connect(kg_connection_t *c);
static void kg_stream_proxy_init_upstream(kg_stream_session_t *s);
static void kg_stream_proxy_downstream_handler(kg_event_t *ev);
static void kg_stream_proxy_upstream_handler(kg_event_t *ev);
static void kg_stream_proxy_process_connection(kg_event_t *ev,
    kg_uint_t from_upstream);
static void kg_stream_proxy_process(kg_stream_session_t *s,
    kg_uint_t from_upstream, kg_uint_t do_write);
static kg_int_t kg_stream_proxy_test_finalize(kg_stream_session_t *s);
static void kg_stream_proxy_finalize(kg_stream_session_t *s);
static void kg_stream_proxy_set_nodelay(kg_connection_t *c);
static u_char *kg_stream_proxy_log_error(kg_log_t *log, u_char *buf,
    size_t len);

static void *kg_stream_proxy_create_srv_conf(kg_conf_t *cf);
static char *kg_stream_proxy_merge_srv_conf(kg_conf_t *cf, void *parent,
    void *child);
static char *kg_stream_proxy_pass(kg_conf_t *cf, kg_command_t *cmd,
    void *conf);
static char *kg_stream_proxy_check_msec(kg_conf_t *cf, void *post,
    void *data);
static char *kg_stream_proxy_check_size(kg_conf_t *cf, void *post,
    void *data);


/* zero is refused where it is written, so the error names FILE:LINE */

static kg_conf_post_t  kg_stream_proxy_msec_post =
    { kg_stream_proxy_check_msec };

static kg_conf_post_t  kg_stream_proxy_size_post =
    { kg_stream_proxy_check_size };


static kg_command_t  kg_stream_proxy_commands[] = {

    { kg_string("proxy_pass"),
      KG_STREAM_SRV_CONF|KG_CONF_TAKE1,
      kg_stream_proxy_pass,
      KG_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { kg_string("proxy_connect_timeout"),
      KG_STREAM_MAIN_CONF|KG_STREAM_SRV_CONF|KG_CONF_TAKE1,
      kg_conf_set_msec_slot,
      KG_STREAM_SRV_CONF_OFFSET,
      offsetof(kg_stream_proxy_srv_conf_t, connect_timeout),
      &kg_stream_proxy_msec_post },

    { kg_string("proxy_timeout"),
      KG_STREAM_MAIN_CONF|KG_STREAM_SRV_CONF|KG_CONF_TAKE1,
      kg_conf_set_msec_slot,
      KG_STREAM_SRV_CONF_OFFSET,
      offsetof(kg_stream_proxy_srv_conf_t, timeout),
      &kg_stream_proxy_msec_post },

    { kg_string("proxy_buffer_size"),
      KG_STREAM_MAIN_CONF|KG_STREAM_SRV_CONF|KG_CONF_TAKE1,
      kg_conf_set_size_slot,
      KG_STREAM_SRV_CONF_OFFSET,
      offsetof(kg_stream_proxy_srv_conf_t, buffer_size),
      &kg_stream_proxy_size_post },

      kg_null_command
};


static kg_stream_module_t  kg_stream_proxy_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    kg_stream_proxy_create_srv_conf,       /* create server configuration */
    kg_stream_proxy_merge_srv_conf         /* merge server configuration */
};


kg_module_t  kg_stream_proxy_module = {
    KG_MODULE_V1,
    &kg_stream_proxy_module_ctx,           /* module context */
    kg_stream_proxy_commands,              /* module directives */
    KG_STREAM_MODULE,                      /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


static void
kg_stream_proxy_handler(kg_stream_session_t *s)
{
    u_char                      *p;
    kg_connection_t             *c;
    kg_stream_proxy_ctx_t       *u;
    kg_stream_proxy_srv_conf_t  *pscf;

    c = s->connection;

    pscf = kg_stream_get_module_srv_conf(s, kg_stream_proxy_module);

    u = kg_pcalloc(c->pool, sizeof(kg_stream_proxy_ctx_t));
    if (u == NULL) {
        kg_stream_close_connection(c);
        return;
    }

    kg_stream_set_ctx(s, u, kg_stream_proxy_module);

    s->log_handler = kg_stream_proxy_log_error;

    /*
     * One fixed buffer per direction: when the buffer toward a side is
     * full, the other side is simply not read, so a slow reader pushes
     * back on the writer through TCP instead of growing memory here.
     */

    p = kg_pnalloc(c->pool, 2 * pscf->buffer_size);
    if (p == NULL) {
        kg_stream_close_connection(c);
        return;
    }

    u->downstream_buf.start = p;
    u->downstream_buf.end = p + pscf->buffer_size;
    u->downstream_buf.pos = p;
    u->downstream_buf.last = p;
    u->downstream_buf.temporary = 1;

    p += pscf->buffer_size;

    u->upstream_buf.start = p;
    u->upstream_buf.end = p + pscf->buffer_size;
    u->upstream_buf.pos = p;
    u->upstream_buf.last = p;
    u->upstream_buf.temporary = 1;

    kg_stream_proxy_set_nodelay(c);

    c->write->handler = kg_stream_proxy_downstream_handler;
    c->read->handler = kg_stream_proxy_downstream_handler;

    /* client bytes that arrive while connecting wait in downstream_buf */

    if (kg_handle_read_event(c->read, 0) != KG_OK) {
        kg_stream_proxy_finalize(s);
        return;
    }

    kg_stream_proxy_connect(s);
}


static void
kg_stream_proxy_connect(kg_stream_session_t *s)
{
    kg_int_t                     rc;
    kg_addr_t                   *addr;
    kg_connection_t             *c, *pc;
    kg_stream_proxy_ctx_t       *u;
    kg_stream_proxy_srv_conf_t  *pscf;

    c = s->connection;
    u = kg_stream_get_module_ctx(s, kg_stream_proxy_module);
    pscf = kg_stream_get_module_srv_conf(s, kg_stream_proxy_module);

    c->log->action = "connecting to upstream";

    addr = &pscf->addrs[u->addr++];

    kg_memzero(&u->peer, sizeof(kg_peer_connection_t));

    u->peer.sockaddr = addr->sockaddr;
    u->peer.socklen = addr->socklen;
    u->peer.name = &addr->name;
    u->peer.get = kg_stream_proxy_get_peer;
    u->peer.log = c->log;
    u->peer.log_error = KG_ERROR_ERR;
    u->peer.type = SOCK_STREAM;
    u->peer.tries = 1;

    rc = kg_event_connect_peer(&u->peer);

    kg_log_debug1(KG_LOG_DEBUG_STREAM, c->log, 0, "proxy connect: %i", rc);

    if (rc == KG_ERROR) {
        kg_stream_proxy_finalize(s);
        return;
    }

    if (rc == KG_BUSY || rc == KG_DECLINED) {
        kg_stream_proxy_next_upstream(s);
        return;
    }

    /* rc == KG_OK || rc == KG_AGAIN || rc == KG_DONE */

    pc = u->peer.connection;

    pc->data = s;
    pc->log = c->log;
    pc->pool = c->pool;
    pc->read->log = c->log;
    pc->write->log = c->log;

    if (rc != KG_AGAIN) {
        kg_stream_proxy_init_upstream(s);
        return;
    }

    pc->read->handler = kg_stream_proxy_connect_handler;
    pc->write->handler = kg_stream_proxy_connect_handler;

    kg_add_timer(pc->write, pscf->connect_timeout);
}


static void
kg_stream_proxy_next_upstream(kg_stream_session_t *s)
{
    kg_stream_proxy_ctx_t       *u;
    kg_stream_proxy_srv_conf_t  *pscf;

    u = kg_stream_get_module_ctx(s, kg_stream_proxy_module);
    pscf = kg_stream_get_module_srv_conf(s, kg_stream_proxy_module);

    if (u->peer.connection) {
        kg_close_connection(u->peer.connection);
        u->peer.connection = NULL;
    }

    if (u->addr >= pscf->naddrs || s->connection->close) {
        kg_stream_proxy_finalize(s);
        return;
    }

    kg_stream_proxy_connect(s);
}


static kg_int_t
kg_stream_proxy_get_peer(kg_peer_connection_t *pc, void *data)
{
    /* the address is already set: resolved at configuration time */

    return KG_OK;
}


static void
kg_stream_proxy_connect_handler(kg_event_t *ev)
{
    kg_connection_t      *c;
    kg_stream_session_t  *s;

    c = ev->data;
    s = c->data;

    if (c->close || s->connection->close) {
        kg_log_error(KG_LOG_INFO, c->log, 0, "shutdown timeout");
        kg_stream_proxy_finalize(s);
        return;
    }

    if (ev->timedout) {
        kg_log_error(KG_LOG_ERR, c->log, KG_ETIMEDOUT, "upstream timed out");
        kg_stream_proxy_next_upstream(s);
        return;
    }

    if (c->write->timer_set) {
        kg_del_timer(c->write);
    }

    if (kg_stream_proxy_test_connect(c) != KG_OK) {
        kg_stream_proxy_next_upstream(s);
        return;
    }

    kg_stream_proxy_init_upstream(s);
}


static kg_int_t
kg_stream_proxy_test_connect(kg_connection_t *c)
{
    int                     err;
    socklen_t               len;
    kg_stream_session_t    *s;
    kg_stream_proxy_ctx_t  *u;

    err = 0;
    len = sizeof(int);

    /*
     * BSDs and Linux return 0 and set a pending error in err,
     * Solaris returns -1 and sets errno
     */

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = kg_socket_errno;
    }

    if (err) {
        s = c->data;
        u = kg_stream_get_module_ctx(s, kg_stream_proxy_module);

        kg_log_error(KG_LOG_ERR, c->log, err, "connect() to %V failed",
                     u->peer.name);
        return KG_ERROR;
    }

    return KG_OK;
}


static void
kg_stream_proxy_init_upstream(kg_stream_session_t *s)
{
    kg_connection_t        *c, *pc;
    kg_stream_proxy_ctx_t  *u;

    c = s->connection;
    u = kg_stream_get_module_ctx(s, kg_stream_proxy_module);
    pc = u->peer.connection;

    kg_stream_proxy_set_nodelay(pc);

    c->log->action = "proxying connection";

    kg_log_error(KG_LOG_INFO, c->log, 0, "proxy connected to %V",
                 u->peer.name);

    pc->read->handler = kg_stream_proxy_upstream_handler;
    pc->write->handler = kg_stream_proxy_upstream_handler;

    u->connected = 1;

    if (pc->read->ready) {
        kg_post_event(pc->read, &kg_posted_events);
    }

    /* flush what the client sent while we were connecting */

    kg_stream_proxy_process(s, 0, 1);
}


static void
kg_stream_proxy_downstream_handler(kg_event_t *ev)
{
    kg_stream_proxy_process_connection(ev, ev->write);
}


static void
kg_stream_proxy_upstream_handler(kg_event_t *ev)
{
    kg_stream_proxy_process_connection(ev, !ev->write);
}


static void
kg_stream_proxy_process_connection(kg_event_t *ev, kg_uint_t from_upstream)
{
    kg_connection_t        *c;
    kg_stream_session_t    *s;
    kg_stream_proxy_ctx_t  *u;

    c = ev->data;
    s = c->data;
    u = kg_stream_get_module_ctx(s, kg_stream_proxy_module);

    if (c->close) {

        /* worker_shutdown_timeout: a byte stream has no safe point */

        kg_log_error(KG_LOG_INFO, c->log, 0, "shutdown timeout");
        kg_stream_proxy_finalize(s);
        return;
    }

    if (ev->timedout) {
        ev->timedout = 0;

        kg_log_error(KG_LOG_INFO, c->log, KG_ETIMEDOUT,
                     "idle timeout expired");
        kg_stream_proxy_finalize(s);
        return;
    }

    if (from_upstream && !u->connected) {
        return;
    }

    kg_stream_proxy_process(s, from_upstream, ev->write);
}


/*
 * One direction of the pump: writes what is buffered toward "dst", then
 * reads from "src" while there is room.  from_upstream selects the
 * direction; do_write says whether dst may have become writable.
 */

static void
kg_stream_proxy_process(kg_stream_session_t *s, kg_uint_t from_upstream,
    kg_uint_t do_write)
{
    char                        *recv_action, *send_action;
    off_t                       *received, *sent;
    size_t                       size;
    ssize_t                      n;
    kg_uint_t                    flags, *shut;
    kg_buf_t                    *b;
    kg_connection_t             *c, *pc, *src, *dst;
    kg_stream_proxy_ctx_t       *u;
    kg_stream_proxy_srv_conf_t  *pscf;

    u = kg_stream_get_module_ctx(s, kg_stream_proxy_module);

    c = s->connection;
    pc = u->connected ? u->peer.connection : NULL;

    if (from_upstream) {
        src = pc;
        dst = c;
        b = &u->upstream_buf;
        received = &u->received;
        sent = &u->sent_downstream;
        shut = &u->downstream_shut;
        recv_action = "proxying and reading from upstream";
        send_action = "proxying and sending to client";

    } else {
        src = c;
        dst = pc;
        b = &u->downstream_buf;
        received = &s->received;
        sent = &u->sent_upstream;
        shut = &u->upstream_shut;
        recv_action = "proxying and reading from client";
        send_action = "proxying and sending to upstream";
    }

    for ( ;; ) {

        if (do_write && dst) {

            size = b->last - b->pos;

            if (size) {
                c->log->action = send_action;

                n = dst->send(dst, b->pos, size);

                if (n == KG_ERROR) {
                    kg_stream_proxy_finalize(s);
                    return;
                }

                if (n > 0) {
                    b->pos += n;
                    *sent += n;

                    if (b->pos == b->last) {
                        b->pos = b->start;
                        b->last = b->start;
                    }
                }
            }
        }

        size = b->end - b->last;

        if (size && src && src->read->ready && !src->read->eof
            && !src->read->error)
        {
            c->log->action = recv_action;

            n = src->recv(src, b->last, size);

            if (n == KG_AGAIN) {
                break;
            }

            if (n == 0) {
                src->read->eof = 1;
                break;
            }

            if (n > 0) {
                *received += n;
                b->last += n;
                do_write = 1;
                continue;
            }

            if (n == KG_ERROR) {
                src->read->eof = 1;
                src->read->error = 1;
            }
        }

        break;
    }

    c->log->action = u->connected ? "proxying connection"
                                  : "connecting to upstream";

    if (kg_stream_proxy_test_finalize(s) == KG_OK) {
        return;
    }

    if (src) {
        flags = src->read->eof ? KG_CLOSE_EVENT : 0;

        if (kg_handle_read_event(src->read, flags) != KG_OK) {
            kg_stream_proxy_finalize(s);
            return;
        }
    }

    if (dst == NULL) {
        return;
    }

    /*
     * half-close: the source said FIN and everything it sent has been
     * delivered, so pass the FIN on and keep the other direction open
     */

    if (src->read->eof && !*shut && b->pos == b->last) {

        if (kg_shutdown_socket(dst->fd, KG_WRITE_SHUTDOWN) == -1) {
            kg_log_error(KG_LOG_INFO, c->log, kg_socket_errno,
                         kg_shutdown_socket_n " failed");
            kg_stream_proxy_finalize(s);
            return;
        }

        *shut = 1;

        kg_log_debug1(KG_LOG_DEBUG_STREAM, c->log, 0,
                      "stream proxy %s half-closed",
                      from_upstream ? "client" : "upstream");

        if (kg_stream_proxy_test_finalize(s) == KG_OK) {
            return;
        }
    }

    if (kg_handle_write_event(dst->write, 0) != KG_OK) {
        kg_stream_proxy_finalize(s);
        return;
    }

    pscf = kg_stream_get_module_srv_conf(s, kg_stream_proxy_module);

    /* the idle timer: any progress in either direction restarts it */

    kg_add_timer(c->write, pscf->timeout);
}


/*
 * The session ends on an error on either side, or when both sides have
 * sent FIN and both buffers have been delivered.
 */

static kg_int_t
kg_stream_proxy_test_finalize(kg_stream_session_t *s)
{
    kg_connection_t        *c, *pc;
    kg_stream_proxy_ctx_t  *u;

    c = s->connection;
    u = kg_stream_get_module_ctx(s, kg_stream_proxy_module);
    pc = u->connected ? u->peer.connection : NULL;

    if (c->read->error || (pc && pc->read->error)) {
        kg_stream_proxy_finalize(s);
        return KG_OK;
    }

    if (pc == NULL) {
        return KG_DECLINED;
    }

    if (c->read->eof && pc->read->eof && u->upstream_shut
        && u->downstream_shut)
    {
        kg_stream_proxy_finalize(s);
        return KG_OK;
    }

    return KG_DECLINED;
}


static void
kg_stream_proxy_finalize(kg_stream_session_t *s)
{
    kg_msec_int_t           ms;
    kg_connection_t        *c;
    kg_stream_proxy_ctx_t  *u;

    c = s->connection;
    u = kg_stream_get_module_ctx(s, kg_stream_proxy_module);

    if (u == NULL || u->finalized) {
        kg_stream_close_connection(c);
        return;
    }

    u->finalized = 1;

    ms = (kg_msec_int_t) (kg_current_msec - s->start_msec);
    ms = kg_max(ms, 0);

    c->log->action = NULL;

    kg_log_error(KG_LOG_INFO, c->log, 0, "session closed after %T.%03M s",
                 (time_t) (ms / 1000), (kg_msec_t) (ms % 1000));

    if (u->peer.connection) {
        kg_log_debug1(KG_LOG_DEBUG_STREAM, c->log, 0,
                      "close stream proxy upstream connection: %d",
                      u->peer.connection->fd);

        kg_close_connection(u->peer.connection);
        u->peer.connection = NULL;
    }

    kg_stream_close_connection(c);
}


static void
kg_stream_proxy_set_nodelay(kg_connection_t *c)
{
    int  tcp_nodelay;

    /* small request/response exchanges must not wait for Nagle */

    tcp_nodelay = 1;

    if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY,
                   (const void *) &tcp_nodelay, sizeof(int))
        == -1)
    {
        kg_log_error(KG_LOG_INFO, c->log, kg_socket_errno,
                     "setsockopt(TCP_NODELAY) failed");
    }
}


static u_char *
kg_stream_proxy_log_error(kg_log_t *log, u_char *buf, size_t len)
{
    u_char                 *p;
    kg_stream_session_t    *s;
    kg_stream_proxy_ctx_t  *u;

    s = log->data;

    u = kg_stream_get_module_ctx(s, kg_stream_proxy_module);

    if (u == NULL || u->peer.name == NULL) {
        return buf;
    }

    p = kg_snprintf(buf, len,
                    ", upstream: \"%V\", bytes from/to client:%O/%O"
                    ", bytes from/to upstream:%O/%O",
                    u->peer.name, s->received, u->sent_downstream,
                    u->received, u->sent_upstream);

    return p;
}


static void *
kg_stream_proxy_create_srv_conf(kg_conf_t *cf)
{
    kg_stream_proxy_srv_conf_t  *conf;

    /*
     * set by kg_pcalloc():
     *
     *     conf->addrs = NULL;
     *     conf->naddrs = 0;
     *     conf->url = { 0, NULL };
     */

    conf = kg_pcalloc(cf->pool, sizeof(kg_stream_proxy_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->connect_timeout = KG_CONF_UNSET_MSEC;
    conf->timeout = KG_CONF_UNSET_MSEC;
    conf->buffer_size = KG_CONF_UNSET_SIZE;

    return conf;
}


static char *
kg_stream_proxy_merge_srv_conf(kg_conf_t *cf, void *parent, void *child)
{
    kg_stream_proxy_srv_conf_t *prev = parent;
    kg_stream_proxy_srv_conf_t *conf = child;

    kg_conf_merge_msec_value(conf->connect_timeout,
                              prev->connect_timeout, 60000);

    kg_conf_merge_msec_value(conf->timeout, prev->timeout, 10 * 60000);

    kg_conf_merge_size_value(conf->buffer_size, prev->buffer_size, 16384);

    return KG_CONF_OK;
}


static char *
kg_stream_proxy_check_msec(kg_conf_t *cf, void *post, void *data)
{
    kg_msec_t  *mp = data;

    kg_str_t  *value;

    if (*mp == 0) {
        value = cf->args->elts;

        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "\"%V\" must be greater than zero", &value[0]);
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;
}


static char *
kg_stream_proxy_check_size(kg_conf_t *cf, void *post, void *data)
{
    size_t  *sp = data;

    kg_str_t  *value;

    if (*sp == 0) {
        value = cf->args->elts;

        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "\"%V\" must be greater than zero", &value[0]);
        return KG_CONF_ERROR;
    }

    return KG_CONF_OK;
}


static char *
kg_stream_proxy_pass(kg_conf_t *cf, kg_command_t *cmd, void *conf)
{
    kg_stream_proxy_srv_conf_t *pscf = conf;

    kg_url_t                    u;
    kg_str_t                   *value;
    kg_stream_core_srv_conf_t  *cscf;

    if (pscf->addrs) {
        return "is duplicate";
    }

    cscf = kg_stream_conf_get_module_srv_conf(cf, kg_stream_core_module);

    cscf->handler = kg_stream_proxy_handler;

    value = cf->args->elts;

    kg_memzero(&u, sizeof(kg_url_t));

    u.url = value[1];

    /* resolving here keeps blocking DNS out of the workers */

    if (kg_parse_url(cf->pool, &u) != KG_OK) {
        if (u.err) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                               "%s in upstream \"%V\"", u.err, &u.url);
        }

        return KG_CONF_ERROR;
    }

    if (u.no_port) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "no port in upstream \"%V\"", &u.url);
        return KG_CONF_ERROR;
    }

    if (u.naddrs == 0) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                           "host not found in upstream \"%V\"", &u.url);
        return KG_CONF_ERROR;
    }

    pscf->addrs = u.addrs;
    pscf->naddrs = u.naddrs;
    pscf->url = u.url;

    return KG_CONF_OK;
}
