/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_errors.h>


/*
 * Retriable answers kgate gives itself: to requests held on a paused
 * route past pause_timeout, and to requests reaching a broker port with
 * no broker of the active cluster behind it.  The aim is that clients
 * back off, rediscover what they need (metadata, a coordinator) and
 * retry, never that they fail the application.
 *
 * A code is only as good as the worst client handler that reads it, so
 * each one below is the code that Kafka's Java clients (producer,
 * consumer, admin, in their 2.x to 4.x forms) and librdkafka all handle
 * as retriable for that api.  The reason (paused or no broker) changes
 * the error message only: in both cases the client must let go of what
 * it believes about this connection and ask again.
 *
 *  api                   code                          answered in
 *
 *  Produce               NOT_LEADER_OR_FOLLOWER (6)    every partition
 *      Java Sender: InvalidMetadataException, metadata refresh and retry
 *      until delivery.timeout.ms; librdkafka: REFRESH, retried without
 *      counting against retries until message.timeout.ms.  acks=0 gets no
 *      response at all: the caller never asks for one.
 *
 *  Fetch                 NOT_LEADER_OR_FOLLOWER (6)    every partition
 *      the only set the Java consumer retries silently (FetchCollector):
 *      LEADER_NOT_AVAILABLE and REQUEST_TIMED_OUT throw out of poll().
 *      The top-level ErrorCode (v7+) stays NONE: it is the fetch session
 *      error, and with it set Java skips the partitions without a
 *      metadata refresh.  SessionId 0 closes any session: the client
 *      starts a full one next time.
 *
 *  ListOffsets           NOT_LEADER_OR_FOLLOWER (6)    every partition
 *  OffsetForLeaderEpoch  NOT_LEADER_OR_FOLLOWER (6)    every partition
 *  DeleteRecords         NOT_LEADER_OR_FOLLOWER (6)    every partition
 *      Java consumer (OffsetFetcher, offset validation) and admin
 *      (DeleteRecordsHandler) retry after a metadata refresh;
 *      librdkafka: REFRESH and retry.
 *
 *  OffsetCommit          NOT_COORDINATOR (16)          every partition
 *  OffsetFetch           NOT_COORDINATOR (16)          top level (v2-7),
 *                                                      every group (v8+),
 *                                                      every partition
 *      OffsetFetch decides between the two coordinator codes: Java's
 *      ConsumerCoordinator and CommitRequestManager retry only
 *      NOT_COORDINATOR and COORDINATOR_LOAD_IN_PROGRESS there, and throw
 *      "Unexpected error in fetch offset response" on
 *      COORDINATOR_NOT_AVAILABLE.  NOT_COORDINATOR marks the coordinator
 *      unknown everywhere, so the client runs FindCoordinator again.
 *
 *  JoinGroup, Heartbeat, SyncGroup, AddOffsetsToTxn, EndTxn,
 *  ConsumerGroupHeartbeat
 *                        NOT_COORDINATOR (16)          top level
 *  LeaveGroup            NOT_COORDINATOR (16)          top level, every
 *                                                      member (v3+)
 *  DescribeGroups        NOT_COORDINATOR (16)          every group
 *  TxnOffsetCommit       NOT_COORDINATOR (16)          every partition
 *  AddPartitionsToTxn    NOT_COORDINATOR (16)          every partition,
 *                                                      top level (v4+)
 *      Java AbstractCoordinator, TransactionManager and the admin group
 *      handlers, and librdkafka's cgrp and txnmgr, mark the coordinator
 *      unknown, look it up again and retry.  JoinGroup echoes the
 *      request's MemberId as a broker does.
 *
 *  FindCoordinator       COORDINATOR_NOT_AVAILABLE (15) top level (v0-3),
 *                                                      every key (v4+)
 *      what a broker answers while no coordinator is elected: Java
 *      retries after a metadata refresh, librdkafka after its backoff.
 *
 *  ListGroups            COORDINATOR_NOT_AVAILABLE (15) top level
 *      the Java admin retries COORDINATOR_LOAD_IN_PROGRESS and
 *      COORDINATOR_NOT_AVAILABLE here, and reports NOT_COORDINATOR as
 *      a failure.
 *
 *  InitProducerId        NOT_COORDINATOR (16)          top level, with a
 *                                                      TransactionalId
 *                        COORDINATOR_LOAD_IN_PROGRESS (14)  without one
 *      an idempotent producer has no coordinator to look up: Java would
 *      run FindCoordinator for a null key on NOT_COORDINATOR, while it
 *      requeues on COORDINATOR_LOAD_IN_PROGRESS (what brokers answer
 *      when they have no producer ids to give); librdkafka retries
 *      either after 500 ms.
 *
 *  CreateTopics, DeleteTopics, CreatePartitions
 *                        NOT_CONTROLLER (41)           every topic
 *      the Java admin clears its controller, refreshes metadata and
 *      retries the call until its deadline; librdkafka's admin retries
 *      on the new controller likewise.
 *
 *  Metadata              declined
 *      a Metadata response is absolute state: an empty topic list to an
 *      all-topics request makes librdkafka drop every topic (regex
 *      subscriptions lose their partitions), and it deletes a topic
 *      answered with LEADER_NOT_AVAILABLE from its cache.  The Java
 *      client ignores a response without brokers, librdkafka does not.
 *      A closed connection is what every client retries without side
 *      effects.
 *
 *  DescribeConfigs and every other api      declined
 *      no code is retried by the clients (the Java admin fails the
 *      resource), while it retries a call whose connection closes.
 *      ApiVersions and SASL are answered by kgate itself.
 */


#define KG_KAFKA_ERRORS_NO_OFFSET  (-1)


typedef struct {
    kg_pool_t                  *pool;
    const kg_kafka_api_t       *api;
    kg_uint_t                   version;
    kg_uint_t                   flexible;
    kg_str_t                    message;
} kg_kafka_errors_ctx_t;


typedef kg_int_t (*kg_kafka_errors_handler_pt)(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);


typedef struct {
    int16_t                     api_key;
    kg_kafka_errors_handler_pt  handler;
} kg_kafka_errors_api_t;


static kg_int_t kg_kafka_errors_produce(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_fetch(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_list_offsets(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_offset_commit(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_offset_fetch(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_offset_fetch_topics(
    kg_kafka_errors_ctx_t *ctx, const kg_kafka_schema_t *ts,
    kg_kafka_array_t *req, kg_kafka_array_t *resp);
static kg_int_t kg_kafka_errors_find_coordinator(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_join_group(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_heartbeat(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_leave_group(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_sync_group(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_describe_groups(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_list_groups(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_create_topics(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_delete_topics(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_delete_records(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_init_producer_id(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_offset_for_leader_epoch(
    kg_kafka_errors_ctx_t *ctx, void *request, void *response);
static kg_int_t kg_kafka_errors_add_partitions_to_txn(
    kg_kafka_errors_ctx_t *ctx, void *request, void *response);
static kg_int_t kg_kafka_errors_txn_topics(kg_kafka_errors_ctx_t *ctx,
    const kg_kafka_schema_t *ts, kg_kafka_array_t *req,
    kg_kafka_array_t *resp);
static kg_int_t kg_kafka_errors_add_offsets_to_txn(
    kg_kafka_errors_ctx_t *ctx, void *request, void *response);
static kg_int_t kg_kafka_errors_end_txn(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_txn_offset_commit(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response);
static kg_int_t kg_kafka_errors_create_partitions(
    kg_kafka_errors_ctx_t *ctx, void *request, void *response);
static kg_int_t kg_kafka_errors_consumer_group_heartbeat(
    kg_kafka_errors_ctx_t *ctx, void *request, void *response);

static const kg_kafka_schema_t *kg_kafka_errors_schema(
    const kg_kafka_schema_t *parent, const char *name);
static void *kg_kafka_errors_elts(kg_kafka_errors_ctx_t *ctx,
    const kg_kafka_schema_t *s, kg_uint_t n, kg_kafka_array_t *a);


static const kg_kafka_errors_api_t  kg_kafka_errors_apis[] = {
    { KG_KAFKA_API_PRODUCE, kg_kafka_errors_produce },
    { KG_KAFKA_API_FETCH, kg_kafka_errors_fetch },
    { KG_KAFKA_API_LIST_OFFSETS, kg_kafka_errors_list_offsets },
    { KG_KAFKA_API_OFFSET_COMMIT, kg_kafka_errors_offset_commit },
    { KG_KAFKA_API_OFFSET_FETCH, kg_kafka_errors_offset_fetch },
    { KG_KAFKA_API_FIND_COORDINATOR, kg_kafka_errors_find_coordinator },
    { KG_KAFKA_API_JOIN_GROUP, kg_kafka_errors_join_group },
    { KG_KAFKA_API_HEARTBEAT, kg_kafka_errors_heartbeat },
    { KG_KAFKA_API_LEAVE_GROUP, kg_kafka_errors_leave_group },
    { KG_KAFKA_API_SYNC_GROUP, kg_kafka_errors_sync_group },
    { KG_KAFKA_API_DESCRIBE_GROUPS, kg_kafka_errors_describe_groups },
    { KG_KAFKA_API_LIST_GROUPS, kg_kafka_errors_list_groups },
    { KG_KAFKA_API_CREATE_TOPICS, kg_kafka_errors_create_topics },
    { KG_KAFKA_API_DELETE_TOPICS, kg_kafka_errors_delete_topics },
    { KG_KAFKA_API_DELETE_RECORDS, kg_kafka_errors_delete_records },
    { KG_KAFKA_API_INIT_PRODUCER_ID, kg_kafka_errors_init_producer_id },
    { KG_KAFKA_API_OFFSET_FOR_LEADER_EPOCH,
      kg_kafka_errors_offset_for_leader_epoch },
    { KG_KAFKA_API_ADD_PARTITIONS_TO_TXN,
      kg_kafka_errors_add_partitions_to_txn },
    { KG_KAFKA_API_ADD_OFFSETS_TO_TXN, kg_kafka_errors_add_offsets_to_txn },
    { KG_KAFKA_API_END_TXN, kg_kafka_errors_end_txn },
    { KG_KAFKA_API_TXN_OFFSET_COMMIT, kg_kafka_errors_txn_offset_commit },
    { KG_KAFKA_API_CREATE_PARTITIONS, kg_kafka_errors_create_partitions },
    { KG_KAFKA_API_CONSUMER_GROUP_HEARTBEAT,
      kg_kafka_errors_consumer_group_heartbeat },
    { -1, NULL }
};


static kg_str_t  kg_kafka_errors_paused =
    kg_string("kgate: route paused, retry later");
static kg_str_t  kg_kafka_errors_no_broker =
    kg_string("kgate: no broker behind this address, refresh metadata");


kg_int_t
kg_kafka_error_response(kg_pool_t *pool, int16_t api_key,
    int16_t api_version, kg_str_t *req_body, kg_uint_t reason,
    kg_str_t *out)
{
    void                         *req, *resp;
    size_t                        size;
    u_char                       *p;
    const char                   *err;
    kg_kafka_errors_ctx_t         ctx;
    const kg_kafka_errors_api_t  *e;

    if (reason == KG_KAFKA_ERR_PAUSED) {
        ctx.message = kg_kafka_errors_paused;

    } else if (reason == KG_KAFKA_ERR_NO_BROKER) {
        ctx.message = kg_kafka_errors_no_broker;

    } else {
        return KG_DECLINED;
    }

    for (e = kg_kafka_errors_apis; e->handler; e++) {
        if (e->api_key == api_key) {
            break;
        }
    }

    if (e->handler == NULL) {
        return KG_DECLINED;
    }

    ctx.api = kg_kafka_api(api_key);

    if (ctx.api == NULL
        || api_version < ctx.api->min_version
        || api_version > ctx.api->max_version)
    {
        /* a layout the codec does not know cannot be answered */
        return KG_DECLINED;
    }

    ctx.pool = pool;
    ctx.version = api_version;
    ctx.flexible = kg_kafka_flexible(ctx.api, api_version);

    req = kg_palloc(pool, ctx.api->request->size);
    if (req == NULL) {
        return KG_ERROR;
    }

    if (kg_kafka_decode(pool, ctx.api->request, ctx.version, ctx.flexible,
                        req_body->data, req_body->len, req, &err)
        != KG_OK)
    {
        kg_log_debug3(KG_LOG_DEBUG_KAFKA, pool->log, 0,
                      "kafka errors: %s v%d request: %s",
                      ctx.api->name, api_version, err);
        return KG_ERROR;
    }

    resp = kg_kafka_errors_elts(&ctx, ctx.api->response, 1, NULL);
    if (resp == NULL) {
        return KG_ERROR;
    }

    if (e->handler(&ctx, req, resp) != KG_OK) {
        return KG_ERROR;
    }

    size = kg_kafka_encoded_size(ctx.api->response, ctx.version,
                                 ctx.flexible, resp);
    if (size == KG_KAFKA_SIZE_ERROR) {
        return KG_ERROR;
    }

    p = kg_pnalloc(pool, size ? size : 1);
    if (p == NULL) {
        return KG_ERROR;
    }

    out->data = p;
    out->len = kg_kafka_encode(p, ctx.api->response, ctx.version,
                               ctx.flexible, resp)
               - p;

    kg_log_debug3(KG_LOG_DEBUG_KAFKA, pool->log, 0,
                  "kafka errors: %s v%d answered, %uz bytes",
                  ctx.api->name, api_version, out->len);

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_produce(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_uint_t                                       i, j;
    const kg_kafka_schema_t                        *ts, *ps;
    kg_kafka_produce_request_t                     *req;
    kg_kafka_produce_response_t                    *resp;
    kg_kafka_produce_resp_topic_produce_t          *t;
    kg_kafka_produce_resp_partition_produce_t      *p;
    kg_kafka_produce_req_topic_produce_data_t      *rt;
    kg_kafka_produce_req_partition_produce_data_t  *rp;

    req = request;
    resp = response;

    ts = kg_kafka_errors_schema(ctx->api->response, "Responses");
    ps = kg_kafka_errors_schema(ts, "PartitionResponses");

    rt = req->TopicData.elts;
    t = kg_kafka_errors_elts(ctx, ts, req->TopicData.nelts, &resp->Responses);
    if (t == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->TopicData.nelts; i++) {
        t[i].Name = rt[i].Name;

        rp = rt[i].PartitionData.elts;
        p = kg_kafka_errors_elts(ctx, ps, rt[i].PartitionData.nelts,
                                 &t[i].PartitionResponses);
        if (p == NULL) {
            return KG_ERROR;
        }

        for (j = 0; j < rt[i].PartitionData.nelts; j++) {
            p[j].Index = rp[j].Index;
            p[j].ErrorCode = KG_KAFKA_NOT_LEADER_OR_FOLLOWER;
            p[j].BaseOffset = KG_KAFKA_ERRORS_NO_OFFSET;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_fetch(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_uint_t                              i, j;
    const kg_kafka_schema_t               *ts, *ps;
    kg_kafka_fetch_request_t              *req;
    kg_kafka_fetch_response_t             *resp;
    kg_kafka_fetch_req_topic_t            *rt;
    kg_kafka_fetch_req_partition_t        *rp;
    kg_kafka_fetch_resp_able_topic_t      *t;
    kg_kafka_fetch_resp_partition_data_t  *p;

    req = request;
    resp = response;

    /* NONE and no session: see the table at the top */
    resp->ErrorCode = KG_KAFKA_NONE;
    resp->SessionId = 0;

    ts = kg_kafka_errors_schema(ctx->api->response, "Responses");
    ps = kg_kafka_errors_schema(ts, "Partitions");

    rt = req->Topics.elts;
    t = kg_kafka_errors_elts(ctx, ts, req->Topics.nelts, &resp->Responses);
    if (t == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->Topics.nelts; i++) {
        t[i].Topic = rt[i].Topic;
        t[i].TopicId = rt[i].TopicId;

        rp = rt[i].Partitions.elts;
        p = kg_kafka_errors_elts(ctx, ps, rt[i].Partitions.nelts,
                                 &t[i].Partitions);
        if (p == NULL) {
            return KG_ERROR;
        }

        for (j = 0; j < rt[i].Partitions.nelts; j++) {
            p[j].PartitionIndex = rp[j].Partition;
            p[j].ErrorCode = KG_KAFKA_NOT_LEADER_OR_FOLLOWER;
            p[j].HighWatermark = KG_KAFKA_ERRORS_NO_OFFSET;

            /* empty, not null: librdkafka rejects a negative size */
            p[j].Records.data = kg_kafka_empty;
            p[j].Records.len = 0;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_list_offsets(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_uint_t                                i, j;
    const kg_kafka_schema_t                 *ts, *ps;
    kg_kafka_list_offsets_request_t         *req;
    kg_kafka_list_offsets_response_t        *resp;
    kg_kafka_list_offsets_req_topic_t       *rt;
    kg_kafka_list_offsets_req_partition_t   *rp;
    kg_kafka_list_offsets_resp_topic_t      *t;
    kg_kafka_list_offsets_resp_partition_t  *p;

    req = request;
    resp = response;

    ts = kg_kafka_errors_schema(ctx->api->response, "Topics");
    ps = kg_kafka_errors_schema(ts, "Partitions");

    rt = req->Topics.elts;
    t = kg_kafka_errors_elts(ctx, ts, req->Topics.nelts, &resp->Topics);
    if (t == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->Topics.nelts; i++) {
        t[i].Name = rt[i].Name;

        rp = rt[i].Partitions.elts;
        p = kg_kafka_errors_elts(ctx, ps, rt[i].Partitions.nelts,
                                 &t[i].Partitions);
        if (p == NULL) {
            return KG_ERROR;
        }

        /* Timestamp, Offset and LeaderEpoch default to -1 */

        for (j = 0; j < rt[i].Partitions.nelts; j++) {
            p[j].PartitionIndex = rp[j].PartitionIndex;
            p[j].ErrorCode = KG_KAFKA_NOT_LEADER_OR_FOLLOWER;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_offset_commit(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_uint_t                                 i, j;
    const kg_kafka_schema_t                  *ts, *ps;
    kg_kafka_offset_commit_request_t         *req;
    kg_kafka_offset_commit_response_t        *resp;
    kg_kafka_offset_commit_req_topic_t       *rt;
    kg_kafka_offset_commit_req_partition_t   *rp;
    kg_kafka_offset_commit_resp_topic_t      *t;
    kg_kafka_offset_commit_resp_partition_t  *p;

    req = request;
    resp = response;

    ts = kg_kafka_errors_schema(ctx->api->response, "Topics");
    ps = kg_kafka_errors_schema(ts, "Partitions");

    rt = req->Topics.elts;
    t = kg_kafka_errors_elts(ctx, ts, req->Topics.nelts, &resp->Topics);
    if (t == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->Topics.nelts; i++) {
        t[i].Name = rt[i].Name;

        rp = rt[i].Partitions.elts;
        p = kg_kafka_errors_elts(ctx, ps, rt[i].Partitions.nelts,
                                 &t[i].Partitions);
        if (p == NULL) {
            return KG_ERROR;
        }

        for (j = 0; j < rt[i].Partitions.nelts; j++) {
            p[j].PartitionIndex = rp[j].PartitionIndex;
            p[j].ErrorCode = KG_KAFKA_NOT_COORDINATOR;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_offset_fetch(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_uint_t                            i;
    const kg_kafka_schema_t             *gs, *ts;
    kg_kafka_offset_fetch_request_t     *req;
    kg_kafka_offset_fetch_response_t    *resp;
    kg_kafka_offset_fetch_req_group_t   *rg;
    kg_kafka_offset_fetch_resp_group_t  *g;

    req = request;
    resp = response;

    if (ctx->version < 8) {

        /* v0-1 have no top-level code: clients take the partitions' */

        resp->ErrorCode = KG_KAFKA_NOT_COORDINATOR;

        ts = kg_kafka_errors_schema(ctx->api->response, "Topics");

        return kg_kafka_errors_offset_fetch_topics(ctx, ts, &req->Topics,
                                                   &resp->Topics);
    }

    gs = kg_kafka_errors_schema(ctx->api->response, "Groups");
    ts = kg_kafka_errors_schema(gs, "Topics");

    rg = req->Groups.elts;
    g = kg_kafka_errors_elts(ctx, gs, req->Groups.nelts, &resp->Groups);
    if (g == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->Groups.nelts; i++) {
        g[i].GroupId = rg[i].GroupId;
        g[i].ErrorCode = KG_KAFKA_NOT_COORDINATOR;

        if (kg_kafka_errors_offset_fetch_topics(ctx, ts, &rg[i].Topics,
                                                &g[i].Topics)
            != KG_OK)
        {
            return KG_ERROR;
        }
    }

    return KG_OK;
}


/*
 * The topics of v0-7 and of the groups of v8+ have different struct
 * types of the same layout up to the fields set here; the two are told
 * apart by the version.  A null request list (all committed offsets)
 * gets an empty one.
 */

static kg_int_t
kg_kafka_errors_offset_fetch_topics(kg_kafka_errors_ctx_t *ctx,
    const kg_kafka_schema_t *ts, kg_kafka_array_t *req,
    kg_kafka_array_t *resp)
{
    void                                     *t;
    int32_t                                  *index;
    kg_str_t                                 *name;
    kg_uint_t                                 i, j, n;
    kg_kafka_array_t                         *partitions, *indexes;
    const kg_kafka_schema_t                  *ps;
    kg_kafka_offset_fetch_req_topic_t        *rt0;
    kg_kafka_offset_fetch_req_topics_t       *rt8;
    kg_kafka_offset_fetch_resp_topic_t       *t0;
    kg_kafka_offset_fetch_resp_topics_t      *t8;
    kg_kafka_offset_fetch_resp_partition_t   *p0;
    kg_kafka_offset_fetch_resp_partitions_t  *p8;

    ps = kg_kafka_errors_schema(ts, "Partitions");

    t = kg_kafka_errors_elts(ctx, ts, req->nelts, resp);
    if (t == NULL) {
        return KG_ERROR;
    }

    rt0 = req->elts;
    rt8 = req->elts;
    t0 = t;
    t8 = t;

    for (i = 0; i < req->nelts; i++) {

        if (ctx->version < 8) {
            name = &t0[i].Name;
            *name = rt0[i].Name;
            indexes = &rt0[i].PartitionIndexes;
            partitions = &t0[i].Partitions;

        } else {
            name = &t8[i].Name;
            *name = rt8[i].Name;
            indexes = &rt8[i].PartitionIndexes;
            partitions = &t8[i].Partitions;
        }

        n = indexes->nelts;
        index = indexes->elts;

        p0 = kg_kafka_errors_elts(ctx, ps, n, partitions);
        if (p0 == NULL) {
            return KG_ERROR;
        }

        p8 = (kg_kafka_offset_fetch_resp_partitions_t *) p0;

        /* CommittedLeaderEpoch defaults to -1, Metadata to "" */

        for (j = 0; j < n; j++) {

            if (ctx->version < 8) {
                p0[j].PartitionIndex = index[j];
                p0[j].CommittedOffset = KG_KAFKA_ERRORS_NO_OFFSET;
                p0[j].ErrorCode = KG_KAFKA_NOT_COORDINATOR;

            } else {
                p8[j].PartitionIndex = index[j];
                p8[j].CommittedOffset = KG_KAFKA_ERRORS_NO_OFFSET;
                p8[j].ErrorCode = KG_KAFKA_NOT_COORDINATOR;
            }
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_find_coordinator(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_str_t                                      *key;
    kg_uint_t                                      i;
    const kg_kafka_schema_t                       *cs;
    kg_kafka_find_coordinator_request_t           *req;
    kg_kafka_find_coordinator_response_t          *resp;
    kg_kafka_find_coordinator_resp_coordinator_t  *c;

    req = request;
    resp = response;

    /* v0-3: one key, answered at the top level */

    resp->ErrorCode = KG_KAFKA_COORDINATOR_NOT_AVAILABLE;
    resp->ErrorMessage = ctx->message;
    resp->NodeId = -1;
    resp->Port = -1;

    cs = kg_kafka_errors_schema(ctx->api->response, "Coordinators");

    key = req->CoordinatorKeys.elts;
    c = kg_kafka_errors_elts(ctx, cs, req->CoordinatorKeys.nelts,
                             &resp->Coordinators);
    if (c == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->CoordinatorKeys.nelts; i++) {
        c[i].Key = key[i];
        c[i].NodeId = -1;
        c[i].Port = -1;
        c[i].ErrorCode = KG_KAFKA_COORDINATOR_NOT_AVAILABLE;
        c[i].ErrorMessage = ctx->message;
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_join_group(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_kafka_join_group_request_t   *req;
    kg_kafka_join_group_response_t  *resp;

    req = request;
    resp = response;

    resp->ErrorCode = KG_KAFKA_NOT_COORDINATOR;
    resp->MemberId = req->MemberId;

    if (ctx->version >= 7) {
        kg_str_null(&resp->ProtocolType);
        kg_str_null(&resp->ProtocolName);
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_heartbeat(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_kafka_heartbeat_response_t  *resp;

    resp = response;

    resp->ErrorCode = KG_KAFKA_NOT_COORDINATOR;

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_leave_group(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_uint_t                                    i;
    const kg_kafka_schema_t                     *ms;
    kg_kafka_leave_group_request_t              *req;
    kg_kafka_leave_group_response_t             *resp;
    kg_kafka_leave_group_resp_member_t          *m;
    kg_kafka_leave_group_req_member_identity_t  *rm;

    req = request;
    resp = response;

    resp->ErrorCode = KG_KAFKA_NOT_COORDINATOR;

    ms = kg_kafka_errors_schema(ctx->api->response, "Members");

    rm = req->Members.elts;
    m = kg_kafka_errors_elts(ctx, ms, req->Members.nelts, &resp->Members);
    if (m == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->Members.nelts; i++) {
        m[i].MemberId = rm[i].MemberId;
        m[i].GroupInstanceId = rm[i].GroupInstanceId;
        m[i].ErrorCode = KG_KAFKA_NOT_COORDINATOR;
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_sync_group(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_kafka_sync_group_response_t  *resp;

    resp = response;

    resp->ErrorCode = KG_KAFKA_NOT_COORDINATOR;

    if (ctx->version >= 5) {
        kg_str_null(&resp->ProtocolType);
        kg_str_null(&resp->ProtocolName);
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_describe_groups(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_str_t                                         *group;
    kg_uint_t                                         i;
    const kg_kafka_schema_t                          *gs;
    kg_kafka_describe_groups_request_t               *req;
    kg_kafka_describe_groups_response_t              *resp;
    kg_kafka_describe_groups_resp_described_group_t  *g;

    req = request;
    resp = response;

    gs = kg_kafka_errors_schema(ctx->api->response, "Groups");

    group = req->Groups.elts;
    g = kg_kafka_errors_elts(ctx, gs, req->Groups.nelts, &resp->Groups);
    if (g == NULL) {
        return KG_ERROR;
    }

    /* state, protocol and members empty, as a broker answers an error */

    for (i = 0; i < req->Groups.nelts; i++) {
        g[i].ErrorCode = KG_KAFKA_NOT_COORDINATOR;
        g[i].GroupId = group[i];
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_list_groups(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_kafka_list_groups_response_t  *resp;

    resp = response;

    resp->ErrorCode = KG_KAFKA_COORDINATOR_NOT_AVAILABLE;

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_create_topics(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_uint_t                                              i;
    const kg_kafka_schema_t                               *ts;
    kg_kafka_create_topics_request_t                      *req;
    kg_kafka_create_topics_response_t                     *resp;
    kg_kafka_create_topics_req_creatable_topic_t          *rt;
    kg_kafka_create_topics_resp_creatable_topic_result_t  *t;

    req = request;
    resp = response;

    ts = kg_kafka_errors_schema(ctx->api->response, "Topics");

    rt = req->Topics.elts;
    t = kg_kafka_errors_elts(ctx, ts, req->Topics.nelts, &resp->Topics);
    if (t == NULL) {
        return KG_ERROR;
    }

    /* NumPartitions and ReplicationFactor default to -1 */

    for (i = 0; i < req->Topics.nelts; i++) {
        t[i].Name = rt[i].Name;
        t[i].ErrorCode = KG_KAFKA_NOT_CONTROLLER;
        t[i].ErrorMessage = ctx->message;
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_delete_topics(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_str_t                                              *name;
    kg_uint_t                                              i, n;
    const kg_kafka_schema_t                               *ts;
    kg_kafka_delete_topics_request_t                      *req;
    kg_kafka_delete_topics_response_t                     *resp;
    kg_kafka_delete_topics_req_delete_topic_state_t       *rt;
    kg_kafka_delete_topics_resp_deletable_topic_result_t  *t;

    req = request;
    resp = response;

    ts = kg_kafka_errors_schema(ctx->api->response, "Responses");

    /* v0-5 name topics, v6+ name them or give their ids */

    n = (ctx->version < 6) ? req->TopicNames.nelts : req->Topics.nelts;
    name = req->TopicNames.elts;
    rt = req->Topics.elts;

    t = kg_kafka_errors_elts(ctx, ts, n, &resp->Responses);
    if (t == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < n; i++) {

        if (ctx->version < 6) {
            t[i].Name = name[i];

        } else {
            t[i].Name = rt[i].Name;
            t[i].TopicId = rt[i].TopicId;
        }

        t[i].ErrorCode = KG_KAFKA_NOT_CONTROLLER;
        t[i].ErrorMessage = ctx->message;
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_delete_records(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_uint_t                                         i, j;
    const kg_kafka_schema_t                          *ts, *ps;
    kg_kafka_delete_records_request_t                *req;
    kg_kafka_delete_records_response_t               *resp;
    kg_kafka_delete_records_req_topic_t              *rt;
    kg_kafka_delete_records_req_partition_t          *rp;
    kg_kafka_delete_records_resp_topic_result_t      *t;
    kg_kafka_delete_records_resp_partition_result_t  *p;

    req = request;
    resp = response;

    ts = kg_kafka_errors_schema(ctx->api->response, "Topics");
    ps = kg_kafka_errors_schema(ts, "Partitions");

    rt = req->Topics.elts;
    t = kg_kafka_errors_elts(ctx, ts, req->Topics.nelts, &resp->Topics);
    if (t == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->Topics.nelts; i++) {
        t[i].Name = rt[i].Name;

        rp = rt[i].Partitions.elts;
        p = kg_kafka_errors_elts(ctx, ps, rt[i].Partitions.nelts,
                                 &t[i].Partitions);
        if (p == NULL) {
            return KG_ERROR;
        }

        for (j = 0; j < rt[i].Partitions.nelts; j++) {
            p[j].PartitionIndex = rp[j].PartitionIndex;
            p[j].LowWatermark = KG_KAFKA_ERRORS_NO_OFFSET;
            p[j].ErrorCode = KG_KAFKA_NOT_LEADER_OR_FOLLOWER;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_init_producer_id(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_kafka_init_producer_id_request_t   *req;
    kg_kafka_init_producer_id_response_t  *resp;

    req = request;
    resp = response;

    if (req->TransactionalId.data == NULL) {
        resp->ErrorCode = KG_KAFKA_COORDINATOR_LOAD_IN_PROGRESS;

    } else {
        resp->ErrorCode = KG_KAFKA_NOT_COORDINATOR;
    }

    resp->ProducerId = -1;
    resp->ProducerEpoch = -1;

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_offset_for_leader_epoch(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response)
{
    kg_uint_t                                                        i, j;
    const kg_kafka_schema_t                                         *ts, *ps;
    kg_kafka_offset_for_leader_epoch_request_t                      *req;
    kg_kafka_offset_for_leader_epoch_response_t                     *resp;
    kg_kafka_offset_for_leader_epoch_req_offset_for_leader_topic_t  *rt;
    kg_kafka_offset_for_leader_epoch_req_partition_t                *rp;
    kg_kafka_offset_for_leader_epoch_resp_topic_result_t            *t;
    kg_kafka_offset_for_leader_epoch_resp_epoch_end_offset_t        *p;

    req = request;
    resp = response;

    ts = kg_kafka_errors_schema(ctx->api->response, "Topics");
    ps = kg_kafka_errors_schema(ts, "Partitions");

    rt = req->Topics.elts;
    t = kg_kafka_errors_elts(ctx, ts, req->Topics.nelts, &resp->Topics);
    if (t == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->Topics.nelts; i++) {
        t[i].Topic = rt[i].Topic;

        rp = rt[i].Partitions.elts;
        p = kg_kafka_errors_elts(ctx, ps, rt[i].Partitions.nelts,
                                 &t[i].Partitions);
        if (p == NULL) {
            return KG_ERROR;
        }

        /* LeaderEpoch and EndOffset default to -1 */

        for (j = 0; j < rt[i].Partitions.nelts; j++) {
            p[j].ErrorCode = KG_KAFKA_NOT_LEADER_OR_FOLLOWER;
            p[j].Partition = rp[j].Partition;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_add_partitions_to_txn(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response)
{
    kg_uint_t                                          i;
    const kg_kafka_schema_t                           *rs, *ts;
    kg_kafka_add_partitions_to_txn_request_t          *req;
    kg_kafka_add_partitions_to_txn_response_t         *resp;
    kg_kafka_add_partitions_to_txn_resp_result_t      *r;
    kg_kafka_add_partitions_to_txn_req_transaction_t  *rr;

    req = request;
    resp = response;

    if (ctx->version < 4) {
        ts = kg_kafka_errors_schema(ctx->api->response,
                                    "ResultsByTopicV3AndBelow");

        return kg_kafka_errors_txn_topics(ctx, ts, &req->V3AndBelowTopics,
                                          &resp->ResultsByTopicV3AndBelow);
    }

    /* v4+, sent by brokers to verify: one result per transaction */

    resp->ErrorCode = KG_KAFKA_NOT_COORDINATOR;

    rs = kg_kafka_errors_schema(ctx->api->response, "ResultsByTransaction");
    ts = kg_kafka_errors_schema(rs, "TopicResults");

    rr = req->Transactions.elts;
    r = kg_kafka_errors_elts(ctx, rs, req->Transactions.nelts,
                             &resp->ResultsByTransaction);
    if (r == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->Transactions.nelts; i++) {
        r[i].TransactionalId = rr[i].TransactionalId;

        if (kg_kafka_errors_txn_topics(ctx, ts, &rr[i].Topics,
                                       &r[i].TopicResults)
            != KG_OK)
        {
            return KG_ERROR;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_txn_topics(kg_kafka_errors_ctx_t *ctx,
    const kg_kafka_schema_t *ts, kg_kafka_array_t *req,
    kg_kafka_array_t *resp)
{
    int32_t                                                 *index;
    kg_uint_t                                                i, j;
    const kg_kafka_schema_t                                 *ps;
    kg_kafka_add_partitions_to_txn_req_topic_t              *rt;
    kg_kafka_add_partitions_to_txn_resp_topic_result_t      *t;
    kg_kafka_add_partitions_to_txn_resp_partition_result_t  *p;

    ps = kg_kafka_errors_schema(ts, "ResultsByPartition");

    rt = req->elts;
    t = kg_kafka_errors_elts(ctx, ts, req->nelts, resp);
    if (t == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->nelts; i++) {
        t[i].Name = rt[i].Name;

        index = rt[i].Partitions.elts;
        p = kg_kafka_errors_elts(ctx, ps, rt[i].Partitions.nelts,
                                 &t[i].ResultsByPartition);
        if (p == NULL) {
            return KG_ERROR;
        }

        for (j = 0; j < rt[i].Partitions.nelts; j++) {
            p[j].PartitionIndex = index[j];
            p[j].PartitionErrorCode = KG_KAFKA_NOT_COORDINATOR;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_add_offsets_to_txn(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response)
{
    kg_kafka_add_offsets_to_txn_response_t  *resp;

    resp = response;

    resp->ErrorCode = KG_KAFKA_NOT_COORDINATOR;

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_end_txn(kg_kafka_errors_ctx_t *ctx, void *request,
    void *response)
{
    kg_kafka_end_txn_response_t  *resp;

    resp = response;

    /* ProducerId and ProducerEpoch (v5+) default to -1 */

    resp->ErrorCode = KG_KAFKA_NOT_COORDINATOR;

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_txn_offset_commit(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response)
{
    kg_uint_t                                     i, j;
    const kg_kafka_schema_t                      *ts, *ps;
    kg_kafka_txn_offset_commit_request_t         *req;
    kg_kafka_txn_offset_commit_response_t        *resp;
    kg_kafka_txn_offset_commit_req_topic_t       *rt;
    kg_kafka_txn_offset_commit_req_partition_t   *rp;
    kg_kafka_txn_offset_commit_resp_topic_t      *t;
    kg_kafka_txn_offset_commit_resp_partition_t  *p;

    req = request;
    resp = response;

    ts = kg_kafka_errors_schema(ctx->api->response, "Topics");
    ps = kg_kafka_errors_schema(ts, "Partitions");

    rt = req->Topics.elts;
    t = kg_kafka_errors_elts(ctx, ts, req->Topics.nelts, &resp->Topics);
    if (t == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->Topics.nelts; i++) {
        t[i].Name = rt[i].Name;

        rp = rt[i].Partitions.elts;
        p = kg_kafka_errors_elts(ctx, ps, rt[i].Partitions.nelts,
                                 &t[i].Partitions);
        if (p == NULL) {
            return KG_ERROR;
        }

        for (j = 0; j < rt[i].Partitions.nelts; j++) {
            p[j].PartitionIndex = rp[j].PartitionIndex;
            p[j].ErrorCode = KG_KAFKA_NOT_COORDINATOR;
        }
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_create_partitions(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response)
{
    kg_uint_t                                        i;
    const kg_kafka_schema_t                         *ts;
    kg_kafka_create_partitions_request_t            *req;
    kg_kafka_create_partitions_response_t           *resp;
    kg_kafka_create_partitions_req_topic_t          *rt;
    kg_kafka_create_partitions_resp_topic_result_t  *t;

    req = request;
    resp = response;

    ts = kg_kafka_errors_schema(ctx->api->response, "Results");

    rt = req->Topics.elts;
    t = kg_kafka_errors_elts(ctx, ts, req->Topics.nelts, &resp->Results);
    if (t == NULL) {
        return KG_ERROR;
    }

    for (i = 0; i < req->Topics.nelts; i++) {
        t[i].Name = rt[i].Name;
        t[i].ErrorCode = KG_KAFKA_NOT_CONTROLLER;
        t[i].ErrorMessage = ctx->message;
    }

    return KG_OK;
}


static kg_int_t
kg_kafka_errors_consumer_group_heartbeat(kg_kafka_errors_ctx_t *ctx,
    void *request, void *response)
{
    kg_kafka_consumer_group_heartbeat_response_t  *resp;

    resp = response;

    /* MemberId and Assignment stay null, as a broker answers an error */

    resp->ErrorCode = KG_KAFKA_NOT_COORDINATOR;
    resp->ErrorMessage = ctx->message;

    return KG_OK;
}


/* the schema of the struct array or struct field "name" of parent */

static const kg_kafka_schema_t *
kg_kafka_errors_schema(const kg_kafka_schema_t *parent, const char *name)
{
    kg_uint_t  i;

    if (parent == NULL) {
        return NULL;
    }

    for (i = 0; i < parent->nfields; i++) {
        if (parent->fields[i].type == KG_KAFKA_STRUCT
            && kg_strcmp(parent->fields[i].name, name) == 0)
        {
            return parent->fields[i].schema;
        }
    }

    return NULL;
}


/*
 * n structs of schema s holding the schema defaults of the version (what
 * a broker leaves unset in its error responses), stored in a if given.
 * The defaults come from the codec itself: the encoding of a NULL struct
 * is the defaults, decoding it gives them back in the struct's layout.
 */

static void *
kg_kafka_errors_elts(kg_kafka_errors_ctx_t *ctx, const kg_kafka_schema_t *s,
    kg_uint_t n, kg_kafka_array_t *a)
{
    size_t   size;
    u_char  *buf, *elts, *p;

    if (s == NULL) {
        return NULL;
    }

    if (n == 0) {
        if (a) {
            a->elts = kg_kafka_empty;
            a->nelts = 0;
        }

        return kg_kafka_empty;
    }

    if (n > SIZE_MAX / s->size) {
        return NULL;
    }

    elts = kg_palloc(ctx->pool, n * s->size);
    if (elts == NULL) {
        return NULL;
    }

    size = kg_kafka_encoded_size(s, ctx->version, ctx->flexible, NULL);
    if (size == KG_KAFKA_SIZE_ERROR) {
        return NULL;
    }

    buf = kg_pnalloc(ctx->pool, size ? size : 1);
    if (buf == NULL) {
        return NULL;
    }

    kg_kafka_encode(buf, s, ctx->version, ctx->flexible, NULL);

    if (kg_kafka_decode(ctx->pool, s, ctx->version, ctx->flexible, buf, size,
                        elts, NULL)
        != KG_OK)
    {
        return NULL;
    }

    /* nothing shared is ever changed: the copies may share pointers */

    for (p = elts + s->size; p < elts + n * s->size; p += s->size) {
        kg_memcpy(p, elts, s->size);
    }

    if (a) {
        a->elts = elts;
        a->nelts = n;
    }

    return elts;
}
