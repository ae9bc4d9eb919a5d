/*
 * Copyright (C) kgate authors
 */


/*
 * Kafka test client on librdkafka's C API, with the payloads and JSON
 * output of produce_consume.py:
 *
 *   kg_rdkafka_client produce  -b B -t T [-n N] [-s SIZE] [-a ACKS]
 *                              [-z CODEC]
 *   kg_rdkafka_client consume  -b B -t T [-g GROUP] [-n N]
 *   kg_rdkafka_client commit-resume -b B -t T -g GROUP [-n N]
 *   kg_rdkafka_client metadata -b B
 *
 * Common options: -V VERSION (broker.version.fallback, default 0.9.0.1;
 * "auto" sends ApiVersions instead), -T SECONDS (timeout, default 120),
 * -X prop=value (any librdkafka property), -d DEBUG (librdkafka debug).
 * Exit status 0 only if every message was accounted for.
 */


#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>


#define KG_PREFIX        "kg"
#define KG_PREFIX_LEN    2
#define KG_SEQ_LEN       10
#define KG_MAX_PARTS     1024
#define KG_MAX_PROPS     32
#define KG_MAX_ERRS      16


typedef struct {
    const char   *cmd;
    const char   *bootstrap;
    const char   *topic;
    const char   *group;
    const char   *acks;
    const char   *codec;
    const char   *version;
    const char   *debug;
    const char   *props[KG_MAX_PROPS];
    int           nprops;
    long          count;
    long          size;
    double        timeout;
} kg_args_t;


typedef struct {
    long            count;
    unsigned char  *seen;
    long            unique;
    long            dups;
    long            foreign;
    long            total;
} kg_tally_t;


typedef struct {
    rd_kafka_resp_err_t  code;
    long                 n;
} kg_errcount_t;


typedef struct {
    long            ok;
    long            failed;
    kg_errcount_t   errs[KG_MAX_ERRS];
    int             nerrs;
} kg_dr_t;


static double kg_now(void);
static rd_kafka_conf_t *kg_conf(kg_args_t *a);
static int kg_set(rd_kafka_conf_t *conf, const char *k, const char *v);
static rd_kafka_t *kg_new(rd_kafka_type_t type, rd_kafka_conf_t *conf,
    kg_args_t *a);
static void kg_count_err(kg_errcount_t *errs, int *n, rd_kafka_resp_err_t e);
static void kg_print_errs(kg_errcount_t *errs, int n);
static int kg_tally_init(kg_tally_t *t, long count);
static void kg_tally_add(kg_tally_t *t, const void *v, size_t len);
static void kg_print_missing(kg_tally_t *t);
static void kg_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m,
    void *opaque);
static rd_kafka_t *kg_consumer(kg_args_t *a, const char *group);
static void kg_consume_until(rd_kafka_t *rk, kg_tally_t *t, long want,
    double deadline, kg_errcount_t *errs, int *nerrs, int64_t *next,
    int64_t *first);
static int kg_attach(rd_kafka_t *rk, kg_args_t *a);
static int kg_produce(kg_args_t *a);
static int kg_consume(kg_args_t *a);
static int kg_commit_resume(kg_args_t *a);
static int kg_metadata(kg_args_t *a);


int
main(int argc, char **argv)
{
    int        c;
    kg_args_t  a;

    memset(&a, 0, sizeof(a));
    a.acks = "1";
    a.codec = "none";
    a.version = "0.9.0.1";
    a.count = 1000;
    a.size = 100;
    a.timeout = 120;

    if (argc < 2) {
        goto usage;
    }

    a.cmd = argv[1];

    while ((c = getopt(argc - 1, argv + 1, "b:t:g:n:s:a:z:V:T:X:d:")) != -1) {
        switch (c) {
        case 'b':
            a.bootstrap = optarg;
            break;
        case 't':
            a.topic = optarg;
            break;
        case 'g':
            a.group = optarg;
            break;
        case 'n':
            a.count = atol(optarg);
            break;
        case 's':
            a.size = atol(optarg);
            break;
        case 'a':
            a.acks = optarg;
            break;
        case 'z':
            a.codec = optarg;
            break;
        case 'V':
            a.version = optarg;
            break;
        case 'T':
            a.timeout = atof(optarg);
            break;
        case 'X':
            if (a.nprops == KG_MAX_PROPS) {
                goto usage;
            }
            a.props[a.nprops++] = optarg;
            break;
        case 'd':
            a.debug = optarg;
            break;
        default:
            goto usage;
        }
    }

    if (a.bootstrap == NULL || a.count < 0 || a.count > 9999999999L) {
        goto usage;
    }

    if (strcmp(a.cmd, "metadata") == 0) {
        return kg_metadata(&a);
    }

    if (a.topic == NULL) {
        goto usage;
    }

    if (strcmp(a.cmd, "produce") == 0) {
        return kg_produce(&a);
    }

    if (strcmp(a.cmd, "consume") == 0) {
        return kg_consume(&a);
    }

    if (strcmp(a.cmd, "commit-resume") == 0 && a.group != NULL) {
        return kg_commit_resume(&a);
    }

usage:

    fprintf(stderr,
            "usage: kg_rdkafka_client produce|consume|commit-resume|metadata"
            " -b BOOTSTRAP [-t TOPIC] [-g GROUP] [-n COUNT] [-s SIZE]"
            " [-a ACKS] [-z CODEC] [-V VERSION|auto] [-T SECONDS]"
            " [-X prop=value] [-d DEBUG]\n");
    return 2;
}


static double
kg_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static int
kg_set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char  errstr[512];

    if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr))
        != RD_KAFKA_CONF_OK)
    {
        fprintf(stderr, "kg_rdkafka_client: %s=%s: %s\n", k, v, errstr);
        return -1;
    }

    return 0;
}


static rd_kafka_conf_t *
kg_conf(kg_args_t *a)
{
    int               rc;
    rd_kafka_conf_t  *conf;

    conf = rd_kafka_conf_new();

    rc = kg_set(conf, "bootstrap.servers", a->bootstrap);
    rc |= kg_set(conf, "client.id", "kg-test-rdkafka-c");

    if (strcmp(a->version, "auto") == 0) {
        rc |= kg_set(conf, "api.version.request", "true");

    } else {
        /* Kafka 0.9 has no ApiVersions request */
        rc |= kg_set(conf, "api.version.request", "false");
        rc |= kg_set(conf, "broker.version.fallback", a->version);
    }

    if (a->debug != NULL) {
        rc |= kg_set(conf, "debug", a->debug);

    } else {
        /* transport errors are counted in the JSON, not logged */
        rc |= kg_set(conf, "log_level", "0");
    }

    if (rc != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }

    return conf;
}


/* -X properties go last so that they override the defaults set here */

static rd_kafka_t *
kg_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, kg_args_t *a)
{
    int          i, rc;
    char         key[256], errstr[512];
    const char  *eq;
    rd_kafka_t  *rk;

    rc = 0;

    for (i = 0; i < a->nprops; i++) {
        eq = strchr(a->props[i], '=');
        if (eq == NULL || (size_t) (eq - a->props[i]) >= sizeof(key)) {
            fprintf(stderr, "kg_rdkafka_client: bad -X %s\n", a->props[i]);
            rc = -1;
            continue;
        }
        memcpy(key, a->props[i], eq - a->props[i]);
        key[eq - a->props[i]] = '\0';
        rc |= kg_set(conf, key, eq + 1);
    }

    if (rc != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }

    rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "kg_rdkafka_client: %s\n", errstr);
        return NULL;
    }

    return rk;
}


static void
kg_count_err(kg_errcount_t *errs, int *n, rd_kafka_resp_err_t e)
{
    int  i;

    for (i = 0; i < *n; i++) {
        if (errs[i].code == e) {
            errs[i].n++;
            return;
        }
    }

    if (*n < KG_MAX_ERRS) {
        errs[*n].code = e;
        errs[*n].n = 1;
        (*n)++;
    }
}


static void
kg_print_errs(kg_errcount_t *errs, int n)
{
    int  i;

    printf("\"errors\": {");

    for (i = 0; i < n; i++) {
        printf("%s\"%s\": %ld", i ? ", " : "", rd_kafka_err2name(errs[i].code),
               errs[i].n);
    }

    printf("}");
}


static int
kg_tally_init(kg_tally_t *t, long count)
{
    memset(t, 0, sizeof(kg_tally_t));

    t->count = count;
    t->seen = calloc(count ? count : 1, 1);
    if (t->seen == NULL) {
        fprintf(stderr, "kg_rdkafka_client: out of memory\n");
        return -1;
    }

    return 0;
}


static void
kg_tally_add(kg_tally_t *t, const void *v, size_t len)
{
    long           seq;
    size_t         i;
    const u_char  *p;

    t->total++;

    p = v;

    if (p == NULL || len < KG_PREFIX_LEN + KG_SEQ_LEN
        || memcmp(p, KG_PREFIX, KG_PREFIX_LEN) != 0)
    {
        t->foreign++;
        return;
    }

    seq = 0;
    for (i = KG_PREFIX_LEN; i < KG_PREFIX_LEN + KG_SEQ_LEN; i++) {
        if (p[i] < '0' || p[i] > '9') {
            t->foreign++;
            return;
        }
        seq = seq * 10 + (p[i] - '0');
    }

    if (seq >= t->count) {
        t->foreign++;

    } else if (t->seen[seq]) {
        t->dups++;

    } else {
        t->seen[seq] = 1;
        t->unique++;
    }
}


static void
kg_print_missing(kg_tally_t *t)
{
    int   n;
    long  i;

    printf("\"first_missing\": [");

    for (i = 0, n = 0; i < t->count && n < 10; i++) {
        if (!t->seen[i]) {
            printf("%s%ld", n ? ", " : "", i);
            n++;
        }
    }

    printf("]");
}


static void
kg_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    kg_dr_t  *dr = opaque;

    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        dr->ok++;

    } else {
        dr->failed++;
        kg_count_err(dr->errs, &dr->nerrs, m->err);
    }
}


static int
kg_produce(kg_args_t *a)
{
    int                  ok, j;
    long                 i, v;
    char                 tmo[32], *buf;
    double               t0, el;
    kg_dr_t              dr;
    rd_kafka_t          *rk;
    rd_kafka_conf_t     *conf;
    rd_kafka_resp_err_t  err;

    memset(&dr, 0, sizeof(dr));

    conf = kg_conf(a);
    if (conf == NULL) {
        return 2;
    }

    snprintf(tmo, sizeof(tmo), "%ld", (long) (a->timeout * 1000));

    if (kg_set(conf, "acks", a->acks) != 0
        || kg_set(conf, "compression.codec", a->codec) != 0
        || kg_set(conf, "linger.ms", "5") != 0
        /* spread keyless messages evenly, see README */
        || kg_set(conf, "sticky.partitioning.linger.ms", "0") != 0
        || kg_set(conf, "message.send.max.retries", "3") != 0
        || kg_set(conf, "queue.buffering.max.messages", "500000") != 0
        || kg_set(conf, "message.timeout.ms", tmo) != 0)
    {
        rd_kafka_conf_destroy(conf);
        return 2;
    }

    rd_kafka_conf_set_dr_msg_cb(conf, kg_dr_cb);
    rd_kafka_conf_set_opaque(conf, &dr);

    rk = kg_new(RD_KAFKA_PRODUCER, conf, a);
    if (rk == NULL) {
        return 2;
    }

    buf = malloc(a->size > 32 ? a->size + 1 : 33);
    if (buf == NULL) {
        rd_kafka_destroy(rk);
        return 2;
    }

    if (a->size > KG_PREFIX_LEN + KG_SEQ_LEN) {
        memset(buf, '.', a->size);
    }

    t0 = kg_now();

    memcpy(buf, KG_PREFIX, KG_PREFIX_LEN);

    for (i = 0; i < a->count; i++) {
        /* the sequence number; the padding after it is already in buf */
        for (j = 0, v = i; j < KG_SEQ_LEN; j++, v /= 10) {
            buf[KG_PREFIX_LEN + KG_SEQ_LEN - 1 - j] = '0' + v % 10;
        }

        for ( ;; ) {
            err = rd_kafka_producev(rk,
                      RD_KAFKA_V_TOPIC(a->topic),
                      RD_KAFKA_V_VALUE(buf,
                          a->size > KG_PREFIX_LEN + KG_SEQ_LEN
                          ? (size_t) a->size : KG_PREFIX_LEN + KG_SEQ_LEN),
                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                      RD_KAFKA_V_END);

            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                break;
            }

            rd_kafka_poll(rk, 50);
        }

        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            dr.failed++;
            kg_count_err(dr.errs, &dr.nerrs, err);
        }

        if (i % 1000 == 0) {
            rd_kafka_poll(rk, 0);
        }
    }

    rd_kafka_flush(rk, (int) (a->timeout * 1000));

    el = kg_now() - t0;
    ok = (dr.ok == a->count);

    printf("{\"client\": \"rdkafka-c\", \"cmd\": \"produce\", "
           "\"topic\": \"%s\", \"count\": %ld, \"size\": %ld, "
           "\"acks\": \"%s\", \"acked\": %ld, \"failed\": %ld, "
           "\"unacked\": %ld, ",
           a->topic, a->count, a->size, a->acks, dr.ok, dr.failed,
           a->count - dr.ok - dr.failed);
    kg_print_errs(dr.errs, dr.nerrs);
    printf(", \"elapsed_s\": %.3f, \"msgs_per_s\": %.0f, \"ok\": %s}\n",
           el, el > 0 ? a->count / el : 0.0, ok ? "true" : "false");

    free(buf);
    rd_kafka_destroy(rk);

    return ok ? 0 : 1;
}


static rd_kafka_t *
kg_consumer(kg_args_t *a, const char *group)
{
    rd_kafka_t       *rk;
    rd_kafka_conf_t  *conf;

    conf = kg_conf(a);
    if (conf == NULL) {
        return NULL;
    }

    /* librdkafka 2.0 refuses assign() without a group.id */
    if (kg_set(conf, "group.id", group ? group : "kg-test-nogroup") != 0
        || kg_set(conf, "auto.offset.reset", "earliest") != 0
        || kg_set(conf, "enable.auto.commit", "false") != 0
        || kg_set(conf, "session.timeout.ms", "10000") != 0
        || kg_set(conf, "heartbeat.interval.ms", "1000") != 0)
    {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }

    rk = kg_new(RD_KAFKA_CONSUMER, conf, a);
    if (rk == NULL) {
        return NULL;
    }

    rd_kafka_poll_set_consumer(rk);

    return rk;
}


/* subscribe with a group, or assign every partition from the beginning */

static int
kg_attach(rd_kafka_t *rk, kg_args_t *a)
{
    int                               i, n;
    double                            deadline;
    rd_kafka_topic_t                 *rkt;
    rd_kafka_resp_err_t               err;
    const struct rd_kafka_metadata   *md;
    rd_kafka_topic_partition_list_t  *l;

    l = rd_kafka_topic_partition_list_new(1);

    if (a->group != NULL) {
        rd_kafka_topic_partition_list_add(l, a->topic, RD_KAFKA_PARTITION_UA);
        err = rd_kafka_subscribe(rk, l);
        rd_kafka_topic_partition_list_destroy(l);

        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "kg_rdkafka_client: subscribe: %s\n",
                    rd_kafka_err2str(err));
            return -1;
        }

        return 0;
    }

    rkt = rd_kafka_topic_new(rk, a->topic, NULL);
    if (rkt == NULL) {
        fprintf(stderr, "kg_rdkafka_client: topic %s: %s\n", a->topic,
                rd_kafka_err2str(rd_kafka_last_error()));
        rd_kafka_topic_partition_list_destroy(l);
        return -1;
    }

    deadline = kg_now() + a->timeout;
    n = 0;

    while (n == 0 && kg_now() < deadline) {
        err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (md->topic_cnt == 1 && md->topics[0].err == 0) {
                n = md->topics[0].partition_cnt;
                for (i = 0; i < n; i++) {
                    rd_kafka_topic_partition_list_add(l, a->topic,
                                              md->topics[0].partitions[i].id)
                        ->offset = RD_KAFKA_OFFSET_BEGINNING;
                }
            }
            rd_kafka_metadata_destroy(md);
        }

        if (n == 0) {
            usleep(500000);
        }
    }

    rd_kafka_topic_destroy(rkt);

    if (n == 0) {
        fprintf(stderr, "kg_rdkafka_client: topic %s has no partitions\n",
                a->topic);
        rd_kafka_topic_partition_list_destroy(l);
        return -1;
    }

    err = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);

    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "kg_rdkafka_client: assign: %s\n",
                rd_kafka_err2str(err));
        return -1;
    }

    return 0;
}


/*
 * Poll until the tally holds "want" unique messages or the deadline
 * passes.  With next != NULL only messages up to "want" unique ones are
 * taken and next[partition] is set past each; with first != NULL the first
 * offset seen in each partition is recorded.
 */

static void
kg_consume_until(rd_kafka_t *rk, kg_tally_t *t, long want, double deadline,
    kg_errcount_t *errs, int *nerrs, int64_t *next, int64_t *first)
{
    rd_kafka_message_t  *m;

    while (t->unique < want && kg_now() < deadline) {
        m = rd_kafka_consumer_poll(rk, 500);
        if (m == NULL) {
            continue;
        }

        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                kg_count_err(errs, nerrs, m->err);
            }
            rd_kafka_message_destroy(m);
            continue;
        }

        if (m->partition >= 0 && m->partition < KG_MAX_PARTS) {
            if (next != NULL) {
                next[m->partition] = m->offset + 1;
            }
            if (first != NULL && first[m->partition] < 0) {
                first[m->partition] = m->offset;
            }
        }

        kg_tally_add(t, m->payload, m->len);
        rd_kafka_message_destroy(m);
    }
}


static int
kg_consume(kg_args_t *a)
{
    int            ok, nerrs;
    double         t0, el;
    rd_kafka_t    *rk;
    kg_tally_t     t;
    kg_errcount_t  errs[KG_MAX_ERRS];

    nerrs = 0;

    if (kg_tally_init(&t, a->count) != 0) {
        return 2;
    }

    rk = kg_consumer(a, a->group);
    if (rk == NULL) {
        return 2;
    }

    t0 = kg_now();

    if (kg_attach(rk, a) != 0) {
        rd_kafka_destroy(rk);
        return 1;
    }

    kg_consume_until(rk, &t, a->count, t0 + a->timeout, errs, &nerrs,
                     NULL, NULL);

    /* a short drain so late duplicates are counted */
    kg_consume_until(rk, &t, a->count + 1, kg_now() + 1.0, errs, &nerrs,
                     NULL, NULL);

    el = kg_now() - t0;

    if (a->group != NULL && t.total > 0) {
        rd_kafka_commit(rk, NULL, 0);
    }

    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);

    ok = (t.unique == a->count && t.dups == 0 && t.foreign == 0);

    printf("{\"client\": \"rdkafka-c\", \"cmd\": \"consume\", "
           "\"topic\": \"%s\", \"group\": \"%s\", \"count\": %ld, "
           "\"received\": %ld, \"unique\": %ld, \"missing\": %ld, "
           "\"duplicates\": %ld, \"foreign\": %ld, ",
           a->topic, a->group ? a->group : "", a->count, t.total, t.unique,
           a->count - t.unique, t.dups, t.foreign);
    kg_print_missing(&t);
    printf(", ");
    kg_print_errs(errs, nerrs);
    printf(", \"elapsed_s\": %.3f, \"ok\": %s}\n", el, ok ? "true" : "false");

    free(t.seen);

    return ok ? 0 : 1;
}


static int
kg_commit_resume(kg_args_t *a)
{
    int                               i, ok, nerrs, bad, stored_ok;
    long                              phase1;
    double                            t0, el;
    int64_t                          *next, *first;
    rd_kafka_t                       *rk;
    kg_tally_t                        t;
    kg_errcount_t                     errs[KG_MAX_ERRS];
    rd_kafka_resp_err_t               err;
    rd_kafka_topic_partition_list_t  *l;

    nerrs = 0;
    bad = 0;
    stored_ok = 1;

    next = calloc(KG_MAX_PARTS, sizeof(int64_t));
    first = calloc(KG_MAX_PARTS, sizeof(int64_t));
    if (next == NULL || first == NULL || kg_tally_init(&t, a->count) != 0) {
        return 2;
    }

    for (i = 0; i < KG_MAX_PARTS; i++) {
        next[i] = -1;
        first[i] = -1;
    }

    t0 = kg_now();

    /* phase 1: half the messages, commit exactly those */

    rk = kg_consumer(a, a->group);
    if (rk == NULL || kg_attach(rk, a) != 0) {
        return 2;
    }

    kg_consume_until(rk, &t, a->count / 2, t0 + a->timeout, errs, &nerrs,
                     next, NULL);
    phase1 = t.unique;

    l = rd_kafka_topic_partition_list_new(16);
    for (i = 0; i < KG_MAX_PARTS; i++) {
        if (next[i] >= 0) {
            rd_kafka_topic_partition_list_add(l, a->topic, i)->offset =
                                                                      next[i];
        }
    }

    err = rd_kafka_commit(rk, l, 0);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        kg_count_err(errs, &nerrs, err);
    }

    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);

    /* what the group coordinator stored */

    rk = kg_consumer(a, a->group);
    if (rk == NULL) {
        return 2;
    }

    for (i = 0; i < l->cnt; i++) {
        l->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
    }

    err = rd_kafka_committed(rk, l, 10000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        kg_count_err(errs, &nerrs, err);
        stored_ok = 0;
    }

    for (i = 0; i < l->cnt; i++) {
        if (l->elems[i].offset != next[l->elems[i].partition]) {
            stored_ok = 0;
        }
    }

    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);

    /* phase 2: the rest must start at the committed offsets */

    rk = kg_consumer(a, a->group);
    if (rk == NULL || kg_attach(rk, a) != 0) {
        return 2;
    }

    kg_consume_until(rk, &t, a->count, kg_now() + a->timeout, errs, &nerrs,
                     NULL, first);
    kg_consume_until(rk, &t, a->count + 1, kg_now() + 1.0, errs, &nerrs,
                     NULL, NULL);

    rd_kafka_commit(rk, NULL, 0);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);

    el = kg_now() - t0;

    printf("{\"client\": \"rdkafka-c\", \"cmd\": \"commit-resume\", "
           "\"topic\": \"%s\", \"group\": \"%s\", \"count\": %ld, "
           "\"phase1\": %ld, \"committed\": {", a->topic, a->group, a->count,
           phase1);

    for (i = 0; i < l->cnt; i++) {
        printf("%s\"%d\": %" PRId64, i ? ", " : "", l->elems[i].partition,
               next[l->elems[i].partition]);
    }

    printf("}, \"stored\": {");

    for (i = 0; i < l->cnt; i++) {
        printf("%s\"%d\": %" PRId64, i ? ", " : "", l->elems[i].partition,
               l->elems[i].offset);
    }

    printf("}, \"resumed_at\": {");

    for (i = 0, ok = 0; i < KG_MAX_PARTS; i++) {
        if (first[i] >= 0) {
            printf("%s\"%d\": %" PRId64, ok++ ? ", " : "", i, first[i]);
            if (next[i] >= 0 && first[i] != next[i]) {
                bad++;
            }
        }
    }

    ok = (phase1 == a->count / 2 && bad == 0 && stored_ok
          && t.unique == a->count && t.dups == 0 && t.foreign == 0);

    printf("}, \"bad_resume\": %d, \"unique\": %ld, \"missing\": %ld, "
           "\"duplicates\": %ld, \"foreign\": %ld, ",
           bad, t.unique, a->count - t.unique, t.dups, t.foreign);
    kg_print_errs(errs, nerrs);
    printf(", \"elapsed_s\": %.3f, \"ok\": %s}\n", el, ok ? "true" : "false");

    rd_kafka_topic_partition_list_destroy(l);
    free(next);
    free(first);
    free(t.seen);

    return ok ? 0 : 1;
}


static int
kg_metadata(kg_args_t *a)
{
    int                              i, n;
    double                           t0;
    rd_kafka_t                      *rk;
    rd_kafka_conf_t                 *conf;
    rd_kafka_resp_err_t              err;
    const struct rd_kafka_metadata  *md;

    conf = kg_conf(a);
    if (conf == NULL) {
        return 2;
    }

    rk = kg_new(RD_KAFKA_PRODUCER, conf, a);
    if (rk == NULL) {
        return 2;
    }

    t0 = kg_now();

    err = rd_kafka_metadata(rk, 1, NULL, &md, (int) (a->timeout * 1000));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        printf("{\"client\": \"rdkafka-c\", \"cmd\": \"metadata\", "
               "\"error\": \"%s\", \"ok\": false}\n", rd_kafka_err2name(err));
        rd_kafka_destroy(rk);
        return 1;
    }

    printf("{\"client\": \"rdkafka-c\", \"cmd\": \"metadata\", "
           "\"brokers\": [");

    for (i = 0; i < md->broker_cnt; i++) {
        printf("%s\"%s:%d\"", i ? ", " : "", md->brokers[i].host,
               md->brokers[i].port);
    }

    printf("], \"ids\": [");

    for (i = 0; i < md->broker_cnt; i++) {
        printf("%s%d", i ? ", " : "", (int) md->brokers[i].id);
    }

    printf("], \"topics\": [");

    for (i = 0, n = 0; i < md->topic_cnt; i++) {
        if (strncmp(md->topics[i].topic, "__", 2) != 0) {
            printf("%s\"%s\"", n++ ? ", " : "", md->topics[i].topic);
        }
    }

    printf("], \"elapsed_s\": %.3f, \"ok\": %s}\n", kg_now() - t0,
           md->broker_cnt > 0 ? "true" : "false");

    i = md->broker_cnt > 0 ? 0 : 1;

    rd_kafka_metadata_destroy(md);
    rd_kafka_destroy(rk);

    return i;
}
