/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_KAFKA_ERRORS_H_INCLUDED_
#define _KG_KAFKA_ERRORS_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_codec.h>


/* Kafka error codes kgate sends or reads (Kafka's Errors.java) */

#define KG_KAFKA_UNKNOWN_SERVER_ERROR           (-1)
#define KG_KAFKA_NONE                           0
#define KG_KAFKA_OFFSET_OUT_OF_RANGE            1
#define KG_KAFKA_CORRUPT_MESSAGE                2
#define KG_KAFKA_UNKNOWN_TOPIC_OR_PARTITION     3
#define KG_KAFKA_LEADER_NOT_AVAILABLE           5
#define KG_KAFKA_NOT_LEADER_OR_FOLLOWER         6
#define KG_KAFKA_REQUEST_TIMED_OUT              7
#define KG_KAFKA_BROKER_NOT_AVAILABLE           8
#define KG_KAFKA_NETWORK_EXCEPTION              13
#define KG_KAFKA_COORDINATOR_LOAD_IN_PROGRESS   14
#define KG_KAFKA_COORDINATOR_NOT_AVAILABLE      15
#define KG_KAFKA_NOT_COORDINATOR                16
#define KG_KAFKA_TOPIC_AUTHORIZATION_FAILED     29
#define KG_KAFKA_GROUP_AUTHORIZATION_FAILED     30
#define KG_KAFKA_CLUSTER_AUTHORIZATION_FAILED   31
#define KG_KAFKA_UNSUPPORTED_SASL_MECHANISM     33
#define KG_KAFKA_ILLEGAL_SASL_STATE             34
#define KG_KAFKA_UNSUPPORTED_VERSION            35
#define KG_KAFKA_NOT_CONTROLLER                 41
#define KG_KAFKA_INVALID_REQUEST                42
#define KG_KAFKA_SASL_AUTHENTICATION_FAILED     58
#define KG_KAFKA_REBOOTSTRAP_REQUIRED           129


/* why kgate answers a request itself */
#define KG_KAFKA_ERR_PAUSED     1   /* route paused past pause_timeout */
#define KG_KAFKA_ERR_NO_BROKER  2   /* broker port with no broker behind it */


/*
 * Builds a complete response BODY (the bytes after the response header)
 * answering the request body req_body of api_key/api_version with a
 * retriable error in every partition or entity the request names, and in
 * the top-level ErrorCode where the api has one and clients read it as
 * retriable.  The codes per api, and why, are in kg_kafka_errors.c.
 *
 * KG_OK: *out is set, in pool memory; KG_DECLINED: no safe retriable
 * answer exists for this api or version, the caller closes the connection
 * instead; KG_ERROR: the request does not decode (or no memory).
 *
 * Produce with acks=0 gets no response at all: the caller must not answer
 * it (kg_kafka_frame_produce_acks() tells), this function does not know.
 */
kg_int_t kg_kafka_error_response(kg_pool_t *pool, int16_t api_key,
    int16_t api_version, kg_str_t *req_body, kg_uint_t reason,
    kg_str_t *out);


#endif /* _KG_KAFKA_ERRORS_H_INCLUDED_ */
