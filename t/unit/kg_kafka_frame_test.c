/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_kafka_frame.h>

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>


/* protocol-security-facts §1.6, byte-exact */

static u_char  kg_test_handshake_v1[] =
    "\x00\x00\x00\x1a" "\x00\x11" "\x00\x01" "\x00\x00\x00\x01"
    "\x00\x01" "c" "\x00\x0d" "SCRAM-SHA-256";

static u_char  kg_test_authenticate_v2[] =
    "\x00\x00\x00\x2e" "\x00\x24" "\x00\x02" "\x00\x00\x00\x02"
    "\x00\x01" "c" "\x00" "\x21" "n,,n=user,r=rOprNGfwEbeRWgbNEkqO" "\x00";


static kg_int_t
kg_test_size(kg_kafka_frame_t *f, const void *data, size_t len)
{
    u_char  *p;

    p = (u_char *) data;

    return kg_kafka_frame_size(f, &p, p + len);
}


static void
test_kafka_frame_size_split_prefix(void **state)
{
    u_char            *p, *last;
    kg_uint_t          i;
    kg_kafka_frame_t   f;

    kg_kafka_frame_init(&f, 0, KG_KAFKA_FRAME_DETECT);
    assert_int_equal(f.max_size, KG_KAFKA_FRAME_MAX_SIZE);

    p = kg_test_handshake_v1;

    for (i = 0; i < 3; i++) {
        last = p + 1;
        assert_int_equal(kg_kafka_frame_size(&f, &p, last), KG_AGAIN);
        assert_ptr_equal(p, last);
    }

    last = kg_test_handshake_v1 + sizeof(kg_test_handshake_v1) - 1;
    assert_int_equal(kg_kafka_frame_size(&f, &p, last), KG_OK);
    assert_ptr_equal(p, kg_test_handshake_v1 + 4);
    assert_int_equal(f.size, 0x1a);
    assert_int_equal(f.size, last - p);

    /* idempotent until the next frame */
    assert_int_equal(kg_kafka_frame_size(&f, &p, last), KG_OK);
    assert_ptr_equal(p, kg_test_handshake_v1 + 4);

    kg_kafka_frame_next(&f);
    assert_false(f.flags & KG_KAFKA_FRAME_DETECT);
    assert_int_equal(kg_kafka_frame_size(&f, &p, p), KG_AGAIN);
}


static void
test_kafka_frame_size_errors(void **state)
{
    kg_kafka_frame_t  f;

    kg_kafka_frame_init(&f, 0, 0);
    assert_int_equal(kg_test_size(&f, "\xff\xff\xff\xff", 4), KG_ERROR);
    assert_string_equal(f.reason, "negative frame size");

    /* the size is refused before anything is allocated for it */
    kg_kafka_frame_init(&f, 0, 0);
    assert_int_equal(kg_test_size(&f, "\x06\x40\x00\x01", 4), KG_ERROR);
    assert_string_equal(f.reason, "frame size exceeds the maximum");

    kg_kafka_frame_init(&f, 0, 0);
    assert_int_equal(kg_test_size(&f, "\x06\x40\x00\x00", 4), KG_OK);
    assert_int_equal(f.size, 100 * 1024 * 1024);

    /* a smaller cap, as before authentication */
    kg_kafka_frame_init(&f, 512 * 1024, 0);
    assert_int_equal(kg_test_size(&f, "\x00\x08\x00\x01", 4), KG_ERROR);
    assert_string_equal(f.reason, "frame size exceeds the maximum");

    kg_kafka_frame_init(&f, 0, 0);
    assert_int_equal(kg_test_size(&f, "\x00\x00\x00\x07", 4), KG_ERROR);
    assert_string_equal(f.reason, "frame size below the minimum header size");

    kg_kafka_frame_init(&f, 0, KG_KAFKA_FRAME_RESPONSE);
    assert_int_equal(kg_test_size(&f, "\x00\x00\x00\x04", 4), KG_OK);

    kg_kafka_frame_init(&f, 0, KG_KAFKA_FRAME_RESPONSE);
    assert_int_equal(kg_test_size(&f, "\x00\x00\x00\x03", 4), KG_ERROR);
}


static void
test_kafka_frame_size_foreign_protocols(void **state)
{
    kg_kafka_frame_t  f;

    /* a TLS 1.2 ClientHello record header */
    kg_kafka_frame_init(&f, 0, KG_KAFKA_FRAME_DETECT);
    assert_int_equal(kg_test_size(&f, "\x16\x03\x01\x02\x00", 5), KG_ERROR);
    assert_string_equal(f.reason, "TLS handshake on a plaintext connection");

    kg_kafka_frame_init(&f, 0, KG_KAFKA_FRAME_DETECT);
    assert_int_equal(kg_test_size(&f, "GET / HTTP/1.1\r\n", 16), KG_ERROR);
    assert_string_equal(f.reason, "HTTP request on a Kafka connection");

    kg_kafka_frame_init(&f, 0, KG_KAFKA_FRAME_DETECT);
    assert_int_equal(kg_test_size(&f, "POST", 4), KG_ERROR);
    assert_string_equal(f.reason, "HTTP request on a Kafka connection");

    kg_kafka_frame_init(&f, 0, KG_KAFKA_FRAME_DETECT);
    assert_int_equal(kg_test_size(&f, "PUT ", 4), KG_ERROR);

    kg_kafka_frame_init(&f, 0, KG_KAFKA_FRAME_DETECT);
    assert_int_equal(kg_test_size(&f, "HEAD", 4), KG_ERROR);

    /* upstream side: a TLS alert or an HTTP server */
    kg_kafka_frame_init(&f, 0,
                        KG_KAFKA_FRAME_DETECT|KG_KAFKA_FRAME_RESPONSE);
    assert_int_equal(kg_test_size(&f, "\x15\x03\x03\x00", 4), KG_ERROR);
    assert_string_equal(f.reason,
                        "TLS record from the peer of a plaintext connection");

    kg_kafka_frame_init(&f, 0,
                        KG_KAFKA_FRAME_DETECT|KG_KAFKA_FRAME_RESPONSE);
    assert_int_equal(kg_test_size(&f, "HTTP/1.1", 8), KG_ERROR);
    assert_string_equal(f.reason, "HTTP response instead of Kafka");

    /* without detection a TLS record is only an oversized frame */
    kg_kafka_frame_init(&f, 0, 0);
    assert_int_equal(kg_test_size(&f, "\x16\x03\x01\x02", 4), KG_ERROR);
    assert_string_equal(f.reason, "frame size exceeds the maximum");
}


static void
test_kafka_frame_request_header_v1(void **state)
{
    u_char                     *p, *last;
    kg_kafka_frame_t            f;
    kg_kafka_request_header_t   h;

    p = kg_test_handshake_v1;
    last = p + sizeof(kg_test_handshake_v1) - 1;

    kg_kafka_frame_init(&f, 0, KG_KAFKA_FRAME_DETECT);
    assert_int_equal(kg_kafka_frame_size(&f, &p, last), KG_OK);
    assert_int_equal(kg_kafka_frame_request_header(&f, &h, p, last - p),
                     KG_OK);

    assert_int_equal(h.api_key, KG_KAFKA_API_SASL_HANDSHAKE);
    assert_int_equal(h.api_version, 1);
    assert_int_equal(h.correlation_id, 1);
    assert_int_equal(h.header_version, 1);
    assert_false(h.flexible);
    assert_int_equal(h.client_id.len, 1);
    assert_int_equal(h.client_id.data[0], 'c');
    assert_int_equal(h.size, 11);
    assert_string_equal(h.api->name, "SaslHandshake");
}


static void
test_kafka_frame_request_header_v2_tags(void **state)
{
    u_char                     *p, *last;
    kg_kafka_frame_t            f;
    kg_kafka_request_header_t   h;

    p = kg_test_authenticate_v2;
    last = p + sizeof(kg_test_authenticate_v2) - 1;

    kg_kafka_frame_init(&f, 0, KG_KAFKA_FRAME_DETECT);
    assert_int_equal(kg_kafka_frame_size(&f, &p, last), KG_OK);
    assert_int_equal(f.size, 0x2e);
    assert_int_equal(kg_kafka_frame_request_header(&f, &h, p, last - p),
                     KG_OK);

    assert_int_equal(h.api_key, KG_KAFKA_API_SASL_AUTHENTICATE);
    assert_int_equal(h.api_version, 2);
    assert_int_equal(h.correlation_id, 2);
    assert_int_equal(h.header_version, 2);
    assert_true(h.flexible);
    assert_int_equal(h.tags.len, 1);
    assert_int_equal(h.size, 12);

    /* the body that follows is the codec's */
    assert_int_equal(p[h.size], 0x21);
}


static void
test_kafka_frame_request_header_partial(void **state)
{
    u_char                     *p, *last;
    size_t                      n;
    kg_kafka_frame_t            f;
    kg_kafka_request_header_t   h;

    p = kg_test_authenticate_v2;
    last = p + sizeof(kg_test_authenticate_v2) - 1;

    kg_kafka_frame_init(&f, 0, 0);
    assert_int_equal(kg_kafka_frame_size(&f, &p, last), KG_OK);

    /* every shorter view of the header asks for more */
    for (n = 0; n < 12; n++) {
        assert_int_equal(kg_kafka_frame_request_header(&f, &h, p, n),
                         KG_AGAIN);
    }

    assert_int_equal(kg_kafka_frame_request_header(&f, &h, p, 12), KG_OK);
}


static void
test_kafka_frame_request_header_truncated(void **state)
{
    kg_kafka_frame_t            f;
    kg_kafka_request_header_t   h;
    /* a 10 byte frame whose client id claims 5 bytes */
    u_char                      hdr[] = "\x00\x03\x00\x01\x00\x00\x00\x07"
                                        "\x00\x05";

    kg_kafka_frame_init(&f, 0, 0);
    f.size = 10;
    f.nprefix = 4;

    assert_int_equal(kg_kafka_frame_request_header(&f, &h, hdr, 10),
                     KG_ERROR);
    assert_string_equal(f.reason, "truncated request header");

    kg_kafka_frame_init(&f, 0, 0);
    f.size = 10;
    hdr[8] = 0xff;
    hdr[9] = 0xfe;
    assert_int_equal(kg_kafka_frame_request_header(&f, &h, hdr, 10),
                     KG_ERROR);
    assert_string_equal(f.reason, "negative client id length");

    /* null client id */
    kg_kafka_frame_init(&f, 0, 0);
    f.size = 10;
    hdr[9] = 0xff;
    assert_int_equal(kg_kafka_frame_request_header(&f, &h, hdr, 10), KG_OK);
    assert_null(h.client_id.data);
    assert_int_equal(h.size, 10);
}


static void
test_kafka_frame_request_header_unknown_api(void **state)
{
    kg_kafka_frame_t            f;
    kg_kafka_request_header_t   h;
    u_char                      hdr[] = "\x0c\x0b\x00\x00\x00\x00\x00\x01"
                                        "\xff\xff";

    kg_kafka_frame_init(&f, 0, 0);
    f.size = 10;
    assert_int_equal(kg_kafka_frame_request_header(&f, &h, hdr, 10),
                     KG_ERROR);
    assert_string_equal(f.reason, "unknown api key");

    hdr[0] = 0xf3;
    kg_kafka_frame_init(&f, 0, 0);
    f.size = 10;
    assert_int_equal(kg_kafka_frame_request_header(&f, &h, hdr, 10),
                     KG_ERROR);
    assert_string_equal(f.reason, "unknown api key");
}


static void
test_kafka_frame_request_header_unsupported_version(void **state)
{
    kg_kafka_frame_t            f;
    kg_kafka_request_header_t   h;
    /* ApiVersions v99, flexible: header v2 with an empty tag buffer */
    u_char                      hdr[] = "\x00\x12\x00\x63\x00\x00\x00\x05"
                                        "\x00\x01" "x" "\x00";

    kg_kafka_frame_init(&f, 0, 0);
    f.size = 12;
    assert_int_equal(kg_kafka_frame_request_header(&f, &h, hdr, 12),
                     KG_DECLINED);
    assert_string_equal(f.reason, "unsupported api version");
    assert_int_equal(h.correlation_id, 5);
    assert_int_equal(h.header_version, 2);
    assert_int_equal(h.size, 12);

    hdr[3] = 0x00;
    hdr[2] = 0x80;
    kg_kafka_frame_init(&f, 0, 0);
    f.size = 12;
    assert_int_equal(kg_kafka_frame_request_header(&f, &h, hdr, 12),
                     KG_ERROR);
    assert_string_equal(f.reason, "negative api version");
}


static void
test_kafka_frame_request_header_v0(void **state)
{
    kg_kafka_frame_t            f;
    kg_kafka_request_header_t   h;
    /* ControlledShutdown v0 has no client id; body: BrokerId 3 */
    u_char                      hdr[] = "\x00\x07\x00\x00\x00\x00\x00\x09"
                                        "\x00\x00\x00\x03";

    kg_kafka_frame_init(&f, 0, 0);
    f.size = 12;
    assert_int_equal(kg_kafka_frame_request_header(&f, &h, hdr, 12), KG_OK);
    assert_int_equal(h.header_version, 0);
    assert_int_equal(h.size, 8);
    assert_null(h.client_id.data);
}


static void
test_kafka_frame_request_header_bad_tags(void **state)
{
    kg_kafka_frame_t            f;
    kg_kafka_request_header_t   h;
    /* Metadata v12, header v2: two tags out of order */
    u_char                      hdr[] = "\x00\x03\x00\x0c\x00\x00\x00\x05"
                                        "\xff\xff" "\x02\x05\x00\x01\x00";

    kg_kafka_frame_init(&f, 0, 0);
    f.size = 15;
    assert_int_equal(kg_kafka_frame_request_header(&f, &h, hdr, 15),
                     KG_ERROR);

    /* a tag count the frame cannot hold */
    hdr[10] = 0x7f;
    kg_kafka_frame_init(&f, 0, 0);
    f.size = 15;
    assert_int_equal(kg_kafka_frame_request_header(&f, &h, hdr, 15),
                     KG_ERROR);

    /* a varint split over reads */
    hdr[10] = 0x81;
    kg_kafka_frame_init(&f, 0, 0);
    f.size = 15;
    assert_int_equal(kg_kafka_frame_request_header(&f, &h, hdr, 11),
                     KG_AGAIN);
}


static void
test_kafka_frame_response_header(void **state)
{
    u_char                      *p, *last;
    kg_kafka_frame_t             f;
    kg_kafka_response_header_t   h;
    u_char                       v1[] = "\x00\x00\x00\x07\x00\x00\x00\x2a"
                                        "\x00" "\x00\x00";

    /* SaslAuthenticate v1 response: header v0 */
    p = (u_char *) "\x00\x00\x00\x6a\x00\x00\x00\x02\x00\x00";
    last = p + 10;

    kg_kafka_frame_init(&f, 0, KG_KAFKA_FRAME_RESPONSE);
    assert_int_equal(kg_kafka_frame_size(&f, &p, last), KG_OK);
    assert_int_equal(kg_kafka_frame_response_header(&f, &h,
                                                KG_KAFKA_API_SASL_AUTHENTICATE,
                                                1, p, last - p),
                     KG_OK);
    assert_int_equal(h.correlation_id, 2);
    assert_int_equal(h.header_version, 0);
    assert_int_equal(h.size, 4);

    /* Metadata v12: header v1 with a tag buffer */
    p = v1;
    last = p + 11;
    kg_kafka_frame_init(&f, 0, KG_KAFKA_FRAME_RESPONSE);
    assert_int_equal(kg_kafka_frame_size(&f, &p, last), KG_OK);
    assert_int_equal(kg_kafka_frame_response_header(&f, &h,
                                                    KG_KAFKA_API_METADATA,
                                                    12, p, last - p),
                     KG_OK);
    assert_int_equal(h.correlation_id, 42);
    assert_int_equal(h.header_version, 1);
    assert_int_equal(h.size, 5);

    /* ApiVersions v3 responses keep header v0 */
    assert_int_equal(kg_kafka_frame_response_header(&f, &h,
                                                    KG_KAFKA_API_API_VERSIONS,
                                                    3, p, last - p),
                     KG_OK);
    assert_int_equal(h.header_version, 0);
    assert_int_equal(h.size, 4);
    assert_true(h.flexible);

    assert_int_equal(kg_kafka_frame_response_header(&f, &h, 999, 0, p, 7),
                     KG_ERROR);
    assert_int_equal(kg_kafka_frame_response_header(&f, &h,
                                                    KG_KAFKA_API_METADATA,
                                                    12, p, 2),
                     KG_AGAIN);
}


static void
test_kafka_frame_produce_acks(void **state)
{
    int16_t                     acks;
    kg_kafka_frame_t            f;
    kg_kafka_request_header_t   h;
    u_char                      v0[] = "\xff\xff\x00\x00\x03\xe8";
    u_char                      v3[] = "\x00\x02" "tx" "\x00\x00";
    u_char                      v3null[] = "\xff\xff\x00\x01";
    u_char                      v9[] = "\x03" "tx" "\xff\xff";
    u_char                      v9null[] = "\x00\x00\x00";

    kg_kafka_frame_init(&f, 0, 0);
    memset(&h, 0, sizeof(h));
    h.api_key = KG_KAFKA_API_PRODUCE;
    h.size = 10;

    f.size = h.size + 6;
    h.api_version = 2;
    assert_int_equal(kg_kafka_frame_produce_acks(&f, &h, v0, 6, &acks),
                     KG_OK);
    assert_int_equal(acks, -1);

    f.size = h.size + 100;
    h.api_version = 3;
    assert_int_equal(kg_kafka_frame_produce_acks(&f, &h, v3, 6, &acks),
                     KG_OK);
    assert_int_equal(acks, 0);

    /* only part of the transactional id arrived yet */
    assert_int_equal(kg_kafka_frame_produce_acks(&f, &h, v3, 3, &acks),
                     KG_AGAIN);

    assert_int_equal(kg_kafka_frame_produce_acks(&f, &h, v3null, 4, &acks),
                     KG_OK);
    assert_int_equal(acks, 1);

    h.api_version = 9;
    h.flexible = 1;
    assert_int_equal(kg_kafka_frame_produce_acks(&f, &h, v9, 5, &acks),
                     KG_OK);
    assert_int_equal(acks, -1);

    assert_int_equal(kg_kafka_frame_produce_acks(&f, &h, v9null, 3, &acks),
                     KG_OK);
    assert_int_equal(acks, 0);

    /* the frame ends inside the transactional id */
    f.size = h.size + 3;
    assert_int_equal(kg_kafka_frame_produce_acks(&f, &h, v9, 3, &acks),
                     KG_ERROR);
    assert_string_equal(f.reason, "truncated produce request");

    h.api_key = KG_KAFKA_API_FETCH;
    assert_int_equal(kg_kafka_frame_produce_acks(&f, &h, v9, 5, &acks),
                     KG_ERROR);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_kafka_frame_size_split_prefix),
        cmocka_unit_test(test_kafka_frame_size_errors),
        cmocka_unit_test(test_kafka_frame_size_foreign_protocols),
        cmocka_unit_test(test_kafka_frame_request_header_v1),
        cmocka_unit_test(test_kafka_frame_request_header_v2_tags),
        cmocka_unit_test(test_kafka_frame_request_header_partial),
        cmocka_unit_test(test_kafka_frame_request_header_truncated),
        cmocka_unit_test(test_kafka_frame_request_header_unknown_api),
        cmocka_unit_test(test_kafka_frame_request_header_unsupported_version),
        cmocka_unit_test(test_kafka_frame_request_header_v0),
        cmocka_unit_test(test_kafka_frame_request_header_bad_tags),
        cmocka_unit_test(test_kafka_frame_response_header),
        cmocka_unit_test(test_kafka_frame_produce_acks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
