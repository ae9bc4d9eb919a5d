/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_KAFKA_VERSIONS_H_INCLUDED_
#define _KG_KAFKA_VERSIONS_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_codec.h>


/*
 * Version negotiation.  Clients pick versions from the ApiVersions
 * response they get, so kgate narrows the brokers' answer to what its
 * codec knows: a client must never negotiate a version whose layout kgate
 * cannot read, as kgate could then neither rewrite the addresses in its
 * responses nor let them through.  For
 * brokers that predate ApiVersions (KIP-35, Kafka 0.10.0) kgate answers
 * from a table per release, as librdkafka's broker.version.fallback does.
 */


/*
 * The versions of api_key kgate knows: the generated api table, without
 * a latest version the schemas mark unstable (its layout may still
 * change, so a broker that has made it stable may not match).  KG_OK, or
 * KG_DECLINED for an api kgate does not know at all.
 */
kg_int_t kg_kafka_versions_known(kg_uint_t api_key, int16_t *min,
    int16_t *max);

/* what kgate offers clients: known, less the versions that would stop
   Produce and Fetch from streaming (see kg_kafka_versions.c) */
kg_int_t kg_kafka_versions_offered(kg_uint_t api_key, int16_t *min,
    int16_t *max);

/*
 * Caps an ApiVersions response body (after the header, which is always
 * v0 for this api): every range is narrowed to kg_kafka_versions_known(),
 * apis kgate does not know and ranges left empty are dropped.  A v0 body
 * with UNSUPPORTED_VERSION, which a broker sends to a version above its
 * own (KIP-511), is read and written as v0.  An error body of any other
 * shape, and any body to a version above kgate's, becomes a v0 error body
 * listing ApiVersions below api_version, so that the client retries
 * lower.  KG_DECLINED: nothing to change; KG_OK: *out is the new body
 * (pool memory); KG_ERROR: the body does not decode.
 */
kg_int_t kg_kafka_versions_cap(kg_pool_t *pool, int16_t api_version,
    kg_str_t *body, kg_str_t *out);

/*
 * The ApiVersions response body kgate answers itself to an ApiVersions
 * request of api_version, for a cluster configured with
 * broker_version_fallback (a 0.9 broker closes the connection on an api
 * key it does not know, so the request cannot be forwarded).  For a
 * version kgate does not know, *out is the v0 UNSUPPORTED_VERSION body of
 * KIP-511, that clients read whatever version they asked.  KG_OK, or
 * KG_ERROR (unknown fallback, no memory).
 */
kg_int_t kg_kafka_versions_fallback_response(kg_pool_t *pool,
    kg_str_t *fallback, int16_t api_version, kg_str_t *out);

/*
 * Configuration check of a broker_version_fallback value: "0.8.0",
 * "0.8.1", "0.8.2", "0.9.0", "0.10.0", "0.10.1", "0.10.2" or "0.11.0",
 * optionally with a patch level ("0.9.0.1").  KG_OK or KG_ERROR.
 */
kg_int_t kg_kafka_versions_parse_fallback(kg_str_t *value);


#endif /* _KG_KAFKA_VERSIONS_H_INCLUDED_ */
