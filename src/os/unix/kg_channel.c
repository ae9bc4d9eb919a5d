/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_channel.h>


kg_int_t
kg_write_channel(kg_socket_t s, kg_channel_t *ch, size_t size,
    kg_log_t *log)
{
    ssize_t          n;
    kg_err_t         err;
    struct iovec     iov[1];
    struct msghdr    msg;

    union {
        struct cmsghdr  cm;
        char            space[CMSG_SPACE(sizeof(int))];
    } cmsg;

    if (ch->fd == -1) {
        msg.msg_control = NULL;
        msg.msg_controllen = 0;

    } else {
        msg.msg_control = (caddr_t) &cmsg;
        msg.msg_controllen = sizeof(cmsg);

        kg_memzero(&cmsg, sizeof(cmsg));

        cmsg.cm.cmsg_len = CMSG_LEN(sizeof(int));
        cmsg.cm.cmsg_level = SOL_SOCKET;
        cmsg.cm.cmsg_type = SCM_RIGHTS;

        /* CMSG_DATA() is not aligned for an int store on every ABI */
        kg_memcpy(CMSG_DATA(&cmsg.cm), &ch->fd, sizeof(int));
    }

    msg.msg_flags = 0;

    iov[0].iov_base = (char *) ch;
    iov[0].iov_len = size;

    msg.msg_name = NULL;
    msg.msg_namelen = 0;
    msg.msg_iov = iov;
    msg.msg_iovlen = 1;

    n = sendmsg(s, &msg, 0);

    if (n == -1) {
        err = kg_errno;
        if (err == KG_EAGAIN) {
            return KG_AGAIN;
        }

        kg_log_error(KG_LOG_ALERT, log, err, "sendmsg() failed");
        return KG_ERROR;
    }

    return KG_OK;
}


kg_int_t
kg_read_channel(kg_socket_t s, kg_channel_t *ch, size_t size, kg_log_t *log)
{
    ssize_t          n;
    kg_err_t         err;
    struct iovec     iov[1];
    struct msghdr    msg;
    struct cmsghdr  *cm;

    union {
        struct cmsghdr  cm;
        char            space[CMSG_SPACE(sizeof(int))];
    } cmsg;

    iov[0].iov_base = (char *) ch;
    iov[0].iov_len = size;

    msg.msg_name = NULL;
    msg.msg_namelen = 0;
    msg.msg_iov = iov;
    msg.msg_iovlen = 1;
    msg.msg_flags = 0;

    msg.msg_control = (caddr_t) &cmsg;
    msg.msg_controllen = sizeof(cmsg);

    kg_memzero(&cmsg, sizeof(cmsg));

    /* a worker never executes a program, yet keep the fds private */
    n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);

    if (n == -1) {
        err = kg_errno;
        if (err == KG_EAGAIN) {
            return KG_AGAIN;
        }

        kg_log_error(KG_LOG_ALERT, log, err, "recvmsg() failed");
        return KG_ERROR;
    }

    if (n == 0) {
        kg_log_debug0(KG_LOG_DEBUG_CORE, log, 0, "recvmsg() returned zero");
        return KG_ERROR;
    }

    if ((size_t) n < sizeof(kg_channel_t)) {
        kg_log_error(KG_LOG_ALERT, log, 0,
                     "recvmsg() returned not enough data: %z", n);
        return KG_ERROR;
    }

    if (ch->command == KG_CMD_OPEN_CHANNEL) {

        cm = CMSG_FIRSTHDR(&msg);

        if (cm == NULL || cm->cmsg_len < (socklen_t) CMSG_LEN(sizeof(int))) {
            kg_log_error(KG_LOG_ALERT, log, 0,
                         "recvmsg() returned too small ancillary data");
            return KG_ERROR;
        }

        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
            kg_log_error(KG_LOG_ALERT, log, 0,
                         "recvmsg() returned invalid ancillary data "
                         "level %d or type %d",
                         cm->cmsg_level, cm->cmsg_type);
            return KG_ERROR;
        }

        kg_memcpy(&ch->fd, CMSG_DATA(cm), sizeof(int));
    }

    if (msg.msg_flags & (MSG_TRUNC|MSG_CTRUNC)) {
        kg_log_error(KG_LOG_ALERT, log, 0, "recvmsg() truncated data");
    }

    return n;
}


kg_int_t
kg_add_channel_event(kg_cycle_t *cycle, kg_fd_t fd, kg_int_t event,
    kg_event_handler_pt handler)
{
    kg_event_t       *ev, *rev, *wev;
    kg_connection_t  *c;

    c = kg_get_connection(fd, cycle->log);

    if (c == NULL) {
        return KG_ERROR;
    }

    c->pool = cycle->pool;

    rev = c->read;
    wev = c->write;

    rev->log = cycle->log;
    wev->log = cycle->log;

    rev->channel = 1;
    wev->channel = 1;

    ev = (event == KG_READ_EVENT) ? rev : wev;

    ev->handler = handler;

    /* level-triggered: a command left unread is reported again */

    if (kg_add_event(ev, event, 0) == KG_ERROR) {
        kg_free_connection(c);
        return KG_ERROR;
    }

    return KG_OK;
}


void
kg_close_channel(kg_fd_t *fd, kg_log_t *log)
{
    if (close(fd[0]) == -1) {
        kg_log_error(KG_LOG_ALERT, log, kg_errno, "close() channel failed");
    }

    if (close(fd[1]) == -1) {
        kg_log_error(KG_LOG_ALERT, log, kg_errno, "close() channel failed");
    }
}
