/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_frame.h>


/*
 * Input: byte 0 sets the read size (1-16 bytes per call) and the side
 * (request or response), the rest is a connection's byte stream.  Frames
 * are cut as a connection would see them, split across reads; each header
 * is parsed from the bytes at hand, as a pass-through proxy does.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char                      *buf, *p, *last, *end;
    size_t                       step, avail;
    int16_t                      acks;
    kg_int_t                     rc;
    kg_uint_t                    response;
    kg_kafka_frame_t             f;
    kg_kafka_request_header_t    h;
    kg_kafka_response_header_t   rh;

    if (size < 1) {
        return 0;
    }

    step = (data[0] & 0x0f) + 1;
    response = data[0] & 0x10;

    buf = malloc(size);
    if (buf == NULL) {
        return 0;
    }

    memcpy(buf, data + 1, size - 1);
    p = buf;
    end = buf + size - 1;

    kg_kafka_frame_init(&f, 1024 * 1024, KG_KAFKA_FRAME_DETECT
                        | (response ? KG_KAFKA_FRAME_RESPONSE : 0));

    while (p < end) {
        last = p + kg_min(step, (size_t) (end - p));

        rc = kg_kafka_frame_size(&f, &p, last);

        if (rc == KG_AGAIN) {
            continue;
        }

        if (rc != KG_OK) {
            break;
        }

        if (f.size > f.max_size) {
            abort();
        }

        avail = kg_min((size_t) (end - p), f.size);

        if (response) {
            rc = kg_kafka_frame_response_header(&f, &rh, data[0] >> 5,
                                                avail & 0x0f, p, avail);
            if (rc == KG_OK && rh.size > f.size) {
                abort();
            }

        } else {
            rc = kg_kafka_frame_request_header(&f, &h, p, avail);

            if ((rc == KG_OK || rc == KG_DECLINED) && h.size > f.size) {
                abort();
            }

            if (rc == KG_OK && h.api_key == KG_KAFKA_API_PRODUCE) {
                (void) kg_kafka_frame_produce_acks(&f, &h, p + h.size,
                                                   avail - h.size, &acks);
            }
        }

        if (rc == KG_AGAIN && avail == f.size) {
            abort();
        }

        if (f.size > (size_t) (end - p)) {
            break;
        }

        p += f.size;
        kg_kafka_frame_next(&f);
    }

    free(buf);

    return 0;
}
