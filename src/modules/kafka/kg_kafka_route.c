/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_kafka.h>
#include <kg_kafka_route.h>
#include <kg_kafka_upstream.h>
#include <kg_admin.h>
#include <kg_metrics.h>


#define KG_KAFKA_STATE_FILE      "logs/kgate.state"
#define KG_KAFKA_STATE_MAX       (1024 * 1024)


typedef struct {
    kg_kafka_core_cluster_conf_t  *cluster;
    kg_kafka_core_main_conf_t     *cmcf;
    kg_kafka_upstream_wait_t       wait;
    kg_event_t                     event;
    kg_log_t                      *log;
} kg_kafka_route_probe_t;


static kg_int_t kg_kafka_route_zone_init(kg_shm_zone_t *zone, void *data);
static kg_kafka_route_shm_t *kg_kafka_route_shm(
    kg_kafka_core_main_conf_t *cmcf);
static void kg_kafka_route_name_set(kg_kafka_name_t *n, kg_str_t *s);
static kg_uint_t kg_kafka_route_name_eq(kg_kafka_name_t *n, kg_str_t *s);
static kg_kafka_core_cluster_conf_t *kg_kafka_route_find_cluster(
    kg_kafka_core_main_conf_t *cmcf, u_char *name, size_t len);
static kg_kafka_route_t *kg_kafka_route_find(kg_kafka_core_main_conf_t *cmcf,
    kg_str_t *name);
static kg_kafka_cluster_state_t *kg_kafka_route_cluster_state(
    kg_kafka_route_shm_t *shm, kg_kafka_name_t *name);
static kg_int_t kg_kafka_route_read_state(kg_conf_t *cf,
    kg_kafka_core_main_conf_t *cmcf);
static kg_int_t kg_kafka_route_dump(kg_conf_t *cf,
    kg_kafka_core_main_conf_t *cmcf);
static kg_int_t kg_kafka_route_write_state(kg_kafka_core_main_conf_t *cmcf,
    kg_log_t *log);
static kg_int_t kg_kafka_route_add_api(kg_conf_t *cf,
    kg_kafka_core_main_conf_t *cmcf);
static kg_int_t kg_kafka_route_add_metrics(kg_conf_t *cf,
    kg_kafka_core_main_conf_t *cmcf);
static void kg_kafka_route_collect(kg_metrics_t *metrics, void *data);
static const char *kg_kafka_route_api_name(kg_uint_t index);
static const char *kg_kafka_route_cause_name(kg_uint_t index);
static kg_int_t kg_kafka_route_api_list(kg_admin_request_t *r);
static kg_int_t kg_kafka_route_api_post(kg_admin_request_t *r);
static kg_int_t kg_kafka_route_api_ready(kg_admin_request_t *r, void *data,
    kg_str_t *reason);
static u_char *kg_kafka_route_json(kg_admin_request_t *r, u_char *p,
    u_char *last, kg_kafka_route_t *rt);
static void kg_kafka_route_timer_handler(kg_event_t *ev);
static void kg_kafka_route_probe_handler(kg_event_t *ev);
static void kg_kafka_route_probe_done(kg_kafka_upstream_wait_t *w,
    kg_int_t rc);
static void kg_kafka_route_failover(kg_kafka_core_main_conf_t *cmcf,
    kg_kafka_core_cluster_conf_t *ccf, kg_log_t *log);
static kg_uint_t kg_kafka_route_cluster_used(kg_kafka_core_main_conf_t *cmcf,
    kg_kafka_core_cluster_conf_t *ccf);


static kg_event_t  kg_kafka_route_timer;

static kg_str_t  kg_kafka_route_get = kg_string("GET");
static kg_str_t  kg_kafka_route_post = kg_string("POST");


/*
 * At the end of kg_kafka_init_conf(): the runtime of every route, the
 * state file's overrides, the zone, the admin endpoints and the metrics.
 */

kg_int_t
kg_kafka_route_init_conf(kg_conf_t *cf, kg_kafka_core_main_conf_t *cmcf)
{
    kg_str_t                        name;
    kg_uint_t                       r, c;
    kg_msec_t                       interval;
    kg_admin_registry_t            *reg;
    kg_kafka_route_t               *rt;
    kg_kafka_core_route_conf_t    **rcfp, *rcf;
    kg_kafka_core_cluster_conf_t  **ccfp, *ccf;

    rcfp = cmcf->routes.elts;
    ccfp = cmcf->clusters.elts;

    if (cmcf->routes.nelts > KG_KAFKA_ROUTES_MAX
        || cmcf->clusters.nelts > KG_KAFKA_CLUSTERS_MAX)
    {
        kg_log_error(KG_LOG_EMERG, cf->log, 0,
                     "too many routes or clusters, %d of each at most",
                     KG_KAFKA_ROUTES_MAX);
        return KG_ERROR;
    }

    for (c = 0; c < cmcf->clusters.nelts; c++) {
        ccf = ccfp[c];

        if (ccf->name.len > KG_KAFKA_NAME_MAX) {
            kg_log_error(KG_LOG_EMERG, cf->log, 0,
                         "cluster name \"%V\" is longer than %d characters "
                         "in %s:%ui", &ccf->name, KG_KAFKA_NAME_MAX,
                         ccf->file_name, ccf->line);
            return KG_ERROR;
        }

        ccf->probe_interval = 5000;
    }

    for (r = 0; r < cmcf->routes.nelts; r++) {
        rcf = rcfp[r];

        if (rcf->name.len > KG_KAFKA_NAME_MAX) {
            kg_log_error(KG_LOG_EMERG, cf->log, 0,
                         "route name \"%V\" is longer than %d characters "
                         "in %s:%ui", &rcf->name, KG_KAFKA_NAME_MAX,
                         rcf->file_name, rcf->line);
            return KG_ERROR;
        }

        rt = kg_pcalloc(cf->pool, sizeof(kg_kafka_route_t));
        if (rt == NULL) {
            return KG_ERROR;
        }

        rt->conf = rcf;
        rt->cmcf = cmcf;
        rt->active = rcf->cluster;
        kg_queue_init(&rt->sessions);

        rcf->runtime = rt;

        if (rcf->failover_name.len) {
            rcf->failover = kg_kafka_route_find_cluster(cmcf,
                                                    rcf->failover_name.data,
                                                    rcf->failover_name.len);
            if (rcf->failover == NULL) {
                kg_log_error(KG_LOG_EMERG, cf->log, 0,
                             "unknown failover cluster \"%V\" in route "
                             "\"%V\" in %s:%ui", &rcf->failover_name,
                             &rcf->name, rcf->failover_file,
                             rcf->failover_line);
                return KG_ERROR;
            }

            if (rcf->failover == rcf->cluster) {
                kg_log_error(KG_LOG_EMERG, cf->log, 0,
                             "failover cluster \"%V\" of route \"%V\" is "
                             "its own cluster in %s:%ui",
                             &rcf->failover_name, &rcf->name,
                             rcf->failover_file, rcf->failover_line);
                return KG_ERROR;
            }

            /* probe both sides of a failover as often as it asks */

            interval = rcf->failover_interval;

            if (rcf->cluster->probe_interval > interval) {
                rcf->cluster->probe_interval = interval;
            }

            if (rcf->failover->probe_interval > interval) {
                rcf->failover->probe_interval = interval;
            }
        }
    }

    /* the state file: "state_file" of admin {}, or the default */

    reg = kg_admin_registry(cf->cycle);
    if (reg == NULL) {
        return KG_ERROR;
    }

    if (reg->state_file.len) {
        cmcf->state_file = reg->state_file;

    } else {
        kg_str_set(&name, KG_KAFKA_STATE_FILE);

        cmcf->state_file.len = name.len;
        cmcf->state_file.data = kg_pnalloc(cf->pool, name.len + 1);
        if (cmcf->state_file.data == NULL) {
            return KG_ERROR;
        }

        kg_memcpy(cmcf->state_file.data, name.data, name.len + 1);

        if (kg_conf_full_name(cf->cycle, &cmcf->state_file, 0) != KG_OK) {
            return KG_ERROR;
        }
    }

    if (kg_kafka_route_read_state(cf, cmcf) != KG_OK) {
        return KG_ERROR;
    }

    if (kg_dump_config && kg_kafka_route_dump(cf, cmcf) != KG_OK) {
        return KG_ERROR;
    }

    /* one fixed size: the zone is kept across every reload */

    kg_str_set(&name, "kafka_routes");

    cmcf->shm_zone = kg_shared_memory_add(cf, &name,
                                          kg_align(sizeof(kg_kafka_route_shm_t),
                                                   4096)
                                          + 4096,
                                          &kg_kafka_module);
    if (cmcf->shm_zone == NULL) {
        return KG_ERROR;
    }

    cmcf->shm_zone->init = kg_kafka_route_zone_init;
    cmcf->shm_zone->data = NULL;

    if (kg_kafka_route_add_api(cf, cmcf) != KG_OK) {
        return KG_ERROR;
    }

    if (kg_kafka_route_add_metrics(cf, cmcf) != KG_OK) {
        return KG_ERROR;
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_route_zone_init(kg_shm_zone_t *zone, void *data)
{
    kg_kafka_route_shm_t  *shm;

    shm = (kg_kafka_route_shm_t *) zone->shm.addr;

    if (data == NULL && !zone->shm.exists) {
        kg_memzero(shm, sizeof(kg_kafka_route_shm_t));
    }

    zone->data = shm;

    return KG_OK;
}


static kg_kafka_route_shm_t *
kg_kafka_route_shm(kg_kafka_core_main_conf_t *cmcf)
{
    if (cmcf == NULL || cmcf->shm_zone == NULL) {
        return NULL;
    }

    return cmcf->shm_zone->data;
}


/*
 * In the master, once the cycle is built: each route gets its cluster in
 * the zone.  A cluster other than the one the zone holds is a switch by
 * reload; the epoch moves, and the old workers drain the route.
 */

kg_int_t
kg_kafka_route_init_module(kg_cycle_t *cycle)
{
    kg_str_t                        want;
    kg_uint_t                       r, c, i, found, stale;
    kg_kafka_route_t               *rt;
    kg_kafka_conf_ctx_t            *ctx;
    kg_kafka_route_shm_t           *shm;
    kg_kafka_route_state_t         *rs, *free_rs;
    kg_kafka_cluster_state_t       *cs, *free_cs;
    kg_kafka_core_main_conf_t      *cmcf;
    kg_kafka_core_route_conf_t    **rcfp;
    kg_kafka_core_cluster_conf_t  **ccfp, *ccf;

    ctx = (kg_kafka_conf_ctx_t *) kg_get_conf(cycle->conf_ctx, kg_kafka_module);

    if (ctx == NULL) {
        return KG_OK;
    }

    cmcf = ctx->main_conf[kg_kafka_core_module.ctx_index];
    shm = kg_kafka_route_shm(cmcf);

    if (shm == NULL) {
        return KG_OK;
    }

    rcfp = cmcf->routes.elts;
    ccfp = cmcf->clusters.elts;

    kg_spinlock(&shm->lock, kg_pid, 1024);

    for (c = 0; c < cmcf->clusters.nelts; c++) {
        ccf = ccfp[c];
        free_cs = NULL;
        ccf->state = NULL;

        for (i = 0; i < KG_KAFKA_CLUSTERS_MAX; i++) {
            cs = &shm->clusters[i];

            if (!cs->used) {
                if (free_cs == NULL) {
                    free_cs = cs;
                }

                continue;
            }

            if (kg_kafka_route_name_eq(&cs->name, &ccf->name)) {
                ccf->state = cs;
                break;
            }
        }

        if (ccf->state == NULL) {
            if (free_cs == NULL) {
                continue;
            }

            kg_memzero(free_cs, sizeof(kg_kafka_cluster_state_t));
            kg_kafka_route_name_set(&free_cs->name, &ccf->name);
            free_cs->used = 1;
            ccf->state = free_cs;
        }
    }

    /* routes of an older configuration that are gone: drained */

    for (i = 0; i < KG_KAFKA_ROUTES_MAX; i++) {
        rs = &shm->routes[i];

        if (!rs->used) {
            continue;
        }

        found = 0;

        for (r = 0; r < cmcf->routes.nelts; r++) {
            if (kg_kafka_route_name_eq(&rs->name, &rcfp[r]->name)) {
                found = 1;
                break;
            }
        }

        if (!found) {
            rs->used = 0;
            rs->active.len = 0;
            rs->epoch++;
        }
    }

    for (r = 0; r < cmcf->routes.nelts; r++) {
        rt = rcfp[r]->runtime;
        rt->state = NULL;
        free_rs = NULL;

        for (i = 0; i < KG_KAFKA_ROUTES_MAX; i++) {
            rs = &shm->routes[i];

            if (!rs->used) {
                if (free_rs == NULL && rs->name.len == 0) {
                    free_rs = rs;
                }

                continue;
            }

            if (kg_kafka_route_name_eq(&rs->name, &rcfp[r]->name)) {
                rt->state = rs;
                break;
            }
        }

        if (rt->state == NULL) {

            /* a route back in the configuration finds its old slot */

            for (i = 0; i < KG_KAFKA_ROUTES_MAX && free_rs == NULL; i++) {
                rs = &shm->routes[i];

                if (!rs->used
                    && kg_kafka_route_name_eq(&rs->name, &rcfp[r]->name))
                {
                    free_rs = rs;
                }
            }

            if (free_rs == NULL) {
                for (i = 0; i < KG_KAFKA_ROUTES_MAX; i++) {
                    if (!shm->routes[i].used) {
                        free_rs = &shm->routes[i];
                        break;
                    }
                }
            }

            if (free_rs == NULL) {
                kg_unlock(&shm->lock);
                kg_log_error(KG_LOG_EMERG, cycle->log, 0,
                             "no room for route \"%V\" in the route zone",
                             &rcfp[r]->name);
                return KG_ERROR;
            }

            rs = free_rs;

            kg_kafka_route_name_set(&rs->name, &rcfp[r]->name);
            rs->active.len = 0;
            rs->paused = 0;
            rs->used = 1;
            rt->state = rs;
        }

        want = rt->override.len ? rt->override : rcfp[r]->cluster->name;

        kg_kafka_route_name_set(&rs->configured, &rcfp[r]->cluster->name);

        if (!kg_kafka_route_name_eq(&rs->active, &want)) {

            if (rs->active.len) {
                kg_log_error(KG_LOG_NOTICE, cycle->log, 0,
                             "route \"%V\" switched from cluster \"%*s\" "
                             "to \"%V\" by reload", &rcfp[r]->name,
                             (size_t) rs->active.len, rs->active.data, &want);
                rs->switches++;
            }

            kg_kafka_route_name_set(&rs->active, &want);
            rs->epoch++;
        }

        rt->active = kg_kafka_route_find_cluster(cmcf, want.data, want.len);
        rt->epoch = rs->epoch;
        rt->paused = (rs->paused != 0);
    }

    shm->generation++;

    stale = 0;

    for (r = 0; r < cmcf->routes.nelts; r++) {
        rcfp[r]->runtime->generation = shm->generation;

        if (rcfp[r]->runtime->stale.len) {
            stale = 1;
        }
    }

    kg_unlock(&shm->lock);

    /*
     * The zone now holds the configured cluster of a route whose override
     * the configuration made stale: the file is written again from the
     * zone, without that line, or it would apply again once the
     * configuration names the override's "configured" cluster anew.
     */

    if (!stale || kg_test_config) {
        return KG_OK;
    }

    if (kg_kafka_route_write_state(cmcf, cycle->log) != KG_OK) {
        return KG_OK;
    }

    for (r = 0; r < cmcf->routes.nelts; r++) {
        rt = rcfp[r]->runtime;

        if (rt->stale.len) {
            kg_log_error(KG_LOG_NOTICE, cycle->log, 0,
                         "the override of route \"%V\" to cluster \"%V\" "
                         "is removed from state file \"%V\": the "
                         "configuration changed the route's cluster",
                         &rcfp[r]->name, &rt->stale, &cmcf->state_file);
        }
    }

    return KG_OK;
}


/* in each worker: the check timer, and the probes in the first worker */

kg_int_t
kg_kafka_route_init_process(kg_cycle_t *cycle)
{
    kg_uint_t                       c;
    kg_kafka_conf_ctx_t            *ctx;
    kg_kafka_route_probe_t         *p;
    kg_kafka_core_main_conf_t      *cmcf;
    kg_kafka_core_cluster_conf_t  **ccfp;

    ctx = (kg_kafka_conf_ctx_t *) kg_get_conf(cycle->conf_ctx, kg_kafka_module);

    if (ctx == NULL) {
        return KG_OK;
    }

    cmcf = ctx->main_conf[kg_kafka_core_module.ctx_index];

    if (kg_kafka_route_shm(cmcf) == NULL || cmcf->routes.nelts == 0) {
        return KG_OK;
    }

    kg_memzero(&kg_kafka_route_timer, sizeof(kg_event_t));
    kg_kafka_route_timer.handler = kg_kafka_route_timer_handler;
    kg_kafka_route_timer.data = cmcf;
    kg_kafka_route_timer.log = cycle->log;
    kg_kafka_route_timer.cancelable = 1;

    kg_add_timer(&kg_kafka_route_timer, KG_KAFKA_ROUTE_CHECK);

    if (kg_worker != 0) {
        return KG_OK;
    }

    /*
     * One worker probes every cluster: a switch by the admin API may go to
     * any of them, and the probes of the new one must be there at once.
     * A Metadata request per cluster and interval is cheap.
     */

    ccfp = cmcf->clusters.elts;

    for (c = 0; c < cmcf->clusters.nelts; c++) {

        if (ccfp[c]->state == NULL) {
            continue;
        }

        p = kg_pcalloc(cycle->pool, sizeof(kg_kafka_route_probe_t));
        if (p == NULL) {
            return KG_ERROR;
        }

        p->cluster = ccfp[c];
        p->cmcf = cmcf;
        p->log = cycle->log;
        p->wait.data = p;
        p->wait.handler = kg_kafka_route_probe_done;

        p->event.handler = kg_kafka_route_probe_handler;
        p->event.data = p;
        p->event.log = cycle->log;
        p->event.cancelable = 1;

        kg_add_timer(&p->event, 1 + c * 10);
    }

    return KG_OK;
}


kg_int_t
kg_kafka_route_session_start(kg_kafka_session_t *s)
{
    kg_kafka_route_t          *rt;
    kg_kafka_route_metrics_t  *m;

    rt = s->route->runtime;

    if (rt == NULL) {
        return KG_OK;
    }

    kg_kafka_route_check(rt);

    if (rt->active == NULL) {
        kg_log_error(KG_LOG_INFO, s->connection->log, 0,
                     "route \"%V\" uses a cluster this configuration does "
                     "not have", &s->route->name);
        return KG_DECLINED;
    }

    s->cluster = rt->active;

    kg_queue_insert_tail(&rt->sessions, &s->queue);
    s->queued = 1;

    if (rt->state) {
        (void) kg_atomic_fetch_add(&rt->state->connections, 1);
    }

    m = kg_kafka_route_metrics(s);

    if (m) {
        kg_metrics_inc(m->connections, 1);
        kg_metrics_inc(m->active, 1);
    }

    return KG_OK;
}


void
kg_kafka_route_session_end(kg_kafka_session_t *s, kg_uint_t cause)
{
    kg_kafka_route_t          *rt;
    kg_kafka_route_metrics_t  *m;

    if (!s->queued) {
        return;
    }

    rt = s->route->runtime;

    kg_queue_remove(&s->queue);
    s->queued = 0;

    if (rt->state) {
        (void) kg_atomic_fetch_add(&rt->state->connections, -1);
    }

    m = kg_kafka_route_metrics(s);

    if (m) {
        kg_metrics_dec(m->active, 1);

        if (m->closed && cause < KG_KAFKA_CLOSE_MAX) {
            kg_metrics_inc(&m->closed[cause], 1);
        }
    }
}


kg_kafka_route_metrics_t *
kg_kafka_route_metrics(kg_kafka_session_t *s)
{
    kg_uint_t                       i;
    kg_kafka_route_t               *rt;
    kg_kafka_core_main_conf_t      *cmcf;
    kg_kafka_core_cluster_conf_t  **ccfp;

    rt = s->route->runtime;

    if (rt == NULL || rt->metrics == NULL || s->cluster == NULL) {
        return NULL;
    }

    cmcf = rt->cmcf;
    ccfp = cmcf->clusters.elts;

    for (i = 0; i < cmcf->clusters.nelts; i++) {
        if (ccfp[i] == s->cluster) {
            return &rt->metrics[i];
        }
    }

    return NULL;
}


kg_uint_t
kg_kafka_route_paused(kg_kafka_session_t *s)
{
    kg_kafka_route_t  *rt;

    rt = s->route->runtime;

    return (rt != NULL && rt->paused);
}


/*
 * The epoch moved: the route's sessions on another cluster than the new
 * one drain.  The pause flag changed: every session is told.  Sessions
 * that have not reached the pump yet have sent nothing: they close.
 */

void
kg_kafka_route_check(kg_kafka_route_t *rt)
{
    kg_uint_t                       epoch, paused, changed;
    kg_queue_t                     *q, *next;
    kg_kafka_session_t             *s;
    kg_kafka_route_state_t         *rs;
    kg_kafka_core_cluster_conf_t   *active;

    rs = rt->state;

    if (rs == NULL) {
        return;
    }

    epoch = rs->epoch;
    paused = (rs->paused != 0);

    if (epoch == rt->epoch && paused == rt->paused) {
        return;
    }

    changed = 0;

    if (epoch != rt->epoch) {
        kg_spinlock(&kg_kafka_route_shm(rt->cmcf)->lock, kg_pid, 1024);

        epoch = rs->epoch;

        active = rs->used ? kg_kafka_route_find_cluster(rt->cmcf,
                                                        rs->active.data,
                                                        rs->active.len)
                          : NULL;

        kg_unlock(&kg_kafka_route_shm(rt->cmcf)->lock);

        rt->epoch = epoch;

        if (active != rt->active) {
            kg_log_error(KG_LOG_INFO, kg_cycle->log, 0,
                         "route \"%V\" now uses cluster \"%V\", draining "
                         "its connections to \"%V\"", &rt->conf->name,
                         active ? &active->name : &rt->conf->name,
                         rt->active ? &rt->active->name : &rt->conf->name);

            rt->active = active;
            changed = 1;
        }
    }

    rt->paused = paused;

    for (q = kg_queue_head(&rt->sessions);
         q != kg_queue_sentinel(&rt->sessions);
         q = next)
    {
        next = kg_queue_next(q);
        s = kg_queue_data(q, kg_kafka_session_t, queue);

        if (changed && s->cluster != rt->active) {
            s->draining = 1;
        }

        if (s->notify) {
            s->notify(s);

        } else if (s->draining) {
            kg_kafka_finalize_session(s);
        }
    }
}


/*
 * An old worker of a reload keeps serving a route whose cluster did not
 * change; a graceful stop (no new cycle was built since) drains them all.
 */

kg_uint_t
kg_kafka_route_keep(kg_kafka_session_t *s)
{
    kg_kafka_route_t      *rt;
    kg_kafka_route_shm_t  *shm;

    rt = s->route->runtime;

    if (!kg_exiting || rt == NULL || rt->state == NULL || s->draining) {
        return 0;
    }

    shm = kg_kafka_route_shm(rt->cmcf);

    if (shm->generation == rt->generation) {
        return 0;
    }

    kg_kafka_route_check(rt);

    return (!s->draining && s->cluster == rt->active);
}


kg_int_t
kg_kafka_route_switch(kg_kafka_route_t *rt, kg_kafka_core_cluster_conf_t *to,
    kg_uint_t how, kg_log_t *log)
{
    kg_uint_t                level;
    kg_kafka_name_t          from;
    kg_kafka_route_shm_t    *shm;
    kg_kafka_route_state_t  *rs;

    rs = rt->state;

    if (rs == NULL) {
        return KG_ERROR;
    }

    shm = kg_kafka_route_shm(rt->cmcf);

    kg_spinlock(&shm->lock, kg_pid, 1024);

    if (kg_kafka_route_name_eq(&rs->active, &to->name)) {
        kg_unlock(&shm->lock);
        return KG_DECLINED;
    }

    from = rs->active;

    kg_kafka_route_name_set(&rs->active, &to->name);
    rs->epoch++;
    rs->switches++;

    if (how == KG_KAFKA_SWITCH_FAILOVER) {
        rs->failovers++;
    }

    kg_unlock(&shm->lock);

    level = (how == KG_KAFKA_SWITCH_FAILOVER) ? KG_LOG_WARN : KG_LOG_NOTICE;

    kg_log_error(level, log, 0, "route \"%V\" switched from cluster \"%*s\" to "
                 "\"%V\" by %s", &rt->conf->name, (size_t) from.len,
                 from.data, &to->name,
                 how == KG_KAFKA_SWITCH_FAILOVER ? "automatic failover"
                                                 : "the admin API");

    kg_kafka_route_check(rt);

    return kg_kafka_route_write_state(rt->cmcf, log);
}


kg_int_t
kg_kafka_route_pause(kg_kafka_route_t *rt, kg_uint_t pause, kg_log_t *log)
{
    kg_atomic_uint_t         since;
    kg_kafka_route_state_t  *rs;

    rs = rt->state;

    if (rs == NULL) {
        return KG_ERROR;
    }

    since = rs->paused;

    if (pause) {
        if (since
            || !kg_atomic_cmp_set(&rs->paused, 0,
                                  (kg_atomic_uint_t) kg_current_msec + 1))
        {
            return KG_DECLINED;
        }

        kg_log_error(KG_LOG_NOTICE, log, 0, "route \"%V\" paused",
                     &rt->conf->name);

    } else {
        if (since == 0 || !kg_atomic_cmp_set(&rs->paused, since, 0)) {
            return KG_DECLINED;
        }

        (void) kg_atomic_fetch_add(&rs->paused_msec,
                                   (kg_atomic_uint_t) kg_current_msec + 1
                                   - since);

        kg_log_error(KG_LOG_NOTICE, log, 0, "route \"%V\" resumed after "
                     "%M ms", &rt->conf->name,
                     (kg_msec_t) (kg_current_msec + 1 - since));
    }

    kg_kafka_route_check(rt);

    return KG_OK;
}


static void
kg_kafka_route_timer_handler(kg_event_t *ev)
{
    kg_uint_t                     r;
    kg_kafka_core_main_conf_t    *cmcf;
    kg_kafka_core_route_conf_t  **rcfp;

    cmcf = ev->data;
    rcfp = cmcf->routes.elts;

    for (r = 0; r < cmcf->routes.nelts; r++) {
        kg_kafka_route_check(rcfp[r]->runtime);
    }

    kg_add_timer(ev, KG_KAFKA_ROUTE_CHECK);
}


/*
 * The health probe: a Metadata request to the cluster's bootstrap
 * addresses (kg_kafka_upstream_refresh(): connect, request, response, each
 * bounded by connect_timeout), which also refreshes the node table.
 */

static void
kg_kafka_route_probe_handler(kg_event_t *ev)
{
    kg_kafka_route_probe_t  *p;

    p = ev->data;

    if (kg_exiting || kg_quit || kg_terminate) {
        return;
    }

    if (p->wait.upstream) {
        return;
    }

    if (kg_kafka_upstream_refresh(p->cluster->upstream, &p->wait)
        == KG_ERROR)
    {
        kg_kafka_route_probe_done(&p->wait, KG_ERROR);
    }
}


static void
kg_kafka_route_probe_done(kg_kafka_upstream_wait_t *w, kg_int_t rc)
{
    kg_uint_t                  level;
    kg_kafka_route_probe_t    *p;
    kg_kafka_cluster_state_t  *cs;

    p = w->data;
    cs = p->cluster->state;

    cs->probes++;
    cs->last = kg_current_msec;

    if (rc == KG_OK) {
        if (!cs->ok && cs->failures) {
            kg_log_error(KG_LOG_NOTICE, p->log, 0,
                         "cluster \"%V\" answers probes again",
                         &p->cluster->name);
        }

        cs->failures = 0;
        cs->ok = 1;

    } else {
        cs->failures++;
        cs->ok = 0;

        /* a cluster no route uses or fails over to is only a switch target */

        level = kg_kafka_route_cluster_used(p->cmcf, p->cluster)
                ? KG_LOG_WARN : KG_LOG_INFO;

        kg_log_error(level, p->log, 0,
                     "cluster \"%V\" failed %ui probe(s) in a row",
                     &p->cluster->name, (kg_uint_t) cs->failures);

        kg_kafka_route_failover(p->cmcf, p->cluster, p->log);
    }

    if (!kg_exiting && !kg_quit && !kg_terminate) {
        kg_add_timer(&p->event, p->cluster->probe_interval);
    }
}


static void
kg_kafka_route_failover(kg_kafka_core_main_conf_t *cmcf,
    kg_kafka_core_cluster_conf_t *ccf, kg_log_t *log)
{
    kg_uint_t                     r;
    kg_kafka_route_t             *rt;
    kg_kafka_cluster_state_t     *target;
    kg_kafka_core_route_conf_t  **rcfp, *rcf;

    rcfp = cmcf->routes.elts;

    for (r = 0; r < cmcf->routes.nelts; r++) {
        rcf = rcfp[r];
        rt = rcf->runtime;

        kg_kafka_route_check(rt);

        if (rcf->failover_after == 0 || rt->active != ccf
            || rcf->failover == ccf
            || ccf->state->failures < rcf->failover_after)
        {
            continue;
        }

        target = rcf->failover->state;

        if (target && target->probes && !target->ok) {
            kg_log_error(KG_LOG_WARN, log, 0,
                         "route \"%V\" does not fail over: cluster \"%V\" "
                         "fails its probes too", &rcf->name,
                         &rcf->failover->name);
            continue;
        }

        (void) kg_kafka_route_switch(rt, rcf->failover,
                                     KG_KAFKA_SWITCH_FAILOVER, log);
    }
}


static kg_uint_t
kg_kafka_route_cluster_used(kg_kafka_core_main_conf_t *cmcf,
    kg_kafka_core_cluster_conf_t *ccf)
{
    kg_uint_t                     r;
    kg_kafka_core_route_conf_t  **rcfp;

    rcfp = cmcf->routes.elts;

    for (r = 0; r < cmcf->routes.nelts; r++) {
        if (rcfp[r]->cluster == ccf || rcfp[r]->failover == ccf
            || rcfp[r]->runtime->active == ccf)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * Virtual node ids.  The rank of a real id among the real ids a cluster
 * has shown, in ascending order; the list lives in the zone so that every
 * worker ranks alike (a worker that never saw a broker that is down would
 * rank the others differently).  Without a zone, the worker's node table.
 */

void
kg_kafka_route_node_seen(kg_kafka_core_cluster_conf_t *ccf, int32_t node_id)
{
    kg_uint_t                  i, n;
    kg_kafka_cluster_state_t  *cs;

    cs = ccf->state;

    if (cs == NULL || node_id < 0) {
        return;
    }

    kg_spinlock(&cs->lock, kg_pid, 1024);

    n = cs->nnodes;

    for (i = 0; i < n; i++) {
        if (cs->nodes[i] == node_id) {
            kg_unlock(&cs->lock);
            return;
        }
    }

    if (n < KG_KAFKA_NODES_MAX) {
        for (i = n; i > 0 && cs->nodes[i - 1] > node_id; i--) {
            cs->nodes[i] = cs->nodes[i - 1];
        }

        cs->nodes[i] = node_id;
        cs->nnodes = n + 1;
    }

    kg_unlock(&cs->lock);
}


kg_int_t
kg_kafka_route_node_index(kg_kafka_core_cluster_conf_t *ccf, int32_t node_id)
{
    kg_int_t                   index;
    kg_uint_t                  i, n;
    kg_kafka_node_t           *nodes;
    kg_kafka_cluster_state_t  *cs;

    cs = ccf->state;
    index = -1;

    if (cs == NULL) {
        if (ccf->upstream == NULL) {
            return -1;
        }

        nodes = ccf->upstream->nodes.elts;

        for (i = 0; i < ccf->upstream->nodes.nelts; i++) {
            if (nodes[i].node_id == node_id) {
                return (kg_int_t) i;
            }
        }

        return -1;
    }

    kg_spinlock(&cs->lock, kg_pid, 1024);

    n = cs->nnodes;

    for (i = 0; i < n; i++) {
        if (cs->nodes[i] == node_id) {
            index = (kg_int_t) i;
            break;
        }
    }

    kg_unlock(&cs->lock);

    return index;
}


int32_t
kg_kafka_route_node_real(kg_kafka_core_cluster_conf_t *ccf, kg_uint_t index)
{
    int32_t                    id;
    kg_kafka_node_t           *nodes;
    kg_kafka_cluster_state_t  *cs;

    cs = ccf->state;

    if (cs == NULL) {
        if (ccf->upstream == NULL || index >= ccf->upstream->nodes.nelts) {
            return -1;
        }

        nodes = ccf->upstream->nodes.elts;

        return nodes[index].node_id;
    }

    id = -1;

    kg_spinlock(&cs->lock, kg_pid, 1024);

    if (index < cs->nnodes) {
        id = cs->nodes[index];
    }

    kg_unlock(&cs->lock);

    return id;
}


kg_uint_t
kg_kafka_route_nnodes(kg_kafka_core_cluster_conf_t *ccf)
{
    if (ccf->state == NULL) {
        return ccf->upstream ? ccf->upstream->nodes.nelts : 0;
    }

    return ccf->state->nnodes;
}


/*
 * A real id the cluster never listed (a replica on a broker that is
 * down) still gets an id of its own, above every rank: base + 128 + id.
 */

int32_t
kg_kafka_route_virtual_id(kg_kafka_core_route_conf_t *rcf,
    kg_kafka_core_cluster_conf_t *ccf, int32_t node_id)
{
    kg_int_t  base, index;

    if (node_id < 0) {
        return node_id;
    }

    base = (rcf->node_id_base == KG_CONF_UNSET) ? 0 : rcf->node_id_base;

    index = kg_kafka_route_node_index(ccf, node_id);

    if (index < 0) {
        index = KG_KAFKA_NODES_MAX + (kg_int_t) node_id;
    }

    if (base + index > INT32_MAX) {
        return -1;
    }

    return (int32_t) (base + index);
}


int32_t
kg_kafka_route_real_id(kg_kafka_core_route_conf_t *rcf,
    kg_kafka_core_cluster_conf_t *ccf, int32_t node_id)
{
    kg_int_t  base, index;

    if (node_id < 0) {
        return node_id;
    }

    base = (rcf->node_id_base == KG_CONF_UNSET) ? 0 : rcf->node_id_base;
    index = (kg_int_t) node_id - base;

    if (index < 0) {
        return -1;
    }

    if (index >= KG_KAFKA_NODES_MAX) {
        return (int32_t) (index - KG_KAFKA_NODES_MAX);
    }

    return kg_kafka_route_node_real(ccf, (kg_uint_t) index);
}


/*
 * The state file, one statement per route whose cluster differs from the
 * configuration's:
 *
 *     route payments cluster kafka2 configured kafka1;
 *
 * "configured" is the cluster the configuration named when the override
 * was made: if the configuration names another one since, the operator
 * has decided anew and the override is dropped.
 */

kg_int_t
kg_kafka_route_state_parse(kg_str_t *text, kg_array_t *entries,
    kg_str_t *error)
{
    u_char                  *p, *last, *start;
    kg_str_t                 words[7];
    kg_uint_t                n;
    kg_kafka_route_entry_t  *e;

    p = text->data;
    last = p + text->len;
    n = 0;

    while (p < last) {

        if (*p == '#') {
            while (p < last && *p != LF) {
                p++;
            }

            continue;
        }

        if (*p == ' ' || *p == '\t' || *p == CR || *p == LF) {
            p++;
            continue;
        }

        if (*p == ';') {
            p++;

            if (n != 4 && n != 6) {
                kg_str_set(error, "a statement has the wrong number of "
                                  "words");
                return KG_ERROR;
            }

            if (words[0].len != 5
                || kg_strncmp(words[0].data, "route", 5) != 0
                || words[2].len != 7
                || kg_strncmp(words[2].data, "cluster", 7) != 0
                || (n == 6
                    && (words[4].len != 10
                        || kg_strncmp(words[4].data, "configured", 10)
                           != 0)))
            {
                kg_str_set(error, "a statement is not \"route NAME cluster "
                                  "NAME configured NAME;\"");
                return KG_ERROR;
            }

            e = kg_array_push(entries);
            if (e == NULL) {
                kg_str_set(error, "out of memory");
                return KG_ERROR;
            }

            e->route = words[1];
            e->cluster = words[3];

            if (n == 6) {
                e->configured = words[5];

            } else {
                kg_str_null(&e->configured);
            }

            n = 0;
            continue;
        }

        start = p;

        while (p < last && *p != ' ' && *p != '\t' && *p != CR && *p != LF
               && *p != ';' && *p != '#')
        {
            p++;
        }

        if (n == 6) {
            kg_str_set(error, "a statement has too many words");
            return KG_ERROR;
        }

        words[n].data = start;
        words[n].len = p - start;

        if (words[n].len > KG_KAFKA_NAME_MAX) {
            kg_str_set(error, "a name is too long");
            return KG_ERROR;
        }

        n++;
    }

    if (n) {
        kg_str_set(error, "the last statement has no \";\"");
        return KG_ERROR;
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_route_read_state(kg_conf_t *cf, kg_kafka_core_main_conf_t *cmcf)
{
    u_char                         *data;
    ssize_t                         n;
    kg_str_t                        text, error;
    kg_uint_t                       i;
    kg_file_t                       file;
    kg_array_t                      entries;
    kg_file_info_t                  fi;
    kg_kafka_route_t               *rt;
    kg_kafka_route_entry_t         *e;
    kg_kafka_core_cluster_conf_t   *ccf;

    kg_memzero(&file, sizeof(kg_file_t));

    file.name = cmcf->state_file;
    file.log = cf->log;

    file.fd = kg_open_file(cmcf->state_file.data, KG_FILE_RDONLY,
                           KG_FILE_OPEN, 0);

    if (file.fd == KG_INVALID_FILE) {
        if (kg_errno != KG_ENOENT) {
            kg_log_error(KG_LOG_ERR, cf->log, kg_errno,
                         kg_open_file_n " state file \"%V\" failed, "
                         "no route override applies", &cmcf->state_file);
        }

        return KG_OK;
    }

    if (kg_fd_info(file.fd, &fi) == KG_FILE_ERROR
        || kg_file_size(&fi) > KG_KAFKA_STATE_MAX)
    {
        kg_log_error(KG_LOG_ERR, cf->log, kg_errno,
                     "state file \"%V\" cannot be read or is too large, "
                     "no route override applies", &cmcf->state_file);
        (void) kg_close_file(file.fd);
        return KG_OK;
    }

    data = kg_pnalloc(cf->pool, kg_file_size(&fi) + 1);
    if (data == NULL) {
        (void) kg_close_file(file.fd);
        return KG_ERROR;
    }

    n = kg_read_file(&file, data, kg_file_size(&fi), 0);

    (void) kg_close_file(file.fd);

    if (n == KG_ERROR) {
        return KG_OK;
    }

    text.data = data;
    text.len = n;

    if (kg_array_init(&entries, cf->pool, 4, sizeof(kg_kafka_route_entry_t))
        != KG_OK)
    {
        return KG_ERROR;
    }

    if (kg_kafka_route_state_parse(&text, &entries, &error) != KG_OK) {
        kg_log_error(KG_LOG_ERR, cf->log, 0,
                     "invalid state file \"%V\": %V, no route override "
                     "applies", &cmcf->state_file, &error);
        return KG_OK;
    }

    e = entries.elts;

    for (i = 0; i < entries.nelts; i++) {
        rt = kg_kafka_route_find(cmcf, &e[i].route);

        if (rt == NULL) {
            kg_log_error(KG_LOG_WARN, cf->log, 0,
                         "state file \"%V\" names route \"%V\" the "
                         "configuration does not have, ignored",
                         &cmcf->state_file, &e[i].route);
            continue;
        }

        ccf = kg_kafka_route_find_cluster(cmcf, e[i].cluster.data,
                                          e[i].cluster.len);
        if (ccf == NULL) {
            kg_log_error(KG_LOG_WARN, cf->log, 0,
                         "state file \"%V\" switches route \"%V\" to "
                         "cluster \"%V\" the configuration does not have, "
                         "ignored", &cmcf->state_file, &e[i].route,
                         &e[i].cluster);
            continue;
        }

        if (e[i].configured.len
            && (e[i].configured.len != rt->conf->cluster->name.len
                || kg_strncmp(e[i].configured.data,
                              rt->conf->cluster->name.data,
                              e[i].configured.len)
                   != 0))
        {
            kg_log_error(KG_LOG_NOTICE, cf->log, 0,
                         "route \"%V\": the configuration changed its "
                         "cluster from \"%V\" to \"%V\" since the override "
                         "to \"%V\" in state file \"%V\": the "
                         "configuration applies", &rt->conf->name,
                         &e[i].configured, &rt->conf->cluster->name,
                         &e[i].cluster, &cmcf->state_file);

            rt->stale = ccf->name;
            continue;
        }

        if (ccf == rt->conf->cluster) {
            continue;
        }

        rt->override = ccf->name;
        rt->active = ccf;

        kg_log_error(KG_LOG_WARN, cf->log, 0,
                     "route \"%V\" uses cluster \"%V\" instead of \"%V\": "
                     "admin override, state file \"%V\"",
                     &rt->conf->name, &ccf->name, &rt->conf->cluster->name,
                     &cmcf->state_file);
    }

    return KG_OK;
}


/* kgate -T: the overrides, after the configuration */

static kg_int_t
kg_kafka_route_dump(kg_conf_t *cf, kg_kafka_core_main_conf_t *cmcf)
{
    u_char                       *p;
    size_t                        size;
    kg_buf_t                     *b;
    kg_uint_t                     r;
    kg_conf_dump_t               *cd;
    kg_kafka_route_t             *rt;
    kg_kafka_core_route_conf_t  **rcfp;

    rcfp = cmcf->routes.elts;
    size = 0;

    for (r = 0; r < cmcf->routes.nelts; r++) {
        rt = rcfp[r]->runtime;

        if (rt->override.len) {
            size += sizeof("# route : cluster  (admin override, "
                           "state file )" KG_LINEFEED)
                    + rt->conf->name.len + rt->override.len
                    + cmcf->state_file.len;
        }
    }

    if (size == 0) {
        return KG_OK;
    }

    b = kg_create_temp_buf(cf->cycle->pool, size);
    if (b == NULL) {
        return KG_ERROR;
    }

    p = b->last;

    for (r = 0; r < cmcf->routes.nelts; r++) {
        rt = rcfp[r]->runtime;

        if (rt->override.len) {
            p = kg_sprintf(p, "# route %V: cluster %V (admin override, "
                           "state file %V)" KG_LINEFEED, &rt->conf->name,
                           &rt->override, &cmcf->state_file);
        }
    }

    b->last = p;

    cd = kg_array_push(&cf->cycle->config_dump);
    if (cd == NULL) {
        return KG_ERROR;
    }

    cd->name = cmcf->state_file;
    cd->buffer = b;

    return KG_OK;
}


/*
 * Written by a worker after an admin switch or a failover: a few hundred
 * bytes, to a temporary file renamed over the old one, so a crash leaves
 * either the old or the new file.  The zone lock orders the writers.
 */

static kg_int_t
kg_kafka_route_write_state(kg_kafka_core_main_conf_t *cmcf, kg_log_t *log)
{
    u_char                        *p, *last, *tmp;
    u_char                         buf[8192];
    ssize_t                        n;
    kg_fd_t                        fd;
    kg_int_t                       rc;
    kg_uint_t                      r;
    kg_kafka_route_shm_t          *shm;
    kg_kafka_route_state_t        *rs;
    kg_kafka_core_route_conf_t   **rcfp;

    shm = kg_kafka_route_shm(cmcf);
    rcfp = cmcf->routes.elts;

    tmp = kg_alloc(cmcf->state_file.len + sizeof(".tmp.") + KG_INT64_LEN,
                   log);
    if (tmp == NULL) {
        return KG_ERROR;
    }

    (void) kg_sprintf(tmp, "%V.tmp.%P%Z", &cmcf->state_file, kg_pid);

    rc = KG_ERROR;

    kg_spinlock(&shm->lock, kg_pid, 1024);

    p = buf;
    last = buf + sizeof(buf);

    p = kg_slprintf(p, last, "# kgate route state: admin switches and "
                    "failovers that override the" KG_LINEFEED
                    "# configuration; written by kgate" KG_LINEFEED);

    for (r = 0; r < cmcf->routes.nelts; r++) {
        rs = rcfp[r]->runtime->state;

        if (rs == NULL || rs->active.len == 0
            || kg_kafka_route_name_eq(&rs->active, &rcfp[r]->cluster->name))
        {
            continue;
        }

        p = kg_slprintf(p, last,
                        "route %V cluster %*s configured %V;" KG_LINEFEED,
                        &rcfp[r]->name, (size_t) rs->active.len,
                        rs->active.data, &rcfp[r]->cluster->name);
    }

    if (p == last) {
        kg_log_error(KG_LOG_ERR, log, 0, "route state too large for \"%V\"",
                     &cmcf->state_file);
        goto done;
    }

    fd = kg_open_file(tmp, KG_FILE_WRONLY, KG_FILE_TRUNCATE,
                      KG_FILE_DEFAULT_ACCESS);

    if (fd == KG_INVALID_FILE) {
        kg_log_error(KG_LOG_ERR, log, kg_errno,
                     kg_open_file_n " \"%s\" failed", tmp);
        goto done;
    }

    n = kg_write_fd(fd, buf, p - buf);

    if (n != p - buf || fsync(fd) == -1) {
        kg_log_error(KG_LOG_ERR, log, kg_errno,
                     "writing state file \"%s\" failed", tmp);
        (void) kg_close_file(fd);
        (void) kg_delete_file(tmp);
        goto done;
    }

    if (kg_close_file(fd) == KG_FILE_ERROR) {
        kg_log_error(KG_LOG_ERR, log, kg_errno,
                     kg_close_file_n " \"%s\" failed", tmp);
        (void) kg_delete_file(tmp);
        goto done;
    }

    if (kg_rename_file(tmp, cmcf->state_file.data) == KG_FILE_ERROR) {
        kg_log_error(KG_LOG_ERR, log, kg_errno,
                     kg_rename_file_n " \"%s\" to \"%V\" failed", tmp,
                     &cmcf->state_file);
        (void) kg_delete_file(tmp);
        goto done;
    }

    rc = KG_OK;

done:

    kg_unlock(&shm->lock);

    kg_free(tmp);

    return rc;
}


static void
kg_kafka_route_name_set(kg_kafka_name_t *n, kg_str_t *s)
{
    n->len = (u_char) kg_min(s->len, KG_KAFKA_NAME_MAX);
    kg_memcpy(n->data, s->data, n->len);
}


static kg_uint_t
kg_kafka_route_name_eq(kg_kafka_name_t *n, kg_str_t *s)
{
    return (n->len == s->len && kg_strncmp(n->data, s->data, s->len) == 0);
}


static kg_kafka_core_cluster_conf_t *
kg_kafka_route_find_cluster(kg_kafka_core_main_conf_t *cmcf, u_char *name,
    size_t len)
{
    kg_uint_t                       i;
    kg_kafka_core_cluster_conf_t  **ccfp;

    ccfp = cmcf->clusters.elts;

    for (i = 0; i < cmcf->clusters.nelts; i++) {
        if (ccfp[i]->name.len == len
            && kg_strncmp(ccfp[i]->name.data, name, len) == 0)
        {
            return ccfp[i];
        }
    }

    return NULL;
}


static kg_kafka_route_t *
kg_kafka_route_find(kg_kafka_core_main_conf_t *cmcf, kg_str_t *name)
{
    kg_uint_t                     i;
    kg_kafka_core_route_conf_t  **rcfp;

    rcfp = cmcf->routes.elts;

    for (i = 0; i < cmcf->routes.nelts; i++) {
        if (rcfp[i]->name.len == name->len
            && kg_strncmp(rcfp[i]->name.data, name->data, name->len) == 0)
        {
            return rcfp[i]->runtime;
        }
    }

    return NULL;
}


static kg_kafka_cluster_state_t *
kg_kafka_route_cluster_state(kg_kafka_route_shm_t *shm, kg_kafka_name_t *name)
{
    kg_uint_t                  i;
    kg_kafka_cluster_state_t  *cs;

    for (i = 0; i < KG_KAFKA_CLUSTERS_MAX; i++) {
        cs = &shm->clusters[i];

        if (cs->used && cs->name.len == name->len
            && kg_strncmp(cs->name.data, name->data, name->len) == 0)
        {
            return cs;
        }
    }

    return NULL;
}


/* the admin API */

static kg_int_t
kg_kafka_route_add_api(kg_conf_t *cf, kg_kafka_core_main_conf_t *cmcf)
{
    kg_str_t  path, name;

    if (cmcf->routes.nelts == 0) {
        return KG_OK;
    }

    kg_str_set(&path, "/routes");

    if (kg_admin_add_endpoint(cf, &kg_kafka_route_get, &path, 0,
                              kg_kafka_route_api_list, cmcf)
        != KG_OK)
    {
        return KG_ERROR;
    }

    kg_str_set(&path, "/routes/");

    if (kg_admin_add_endpoint(cf, &kg_kafka_route_post, &path, 1,
                              kg_kafka_route_api_post, cmcf)
        != KG_OK)
    {
        return KG_ERROR;
    }

    kg_str_set(&name, "kafka_routes");

    return kg_admin_add_ready_check(cf, &name, kg_kafka_route_api_ready,
                                    cmcf);
}


static kg_int_t
kg_kafka_route_api_list(kg_admin_request_t *r)
{
    kg_kafka_core_main_conf_t *cmcf = r->data;

    u_char                       *p, *last;
    size_t                        size;
    kg_str_t                      body;
    kg_uint_t                     i;
    kg_kafka_core_route_conf_t  **rcfp;

    rcfp = cmcf->routes.elts;

    size = 64 + cmcf->routes.nelts * 2048;

    body.data = kg_pnalloc(r->pool, size);
    if (body.data == NULL) {
        return KG_ERROR;
    }

    p = body.data;
    last = p + size;

    p = kg_slprintf(p, last, "{\"routes\":[");

    for (i = 0; i < cmcf->routes.nelts; i++) {
        if (i) {
            p = kg_slprintf(p, last, ",");
        }

        p = kg_kafka_route_json(r, p, last, rcfp[i]->runtime);
    }

    p = kg_slprintf(p, last, "]}" KG_LINEFEED);

    body.len = p - body.data;

    return kg_admin_send(r, 200, "application/json", &body);
}


static u_char *
kg_kafka_route_json(kg_admin_request_t *r, u_char *p, u_char *last,
    kg_kafka_route_t *rt)
{
    kg_str_t                  active, *failover;
    kg_msec_t                 paused;
    kg_kafka_route_state_t   *rs;
    kg_kafka_cluster_state_t *cs;
    kg_kafka_route_shm_t     *shm;

    rs = rt->state;

    if (rs == NULL) {
        return p;
    }

    shm = kg_kafka_route_shm(rt->cmcf);

    active.data = kg_pnalloc(r->pool, KG_KAFKA_NAME_MAX);
    if (active.data == NULL) {
        return p;
    }

    kg_spinlock(&shm->lock, kg_pid, 1024);
    active.len = rs->active.len;
    kg_memcpy(active.data, rs->active.data, active.len);
    cs = kg_kafka_route_cluster_state(shm, &rs->active);
    kg_unlock(&shm->lock);

    paused = rs->paused_msec;

    if (rs->paused) {
        paused += kg_current_msec + 1 - rs->paused;
    }

    failover = rt->conf->failover ? kg_admin_json(r, &rt->conf->failover->name)
                                  : NULL;

    p = kg_slprintf(p, last,
                    "{\"route\":\"%V\",\"cluster\":\"%V\","
                    "\"configured\":\"%V\",\"overridden\":%s,"
                    "\"paused\":%s,\"paused_seconds\":%M.%03M,"
                    "\"connections\":%uA,\"epoch\":%uA,\"switches\":%uA,"
                    "\"failovers\":%uA,",
                    kg_admin_json(r, &rt->conf->name),
                    kg_admin_json(r, &active),
                    kg_admin_json(r, &rt->conf->cluster->name),
                    kg_kafka_route_name_eq(&rs->active,
                                           &rt->conf->cluster->name)
                    ? "false" : "true",
                    rs->paused ? "true" : "false",
                    paused / 1000, paused % 1000,
                    (kg_atomic_uint_t) rs->connections,
                    (kg_atomic_uint_t) rs->epoch,
                    (kg_atomic_uint_t) rs->switches,
                    (kg_atomic_uint_t) rs->failovers);

    if (failover) {
        p = kg_slprintf(p, last, "\"failover\":\"%V\",", failover);

    } else {
        p = kg_slprintf(p, last, "\"failover\":null,");
    }

    if (cs && cs->probes) {
        p = kg_slprintf(p, last, "\"cluster_ok\":%s,"
                        "\"cluster_failures\":%uA}",
                        cs->ok ? "true" : "false",
                        (kg_atomic_uint_t) cs->failures);

    } else {
        p = kg_slprintf(p, last, "\"cluster_ok\":null,"
                        "\"cluster_failures\":0}");
    }

    return p;
}


/*
 * POST /routes/NAME/switch?to=CLUSTER, /routes/NAME/pause,
 * /routes/NAME/resume
 */

static kg_int_t
kg_kafka_route_api_post(kg_admin_request_t *r)
{
    kg_kafka_core_main_conf_t *cmcf = r->data;

    u_char                        *p, *slash;
    kg_int_t                       rc;
    kg_str_t                       name, action, to, msg;
    kg_kafka_route_t              *rt;
    kg_kafka_core_cluster_conf_t  *ccf;

    p = r->tail.data;
    slash = kg_strlchr(p, p + r->tail.len, '/');

    if (slash == NULL) {
        return kg_admin_send_error(r, 404, "not_found",
                                   "use /routes/NAME/switch?to=CLUSTER, "
                                   "/routes/NAME/pause or "
                                   "/routes/NAME/resume");
    }

    name.data = p;
    name.len = slash - p;
    action.data = slash + 1;
    action.len = r->tail.data + r->tail.len - action.data;

    rt = kg_kafka_route_find(cmcf, &name);

    if (rt == NULL || rt->state == NULL) {
        msg.len = sizeof("unknown route \"\"") - 1 + name.len;
        msg.data = kg_pnalloc(r->pool, msg.len + 1);
        if (msg.data == NULL) {
            return KG_ERROR;
        }

        *kg_sprintf(msg.data, "unknown route \"%V\"", &name) = '\0';

        return kg_admin_send_error(r, 404, "unknown_route",
                                   (char *) msg.data);
    }

    if (action.len == 6 && kg_strncmp(action.data, "switch", 6) == 0) {

        if (kg_admin_arg(r, "to", &to) != KG_OK || to.len == 0) {
            return kg_admin_send_error(r, 400, "missing_argument",
                                       "the cluster to switch to is "
                                       "missing: use ?to=CLUSTER");
        }

        ccf = kg_kafka_route_find_cluster(cmcf, to.data, to.len);

        if (ccf == NULL) {
            return kg_admin_send_json(r, 400,
                                      "{\"error\":\"unknown_cluster\","
                                      "\"message\":\"unknown cluster "
                                      "\\\"%V\\\"\"}",
                                      kg_admin_json(r, &to));
        }

        rc = kg_kafka_route_switch(rt, ccf, KG_KAFKA_SWITCH_API,
                                   r->connection->log);

        if (rc == KG_DECLINED) {
            return kg_admin_send_json(r, 409,
                                      "{\"error\":\"already_active\","
                                      "\"message\":\"route \\\"%V\\\" "
                                      "already uses cluster \\\"%V\\\"\"}",
                                      kg_admin_json(r, &name),
                                      kg_admin_json(r, &to));
        }

        return kg_admin_send_json(r, 200,
                                  "{\"route\":\"%V\",\"cluster\":\"%V\","
                                  "\"epoch\":%uA,\"persisted\":%s}",
                                  kg_admin_json(r, &name),
                                  kg_admin_json(r, &ccf->name),
                                  (kg_atomic_uint_t) rt->state->epoch,
                                  rc == KG_OK ? "true" : "false");
    }

    if ((action.len == 5 && kg_strncmp(action.data, "pause", 5) == 0)
        || (action.len == 6 && kg_strncmp(action.data, "resume", 6) == 0))
    {
        rc = kg_kafka_route_pause(rt, action.len == 5, r->connection->log);

        if (rc == KG_ERROR) {
            return KG_ERROR;
        }

        return kg_admin_send_json(r, 200,
                                  "{\"route\":\"%V\",\"paused\":%s,"
                                  "\"changed\":%s}",
                                  kg_admin_json(r, &name),
                                  action.len == 5 ? "true" : "false",
                                  rc == KG_OK ? "true" : "false");
    }

    return kg_admin_send_error(r, 404, "unknown_action",
                               "the action is not switch, pause or resume");
}


/* GET /ready: every route's cluster answered its last probe */

static kg_int_t
kg_kafka_route_api_ready(kg_admin_request_t *r, void *data, kg_str_t *reason)
{
    kg_kafka_core_main_conf_t *cmcf = data;

    u_char                       *p, *last;
    kg_int_t                      rc;
    kg_uint_t                     i;
    kg_kafka_name_t               active;
    kg_kafka_route_shm_t         *shm;
    kg_kafka_route_state_t       *rs;
    kg_kafka_cluster_state_t     *cs;
    kg_kafka_core_route_conf_t  **rcfp;

    shm = kg_kafka_route_shm(cmcf);

    if (shm == NULL) {
        return KG_OK;
    }

    rcfp = cmcf->routes.elts;
    rc = KG_OK;

    p = kg_pnalloc(r->pool, 1024);
    if (p == NULL) {
        return KG_ERROR;
    }

    reason->data = p;
    last = p + 1024;

    for (i = 0; i < cmcf->routes.nelts; i++) {
        rs = rcfp[i]->runtime->state;

        if (rs == NULL) {
            continue;
        }

        kg_spinlock(&shm->lock, kg_pid, 1024);
        active = rs->active;
        cs = kg_kafka_route_cluster_state(shm, &active);
        kg_unlock(&shm->lock);

        if (cs && cs->probes && cs->ok) {
            continue;
        }

        rc = KG_DECLINED;

        if (cs == NULL || cs->probes == 0) {
            p = kg_slprintf(p, last, "%sroute %V: cluster %*s not probed "
                            "yet", p == reason->data ? "" : "; ",
                            &rcfp[i]->name, (size_t) active.len,
                            active.data);

        } else {
            p = kg_slprintf(p, last, "%sroute %V: cluster %*s failed %uA "
                            "probe(s)", p == reason->data ? "" : "; ",
                            &rcfp[i]->name, (size_t) active.len,
                            active.data, (kg_atomic_uint_t) cs->failures);
        }
    }

    reason->len = p - reason->data;

    return rc;
}


/* metrics */

static kg_int_t
kg_kafka_route_add_metrics(kg_conf_t *cf, kg_kafka_core_main_conf_t *cmcf)
{
    kg_str_t                        values[3];
    kg_uint_t                       r, c;
    kg_kafka_route_t               *rt;
    kg_metric_family_t             *requests, *responses, *latency, *in,
                                   *out, *conns, *active, *closed, *errors,
                                   *switches, *epoch, *paused, *failovers,
                                   *pausedg;
    kg_kafka_route_metrics_t       *m;
    kg_kafka_core_route_conf_t    **rcfp;
    kg_kafka_core_cluster_conf_t  **ccfp;
    static const kg_uint_t          buckets[] = { KG_METRICS_LATENCY_BUCKETS };

    if (cmcf->routes.nelts == 0) {
        return KG_OK;
    }

    requests = kg_metrics_family(cf, "kgate_kafka_requests_total",
                                 "Kafka requests forwarded upstream",
                                 KG_METRICS_COUNTER, "route,cluster,api");
    responses = kg_metrics_family(cf, "kgate_kafka_responses_total",
                                  "Kafka responses relayed to clients",
                                  KG_METRICS_COUNTER, "route,cluster,api");
    latency = kg_metrics_histogram_family(cf,
                                  "kgate_kafka_request_duration_seconds",
                                  "Time from forwarding a request to its "
                                  "response", "route,cluster,api",
                                  buckets,
                                  sizeof(buckets) / sizeof(buckets[0]),
                                  KG_METRICS_LATENCY_SCALE);
    in = kg_metrics_family(cf, "kgate_kafka_received_bytes_total",
                           "Bytes received from clients",
                           KG_METRICS_COUNTER, "route,cluster");
    out = kg_metrics_family(cf, "kgate_kafka_sent_bytes_total",
                            "Bytes sent to clients",
                            KG_METRICS_COUNTER, "route,cluster");
    conns = kg_metrics_family(cf, "kgate_kafka_connections_total",
                              "Client connections accepted",
                              KG_METRICS_COUNTER, "route,cluster");
    active = kg_metrics_family(cf, "kgate_kafka_connections_active",
                               "Client connections open",
                               KG_METRICS_GAUGE, "route,cluster");
    closed = kg_metrics_family(cf, "kgate_kafka_connections_closed_total",
                               "Client connections closed, by cause",
                               KG_METRICS_COUNTER, "route,cluster,cause");
    errors = kg_metrics_family(cf, "kgate_kafka_upstream_connect_errors_total",
                               "Failed connections to brokers",
                               KG_METRICS_COUNTER, "route,cluster");
    switches = kg_metrics_family(cf, "kgate_route_switches_total",
                                 "Cluster switches of a route",
                                 KG_METRICS_COUNTER, "route");
    epoch = kg_metrics_family(cf, "kgate_route_switch_epoch",
                              "Switch epoch of a route",
                              KG_METRICS_GAUGE, "route");
    paused = kg_metrics_family(cf, "kgate_route_paused_seconds_total",
                               "Time a route spent paused",
                               KG_METRICS_COUNTER, "route");
    pausedg = kg_metrics_family(cf, "kgate_route_paused",
                                "Whether a route is paused",
                                KG_METRICS_GAUGE, "route");
    failovers = kg_metrics_family(cf, "kgate_route_failovers_total",
                                  "Automatic failovers of a route",
                                  KG_METRICS_COUNTER, "route");

    if (requests == NULL || responses == NULL || latency == NULL
        || in == NULL || out == NULL || conns == NULL || active == NULL
        || closed == NULL || errors == NULL || switches == NULL
        || epoch == NULL || paused == NULL || pausedg == NULL
        || failovers == NULL)
    {
        return KG_ERROR;
    }

    rcfp = cmcf->routes.elts;
    ccfp = cmcf->clusters.elts;

    for (r = 0; r < cmcf->routes.nelts; r++) {
        rt = rcfp[r]->runtime;

        values[0] = rcfp[r]->name;

        rt->switches = kg_metrics_series(cf, switches, values);
        rt->epoch_gauge = kg_metrics_series(cf, epoch, values);
        rt->paused_seconds = kg_metrics_series(cf, paused, values);
        rt->paused_gauge = kg_metrics_series(cf, pausedg, values);
        rt->failovers = kg_metrics_series(cf, failovers, values);

        if (rt->switches == NULL || rt->epoch_gauge == NULL
            || rt->paused_seconds == NULL || rt->paused_gauge == NULL
            || rt->failovers == NULL)
        {
            return KG_ERROR;
        }

        rt->metrics = kg_pcalloc(cf->pool, cmcf->clusters.nelts
                                           * sizeof(kg_kafka_route_metrics_t));
        if (rt->metrics == NULL) {
            return KG_ERROR;
        }

        for (c = 0; c < cmcf->clusters.nelts; c++) {
            m = &rt->metrics[c];
            values[1] = ccfp[c]->name;

            m->requests = kg_metrics_series_vector(cf, requests, values,
                                                   KG_KAFKA_API_MAX,
                                                   kg_kafka_route_api_name);
            m->responses = kg_metrics_series_vector(cf, responses, values,
                                                    KG_KAFKA_API_MAX,
                                                    kg_kafka_route_api_name);
            m->latency = kg_metrics_series_vector(cf, latency, values,
                                                  KG_KAFKA_API_MAX,
                                                  kg_kafka_route_api_name);
            m->bytes_in = kg_metrics_series(cf, in, values);
            m->bytes_out = kg_metrics_series(cf, out, values);
            m->connections = kg_metrics_series(cf, conns, values);
            m->active = kg_metrics_series(cf, active, values);
            m->closed = kg_metrics_series_vector(cf, closed, values,
                                                 KG_KAFKA_CLOSE_MAX,
                                                 kg_kafka_route_cause_name);
            m->connect_errors = kg_metrics_series(cf, errors, values);

            if (m->requests == NULL || m->responses == NULL
                || m->latency == NULL || m->bytes_in == NULL
                || m->bytes_out == NULL || m->connections == NULL
                || m->active == NULL || m->closed == NULL
                || m->connect_errors == NULL)
            {
                return KG_ERROR;
            }
        }
    }

    return kg_metrics_add_collector(cf, kg_kafka_route_collect, cmcf);
}


/* the per-route numbers live in the route zone: sampled at render time */

static void
kg_kafka_route_collect(kg_metrics_t *metrics, void *data)
{
    kg_kafka_core_main_conf_t *cmcf = data;

    kg_uint_t                     r;
    kg_msec_t                     paused;
    kg_kafka_route_t             *rt;
    kg_kafka_route_state_t       *rs;
    kg_kafka_core_route_conf_t  **rcfp;

    rcfp = cmcf->routes.elts;

    for (r = 0; r < cmcf->routes.nelts; r++) {
        rt = rcfp[r]->runtime;
        rs = rt->state;

        if (rs == NULL) {
            continue;
        }

        paused = rs->paused_msec;

        if (rs->paused) {
            paused += kg_current_msec + 1 - rs->paused;
        }

        kg_metrics_set(rt->switches, (kg_atomic_int_t) rs->switches);
        kg_metrics_set(rt->epoch_gauge, (kg_atomic_int_t) rs->epoch);
        kg_metrics_set(rt->paused_seconds, (kg_atomic_int_t) paused / 1000);
        kg_metrics_set(rt->paused_gauge, rs->paused ? 1 : 0);
        kg_metrics_set(rt->failovers, (kg_atomic_int_t) rs->failovers);
    }
}


static const char *
kg_kafka_route_api_name(kg_uint_t index)
{
    const kg_kafka_api_t  *api;

    api = kg_kafka_api(index);

    return (api && api->name) ? api->name : NULL;
}


static const char *
kg_kafka_route_cause_name(kg_uint_t index)
{
    static const char  *causes[] = {
        "client", "upstream", "idle", "drain", "shutdown", "error"
    };

    return index < KG_KAFKA_CLOSE_MAX ? causes[index] : NULL;
}
