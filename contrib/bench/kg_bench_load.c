/*
 * Copyright (C) kgate authors
 */


/*
 * Load generator of the side-by-side benchmark, on librdkafka's public API
 * plus a few hand-built requests where librdkafka's own threads would blur
 * what is measured:
 *
 *   kg_bench_load produce -b BROKERS -t TOPIC [-s SIZE] [-n COUNT]
 *   kg_bench_load consume -b BROKERS -t TOPIC [-n COUNT]
 *   kg_bench_load latency -b BROKERS -t TOPIC [-s SIZE] [-n SAMPLES]
 *   kg_bench_load idle    -b HOST:PORT -t TOPIC [-c CONNECTIONS]
 *
 * produce   sends COUNT messages of SIZE bytes (acks=1, librdkafka's
 *           batching), timed from the first message to the last delivery
 *           report;
 * consume   reads COUNT messages of TOPIC from the beginning of every
 *           partition (assign, no group; again from the beginning if the
 *           topic holds fewer), timed from the first message to the last;
 * latency   sends SAMPLES Produce requests of one message, acks=1, one in
 *           flight, on its own connection to the partition leader, and
 *           times each round trip with the monotonic clock;
 * idle      opens CONNECTIONS connections, completes one Metadata request
 *           on each, prints its result and keeps them open until stdin
 *           closes or says "quit".
 *
 * Options: -V VERSION (broker.version.fallback, default 0.9.0.1; "auto"
 * sends ApiVersions and, for "latency", Produce v3 with a v2 record batch
 * instead of Produce v0 with a v0 message set), -T SECONDS (bound on the
 * whole run, default 120), -D SECONDS (stop producing after this long),
 * -a ACKS, -m HOST:PORT=HOST:PORT (dial the second address whenever the
 * first one is the destination, repeatable), -X prop=value.
 *
 * Prints one JSON object on stdout.  Exit status 0 only if every message
 * or request was accounted for.
 */


#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <librdkafka/rdkafka.h>


#define KG_BENCH_MAX_PROPS     32
#define KG_BENCH_MAX_MAPS      16
#define KG_BENCH_MAX_SIZE      (1024 * 1024)
#define KG_BENCH_MAX_FRAME     (16 * 1024 * 1024)
#define KG_BENCH_WARMUP        200
#define KG_BENCH_CLIENT_ID     "kg_bench_load"


typedef struct {
    struct sockaddr_in   from;
    struct sockaddr_in   to;
} kg_bench_map_t;


typedef struct {
    const char          *cmd;
    const char          *bootstrap;
    const char          *topic;
    const char          *acks;
    const char          *version;
    const char          *props[KG_BENCH_MAX_PROPS];
    int                  nprops;
    kg_bench_map_t       maps[KG_BENCH_MAX_MAPS];
    int                  nmaps;
    long                 count;
    long                 size;
    long                 conns;
    double               timeout;
    double               duration;
} kg_bench_args_t;


typedef struct {
    long                 ok;
    long                 failed;
    rd_kafka_resp_err_t  last_err;
} kg_bench_dr_t;


typedef struct {
    unsigned char       *start;
    unsigned char       *pos;
    unsigned char       *end;
} kg_bench_wbuf_t;


typedef struct {
    const unsigned char *pos;
    const unsigned char *end;
    int                  bad;
} kg_bench_rbuf_t;


static double kg_bench_now(void);
static int kg_bench_parse_addr(const char *s, struct sockaddr_in *sin);
static int kg_bench_parse_map(kg_bench_args_t *a, const char *s);
static void kg_bench_apply_map(kg_bench_args_t *a, struct sockaddr_in *sin);
static int kg_bench_connect_cb(int fd, const struct sockaddr *addr,
    int addrlen, const char *id, void *opaque);
static int kg_bench_set(rd_kafka_conf_t *conf, const char *k, const char *v);
static rd_kafka_conf_t *kg_bench_conf(kg_bench_args_t *a);
static int kg_bench_wait_topic(rd_kafka_t *rk, kg_bench_args_t *a,
    int *partitions);
static void kg_bench_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m,
    void *opaque);
static int kg_bench_produce(kg_bench_args_t *a);
static int kg_bench_consume(kg_bench_args_t *a);

static void kg_bench_crc_init(void);
static uint32_t kg_bench_crc(const uint32_t *table, const unsigned char *p,
    size_t n);
static void kg_bench_w8(kg_bench_wbuf_t *b, uint8_t v);
static void kg_bench_w16(kg_bench_wbuf_t *b, uint16_t v);
static void kg_bench_w32(kg_bench_wbuf_t *b, uint32_t v);
static void kg_bench_w64(kg_bench_wbuf_t *b, uint64_t v);
static void kg_bench_wvarint(kg_bench_wbuf_t *b, int64_t v);
static int kg_bench_varint_len(int64_t v);
static void kg_bench_wstr(kg_bench_wbuf_t *b, const char *s);
static void kg_bench_wmem(kg_bench_wbuf_t *b, const void *p, size_t n);
static void kg_bench_put32(unsigned char *p, uint32_t v);
static int16_t kg_bench_r16(kg_bench_rbuf_t *b);
static int32_t kg_bench_r32(kg_bench_rbuf_t *b);
static void kg_bench_rskip(kg_bench_rbuf_t *b, size_t n);
static void kg_bench_rstr(kg_bench_rbuf_t *b, char *dst, size_t size);
static unsigned char *kg_bench_header(kg_bench_wbuf_t *b, int key,
    int version, int32_t corr);
static int kg_bench_raw_connect(kg_bench_args_t *a, const char *host,
    int port);
static int kg_bench_write_all(int fd, const unsigned char *p, size_t n);
static int kg_bench_read_all(int fd, unsigned char *p, size_t n);
static ssize_t kg_bench_call(int fd, kg_bench_wbuf_t *req, int32_t corr,
    unsigned char *resp, size_t size);
static size_t kg_bench_metadata_req(kg_bench_wbuf_t *b, const char *topic,
    int32_t corr);
static int kg_bench_find_leader(kg_bench_args_t *a, char *host,
    size_t hsize, int *port);
static size_t kg_bench_produce_req(kg_bench_wbuf_t *b, kg_bench_args_t *a,
    int v2, int32_t corr, const unsigned char *value);
static int kg_bench_produce_resp(const unsigned char *p, size_t n, int v2);
static int kg_bench_cmp_double(const void *a, const void *b);
static double kg_bench_pct(const double *s, long n, double p);
static int kg_bench_latency(kg_bench_args_t *a);
static int kg_bench_idle(kg_bench_args_t *a);


static uint32_t  kg_bench_crc32[256];
static uint32_t  kg_bench_crc32c[256];


int
main(int argc, char **argv)
{
    int               c;
    struct rlimit     rl;
    kg_bench_args_t   a;

    memset(&a, 0, sizeof(a));
    a.acks = "1";
    a.version = "0.9.0.1";
    a.count = 100000;
    a.size = 100;
    a.conns = 1000;
    a.timeout = 120;

    if (argc < 2) {
        goto usage;
    }

    a.cmd = argv[1];

    while ((c = getopt(argc - 1, argv + 1, "b:t:n:s:c:a:V:T:D:m:X:")) != -1)
    {
        switch (c) {
        case 'b':
            a.bootstrap = optarg;
            break;
        case 't':
            a.topic = optarg;
            break;
        case 'n':
            a.count = atol(optarg);
            break;
        case 's':
            a.size = atol(optarg);
            break;
        case 'c':
            a.conns = atol(optarg);
            break;
        case 'a':
            a.acks = optarg;
            break;
        case 'V':
            a.version = optarg;
            break;
        case 'T':
            a.timeout = atof(optarg);
            break;
        case 'D':
            a.duration = atof(optarg);
            break;
        case 'm':
            if (kg_bench_parse_map(&a, optarg) != 0) {
                goto usage;
            }
            break;
        case 'X':
            if (a.nprops == KG_BENCH_MAX_PROPS) {
                goto usage;
            }
            a.props[a.nprops++] = optarg;
            break;
        default:
            goto usage;
        }
    }

    if (a.bootstrap == NULL || a.topic == NULL || a.count < 1
        || a.size < 1 || a.size > KG_BENCH_MAX_SIZE || a.conns < 1
        || a.timeout <= 0)
    {
        goto usage;
    }

    signal(SIGPIPE, SIG_IGN);

    /* "idle" holds thousands of sockets */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
    }

    kg_bench_crc_init();

    if (strcmp(a.cmd, "produce") == 0) {
        return kg_bench_produce(&a);
    }

    if (strcmp(a.cmd, "consume") == 0) {
        return kg_bench_consume(&a);
    }

    if (strcmp(a.cmd, "latency") == 0) {
        return kg_bench_latency(&a);
    }

    if (strcmp(a.cmd, "idle") == 0) {
        return kg_bench_idle(&a);
    }

usage:

    fprintf(stderr,
            "usage: kg_bench_load produce|consume|latency|idle"
            " -b BROKERS -t TOPIC [-n COUNT] [-s SIZE] [-c CONNECTIONS]"
            " [-a ACKS] [-V VERSION|auto] [-T SECONDS] [-D SECONDS]"
            " [-m HOST:PORT=HOST:PORT] [-X prop=value]\n");
    return 2;
}


static double
kg_bench_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static int
kg_bench_parse_addr(const char *s, struct sockaddr_in *sin)
{
    long         port;
    char         host[64], *end;
    const char  *colon;

    colon = strrchr(s, ':');
    if (colon == NULL || (size_t) (colon - s) >= sizeof(host)) {
        return -1;
    }

    memcpy(host, s, colon - s);
    host[colon - s] = '\0';

    port = strtol(colon + 1, &end, 10);
    if (*end != '\0' && *end != '=' && *end != ',') {
        return -1;
    }

    if (port < 1 || port > 65535) {
        return -1;
    }

    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t) port);

    if (strcmp(host, "localhost") == 0) {
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return 0;
    }

    return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}


static int
kg_bench_parse_map(kg_bench_args_t *a, const char *s)
{
    char             from[80];
    const char      *eq;
    kg_bench_map_t  *m;

    eq = strchr(s, '=');
    if (eq == NULL || (size_t) (eq - s) >= sizeof(from)
        || a->nmaps == KG_BENCH_MAX_MAPS)
    {
        return -1;
    }

    memcpy(from, s, eq - s);
    from[eq - s] = '\0';

    m = &a->maps[a->nmaps];

    if (kg_bench_parse_addr(from, &m->from) != 0
        || kg_bench_parse_addr(eq + 1, &m->to) != 0)
    {
        return -1;
    }

    a->nmaps++;

    return 0;
}


static void
kg_bench_apply_map(kg_bench_args_t *a, struct sockaddr_in *sin)
{
    int  i;

    for (i = 0; i < a->nmaps; i++) {
        if (a->maps[i].from.sin_port == sin->sin_port
            && a->maps[i].from.sin_addr.s_addr == sin->sin_addr.s_addr)
        {
            sin->sin_addr = a->maps[i].to.sin_addr;
            sin->sin_port = a->maps[i].to.sin_port;
            return;
        }
    }
}


/*
 * A forwarder that does not rewrite Metadata only works if clients dial it
 * whatever address the broker advertises; this stands in for DNS or
 * /etc/hosts doing that.  librdkafka's socket is non-blocking here.
 */

static int
kg_bench_connect_cb(int fd, const struct sockaddr *addr, int addrlen,
    const char *id, void *opaque)
{
    struct sockaddr_in  sin;

    if (addr->sa_family == AF_INET && (size_t) addrlen >= sizeof(sin)) {
        memcpy(&sin, addr, sizeof(sin));
        kg_bench_apply_map(opaque, &sin);

        if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1
            && errno != EINPROGRESS)
        {
            return errno;
        }

        return 0;
    }

    if (connect(fd, addr, addrlen) == -1 && errno != EINPROGRESS) {
        return errno;
    }

    return 0;
}


static int
kg_bench_set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char  errstr[512];

    if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr))
        != RD_KAFKA_CONF_OK)
    {
        fprintf(stderr, "kg_bench_load: %s=%s: %s\n", k, v, errstr);
        return -1;
    }

    return 0;
}


static rd_kafka_conf_t *
kg_bench_conf(kg_bench_args_t *a)
{
    int               i, rc;
    char              name[256];
    const char       *eq;
    rd_kafka_conf_t  *conf;

    conf = rd_kafka_conf_new();

    rc = kg_bench_set(conf, "bootstrap.servers", a->bootstrap);
    rc |= kg_bench_set(conf, "client.id", KG_BENCH_CLIENT_ID);
    rc |= kg_bench_set(conf, "log_level", "4");

    if (strcmp(a->version, "auto") == 0) {
        rc |= kg_bench_set(conf, "api.version.request", "true");

    } else {
        rc |= kg_bench_set(conf, "api.version.request", "false");
        rc |= kg_bench_set(conf, "broker.version.fallback", a->version);
    }

    for (i = 0; i < a->nprops; i++) {
        eq = strchr(a->props[i], '=');
        if (eq == NULL || (size_t) (eq - a->props[i]) >= sizeof(name)) {
            fprintf(stderr, "kg_bench_load: bad -X \"%s\"\n", a->props[i]);
            rc = -1;
            continue;
        }
        memcpy(name, a->props[i], eq - a->props[i]);
        name[eq - a->props[i]] = '\0';
        rc |= kg_bench_set(conf, name, eq + 1);
    }

    if (a->nmaps) {
        rd_kafka_conf_set_opaque(conf, a);
        rd_kafka_conf_set_connect_cb(conf, kg_bench_connect_cb);
    }

    if (rc != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }

    return conf;
}


/*
 * The topic may be created by this very request (auto.create.topics on a
 * real broker): wait until every partition has a leader, so creation never
 * falls into a timed window.
 */

static int
kg_bench_wait_topic(rd_kafka_t *rk, kg_bench_args_t *a, int *partitions)
{
    int                               i, ready;
    double                            deadline;
    rd_kafka_topic_t                 *rkt;
    rd_kafka_resp_err_t               err;
    const struct rd_kafka_metadata   *md;
    const rd_kafka_metadata_topic_t  *t;

    rkt = rd_kafka_topic_new(rk, a->topic, NULL);
    if (rkt == NULL) {
        fprintf(stderr, "kg_bench_load: topic: %s\n",
                rd_kafka_err2str(rd_kafka_last_error()));
        return -1;
    }

    deadline = kg_bench_now() + a->timeout;

    for ( ;; ) {
        err = rd_kafka_metadata(rk, 0, rkt, &md, 5000);

        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            ready = 0;

            if (md->topic_cnt == 1) {
                t = &md->topics[0];
                err = t->err;
                ready = (t->err == RD_KAFKA_RESP_ERR_NO_ERROR
                         && t->partition_cnt > 0);

                for (i = 0; ready && i < t->partition_cnt; i++) {
                    if (t->partitions[i].leader < 0
                        || t->partitions[i].err)
                    {
                        ready = 0;
                    }
                }

                if (ready) {
                    *partitions = t->partition_cnt;
                }
            }

            rd_kafka_metadata_destroy(md);

            if (ready) {
                rd_kafka_topic_destroy(rkt);
                return 0;
            }
        }

        if (kg_bench_now() > deadline) {
            fprintf(stderr, "kg_bench_load: topic \"%s\" not ready: %s\n",
                    a->topic, rd_kafka_err2str(err));
            rd_kafka_topic_destroy(rkt);
            return -1;
        }

        usleep(100000);
    }
}


static void
kg_bench_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    kg_bench_dr_t  *dr;

    /* the message opaque: the instance opaque is the connect callback's */
    dr = m->_private;

    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        dr->ok++;

    } else {
        dr->failed++;
        dr->last_err = m->err;
    }
}


static int
kg_bench_produce(kg_bench_args_t *a)
{
    int                   partitions;
    long                  sent, warm;
    char                  errstr[512];
    double                t0, el, deadline, stop;
    rd_kafka_t           *rk;
    kg_bench_dr_t         dr;
    unsigned char        *payload;
    rd_kafka_conf_t      *conf;
    rd_kafka_resp_err_t   err;

    payload = malloc(a->size);
    if (payload == NULL) {
        return 1;
    }

    /* printable, incompressible enough, and the same for every run */
    for (sent = 0; sent < a->size; sent++) {
        payload[sent] = (unsigned char) ('a' + (sent * 7 + sent / 26) % 26);
    }

    conf = kg_bench_conf(a);
    if (conf == NULL) {
        return 2;
    }

    if (kg_bench_set(conf, "acks", a->acks) != 0
        || kg_bench_set(conf, "linger.ms", "5") != 0
        || kg_bench_set(conf, "batch.num.messages", "10000") != 0
        || kg_bench_set(conf, "queue.buffering.max.messages", "1000000")
           != 0
        || kg_bench_set(conf, "message.timeout.ms", "60000") != 0)
    {
        rd_kafka_conf_destroy(conf);
        return 2;
    }

    memset(&dr, 0, sizeof(dr));
    rd_kafka_conf_set_dr_msg_cb(conf, kg_bench_dr_cb);

    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "kg_bench_load: rd_kafka_new: %s\n", errstr);
        return 1;
    }

    deadline = kg_bench_now() + a->timeout;

    if (kg_bench_wait_topic(rk, a, &partitions) != 0) {
        rd_kafka_destroy(rk);
        return 1;
    }

    warm = KG_BENCH_WARMUP;

    for (sent = 0; sent < warm; sent++) {
        err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(a->topic),
                                RD_KAFKA_V_VALUE(payload, a->size),
                                RD_KAFKA_V_OPAQUE(&dr), RD_KAFKA_V_END);
        if (err) {
            fprintf(stderr, "kg_bench_load: produce: %s\n",
                    rd_kafka_err2str(err));
            rd_kafka_destroy(rk);
            return 1;
        }
    }

    rd_kafka_flush(rk, (int) (a->timeout * 1000));

    if (dr.ok != warm) {
        fprintf(stderr, "kg_bench_load: warm-up failed: %ld of %ld, %s\n",
                dr.ok, warm, rd_kafka_err2str(dr.last_err));
        rd_kafka_destroy(rk);
        return 1;
    }

    memset(&dr, 0, sizeof(dr));

    t0 = kg_bench_now();
    stop = a->duration > 0 ? t0 + a->duration : deadline;
    if (stop > deadline) {
        stop = deadline;
    }

    for (sent = 0; sent < a->count; /* void */) {
        err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(a->topic),
                                RD_KAFKA_V_VALUE(payload, a->size),
                                RD_KAFKA_V_OPAQUE(&dr), RD_KAFKA_V_END);

        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(rk, 1);

            if (kg_bench_now() > stop) {
                break;
            }

            continue;
        }

        if (err) {
            fprintf(stderr, "kg_bench_load: produce: %s\n",
                    rd_kafka_err2str(err));
            break;
        }

        sent++;

        if ((sent & 1023) == 0) {
            rd_kafka_poll(rk, 0);

            if (kg_bench_now() > stop) {
                break;
            }
        }
    }

    while (rd_kafka_outq_len(rk) > 0 && kg_bench_now() < deadline) {
        rd_kafka_poll(rk, 10);
    }

    el = kg_bench_now() - t0;

    printf("{\"mode\": \"produce\", \"topic\": \"%s\", \"size\": %ld, "
           "\"partitions\": %d, \"sent\": %ld, \"count\": %ld, "
           "\"failed\": %ld, \"bytes\": %ld, \"seconds\": %.4f, "
           "\"msgs_per_s\": %.1f, \"mb_per_s\": %.3f}\n",
           a->topic, a->size, partitions, sent, dr.ok, dr.failed,
           dr.ok * a->size, el, dr.ok / el, dr.ok * a->size / el / 1e6);

    if (dr.failed) {
        fprintf(stderr, "kg_bench_load: %ld deliveries failed, last: %s\n",
                dr.failed, rd_kafka_err2str(dr.last_err));
    }

    rd_kafka_destroy(rk);
    free(payload);

    return (dr.ok == a->count) ? 0 : 1;
}


static int
kg_bench_consume(kg_bench_args_t *a)
{
    int                                i, partitions, eofs, passes, again;
    long                               n, pass, bytes, errors;
    char                               errstr[512];
    double                             t0, tfirst, tlast, deadline, el;
    int64_t                           *lo, hi, avail;
    rd_kafka_t                        *rk;
    rd_kafka_conf_t                   *conf;
    rd_kafka_message_t                *m;
    rd_kafka_resp_err_t                err;
    rd_kafka_topic_partition_list_t   *parts;

    conf = kg_bench_conf(a);
    if (conf == NULL) {
        return 2;
    }

    /*
     * assign() needs a group name, but never joins the group; a short
     * fetch wait keeps a fetch of partitions that have nothing yet from
     * stalling the others at the start of each pass
     */

    if (kg_bench_set(conf, "group.id", "kg-bench") != 0
        || kg_bench_set(conf, "enable.auto.commit", "false") != 0
        || kg_bench_set(conf, "enable.auto.offset.store", "false") != 0
        || kg_bench_set(conf, "enable.partition.eof", "true") != 0
        || kg_bench_set(conf, "fetch.wait.max.ms", "10") != 0)
    {
        rd_kafka_conf_destroy(conf);
        return 2;
    }

    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "kg_bench_load: rd_kafka_new: %s\n", errstr);
        return 1;
    }

    deadline = kg_bench_now() + a->timeout;

    if (kg_bench_wait_topic(rk, a, &partitions) != 0) {
        rd_kafka_destroy(rk);
        return 1;
    }

    lo = calloc(partitions, sizeof(int64_t));
    parts = rd_kafka_topic_partition_list_new(partitions);

    if (lo == NULL || parts == NULL) {
        rd_kafka_destroy(rk);
        return 1;
    }

    /*
     * The mock cluster keeps only the last few megabytes of a partition:
     * what is there is read again, pass after pass, until COUNT messages
     * went through.
     */

    avail = 0;

    for (i = 0; i < partitions; i++) {
        err = rd_kafka_query_watermark_offsets(rk, a->topic, i, &lo[i], &hi,
                                               (int) (a->timeout * 1000));
        if (err) {
            fprintf(stderr, "kg_bench_load: watermarks: %s\n",
                    rd_kafka_err2str(err));
            rd_kafka_destroy(rk);
            return 1;
        }

        avail += hi - lo[i];
        rd_kafka_topic_partition_list_add(parts, a->topic, i)->offset = lo[i];
    }

    if (avail == 0) {
        fprintf(stderr, "kg_bench_load: topic \"%s\" is empty\n", a->topic);
        rd_kafka_destroy(rk);
        return 1;
    }

    n = 0;
    pass = 0;
    passes = 0;
    bytes = 0;
    errors = 0;
    eofs = 0;
    again = 1;

    t0 = kg_bench_now();
    tfirst = 0;
    tlast = t0;

    while (n < a->count) {
        if (again) {
            again = 0;
            err = rd_kafka_assign(rk, parts);
            if (err) {
                fprintf(stderr, "kg_bench_load: assign: %s\n",
                        rd_kafka_err2str(err));
                break;
            }
            passes++;
        }

        m = rd_kafka_consumer_poll(rk, 100);

        if (m == NULL) {
            if (kg_bench_now() > deadline) {
                fprintf(stderr, "kg_bench_load: consume timed out\n");
                break;
            }
            continue;
        }

        /* end of partition is only counted: the mock reports it early */

        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eofs++;

        } else if (m->err) {
            if (errors++ < 5) {
                fprintf(stderr, "kg_bench_load: consume: %s\n",
                        rd_kafka_message_errstr(m));
            }

        } else {
            n++;
            bytes += m->len;
            tlast = kg_bench_now();

            if (tfirst == 0) {
                tfirst = tlast;
            }

            if (++pass == avail) {
                pass = 0;
                again = 1;
            }
        }

        rd_kafka_message_destroy(m);
    }

    /* from the first message: connecting and ListOffsets are not data */
    el = tfirst ? tlast - tfirst : 0;

    printf("{\"mode\": \"consume\", \"topic\": \"%s\", \"partitions\": %d, "
           "\"available\": %" PRId64 ", \"passes\": %d, \"count\": %ld, "
           "\"errors\": %ld, \"eofs\": %d, \"bytes\": %ld, "
           "\"first_s\": %.4f, \"seconds\": %.4f, \"msgs_per_s\": %.1f, "
           "\"mb_per_s\": %.3f}\n",
           a->topic, partitions, avail, passes, n, errors, eofs, bytes,
           tfirst ? tfirst - t0 : 0, el, el > 0 ? n / el : 0,
           el > 0 ? bytes / el / 1e6 : 0);

    rd_kafka_topic_partition_list_destroy(parts);
    free(lo);

    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);

    return (n >= a->count) ? 0 : 1;
}


/* the raw client: CRC tables, a writer, a reader, a blocking round trip */

static void
kg_bench_crc_init(void)
{
    int       k;
    uint32_t  i, c, d;

    for (i = 0; i < 256; i++) {
        c = i;
        d = i;

        for (k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320 : c >> 1;
            d = (d & 1) ? (d >> 1) ^ 0x82F63B78 : d >> 1;
        }

        kg_bench_crc32[i] = c;
        kg_bench_crc32c[i] = d;
    }
}


static uint32_t
kg_bench_crc(const uint32_t *table, const unsigned char *p, size_t n)
{
    uint32_t  c;

    c = 0xFFFFFFFF;

    while (n--) {
        c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
    }

    return c ^ 0xFFFFFFFF;
}


static void
kg_bench_w8(kg_bench_wbuf_t *b, uint8_t v)
{
    if (b->pos < b->end) {
        *b->pos++ = v;
    }
}


static void
kg_bench_w16(kg_bench_wbuf_t *b, uint16_t v)
{
    kg_bench_w8(b, v >> 8);
    kg_bench_w8(b, v & 0xff);
}


static void
kg_bench_w32(kg_bench_wbuf_t *b, uint32_t v)
{
    kg_bench_w16(b, v >> 16);
    kg_bench_w16(b, v & 0xffff);
}


static void
kg_bench_w64(kg_bench_wbuf_t *b, uint64_t v)
{
    kg_bench_w32(b, v >> 32);
    kg_bench_w32(b, v & 0xffffffff);
}


static void
kg_bench_wvarint(kg_bench_wbuf_t *b, int64_t v)
{
    uint64_t  z;

    z = ((uint64_t) v << 1) ^ (uint64_t) (v >> 63);

    while (z >= 0x80) {
        kg_bench_w8(b, (uint8_t) (z | 0x80));
        z >>= 7;
    }

    kg_bench_w8(b, (uint8_t) z);
}


static int
kg_bench_varint_len(int64_t v)
{
    int       n;
    uint64_t  z;

    z = ((uint64_t) v << 1) ^ (uint64_t) (v >> 63);

    for (n = 1; z >= 0x80; n++) {
        z >>= 7;
    }

    return n;
}


static void
kg_bench_wstr(kg_bench_wbuf_t *b, const char *s)
{
    size_t  n;

    n = strlen(s);
    kg_bench_w16(b, (uint16_t) n);
    kg_bench_wmem(b, s, n);
}


static void
kg_bench_wmem(kg_bench_wbuf_t *b, const void *p, size_t n)
{
    if ((size_t) (b->end - b->pos) < n) {
        b->pos = b->end;
        return;
    }

    memcpy(b->pos, p, n);
    b->pos += n;
}


static void
kg_bench_put32(unsigned char *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}


static int16_t
kg_bench_r16(kg_bench_rbuf_t *b)
{
    int16_t  v;

    if (b->end - b->pos < 2) {
        b->bad = 1;
        b->pos = b->end;
        return 0;
    }

    v = (int16_t) ((b->pos[0] << 8) | b->pos[1]);
    b->pos += 2;

    return v;
}


static int32_t
kg_bench_r32(kg_bench_rbuf_t *b)
{
    uint32_t  v;

    if (b->end - b->pos < 4) {
        b->bad = 1;
        b->pos = b->end;
        return 0;
    }

    v = ((uint32_t) b->pos[0] << 24) | ((uint32_t) b->pos[1] << 16)
        | ((uint32_t) b->pos[2] << 8) | b->pos[3];
    b->pos += 4;

    return (int32_t) v;
}


static void
kg_bench_rskip(kg_bench_rbuf_t *b, size_t n)
{
    if ((size_t) (b->end - b->pos) < n) {
        b->bad = 1;
        b->pos = b->end;
        return;
    }

    b->pos += n;
}


static void
kg_bench_rstr(kg_bench_rbuf_t *b, char *dst, size_t size)
{
    int16_t  n;

    n = kg_bench_r16(b);

    if (n < 0 || (size_t) (b->end - b->pos) < (size_t) n) {
        b->bad = 1;
        b->pos = b->end;
        return;
    }

    if (dst != NULL) {
        if ((size_t) n >= size) {
            b->bad = 1;
            return;
        }

        memcpy(dst, b->pos, n);
        dst[n] = '\0';
    }

    b->pos += n;
}


/* the size prefix, then request header v1; returns where the size goes */

static unsigned char *
kg_bench_header(kg_bench_wbuf_t *b, int key, int version, int32_t corr)
{
    unsigned char  *size;

    size = b->pos;
    kg_bench_w32(b, 0);
    kg_bench_w16(b, (uint16_t) key);
    kg_bench_w16(b, (uint16_t) version);
    kg_bench_w32(b, (uint32_t) corr);
    kg_bench_wstr(b, KG_BENCH_CLIENT_ID);

    return size;
}


static int
kg_bench_raw_connect(kg_bench_args_t *a, const char *host, int port)
{
    int                 fd, one;
    char                addr[128];
    struct sockaddr_in  sin;

    snprintf(addr, sizeof(addr), "%s:%d", host, port);

    if (kg_bench_parse_addr(addr, &sin) != 0) {
        fprintf(stderr, "kg_bench_load: \"%s\" is not an IPv4 address\n",
                addr);
        return -1;
    }

    kg_bench_apply_map(a, &sin);

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        fprintf(stderr, "kg_bench_load: socket: %s\n", strerror(errno));
        return -1;
    }

    one = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1) {
        fprintf(stderr, "kg_bench_load: connect %s: %s\n", addr,
                strerror(errno));
        close(fd);
        return -1;
    }

    return fd;
}


static int
kg_bench_write_all(int fd, const unsigned char *p, size_t n)
{
    ssize_t  k;

    while (n) {
        k = write(fd, p, n);

        if (k == -1) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }

        p += k;
        n -= k;
    }

    return 0;
}


static int
kg_bench_read_all(int fd, unsigned char *p, size_t n)
{
    ssize_t  k;

    while (n) {
        k = read(fd, p, n);

        if (k == -1) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }

        if (k == 0) {
            errno = ECONNRESET;
            return -1;
        }

        p += k;
        n -= k;
    }

    return 0;
}


/* sends req, reads one response into resp; returns the body length */

static ssize_t
kg_bench_call(int fd, kg_bench_wbuf_t *req, int32_t corr,
    unsigned char *resp, size_t size)
{
    uint32_t         n;
    unsigned char    hdr[4];
    kg_bench_rbuf_t  r;

    if (kg_bench_write_all(fd, req->start, req->pos - req->start) != 0
        || kg_bench_read_all(fd, hdr, 4) != 0)
    {
        return -1;
    }

    n = ((uint32_t) hdr[0] << 24) | ((uint32_t) hdr[1] << 16)
        | ((uint32_t) hdr[2] << 8) | hdr[3];

    if (n < 4 || n > size) {
        errno = EMSGSIZE;
        return -1;
    }

    if (kg_bench_read_all(fd, resp, n) != 0) {
        return -1;
    }

    r.pos = resp;
    r.end = resp + n;
    r.bad = 0;

    if (kg_bench_r32(&r) != corr) {
        errno = EPROTO;
        return -1;
    }

    return n;
}


static size_t
kg_bench_metadata_req(kg_bench_wbuf_t *b, const char *topic, int32_t corr)
{
    unsigned char  *size;

    b->pos = b->start;
    size = kg_bench_header(b, 3, 0, corr);
    kg_bench_w32(b, 1);
    kg_bench_wstr(b, topic);
    kg_bench_put32(size, (uint32_t) (b->pos - size - 4));

    return b->pos - b->start;
}


/* Metadata v0 on the bootstrap address: who leads partition 0 */

static int
kg_bench_find_leader(kg_bench_args_t *a, char *host, size_t hsize,
    int *port)
{
    int               fd, i, nb, nt, np, leader, id, bport, pid;
    char              bhost[256], bootstrap[256], *colon, *comma;
    double            deadline;
    ssize_t           n;
    int16_t           terr, perr;
    int32_t           corr;
    kg_bench_rbuf_t   r;
    kg_bench_wbuf_t   w;
    unsigned char     req[512], resp[65536];
    struct {
        int32_t       id;
        char          host[256];
        int           port;
    } brokers[64];

    snprintf(bootstrap, sizeof(bootstrap), "%s", a->bootstrap);
    comma = strchr(bootstrap, ',');
    if (comma != NULL) {
        *comma = '\0';
    }

    colon = strrchr(bootstrap, ':');
    if (colon == NULL) {
        return -1;
    }
    *colon = '\0';

    fd = kg_bench_raw_connect(a, bootstrap, atoi(colon + 1));
    if (fd == -1) {
        return -1;
    }

    w.start = req;
    w.end = req + sizeof(req);

    deadline = kg_bench_now() + a->timeout;

    for (corr = 1; kg_bench_now() < deadline; corr++) {
        kg_bench_metadata_req(&w, a->topic, corr);

        n = kg_bench_call(fd, &w, corr, resp, sizeof(resp));
        if (n < 0) {
            fprintf(stderr, "kg_bench_load: metadata: %s\n",
                    strerror(errno));
            break;
        }

        r.pos = resp + 4;
        r.end = resp + n;
        r.bad = 0;

        nb = kg_bench_r32(&r);
        for (i = 0; i < nb && !r.bad; i++) {
            id = kg_bench_r32(&r);
            kg_bench_rstr(&r, bhost, sizeof(bhost));
            bport = kg_bench_r32(&r);

            if (i < 64) {
                brokers[i].id = id;
                memcpy(brokers[i].host, bhost, sizeof(bhost));
                brokers[i].port = bport;
            }
        }

        leader = -1;
        nt = kg_bench_r32(&r);

        if (nt == 1) {
            terr = kg_bench_r16(&r);
            kg_bench_rstr(&r, NULL, 0);
            np = kg_bench_r32(&r);

            for (i = 0; i < np && !r.bad; i++) {
                perr = kg_bench_r16(&r);
                pid = kg_bench_r32(&r);
                id = kg_bench_r32(&r);
                kg_bench_rskip(&r, 4 * (size_t) kg_bench_r32(&r));
                kg_bench_rskip(&r, 4 * (size_t) kg_bench_r32(&r));

                if (pid == 0 && terr == 0 && perr == 0) {
                    leader = id;
                }
            }
        }

        if (r.bad) {
            fprintf(stderr, "kg_bench_load: bad metadata response\n");
            break;
        }

        for (i = 0; leader >= 0 && i < nb && i < 64; i++) {
            if (brokers[i].id == leader) {
                close(fd);
                snprintf(host, hsize, "%s", brokers[i].host);
                *port = brokers[i].port;
                return 0;
            }
        }

        usleep(100000);
    }

    close(fd);

    return -1;
}


/*
 * One message for partition 0: Produce v0 with a v0 message set (what a
 * 0.9 broker takes), or Produce v3 with a v2 record batch.
 */

static size_t
kg_bench_produce_req(kg_bench_wbuf_t *b, kg_bench_args_t *a, int v2,
    int32_t corr, const unsigned char *value)
{
    int64_t          now, reclen;
    unsigned char   *size, *setsize, *msgsize, *crc, *batchlen;

    b->pos = b->start;
    size = kg_bench_header(b, 0, v2 ? 3 : 0, corr);

    if (v2) {
        kg_bench_w16(b, 0xffff);                 /* transactional_id null */
    }

    kg_bench_w16(b, (uint16_t) atoi(a->acks));
    kg_bench_w32(b, 30000);
    kg_bench_w32(b, 1);
    kg_bench_wstr(b, a->topic);
    kg_bench_w32(b, 1);
    kg_bench_w32(b, 0);                           /* partition */

    setsize = b->pos;
    kg_bench_w32(b, 0);

    if (!v2) {
        kg_bench_w64(b, 0);                       /* offset */
        msgsize = b->pos;
        kg_bench_w32(b, 0);
        crc = b->pos;
        kg_bench_w32(b, 0);
        kg_bench_w8(b, 0);                        /* magic */
        kg_bench_w8(b, 0);                        /* attributes */
        kg_bench_w32(b, 0xffffffff);              /* key null */
        kg_bench_w32(b, (uint32_t) a->size);
        kg_bench_wmem(b, value, a->size);

        if (b->pos == b->end) {
            return 0;
        }

        kg_bench_put32(msgsize, (uint32_t) (b->pos - msgsize - 4));
        kg_bench_put32(crc, kg_bench_crc(kg_bench_crc32, crc + 4,
                                         b->pos - crc - 4));

    } else {
        now = (int64_t) time(NULL) * 1000;

        kg_bench_w64(b, 0);                       /* base offset */
        batchlen = b->pos;
        kg_bench_w32(b, 0);
        kg_bench_w32(b, 0xffffffff);              /* leader epoch */
        kg_bench_w8(b, 2);                        /* magic */
        crc = b->pos;
        kg_bench_w32(b, 0);
        kg_bench_w16(b, 0);                       /* attributes */
        kg_bench_w32(b, 0);                       /* last offset delta */
        kg_bench_w64(b, (uint64_t) now);
        kg_bench_w64(b, (uint64_t) now);
        kg_bench_w64(b, 0xffffffffffffffffULL);   /* producer id */
        kg_bench_w16(b, 0xffff);                  /* producer epoch */
        kg_bench_w32(b, 0xffffffff);              /* base sequence */
        kg_bench_w32(b, 1);                       /* records */

        /* attributes, three one-byte varints, the value, no headers */
        reclen = 1 + 3 + kg_bench_varint_len(a->size) + a->size + 1;

        kg_bench_wvarint(b, reclen);
        kg_bench_w8(b, 0);                        /* attributes */
        kg_bench_wvarint(b, 0);                   /* timestamp delta */
        kg_bench_wvarint(b, 0);                   /* offset delta */
        kg_bench_wvarint(b, -1);                  /* key null */
        kg_bench_wvarint(b, a->size);
        kg_bench_wmem(b, value, a->size);
        kg_bench_wvarint(b, 0);                   /* headers */

        if (b->pos == b->end) {
            return 0;
        }

        kg_bench_put32(batchlen, (uint32_t) (b->pos - batchlen - 4));
        kg_bench_put32(crc, kg_bench_crc(kg_bench_crc32c, crc + 4,
                                         b->pos - crc - 4));
    }

    kg_bench_put32(setsize, (uint32_t) (b->pos - setsize - 4));
    kg_bench_put32(size, (uint32_t) (b->pos - size - 4));

    return b->pos - b->start;
}


/* the error code of the single partition in a Produce v0 or v3 response */

static int
kg_bench_produce_resp(const unsigned char *p, size_t n, int v2)
{
    int              err;
    kg_bench_rbuf_t  r;

    r.pos = p + 4;
    r.end = p + n;
    r.bad = 0;

    if (kg_bench_r32(&r) != 1) {
        return -1;
    }

    kg_bench_rstr(&r, NULL, 0);

    if (kg_bench_r32(&r) != 1) {
        return -1;
    }

    kg_bench_r32(&r);                             /* partition */
    err = kg_bench_r16(&r);

    return r.bad ? -1 : err;
}


static int
kg_bench_cmp_double(const void *a, const void *b)
{
    double  x, y;

    x = *(const double *) a;
    y = *(const double *) b;

    return (x > y) - (x < y);
}


static double
kg_bench_pct(const double *s, long n, double p)
{
    long  i;

    i = (long) (p * n + 0.999999) - 1;

    if (i < 0) {
        i = 0;
    }

    if (i >= n) {
        i = n - 1;
    }

    return s[i];
}


static int
kg_bench_latency(kg_bench_args_t *a)
{
    int               fd, v2, port, err;
    long              i, errors, total, warm;
    char              host[256];
    double            t0, t1, sum, deadline, *samples;
    size_t            len;
    ssize_t           n;
    kg_bench_wbuf_t   w;
    unsigned char    *req, *value, resp[4096];

    v2 = (strcmp(a->version, "auto") == 0 || strncmp(a->version, "0.", 2)
          != 0 || atoi(a->version + 2) >= 11);

    len = a->size + 512;
    req = malloc(len);
    value = malloc(a->size);
    samples = malloc(a->count * sizeof(double));

    if (req == NULL || value == NULL || samples == NULL) {
        return 1;
    }

    memset(value, 'x', a->size);

    if (kg_bench_find_leader(a, host, sizeof(host), &port) != 0) {
        fprintf(stderr, "kg_bench_load: no leader for %s/0\n", a->topic);
        return 1;
    }

    fd = kg_bench_raw_connect(a, host, port);
    if (fd == -1) {
        return 1;
    }

    w.start = req;
    w.end = req + len;

    deadline = kg_bench_now() + a->timeout;
    errors = 0;
    sum = 0;
    i = 0;
    warm = KG_BENCH_WARMUP;

    for (total = 0; i < a->count; total++) {
        if (kg_bench_produce_req(&w, a, v2, (int32_t) total, value) == 0) {
            fprintf(stderr, "kg_bench_load: request too large\n");
            break;
        }

        t0 = kg_bench_now();
        n = kg_bench_call(fd, &w, (int32_t) total, resp, sizeof(resp));
        t1 = kg_bench_now();

        if (n < 0) {
            fprintf(stderr, "kg_bench_load: produce: %s\n", strerror(errno));
            break;
        }

        err = kg_bench_produce_resp(resp, n, v2);

        if (err != 0) {
            if (errors++ < 5) {
                fprintf(stderr, "kg_bench_load: produce error %d\n", err);
            }
        }

        if (total >= warm && err == 0) {
            samples[i++] = (t1 - t0) * 1e6;
            sum += (t1 - t0) * 1e6;
        }

        if (t1 > deadline) {
            fprintf(stderr, "kg_bench_load: latency run timed out\n");
            break;
        }
    }

    close(fd);

    if (i == 0) {
        return 1;
    }

    qsort(samples, i, sizeof(double), kg_bench_cmp_double);

    printf("{\"mode\": \"latency\", \"topic\": \"%s\", \"size\": %ld, "
           "\"produce_version\": %d, \"leader\": \"%s:%d\", "
           "\"samples\": %ld, \"errors\": %ld, \"min_us\": %.1f, "
           "\"p50_us\": %.1f, \"p90_us\": %.1f, \"p99_us\": %.1f, "
           "\"p999_us\": %.1f, \"max_us\": %.1f, \"mean_us\": %.1f}\n",
           a->topic, a->size, v2 ? 3 : 0, host, port, i, errors, samples[0],
           kg_bench_pct(samples, i, 0.50), kg_bench_pct(samples, i, 0.90),
           kg_bench_pct(samples, i, 0.99), kg_bench_pct(samples, i, 0.999),
           samples[i - 1], sum / i);

    free(samples);
    free(value);
    free(req);

    return (i == a->count && errors == 0) ? 0 : 1;
}


static int
kg_bench_idle(kg_bench_args_t *a)
{
    int               *fds, ok, failed, rc;
    char               bootstrap[256], *colon, *comma, line[64];
    long               i;
    double             t0, deadline;
    fd_set             rfds;
    ssize_t            n;
    kg_bench_wbuf_t    w;
    struct timeval     tv;
    unsigned char      req[512], resp[65536];

    snprintf(bootstrap, sizeof(bootstrap), "%s", a->bootstrap);
    comma = strchr(bootstrap, ',');
    if (comma != NULL) {
        *comma = '\0';
    }

    colon = strrchr(bootstrap, ':');
    if (colon == NULL) {
        return 2;
    }
    *colon = '\0';

    fds = malloc(a->conns * sizeof(int));
    if (fds == NULL) {
        return 1;
    }

    w.start = req;
    w.end = req + sizeof(req);

    ok = 0;
    failed = 0;
    t0 = kg_bench_now();
    deadline = t0 + a->timeout;

    for (i = 0; i < a->conns; i++) {
        fds[i] = kg_bench_raw_connect(a, bootstrap, atoi(colon + 1));

        if (fds[i] == -1) {
            failed++;
            continue;
        }

        kg_bench_metadata_req(&w, a->topic, (int32_t) i);

        n = kg_bench_call(fds[i], &w, (int32_t) i, resp, sizeof(resp));
        if (n < 0) {
            if (failed++ < 5) {
                fprintf(stderr, "kg_bench_load: connection %ld: %s\n", i,
                        strerror(errno));
            }
            close(fds[i]);
            fds[i] = -1;
            continue;
        }

        ok++;

        if (kg_bench_now() > deadline) {
            break;
        }
    }

    for (i++; i < a->conns; i++) {
        fds[i] = -1;
    }

    printf("{\"mode\": \"idle\", \"conns\": %ld, \"ok\": %d, "
           "\"failed\": %d, \"seconds\": %.3f}\n",
           a->conns, ok, failed, kg_bench_now() - t0);
    fflush(stdout);

    /* hold them until told, bounded by the timeout */
    rc = (ok == a->conns) ? 0 : 1;

    for ( ;; ) {
        if (kg_bench_now() > deadline) {
            break;
        }

        FD_ZERO(&rfds);
        FD_SET(0, &rfds);
        tv.tv_sec = 1;
        tv.tv_usec = 0;

        if (select(1, &rfds, NULL, NULL, &tv) <= 0) {
            continue;
        }

        if (fgets(line, sizeof(line), stdin) == NULL
            || strncmp(line, "quit", 4) == 0)
        {
            break;
        }
    }

    for (i = 0; i < a->conns; i++) {
        if (fds[i] != -1) {
            close(fds[i]);
        }
    }

    free(fds);

    return rc;
}
