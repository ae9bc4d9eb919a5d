/*
 * Copyright (C) kgate authors
 */


/*
 * The runtime route state: the state file's syntax, and virtual node ids
 * (rank of the real id among the cluster's, plus node_id_base), with the
 * shared list of a cluster and with the worker's node table.  Node id
 * mapping of a Metadata response through kg_kafka_rewrite_response().
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>
#include <kg_kafka.h>
#include <kg_kafka_route.h>
#include <kg_kafka_upstream.h>
#include <kg_kafka_rewrite.h>

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>


typedef struct {
    kg_pool_t                      *pool;
    kg_log_t                        log;
    kg_kafka_core_route_conf_t      rcf;
    kg_kafka_core_cluster_conf_t    ccf;
    kg_kafka_cluster_state_t        cs;
} kg_test_ctx_t;


static int
kg_test_setup(void **state)
{
    kg_test_ctx_t  *t;

    t = calloc(1, sizeof(kg_test_ctx_t));
    if (t == NULL) {
        return -1;
    }

    t->log.log_level = KG_LOG_EMERG;
    t->log.file = NULL;

    t->pool = kg_create_pool(4096, &t->log);
    if (t->pool == NULL) {
        free(t);
        return -1;
    }

    t->rcf.node_id_base = KG_CONF_UNSET;
    t->rcf.broker_first = 19093;
    t->rcf.broker_last = 19095;
    kg_str_set(&t->rcf.name, "payments");
    kg_str_set(&t->ccf.name, "kafka1");

    t->ccf.state = &t->cs;

    *state = t;

    return 0;
}


static int
kg_test_teardown(void **state)
{
    kg_test_ctx_t  *t = *state;

    kg_destroy_pool(t->pool);
    free(t);

    return 0;
}


static kg_int_t
kg_test_parse(kg_test_ctx_t *t, const char *text, kg_array_t *entries,
    kg_str_t *error)
{
    kg_str_t  s;

    s.data = (u_char *) text;
    s.len = strlen(text);

    if (kg_array_init(entries, t->pool, 2, sizeof(kg_kafka_route_entry_t))
        != KG_OK)
    {
        return KG_ERROR;
    }

    return kg_kafka_route_state_parse(&s, entries, error);
}


static void
test_kafka_route_state_parse_entries(void **state)
{
    kg_str_t                 error;
    kg_array_t               entries;
    kg_kafka_route_entry_t  *e;

    assert_int_equal(kg_test_parse(*state,
                         "# written by kgate\n"
                         "route payments cluster kafka2 configured kafka1;\n"
                         "route orders  cluster  dr;  # old form\n",
                         &entries, &error),
                     KG_OK);

    assert_int_equal(entries.nelts, 2);

    e = entries.elts;

    assert_int_equal(e[0].route.len, 8);
    assert_memory_equal(e[0].route.data, "payments", 8);
    assert_memory_equal(e[0].cluster.data, "kafka2", 6);
    assert_memory_equal(e[0].configured.data, "kafka1", 6);

    assert_memory_equal(e[1].route.data, "orders", 6);
    assert_memory_equal(e[1].cluster.data, "dr", 2);
    assert_int_equal(e[1].configured.len, 0);
}


static void
test_kafka_route_state_parse_empty(void **state)
{
    kg_str_t    error;
    kg_array_t  entries;

    assert_int_equal(kg_test_parse(*state, "", &entries, &error), KG_OK);
    assert_int_equal(entries.nelts, 0);

    assert_int_equal(kg_test_parse(*state, "# nothing\n\n", &entries,
                                   &error),
                     KG_OK);
    assert_int_equal(entries.nelts, 0);
}


static void
test_kafka_route_state_parse_rejects_garbage(void **state)
{
    kg_str_t    error;
    kg_array_t  entries;

    assert_int_equal(kg_test_parse(*state, "route a cluster b", &entries,
                                   &error),
                     KG_ERROR);
    assert_non_null(strstr((char *) error.data, "no \";\""));

    assert_int_equal(kg_test_parse(*state, "route a b;", &entries, &error),
                     KG_ERROR);

    assert_int_equal(kg_test_parse(*state, "switch a cluster b;",
                                   &entries, &error),
                     KG_ERROR);

    assert_int_equal(kg_test_parse(*state,
                                   "route a cluster b owner c;",
                                   &entries, &error),
                     KG_ERROR);

    assert_int_equal(kg_test_parse(*state,
                                   "route a cluster b configured c d e;",
                                   &entries, &error),
                     KG_ERROR);
}


static void
test_kafka_route_virtual_id_ranks_real_ids(void **state)
{
    kg_test_ctx_t  *t = *state;

    /* seen in any order, ranked in ascending order */

    kg_kafka_route_node_seen(&t->ccf, 13);
    kg_kafka_route_node_seen(&t->ccf, 11);
    kg_kafka_route_node_seen(&t->ccf, 12);
    kg_kafka_route_node_seen(&t->ccf, 11);

    assert_int_equal(kg_kafka_route_nnodes(&t->ccf), 3);

    assert_int_equal(kg_kafka_route_virtual_id(&t->rcf, &t->ccf, 11), 0);
    assert_int_equal(kg_kafka_route_virtual_id(&t->rcf, &t->ccf, 12), 1);
    assert_int_equal(kg_kafka_route_virtual_id(&t->rcf, &t->ccf, 13), 2);
    assert_int_equal(kg_kafka_route_virtual_id(&t->rcf, &t->ccf, -1), -1);

    assert_int_equal(kg_kafka_route_real_id(&t->rcf, &t->ccf, 0), 11);
    assert_int_equal(kg_kafka_route_real_id(&t->rcf, &t->ccf, 2), 13);
    assert_int_equal(kg_kafka_route_real_id(&t->rcf, &t->ccf, 3), -1);

    assert_int_equal(kg_kafka_route_node_real(&t->ccf, 1), 12);
    assert_int_equal(kg_kafka_route_node_index(&t->ccf, 13), 2);
    assert_int_equal(kg_kafka_route_node_index(&t->ccf, 14), -1);
}


static void
test_kafka_route_virtual_id_uses_base(void **state)
{
    kg_test_ctx_t  *t = *state;

    t->rcf.node_id_base = 100;

    kg_kafka_route_node_seen(&t->ccf, 1);
    kg_kafka_route_node_seen(&t->ccf, 2);

    assert_int_equal(kg_kafka_route_virtual_id(&t->rcf, &t->ccf, 1), 100);
    assert_int_equal(kg_kafka_route_virtual_id(&t->rcf, &t->ccf, 2), 101);
    assert_int_equal(kg_kafka_route_real_id(&t->rcf, &t->ccf, 101), 2);
    assert_int_equal(kg_kafka_route_real_id(&t->rcf, &t->ccf, 99), -1);

    /* a node never listed keeps an id of its own, above every rank */

    assert_int_equal(kg_kafka_route_virtual_id(&t->rcf, &t->ccf, 7),
                     100 + KG_KAFKA_NODES_MAX + 7);
    assert_int_equal(kg_kafka_route_real_id(&t->rcf, &t->ccf,
                                            100 + KG_KAFKA_NODES_MAX + 7),
                     7);
}


static void
test_kafka_route_virtual_id_same_across_clusters(void **state)
{
    kg_test_ctx_t                 *t = *state;
    kg_kafka_cluster_state_t       cs2;
    kg_kafka_core_cluster_conf_t   ccf2;

    kg_memzero(&cs2, sizeof(kg_kafka_cluster_state_t));
    kg_memzero(&ccf2, sizeof(kg_kafka_core_cluster_conf_t));
    ccf2.state = &cs2;

    kg_kafka_route_node_seen(&t->ccf, 1);
    kg_kafka_route_node_seen(&t->ccf, 2);
    kg_kafka_route_node_seen(&t->ccf, 3);

    kg_kafka_route_node_seen(&ccf2, 102);
    kg_kafka_route_node_seen(&ccf2, 101);

    /* the port of rank i is the same node id for clients on both */

    assert_int_equal(kg_kafka_route_virtual_id(&t->rcf, &t->ccf, 1),
                     kg_kafka_route_virtual_id(&t->rcf, &ccf2, 101));
    assert_int_equal(kg_kafka_route_virtual_id(&t->rcf, &t->ccf, 2),
                     kg_kafka_route_virtual_id(&t->rcf, &ccf2, 102));

    /* the third port has no broker on the second cluster */

    assert_int_equal(kg_kafka_route_node_real(&ccf2, 2), -1);
    assert_int_equal(kg_kafka_route_nnodes(&ccf2), 2);
}


static int32_t
kg_test_node_id(void *data, int32_t node_id)
{
    kg_test_ctx_t  *t = data;

    return kg_kafka_route_virtual_id(&t->rcf, &t->ccf, node_id);
}


static void
kg_test_learn(void *data, int32_t node_id, kg_str_t *host, int32_t port)
{
    kg_test_ctx_t  *t = data;

    kg_kafka_route_node_seen(&t->ccf, node_id);
}


static kg_int_t
kg_test_node_port(void *data, int32_t node_id)
{
    kg_int_t        index;
    kg_test_ctx_t  *t = data;

    index = kg_kafka_route_node_index(&t->ccf, node_id);

    return index < 0 ? -1 : (kg_int_t) t->rcf.broker_first + index;
}


static void
test_kafka_route_rewrite_maps_every_node_id(void **state)
{
    kg_test_ctx_t                        *t = *state;
    u_char                               *p;
    size_t                                size;
    int32_t                               replicas[3] = { 13, 11, 12 };
    int32_t                               isr[2] = { 12, 13 };
    kg_str_t                              body, out;
    const char                           *err;
    kg_kafka_addr_map_t                   map;
    kg_kafka_metadata_response_t          resp, back;
    kg_kafka_metadata_resp_topic_t        topic;
    kg_kafka_metadata_resp_broker_t       brokers[3], *b;
    kg_kafka_metadata_resp_partition_t    part, *pp;
    kg_kafka_metadata_resp_topic_t       *tp;

    kg_memzero(&resp, sizeof(resp));
    kg_memzero(brokers, sizeof(brokers));
    kg_memzero(&topic, sizeof(topic));
    kg_memzero(&part, sizeof(part));

    /* the brokers out of order: the ranks must not depend on it */

    brokers[0].NodeId = 13;
    brokers[1].NodeId = 11;
    brokers[2].NodeId = 12;

    brokers[0].Port = 9094;
    brokers[1].Port = 9092;
    brokers[2].Port = 9093;

    kg_str_set(&brokers[0].Host, "10.0.0.3");
    kg_str_set(&brokers[1].Host, "10.0.0.1");
    kg_str_set(&brokers[2].Host, "10.0.0.2");

    part.LeaderId = 13;
    part.ReplicaNodes.elts = replicas;
    part.ReplicaNodes.nelts = 3;
    part.IsrNodes.elts = isr;
    part.IsrNodes.nelts = 2;
    part.OfflineReplicas.elts = kg_kafka_empty;

    kg_str_set(&topic.Name, "t");
    topic.Partitions.elts = &part;
    topic.Partitions.nelts = 1;

    resp.Brokers.elts = brokers;
    resp.Brokers.nelts = 3;
    resp.ControllerId = 12;
    resp.Topics.elts = &topic;
    resp.Topics.nelts = 1;

    size = kg_kafka_encoded_size(&kg_kafka_metadata_response_schema, 1, 0,
                                 &resp);
    assert_int_not_equal(size, KG_KAFKA_SIZE_ERROR);

    p = kg_pnalloc(t->pool, size);
    assert_non_null(p);

    body.data = p;
    body.len = kg_kafka_encode(p, &kg_kafka_metadata_response_schema, 1, 0,
                               &resp)
               - p;

    kg_memzero(&map, sizeof(kg_kafka_addr_map_t));
    kg_str_set(&map.host, "gw.example.com");
    map.node_port = kg_test_node_port;
    map.learn = kg_test_learn;
    map.node_id = kg_test_node_id;
    map.data = t;

    assert_int_equal(kg_kafka_rewrite_response(t->pool, &map,
                                               KG_KAFKA_API_METADATA, 1,
                                               &body, &out),
                     KG_OK);

    kg_memzero(&back, sizeof(back));

    assert_int_equal(kg_kafka_decode(t->pool,
                                     &kg_kafka_metadata_response_schema, 1,
                                     0, out.data, out.len, &back, &err),
                     KG_OK);

    b = back.Brokers.elts;

    assert_int_equal(b[0].NodeId, 2);
    assert_int_equal(b[0].Port, 19095);
    assert_int_equal(b[1].NodeId, 0);
    assert_int_equal(b[1].Port, 19093);
    assert_int_equal(b[2].NodeId, 1);
    assert_memory_equal(b[2].Host.data, "gw.example.com", 14);

    assert_int_equal(back.ControllerId, 1);

    tp = back.Topics.elts;
    pp = tp[0].Partitions.elts;

    assert_int_equal(pp->LeaderId, 2);
    assert_int_equal(((int32_t *) pp->ReplicaNodes.elts)[0], 2);
    assert_int_equal(((int32_t *) pp->ReplicaNodes.elts)[1], 0);
    assert_int_equal(((int32_t *) pp->ReplicaNodes.elts)[2], 1);
    assert_int_equal(((int32_t *) pp->IsrNodes.elts)[0], 1);
    assert_int_equal(((int32_t *) pp->IsrNodes.elts)[1], 2);
}


static void
test_kafka_route_rewrite_ids_needed(void **state)
{
    /* Fetch v11 has PreferredReadReplica, but no address */

    assert_false(kg_kafka_rewrite_needed(KG_KAFKA_API_FETCH, 11));
    assert_true(kg_kafka_rewrite_ids_needed(KG_KAFKA_API_FETCH, 11));
    assert_false(kg_kafka_rewrite_ids_needed(KG_KAFKA_API_FETCH, 4));

    assert_true(kg_kafka_rewrite_ids_needed(KG_KAFKA_API_METADATA, 0));
    assert_false(kg_kafka_rewrite_ids_needed(KG_KAFKA_API_PRODUCE, 3));
    assert_false(kg_kafka_rewrite_ids_needed(-1, 0));
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(test_kafka_route_state_parse_entries,
                                        kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(test_kafka_route_state_parse_empty,
                                        kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_route_state_parse_rejects_garbage,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_route_virtual_id_ranks_real_ids,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_route_virtual_id_uses_base,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_route_virtual_id_same_across_clusters,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_route_rewrite_maps_every_node_id,
            kg_test_setup, kg_test_teardown),
        cmocka_unit_test_setup_teardown(
            test_kafka_route_rewrite_ids_needed,
            kg_test_setup, kg_test_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
