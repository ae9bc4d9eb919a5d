/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_metrics.h>


#define KG_METRICS_MAGIC  0x6b6761746d657472  /* "kgatmetr" */


/* series declared together: one, or a vector of n */

typedef struct {
    kg_str_t               *values;
    kg_metric_t            *series;
    kg_uint_t               n;
    kg_uint_t               vector;
    kg_uint_t               slot;
} kg_metric_group_t;


typedef struct {
    kg_metrics_collect_pt   collect;
    void                   *data;
} kg_metrics_collector_t;


typedef struct {
    uint64_t                magic;
    uint64_t                fingerprint;
    uint64_t                nslots;
    uint64_t                reserved;
} kg_metrics_shm_t;


struct kg_metrics_s {
    kg_cycle_t             *cycle;
    kg_pool_t              *pool;
    kg_shm_zone_t          *zone;

    kg_array_t              families;       /* kg_metric_family_t * */
    kg_array_t              collectors;     /* kg_metrics_collector_t */

    kg_uint_t               nslots;
    uint64_t                fingerprint;

    /* in the zone once it is there; NULL during the configuration */
    kg_atomic_t            *slots;

    u_char                  name[sizeof("kgate_metrics:") - 1 + 16];
};


static kg_metrics_t *kg_metrics_registry(kg_conf_t *cf);
static kg_metrics_t *kg_metrics_find(kg_cycle_t *cycle);
static void kg_metrics_hash(kg_metrics_t *metrics, u_char *data, size_t len);
static void kg_metrics_update_zone(kg_metrics_t *metrics);
static kg_int_t kg_metrics_init_zone(kg_shm_zone_t *zone, void *data);
static void kg_metrics_attach(kg_metrics_t *metrics);
static void kg_metrics_carry_over(kg_metrics_t *metrics, kg_metrics_t *old);
static kg_metric_family_t *kg_metrics_find_family(kg_metrics_t *metrics,
    kg_str_t *name);
static kg_metric_group_t *kg_metrics_find_group(kg_metric_family_t *f,
    kg_str_t *values, kg_uint_t nvalues, kg_uint_t vector);
static kg_metric_t *kg_metrics_add_group(kg_conf_t *cf,
    kg_metric_family_t *f, kg_str_t *values, kg_uint_t n,
    kg_metrics_label_pt label);
static kg_int_t kg_metrics_valid_name(u_char *p, size_t len,
    kg_uint_t label);
static u_char *kg_metrics_reserve(kg_buf_t *b, kg_pool_t *pool, size_t n);
static kg_int_t kg_metrics_render_family(kg_metric_family_t *f,
    kg_buf_t *b, kg_pool_t *pool);
static u_char *kg_metrics_labels(u_char *p, kg_metric_t *m, kg_str_t *le);
static u_char *kg_metrics_escape(u_char *p, kg_str_t *s);
static u_char *kg_metrics_decimal(u_char *p, kg_uint_t v, kg_uint_t scale);


/* the zone's tag: its address, the same in every cycle */
static kg_uint_t  kg_metrics_tag;


kg_metric_family_t *
kg_metrics_family(kg_conf_t *cf, const char *name, const char *help,
    kg_uint_t type, const char *labels)
{
    u_char               *p, *last, *start;
    kg_str_t              n;
    kg_uint_t             i;
    kg_metrics_t         *metrics;
    kg_metric_family_t   *f, **fp, tmp;

    if (type != KG_METRICS_COUNTER
        && type != KG_METRICS_GAUGE
        && type != KG_METRICS_HISTOGRAM)
    {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "unknown type %ui of metric \"%s\"", type, name);
        return NULL;
    }

    n.data = (u_char *) name;
    n.len = kg_strlen(name);

    if (kg_metrics_valid_name(n.data, n.len, 0) != KG_OK
        || n.len <= sizeof("kgate_") - 1
        || kg_strncmp(n.data, "kgate_", sizeof("kgate_") - 1) != 0)
    {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "invalid metric name \"%V\": it must match "
                          "[a-zA-Z_:][a-zA-Z0-9_:]* and start with "
                          "\"kgate_\"", &n);
        return NULL;
    }

    if (type == KG_METRICS_COUNTER
        && (n.len < sizeof("_total") - 1
            || kg_strncmp(n.data + n.len - (sizeof("_total") - 1), "_total",
                          sizeof("_total") - 1)
               != 0))
    {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "the name of counter \"%V\" must end in \"_total\"",
                          &n);
        return NULL;
    }

    /* parse the label names first: they are compared with a redeclaration */

    kg_memzero(&tmp, sizeof(kg_metric_family_t));

    p = (u_char *) (labels ? labels : "");
    last = p + kg_strlen(p);

    while (p < last) {
        start = p;

        while (p < last && *p != ',') {
            p++;
        }

        if (tmp.nlabels == KG_METRICS_MAX_LABELS
            || kg_metrics_valid_name(start, p - start, 1) != KG_OK
            || (p - start == 2 && start[0] == 'l' && start[1] == 'e'))
        {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "invalid labels \"%s\" of metric \"%V\"",
                              labels, &n);
            return NULL;
        }

        tmp.label_names[tmp.nlabels].data = start;
        tmp.label_names[tmp.nlabels].len = p - start;
        tmp.nlabels++;

        if (p < last) {
            p++;

            if (p == last) {
                kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                                  "invalid labels \"%s\" of metric \"%V\"",
                                  labels, &n);
                return NULL;
            }
        }
    }

    metrics = kg_metrics_registry(cf);
    if (metrics == NULL) {
        return NULL;
    }

    f = kg_metrics_find_family(metrics, &n);

    if (f) {
        if (f->type != type || f->nlabels != tmp.nlabels) {
            goto conflict;
        }

        for (i = 0; i < f->nlabels; i++) {
            if (f->label_names[i].len != tmp.label_names[i].len
                || kg_strncmp(f->label_names[i].data,
                              tmp.label_names[i].data,
                              f->label_names[i].len)
                   != 0)
            {
                goto conflict;
            }
        }

        return f;
    }

    if (metrics->slots) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "metric \"%V\" is declared too late", &n);
        return NULL;
    }

    f = kg_pcalloc(cf->pool, sizeof(kg_metric_family_t));
    if (f == NULL) {
        return NULL;
    }

    *f = tmp;

    f->name.len = n.len;
    f->name.data = kg_pnalloc(cf->pool, n.len);
    if (f->name.data == NULL) {
        return NULL;
    }

    kg_memcpy(f->name.data, n.data, n.len);

    f->help.len = help ? kg_strlen(help) : 0;
    f->help.data = kg_pnalloc(cf->pool, f->help.len + 1);
    if (f->help.data == NULL) {
        return NULL;
    }

    kg_memcpy(f->help.data, help ? help : "", f->help.len);

    /* the names pointed into the caller's string: keep copies */

    for (i = 0; i < f->nlabels; i++) {
        start = kg_pnalloc(cf->pool, f->label_names[i].len);
        if (start == NULL) {
            return NULL;
        }

        kg_memcpy(start, f->label_names[i].data, f->label_names[i].len);
        f->label_names[i].data = start;
    }

    f->type = type;
    f->nslots = 1;
    f->scale = 1;

    if (kg_array_init(&f->groups, cf->pool, 4, sizeof(kg_metric_group_t))
        != KG_OK)
    {
        return NULL;
    }

    fp = kg_array_push(&metrics->families);
    if (fp == NULL) {
        return NULL;
    }

    *fp = f;

    kg_metrics_hash(metrics, f->name.data, f->name.len);
    kg_metrics_hash(metrics, (u_char *) &f->type, sizeof(kg_uint_t));

    if (labels) {
        kg_metrics_hash(metrics, (u_char *) labels, kg_strlen(labels));
    }

    kg_metrics_update_zone(metrics);

    return f;

conflict:

    kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                      "metric \"%V\" is already declared with another "
                      "type or labels", &n);
    return NULL;
}


kg_metric_family_t *
kg_metrics_histogram_family(kg_conf_t *cf, const char *name,
    const char *help, const char *labels, const kg_uint_t *buckets,
    kg_uint_t nbuckets, kg_uint_t scale)
{
    kg_uint_t            i, s;
    kg_metrics_t        *metrics;
    kg_metric_family_t  *f;

    if (nbuckets == 0 || nbuckets > KG_METRICS_MAX_BUCKETS) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "histogram \"%s\" needs 1 to %d buckets",
                          name, KG_METRICS_MAX_BUCKETS);
        return NULL;
    }

    for (i = 1; i < nbuckets; i++) {
        if (buckets[i] <= buckets[i - 1]) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "the buckets of histogram \"%s\" "
                              "must increase", name);
            return NULL;
        }
    }

    for (s = scale; s >= 10 && s % 10 == 0; s /= 10) { /* void */ }

    if (scale == 0 || s != 1) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "the scale of histogram \"%s\" must be a power "
                          "of 10", name);
        return NULL;
    }

    f = kg_metrics_family(cf, name, help, KG_METRICS_HISTOGRAM, labels);
    if (f == NULL) {
        return NULL;
    }

    if (f->nbuckets) {
        if (f->nbuckets != nbuckets || f->scale != scale
            || kg_memcmp(f->buckets, buckets, nbuckets * sizeof(kg_uint_t))
               != 0)
        {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "histogram \"%s\" is already declared with "
                              "other buckets", name);
            return NULL;
        }

        return f;
    }

    kg_memcpy(f->buckets, buckets, nbuckets * sizeof(kg_uint_t));
    f->nbuckets = nbuckets;
    f->scale = scale;

    /* a count per bucket, one for +Inf, the sum */
    f->nslots = nbuckets + 2;

    metrics = kg_metrics_registry(cf);
    if (metrics == NULL) {
        return NULL;
    }

    kg_metrics_hash(metrics, (u_char *) buckets,
                    nbuckets * sizeof(kg_uint_t));
    kg_metrics_hash(metrics, (u_char *) &scale, sizeof(kg_uint_t));
    kg_metrics_update_zone(metrics);

    return f;
}


kg_metric_t *
kg_metrics_series(kg_conf_t *cf, kg_metric_family_t *f, kg_str_t *values)
{
    return kg_metrics_add_group(cf, f, values, 0, NULL);
}


kg_metric_t *
kg_metrics_series_vector(kg_conf_t *cf, kg_metric_family_t *f,
    kg_str_t *values, kg_uint_t n, kg_metrics_label_pt label)
{
    if (f->nlabels == 0 || n == 0) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "a vector of metric \"%V\" needs a label and "
                          "at least one series", &f->name);
        return NULL;
    }

    return kg_metrics_add_group(cf, f, values, n, label);
}


kg_int_t
kg_metrics_add_collector(kg_conf_t *cf, kg_metrics_collect_pt collect,
    void *data)
{
    kg_metrics_t            *metrics;
    kg_metrics_collector_t  *mc;

    metrics = kg_metrics_registry(cf);
    if (metrics == NULL) {
        return KG_ERROR;
    }

    mc = kg_array_push(&metrics->collectors);
    if (mc == NULL) {
        return KG_ERROR;
    }

    mc->collect = collect;
    mc->data = data;

    return KG_OK;
}


kg_metrics_t *
kg_metrics_get(kg_cycle_t *cycle)
{
    return kg_metrics_find(cycle);
}


kg_atomic_int_t
kg_metrics_value(kg_metric_t *m)
{
    kg_uint_t  i, n;

    if (m->family->type != KG_METRICS_HISTOGRAM) {
        return (kg_atomic_int_t) *m->value;
    }

    /* a histogram's value is its count */

    n = 0;

    for (i = 0; i <= m->family->nbuckets; i++) {
        n += m->value[i];
    }

    return (kg_atomic_int_t) n;
}


static kg_metrics_t *
kg_metrics_registry(kg_conf_t *cf)
{
    kg_str_t       name;
    kg_metrics_t  *metrics;

    metrics = kg_metrics_find(cf->cycle);
    if (metrics) {
        return metrics;
    }

    metrics = kg_pcalloc(cf->cycle->pool, sizeof(kg_metrics_t));
    if (metrics == NULL) {
        return NULL;
    }

    metrics->cycle = cf->cycle;
    metrics->pool = cf->cycle->pool;

    /* FNV-1a offset basis */
    metrics->fingerprint = 0xcbf29ce484222325ULL;

    if (kg_array_init(&metrics->families, metrics->pool, 16,
                      sizeof(kg_metric_family_t *))
        != KG_OK)
    {
        return NULL;
    }

    if (kg_array_init(&metrics->collectors, metrics->pool, 4,
                      sizeof(kg_metrics_collector_t))
        != KG_OK)
    {
        return NULL;
    }

    name.data = metrics->name;
    name.len = sizeof(metrics->name);

    kg_memzero(metrics->name, sizeof(metrics->name));

    metrics->zone = kg_shared_memory_add(cf, &name, sizeof(kg_metrics_shm_t),
                                         &kg_metrics_tag);
    if (metrics->zone == NULL) {
        return NULL;
    }

    metrics->zone->init = kg_metrics_init_zone;
    metrics->zone->data = metrics;

    kg_metrics_update_zone(metrics);

    return metrics;
}


static kg_metrics_t *
kg_metrics_find(kg_cycle_t *cycle)
{
    kg_uint_t        i;
    kg_shm_zone_t   *zone;
    kg_list_part_t  *part;

    if (cycle == NULL || cycle->shared_memory.part.elts == NULL) {
        return NULL;
    }

    part = &cycle->shared_memory.part;
    zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            zone = part->elts;
            i = 0;
        }

        if (zone[i].tag == &kg_metrics_tag) {
            return zone[i].data;
        }
    }

    return NULL;
}


static void
kg_metrics_hash(kg_metrics_t *metrics, u_char *data, size_t len)
{
    uint64_t  h;

    /* FNV-1a; a separator keeps "ab","c" apart from "a","bc" */

    h = metrics->fingerprint;

    while (len--) {
        h ^= *data++;
        h *= 0x100000001b3ULL;
    }

    h ^= 0xff;
    h *= 0x100000001b3ULL;

    metrics->fingerprint = h;
}


/*
 * The zone is named after the layout, so that a reload keeps it exactly
 * when the slots mean the same, and sized after the slots; both change
 * while the configuration is read, and the cycle reads them after.
 */

static void
kg_metrics_update_zone(kg_metrics_t *metrics)
{
    kg_shm_zone_t  *zone;

    zone = metrics->zone;

    (void) kg_sprintf(metrics->name, "kgate_metrics:%016xL",
                      metrics->fingerprint);

    zone->shm.name.data = metrics->name;
    zone->shm.name.len = sizeof(metrics->name);
    zone->shm.size = sizeof(kg_metrics_shm_t)
                     + metrics->nslots * sizeof(kg_atomic_t);
}


static kg_int_t
kg_metrics_init_zone(kg_shm_zone_t *zone, void *data)
{
    kg_uint_t          i;
    kg_cycle_t        *old_cycle;
    kg_metrics_t      *metrics, *old;
    kg_shm_zone_t     *ozone;
    kg_list_part_t    *part;
    kg_metrics_shm_t  *sh;

    metrics = zone->data;
    sh = (kg_metrics_shm_t *) zone->shm.addr;

    if (data
        && sh->magic == KG_METRICS_MAGIC
        && sh->fingerprint == metrics->fingerprint
        && sh->nslots == metrics->nslots)
    {
        /* the same layout: the old and the new workers share the slots */

        kg_metrics_attach(metrics);
        return KG_OK;
    }

    kg_memzero(zone->shm.addr, zone->shm.size);

    sh->magic = KG_METRICS_MAGIC;
    sh->fingerprint = metrics->fingerprint;
    sh->nslots = metrics->nslots;

    kg_metrics_attach(metrics);

    /* a new layout: take over what still exists from the running cycle */

    old_cycle = metrics->cycle->old_cycle;

    if (old_cycle == NULL || kg_is_init_cycle(old_cycle)) {
        return KG_OK;
    }

    part = &old_cycle->shared_memory.part;
    ozone = part->elts;
    old = NULL;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }
            part = part->next;
            ozone = part->elts;
            i = 0;
        }

        if (ozone[i].tag == &kg_metrics_tag) {
            old = ozone[i].data;
            break;
        }
    }

    if (old && old->slots) {
        kg_metrics_carry_over(metrics, old);
    }

    return KG_OK;
}


static void
kg_metrics_attach(kg_metrics_t *metrics)
{
    kg_uint_t            i, j, k;
    kg_atomic_t         *slots;
    kg_metric_group_t   *g;
    kg_metric_family_t **fp;

    slots = (kg_atomic_t *) (metrics->zone->shm.addr
                             + sizeof(kg_metrics_shm_t));

    fp = metrics->families.elts;

    for (i = 0; i < metrics->families.nelts; i++) {
        g = fp[i]->groups.elts;

        for (j = 0; j < fp[i]->groups.nelts; j++) {
            for (k = 0; k < g[j].n; k++) {
                g[j].series[k].value = slots + g[j].slot + k * fp[i]->nslots;
            }
        }
    }

    metrics->slots = slots;
}


static void
kg_metrics_carry_over(kg_metrics_t *metrics, kg_metrics_t *old)
{
    kg_uint_t            i, j, k, s, n;
    kg_metric_group_t   *g, *og;
    kg_metric_family_t **fp, *of;

    fp = metrics->families.elts;

    for (i = 0; i < metrics->families.nelts; i++) {

        if (fp[i]->type == KG_METRICS_GAUGE) {
            continue;
        }

        of = kg_metrics_find_family(old, &fp[i]->name);

        if (of == NULL
            || of->type != fp[i]->type
            || of->nslots != fp[i]->nslots
            || of->scale != fp[i]->scale
            || kg_memcmp(of->buckets, fp[i]->buckets,
                         sizeof(of->buckets))
               != 0)
        {
            continue;
        }

        g = fp[i]->groups.elts;

        for (j = 0; j < fp[i]->groups.nelts; j++) {

            og = kg_metrics_find_group(of, g[j].values,
                                       fp[i]->nlabels - g[j].vector,
                                       g[j].vector);
            if (og == NULL) {
                continue;
            }

            n = kg_min(g[j].n, og->n);

            for (k = 0; k < n; k++) {
                for (s = 0; s < fp[i]->nslots; s++) {
                    g[j].series[k].value[s] = og->series[k].value[s];
                }
            }
        }
    }
}


static kg_metric_family_t *
kg_metrics_find_family(kg_metrics_t *metrics, kg_str_t *name)
{
    kg_uint_t             i;
    kg_metric_family_t  **fp;

    fp = metrics->families.elts;

    for (i = 0; i < metrics->families.nelts; i++) {
        if (fp[i]->name.len == name->len
            && kg_strncmp(fp[i]->name.data, name->data, name->len) == 0)
        {
            return fp[i];
        }
    }

    return NULL;
}


static kg_metric_group_t *
kg_metrics_find_group(kg_metric_family_t *f, kg_str_t *values,
    kg_uint_t nvalues, kg_uint_t vector)
{
    kg_uint_t           i, j;
    kg_metric_group_t  *g;

    g = f->groups.elts;

    for (i = 0; i < f->groups.nelts; i++) {

        if (g[i].vector != vector) {
            continue;
        }

        for (j = 0; j < nvalues; j++) {
            if (g[i].values[j].len != values[j].len
                || kg_memcmp(g[i].values[j].data, values[j].data,
                             values[j].len)
                   != 0)
            {
                break;
            }
        }

        if (j == nvalues) {
            return &g[i];
        }
    }

    return NULL;
}


static kg_metric_t *
kg_metrics_add_group(kg_conf_t *cf, kg_metric_family_t *f,
    kg_str_t *values, kg_uint_t n, kg_metrics_label_pt label)
{
    u_char             *p;
    size_t              len;
    kg_uint_t           i, nvalues, vector;
    const char         *name;
    kg_atomic_t        *fallback;
    kg_metric_t        *series;
    kg_metrics_t       *metrics;
    kg_metric_group_t  *g;

    metrics = kg_metrics_registry(cf);
    if (metrics == NULL) {
        return NULL;
    }

    vector = (n != 0);
    nvalues = f->nlabels - vector;

    if (f->type == KG_METRICS_HISTOGRAM && f->nbuckets == 0) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "histogram \"%V\" has no buckets: declare it "
                          "with kg_metrics_histogram_family()", &f->name);
        return NULL;
    }

    if (nvalues && values == NULL) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "no label values for metric \"%V\"", &f->name);
        return NULL;
    }

    g = kg_metrics_find_group(f, values, nvalues, vector);

    if (g) {
        if (g->n != (vector ? n : 1)) {
            kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                              "a vector of metric \"%V\" is already "
                              "declared with another size", &f->name);
            return NULL;
        }

        return g->series;
    }

    if (metrics->slots) {
        kg_conf_log_error(KG_LOG_EMERG, cf, 0,
                          "a series of metric \"%V\" is declared too late",
                          &f->name);
        return NULL;
    }

    if (!vector) {
        n = 1;
    }

    g = kg_array_push(&f->groups);
    if (g == NULL) {
        return NULL;
    }

    kg_memzero(g, sizeof(kg_metric_group_t));

    g->vector = vector;
    g->n = n;
    g->slot = metrics->nslots;

    g->values = kg_palloc(cf->pool, (nvalues + 1) * sizeof(kg_str_t));
    if (g->values == NULL) {
        return NULL;
    }

    for (i = 0; i < nvalues; i++) {
        g->values[i].len = values[i].len;
        g->values[i].data = kg_pnalloc(cf->pool, values[i].len + 1);
        if (g->values[i].data == NULL) {
            return NULL;
        }

        kg_memcpy(g->values[i].data, values[i].data, values[i].len);

        kg_metrics_hash(metrics, values[i].data, values[i].len);
    }

    series = kg_pcalloc(cf->pool, n * sizeof(kg_metric_t));
    if (series == NULL) {
        return NULL;
    }

    /* until the zone exists, values land in memory of the configuration */

    fallback = kg_pcalloc(cf->pool, n * f->nslots * sizeof(kg_atomic_t));
    if (fallback == NULL) {
        return NULL;
    }

    for (i = 0; i < n; i++) {
        series[i].value = fallback + i * f->nslots;
        series[i].family = f;
        series[i].labels = g->values;

        if (!vector) {
            continue;
        }

        series[i].sparse = 1;

        name = label ? label(i) : NULL;

        if (name) {
            len = kg_strlen(name);
            p = kg_pnalloc(cf->pool, len);
            if (p == NULL) {
                return NULL;
            }

            kg_memcpy(p, name, len);

        } else {
            p = kg_pnalloc(cf->pool, KG_INT_T_LEN);
            if (p == NULL) {
                return NULL;
            }

            len = kg_sprintf(p, "%ui", i) - p;
        }

        series[i].index.data = p;
        series[i].index.len = len;

        kg_metrics_hash(metrics, p, len);
    }

    g->series = series;

    metrics->nslots += n * f->nslots;

    kg_metrics_hash(metrics, (u_char *) &n, sizeof(kg_uint_t));
    kg_metrics_update_zone(metrics);

    return series;
}


static kg_int_t
kg_metrics_valid_name(u_char *p, size_t len, kg_uint_t label)
{
    size_t  i;
    u_char  c;

    if (len == 0) {
        return KG_ERROR;
    }

    for (i = 0; i < len; i++) {
        c = p[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
            || (c == ':' && !label))
        {
            continue;
        }

        if (c >= '0' && c <= '9' && i > 0) {
            continue;
        }

        return KG_ERROR;
    }

    return KG_OK;
}


kg_buf_t *
kg_metrics_render(kg_metrics_t *metrics, kg_pool_t *pool)
{
    kg_uint_t                i;
    kg_buf_t                *b;
    kg_metric_family_t     **fp;
    kg_metrics_collector_t  *mc;

    b = kg_create_temp_buf(pool, 4096);
    if (b == NULL) {
        return NULL;
    }

    if (metrics == NULL) {
        return b;
    }

    mc = metrics->collectors.elts;

    for (i = 0; i < metrics->collectors.nelts; i++) {
        mc[i].collect(metrics, mc[i].data);
    }

    fp = metrics->families.elts;

    for (i = 0; i < metrics->families.nelts; i++) {
        if (kg_metrics_render_family(fp[i], b, pool) != KG_OK) {
            return NULL;
        }
    }

    return b;
}


static u_char *
kg_metrics_reserve(kg_buf_t *b, kg_pool_t *pool, size_t n)
{
    u_char  *p;
    size_t   size, used;

    if ((size_t) (b->end - b->last) >= n) {
        return b->last;
    }

    used = b->last - b->pos;
    size = kg_max(2 * (size_t) (b->end - b->start), used + n);

    p = kg_pnalloc(pool, size);
    if (p == NULL) {
        return NULL;
    }

    kg_memcpy(p, b->pos, used);

    (void) kg_pfree(pool, b->start);

    b->start = p;
    b->pos = p;
    b->last = p + used;
    b->end = p + size;

    return b->last;
}


static kg_int_t
kg_metrics_render_family(kg_metric_family_t *f, kg_buf_t *b, kg_pool_t *pool)
{
    u_char             *p;
    size_t              len;
    kg_str_t            le;
    kg_uint_t           i, j, k, cum;
    const char         *type;
    kg_metric_t        *m;
    kg_metric_group_t  *g;
    u_char              bound[KG_INT_T_LEN + 2];

    switch (f->type) {
    case KG_METRICS_COUNTER:
        type = "counter";
        break;
    case KG_METRICS_GAUGE:
        type = "gauge";
        break;
    default:
        type = "histogram";
    }

    len = sizeof("# HELP  \n# TYPE  histogram\n") + 2 * f->name.len
          + 2 * f->help.len;

    p = kg_metrics_reserve(b, pool, len);
    if (p == NULL) {
        return KG_ERROR;
    }

    p = kg_sprintf(p, "# HELP %V ", &f->name);

    /* HELP escapes only backslash and line feed */

    for (i = 0; i < f->help.len; i++) {
        if (f->help.data[i] == '\\') {
            *p++ = '\\';
            *p++ = '\\';

        } else if (f->help.data[i] == '\n') {
            *p++ = '\\';
            *p++ = 'n';

        } else {
            *p++ = f->help.data[i];
        }
    }

    b->last = kg_sprintf(p, "\n# TYPE %V %s\n", &f->name, type);

    /* the longest line but the label values */

    len = f->name.len + sizeof("_bucket{le=\"\"} \n") + KG_INT_T_LEN * 2 + 2;

    for (i = 0; i < f->nlabels; i++) {
        len += f->label_names[i].len + sizeof("=\"\",");
    }

    g = f->groups.elts;

    for (i = 0; i < f->groups.nelts; i++) {
        for (j = 0; j < g[i].n; j++) {
            m = &g[i].series[j];

            if (m->sparse && kg_metrics_value(m) == 0) {
                continue;
            }

            /* label values may double when escaped */

            k = 2 * m->index.len;

            for (cum = 0; cum < f->nlabels - g[i].vector; cum++) {
                k += 2 * m->labels[cum].len;
            }

            if (f->type != KG_METRICS_HISTOGRAM) {
                p = kg_metrics_reserve(b, pool, len + k);
                if (p == NULL) {
                    return KG_ERROR;
                }

                p = kg_cpymem(p, f->name.data, f->name.len);
                p = kg_metrics_labels(p, m, NULL);

                if (f->type == KG_METRICS_COUNTER) {
                    p = kg_sprintf(p, " %uA\n", *m->value);

                } else {
                    p = kg_sprintf(p, " %A\n", (kg_atomic_int_t) *m->value);
                }

                b->last = p;
                continue;
            }

            p = kg_metrics_reserve(b, pool, (len + k) * (f->nbuckets + 3));
            if (p == NULL) {
                return KG_ERROR;
            }

            cum = 0;

            for (k = 0; k <= f->nbuckets; k++) {
                cum += m->value[k];

                if (k < f->nbuckets) {
                    le.data = bound;
                    le.len = kg_metrics_decimal(bound, f->buckets[k],
                                                f->scale)
                             - bound;

                } else {
                    kg_str_set(&le, "+Inf");
                }

                p = kg_cpymem(p, f->name.data, f->name.len);
                p = kg_cpymem(p, "_bucket", sizeof("_bucket") - 1);
                p = kg_metrics_labels(p, m, &le);
                p = kg_sprintf(p, " %ui\n", cum);
            }

            p = kg_cpymem(p, f->name.data, f->name.len);
            p = kg_cpymem(p, "_sum", sizeof("_sum") - 1);
            p = kg_metrics_labels(p, m, NULL);
            *p++ = ' ';
            p = kg_metrics_decimal(p, m->value[f->nbuckets + 1], f->scale);
            *p++ = '\n';

            p = kg_cpymem(p, f->name.data, f->name.len);
            p = kg_cpymem(p, "_count", sizeof("_count") - 1);
            p = kg_metrics_labels(p, m, NULL);
            p = kg_sprintf(p, " %ui\n", cum);

            b->last = p;
        }
    }

    return KG_OK;
}


static u_char *
kg_metrics_labels(u_char *p, kg_metric_t *m, kg_str_t *le)
{
    kg_uint_t            i, n;
    kg_metric_family_t  *f;

    f = m->family;

    if (f->nlabels == 0 && le == NULL) {
        return p;
    }

    *p++ = '{';

    n = f->nlabels - (m->index.len ? 1 : 0);

    for (i = 0; i < f->nlabels; i++) {
        if (i) {
            *p++ = ',';
        }

        p = kg_cpymem(p, f->label_names[i].data, f->label_names[i].len);
        *p++ = '=';
        *p++ = '"';
        p = kg_metrics_escape(p, i < n ? &m->labels[i] : &m->index);
        *p++ = '"';
    }

    if (le) {
        if (f->nlabels) {
            *p++ = ',';
        }

        p = kg_sprintf(p, "le=\"%V\"", le);
    }

    *p++ = '}';

    return p;
}


static u_char *
kg_metrics_escape(u_char *p, kg_str_t *s)
{
    size_t  i;

    for (i = 0; i < s->len; i++) {
        switch (s->data[i]) {

        case '\\':
        case '"':
            *p++ = '\\';
            *p++ = s->data[i];
            break;

        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;

        default:
            *p++ = s->data[i];
        }
    }

    return p;
}


/* v / scale in decimal, without trailing zeros: 2500 / 1000000 is 0.0025 */

static u_char *
kg_metrics_decimal(u_char *p, kg_uint_t v, kg_uint_t scale)
{
    kg_uint_t  frac, digits, s;
    u_char     tmp[KG_INT_T_LEN];

    p = kg_sprintf(p, "%ui", v / scale);

    frac = v % scale;

    if (frac == 0) {
        return p;
    }

    digits = 0;

    for (s = scale; s > 1; s /= 10) {
        digits++;
    }

    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }

    *p++ = '.';

    for (s = digits; s > 0; s--) {
        tmp[s - 1] = (u_char) ('0' + frac % 10);
        frac /= 10;
    }

    return kg_cpymem(p, tmp, digits);
}
