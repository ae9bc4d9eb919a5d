/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_errors.h>

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>


/*
 * Every covered api is asked in every version of the schemas, with a
 * request of two topics of two partitions (or two of the api's
 * entities) built through the codec.  The answer must decode with the
 * codec in that version, re-encode to the same bytes, name every entity
 * of the request with the chosen code, and every strict prefix of the
 * request must be refused.
 */


/* partition j of topic i, distinct from every other */
#define kg_test_part(i, j)  ((int32_t) (10 * (i) + (j) + 1))


typedef void (*kg_test_build_pt)(kg_uint_t v, void *req);
typedef void (*kg_test_check_pt)(kg_uint_t v, void *resp);


typedef struct {
    int16_t                   api_key;
    kg_test_build_pt          build;
    kg_test_check_pt          check;
} kg_test_api_t;


static kg_log_t    kg_test_log;
static kg_pool_t  *kg_test_pool;

static kg_str_t    kg_test_topics[] = {
    kg_string("t0"), kg_string("t1")
};

static kg_str_t    kg_test_groups[] = {
    kg_string("g0"), kg_string("g1")
};


static int
kg_test_setup(void **state)
{
    kg_test_pool = kg_create_pool(16384, &kg_test_log);
    if (kg_test_pool == NULL) {
        return -1;
    }

    return 0;
}


static int
kg_test_teardown(void **state)
{
    kg_destroy_pool(kg_test_pool);
    kg_test_pool = NULL;

    return 0;
}


static void *
kg_test_alloc(size_t size)
{
    void  *p;

    p = kg_pcalloc(kg_test_pool, size ? size : 1);
    assert_non_null(p);

    return p;
}


#define kg_test_array(a, type, n)                                            \
    (a).elts = kg_test_alloc(sizeof(type) * (n));                             \
    (a).nelts = (n)


static void
kg_test_str_equal(kg_str_t *s, kg_str_t *expect)
{
    assert_non_null(s->data);
    assert_int_equal(s->len, expect->len);
    assert_memory_equal(s->data, expect->data, expect->len);
}


static void
kg_test_uuid(kg_kafka_uuid_t *id, kg_uint_t i)
{
    kg_memset(id->data, 0xa0 + (int) i, sizeof(id->data));
}


static void
kg_test_ints(kg_kafka_array_t *a, kg_uint_t i)
{
    int32_t  *n;

    kg_test_array(*a, int32_t, 2);
    n = a->elts;
    n[0] = kg_test_part(i, 0);
    n[1] = kg_test_part(i, 1);
}


/*
 * The common shape: Topics[] {Name, Partitions[] {Index}} in the request,
 * Topics[] {Name, Partitions[] {Index, ErrorCode}} in the response, with
 * names that vary by api.
 */

#define kg_test_build_topics(arr, ttype, tname, parr, ptype, pindex)         \
    do {                                                                     \
        kg_uint_t  i_, j_;                                                   \
        ttype     *t_;                                                       \
        ptype     *p_;                                                       \
                                                                             \
        kg_test_array(arr, ttype, 2);                                        \
        t_ = (arr).elts;                                                     \
                                                                             \
        for (i_ = 0; i_ < 2; i_++) {                                         \
            t_[i_].tname = kg_test_topics[i_];                               \
            kg_test_array(t_[i_].parr, ptype, 2);                            \
            p_ = t_[i_].parr.elts;                                           \
                                                                             \
            for (j_ = 0; j_ < 2; j_++) {                                     \
                p_[j_].pindex = kg_test_part(i_, j_);                        \
            }                                                                \
        }                                                                    \
    } while (0)

#define kg_test_check_topics(arr, ttype, tname, parr, ptype, pindex, perr,   \
                             code)                                           \
    do {                                                                     \
        kg_uint_t  i_, j_;                                                   \
        ttype     *t_;                                                       \
        ptype     *p_;                                                       \
                                                                             \
        assert_int_equal((arr).nelts, 2);                                    \
        t_ = (arr).elts;                                                     \
                                                                             \
        for (i_ = 0; i_ < 2; i_++) {                                         \
            kg_test_str_equal(&t_[i_].tname, &kg_test_topics[i_]);           \
            assert_int_equal(t_[i_].parr.nelts, 2);                          \
            p_ = t_[i_].parr.elts;                                           \
                                                                             \
            for (j_ = 0; j_ < 2; j_++) {                                     \
                assert_int_equal(p_[j_].pindex, kg_test_part(i_, j_));       \
                assert_int_equal(p_[j_].perr, code);                         \
            }                                                                \
        }                                                                    \
    } while (0)


static void
kg_test_produce_build(kg_uint_t v, void *req)
{
    kg_kafka_produce_request_t  *r = req;

    r->Acks = -1;
    r->TimeoutMs = 30000;

    kg_test_build_topics(r->TopicData,
                         kg_kafka_produce_req_topic_produce_data_t, Name,
                         PartitionData,
                         kg_kafka_produce_req_partition_produce_data_t,
                         Index);
}


static void
kg_test_produce_check(kg_uint_t v, void *resp)
{
    kg_uint_t                                   i, j;
    kg_kafka_produce_response_t                *r = resp;
    kg_kafka_produce_resp_topic_produce_t      *t;
    kg_kafka_produce_resp_partition_produce_t  *p;

    kg_test_check_topics(r->Responses,
                         kg_kafka_produce_resp_topic_produce_t, Name,
                         PartitionResponses,
                         kg_kafka_produce_resp_partition_produce_t, Index,
                         ErrorCode, KG_KAFKA_NOT_LEADER_OR_FOLLOWER);

    t = r->Responses.elts;

    for (i = 0; i < 2; i++) {
        p = t[i].PartitionResponses.elts;

        for (j = 0; j < 2; j++) {
            assert_int_equal(p[j].BaseOffset, -1);
            assert_int_equal(p[j].LogStartOffset, -1);
            assert_null(p[j].CurrentLeader);
        }
    }

    assert_int_equal(r->NodeEndpoints.nelts, 0);
}


static void
kg_test_fetch_build(kg_uint_t v, void *req)
{
    kg_uint_t                        i, j;
    kg_kafka_fetch_request_t        *r = req;
    kg_kafka_fetch_req_topic_t      *t;
    kg_kafka_fetch_req_partition_t  *p;

    r->ReplicaId = -1;
    r->MaxWaitMs = 500;
    r->SessionId = 7;
    r->SessionEpoch = 3;

    kg_test_array(r->Topics, kg_kafka_fetch_req_topic_t, 2);
    t = r->Topics.elts;

    for (i = 0; i < 2; i++) {
        t[i].Topic = kg_test_topics[i];
        kg_test_uuid(&t[i].TopicId, i);

        kg_test_array(t[i].Partitions, kg_kafka_fetch_req_partition_t, 2);
        p = t[i].Partitions.elts;

        for (j = 0; j < 2; j++) {
            p[j].Partition = kg_test_part(i, j);
            p[j].FetchOffset = 100;
        }
    }
}


static void
kg_test_fetch_check(kg_uint_t v, void *resp)
{
    kg_uint_t                              i, j;
    kg_kafka_uuid_t                        id;
    kg_kafka_fetch_response_t             *r = resp;
    kg_kafka_fetch_resp_able_topic_t      *t;
    kg_kafka_fetch_resp_partition_data_t  *p;

    /* the session level stays clean, the session is closed */
    assert_int_equal(r->ErrorCode, KG_KAFKA_NONE);
    assert_int_equal(r->SessionId, 0);

    assert_int_equal(r->Responses.nelts, 2);
    t = r->Responses.elts;

    for (i = 0; i < 2; i++) {

        if (v < 13) {
            kg_test_str_equal(&t[i].Topic, &kg_test_topics[i]);

        } else {
            kg_test_uuid(&id, i);
            assert_memory_equal(t[i].TopicId.data, id.data, 16);
        }

        assert_int_equal(t[i].Partitions.nelts, 2);
        p = t[i].Partitions.elts;

        for (j = 0; j < 2; j++) {
            assert_int_equal(p[j].PartitionIndex, kg_test_part(i, j));
            assert_int_equal(p[j].ErrorCode, KG_KAFKA_NOT_LEADER_OR_FOLLOWER);
            assert_int_equal(p[j].HighWatermark, -1);
            assert_non_null(p[j].Records.data);
            assert_int_equal(p[j].Records.len, 0);
        }
    }
}


static void
kg_test_list_offsets_build(kg_uint_t v, void *req)
{
    kg_kafka_list_offsets_request_t  *r = req;

    r->ReplicaId = -1;

    kg_test_build_topics(r->Topics, kg_kafka_list_offsets_req_topic_t, Name,
                         Partitions, kg_kafka_list_offsets_req_partition_t,
                         PartitionIndex);
}


static void
kg_test_list_offsets_check(kg_uint_t v, void *resp)
{
    kg_kafka_list_offsets_response_t  *r = resp;

    kg_test_check_topics(r->Topics, kg_kafka_list_offsets_resp_topic_t, Name,
                         Partitions, kg_kafka_list_offsets_resp_partition_t,
                         PartitionIndex, ErrorCode,
                         KG_KAFKA_NOT_LEADER_OR_FOLLOWER);
}


static void
kg_test_offset_commit_build(kg_uint_t v, void *req)
{
    kg_kafka_offset_commit_request_t  *r = req;

    r->GroupId = kg_test_groups[0];

    kg_test_build_topics(r->Topics, kg_kafka_offset_commit_req_topic_t, Name,
                         Partitions, kg_kafka_offset_commit_req_partition_t,
                         PartitionIndex);
}


static void
kg_test_offset_commit_check(kg_uint_t v, void *resp)
{
    kg_kafka_offset_commit_response_t  *r = resp;

    kg_test_check_topics(r->Topics, kg_kafka_offset_commit_resp_topic_t,
                         Name, Partitions,
                         kg_kafka_offset_commit_resp_partition_t,
                         PartitionIndex, ErrorCode, KG_KAFKA_NOT_COORDINATOR);
}


static void
kg_test_offset_fetch_build(kg_uint_t v, void *req)
{
    kg_uint_t                            i, k;
    kg_kafka_offset_fetch_request_t     *r = req;
    kg_kafka_offset_fetch_req_topic_t   *t;
    kg_kafka_offset_fetch_req_group_t   *g;
    kg_kafka_offset_fetch_req_topics_t  *t8;

    if (v < 8) {
        r->GroupId = kg_test_groups[0];

        kg_test_array(r->Topics, kg_kafka_offset_fetch_req_topic_t, 2);
        t = r->Topics.elts;

        for (i = 0; i < 2; i++) {
            t[i].Name = kg_test_topics[i];
            kg_test_ints(&t[i].PartitionIndexes, i);
        }

        return;
    }

    kg_test_array(r->Groups, kg_kafka_offset_fetch_req_group_t, 2);
    g = r->Groups.elts;

    for (k = 0; k < 2; k++) {
        g[k].GroupId = kg_test_groups[k];
        g[k].MemberEpoch = -1;

        kg_test_array(g[k].Topics, kg_kafka_offset_fetch_req_topics_t, 2);
        t8 = g[k].Topics.elts;

        for (i = 0; i < 2; i++) {
            t8[i].Name = kg_test_topics[i];
            kg_test_ints(&t8[i].PartitionIndexes, i);
        }
    }
}


static void
kg_test_offset_fetch_check(kg_uint_t v, void *resp)
{
    kg_uint_t                                 i, j, k;
    kg_kafka_offset_fetch_response_t         *r = resp;
    kg_kafka_offset_fetch_resp_group_t       *g;
    kg_kafka_offset_fetch_resp_topic_t       *t;
    kg_kafka_offset_fetch_resp_partition_t   *p;
    kg_kafka_offset_fetch_resp_partitions_t  *p8;

    if (v < 8) {
        if (v >= 2) {
            assert_int_equal(r->ErrorCode, KG_KAFKA_NOT_COORDINATOR);
        }

        kg_test_check_topics(r->Topics, kg_kafka_offset_fetch_resp_topic_t,
                             Name, Partitions,
                             kg_kafka_offset_fetch_resp_partition_t,
                             PartitionIndex, ErrorCode,
                             KG_KAFKA_NOT_COORDINATOR);

        t = r->Topics.elts;

        for (i = 0; i < 2; i++) {
            p = t[i].Partitions.elts;

            for (j = 0; j < 2; j++) {
                assert_int_equal(p[j].CommittedOffset, -1);
            }
        }

        return;
    }

    assert_int_equal(r->Groups.nelts, 2);
    g = r->Groups.elts;

    for (k = 0; k < 2; k++) {
        kg_test_str_equal(&g[k].GroupId, &kg_test_groups[k]);
        assert_int_equal(g[k].ErrorCode, KG_KAFKA_NOT_COORDINATOR);

        kg_test_check_topics(g[k].Topics,
                             kg_kafka_offset_fetch_resp_topics_t, Name,
                             Partitions,
                             kg_kafka_offset_fetch_resp_partitions_t,
                             PartitionIndex, ErrorCode,
                             KG_KAFKA_NOT_COORDINATOR);

        p8 = ((kg_kafka_offset_fetch_resp_topics_t *)
              g[k].Topics.elts)[0].Partitions.elts;
        assert_int_equal(p8[0].CommittedOffset, -1);
    }
}


static void
kg_test_find_coordinator_build(kg_uint_t v, void *req)
{
    kg_kafka_find_coordinator_request_t  *r = req;

    if (v < 4) {
        r->Key = kg_test_groups[0];
        return;
    }

    kg_test_array(r->CoordinatorKeys, kg_str_t, 2);
    ((kg_str_t *) r->CoordinatorKeys.elts)[0] = kg_test_groups[0];
    ((kg_str_t *) r->CoordinatorKeys.elts)[1] = kg_test_groups[1];
}


static void
kg_test_find_coordinator_check(kg_uint_t v, void *resp)
{
    kg_uint_t                                      i;
    kg_kafka_find_coordinator_response_t          *r = resp;
    kg_kafka_find_coordinator_resp_coordinator_t  *c;

    if (v < 4) {
        assert_int_equal(r->ErrorCode, KG_KAFKA_COORDINATOR_NOT_AVAILABLE);
        assert_int_equal(r->NodeId, -1);
        assert_int_equal(r->Port, -1);
        assert_int_equal(r->Host.len, 0);
        return;
    }

    assert_int_equal(r->Coordinators.nelts, 2);
    c = r->Coordinators.elts;

    for (i = 0; i < 2; i++) {
        kg_test_str_equal(&c[i].Key, &kg_test_groups[i]);
        assert_int_equal(c[i].ErrorCode, KG_KAFKA_COORDINATOR_NOT_AVAILABLE);
        assert_int_equal(c[i].NodeId, -1);
        assert_int_equal(c[i].Port, -1);
        assert_non_null(c[i].ErrorMessage.data);
    }
}


static kg_str_t  kg_test_member = kg_string("member-1");


static void
kg_test_join_group_build(kg_uint_t v, void *req)
{
    kg_kafka_join_group_request_t  *r = req;

    r->GroupId = kg_test_groups[0];
    r->SessionTimeoutMs = 45000;
    r->MemberId = kg_test_member;
    r->ProtocolType = (kg_str_t) kg_string("consumer");
}


static void
kg_test_join_group_check(kg_uint_t v, void *resp)
{
    kg_kafka_join_group_response_t  *r = resp;

    assert_int_equal(r->ErrorCode, KG_KAFKA_NOT_COORDINATOR);
    assert_int_equal(r->GenerationId, -1);
    kg_test_str_equal(&r->MemberId, &kg_test_member);
    assert_int_equal(r->Members.nelts, 0);

    if (v >= 7) {
        assert_null(r->ProtocolType.data);
        assert_null(r->ProtocolName.data);
    }
}


static void
kg_test_group_build(kg_uint_t v, void *req)
{
    kg_kafka_heartbeat_request_t  *r = req;

    r->GroupId = kg_test_groups[0];
    r->MemberId = kg_test_member;
}


static void
kg_test_heartbeat_check(kg_uint_t v, void *resp)
{
    kg_kafka_heartbeat_response_t  *r = resp;

    assert_int_equal(r->ErrorCode, KG_KAFKA_NOT_COORDINATOR);
}


static void
kg_test_leave_group_build(kg_uint_t v, void *req)
{
    kg_kafka_leave_group_request_t              *r = req;
    kg_kafka_leave_group_req_member_identity_t  *m;

    r->GroupId = kg_test_groups[0];

    if (v < 3) {
        r->MemberId = kg_test_member;
        return;
    }

    kg_test_array(r->Members, kg_kafka_leave_group_req_member_identity_t, 2);
    m = r->Members.elts;
    m[0].MemberId = kg_test_groups[0];
    m[1].MemberId = kg_test_groups[1];
}


static void
kg_test_leave_group_check(kg_uint_t v, void *resp)
{
    kg_uint_t                            i;
    kg_kafka_leave_group_response_t     *r = resp;
    kg_kafka_leave_group_resp_member_t  *m;

    assert_int_equal(r->ErrorCode, KG_KAFKA_NOT_COORDINATOR);

    if (v < 3) {
        return;
    }

    assert_int_equal(r->Members.nelts, 2);
    m = r->Members.elts;

    for (i = 0; i < 2; i++) {
        kg_test_str_equal(&m[i].MemberId, &kg_test_groups[i]);
        assert_int_equal(m[i].ErrorCode, KG_KAFKA_NOT_COORDINATOR);
    }
}


static void
kg_test_sync_group_build(kg_uint_t v, void *req)
{
    kg_kafka_sync_group_request_t  *r = req;

    r->GroupId = kg_test_groups[0];
    r->GenerationId = 5;
    r->MemberId = kg_test_member;
}


static void
kg_test_sync_group_check(kg_uint_t v, void *resp)
{
    kg_kafka_sync_group_response_t  *r = resp;

    assert_int_equal(r->ErrorCode, KG_KAFKA_NOT_COORDINATOR);
    assert_int_equal(r->Assignment.len, 0);
}


static void
kg_test_describe_groups_build(kg_uint_t v, void *req)
{
    kg_kafka_describe_groups_request_t  *r = req;

    kg_test_array(r->Groups, kg_str_t, 2);
    ((kg_str_t *) r->Groups.elts)[0] = kg_test_groups[0];
    ((kg_str_t *) r->Groups.elts)[1] = kg_test_groups[1];
}


static void
kg_test_describe_groups_check(kg_uint_t v, void *resp)
{
    kg_uint_t                                         i;
    kg_kafka_describe_groups_response_t              *r = resp;
    kg_kafka_describe_groups_resp_described_group_t  *g;

    assert_int_equal(r->Groups.nelts, 2);
    g = r->Groups.elts;

    for (i = 0; i < 2; i++) {
        kg_test_str_equal(&g[i].GroupId, &kg_test_groups[i]);
        assert_int_equal(g[i].ErrorCode, KG_KAFKA_NOT_COORDINATOR);
        assert_int_equal(g[i].Members.nelts, 0);
    }
}


static void
kg_test_nothing_build(kg_uint_t v, void *req)
{
}


static void
kg_test_list_groups_check(kg_uint_t v, void *resp)
{
    kg_kafka_list_groups_response_t  *r = resp;

    assert_int_equal(r->ErrorCode, KG_KAFKA_COORDINATOR_NOT_AVAILABLE);
    assert_int_equal(r->Groups.nelts, 0);
}


static void
kg_test_create_topics_build(kg_uint_t v, void *req)
{
    kg_kafka_create_topics_request_t              *r = req;
    kg_kafka_create_topics_req_creatable_topic_t  *t;

    r->timeoutMs = 30000;

    kg_test_array(r->Topics, kg_kafka_create_topics_req_creatable_topic_t,
                  2);
    t = r->Topics.elts;
    t[0].Name = kg_test_topics[0];
    t[0].NumPartitions = 3;
    t[1].Name = kg_test_topics[1];
    t[1].NumPartitions = 3;
}


static void
kg_test_create_topics_check(kg_uint_t v, void *resp)
{
    kg_uint_t                                              i;
    kg_kafka_create_topics_response_t                     *r = resp;
    kg_kafka_create_topics_resp_creatable_topic_result_t  *t;

    assert_int_equal(r->Topics.nelts, 2);
    t = r->Topics.elts;

    for (i = 0; i < 2; i++) {
        kg_test_str_equal(&t[i].Name, &kg_test_topics[i]);
        assert_int_equal(t[i].ErrorCode, KG_KAFKA_NOT_CONTROLLER);
    }
}


static void
kg_test_delete_topics_build(kg_uint_t v, void *req)
{
    kg_uint_t                                         i;
    kg_kafka_delete_topics_request_t                 *r = req;
    kg_kafka_delete_topics_req_delete_topic_state_t  *t;

    r->TimeoutMs = 30000;

    if (v < 6) {
        kg_test_array(r->TopicNames, kg_str_t, 2);
        ((kg_str_t *) r->TopicNames.elts)[0] = kg_test_topics[0];
        ((kg_str_t *) r->TopicNames.elts)[1] = kg_test_topics[1];
        return;
    }

    kg_test_array(r->Topics, kg_kafka_delete_topics_req_delete_topic_state_t,
                  2);
    t = r->Topics.elts;

    for (i = 0; i < 2; i++) {
        t[i].Name = kg_test_topics[i];
        kg_test_uuid(&t[i].TopicId, i);
    }
}


static void
kg_test_delete_topics_check(kg_uint_t v, void *resp)
{
    kg_uint_t                                              i;
    kg_kafka_uuid_t                                        id;
    kg_kafka_delete_topics_response_t                     *r = resp;
    kg_kafka_delete_topics_resp_deletable_topic_result_t  *t;

    assert_int_equal(r->Responses.nelts, 2);
    t = r->Responses.elts;

    for (i = 0; i < 2; i++) {
        kg_test_str_equal(&t[i].Name, &kg_test_topics[i]);
        assert_int_equal(t[i].ErrorCode, KG_KAFKA_NOT_CONTROLLER);

        if (v >= 6) {
            kg_test_uuid(&id, i);
            assert_memory_equal(t[i].TopicId.data, id.data, 16);
        }
    }
}


static void
kg_test_delete_records_build(kg_uint_t v, void *req)
{
    kg_kafka_delete_records_request_t  *r = req;

    kg_test_build_topics(r->Topics, kg_kafka_delete_records_req_topic_t,
                         Name, Partitions,
                         kg_kafka_delete_records_req_partition_t,
                         PartitionIndex);
}


static void
kg_test_delete_records_check(kg_uint_t v, void *resp)
{
    kg_kafka_delete_records_response_t  *r = resp;

    kg_test_check_topics(r->Topics,
                         kg_kafka_delete_records_resp_topic_result_t, Name,
                         Partitions,
                         kg_kafka_delete_records_resp_partition_result_t,
                         PartitionIndex, ErrorCode,
                         KG_KAFKA_NOT_LEADER_OR_FOLLOWER);
}


static kg_str_t  kg_test_txn = kg_string("txn-1");


static void
kg_test_init_producer_id_build(kg_uint_t v, void *req)
{
    kg_kafka_init_producer_id_request_t  *r = req;

    r->TransactionalId = kg_test_txn;
    r->TransactionTimeoutMs = 60000;
    r->ProducerId = -1;
    r->ProducerEpoch = -1;
}


static void
kg_test_init_producer_id_check(kg_uint_t v, void *resp)
{
    kg_kafka_init_producer_id_response_t  *r = resp;

    assert_int_equal(r->ErrorCode, KG_KAFKA_NOT_COORDINATOR);
    assert_int_equal(r->ProducerId, -1);
    assert_int_equal(r->ProducerEpoch, -1);
}


static void
kg_test_offset_for_leader_epoch_build(kg_uint_t v, void *req)
{
    kg_kafka_offset_for_leader_epoch_request_t  *r = req;

    r->ReplicaId = -1;

    kg_test_build_topics(r->Topics,
        kg_kafka_offset_for_leader_epoch_req_offset_for_leader_topic_t,
        Topic, Partitions, kg_kafka_offset_for_leader_epoch_req_partition_t,
        Partition);
}


static void
kg_test_offset_for_leader_epoch_check(kg_uint_t v, void *resp)
{
    kg_kafka_offset_for_leader_epoch_response_t  *r = resp;

    kg_test_check_topics(r->Topics,
        kg_kafka_offset_for_leader_epoch_resp_topic_result_t, Topic,
        Partitions, kg_kafka_offset_for_leader_epoch_resp_epoch_end_offset_t,
        Partition, ErrorCode, KG_KAFKA_NOT_LEADER_OR_FOLLOWER);
}


static void
kg_test_txn_topics_build(kg_kafka_array_t *a)
{
    kg_uint_t                                    i;
    kg_kafka_add_partitions_to_txn_req_topic_t  *t;

    kg_test_array(*a, kg_kafka_add_partitions_to_txn_req_topic_t, 2);
    t = a->elts;

    for (i = 0; i < 2; i++) {
        t[i].Name = kg_test_topics[i];
        kg_test_ints(&t[i].Partitions, i);
    }
}


static void
kg_test_add_partitions_to_txn_build(kg_uint_t v, void *req)
{
    kg_uint_t                                          k;
    kg_kafka_add_partitions_to_txn_request_t          *r = req;
    kg_kafka_add_partitions_to_txn_req_transaction_t  *x;

    if (v < 4) {
        r->V3AndBelowTransactionalId = kg_test_txn;
        kg_test_txn_topics_build(&r->V3AndBelowTopics);
        return;
    }

    kg_test_array(r->Transactions,
                  kg_kafka_add_partitions_to_txn_req_transaction_t, 2);
    x = r->Transactions.elts;

    for (k = 0; k < 2; k++) {
        x[k].TransactionalId = kg_test_groups[k];
        kg_test_txn_topics_build(&x[k].Topics);
    }
}


static void
kg_test_add_partitions_to_txn_check(kg_uint_t v, void *resp)
{
    kg_uint_t                                      k;
    kg_kafka_add_partitions_to_txn_response_t     *r = resp;
    kg_kafka_add_partitions_to_txn_resp_result_t  *x;

    if (v < 4) {
        kg_test_check_topics(r->ResultsByTopicV3AndBelow,
            kg_kafka_add_partitions_to_txn_resp_topic_result_t, Name,
            ResultsByPartition,
            kg_kafka_add_partitions_to_txn_resp_partition_result_t,
            PartitionIndex, PartitionErrorCode, KG_KAFKA_NOT_COORDINATOR);
        return;
    }

    assert_int_equal(r->ErrorCode, KG_KAFKA_NOT_COORDINATOR);
    assert_int_equal(r->ResultsByTransaction.nelts, 2);
    x = r->ResultsByTransaction.elts;

    for (k = 0; k < 2; k++) {
        kg_test_str_equal(&x[k].TransactionalId, &kg_test_groups[k]);

        kg_test_check_topics(x[k].TopicResults,
            kg_kafka_add_partitions_to_txn_resp_topic_result_t, Name,
            ResultsByPartition,
            kg_kafka_add_partitions_to_txn_resp_partition_result_t,
            PartitionIndex, PartitionErrorCode, KG_KAFKA_NOT_COORDINATOR);
    }
}


static void
kg_test_add_offsets_to_txn_build(kg_uint_t v, void *req)
{
    kg_kafka_add_offsets_to_txn_request_t  *r = req;

    r->TransactionalId = kg_test_txn;
    r->GroupId = kg_test_groups[0];
}


static void
kg_test_add_offsets_to_txn_check(kg_uint_t v, void *resp)
{
    kg_kafka_add_offsets_to_txn_response_t  *r = resp;

    assert_int_equal(r->ErrorCode, KG_KAFKA_NOT_COORDINATOR);
}


static void
kg_test_end_txn_build(kg_uint_t v, void *req)
{
    kg_kafka_end_txn_request_t  *r = req;

    r->TransactionalId = kg_test_txn;
    r->Committed = 1;
}


static void
kg_test_end_txn_check(kg_uint_t v, void *resp)
{
    kg_kafka_end_txn_response_t  *r = resp;

    assert_int_equal(r->ErrorCode, KG_KAFKA_NOT_COORDINATOR);
}


static void
kg_test_txn_offset_commit_build(kg_uint_t v, void *req)
{
    kg_kafka_txn_offset_commit_request_t  *r = req;

    r->TransactionalId = kg_test_txn;
    r->GroupId = kg_test_groups[0];

    kg_test_build_topics(r->Topics, kg_kafka_txn_offset_commit_req_topic_t,
                         Name, Partitions,
                         kg_kafka_txn_offset_commit_req_partition_t,
                         PartitionIndex);
}


static void
kg_test_txn_offset_commit_check(kg_uint_t v, void *resp)
{
    kg_kafka_txn_offset_commit_response_t  *r = resp;

    kg_test_check_topics(r->Topics, kg_kafka_txn_offset_commit_resp_topic_t,
                         Name, Partitions,
                         kg_kafka_txn_offset_commit_resp_partition_t,
                         PartitionIndex, ErrorCode, KG_KAFKA_NOT_COORDINATOR);
}


static void
kg_test_create_partitions_build(kg_uint_t v, void *req)
{
    kg_kafka_create_partitions_request_t    *r = req;
    kg_kafka_create_partitions_req_topic_t  *t;

    r->TimeoutMs = 30000;

    kg_test_array(r->Topics, kg_kafka_create_partitions_req_topic_t, 2);
    t = r->Topics.elts;
    t[0].Name = kg_test_topics[0];
    t[0].Count = 6;
    t[1].Name = kg_test_topics[1];
    t[1].Count = 6;
}


static void
kg_test_create_partitions_check(kg_uint_t v, void *resp)
{
    kg_uint_t                                        i;
    kg_kafka_create_partitions_response_t           *r = resp;
    kg_kafka_create_partitions_resp_topic_result_t  *t;

    assert_int_equal(r->Results.nelts, 2);
    t = r->Results.elts;

    for (i = 0; i < 2; i++) {
        kg_test_str_equal(&t[i].Name, &kg_test_topics[i]);
        assert_int_equal(t[i].ErrorCode, KG_KAFKA_NOT_CONTROLLER);
    }
}


static void
kg_test_consumer_group_heartbeat_build(kg_uint_t v, void *req)
{
    kg_kafka_consumer_group_heartbeat_request_t  *r = req;

    r->GroupId = kg_test_groups[0];
    r->MemberId = kg_test_member;
    r->MemberEpoch = 4;
    r->RebalanceTimeoutMs = -1;
}


static void
kg_test_consumer_group_heartbeat_check(kg_uint_t v, void *resp)
{
    kg_kafka_consumer_group_heartbeat_response_t  *r = resp;

    assert_int_equal(r->ErrorCode, KG_KAFKA_NOT_COORDINATOR);
    assert_non_null(r->ErrorMessage.data);
    assert_null(r->Assignment);
}


static const kg_test_api_t  kg_test_apis[] = {
    { KG_KAFKA_API_PRODUCE, kg_test_produce_build, kg_test_produce_check },
    { KG_KAFKA_API_FETCH, kg_test_fetch_build, kg_test_fetch_check },
    { KG_KAFKA_API_LIST_OFFSETS, kg_test_list_offsets_build,
      kg_test_list_offsets_check },
    { KG_KAFKA_API_OFFSET_COMMIT, kg_test_offset_commit_build,
      kg_test_offset_commit_check },
    { KG_KAFKA_API_OFFSET_FETCH, kg_test_offset_fetch_build,
      kg_test_offset_fetch_check },
    { KG_KAFKA_API_FIND_COORDINATOR, kg_test_find_coordinator_build,
      kg_test_find_coordinator_check },
    { KG_KAFKA_API_JOIN_GROUP, kg_test_join_group_build,
      kg_test_join_group_check },
    { KG_KAFKA_API_HEARTBEAT, kg_test_group_build,
      kg_test_heartbeat_check },
    { KG_KAFKA_API_LEAVE_GROUP, kg_test_leave_group_build,
      kg_test_leave_group_check },
    { KG_KAFKA_API_SYNC_GROUP, kg_test_sync_group_build,
      kg_test_sync_group_check },
    { KG_KAFKA_API_DESCRIBE_GROUPS, kg_test_describe_groups_build,
      kg_test_describe_groups_check },
    { KG_KAFKA_API_LIST_GROUPS, kg_test_nothing_build,
      kg_test_list_groups_check },
    { KG_KAFKA_API_CREATE_TOPICS, kg_test_create_topics_build,
      kg_test_create_topics_check },
    { KG_KAFKA_API_DELETE_TOPICS, kg_test_delete_topics_build,
      kg_test_delete_topics_check },
    { KG_KAFKA_API_DELETE_RECORDS, kg_test_delete_records_build,
      kg_test_delete_records_check },
    { KG_KAFKA_API_INIT_PRODUCER_ID, kg_test_init_producer_id_build,
      kg_test_init_producer_id_check },
    { KG_KAFKA_API_OFFSET_FOR_LEADER_EPOCH,
      kg_test_offset_for_leader_epoch_build,
      kg_test_offset_for_leader_epoch_check },
    { KG_KAFKA_API_ADD_PARTITIONS_TO_TXN,
      kg_test_add_partitions_to_txn_build,
      kg_test_add_partitions_to_txn_check },
    { KG_KAFKA_API_ADD_OFFSETS_TO_TXN, kg_test_add_offsets_to_txn_build,
      kg_test_add_offsets_to_txn_check },
    { KG_KAFKA_API_END_TXN, kg_test_end_txn_build, kg_test_end_txn_check },
    { KG_KAFKA_API_TXN_OFFSET_COMMIT, kg_test_txn_offset_commit_build,
      kg_test_txn_offset_commit_check },
    { KG_KAFKA_API_CREATE_PARTITIONS, kg_test_create_partitions_build,
      kg_test_create_partitions_check },
    { KG_KAFKA_API_CONSUMER_GROUP_HEARTBEAT,
      kg_test_consumer_group_heartbeat_build,
      kg_test_consumer_group_heartbeat_check },
    { -1, NULL, NULL }
};


/* the request body of api version v, in a malloc()ed exact-size buffer */

static void
kg_test_request(const kg_kafka_api_t *api, kg_uint_t v, void *req,
    kg_str_t *body)
{
    size_t     size;
    kg_uint_t  flex;

    flex = kg_kafka_flexible(api, v);

    size = kg_kafka_encoded_size(api->request, v, flex, req);
    assert_true(size != KG_KAFKA_SIZE_ERROR);

    body->data = malloc(size ? size : 1);
    assert_non_null(body->data);

    body->len = kg_kafka_encode(body->data, api->request, v, flex, req)
                - body->data;
    assert_int_equal(body->len, size);
}


/* decodes an answer in version v, checks it re-encodes the same */

static void *
kg_test_response(const kg_kafka_api_t *api, kg_uint_t v, kg_str_t *out)
{
    void        *resp;
    u_char      *again;
    size_t       size;
    kg_uint_t    flex;
    const char  *err;

    flex = kg_kafka_flexible(api, v);
    resp = kg_test_alloc(api->response->size);

    err = NULL;

    if (kg_kafka_decode(kg_test_pool, api->response, v, flex, out->data,
                        out->len, resp, &err)
        != KG_OK)
    {
        fail_msg("%s v%d response: %s", api->name, (int) v, err);
    }

    size = kg_kafka_encoded_size(api->response, v, flex, resp);
    assert_int_equal(size, out->len);

    again = malloc(size ? size : 1);
    assert_non_null(again);

    assert_int_equal(kg_kafka_encode(again, api->response, v, flex, resp)
                     - again, size);
    assert_memory_equal(again, out->data, size);

    free(again);

    return resp;
}


static void
test_kafka_error_response_every_api_version(void **state)
{
    void                  *req, *resp;
    kg_str_t               body, out;
    kg_uint_t              v, reason;
    const kg_test_api_t   *t;
    const kg_kafka_api_t  *api;

    for (t = kg_test_apis; t->build; t++) {
        api = kg_kafka_api(t->api_key);
        assert_non_null(api);

        for (v = api->min_version; v <= (kg_uint_t) api->max_version; v++) {

            for (reason = KG_KAFKA_ERR_PAUSED;
                 reason <= KG_KAFKA_ERR_NO_BROKER;
                 reason++)
            {
                req = kg_test_alloc(api->request->size);
                t->build(v, req);
                kg_test_request(api, v, req, &body);

                if (kg_kafka_error_response(kg_test_pool, t->api_key,
                                            (int16_t) v, &body, reason, &out)
                    != KG_OK)
                {
                    fail_msg("%s v%d: not answered", api->name, (int) v);
                }

                resp = kg_test_response(api, v, &out);
                t->check(v, resp);

                free(body.data);
            }

            kg_reset_pool(kg_test_pool);
        }
    }
}


static void
test_kafka_error_response_truncated_every_offset(void **state)
{
    void                  *req;
    u_char                *copy;
    size_t                 cut;
    kg_str_t               body, part, out;
    kg_uint_t              v;
    const kg_test_api_t   *t;
    const kg_kafka_api_t  *api;

    for (t = kg_test_apis; t->build; t++) {
        api = kg_kafka_api(t->api_key);

        for (v = api->min_version; v <= (kg_uint_t) api->max_version; v++) {
            req = kg_test_alloc(api->request->size);
            t->build(v, req);
            kg_test_request(api, v, req, &body);

            for (cut = 0; cut < body.len; cut++) {

                /* an exact-size copy, so that ASan sees any overread */

                copy = malloc(cut ? cut : 1);
                assert_non_null(copy);
                kg_memcpy(copy, body.data, cut);

                part.data = copy;
                part.len = cut;

                if (kg_kafka_error_response(kg_test_pool, t->api_key,
                                            (int16_t) v, &part,
                                            KG_KAFKA_ERR_PAUSED, &out)
                    != KG_ERROR)
                {
                    fail_msg("%s v%d: a prefix of %d bytes answered",
                             api->name, (int) v, (int) cut);
                }

                free(copy);
            }

            /* and one byte too many */

            copy = malloc(body.len + 1);
            assert_non_null(copy);
            kg_memcpy(copy, body.data, body.len);
            copy[body.len] = 0;

            part.data = copy;
            part.len = body.len + 1;

            assert_int_equal(kg_kafka_error_response(kg_test_pool,
                                 t->api_key, (int16_t) v, &part,
                                 KG_KAFKA_ERR_PAUSED, &out),
                             KG_ERROR);

            free(copy);
            free(body.data);
            kg_reset_pool(kg_test_pool);
        }
    }
}


static void
test_kafka_error_response_uncovered_declined(void **state)
{
    int16_t                key;
    kg_str_t               body, out;
    kg_uint_t              v, covered;
    const kg_test_api_t   *t;
    const kg_kafka_api_t  *api;

    /* whatever the body: the api is not looked into */

    body.data = (u_char *) "\x00\x01";
    body.len = 2;

    for (key = -1; key <= KG_KAFKA_API_MAX; key++) {
        covered = 0;

        for (t = kg_test_apis; t->build; t++) {
            if (t->api_key == key) {
                covered = 1;
            }
        }

        if (covered) {
            continue;
        }

        api = kg_kafka_api((kg_uint_t) key);

        for (v = 0; api && v <= (kg_uint_t) api->max_version; v++) {
            assert_int_equal(kg_kafka_error_response(kg_test_pool, key,
                                 (int16_t) v, &body, KG_KAFKA_ERR_PAUSED,
                                 &out),
                             KG_DECLINED);
        }

        assert_int_equal(kg_kafka_error_response(kg_test_pool, key, 0, &body,
                                                 KG_KAFKA_ERR_NO_BROKER,
                                                 &out),
                         KG_DECLINED);
    }

    /* the ones declined on purpose */

    assert_int_equal(kg_kafka_error_response(kg_test_pool,
                         KG_KAFKA_API_METADATA, 12, &body,
                         KG_KAFKA_ERR_PAUSED, &out),
                     KG_DECLINED);
    assert_int_equal(kg_kafka_error_response(kg_test_pool,
                         KG_KAFKA_API_DESCRIBE_CONFIGS, 4, &body,
                         KG_KAFKA_ERR_PAUSED, &out),
                     KG_DECLINED);
    assert_int_equal(kg_kafka_error_response(kg_test_pool,
                         KG_KAFKA_API_API_VERSIONS, 3, &body,
                         KG_KAFKA_ERR_PAUSED, &out),
                     KG_DECLINED);
}


static void
test_kafka_error_response_unknown_version_declined(void **state)
{
    kg_str_t               body, out;
    const kg_kafka_api_t  *api;

    body.data = (u_char *) "";
    body.len = 0;

    api = kg_kafka_api(KG_KAFKA_API_PRODUCE);

    assert_int_equal(kg_kafka_error_response(kg_test_pool,
                         KG_KAFKA_API_PRODUCE, api->max_version + 1, &body,
                         KG_KAFKA_ERR_PAUSED, &out),
                     KG_DECLINED);
    assert_int_equal(kg_kafka_error_response(kg_test_pool,
                         KG_KAFKA_API_PRODUCE, -1, &body,
                         KG_KAFKA_ERR_PAUSED, &out),
                     KG_DECLINED);
    assert_int_equal(kg_kafka_error_response(kg_test_pool,
                         KG_KAFKA_API_PRODUCE, INT16_MAX, &body,
                         KG_KAFKA_ERR_PAUSED, &out),
                     KG_DECLINED);
}


static void
test_kafka_error_response_unknown_reason_declined(void **state)
{
    void                  *req;
    kg_str_t               body, out;
    const kg_kafka_api_t  *api;

    api = kg_kafka_api(KG_KAFKA_API_HEARTBEAT);
    req = kg_test_alloc(api->request->size);
    kg_test_group_build(0, req);
    kg_test_request(api, 0, req, &body);

    assert_int_equal(kg_kafka_error_response(kg_test_pool,
                         KG_KAFKA_API_HEARTBEAT, 0, &body, 0, &out),
                     KG_DECLINED);
    assert_int_equal(kg_kafka_error_response(kg_test_pool,
                         KG_KAFKA_API_HEARTBEAT, 0, &body, 3, &out),
                     KG_DECLINED);

    free(body.data);
}


/* an idempotent producer has no coordinator: it is told to retry */

static void
test_kafka_error_response_init_producer_id_idempotent(void **state)
{
    void                                  *req;
    kg_str_t                               body, out;
    kg_uint_t                              v;
    const kg_kafka_api_t                  *api;
    kg_kafka_init_producer_id_request_t   *r;
    kg_kafka_init_producer_id_response_t  *resp;

    api = kg_kafka_api(KG_KAFKA_API_INIT_PRODUCER_ID);

    for (v = api->min_version; v <= (kg_uint_t) api->max_version; v++) {
        req = kg_test_alloc(api->request->size);
        kg_test_init_producer_id_build(v, req);

        r = req;
        kg_str_null(&r->TransactionalId);

        kg_test_request(api, v, req, &body);

        assert_int_equal(kg_kafka_error_response(kg_test_pool,
                             KG_KAFKA_API_INIT_PRODUCER_ID, (int16_t) v,
                             &body, KG_KAFKA_ERR_NO_BROKER, &out),
                         KG_OK);

        resp = kg_test_response(api, v, &out);
        assert_int_equal(resp->ErrorCode,
                         KG_KAFKA_COORDINATOR_LOAD_IN_PROGRESS);
        assert_int_equal(resp->ProducerId, -1);

        free(body.data);
    }
}


/* OffsetFetch for all the group's offsets (null topics) */

static void
test_kafka_error_response_offset_fetch_all_topics(void **state)
{
    void                                *req;
    kg_str_t                             body, out;
    kg_uint_t                            v;
    const kg_kafka_api_t                *api;
    kg_kafka_offset_fetch_request_t     *r;
    kg_kafka_offset_fetch_response_t    *resp;
    kg_kafka_offset_fetch_req_group_t   *g;
    kg_kafka_offset_fetch_resp_group_t  *rg;

    api = kg_kafka_api(KG_KAFKA_API_OFFSET_FETCH);

    for (v = 2; v <= (kg_uint_t) api->max_version; v++) {
        req = kg_test_alloc(api->request->size);
        kg_test_offset_fetch_build(v, req);

        r = req;

        if (v < 8) {
            r->Topics.elts = NULL;
            r->Topics.nelts = 0;

        } else {
            g = r->Groups.elts;
            g[0].Topics.elts = NULL;
            g[0].Topics.nelts = 0;
        }

        kg_test_request(api, v, req, &body);

        assert_int_equal(kg_kafka_error_response(kg_test_pool,
                             KG_KAFKA_API_OFFSET_FETCH, (int16_t) v,
                             &body, KG_KAFKA_ERR_PAUSED, &out),
                         KG_OK);

        resp = kg_test_response(api, v, &out);

        if (v < 8) {
            assert_int_equal(resp->ErrorCode, KG_KAFKA_NOT_COORDINATOR);
            assert_int_equal(resp->Topics.nelts, 0);

        } else {
            rg = resp->Groups.elts;
            assert_int_equal(resp->Groups.nelts, 2);
            assert_int_equal(rg[0].ErrorCode, KG_KAFKA_NOT_COORDINATOR);
            assert_int_equal(rg[0].Topics.nelts, 0);
            assert_int_equal(rg[1].Topics.nelts, 2);
        }

        free(body.data);
    }
}


/* Produce v0 has no throttle time: the answer is exactly its layout */

static void
test_kafka_error_response_produce_v0_bytes(void **state)
{
    void                  *req;
    kg_str_t               body, out;
    const kg_kafka_api_t  *api;

    static u_char  expect[] = {
        0x00, 0x00, 0x00, 0x02,                      /* topics */
        0x00, 0x02, 't', '0',
        0x00, 0x00, 0x00, 0x02,                      /* partitions */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x06,          /* 1: error 6 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0x00, 0x00, 0x00, 0x02, 0x00, 0x06,          /* 2: error 6 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0x00, 0x02, 't', '1',
        0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x0b, 0x00, 0x06,          /* 11 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0x00, 0x00, 0x00, 0x0c, 0x00, 0x06,          /* 12 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    };

    api = kg_kafka_api(KG_KAFKA_API_PRODUCE);
    req = kg_test_alloc(api->request->size);
    kg_test_produce_build(0, req);
    kg_test_request(api, 0, req, &body);

    assert_int_equal(kg_kafka_error_response(kg_test_pool,
                         KG_KAFKA_API_PRODUCE, 0, &body,
                         KG_KAFKA_ERR_PAUSED, &out),
                     KG_OK);

    assert_int_equal(out.len, sizeof(expect));
    assert_memory_equal(out.data, expect, sizeof(expect));

    free(body.data);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_kafka_error_response_every_api_version,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_error_response_truncated_every_offset,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_error_response_uncovered_declined,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_error_response_unknown_version_declined,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_error_response_unknown_reason_declined,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_error_response_init_producer_id_idempotent,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_error_response_offset_fetch_all_topics,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_error_response_produce_v0_bytes,
            kg_test_setup, kg_test_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
