/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>


/* how long accept stays off after running out of connections or fds */
#define KG_ACCEPT_DELAY  500


static void kg_close_accepted_connection(kg_connection_t *c);
static void kg_accept_pause(kg_cycle_t *cycle, kg_event_t *ev);


void
kg_event_accept(kg_event_t *ev)
{
    socklen_t          socklen;
    kg_err_t           err;
    kg_log_t          *log;
    kg_uint_t          level;
    kg_socket_t        s;
    kg_event_t        *rev, *wev;
    kg_sockaddr_t      sa;
    kg_listening_t    *ls;
    kg_connection_t   *c, *lc;
    kg_event_conf_t   *ecf;

    if (ev->timedout) {
        if (kg_enable_accept_events((kg_cycle_t *) kg_cycle) != KG_OK) {
            return;
        }

        ev->timedout = 0;
    }

    ecf = kg_event_get_conf(kg_cycle->conf_ctx, kg_event_core_module);

    ev->available = ecf->multi_accept;

    lc = ev->data;
    ls = lc->listening;
    ev->ready = 0;

    kg_log_debug2(KG_LOG_DEBUG_EVENT, ev->log, 0,
                  "accept on %V, ready: %d", &ls->addr_text, ev->available);

    do {
        socklen = sizeof(kg_sockaddr_t);

        s = accept4(lc->fd, &sa.sockaddr, &socklen, SOCK_NONBLOCK);

        if (s == (kg_socket_t) -1) {
            err = kg_socket_errno;

            if (err == KG_EAGAIN) {
                kg_log_debug0(KG_LOG_DEBUG_EVENT, ev->log, err,
                              "accept4() not ready");
                return;
            }

            level = KG_LOG_ALERT;

            if (err == KG_ECONNABORTED) {
                level = KG_LOG_ERR;

            } else if (err == KG_EMFILE || err == KG_ENFILE
                       || err == ENOBUFS || err == KG_ENOMEM)
            {
                /* the load or the limits, not a kgate bug */
                level = KG_LOG_ERR;
            }

            kg_log_error(level, ev->log, err, "accept4() failed");

            if (err == KG_ECONNABORTED) {
                if (ev->available) {
                    continue;
                }
            }

            if (err == KG_EMFILE || err == KG_ENFILE
                || err == ENOBUFS || err == KG_ENOMEM)
            {
                kg_accept_pause((kg_cycle_t *) kg_cycle, ev);
            }

            return;
        }

        c = kg_get_connection(s, ev->log);

        if (c == NULL) {
            if (kg_close_socket(s) == -1) {
                kg_log_error(KG_LOG_ALERT, ev->log, kg_socket_errno,
                             kg_close_socket_n " failed");
            }

            /*
             * the listening socket stays readable: without a pause a
             * level-triggered event would spin on accept()
             */

            kg_accept_pause((kg_cycle_t *) kg_cycle, ev);

            return;
        }

        c->type = SOCK_STREAM;

        c->pool = kg_create_pool(ls->pool_size, ev->log);
        if (c->pool == NULL) {
            kg_close_accepted_connection(c);
            return;
        }

        if (socklen > (socklen_t) sizeof(kg_sockaddr_t)) {
            socklen = sizeof(kg_sockaddr_t);
        }

        c->sockaddr = kg_palloc(c->pool, socklen);
        if (c->sockaddr == NULL) {
            kg_close_accepted_connection(c);
            return;
        }

        kg_memcpy(c->sockaddr, &sa, socklen);

        log = kg_palloc(c->pool, sizeof(kg_log_t));
        if (log == NULL) {
            kg_close_accepted_connection(c);
            return;
        }

        *log = ls->log;

        c->recv = kg_recv;
        c->send = kg_send;
        c->recv_chain = kg_recv_chain;
        c->send_chain = kg_send_chain;

        c->log = log;
        c->pool->log = log;

        c->socklen = socklen;
        c->listening = ls;
        c->local_sockaddr = ls->sockaddr;
        c->local_socklen = ls->socklen;

        rev = c->read;
        wev = c->write;

        /* a new socket can be written to at once */

        wev->ready = 1;

        rev->log = log;
        wev->log = log;

        /*
         * the connection number is unique across all workers: it is what
         * "*N" in the error log refers to
         */

        c->number = kg_atomic_fetch_add(kg_connection_counter, 1);
        log->connection = c->number;

        c->start_time = kg_current_msec;

        if (ls->addr_ntop) {
            c->addr_text.data = kg_pnalloc(c->pool, ls->addr_text_max_len);
            if (c->addr_text.data == NULL) {
                kg_close_accepted_connection(c);
                return;
            }

            c->addr_text.len = kg_sock_ntop(c->sockaddr, c->socklen,
                                            c->addr_text.data,
                                            ls->addr_text_max_len, 0);
            if (c->addr_text.len == 0) {
                kg_close_accepted_connection(c);
                return;
            }
        }

        kg_log_debug3(KG_LOG_DEBUG_EVENT, log, 0,
                      "*%uA accept: %V fd:%d", c->number, &c->addr_text, s);

        if (kg_add_conn && (kg_event_flags & KG_USE_EPOLL_EVENT)) {
            if (kg_add_conn(c) == KG_ERROR) {
                kg_close_accepted_connection(c);
                return;
            }
        }

        log->data = NULL;
        log->handler = NULL;

        ls->handler(c);

    } while (ev->available);
}


static void
kg_accept_pause(kg_cycle_t *cycle, kg_event_t *ev)
{
    if (kg_disable_accept_events(cycle, 1) != KG_OK) {
        return;
    }

    kg_accept_disabled = 1;

    kg_add_timer(ev, KG_ACCEPT_DELAY);
}


kg_int_t
kg_enable_accept_events(kg_cycle_t *cycle)
{
    kg_uint_t         i;
    kg_listening_t   *ls;
    kg_connection_t  *c;

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {

        c = ls[i].connection;

        if (c == NULL || c->read->active) {
            continue;
        }

        if (kg_add_event(c->read, KG_READ_EVENT, KG_EXCLUSIVE_EVENT)
            == KG_ERROR)
        {
            return KG_ERROR;
        }
    }

    kg_accept_disabled = 0;

    return KG_OK;
}


kg_int_t
kg_disable_accept_events(kg_cycle_t *cycle, kg_uint_t all)
{
    kg_uint_t         i;
    kg_listening_t   *ls;
    kg_connection_t  *c;

    ls = cycle->listening.elts;
    for (i = 0; i < cycle->listening.nelts; i++) {

        c = ls[i].connection;

        if (c == NULL || !c->read->active) {
            continue;
        }

        /*
         * do not disable accept on worker's own sockets
         * when disabling accept events due to accept mutex
         */

        if (ls[i].reuseport && !all) {
            continue;
        }

        if (kg_del_event(c->read, KG_READ_EVENT, KG_DISABLE_EVENT)
            == KG_ERROR)
        {
            return KG_ERROR;
        }
    }

    return KG_OK;
}


static void
kg_close_accepted_connection(kg_connection_t *c)
{
    kg_socket_t  fd;

    kg_free_connection(c);

    fd = c->fd;
    c->fd = (kg_socket_t) -1;

    if (kg_close_socket(fd) == -1) {
        kg_log_error(KG_LOG_ALERT, c->log, kg_socket_errno,
                     kg_close_socket_n " failed");
    }

    if (c->pool) {
        kg_destroy_pool(c->pool);
    }
}


u_char *
kg_accept_log_error(kg_log_t *log, u_char *buf, size_t len)
{
    return kg_snprintf(buf, len, " while accepting new connection on %V",
                       log->data);
}
