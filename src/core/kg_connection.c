/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>


#define KG_BIND_TRIES  5


static void kg_close_listening_fd(kg_socket_t s, kg_listening_t *ls,
    kg_log_t *log);
static void kg_drain_connections(kg_cycle_t *cycle);


/* set when the free list ran dry, so that the shortage is logged once */
static kg_uint_t  kg_connections_exhausted;


kg_listening_t *
kg_create_listening(kg_conf_t *cf, struct sockaddr *sockaddr,
    socklen_t socklen)
{
    size_t            len;
    kg_listening_t   *ls;
    struct sockaddr  *sa;
    u_char            text[KG_SOCKADDR_STRLEN];

    ls = kg_array_push(&cf->cycle->listening);
    if (ls == NULL) {
        return NULL;
    }

    kg_memzero(ls, sizeof(kg_listening_t));

    sa = kg_palloc(cf->pool, socklen);
    if (sa == NULL) {
        return NULL;
    }

    kg_memcpy(sa, sockaddr, socklen);

    ls->sockaddr = sa;
    ls->socklen = socklen;

    len = kg_sock_ntop(sa, socklen, text, KG_SOCKADDR_STRLEN, 1);
    ls->addr_text.len = len;

    switch (ls->sockaddr->sa_family) {
    case AF_INET6:
        ls->addr_text_max_len = KG_INET6_ADDRSTRLEN;
        break;
    case AF_UNIX:
        ls->addr_text_max_len = KG_UNIX_ADDRSTRLEN;
        len++;
        break;
    case AF_INET:
        ls->addr_text_max_len = KG_INET_ADDRSTRLEN;
        break;
    default:
        ls->addr_text_max_len = KG_SOCKADDR_STRLEN;
        break;
    }

    ls->addr_text.data = kg_pnalloc(cf->pool, len);
    if (ls->addr_text.data == NULL) {
        return NULL;
    }

    kg_memcpy(ls->addr_text.data, text, len);

    ls->fd = (kg_socket_t) -1;
    ls->type = SOCK_STREAM;

    ls->backlog = KG_LISTEN_BACKLOG;
    ls->rcvbuf = -1;
    ls->sndbuf = -1;

    ls->ipv6only = 1;

    return ls;
}


/*
 * the master inherited these fds through the KGATE environment variable
 * on a binary upgrade: everything else about them is asked from the kernel
 */

kg_int_t
kg_set_inherited_sockets(kg_cycle_t *cycle)
{
    size_t           len;
    kg_uint_t        i;
    kg_listening_t  *ls;
    socklen_t        olen;
    int              reuseport;

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {

        ls[i].sockaddr = kg_palloc(cycle->pool, sizeof(kg_sockaddr_t));
        if (ls[i].sockaddr == NULL) {
            return KG_ERROR;
        }

        ls[i].socklen = sizeof(kg_sockaddr_t);
        if (getsockname(ls[i].fd, ls[i].sockaddr, &ls[i].socklen) == -1) {
            kg_log_error(KG_LOG_ERR, cycle->log, kg_socket_errno,
                         "getsockname() of the inherited "
                         "socket #%d failed", ls[i].fd);
            ls[i].ignore = 1;
            continue;
        }

        if (ls[i].socklen > (socklen_t) sizeof(kg_sockaddr_t)) {
            ls[i].socklen = sizeof(kg_sockaddr_t);
        }

        switch (ls[i].sockaddr->sa_family) {

        case AF_INET6:
            ls[i].addr_text_max_len = KG_INET6_ADDRSTRLEN;
            len = KG_INET6_ADDRSTRLEN + sizeof("[]:65535") - 1;
            break;

        case AF_UNIX:
            ls[i].addr_text_max_len = KG_UNIX_ADDRSTRLEN;
            len = KG_UNIX_ADDRSTRLEN;
            break;

        case AF_INET:
            ls[i].addr_text_max_len = KG_INET_ADDRSTRLEN;
            len = KG_INET_ADDRSTRLEN + sizeof(":65535") - 1;
            break;

        default:
            kg_log_error(KG_LOG_ERR, cycle->log, kg_socket_errno,
                         "the inherited socket #%d has "
                         "an unsupported protocol family", ls[i].fd);
            ls[i].ignore = 1;
            continue;
        }

        ls[i].addr_text.data = kg_pnalloc(cycle->pool, len);
        if (ls[i].addr_text.data == NULL) {
            return KG_ERROR;
        }

        len = kg_sock_ntop(ls[i].sockaddr, ls[i].socklen,
                           ls[i].addr_text.data, len, 1);
        if (len == 0) {
            return KG_ERROR;
        }

        ls[i].addr_text.len = len;

        ls[i].backlog = KG_LISTEN_BACKLOG;

        olen = sizeof(int);

        if (getsockopt(ls[i].fd, SOL_SOCKET, SO_TYPE, (void *) &ls[i].type,
                       &olen)
            == -1)
        {
            kg_log_error(KG_LOG_ERR, cycle->log, kg_socket_errno,
                         "getsockopt(SO_TYPE) %V failed", &ls[i].addr_text);
            ls[i].ignore = 1;
            continue;
        }

        olen = sizeof(int);

        if (getsockopt(ls[i].fd, SOL_SOCKET, SO_RCVBUF, (void *) &ls[i].rcvbuf,
                       &olen)
            == -1)
        {
            kg_log_error(KG_LOG_ERR, cycle->log, kg_socket_errno,
                         "getsockopt(SO_RCVBUF) %V failed, ignored",
                         &ls[i].addr_text);

            ls[i].rcvbuf = -1;
        }

        olen = sizeof(int);

        if (getsockopt(ls[i].fd, SOL_SOCKET, SO_SNDBUF, (void *) &ls[i].sndbuf,
                       &olen)
            == -1)
        {
            kg_log_error(KG_LOG_ERR, cycle->log, kg_socket_errno,
                         "getsockopt(SO_SNDBUF) %V failed, ignored",
                         &ls[i].addr_text);

            ls[i].sndbuf = -1;
        }

        reuseport = 0;
        olen = sizeof(int);

        if (getsockopt(ls[i].fd, SOL_SOCKET, SO_REUSEPORT,
                       (void *) &reuseport, &olen)
            == -1)
        {
            kg_log_error(KG_LOG_ERR, cycle->log, kg_socket_errno,
                         "getsockopt(SO_REUSEPORT) %V failed, ignored",
                         &ls[i].addr_text);

        } else {
            ls[i].reuseport = reuseport ? 1 : 0;
        }

        if (ls[i].sockaddr->sa_family == AF_INET6) {
            int  ipv6only;

            olen = sizeof(int);

            if (getsockopt(ls[i].fd, IPPROTO_IPV6, IPV6_V6ONLY,
                           (void *) &ipv6only, &olen)
                == 0)
            {
                ls[i].ipv6only = ipv6only ? 1 : 0;
            }
        }
    }

    return KG_OK;
}


kg_int_t
kg_open_listening_sockets(kg_cycle_t *cycle)
{
    int               reuseaddr;
    kg_uint_t         i, tries, failed;
    kg_err_t          err;
    kg_log_t         *log;
    kg_socket_t       s;
    kg_listening_t   *ls;

    reuseaddr = 1;
    failed = 0;

    log = cycle->log;

    /* a listening address may still be held by a dying process */

    for (tries = KG_BIND_TRIES; tries; tries--) {
        failed = 0;

        /* for each listening socket */

        ls = cycle->listening.elts;
        for (i = 0; i < cycle->listening.nelts; i++) {

            if (ls[i].ignore) {
                continue;
            }

            if (ls[i].add_reuseport) {

                /*
                 * to allow transition from a socket without SO_REUSEPORT
                 * to multiple sockets with SO_REUSEPORT, we have to set
                 * SO_REUSEPORT on the old socket before opening new ones
                 */

                int  reuseport = 1;

                if (setsockopt(ls[i].fd, SOL_SOCKET, SO_REUSEPORT,
                               (const void *) &reuseport, sizeof(int))
                    == -1)
                {
                    kg_log_error(KG_LOG_ALERT, cycle->log, kg_socket_errno,
                                 "setsockopt(SO_REUSEPORT) %V failed, "
                                 "ignored",
                                 &ls[i].addr_text);
                }

                ls[i].add_reuseport = 0;
            }

            if (ls[i].fd != (kg_socket_t) -1) {
                continue;
            }

            /* an inherited socket is already bound and listening */

            if (ls[i].inherited) {
                continue;
            }

            s = kg_socket(ls[i].sockaddr->sa_family, ls[i].type, 0);

            if (s == (kg_socket_t) -1) {
                kg_log_error(KG_LOG_EMERG, log, kg_socket_errno,
                             kg_socket_n " %V failed", &ls[i].addr_text);
                return KG_ERROR;
            }

            if (ls[i].type != SOCK_DGRAM || !kg_test_config) {

                if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR,
                               (const void *) &reuseaddr, sizeof(int))
                    == -1)
                {
                    kg_log_error(KG_LOG_EMERG, log, kg_socket_errno,
                                 "setsockopt(SO_REUSEADDR) %V failed",
                                 &ls[i].addr_text);

                    kg_close_listening_fd(s, &ls[i], log);

                    return KG_ERROR;
                }
            }

            if (ls[i].reuseport && !kg_test_config) {
                int  reuseport;

                reuseport = 1;

                if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT,
                               (const void *) &reuseport, sizeof(int))
                    == -1)
                {
                    kg_log_error(KG_LOG_EMERG, log, kg_socket_errno,
                                 "setsockopt(SO_REUSEPORT) %V failed",
                                 &ls[i].addr_text);

                    kg_close_listening_fd(s, &ls[i], log);

                    return KG_ERROR;
                }
            }

            if (ls[i].sockaddr->sa_family == AF_INET6) {
                int  ipv6only;

                ipv6only = ls[i].ipv6only;

                if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY,
                               (const void *) &ipv6only, sizeof(int))
                    == -1)
                {
                    kg_log_error(KG_LOG_EMERG, log, kg_socket_errno,
                                 "setsockopt(IPV6_V6ONLY) %V failed, ignored",
                                 &ls[i].addr_text);
                }
            }

            if (kg_nonblocking(s) == -1) {
                kg_log_error(KG_LOG_EMERG, log, kg_socket_errno,
                             kg_nonblocking_n " %V failed",
                             &ls[i].addr_text);

                kg_close_listening_fd(s, &ls[i], log);

                return KG_ERROR;
            }

            kg_log_debug2(KG_LOG_DEBUG_CORE, log, 0,
                          "bind() %V #%d ", &ls[i].addr_text, s);

            if (bind(s, ls[i].sockaddr, ls[i].socklen) == -1) {
                err = kg_socket_errno;

                if (err != KG_EADDRINUSE || !kg_test_config) {
                    kg_log_error(KG_LOG_EMERG, log, err,
                                 "bind() to %V failed", &ls[i].addr_text);
                }

                kg_close_listening_fd(s, &ls[i], log);

                if (err != KG_EADDRINUSE) {
                    return KG_ERROR;
                }

                if (!kg_test_config) {
                    failed = 1;
                }

                continue;
            }

            if (ls[i].type != SOCK_STREAM) {
                ls[i].fd = s;
                continue;
            }

            if (listen(s, ls[i].backlog) == -1) {
                err = kg_socket_errno;

                /* some containers report EADDRINUSE here, not in bind() */

                if (err != KG_EADDRINUSE || !kg_test_config) {
                    kg_log_error(KG_LOG_EMERG, log, err,
                                 "listen() to %V, backlog %d failed",
                                 &ls[i].addr_text, ls[i].backlog);
                }

                kg_close_listening_fd(s, &ls[i], log);

                if (err != KG_EADDRINUSE) {
                    return KG_ERROR;
                }

                if (!kg_test_config) {
                    failed = 1;
                }

                continue;
            }

            ls[i].listen = 1;

            ls[i].fd = s;
        }

        if (!failed) {
            break;
        }

        kg_log_error(KG_LOG_NOTICE, log, 0,
                     "try again to bind() after 500ms");

        kg_msleep(500);
    }

    if (failed) {
        kg_log_error(KG_LOG_EMERG, log, 0, "still could not bind()");
        return KG_ERROR;
    }

    return KG_OK;
}


/* a socket that failed to become a listening one is given up */

static void
kg_close_listening_fd(kg_socket_t s, kg_listening_t *ls, kg_log_t *log)
{
    if (kg_close_socket(s) == -1) {
        kg_log_error(KG_LOG_EMERG, log, kg_socket_errno,
                     kg_close_socket_n " %V failed", &ls->addr_text);
    }
}


void
kg_configure_listening_sockets(kg_cycle_t *cycle)
{
    kg_uint_t        i;
    kg_listening_t  *ls;

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {

        ls[i].log = *ls[i].logp;

        if (ls[i].rcvbuf != -1) {
            if (setsockopt(ls[i].fd, SOL_SOCKET, SO_RCVBUF,
                           (const void *) &ls[i].rcvbuf, sizeof(int))
                == -1)
            {
                kg_log_error(KG_LOG_ALERT, cycle->log, kg_socket_errno,
                             "setsockopt(SO_RCVBUF, %d) %V failed, ignored",
                             ls[i].rcvbuf, &ls[i].addr_text);
            }
        }

        if (ls[i].sndbuf != -1) {
            if (setsockopt(ls[i].fd, SOL_SOCKET, SO_SNDBUF,
                           (const void *) &ls[i].sndbuf, sizeof(int))
                == -1)
            {
                kg_log_error(KG_LOG_ALERT, cycle->log, kg_socket_errno,
                             "setsockopt(SO_SNDBUF, %d) %V failed, ignored",
                             ls[i].sndbuf, &ls[i].addr_text);
            }
        }

        if (ls[i].listen && ls[i].type == SOCK_STREAM) {

            /* change backlog via listen() */

            if (listen(ls[i].fd, ls[i].backlog) == -1) {
                kg_log_error(KG_LOG_ALERT, cycle->log, kg_socket_errno,
                             "listen() to %V, backlog %d failed, ignored",
                             &ls[i].addr_text, ls[i].backlog);
            }
        }
    }
}


void
kg_close_listening_sockets(kg_cycle_t *cycle)
{
    kg_uint_t         i;
    kg_listening_t   *ls;
    kg_connection_t  *c;

    kg_accept_disabled = 0;

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {

        c = ls[i].connection;

        if (c) {
            if (c->read->active) {
                kg_del_event(c->read, KG_READ_EVENT, 0);
            }

            if (c->read->timer_set) {
                kg_del_timer(c->read);
            }

            if (c->read->posted) {
                kg_delete_posted_event(c->read);
            }

            kg_free_connection(c);

            c->fd = (kg_socket_t) -1;
        }

        kg_log_debug2(KG_LOG_DEBUG_CORE, cycle->log, 0,
                      "close listening %V #%d ", &ls[i].addr_text, ls[i].fd);

        if (kg_close_socket(ls[i].fd) == -1) {
            kg_log_error(KG_LOG_EMERG, cycle->log, kg_socket_errno,
                         kg_close_socket_n " %V failed", &ls[i].addr_text);
        }

        if (ls[i].sockaddr->sa_family == AF_UNIX
            && kg_process <= KG_PROCESS_MASTER
            && kg_new_binary == 0
            && (!ls[i].inherited || getppid() != kg_parent))
        {
            u_char *name = ls[i].addr_text.data + sizeof("unix:") - 1;

            if (unlink((char *) name) == -1) {
                kg_log_error(KG_LOG_EMERG, cycle->log, kg_socket_errno,
                             "unlink() %s failed", name);
            }
        }

        ls[i].fd = (kg_socket_t) -1;
        ls[i].connection = NULL;
    }

    cycle->listening.nelts = 0;
}


kg_connection_t *
kg_get_connection(kg_socket_t s, kg_log_t *log)
{
    kg_uint_t         instance;
    kg_event_t       *rev, *wev;
    kg_connection_t  *c;

    c = kg_cycle->free_connections;

    if (c == NULL) {
        kg_drain_connections((kg_cycle_t *) kg_cycle);
        c = kg_cycle->free_connections;
    }

    if (c == NULL) {

        /* load from outside, not a bug: ERR, and once per shortage */

        if (!kg_connections_exhausted) {
            kg_log_error(KG_LOG_ERR, log, 0,
                         "%ui worker_connections are not enough",
                         kg_cycle->connection_n);
            kg_connections_exhausted = 1;
        }

        return NULL;
    }

    kg_cycle->free_connections = c->data;
    kg_cycle->free_connection_n--;

    rev = c->read;
    wev = c->write;

    kg_memzero(c, sizeof(kg_connection_t));

    c->read = rev;
    c->write = wev;
    c->fd = s;
    c->log = log;

    instance = rev->instance;

    kg_memzero(rev, sizeof(kg_event_t));
    kg_memzero(wev, sizeof(kg_event_t));

    rev->instance = !instance;
    wev->instance = !instance;

    rev->index = KG_INVALID_INDEX;
    wev->index = KG_INVALID_INDEX;

    rev->data = c;
    wev->data = c;

    wev->write = 1;

    return c;
}


void
kg_free_connection(kg_connection_t *c)
{
    c->data = kg_cycle->free_connections;
    kg_cycle->free_connections = c;
    kg_cycle->free_connection_n++;

    kg_connections_exhausted = 0;
}


void
kg_close_connection(kg_connection_t *c)
{
    kg_err_t     err;
    kg_uint_t    log_error, level;
    kg_socket_t  fd;

    if (c->fd == (kg_socket_t) -1) {
        kg_log_error(KG_LOG_ALERT, c->log, 0, "connection already closed");
        return;
    }

    if (c->read->timer_set) {
        kg_del_timer(c->read);
    }

    if (c->write->timer_set) {
        kg_del_timer(c->write);
    }

    if (!c->shared) {
        if (kg_del_conn) {
            kg_del_conn(c, KG_CLOSE_EVENT);

        } else {
            if (c->read->active || c->read->disabled) {
                kg_del_event(c->read, KG_READ_EVENT, KG_CLOSE_EVENT);
            }

            if (c->write->active || c->write->disabled) {
                kg_del_event(c->write, KG_WRITE_EVENT, KG_CLOSE_EVENT);
            }
        }
    }

    if (c->read->posted) {
        kg_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        kg_delete_posted_event(c->write);
    }

    c->read->closed = 1;
    c->write->closed = 1;

    kg_reusable_connection(c, 0);

    log_error = c->log_error;

    kg_free_connection(c);

    fd = c->fd;
    c->fd = (kg_socket_t) -1;

    if (c->shared) {
        return;
    }

    if (kg_close_socket(fd) == -1) {

        err = kg_socket_errno;

        if (err == KG_ECONNRESET || err == KG_ENOTCONN) {

            switch (log_error) {

            case KG_ERROR_INFO:
                level = KG_LOG_INFO;
                break;

            case KG_ERROR_ERR:
                level = KG_LOG_ERR;
                break;

            default:
                level = KG_LOG_CRIT;
            }

        } else {
            level = KG_LOG_CRIT;
        }

        kg_log_error(level, c->log, err, kg_close_socket_n " %d failed", fd);
    }
}


/*
 * a reusable connection (an idle client that waits for its next request)
 * may be closed early when the free list runs dry
 */

void
kg_reusable_connection(kg_connection_t *c, kg_uint_t reusable)
{
    kg_log_debug1(KG_LOG_DEBUG_CORE, c->log, 0,
                  "reusable connection: %ui", reusable);

    if (c->reusable) {
        kg_queue_remove(&c->queue);
        kg_cycle->reusable_connections_n--;
    }

    c->reusable = reusable;

    if (reusable) {
        /* need cast as kg_cycle is volatile */

        kg_queue_insert_head(
            (kg_queue_t *) &kg_cycle->reusable_connections_queue, &c->queue);
        kg_cycle->reusable_connections_n++;
    }
}


static void
kg_drain_connections(kg_cycle_t *cycle)
{
    kg_uint_t         i, n;
    kg_queue_t       *q;
    kg_connection_t  *c;

    if (cycle->free_connection_n > cycle->connection_n / 16
        || cycle->reusable_connections_n == 0)
    {
        return;
    }

    if (cycle->connections_reuse_time != kg_time()) {
        cycle->connections_reuse_time = kg_time();

        kg_log_error(KG_LOG_WARN, cycle->log, 0,
                     "%ui worker_connections are not enough, "
                     "reusing connections",
                     cycle->connection_n);
    }

    c = NULL;
    n = kg_max(kg_min(32, cycle->reusable_connections_n / 8), 1);

    for (i = 0; i < n; i++) {
        if (kg_queue_empty(&cycle->reusable_connections_queue)) {
            break;
        }

        q = kg_queue_last(&cycle->reusable_connections_queue);
        c = kg_queue_data(q, kg_connection_t, queue);

        kg_log_debug0(KG_LOG_DEBUG_CORE, c->log, 0,
                      "reusing connection");

        c->close = 1;
        c->read->handler(c->read);
    }

    if (cycle->free_connection_n == 0 && c && c->reusable) {

        /*
         * if no connections were freed, try to reuse the last
         * connection again: this should free it as long as
         * previous reuse moved it to lingering close
         */

        kg_log_debug0(KG_LOG_DEBUG_CORE, c->log, 0,
                      "reusing connection again");

        c->close = 1;
        c->read->handler(c->read);
    }
}


/*
 * graceful shutdown: a connection that waits for nothing in flight
 * (c->idle) is told to close through its own read handler, so the module
 * that owns it does the cleanup
 */

void
kg_close_idle_connections(kg_cycle_t *cycle)
{
    kg_uint_t         i, n;
    kg_connection_t  *c;

    c = cycle->connections;
    n = cycle->connection_n;

    if (c == NULL) {
        return;
    }

    for (i = 0; i < n; i++) {

        if (c[i].fd != (kg_socket_t) -1 && c[i].idle) {
            c[i].close = 1;
            c[i].read->handler(c[i].read);
        }
    }
}


kg_int_t
kg_connection_local_sockaddr(kg_connection_t *c, kg_str_t *s,
    kg_uint_t port)
{
    socklen_t             len;
    kg_uint_t             addr;
    kg_sockaddr_t         sa;
    struct sockaddr_in   *sin;
    kg_uint_t             i;
    struct sockaddr_in6  *sin6;

    addr = 0;

    if (c->local_socklen) {
        switch (c->local_sockaddr->sa_family) {

        case AF_INET6:
            sin6 = (struct sockaddr_in6 *) c->local_sockaddr;

            for (i = 0; addr == 0 && i < 16; i++) {
                addr |= sin6->sin6_addr.s6_addr[i];
            }

            break;

        case AF_UNIX:
            addr = 1;
            break;

        default: /* AF_INET */
            sin = (struct sockaddr_in *) c->local_sockaddr;
            addr = sin->sin_addr.s_addr;
            break;
        }
    }

    if (addr == 0) {

        len = sizeof(kg_sockaddr_t);

        if (getsockname(c->fd, &sa.sockaddr, &len) == -1) {
            kg_connection_error(c, kg_socket_errno, "getsockname() failed");
            return KG_ERROR;
        }

        c->local_sockaddr = kg_palloc(c->pool, len);
        if (c->local_sockaddr == NULL) {
            return KG_ERROR;
        }

        kg_memcpy(c->local_sockaddr, &sa, len);

        c->local_socklen = len;
    }

    if (s == NULL) {
        return KG_OK;
    }

    s->len = kg_sock_ntop(c->local_sockaddr, c->local_socklen,
                          s->data, s->len, port);

    return KG_OK;
}


kg_int_t
kg_tcp_nodelay(kg_connection_t *c)
{
    int  tcp_nodelay;

    if (c->tcp_nodelay != KG_TCP_NODELAY_UNSET) {
        return KG_OK;
    }

    kg_log_debug0(KG_LOG_DEBUG_CORE, c->log, 0, "tcp_nodelay");

    tcp_nodelay = 1;

    if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY,
                   (const void *) &tcp_nodelay, sizeof(int))
        == -1)
    {
        kg_connection_error(c, kg_socket_errno,
                            "setsockopt(TCP_NODELAY) failed");
        return KG_ERROR;
    }

    c->tcp_nodelay = KG_TCP_NODELAY_SET;

    return KG_OK;
}


/*
 * the level says whose fault it is: a peer that resets or vanishes is
 * routine (INFO or ERR, as the connection's owner asked); an errno that
 * no network event explains means kgate misused the socket (ALERT)
 */

kg_int_t
kg_connection_error(kg_connection_t *c, kg_err_t err, char *text)
{
    kg_uint_t  level;

    if ((err == KG_ECONNRESET || err == KG_ECONNABORTED)
        && c->log_error == KG_ERROR_IGNORE_ECONNRESET)
    {
        return 0;
    }

    if (err == KG_EINVAL && c->log_error == KG_ERROR_IGNORE_EINVAL) {
        return 0;
    }

    if (err == 0
        || err == KG_ECONNRESET
        || err == KG_ECONNABORTED
        || err == KG_EPIPE
        || err == KG_ENOTCONN
        || err == KG_ETIMEDOUT
        || err == KG_ECONNREFUSED
        || err == KG_ENETDOWN
        || err == KG_ENETUNREACH
        || err == KG_EHOSTDOWN
        || err == KG_EHOSTUNREACH
        || err == ENETRESET
        || err == EPROTO)
    {
        switch (c->log_error) {

        case KG_ERROR_IGNORE_EINVAL:
        case KG_ERROR_IGNORE_ECONNRESET:
        case KG_ERROR_INFO:
            level = KG_LOG_INFO;
            break;

        default:
            level = KG_LOG_ERR;
        }

    } else {
        level = KG_LOG_ALERT;
    }

    kg_log_error(level, c->log, err, text);

    return KG_ERROR;
}
