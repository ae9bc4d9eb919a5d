/*
 * Copyright (C) kgate authors
 */


/*
 * A Kafka cluster made of librdkafka's mock brokers, driven from stdin.
 *
 *   kg_mock_cluster [-b brokers] [-t topic:partitions:rf ...]
 *
 * Prints the bootstrap list ("127.0.0.1:P1,127.0.0.1:P2,...") as the first
 * line on stdout, then reads one command per line and answers each with one
 * line, "ok ..." or "error ...":
 *
 *   topic NAME PARTITIONS RF
 *   leader TOPIC PARTITION BROKERID
 *   follower TOPIC PARTITION BROKERID
 *   coordinator group|transaction KEY BROKERID
 *   down BROKERID
 *   up BROKERID
 *   rtt BROKERID MS
 *   push_errors APIKEY ERR1 [ERR2...]
 *   broker_errors BROKERID APIKEY ERR1[:RTT_MS] [ERR2[:RTT_MS]...]
 *   clear_errors APIKEY
 *   topic_error TOPIC ERR
 *   apiversion APIKEY MINVER MAXVER
 *   bootstraps
 *   quit
 *
 * APIKEY is a number or a request name (Produce, Fetch, Metadata, ...);
 * ERR is a number or an error name as librdkafka spells it
 * (NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, ...).  End of input, SIGTERM
 * and the death of the parent process end the cluster too.
 */


#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/prctl.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>


#define KG_MOCK_MAX_ARGS  64


typedef struct {
    const char  *name;
    int          key;
} kg_mock_api_t;


static int kg_mock_api_key(const char *s);
static int kg_mock_err(const char *s, rd_kafka_resp_err_t *err);
static int kg_mock_int(const char *s, long *v);
static int kg_mock_topic(rd_kafka_mock_cluster_t *mc, const char *spec);
static void kg_mock_command(rd_kafka_mock_cluster_t *mc, int argc,
    char **argv);
static void kg_mock_reply(rd_kafka_resp_err_t err, const char *what);


static const kg_mock_api_t  kg_mock_apis[] = {
    { "Produce", 0 },
    { "Fetch", 1 },
    { "ListOffsets", 2 },
    { "Offsets", 2 },
    { "Metadata", 3 },
    { "LeaderAndIsr", 4 },
    { "StopReplica", 5 },
    { "UpdateMetadata", 6 },
    { "ControlledShutdown", 7 },
    { "OffsetCommit", 8 },
    { "OffsetFetch", 9 },
    { "FindCoordinator", 10 },
    { "GroupCoordinator", 10 },
    { "JoinGroup", 11 },
    { "Heartbeat", 12 },
    { "LeaveGroup", 13 },
    { "SyncGroup", 14 },
    { "DescribeGroups", 15 },
    { "ListGroups", 16 },
    { "SaslHandshake", 17 },
    { "ApiVersion", 18 },
    { "ApiVersions", 18 },
    { "CreateTopics", 19 },
    { "DeleteTopics", 20 },
    { "DeleteRecords", 21 },
    { "InitProducerId", 22 },
    { "AddPartitionsToTxn", 24 },
    { "AddOffsetsToTxn", 25 },
    { "EndTxn", 26 },
    { "TxnOffsetCommit", 28 },
    { "DescribeConfigs", 32 },
    { "AlterConfigs", 33 },
    { "SaslAuthenticate", 36 },
    { "CreatePartitions", 37 },
    { "DeleteGroups", 42 },
    { "OffsetDelete", 47 },
    { NULL, 0 }
};


static volatile sig_atomic_t  kg_mock_quit;


static void
kg_mock_signal(int signo)
{
    kg_mock_quit = 1;
}


int
main(int argc, char **argv)
{
    int                       c, nbrokers, ntopics, n;
    char                      line[4096], errstr[512];
    char                     *p, *save, *args[KG_MOCK_MAX_ARGS];
    const char               *topics[KG_MOCK_MAX_ARGS];
    rd_kafka_t               *rk;
    rd_kafka_conf_t          *conf;
    struct sigaction          sa;
    rd_kafka_mock_cluster_t  *mc;

    nbrokers = 3;
    ntopics = 0;

    while ((c = getopt(argc, argv, "b:t:h")) != -1) {
        switch (c) {
        case 'b':
            nbrokers = atoi(optarg);
            if (nbrokers < 1 || nbrokers > 64) {
                fprintf(stderr, "kg_mock_cluster: bad broker count\n");
                return 2;
            }
            break;
        case 't':
            /* created once the cluster exists */
            if (ntopics == KG_MOCK_MAX_ARGS) {
                fprintf(stderr, "kg_mock_cluster: too many topics\n");
                return 2;
            }
            topics[ntopics++] = optarg;
            break;
        default:
            fprintf(stderr, "usage: kg_mock_cluster [-b brokers] "
                    "[-t topic:partitions:rf ...]\n");
            return 2;
        }
    }

    /* the cluster must not outlive whoever started it */
    prctl(PR_SET_PDEATHSIG, SIGTERM);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kg_mock_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr))
        != RD_KAFKA_CONF_OK)
    {
        fprintf(stderr, "kg_mock_cluster: %s\n", errstr);
        return 1;
    }

    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "kg_mock_cluster: rd_kafka_new: %s\n", errstr);
        return 1;
    }

    mc = rd_kafka_mock_cluster_new(rk, nbrokers);
    if (mc == NULL) {
        fprintf(stderr, "kg_mock_cluster: cannot create mock cluster\n");
        rd_kafka_destroy(rk);
        return 1;
    }

    for (n = 0; n < ntopics; n++) {
        if (kg_mock_topic(mc, topics[n]) != 0) {
            rd_kafka_mock_cluster_destroy(mc);
            rd_kafka_destroy(rk);
            return 1;
        }
    }

    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);

    while (!kg_mock_quit) {
        if (fgets(line, sizeof(line), stdin) == NULL) {
            if (errno == EINTR && !feof(stdin) && !kg_mock_quit) {
                clearerr(stdin);
                continue;
            }
            break;
        }

        n = 0;
        for (p = strtok_r(line, " \t\r\n", &save);
             p != NULL && n < KG_MOCK_MAX_ARGS;
             p = strtok_r(NULL, " \t\r\n", &save))
        {
            args[n++] = p;
        }

        if (n == 0 || args[0][0] == '#') {
            continue;
        }

        if (strcmp(args[0], "quit") == 0) {
            printf("ok quit\n");
            fflush(stdout);
            break;
        }

        kg_mock_command(mc, n, args);
        fflush(stdout);
    }

    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);

    return 0;
}


static void
kg_mock_command(rd_kafka_mock_cluster_t *mc, int argc, char **argv)
{
    int                   i, key;
    long                  a, b, v;
    char                 *colon;
    size_t                cnt;
    rd_kafka_resp_err_t   err, errs[KG_MOCK_MAX_ARGS];

    if (strcmp(argv[0], "bootstraps") == 0) {
        printf("ok %s\n", rd_kafka_mock_cluster_bootstraps(mc));
        return;
    }

    if (strcmp(argv[0], "topic") == 0 && argc == 4) {
        if (kg_mock_int(argv[2], &a) != 0 || kg_mock_int(argv[3], &b) != 0) {
            printf("error bad number\n");
            return;
        }
        err = rd_kafka_mock_topic_create(mc, argv[1], (int) a, (int) b);
        kg_mock_reply(err, "topic");
        return;
    }

    if ((strcmp(argv[0], "leader") == 0 || strcmp(argv[0], "follower") == 0)
        && argc == 4)
    {
        if (kg_mock_int(argv[2], &a) != 0 || kg_mock_int(argv[3], &b) != 0) {
            printf("error bad number\n");
            return;
        }
        if (argv[0][0] == 'l') {
            err = rd_kafka_mock_partition_set_leader(mc, argv[1],
                                                     (int32_t) a, (int32_t) b);
        } else {
            err = rd_kafka_mock_partition_set_follower(mc, argv[1],
                                                     (int32_t) a, (int32_t) b);
        }
        kg_mock_reply(err, argv[0]);
        return;
    }

    if (strcmp(argv[0], "coordinator") == 0 && argc == 4) {
        if (kg_mock_int(argv[3], &a) != 0) {
            printf("error bad number\n");
            return;
        }
        if (strcmp(argv[1], "group") != 0
            && strcmp(argv[1], "transaction") != 0)
        {
            printf("error coordinator type must be group or transaction\n");
            return;
        }
        err = rd_kafka_mock_coordinator_set(mc, argv[1], argv[2], (int32_t) a);
        kg_mock_reply(err, "coordinator");
        return;
    }

    if ((strcmp(argv[0], "down") == 0 || strcmp(argv[0], "up") == 0)
        && argc == 2)
    {
        if (kg_mock_int(argv[1], &a) != 0) {
            printf("error bad number\n");
            return;
        }
        err = (argv[0][0] == 'd')
              ? rd_kafka_mock_broker_set_down(mc, (int32_t) a)
              : rd_kafka_mock_broker_set_up(mc, (int32_t) a);
        kg_mock_reply(err, argv[0]);
        return;
    }

    if (strcmp(argv[0], "rtt") == 0 && argc == 3) {
        if (kg_mock_int(argv[1], &a) != 0 || kg_mock_int(argv[2], &b) != 0) {
            printf("error bad number\n");
            return;
        }
        err = rd_kafka_mock_broker_set_rtt(mc, (int32_t) a, (int) b);
        kg_mock_reply(err, "rtt");
        return;
    }

    if (strcmp(argv[0], "push_errors") == 0 && argc >= 3) {
        key = kg_mock_api_key(argv[1]);
        if (key < 0) {
            printf("error unknown api key \"%s\"\n", argv[1]);
            return;
        }
        cnt = 0;
        for (i = 2; i < argc; i++) {
            if (kg_mock_err(argv[i], &errs[cnt]) != 0) {
                printf("error unknown error \"%s\"\n", argv[i]);
                return;
            }
            cnt++;
        }
        rd_kafka_mock_push_request_errors_array(mc, (int16_t) key, cnt, errs);
        printf("ok push_errors %d %zu\n", key, cnt);
        return;
    }

    if (strcmp(argv[0], "broker_errors") == 0 && argc >= 4) {
        if (kg_mock_int(argv[1], &a) != 0) {
            printf("error bad number\n");
            return;
        }
        key = kg_mock_api_key(argv[2]);
        if (key < 0) {
            printf("error unknown api key \"%s\"\n", argv[2]);
            return;
        }

        /* the API is variadic: push one (error, rtt) pair per call */
        for (i = 3; i < argc; i++) {
            v = 0;
            colon = strchr(argv[i], ':');
            if (colon != NULL) {
                *colon++ = '\0';
                if (kg_mock_int(colon, &v) != 0) {
                    printf("error bad rtt \"%s\"\n", colon);
                    return;
                }
            }
            if (kg_mock_err(argv[i], &err) != 0) {
                printf("error unknown error \"%s\"\n", argv[i]);
                return;
            }
            err = rd_kafka_mock_broker_push_request_error_rtts(mc,
                      (int32_t) a, (int16_t) key, 1, err, (int) v);
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                kg_mock_reply(err, "broker_errors");
                return;
            }
        }
        printf("ok broker_errors %ld %d %d\n", a, key, argc - 3);
        return;
    }

    if (strcmp(argv[0], "clear_errors") == 0 && argc == 2) {
        key = kg_mock_api_key(argv[1]);
        if (key < 0) {
            printf("error unknown api key \"%s\"\n", argv[1]);
            return;
        }
        rd_kafka_mock_clear_request_errors(mc, (int16_t) key);
        printf("ok clear_errors %d\n", key);
        return;
    }

    if (strcmp(argv[0], "topic_error") == 0 && argc == 3) {
        if (kg_mock_err(argv[2], &err) != 0) {
            printf("error unknown error \"%s\"\n", argv[2]);
            return;
        }
        rd_kafka_mock_topic_set_error(mc, argv[1], err);
        printf("ok topic_error\n");
        return;
    }

    if (strcmp(argv[0], "apiversion") == 0 && argc == 4) {
        key = kg_mock_api_key(argv[1]);
        if (key < 0 || kg_mock_int(argv[2], &a) != 0
            || kg_mock_int(argv[3], &b) != 0)
        {
            printf("error bad arguments\n");
            return;
        }
        err = rd_kafka_mock_set_apiversion(mc, (int16_t) key, (int16_t) a,
                                           (int16_t) b);
        kg_mock_reply(err, "apiversion");
        return;
    }

    printf("error unknown command \"%s\" or wrong argument count\n", argv[0]);
}


static void
kg_mock_reply(rd_kafka_resp_err_t err, const char *what)
{
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        printf("ok %s\n", what);

    } else {
        printf("error %s: %s\n", what, rd_kafka_err2name(err));
    }
}


static int
kg_mock_topic(rd_kafka_mock_cluster_t *mc, const char *spec)
{
    int                   partitions, rf;
    char                  name[256];
    rd_kafka_resp_err_t   err;

    partitions = 3;
    rf = 1;

    if (sscanf(spec, "%255[^:]:%d:%d", name, &partitions, &rf) < 1) {
        fprintf(stderr, "kg_mock_cluster: bad topic \"%s\"\n", spec);
        return -1;
    }

    err = rd_kafka_mock_topic_create(mc, name, partitions, rf);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "kg_mock_cluster: topic \"%s\": %s\n", name,
                rd_kafka_err2name(err));
        return -1;
    }

    return 0;
}


static int
kg_mock_api_key(const char *s)
{
    long                  v;
    const kg_mock_api_t  *api;

    if (kg_mock_int(s, &v) == 0) {
        return (v >= 0 && v < 1000) ? (int) v : -1;
    }

    for (api = kg_mock_apis; api->name != NULL; api++) {
        if (strcasecmp(api->name, s) == 0
            || (strncasecmp(s, api->name, strlen(api->name)) == 0
                && strcasecmp(s + strlen(api->name), "Request") == 0))
        {
            return api->key;
        }
    }

    return -1;
}


static int
kg_mock_err(const char *s, rd_kafka_resp_err_t *err)
{
    long                             v;
    size_t                           i, n;
    const struct rd_kafka_err_desc  *descs;

    if (kg_mock_int(s, &v) == 0) {
        *err = (rd_kafka_resp_err_t) v;
        return 0;
    }

    if (strncmp(s, "RD_KAFKA_RESP_ERR_", 18) == 0) {
        s += 18;

    } else if (strncmp(s, "ERR_", 4) == 0) {
        s += 4;
    }

    rd_kafka_get_err_descs(&descs, &n);

    for (i = 0; i < n; i++) {
        if (descs[i].name != NULL && strcasecmp(descs[i].name, s) == 0) {
            *err = descs[i].code;
            return 0;
        }
    }

    return -1;
}


static int
kg_mock_int(const char *s, long *v)
{
    char  *end;

    errno = 0;
    *v = strtol(s, &end, 10);

    if (errno != 0 || end == s || *end != '\0') {
        return -1;
    }

    return 0;
}
