/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>

#include <setjmp.h>
#include <cmocka.h>


#define assert_buf_equal(p, buf, s)                                          \
    assert_int_equal((size_t) ((p) - (buf)), sizeof(s) - 1);                 \
    assert_memory_equal(buf, s, sizeof(s) - 1)


static void
test_sprintf_integers(void **state)
{
    u_char  buf[128], *p;

    p = kg_sprintf(buf, "%d|%ud|%i|%ui|%l|%D|%uD", -5, 7u, (kg_int_t) -42,
                   (kg_uint_t) 42, -9L, (int32_t) -32, (uint32_t) 32);
    assert_buf_equal(p, buf, "-5|7|-42|42|-9|-32|32");

    p = kg_sprintf(buf, "%L|%uL", (int64_t) INT64_MIN, (uint64_t) UINT64_MAX);
    assert_buf_equal(p, buf, "-9223372036854775808|18446744073709551615");

    p = kg_sprintf(buf, "%z|%uz|%O|%T", (ssize_t) -1, (size_t) 1024,
                   (off_t) 1099511627776LL, (time_t) 1700000000);
    assert_buf_equal(p, buf, "-1|1024|1099511627776|1700000000");

    p = kg_sprintf(buf, "%5d|%05d|%-d", 42, 42, 3);
    assert_buf_equal(p, buf, "   42|00042|-d");

    p = kg_sprintf(buf, "%xd|%Xd|%04xd|%xi", 255, 255, 10, (kg_uint_t) 4096);
    assert_buf_equal(p, buf, "ff|FF|000a|1000");

    p = kg_sprintf(buf, "%M|%M", (kg_msec_t) 1500, (kg_msec_t) -1);
    assert_buf_equal(p, buf, "1500|-1");

    p = kg_sprintf(buf, "%P|%A|%r", (pid_t) 1234, (kg_atomic_int_t) 5,
                   (rlim_t) 1024);
    assert_buf_equal(p, buf, "1234|5|1024");

    p = kg_sprintf(buf, "%mi", (kg_int_t) 7);
    assert_int_equal(p - buf, KG_INT_T_LEN);
}


static void
test_sprintf_strings_and_chars(void **state)
{
    u_char    buf[128], *p;
    kg_str_t  s = kg_string("value");
    kg_str_t  empty = kg_null_string;
    u_char    bin[] = { 0x00, 0xab, 0x7f };

    p = kg_sprintf(buf, "[%V][%V][%s][%*s]", &s, &empty, "cstr", (size_t) 3,
                   "abcdef");
    assert_buf_equal(p, buf, "[value][][cstr][abc]");

    p = kg_sprintf(buf, "%*xs|%*Xs", (size_t) 3, bin, (size_t) 3, bin);
    assert_buf_equal(p, buf, "00ab7f|00AB7F");

    p = kg_sprintf(buf, "%c%c%%%N", 'a', 'b');
    assert_buf_equal(p, buf, "ab%\n");

    p = kg_sprintf(buf, "x%Z");
    assert_int_equal(p - buf, 2);
    assert_int_equal(buf[1], '\0');

    p = kg_sprintf(buf, "%s", NULL);
    assert_buf_equal(p, buf, "(null)");

    /* a trailing "%" prints nothing and does not read past the format */
    p = kg_sprintf(buf, "ab%");
    assert_buf_equal(p, buf, "ab");

    p = kg_sprintf(buf, "%.3f|%.0f|%f|%.2f", 3.14159, 2.5, 7.9, -1.005);
    assert_buf_equal(p, buf, "3.142|2|7|-1.00");

    p = kg_sprintf(buf, "%p", (void *) 0x1234);
    assert_int_equal(p - buf, 2 * sizeof(void *));
    assert_memory_equal(p - 4, "1234", 4);
}


static void
test_snprintf_truncates_at_end(void **state)
{
    u_char    buf[16], *p;
    kg_str_t  s = kg_string("0123456789abcdef0123");

    kg_memset(buf, 'Z', sizeof(buf));

    p = kg_snprintf(buf, 8, "%V", &s);
    assert_int_equal(p - buf, 8);
    assert_memory_equal(buf, "01234567", 8);
    assert_int_equal(buf[8], 'Z');

    kg_memset(buf, 'Z', sizeof(buf));

    p = kg_snprintf(buf, 5, "%d", 1234567890);
    assert_buf_equal(p, buf, "12345");
    assert_int_equal(buf[5], 'Z');

    p = kg_snprintf(buf, 4, "%010d", 5);
    assert_buf_equal(p, buf, "0000");

    p = kg_snprintf(buf, 3, "%s", "abcdef");
    assert_buf_equal(p, buf, "abc");

    p = kg_snprintf(buf, 3, "%*xs", (size_t) 4, "abcd");
    assert_buf_equal(p, buf, "61");

    p = kg_snprintf(buf, 0, "%d", 5);
    assert_ptr_equal(p, buf);

    p = kg_slprintf(buf, buf + 6, "ab%dcd%s", 12, "xyz");
    assert_buf_equal(p, buf, "ab12cd");
}


static void
test_atoi_rejects_overflow_and_garbage(void **state)
{
    assert_int_equal(kg_atoi((u_char *) "0", 1), 0);
    assert_int_equal(kg_atoi((u_char *) "12345", 5), 12345);
    assert_int_equal(kg_atoi((u_char *) "123", 2), 12);
    assert_int_equal(kg_atoi((u_char *) "", 0), KG_ERROR);
    assert_int_equal(kg_atoi((u_char *) "-1", 2), KG_ERROR);
    assert_int_equal(kg_atoi((u_char *) "12a", 3), KG_ERROR);
    assert_int_equal(kg_atoi((u_char *) " 1", 2), KG_ERROR);

#if (KG_PTR_SIZE == 8)
    assert_int_equal(kg_atoi((u_char *) "9223372036854775807", 19),
                     KG_MAX_INT_T_VALUE);
    assert_int_equal(kg_atoi((u_char *) "9223372036854775808", 19), KG_ERROR);
    assert_int_equal(kg_atoi((u_char *) "99999999999999999999", 20),
                     KG_ERROR);
#endif

    assert_int_equal(kg_atosz((u_char *) "4096", 4), 4096);
    assert_int_equal(kg_atosz((u_char *) "x", 1), KG_ERROR);
    assert_int_equal(kg_atosz((u_char *) "99999999999999999999", 20),
                     KG_ERROR);

    assert_int_equal(kg_atoof((u_char *) "99999999999999999999", 20),
                     KG_ERROR);
    assert_int_equal(kg_atotm((u_char *) "60", 2), 60);

    assert_int_equal(kg_atofp((u_char *) "10.5", 4, 2), 1050);
    assert_int_equal(kg_atofp((u_char *) "10.555", 6, 2), KG_ERROR);
    assert_int_equal(kg_atofp((u_char *) "1.2.3", 5, 3), KG_ERROR);

    assert_int_equal(kg_hextoi((u_char *) "fF", 2), 255);
    assert_int_equal(kg_hextoi((u_char *) "g", 1), KG_ERROR);
    assert_int_equal(kg_hextoi((u_char *) "fffffffffffffffff", 17), KG_ERROR);
}


static void
test_parse_size_units(void **state)
{
    kg_str_t  s;

    kg_str_set(&s, "100");
    assert_int_equal(kg_parse_size(&s), 100);

    kg_str_set(&s, "16k");
    assert_int_equal(kg_parse_size(&s), 16384);

    kg_str_set(&s, "16K");
    assert_int_equal(kg_parse_size(&s), 16384);

    kg_str_set(&s, "1m");
    assert_int_equal(kg_parse_size(&s), 1024 * 1024);

    kg_str_set(&s, "1g");
    assert_int_equal(kg_parse_size(&s), 1024 * 1024 * 1024);

    kg_str_set(&s, "");
    assert_int_equal(kg_parse_size(&s), KG_ERROR);

    kg_str_set(&s, "k");
    assert_int_equal(kg_parse_size(&s), KG_ERROR);

    kg_str_set(&s, "1x");
    assert_int_equal(kg_parse_size(&s), KG_ERROR);

    kg_str_set(&s, "-1k");
    assert_int_equal(kg_parse_size(&s), KG_ERROR);

    kg_str_set(&s, "1.5m");
    assert_int_equal(kg_parse_size(&s), KG_ERROR);

    kg_str_set(&s, "99999999999999999g");
    assert_int_equal(kg_parse_size(&s), KG_ERROR);

    kg_str_set(&s, "2g");
    assert_int_equal(kg_parse_offset(&s), 2LL * 1024 * 1024 * 1024);

    kg_str_set(&s, "1t");
    assert_int_equal(kg_parse_offset(&s), KG_ERROR);
}


static void
test_parse_time_units(void **state)
{
    kg_str_t  s;

    kg_str_set(&s, "30s");
    assert_int_equal(kg_parse_time(&s, 1), 30);
    assert_int_equal(kg_parse_time(&s, 0), 30000);

    kg_str_set(&s, "5m");
    assert_int_equal(kg_parse_time(&s, 1), 300);

    kg_str_set(&s, "1h 30m");
    assert_int_equal(kg_parse_time(&s, 1), 5400);
    assert_int_equal(kg_parse_time(&s, 0), 5400000);

    kg_str_set(&s, "1h30m15s");
    assert_int_equal(kg_parse_time(&s, 1), 5415);

    kg_str_set(&s, "500ms");
    assert_int_equal(kg_parse_time(&s, 0), 500);
    assert_int_equal(kg_parse_time(&s, 1), KG_ERROR);

    kg_str_set(&s, "1s 500ms");
    assert_int_equal(kg_parse_time(&s, 0), 1500);

    kg_str_set(&s, "10");
    assert_int_equal(kg_parse_time(&s, 1), 10);
    assert_int_equal(kg_parse_time(&s, 0), 10000);

    kg_str_set(&s, "1d");
    assert_int_equal(kg_parse_time(&s, 1), 86400);

    kg_str_set(&s, "1y");
    assert_int_equal(kg_parse_time(&s, 1), 31536000);
    assert_int_equal(kg_parse_time(&s, 0), KG_ERROR);

    kg_str_set(&s, "");
    assert_int_equal(kg_parse_time(&s, 1), KG_ERROR);

    kg_str_set(&s, "s");
    assert_int_equal(kg_parse_time(&s, 1), KG_ERROR);

    kg_str_set(&s, "5x");
    assert_int_equal(kg_parse_time(&s, 1), KG_ERROR);

    kg_str_set(&s, "30m 1h");
    assert_int_equal(kg_parse_time(&s, 1), KG_ERROR);

    kg_str_set(&s, "1s1s");
    assert_int_equal(kg_parse_time(&s, 1), KG_ERROR);

    kg_str_set(&s, "-5s");
    assert_int_equal(kg_parse_time(&s, 1), KG_ERROR);

    kg_str_set(&s, "99999999999999999999s");
    assert_int_equal(kg_parse_time(&s, 1), KG_ERROR);

    kg_str_set(&s, "9999999999999999d");
    assert_int_equal(kg_parse_time(&s, 0), KG_ERROR);
}


static void
test_strncasecmp_ignores_ascii_case(void **state)
{
    assert_int_equal(kg_strcasecmp((u_char *) "Kafka", (u_char *) "kAFKA"),
                     0);
    assert_true(kg_strcasecmp((u_char *) "a", (u_char *) "B") < 0);
    assert_true(kg_strcasecmp((u_char *) "abc", (u_char *) "ab") > 0);

    assert_int_equal(kg_strncasecmp((u_char *) "HOSTx", (u_char *) "hosty",
                                    4), 0);
    assert_true(kg_strncasecmp((u_char *) "HOSTx", (u_char *) "hosty", 5)
                != 0);
    assert_int_equal(kg_strncasecmp((u_char *) "a", (u_char *) "a", 10), 0);

    assert_non_null(kg_strcasestrn((u_char *) "x-Content-Type",
                                   "content", 7 - 1));
    assert_null(kg_strcasestrn((u_char *) "x-Content", "type", 4 - 1));

    assert_int_equal(kg_rstrncasecmp((u_char *) "a.EXAMPLE.com" + 1,
                                     (u_char *) "b.example.COM" + 1, 12), 0);
    assert_true(kg_rstrncasecmp((u_char *) "a.EXAMPLE.com",
                                (u_char *) "b.example.COM", 13) < 0);

    assert_true(kg_memn2cmp((u_char *) "ab", (u_char *) "abc", 2, 3) < 0);
    assert_true(kg_memn2cmp((u_char *) "abc", (u_char *) "ab", 3, 2) > 0);
    assert_int_equal(kg_memn2cmp((u_char *) "ab", (u_char *) "ab", 2, 2), 0);
    assert_int_equal(kg_memn2cmp(NULL, NULL, 0, 0), 0);

    assert_int_equal(kg_memcmp_const((u_char *) "abc", (u_char *) "abc", 3),
                     0);
    assert_int_not_equal(kg_memcmp_const((u_char *) "abc",
                                         (u_char *) "abd", 3), 0);
}


static void
test_strlow_and_cpystrn(void **state)
{
    u_char  buf[8], *p;

    kg_strlow(buf, (u_char *) "AbC1", 4);
    assert_memory_equal(buf, "abc1", 4);

    p = kg_cpystrn(buf, (u_char *) "abcdefghijk", sizeof(buf));
    assert_int_equal(p - buf, 7);
    assert_string_equal((char *) buf, "abcdefg");

    p = kg_cpystrn(buf, (u_char *) "ab", sizeof(buf));
    assert_int_equal(p - buf, 2);
    assert_string_equal((char *) buf, "ab");

    assert_int_equal(kg_strnlen((u_char *) "abc", 10), 3);
    assert_int_equal(kg_strnlen((u_char *) "abc", 2), 2);
}


static void
test_pstrdup_copies(void **state)
{
    u_char     *p;
    kg_log_t    log;
    kg_pool_t  *pool;
    kg_str_t    s = kg_string("secret-free");

    kg_pagesize = getpagesize();
    kg_memzero(&log, sizeof(kg_log_t));

    pool = kg_create_pool(1024, &log);
    assert_non_null(pool);

    p = kg_pstrdup(pool, &s);
    assert_non_null(p);
    assert_ptr_not_equal(p, s.data);
    assert_memory_equal(p, s.data, s.len);

    kg_destroy_pool(pool);
}


static void
test_base64_round_trip(void **state)
{
    u_char    buf[64];
    kg_str_t  src, dst;

    kg_str_set(&src, "any carnal pleas");
    dst.data = buf;
    kg_encode_base64(&dst, &src);
    assert_int_equal(dst.len, kg_base64_encoded_length(src.len));
    assert_memory_equal(dst.data, "YW55IGNhcm5hbCBwbGVhcw==", dst.len);

    src = dst;
    dst.data = buf + 32;
    assert_int_equal(kg_decode_base64(&dst, &src), KG_OK);
    assert_int_equal(dst.len, 16);
    assert_memory_equal(dst.data, "any carnal pleas", 16);

    kg_str_set(&src, "\xfb\xff");
    dst.data = buf;
    kg_encode_base64url(&dst, &src);
    assert_int_equal(dst.len, 3);
    assert_memory_equal(dst.data, "-_8", 3);

    src = dst;
    dst.data = buf + 32;
    assert_int_equal(kg_decode_base64url(&dst, &src), KG_OK);
    assert_int_equal(dst.len, 2);
    assert_memory_equal(dst.data, "\xfb\xff", 2);

    kg_str_set(&src, "-_8");
    assert_int_equal(kg_decode_base64(&dst, &src), KG_ERROR);

    kg_str_set(&src, "YQ=x");
    assert_int_equal(kg_decode_base64(&dst, &src), KG_ERROR);

    kg_str_set(&src, "Y");
    assert_int_equal(kg_decode_base64(&dst, &src), KG_ERROR);

    kg_str_set(&src, "YQ===");
    assert_int_equal(kg_decode_base64(&dst, &src), KG_ERROR);

    kg_str_set(&src, "YQ==");
    assert_int_equal(kg_decode_base64(&dst, &src), KG_OK);
    assert_int_equal(dst.len, 1);
    assert_int_equal(dst.data[0], 'a');

    kg_str_set(&src, "");
    assert_int_equal(kg_decode_base64(&dst, &src), KG_OK);
    assert_int_equal(dst.len, 0);
}


static void
test_hex_dump_lowercase(void **state)
{
    u_char  buf[8], *p;

    p = kg_hex_dump(buf, (u_char *) "\x01\xab\xff", 3);
    assert_int_equal(p - buf, 6);
    assert_memory_equal(buf, "01abff", 6);
}


static void
test_escape_json_controls_and_quotes(void **state)
{
    u_char     buf[64], *p;
    uintptr_t  n;
    kg_str_t   s = kg_string("a\"b\\c\n\x01z");

    n = kg_escape_json(NULL, s.data, s.len);
    assert_int_equal(n, 1 + 1 + 1 + 5);

    p = (u_char *) kg_escape_json(buf, s.data, s.len);
    assert_int_equal((size_t) (p - buf), s.len + n);
    assert_memory_equal(buf, "a\\\"b\\\\c\\n\\u0001z", p - buf);
}


static void
test_utf8_length_counts_characters(void **state)
{
    assert_int_equal(kg_utf8_length((u_char *) "h\xc3\xa9llo", 6), 5);
    assert_int_equal(kg_utf8_length((u_char *) "\xe2\x82\xac", 3), 1);

    /* invalid UTF-8 counts bytes */
    assert_int_equal(kg_utf8_length((u_char *) "\xc3\x28", 2), 2);
}


static kg_int_t
cmp_int(const void *one, const void *two)
{
    return *(const int *) one - *(const int *) two;
}


static void
test_sort_orders(void **state)
{
    int  a[] = { 5, 3, 9, 1, 3, 0 };

    kg_sort(a, 6, sizeof(int), cmp_int);

    assert_int_equal(a[0], 0);
    assert_int_equal(a[1], 1);
    assert_int_equal(a[2], 3);
    assert_int_equal(a[3], 3);
    assert_int_equal(a[4], 5);
    assert_int_equal(a[5], 9);
}


static void
test_explicit_memzero_wipes(void **state)
{
    u_char  secret[16];

    kg_memset(secret, 'k', sizeof(secret));
    kg_explicit_memzero(secret, sizeof(secret));

    assert_int_equal(secret[0], 0);
    assert_int_equal(secret[15], 0);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_sprintf_integers),
        cmocka_unit_test(test_sprintf_strings_and_chars),
        cmocka_unit_test(test_snprintf_truncates_at_end),
        cmocka_unit_test(test_atoi_rejects_overflow_and_garbage),
        cmocka_unit_test(test_parse_size_units),
        cmocka_unit_test(test_parse_time_units),
        cmocka_unit_test(test_strncasecmp_ignores_ascii_case),
        cmocka_unit_test(test_strlow_and_cpystrn),
        cmocka_unit_test(test_pstrdup_copies),
        cmocka_unit_test(test_base64_round_trip),
        cmocka_unit_test(test_hex_dump_lowercase),
        cmocka_unit_test(test_escape_json_controls_and_quotes),
        cmocka_unit_test(test_utf8_length_counts_characters),
        cmocka_unit_test(test_sort_orders),
        cmocka_unit_test(test_explicit_memzero_wipes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
