/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>


typedef struct {
    kg_uint_t  events;
} kg_epoll_conf_t;


static kg_int_t kg_epoll_init(kg_cycle_t *cycle, kg_msec_t timer);
static void kg_epoll_done(kg_cycle_t *cycle);
static kg_int_t kg_epoll_add_event(kg_event_t *ev, kg_int_t event,
    kg_uint_t flags);
static kg_int_t kg_epoll_del_event(kg_event_t *ev, kg_int_t event,
    kg_uint_t flags);
static kg_int_t kg_epoll_add_connection(kg_connection_t *c);
static kg_int_t kg_epoll_del_connection(kg_connection_t *c,
    kg_uint_t flags);
static kg_int_t kg_epoll_process_events(kg_cycle_t *cycle, kg_msec_t timer,
    kg_uint_t flags);

static void *kg_epoll_create_conf(kg_cycle_t *cycle);
static char *kg_epoll_init_conf(kg_cycle_t *cycle, void *conf);


static int                  ep = -1;
static struct epoll_event  *event_list;
static kg_uint_t            nevents;


static kg_str_t      epoll_name = kg_string("epoll");

static kg_command_t  kg_epoll_commands[] = {

    { kg_string("epoll_events"),
      KG_EVENT_CONF|KG_CONF_TAKE1,
      kg_conf_set_num_slot,
      0,
      offsetof(kg_epoll_conf_t, events),
      NULL },

      kg_null_command
};


static kg_event_module_t  kg_epoll_module_ctx = {
    &epoll_name,
    kg_epoll_create_conf,               /* create configuration */
    kg_epoll_init_conf,                 /* init configuration */

    {
        kg_epoll_add_event,             /* add an event */
        kg_epoll_del_event,             /* delete an event */
        kg_epoll_add_event,             /* enable an event */
        kg_epoll_del_event,             /* disable an event */
        kg_epoll_add_connection,        /* add an connection */
        kg_epoll_del_connection,        /* delete an connection */
        kg_epoll_process_events,        /* process the events */
        kg_epoll_init,                  /* init the events */
        kg_epoll_done,                  /* done the events */
    }
};

kg_module_t  kg_epoll_module = {
    KG_MODULE_V1,
    &kg_epoll_module_ctx,               /* module context */
    kg_epoll_commands,                  /* module directives */
    KG_EVENT_MODULE,                    /* module type */
    NULL,                               /* init master */
    NULL,                               /* init module */
    NULL,                               /* init process */
    NULL,                               /* exit process */
    NULL,                               /* exit master */
    KG_MODULE_V1_PADDING
};


static kg_int_t
kg_epoll_init(kg_cycle_t *cycle, kg_msec_t timer)
{
    kg_epoll_conf_t  *epcf;

    epcf = kg_event_get_conf(cycle->conf_ctx, kg_epoll_module);

    if (ep == -1) {
        ep = epoll_create1(EPOLL_CLOEXEC);

        if (ep == -1) {
            kg_log_error(KG_LOG_EMERG, cycle->log, kg_errno,
                         "epoll_create1() failed");
            return KG_ERROR;
        }
    }

    if (nevents < epcf->events) {
        if (event_list) {
            kg_free(event_list);
        }

        event_list = kg_alloc(sizeof(struct epoll_event) * epcf->events,
                              cycle->log);
        if (event_list == NULL) {
            return KG_ERROR;
        }
    }

    nevents = epcf->events;

    kg_io = kg_os_io;

    kg_event_actions = kg_epoll_module_ctx.actions;

    kg_event_flags = KG_USE_CLEAR_EVENT
                     |KG_USE_GREEDY_EVENT
                     |KG_USE_EPOLL_EVENT;

    return KG_OK;
}


static void
kg_epoll_done(kg_cycle_t *cycle)
{
    if (ep != -1 && close(ep) == -1) {
        kg_log_error(KG_LOG_ALERT, cycle->log, kg_errno,
                     "epoll close() failed");
    }

    ep = -1;

    kg_free(event_list);

    event_list = NULL;
    nevents = 0;
}


/*
 * epoll keeps one registration per fd for both directions: adding the
 * second direction is EPOLL_CTL_MOD with both masks
 */

static kg_int_t
kg_epoll_add_event(kg_event_t *ev, kg_int_t event, kg_uint_t flags)
{
    int                  op;
    uint32_t             events, prev;
    kg_event_t          *e;
    kg_connection_t     *c;
    struct epoll_event   ee;

    c = ev->data;

    events = (uint32_t) event;

    if (event == KG_READ_EVENT) {
        e = c->write;
        prev = EPOLLOUT;

    } else {
        e = c->read;
        prev = EPOLLIN|EPOLLRDHUP;
    }

    if (e->active) {
        op = EPOLL_CTL_MOD;
        events |= prev;

    } else {
        op = EPOLL_CTL_ADD;
    }

    /* EPOLLEXCLUSIVE may only be combined with EPOLLIN, OUT, ET, WAKEUP */

    if (flags & KG_EXCLUSIVE_EVENT) {
        events &= ~EPOLLRDHUP;
    }

    ee.events = events | (uint32_t) flags;
    ee.data.ptr = (void *) ((uintptr_t) c | ev->instance);

    kg_log_debug3(KG_LOG_DEBUG_EVENT, ev->log, 0,
                  "epoll add event: fd:%d op:%d ev:%08XD",
                  c->fd, op, ee.events);

    if (epoll_ctl(ep, op, c->fd, &ee) == -1) {
        kg_log_error(KG_LOG_ALERT, ev->log, kg_errno,
                     "epoll_ctl(%d, %d) failed", op, c->fd);
        return KG_ERROR;
    }

    ev->active = 1;

    return KG_OK;
}


static kg_int_t
kg_epoll_del_event(kg_event_t *ev, kg_int_t event, kg_uint_t flags)
{
    int                  op;
    uint32_t             prev;
    kg_event_t          *e;
    kg_connection_t     *c;
    struct epoll_event   ee;

    /*
     * when the file descriptor is closed, the epoll automatically deletes
     * it from its queue, so we do not need to delete explicitly the event
     * before the closing the file descriptor
     */

    /* ep is gone once the engine has stopped: so are its registrations */

    if ((flags & KG_CLOSE_EVENT) || ep == -1) {
        ev->active = 0;
        return KG_OK;
    }

    c = ev->data;

    if (event == KG_READ_EVENT) {
        e = c->write;
        prev = EPOLLOUT;

    } else {
        e = c->read;
        prev = EPOLLIN|EPOLLRDHUP;
    }

    if (e->active) {
        op = EPOLL_CTL_MOD;
        ee.events = prev | (uint32_t) flags;
        ee.data.ptr = (void *) ((uintptr_t) c | ev->instance);

    } else {
        op = EPOLL_CTL_DEL;
        ee.events = 0;
        ee.data.ptr = NULL;
    }

    kg_log_debug3(KG_LOG_DEBUG_EVENT, ev->log, 0,
                  "epoll del event: fd:%d op:%d ev:%08XD",
                  c->fd, op, ee.events);

    if (epoll_ctl(ep, op, c->fd, &ee) == -1) {
        kg_log_error(KG_LOG_ALERT, ev->log, kg_errno,
                     "epoll_ctl(%d, %d) failed", op, c->fd);
        return KG_ERROR;
    }

    ev->active = 0;

    return KG_OK;
}


/*
 * a connection is registered once, for both directions, edge-triggered:
 * the owner reads and writes until EAGAIN and the kernel reports only
 * changes, so nothing is re-armed per event
 */

static kg_int_t
kg_epoll_add_connection(kg_connection_t *c)
{
    struct epoll_event  ee;

    ee.events = EPOLLIN|EPOLLOUT|EPOLLET|EPOLLRDHUP;
    ee.data.ptr = (void *) ((uintptr_t) c | c->read->instance);

    kg_log_debug2(KG_LOG_DEBUG_EVENT, c->log, 0,
                  "epoll add connection: fd:%d ev:%08XD", c->fd, ee.events);

    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ee) == -1) {
        kg_log_error(KG_LOG_ALERT, c->log, kg_errno,
                     "epoll_ctl(EPOLL_CTL_ADD, %d) failed", c->fd);
        return KG_ERROR;
    }

    c->read->active = 1;
    c->write->active = 1;

    return KG_OK;
}


static kg_int_t
kg_epoll_del_connection(kg_connection_t *c, kg_uint_t flags)
{
    int                 op;
    struct epoll_event  ee;

    /*
     * when the file descriptor is closed the epoll automatically deletes
     * it from its queue so we do not need to delete explicitly the event
     * before the closing the file descriptor
     */

    if ((flags & KG_CLOSE_EVENT) || ep == -1) {
        c->read->active = 0;
        c->write->active = 0;
        return KG_OK;
    }

    kg_log_debug1(KG_LOG_DEBUG_EVENT, c->log, 0,
                  "epoll del connection: fd:%d", c->fd);

    op = EPOLL_CTL_DEL;
    ee.events = 0;
    ee.data.ptr = NULL;

    if (epoll_ctl(ep, op, c->fd, &ee) == -1) {
        kg_log_error(KG_LOG_ALERT, c->log, kg_errno,
                     "epoll_ctl(%d, %d) failed", op, c->fd);
        return KG_ERROR;
    }

    c->read->active = 0;
    c->write->active = 0;

    return KG_OK;
}


static kg_int_t
kg_epoll_process_events(kg_cycle_t *cycle, kg_msec_t timer, kg_uint_t flags)
{
    int                events, wait;
    uint32_t           revents;
    kg_int_t           instance, i;
    kg_uint_t          level;
    kg_err_t           err;
    kg_event_t        *rev, *wev;
    kg_queue_t        *queue;
    kg_connection_t   *c;

    kg_log_debug1(KG_LOG_DEBUG_EVENT, cycle->log, 0,
                  "epoll timer: %M", timer);

    /* KG_TIMER_INFINITE becomes -1; a far timer is cut to what int holds */

    if (timer == KG_TIMER_INFINITE) {
        wait = -1;

    } else {
        wait = (timer > INT_MAX) ? INT_MAX : (int) timer;
    }

    events = epoll_wait(ep, event_list, (int) nevents, wait);

    err = (events == -1) ? kg_errno : 0;

    if (flags & KG_UPDATE_TIME) {
        kg_time_update();
    }

    if (err) {
        if (err == KG_EINTR) {
            level = KG_LOG_INFO;

        } else {
            level = KG_LOG_ALERT;
        }

        kg_log_error(level, cycle->log, err, "epoll_wait() failed");
        return KG_ERROR;
    }

    if (events == 0) {
        if (timer != KG_TIMER_INFINITE) {
            return KG_OK;
        }

        kg_log_error(KG_LOG_ALERT, cycle->log, 0,
                     "epoll_wait() returned no events without timeout");
        return KG_ERROR;
    }

    for (i = 0; i < events; i++) {
        c = event_list[i].data.ptr;

        instance = (uintptr_t) c & 1;
        c = (kg_connection_t *) ((uintptr_t) c & (uintptr_t) ~1);

        rev = c->read;

        if (c->fd == -1 || rev->instance != instance) {

            /*
             * the stale event from a file descriptor
             * that was just closed in this iteration
             */

            kg_log_debug1(KG_LOG_DEBUG_EVENT, cycle->log, 0,
                          "epoll: stale event %p", c);
            continue;
        }

        revents = event_list[i].events;

        kg_log_debug3(KG_LOG_DEBUG_EVENT, cycle->log, 0,
                      "epoll: fd:%d ev:%04XD d:%p",
                      c->fd, revents, event_list[i].data.ptr);

        if (revents & (EPOLLERR|EPOLLHUP)) {
            kg_log_debug2(KG_LOG_DEBUG_EVENT, cycle->log, 0,
                          "epoll_wait() error on fd:%d ev:%04XD",
                          c->fd, revents);

            /*
             * if the error events were returned, add EPOLLIN and EPOLLOUT
             * to handle the events at least in one active handler
             */

            revents |= EPOLLIN|EPOLLOUT;
        }

        if ((revents & EPOLLIN) && rev->active) {

            if (revents & EPOLLRDHUP) {
                rev->pending_eof = 1;
            }

            rev->ready = 1;
            rev->available = -1;

            if (flags & KG_POST_EVENTS) {
                queue = rev->accept ? &kg_posted_accept_events
                                    : &kg_posted_events;

                kg_post_event(rev, queue);

            } else {
                rev->handler(rev);
            }
        }

        wev = c->write;

        if ((revents & EPOLLOUT) && wev->active) {

            if (c->fd == -1 || wev->instance != instance) {

                /*
                 * the stale event from a file descriptor
                 * that was just closed in this iteration
                 */

                kg_log_debug1(KG_LOG_DEBUG_EVENT, cycle->log, 0,
                              "epoll: stale event %p", c);
                continue;
            }

            wev->ready = 1;

            if (flags & KG_POST_EVENTS) {
                kg_post_event(wev, &kg_posted_events);

            } else {
                wev->handler(wev);
            }
        }
    }

    return KG_OK;
}


static void *
kg_epoll_create_conf(kg_cycle_t *cycle)
{
    kg_epoll_conf_t  *epcf;

    epcf = kg_palloc(cycle->pool, sizeof(kg_epoll_conf_t));
    if (epcf == NULL) {
        return NULL;
    }

    epcf->events = KG_CONF_UNSET_UINT;

    return epcf;
}


static char *
kg_epoll_init_conf(kg_cycle_t *cycle, void *conf)
{
    kg_epoll_conf_t *epcf = conf;

    kg_conf_init_uint_value(epcf->events, 512);

    if (epcf->events == 0) {
        epcf->events = 512;
    }

    return KG_CONF_OK;
}
