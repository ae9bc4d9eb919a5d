/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kgate.h>


#define KG_CPU_CACHE_LINE  64


static ssize_t kg_unix_recv_error(kg_connection_t *c, kg_event_t *rev,
    kg_err_t err, const char *text);


kg_int_t    kg_ncpu;
kg_int_t    kg_max_sockets;
kg_uint_t   kg_inherited_nonblocking;

static u_char  kg_linux_kern_ostype[50];
static u_char  kg_linux_kern_osrelease[50];


kg_os_io_t  kg_os_io = {
    kg_unix_recv,
    kg_readv_chain,
    kg_unix_send,
    kg_writev_chain,
    0
};

kg_os_io_t  kg_io;


kg_int_t
kg_os_init(kg_log_t *log)
{
    long            size;
    kg_time_t      *tp;
    kg_uint_t       n;
    struct rlimit   rlmt;
    struct utsname  u;

    if (uname(&u) == -1) {
        kg_log_error(KG_LOG_ALERT, log, kg_errno, "uname() failed");
        return KG_ERROR;
    }

    (void) kg_cpystrn(kg_linux_kern_ostype, (u_char *) u.sysname,
                      sizeof(kg_linux_kern_ostype));

    (void) kg_cpystrn(kg_linux_kern_osrelease, (u_char *) u.release,
                      sizeof(kg_linux_kern_osrelease));

    kg_io = kg_os_io;

    if (kg_init_setproctitle(log) != KG_OK) {
        return KG_ERROR;
    }

    kg_pagesize = getpagesize();
    kg_cacheline_size = KG_CPU_CACHE_LINE;

    kg_pagesize_shift = 0;

    for (n = kg_pagesize; n >>= 1; kg_pagesize_shift++) { /* void */ }

    if (kg_ncpu == 0) {
        kg_ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    }

    if (kg_ncpu < 1) {
        kg_ncpu = 1;
    }

    size = sysconf(_SC_LEVEL1_DCACHE_LINESIZE);
    if (size > 0) {
        kg_cacheline_size = size;
    }

    if (getrlimit(RLIMIT_NOFILE, &rlmt) == -1) {
        kg_log_error(KG_LOG_ALERT, log, kg_errno,
                     "getrlimit(RLIMIT_NOFILE) failed");
        return KG_ERROR;
    }

    kg_max_sockets = (kg_int_t) rlmt.rlim_cur;

    /* accept4() gives SOCK_NONBLOCK explicitly, nothing is inherited */
    kg_inherited_nonblocking = 0;

    tp = kg_timeofday();
    srandom(((unsigned) getpid() << 16) ^ tp->sec ^ tp->msec);

    return KG_OK;
}


void
kg_os_status(kg_log_t *log)
{
    struct rlimit  rlmt;

    kg_log_error(KG_LOG_NOTICE, log, 0, KGATE_VER);

#ifdef KG_COMPILER
    kg_log_error(KG_LOG_NOTICE, log, 0, "built by " KG_COMPILER);
#endif

    kg_log_error(KG_LOG_NOTICE, log, 0, "OS: %s %s",
                 kg_linux_kern_ostype, kg_linux_kern_osrelease);

    if (getrlimit(RLIMIT_NOFILE, &rlmt) == -1) {
        kg_log_error(KG_LOG_ALERT, log, kg_errno,
                     "getrlimit(RLIMIT_NOFILE) failed");
        return;
    }

    kg_log_error(KG_LOG_NOTICE, log, 0,
                 "getrlimit(RLIMIT_NOFILE): %r:%r",
                 rlmt.rlim_cur, rlmt.rlim_max);
}


/*
 * epoll reports EPOLLRDHUP together with EPOLLIN, so a short read means
 * the socket buffer is empty and the next edge will tell about more data:
 * the event stays "ready" only while the kernel may still hold bytes
 */

ssize_t
kg_unix_recv(kg_connection_t *c, u_char *buf, size_t size)
{
    ssize_t      n;
    kg_err_t     err;
    kg_event_t  *rev;

    rev = c->read;

    if (!rev->available && !rev->pending_eof) {
        rev->ready = 0;
        return KG_AGAIN;
    }

    do {
        n = recv(c->fd, buf, size, 0);

        if (n == 0) {
            rev->ready = 0;
            rev->eof = 1;
            return 0;
        }

        if (n > 0) {
            if ((size_t) n < size) {
                if (!rev->pending_eof) {
                    rev->ready = 0;
                }

                rev->available = 0;
            }

            return n;
        }

        err = kg_socket_errno;

    } while (err == KG_EINTR);

    return kg_unix_recv_error(c, rev, err, "recv() failed");
}


ssize_t
kg_readv_chain(kg_connection_t *c, kg_chain_t *chain, off_t limit)
{
    u_char        *prev;
    ssize_t        n, size;
    kg_err_t       err;
    kg_uint_t      count;
    kg_event_t    *rev;
    struct iovec  *iov, iovs[KG_IOVS_PREALLOCATE];

    rev = c->read;

    if (!rev->available && !rev->pending_eof) {
        rev->ready = 0;
        return KG_AGAIN;
    }

    prev = NULL;
    iov = NULL;
    size = 0;
    count = 0;

    /* coalesce the neighbouring bufs in an iovec */

    while (chain) {
        n = chain->buf->end - chain->buf->last;

        if (limit) {
            if (size >= limit) {
                break;
            }

            if (size + n > limit) {
                n = (ssize_t) (limit - size);
            }
        }

        if (prev == chain->buf->last) {
            iov->iov_len += n;

        } else {
            if (count == KG_IOVS_PREALLOCATE) {
                break;
            }

            iov = &iovs[count++];

            iov->iov_base = (void *) chain->buf->last;
            iov->iov_len = n;
        }

        size += n;
        prev = chain->buf->end;
        chain = chain->next;
    }

    do {
        n = readv(c->fd, iovs, count);

        if (n == 0) {
            rev->ready = 0;
            rev->eof = 1;
            return 0;
        }

        if (n > 0) {
            if (n < size) {
                if (!rev->pending_eof) {
                    rev->ready = 0;
                }

                rev->available = 0;
            }

            return n;
        }

        err = kg_socket_errno;

    } while (err == KG_EINTR);

    return kg_unix_recv_error(c, rev, err, "readv() failed");
}


static ssize_t
kg_unix_recv_error(kg_connection_t *c, kg_event_t *rev, kg_err_t err,
    const char *text)
{
    rev->ready = 0;

    if (err == KG_EAGAIN) {
        return KG_AGAIN;
    }

    rev->error = 1;

    return kg_connection_error(c, err, (char *) text);
}


/* MSG_NOSIGNAL: a peer that went away must not raise SIGPIPE */

ssize_t
kg_unix_send(kg_connection_t *c, u_char *buf, size_t size)
{
    ssize_t      n;
    kg_err_t     err;
    kg_event_t  *wev;

    wev = c->write;

    for ( ;; ) {
        n = send(c->fd, buf, size, MSG_NOSIGNAL);

        if (n > 0) {
            if (n < (ssize_t) size) {
                wev->ready = 0;
            }

            c->sent += n;

            return n;
        }

        err = kg_socket_errno;

        if (n == 0) {
            kg_log_error(KG_LOG_ALERT, c->log, err, "send() returned zero");
            wev->ready = 0;
            return n;
        }

        if (err == KG_EINTR) {
            continue;
        }

        wev->ready = 0;

        if (err == KG_EAGAIN) {
            return KG_AGAIN;
        }

        wev->error = 1;
        (void) kg_connection_error(c, err, "send() failed");

        return KG_ERROR;
    }
}


kg_chain_t *
kg_writev_chain(kg_connection_t *c, kg_chain_t *in, off_t limit)
{
    ssize_t        n, sent;
    off_t          send, prev_send;
    kg_chain_t    *cl;
    kg_event_t    *wev;
    kg_iovec_t     vec;
    struct iovec   iovs[KG_IOVS_PREALLOCATE];

    wev = c->write;

    if (!wev->ready) {
        return in;
    }

    /* the maximum limit size is the maximum size_t value - the page size */

    if (limit == 0 || limit > (off_t) (KG_MAX_SIZE_T_VALUE - kg_pagesize)) {
        limit = KG_MAX_SIZE_T_VALUE - kg_pagesize;
    }

    send = 0;

    vec.iovs = iovs;
    vec.nalloc = KG_IOVS_PREALLOCATE;

    for ( ;; ) {
        prev_send = send;

        /* create the iovec and coalesce the neighbouring bufs */

        cl = kg_output_chain_to_iovec(&vec, in, limit - send, c->log);

        if (cl == KG_CHAIN_ERROR) {
            return KG_CHAIN_ERROR;
        }

        if (cl && cl->buf->in_file) {
            kg_log_error(KG_LOG_ALERT, c->log, 0,
                         "file buf in writev");
            return KG_CHAIN_ERROR;
        }

        send += vec.size;

        if (vec.count == 0) {
            return cl;
        }

        n = kg_writev(c, &vec);

        if (n == KG_ERROR) {
            return KG_CHAIN_ERROR;
        }

        sent = (n == KG_AGAIN) ? 0 : n;

        c->sent += sent;

        in = kg_chain_update_sent(in, sent);

        if (send - prev_send != sent) {
            wev->ready = 0;
            return in;
        }

        if (send >= limit || in == NULL) {
            return in;
        }
    }
}


kg_chain_t *
kg_output_chain_to_iovec(kg_iovec_t *vec, kg_chain_t *in, size_t limit,
    kg_log_t *log)
{
    size_t         total, size;
    u_char        *prev;
    kg_uint_t      n;
    struct iovec  *iov;

    iov = NULL;
    prev = NULL;
    total = 0;
    n = 0;

    for ( /* void */ ; in && total < limit; in = in->next) {

        if (kg_buf_special(in->buf)) {
            continue;
        }

        if (in->buf->in_file) {
            break;
        }

        if (!kg_buf_in_memory(in->buf)) {
            kg_log_error(KG_LOG_ALERT, log, 0,
                         "bad buf in output chain "
                         "t:%d r:%d f:%d %p %p-%p %p %O-%O",
                         in->buf->temporary,
                         in->buf->recycled,
                         in->buf->in_file,
                         in->buf->start,
                         in->buf->pos,
                         in->buf->last,
                         in->buf->file,
                         in->buf->file_pos,
                         in->buf->file_last);

            return KG_CHAIN_ERROR;
        }

        size = in->buf->last - in->buf->pos;

        if (size > limit - total) {
            size = limit - total;
        }

        if (prev == in->buf->pos) {
            iov->iov_len += size;

        } else {
            if (n == vec->nalloc) {
                break;
            }

            iov = &vec->iovs[n++];

            iov->iov_base = (void *) in->buf->pos;
            iov->iov_len = size;
        }

        prev = in->buf->pos + size;
        total += size;
    }

    vec->count = n;
    vec->size = total;

    return in;
}


ssize_t
kg_writev(kg_connection_t *c, kg_iovec_t *vec)
{
    ssize_t        n;
    kg_err_t       err;
    struct msghdr  msg;

    kg_memzero(&msg, sizeof(struct msghdr));

    msg.msg_iov = vec->iovs;
    msg.msg_iovlen = vec->count;

eintr:

    /* sendmsg() is writev() that takes MSG_NOSIGNAL */

    n = sendmsg(c->fd, &msg, MSG_NOSIGNAL);

    if (n == -1) {
        err = kg_errno;

        switch (err) {
        case KG_EAGAIN:
            return KG_AGAIN;

        case KG_EINTR:
            goto eintr;

        default:
            c->write->error = 1;
            (void) kg_connection_error(c, err, "writev() failed");
            return KG_ERROR;
        }
    }

    return n;
}
