/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_METRICS_H_INCLUDED_
#define _KG_METRICS_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/*
 * Metrics aggregated over every worker, rendered in the Prometheus text
 * format by GET /metrics.
 *
 * Everything is declared at configuration time, in the master, before
 * the workers are forked: a family (name, help, type, label names) and
 * its series (one value per label).  Each series owns fixed slots in ONE
 * shared memory zone, so the hot path is a single atomic add on memory
 * every worker sees: no lock, no lookup, no allocation.
 *
 *     static kg_metric_family_t  *requests;
 *     kg_str_t                     values[2];
 *
 *     f = kg_metrics_family(cf, "kgate_kafka_requests_total",
 *                           "Kafka requests received from clients",
 *                           KG_METRICS_COUNTER, "route,api");
 *     kg_str_set(&values[0], "orders");
 *     rcf->requests = kg_metrics_series_vector(cf, f, values, 100,
 *                                              kg_kafka_api_name);
 *     ...
 *     kg_metrics_inc(&rcf->requests[api_key], 1);   (api_key < 100)
 *
 * Rules, checked with a configuration error:
 *   - names match [a-zA-Z_:][a-zA-Z0-9_:]* and start with "kgate_";
 *   - counters end in "_total"; use base units: "_seconds", "_bytes";
 *   - label names match [a-zA-Z_][a-zA-Z0-9_]*, at most
 *     KG_METRICS_MAX_LABELS, "le" is reserved for histograms.
 * Declaring a family twice with the same type and labels returns the
 * same family, and a series twice with the same values the same series,
 * so every block of a configuration may declare what it uses.
 *
 * The hot path functions accept NULL, so a caller can keep a NULL series
 * when a feature is off.  Values are not validated: counters only grow
 * if callers only add.
 *
 * Histograms count observations in integer units (for example
 * microseconds) with upper bounds in the same unit; "scale" says how many
 * units make one rendered unit (1000000 for seconds from microseconds),
 * so _sum and "le" are rendered as decimals without floating point on the
 * hot path.  KG_METRICS_LATENCY_BUCKETS is a ready set for latencies in
 * microseconds, 0.0005 s to 10 s.
 *
 * Vectors: kg_metrics_series_vector() declares n series at once that
 * differ only by their LAST label, whose value is the index (0 .. n-1)
 * or a name a callback gives for it (for example Kafka API key 0 ->
 * "Produce").  The caller indexes the returned array; bounds are the
 * caller's job.  A vector is rendered sparsely: a series whose value is
 * still zero (a histogram: no observation) is left out, so 100 API keys
 * do not print 100 lines for the 5 a client uses.
 *
 * Reloads: the zone's name carries a fingerprint of the layout (families,
 * labels, buckets, series values, in order).  When a reload declares the
 * same layout the zone is kept as is: the old and the new workers add to
 * the same slots and nothing is lost.  When the layout changes the new
 * cycle gets a fresh zone and the values of counters and histograms
 * whose family and label values still exist are copied from the old zone
 * when the new one is created; what old workers add after that moment is
 * not seen, and gauges start from zero (they describe the new workers).
 * Prometheus treats a counter that goes down as a reset, so a restart of
 * the numbers is harmless either way.
 *
 * Collectors: kg_metrics_add_collector() registers a function that the
 * worker answering GET /metrics calls just before rendering, to set
 * values that are sampled rather than counted (sizes, states).
 */


#define KG_METRICS_COUNTER      1
#define KG_METRICS_GAUGE        2
#define KG_METRICS_HISTOGRAM    3

#define KG_METRICS_MAX_LABELS   8
#define KG_METRICS_MAX_BUCKETS  32

#define KG_METRICS_CONTENT_TYPE  "text/plain; version=0.0.4; charset=utf-8"


typedef struct kg_metrics_s         kg_metrics_t;
typedef struct kg_metric_family_s   kg_metric_family_t;
typedef struct kg_metric_s          kg_metric_t;

typedef const char *(*kg_metrics_label_pt)(kg_uint_t index);
typedef void (*kg_metrics_collect_pt)(kg_metrics_t *metrics, void *data);


struct kg_metric_s {
    /* counters and gauges: one slot; histograms: buckets, +Inf, sum */
    kg_atomic_t            *value;

    kg_metric_family_t     *family;

    /* the values of the labels but the last one of a vector */
    kg_str_t               *labels;

    /* a vector's last label value; len 0 for a plain series */
    kg_str_t                index;

    unsigned                sparse:1;
};


struct kg_metric_family_s {
    kg_str_t                name;
    kg_str_t                help;
    kg_uint_t               type;

    kg_str_t                label_names[KG_METRICS_MAX_LABELS];
    kg_uint_t               nlabels;

    kg_uint_t               buckets[KG_METRICS_MAX_BUCKETS];
    kg_uint_t               nbuckets;
    kg_uint_t               scale;

    /* slots per series */
    kg_uint_t               nslots;

    kg_array_t              groups;         /* kg_metric_group_t */
};


/* the microsecond bounds of latency histograms, 0.0005 s to 10 s */

#define KG_METRICS_LATENCY_BUCKETS                                           \
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,      \
    1000000, 2500000, 5000000, 10000000

#define KG_METRICS_LATENCY_SCALE  1000000


kg_metric_family_t *kg_metrics_family(kg_conf_t *cf, const char *name,
    const char *help, kg_uint_t type, const char *labels);
kg_metric_family_t *kg_metrics_histogram_family(kg_conf_t *cf,
    const char *name, const char *help, const char *labels,
    const kg_uint_t *buckets, kg_uint_t nbuckets, kg_uint_t scale);

kg_metric_t *kg_metrics_series(kg_conf_t *cf, kg_metric_family_t *f,
    kg_str_t *values);
kg_metric_t *kg_metrics_series_vector(kg_conf_t *cf, kg_metric_family_t *f,
    kg_str_t *values, kg_uint_t n, kg_metrics_label_pt label);

kg_int_t kg_metrics_add_collector(kg_conf_t *cf,
    kg_metrics_collect_pt collect, void *data);

/* the registry of a cycle, NULL if nothing was declared */
kg_metrics_t *kg_metrics_get(kg_cycle_t *cycle);

/* runs the collectors and renders; NULL on allocation failure */
kg_buf_t *kg_metrics_render(kg_metrics_t *metrics, kg_pool_t *pool);

kg_atomic_int_t kg_metrics_value(kg_metric_t *m);


static inline void
kg_metrics_inc(kg_metric_t *m, kg_uint_t n)
{
    if (m) {
        (void) kg_atomic_fetch_add(m->value, n);
    }
}


static inline void
kg_metrics_dec(kg_metric_t *m, kg_uint_t n)
{
    if (m) {
        (void) kg_atomic_fetch_add(m->value, - (kg_atomic_int_t) n);
    }
}


/* gauges only: a plain store, the last writer wins */

static inline void
kg_metrics_set(kg_metric_t *m, kg_atomic_int_t v)
{
    if (m) {
        *m->value = (kg_atomic_uint_t) v;
        kg_memory_barrier();
    }
}


static inline void
kg_metrics_observe(kg_metric_t *m, kg_uint_t v)
{
    kg_uint_t            i;
    kg_metric_family_t  *f;

    if (m == NULL) {
        return;
    }

    f = m->family;

    /* per-bucket counts; rendering accumulates them */

    for (i = 0; i < f->nbuckets; i++) {
        if (v <= f->buckets[i]) {
            break;
        }
    }

    (void) kg_atomic_fetch_add(&m->value[i], 1);
    (void) kg_atomic_fetch_add(&m->value[f->nbuckets + 1], v);
}


#endif /* _KG_METRICS_H_INCLUDED_ */
