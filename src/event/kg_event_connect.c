/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_event_connect.h>


static kg_int_t kg_event_connect_set_local(kg_peer_connection_t *pc,
    kg_socket_t s);


/*
 * returns KG_OK when connected at once, KG_AGAIN while the connect is in
 * progress (the write event tells its end: the caller arms a timer and
 * checks the result with kg_event_connect_test()), KG_DECLINED when the
 * peer refused at once, KG_ERROR on a local failure; pc->connection is
 * set unless KG_DECLINED or KG_ERROR is returned
 */

kg_int_t
kg_event_connect_peer(kg_peer_connection_t *pc)
{
    int               rc, type, value;
    kg_err_t          err;
    kg_socket_t       s;
    kg_event_t       *rev, *wev;
    kg_connection_t  *c;

    if (pc->get) {
        rc = pc->get(pc, pc->data);
        if (rc != KG_OK) {
            return rc;
        }
    }

    type = (pc->type ? pc->type : SOCK_STREAM);

    s = kg_socket(pc->sockaddr->sa_family, type | SOCK_NONBLOCK, 0);

    kg_log_debug2(KG_LOG_DEBUG_EVENT, pc->log, 0, "%s socket %d",
                  (type == SOCK_STREAM) ? "stream" : "dgram", s);

    if (s == (kg_socket_t) -1) {
        kg_log_error(KG_LOG_ALERT, pc->log, kg_socket_errno,
                     kg_socket_n " failed");
        return KG_ERROR;
    }

    c = kg_get_connection(s, pc->log);

    if (c == NULL) {
        if (kg_close_socket(s) == -1) {
            kg_log_error(KG_LOG_ALERT, pc->log, kg_socket_errno,
                         kg_close_socket_n " failed");
        }

        return KG_ERROR;
    }

    c->type = type;

    if (pc->rcvbuf) {
        if (setsockopt(s, SOL_SOCKET, SO_RCVBUF,
                       (const void *) &pc->rcvbuf, sizeof(int)) == -1)
        {
            kg_log_error(KG_LOG_ALERT, pc->log, kg_socket_errno,
                         "setsockopt(SO_RCVBUF) failed");
            goto failed;
        }
    }

    if (pc->so_keepalive) {
        value = 1;

        if (setsockopt(s, SOL_SOCKET, SO_KEEPALIVE,
                       (const void *) &value, sizeof(int))
            == -1)
        {
            kg_log_error(KG_LOG_ALERT, pc->log, kg_socket_errno,
                         "setsockopt(SO_KEEPALIVE) failed, ignored");
        }
    }

    if (pc->local) {
        if (kg_event_connect_set_local(pc, s) != KG_OK) {
            goto failed;
        }
    }

    if (type == SOCK_STREAM) {
        c->recv = kg_recv;
        c->send = kg_send;
        c->recv_chain = kg_recv_chain;
        c->send_chain = kg_send_chain;

    } else { /* type == SOCK_DGRAM */
        c->recv = kg_recv;
        c->send = kg_send;
    }

    c->log_error = pc->log_error;

    rev = c->read;
    wev = c->write;

    rev->log = pc->log;
    wev->log = pc->log;

    pc->connection = c;

    c->number = kg_atomic_fetch_add(kg_connection_counter, 1);

    c->start_time = kg_current_msec;

    if (kg_add_conn(c) == KG_ERROR) {
        goto failed;
    }

    kg_log_debug3(KG_LOG_DEBUG_EVENT, pc->log, 0,
                  "connect to %V, fd:%d #%uA", pc->name, s, c->number);

    rc = connect(s, pc->sockaddr, pc->socklen);

    if (rc == -1) {
        err = kg_socket_errno;

        if (err != KG_EINPROGRESS) {

            /*
             * whatever the kernel says about a peer is the peer's or the
             * network's business, never a kgate bug
             */

            kg_log_error(KG_LOG_ERR, c->log, err, "connect() to %V failed",
                         pc->name);

            kg_close_connection(c);
            pc->connection = NULL;

            return KG_DECLINED;
        }
    }

    if (rc == -1) {

        /* KG_EINPROGRESS */

        return KG_AGAIN;
    }

    kg_log_debug0(KG_LOG_DEBUG_EVENT, pc->log, 0, "connected");

    wev->ready = 1;

    return KG_OK;

failed:

    kg_close_connection(c);
    pc->connection = NULL;

    return KG_ERROR;
}


static kg_int_t
kg_event_connect_set_local(kg_peer_connection_t *pc, kg_socket_t s)
{
    int  value;

    /*
     * the port is chosen at connect() time: binding only the address
     * does not use up an ephemeral port per local address
     */

    value = 1;

    if (setsockopt(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
                   (const void *) &value, sizeof(int))
        == -1)
    {
        kg_log_error(KG_LOG_ALERT, pc->log, kg_socket_errno,
                     "setsockopt(IP_BIND_ADDRESS_NO_PORT) failed, ignored");
    }

    if (bind(s, pc->local->sockaddr, pc->local->socklen) == -1) {
        kg_log_error(KG_LOG_ERR, pc->log, kg_socket_errno,
                     "bind(%V) failed", &pc->local->name);

        return KG_ERROR;
    }

    return KG_OK;
}


kg_int_t
kg_event_get_peer(kg_peer_connection_t *pc, void *data)
{
    return KG_OK;
}


/*
 * after a non-blocking connect() the write event fires either way:
 * SO_ERROR tells whether the connection was established
 */

kg_int_t
kg_event_connect_test(kg_connection_t *c)
{
    int        err;
    socklen_t  len;

    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = kg_socket_errno;
    }

    if (err) {
        (void) kg_connection_error(c, err, "connect() failed");
        return KG_ERROR;
    }

    return KG_OK;
}
