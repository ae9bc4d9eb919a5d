/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_KAFKA_REWRITE_H_INCLUDED_
#define _KG_KAFKA_REWRITE_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_codec.h>


/*
 * Broker address rewriting: every broker host and port a response carries
 * is replaced by the address kgate exposes for that node, so that clients
 * never see, and never connect to, a real broker address.
 *
 * The responses to rewrite are found from the schemas, not listed by hand:
 * any struct with a "Host" string and a "Port" integer is an address, and
 * its node id is the broker id field beside it (or in the enclosing
 * struct).  In the schemas kgate is generated from, these are:
 *
 *   Metadata          Brokers[]                    all versions
 *   FindCoordinator   NodeId/Host/Port             v0-3
 *                     Coordinators[]               v4+
 *   DescribeCluster   Brokers[]                    all versions
 *   Produce           NodeEndpoints[] (tagged)     v10+  (KIP-951)
 *   Fetch             NodeEndpoints[] (tagged)     v16+  (KIP-951)
 *   ShareFetch        NodeEndpoints[]              all versions
 *   ShareAcknowledge  NodeEndpoints[]              all versions
 *   DescribeQuorum    Nodes[].Listeners[]          v2+
 *   Vote, BeginQuorumEpoch, EndQuorumEpoch,
 *   FetchSnapshot     NodeEndpoints[] (tagged)     v1+
 *   UpdateRaftVoter   CurrentLeader                all versions
 *
 * The last two groups carry controller addresses: they are hidden as
 * well, but never learned as brokers.  ApiVersions responses go through
 * kg_kafka_versions_cap() (kg_kafka_versions.h).
 */


/*
 * Node ids.  With node_id set, every field whose schema entity type is
 * brokerId (NodeId, LeaderId, ReplicaNodes[], IsrNodes[],
 * OfflineReplicas[], ControllerId, CurrentLeader.LeaderId,
 * PreferredReadReplica...) is mapped through it, in every response that
 * has one, so that clients only ever see the ids kgate gives (virtual
 * node ids, kg_kafka_route.h); -1 and other negative ids pass.
 * node_port(), node_host() and learn() are given the real ids.
 *
 * node_host(), when set, gives the host and port of one node (SNI
 * routes: "broker-$node_id.gw.example.com" on the bootstrap port): it
 * sets *host (pool memory) and returns the port, or returns -1 to fall
 * back to host and node_port().
 */

typedef struct {
    kg_str_t    host;                 /* what clients are told (advertise) */
    kg_int_t  (*node_port)(void *data, int32_t node_id);  /* -1: no port */
    void      (*learn)(void *data, int32_t node_id, kg_str_t *host,
                       int32_t port);
    int32_t   (*node_id)(void *data, int32_t node_id);
    kg_int_t  (*node_host)(void *data, kg_pool_t *pool, int32_t node_id,
                           kg_str_t *host);
    void       *data;
} kg_kafka_addr_map_t;


/*
 * body: the bytes after the response header.
 *
 * KG_DECLINED: nothing to rewrite, *out is untouched and the body goes as
 * it is; KG_OK: *out is the new body, in pool memory; KG_ERROR: the body
 * does not decode (or cannot be re-encoded), the caller logs and closes
 * the connection.
 *
 * map->learn() is called for every real broker address seen, before
 * map->node_port() is asked for that node, so that a node seen for the
 * first time can be given a port at once.  Its host points into the body:
 * learn() copies what it keeps.  A node without a port still appears, with
 * the advertise host and port 0, never with its real address.
 */
kg_int_t kg_kafka_rewrite_response(kg_pool_t *pool, kg_kafka_addr_map_t *map,
    int16_t api_key, int16_t api_version, kg_str_t *body, kg_str_t *out);

/*
 * Whether responses of this api and version must go through
 * kg_kafka_rewrite_response(): the proxy streams the others (Produce below
 * v10, Fetch below v16) without buffering them.  Versions above what the
 * codec knows count as needed for the apis that carry addresses, so that
 * they fail closed instead of leaking.
 */
kg_uint_t kg_kafka_rewrite_needed(int16_t api_key, int16_t api_version);

/*
 * Whether responses of this api and version carry a node id field (the
 * addresses count too): with map->node_id set, these go through
 * kg_kafka_rewrite_response() as well.
 */
kg_uint_t kg_kafka_rewrite_ids_needed(int16_t api_key, int16_t api_version);


#endif /* _KG_KAFKA_REWRITE_H_INCLUDED_ */
