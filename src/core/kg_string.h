/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_STRING_H_INCLUDED_
#define _KG_STRING_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


/*
 * a kg_str_t is never NUL-terminated by contract; "%V" prints exactly
 * what it is given, so strings that may carry secrets must never reach
 * a log call as a plain kg_str_t
 */

typedef struct {
    size_t      len;
    u_char     *data;
} kg_str_t;


typedef struct {
    kg_str_t    key;
    kg_str_t    value;
} kg_keyval_t;


#define kg_string(str)     { sizeof(str) - 1, (u_char *) str }
#define kg_null_string     { 0, NULL }
#define kg_str_set(str, text)                                                \
    (str)->len = sizeof(text) - 1; (str)->data = (u_char *) text
#define kg_str_null(str)   (str)->len = 0; (str)->data = NULL


#define kg_tolower(c)      (u_char) ((c >= 'A' && c <= 'Z') ? (c | 0x20) : c)
#define kg_toupper(c)      (u_char) ((c >= 'a' && c <= 'z') ? (c & ~0x20) : c)

void kg_strlow(u_char *dst, u_char *src, size_t n);


#define kg_strncmp(s1, s2, n)  strncmp((const char *) s1, (const char *) s2, n)


#define kg_strcmp(s1, s2)  strcmp((const char *) s1, (const char *) s2)


#define kg_strstr(s1, s2)  strstr((const char *) s1, (const char *) s2)
#define kg_strlen(s)       strlen((const char *) s)

size_t kg_strnlen(u_char *p, size_t n);

#define kg_strchr(s1, c)   strchr((const char *) s1, (int) c)

static inline u_char *
kg_strlchr(u_char *p, u_char *last, u_char c)
{
    while (p < last) {

        if (*p == c) {
            return p;
        }

        p++;
    }

    return NULL;
}


/*
 * calling memset() with a constant zero is turned into an inline "rep stos"
 * or a set of "mov"s by the compiler
 */

#define kg_memzero(buf, n)       (void) memset(buf, 0, n)
#define kg_memset(buf, c, n)     (void) memset(buf, c, n)

/* wiping that the compiler may not drop as a dead store: secrets */
void kg_explicit_memzero(void *buf, size_t n);


#define kg_memcpy(dst, src, n)   (void) memcpy(dst, src, n)
#define kg_cpymem(dst, src, n)   (((u_char *) memcpy(dst, src, n)) + (n))

#define kg_memmove(dst, src, n)  (void) memmove(dst, src, n)
#define kg_movemem(dst, src, n)  (((u_char *) memmove(dst, src, n)) + (n))


#define kg_memcmp(s1, s2, n)     memcmp((const char *) s1, (const char *) s2, n)


u_char *kg_cpystrn(u_char *dst, u_char *src, size_t n);
u_char *kg_pstrdup(kg_pool_t *pool, kg_str_t *src);

/*
 * formats as nginx's ngx_sprintf():
 *    %[0][width][x][X]O        off_t
 *    %[0][width]T              time_t
 *    %[0][width][u][x|X]z      ssize_t/size_t
 *    %[0][width][u][x|X]d      int/u_int
 *    %[0][width][u][x|X]l      long
 *    %[0][width|m][u][x|X]i    kg_int_t/kg_uint_t
 *    %[0][width][u][x|X]D      int32_t/uint32_t
 *    %[0][width][u][x|X]L      int64_t/uint64_t
 *    %[0][width|m][u][x|X]A    kg_atomic_int_t/kg_atomic_uint_t
 *    %[0][width][.width]f      double, max valid number fits to %18.15f
 *    %P                        kg_pid_t
 *    %M                        kg_msec_t
 *    %r                        rlim_t
 *    %p                        void *
 *    %[x|X]V                   kg_str_t *
 *    %[x|X]s                   null-terminated string
 *    %*[x|X]s                  length and string
 *    %Z                        '\0'
 *    %N                        '\n'
 *    %c                        char
 *    %%                        %
 *
 * "%V" prints the bytes it is given as they are: never pass it a secret
 */

u_char *kg_sprintf(u_char *buf, const char *fmt, ...);
u_char *kg_snprintf(u_char *buf, size_t max, const char *fmt, ...);
u_char *kg_slprintf(u_char *buf, u_char *last, const char *fmt, ...);
u_char *kg_vslprintf(u_char *buf, u_char *last, const char *fmt,
    va_list args);
#define kg_vsnprintf(buf, max, fmt, args)                                    \
    kg_vslprintf(buf, buf + (max), fmt, args)

kg_int_t kg_strcasecmp(u_char *s1, u_char *s2);
kg_int_t kg_strncasecmp(u_char *s1, u_char *s2, size_t n);

u_char *kg_strnstr(u_char *s1, char *s2, size_t n);

u_char *kg_strstrn(u_char *s1, char *s2, size_t n);
u_char *kg_strcasestrn(u_char *s1, char *s2, size_t n);
u_char *kg_strlcasestrn(u_char *s1, u_char *last, u_char *s2, size_t n);

kg_int_t kg_rstrncmp(u_char *s1, u_char *s2, size_t n);
kg_int_t kg_rstrncasecmp(u_char *s1, u_char *s2, size_t n);
kg_int_t kg_memn2cmp(u_char *s1, u_char *s2, size_t n1, size_t n2);
kg_int_t kg_dns_strcmp(u_char *s1, u_char *s2);
kg_int_t kg_filename_cmp(u_char *s1, u_char *s2, size_t n);

/* constant time comparison, for MACs and passwords */
kg_int_t kg_memcmp_const(u_char *s1, u_char *s2, size_t n);

kg_int_t kg_atoi(u_char *line, size_t n);
kg_int_t kg_atofp(u_char *line, size_t n, size_t point);
ssize_t kg_atosz(u_char *line, size_t n);
off_t kg_atoof(u_char *line, size_t n);
time_t kg_atotm(u_char *line, size_t n);
kg_int_t kg_hextoi(u_char *line, size_t n);

u_char *kg_hex_dump(u_char *dst, u_char *src, size_t len);


#define kg_base64_encoded_length(len)  (((len + 2) / 3) * 4)
#define kg_base64_decoded_length(len)  (((len + 3) / 4) * 3)

void kg_encode_base64(kg_str_t *dst, kg_str_t *src);
void kg_encode_base64url(kg_str_t *dst, kg_str_t *src);
kg_int_t kg_decode_base64(kg_str_t *dst, kg_str_t *src);
kg_int_t kg_decode_base64url(kg_str_t *dst, kg_str_t *src);

uint32_t kg_utf8_decode(u_char **p, size_t n);
size_t kg_utf8_length(u_char *p, size_t n);
u_char *kg_utf8_cpystrn(u_char *dst, u_char *src, size_t n, size_t len);


/*
 * JSON string body escaping of '"', '\\' and control characters: with dst
 * NULL it returns how many bytes escaping adds to size, else the end of
 * the written data cast to uintptr_t
 */

uintptr_t kg_escape_json(u_char *dst, u_char *src, size_t size);


void kg_sort(void *base, size_t n, size_t size,
    kg_int_t (*cmp)(const void *, const void *));
#define kg_qsort             qsort


#define kg_value_helper(n)   #n
#define kg_value(n)          kg_value_helper(n)


#endif /* _KG_STRING_H_INCLUDED_ */
