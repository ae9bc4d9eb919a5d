/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_KAFKA_FRAME_H_INCLUDED_
#define _KG_KAFKA_FRAME_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_codec.h>


/*
 * Kafka framing: a 4-byte big-endian size, then a request or response
 * header, then the body.
 *
 * kg_kafka_frame_size() is resumable byte by byte, as nginx's sw_* parsers
 * are: the size prefix may arrive split over any number of reads.  It is
 * checked (negative, above the maximum, below the smallest header) before
 * anything is allocated for the frame.  The header functions need the
 * header bytes contiguous, not the whole frame: they return KG_AGAIN when
 * the header continues past the bytes given but within the frame, so a
 * Produce of 100 MiB can be forwarded after reading a few dozen bytes.
 *
 * Errors are KG_ERROR with f->reason set to a phrase for the log; the
 * connection is then closed.  The first frame of a plaintext connection
 * (KG_KAFKA_FRAME_DETECT) names the usual mistakes: a TLS client, or an
 * HTTP client, talking to a plaintext Kafka port.
 */


#define KG_KAFKA_FRAME_MAX_SIZE      (100 * 1024 * 1024)

#define KG_KAFKA_FRAME_DETECT        0x01
#define KG_KAFKA_FRAME_RESPONSE      0x02

/* api_key, api_version, correlation_id: request header v0 */
#define KG_KAFKA_REQUEST_MIN_SIZE    8
/* correlation_id: response header v0 */
#define KG_KAFKA_RESPONSE_MIN_SIZE   4


typedef struct {
    size_t                   max_size;
    size_t                   size;          /* bytes after the prefix */
    const char              *reason;
    kg_uint_t                flags;
    kg_uint_t                nprefix;
    u_char                   prefix[4];
} kg_kafka_frame_t;


typedef struct {
    int16_t                  api_key;
    int16_t                  api_version;
    int32_t                  correlation_id;
    kg_str_t                 client_id;     /* data == NULL: null */
    kg_str_t                 tags;          /* raw tagged fields, v2 */
    kg_uint_t                header_version;
    kg_uint_t                flexible;      /* of the body */
    size_t                   size;          /* header bytes */
    const kg_kafka_api_t    *api;
} kg_kafka_request_header_t;


typedef struct {
    int32_t                  correlation_id;
    kg_str_t                 tags;          /* raw tagged fields, v1 */
    kg_uint_t                header_version;
    kg_uint_t                flexible;      /* of the body */
    size_t                   size;          /* header bytes */
} kg_kafka_response_header_t;


void kg_kafka_frame_init(kg_kafka_frame_t *f, size_t max_size,
    kg_uint_t flags);
void kg_kafka_frame_next(kg_kafka_frame_t *f);
kg_int_t kg_kafka_frame_size(kg_kafka_frame_t *f, u_char **pos, u_char *last);

/*
 * KG_OK, KG_AGAIN (more bytes needed), KG_ERROR; and KG_DECLINED when the
 * header of a known api was parsed but its version is outside what the
 * codec knows: the caller forwards it opaquely or answers
 * UNSUPPORTED_VERSION (ApiVersions: with a v0 response, KIP-511).
 */
kg_int_t kg_kafka_frame_request_header(kg_kafka_frame_t *f,
    kg_kafka_request_header_t *h, u_char *p, size_t len);
kg_int_t kg_kafka_frame_response_header(kg_kafka_frame_t *f,
    kg_kafka_response_header_t *h, kg_uint_t api_key, kg_uint_t api_version,
    u_char *p, size_t len);

/*
 * Peeks at Produce "acks" in the body (p, len: the bytes available after
 * the header) without decoding it: acks=0 gets no response, so such a
 * request must not wait for one.  KG_OK, KG_AGAIN or KG_ERROR.
 */
kg_int_t kg_kafka_frame_produce_acks(kg_kafka_frame_t *f,
    kg_kafka_request_header_t *h, u_char *p, size_t len, int16_t *acks);


#endif /* _KG_KAFKA_FRAME_H_INCLUDED_ */
