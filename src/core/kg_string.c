/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


static u_char *kg_sprintf_num(u_char *buf, u_char *last, uint64_t ui64,
    u_char zero, kg_uint_t hexadecimal, kg_uint_t width);
static u_char *kg_sprintf_str(u_char *buf, u_char *last, u_char *src,
    size_t len, kg_uint_t hexadecimal);
static int64_t kg_atonum(u_char *line, size_t n, int64_t max);
static void kg_encode_base64_internal(kg_str_t *dst, kg_str_t *src,
    const u_char *basis, kg_uint_t padding);
static kg_int_t kg_decode_base64_internal(kg_str_t *dst, kg_str_t *src,
    const u_char *basis);


void
kg_strlow(u_char *dst, u_char *src, size_t n)
{
    while (n) {
        *dst = kg_tolower(*src);
        dst++;
        src++;
        n--;
    }
}


size_t
kg_strnlen(u_char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {

        if (p[i] == '\0') {
            return i;
        }
    }

    return n;
}


void
kg_explicit_memzero(void *buf, size_t n)
{
    explicit_bzero(buf, n);
}


/* copies at most n - 1 bytes and always NUL-terminates dst (if n > 0) */

u_char *
kg_cpystrn(u_char *dst, u_char *src, size_t n)
{
    if (n == 0) {
        return dst;
    }

    while (--n) {
        *dst = *src;

        if (*dst == '\0') {
            return dst;
        }

        dst++;
        src++;
    }

    *dst = '\0';

    return dst;
}


u_char *
kg_pstrdup(kg_pool_t *pool, kg_str_t *src)
{
    u_char  *dst;

    dst = kg_pnalloc(pool, src->len);
    if (dst == NULL) {
        return NULL;
    }

    if (src->len) {
        kg_memcpy(dst, src->data, src->len);
    }

    return dst;
}


u_char *
kg_sprintf(u_char *buf, const char *fmt, ...)
{
    u_char   *p;
    va_list   args;

    va_start(args, fmt);
    p = kg_vslprintf(buf, (void *) -1, fmt, args);
    va_end(args);

    return p;
}


u_char *
kg_snprintf(u_char *buf, size_t max, const char *fmt, ...)
{
    u_char   *p;
    va_list   args;

    va_start(args, fmt);
    p = kg_vslprintf(buf, buf + max, fmt, args);
    va_end(args);

    return p;
}


u_char *
kg_slprintf(u_char *buf, u_char *last, const char *fmt, ...)
{
    u_char   *p;
    va_list   args;

    va_start(args, fmt);
    p = kg_vslprintf(buf, last, fmt, args);
    va_end(args);

    return p;
}


/*
 * the output is never NUL-terminated unless "%Z" asks for it, and never
 * goes past "last": a long argument is cut at the end of the buffer
 */

u_char *
kg_vslprintf(u_char *buf, u_char *last, const char *fmt, va_list args)
{
    u_char       *p, zero;
    int           d;
    double        f;
    size_t        slen;
    int64_t       i64;
    uint64_t      ui64, frac, scale;
    kg_msec_t     ms;
    kg_uint_t     width, sign, hex, max_width, frac_width, n;
    kg_str_t     *v;

    while (*fmt && buf < last) {

        /* "buf < last": one byte ("%c", "%%", a minus sign) always fits */

        if (*fmt != '%') {
            *buf++ = *fmt++;
            continue;
        }

        i64 = 0;
        ui64 = 0;

        zero = (u_char) ((*++fmt == '0') ? '0' : ' ');
        width = 0;
        sign = 1;
        hex = 0;
        max_width = 0;
        frac_width = 0;
        slen = (size_t) -1;

        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (*fmt++ - '0');
        }

        for ( ;; ) {
            switch (*fmt) {

            case 'u':
                sign = 0;
                fmt++;
                continue;

            case 'm':
                max_width = 1;
                fmt++;
                continue;

            case 'X':
                hex = 2;
                sign = 0;
                fmt++;
                continue;

            case 'x':
                hex = 1;
                sign = 0;
                fmt++;
                continue;

            case '.':
                fmt++;

                while (*fmt >= '0' && *fmt <= '9') {
                    frac_width = frac_width * 10 + (*fmt++ - '0');
                }

                break;

            case '*':
                slen = va_arg(args, size_t);
                fmt++;
                continue;

            default:
                break;
            }

            break;
        }

        /* a stray "%" at the end of the format prints nothing */

        if (*fmt == '\0') {
            break;
        }

        switch (*fmt) {

        case 'V':
            v = va_arg(args, kg_str_t *);

            if (v != NULL) {
                buf = kg_sprintf_str(buf, last, v->data, v->len, hex);
            }

            fmt++;

            continue;

        case 's':
            p = va_arg(args, u_char *);

            if (p == NULL) {
                p = (u_char *) "(null)";
                slen = (size_t) -1;
            }

            buf = kg_sprintf_str(buf, last, p, slen, hex);
            fmt++;

            continue;

        case 'O':
            i64 = (int64_t) va_arg(args, off_t);
            sign = 1;
            break;

        case 'P':
            i64 = (int64_t) va_arg(args, pid_t);
            sign = 1;
            break;

        case 'T':
            i64 = (int64_t) va_arg(args, time_t);
            sign = 1;
            break;

        case 'M':
            ms = (kg_msec_t) va_arg(args, kg_msec_t);
            if ((kg_msec_int_t) ms == -1) {
                sign = 1;
                i64 = -1;
            } else {
                sign = 0;
                ui64 = (uint64_t) ms;
            }
            break;

        case 'z':
            if (sign) {
                i64 = (int64_t) va_arg(args, ssize_t);
            } else {
                ui64 = (uint64_t) va_arg(args, size_t);
            }
            break;

        case 'i':
            if (sign) {
                i64 = (int64_t) va_arg(args, kg_int_t);
            } else {
                ui64 = (uint64_t) va_arg(args, kg_uint_t);
            }

            if (max_width) {
                width = KG_INT_T_LEN;
            }

            break;

        case 'd':
            if (sign) {
                i64 = (int64_t) va_arg(args, int);
            } else {
                ui64 = (uint64_t) va_arg(args, u_int);
            }
            break;

        case 'l':
            if (sign) {
                i64 = (int64_t) va_arg(args, long);
            } else {
                ui64 = (uint64_t) va_arg(args, u_long);
            }
            break;

        case 'D':
            if (sign) {
                i64 = (int64_t) va_arg(args, int32_t);
            } else {
                ui64 = (uint64_t) va_arg(args, uint32_t);
            }
            break;

        case 'L':
            if (sign) {
                i64 = va_arg(args, int64_t);
            } else {
                ui64 = va_arg(args, uint64_t);
            }
            break;

        case 'A':
            if (sign) {
                i64 = (int64_t) va_arg(args, kg_atomic_int_t);
            } else {
                ui64 = (uint64_t) va_arg(args, kg_atomic_uint_t);
            }

            if (max_width) {
                width = KG_ATOMIC_T_LEN;
            }

            break;

        case 'f':
            f = va_arg(args, double);

            if (f < 0) {
                *buf++ = '-';
                f = -f;
            }

            /* NaN and values beyond uint64_t print as the maximum */

            if (!(f < 18446744073709551615.0)) {
                ui64 = (uint64_t) -1;
                f = 0;

            } else {
                ui64 = (uint64_t) f;
            }

            frac = 0;

            if (frac_width > 18) {
                frac_width = 18;
            }

            if (frac_width) {

                scale = 1;
                for (n = frac_width; n; n--) {
                    scale *= 10;
                }

                frac = (uint64_t) ((f - (double) ui64) * scale + 0.5);

                if (frac == scale) {
                    ui64++;
                    frac = 0;
                }
            }

            buf = kg_sprintf_num(buf, last, ui64, zero, 0, width);

            if (frac_width) {
                if (buf < last) {
                    *buf++ = '.';
                }

                buf = kg_sprintf_num(buf, last, frac, '0', 0, frac_width);
            }

            fmt++;

            continue;

        case 'r':
            i64 = (int64_t) va_arg(args, rlim_t);
            sign = 1;
            break;

        case 'p':
            ui64 = (uintptr_t) va_arg(args, void *);
            hex = 2;
            sign = 0;
            zero = '0';
            width = 2 * sizeof(void *);
            break;

        case 'c':
            d = va_arg(args, int);
            *buf++ = (u_char) (d & 0xff);
            fmt++;

            continue;

        case 'Z':
            *buf++ = '\0';
            fmt++;

            continue;

        case 'N':
            *buf++ = LF;
            fmt++;

            continue;

        case '%':
            *buf++ = '%';
            fmt++;

            continue;

        default:
            *buf++ = *fmt++;

            continue;
        }

        if (sign) {
            if (i64 < 0) {
                *buf++ = '-';
                ui64 = (uint64_t) 0 - (uint64_t) i64;

            } else {
                ui64 = (uint64_t) i64;
            }
        }

        buf = kg_sprintf_num(buf, last, ui64, zero, hex, width);

        fmt++;
    }

    return buf;
}


static u_char *
kg_sprintf_num(u_char *buf, u_char *last, uint64_t ui64, u_char zero,
    kg_uint_t hexadecimal, kg_uint_t width)
{
    u_char         *p, temp[KG_INT64_LEN + 1];
    size_t          len;
    uint32_t        ui32;
    static u_char   hex[] = "0123456789abcdef";
    static u_char   HEX[] = "0123456789ABCDEF";

    p = temp + KG_INT64_LEN;

    if (hexadecimal == 0) {

        if (ui64 <= (uint64_t) KG_MAX_UINT32_VALUE) {

            /* 32-bit division is much faster on 32-bit platforms */

            ui32 = (uint32_t) ui64;

            do {
                *--p = (u_char) (ui32 % 10 + '0');
            } while (ui32 /= 10);

        } else {
            do {
                *--p = (u_char) (ui64 % 10 + '0');
            } while (ui64 /= 10);
        }

    } else if (hexadecimal == 1) {

        do {
            *--p = hex[(uint32_t) (ui64 & 0xf)];
        } while (ui64 >>= 4);

    } else { /* hexadecimal == 2 */

        do {
            *--p = HEX[(uint32_t) (ui64 & 0xf)];
        } while (ui64 >>= 4);
    }

    /* zero or space padding */

    len = (temp + KG_INT64_LEN) - p;

    while (len++ < width && buf < last) {
        *buf++ = zero;
    }

    /* number safe copy */

    len = (temp + KG_INT64_LEN) - p;

    if (buf + len > last) {
        len = last - buf;
    }

    return kg_cpymem(buf, p, len);
}


static u_char *
kg_sprintf_str(u_char *buf, u_char *last, u_char *src, size_t len,
    kg_uint_t hexadecimal)
{
    static u_char   hex[] = "0123456789abcdef";
    static u_char   HEX[] = "0123456789ABCDEF";
    u_char         *digits;

    if (hexadecimal == 0) {

        if (len == (size_t) -1) {
            while (*src && buf < last) {
                *buf++ = *src++;
            }

        } else if (len) {
            len = kg_min((size_t) (last - buf), len);
            buf = kg_cpymem(buf, src, len);
        }

        return buf;
    }

    digits = (hexadecimal == 1) ? hex : HEX;

    if (len == (size_t) -1) {
        while (*src && buf < last - 1) {
            *buf++ = digits[*src >> 4];
            *buf++ = digits[*src++ & 0xf];
        }

    } else {
        while (len-- && buf < last - 1) {
            *buf++ = digits[*src >> 4];
            *buf++ = digits[*src++ & 0xf];
        }
    }

    return buf;
}


/* ASCII only and locale independent, unlike strcasecmp() */

kg_int_t
kg_strcasecmp(u_char *s1, u_char *s2)
{
    kg_uint_t  c1, c2;

    for ( ;; ) {
        c1 = (kg_uint_t) *s1++;
        c2 = (kg_uint_t) *s2++;

        c1 = (c1 >= 'A' && c1 <= 'Z') ? (c1 | 0x20) : c1;
        c2 = (c2 >= 'A' && c2 <= 'Z') ? (c2 | 0x20) : c2;

        if (c1 == c2) {

            if (c1) {
                continue;
            }

            return 0;
        }

        return c1 - c2;
    }
}


kg_int_t
kg_strncasecmp(u_char *s1, u_char *s2, size_t n)
{
    kg_uint_t  c1, c2;

    while (n) {
        c1 = (kg_uint_t) *s1++;
        c2 = (kg_uint_t) *s2++;

        c1 = (c1 >= 'A' && c1 <= 'Z') ? (c1 | 0x20) : c1;
        c2 = (c2 >= 'A' && c2 <= 'Z') ? (c2 | 0x20) : c2;

        if (c1 == c2) {

            if (c1) {
                n--;
                continue;
            }

            return 0;
        }

        return c1 - c2;
    }

    return 0;
}


u_char *
kg_strnstr(u_char *s1, char *s2, size_t len)
{
    u_char  c1, c2;
    size_t  n;

    c2 = *(u_char *) s2++;

    n = kg_strlen(s2);

    do {
        do {
            if (len-- == 0) {
                return NULL;
            }

            c1 = *s1++;

            if (c1 == 0) {
                return NULL;
            }

        } while (c1 != c2);

        if (n > len) {
            return NULL;
        }

    } while (kg_strncmp(s1, (u_char *) s2, n) != 0);

    return --s1;
}


/*
 * kg_strstrn() and kg_strcasestrn() are intended to search for static
 * substring with known length in null-terminated string. The argument n
 * must be length of the second substring - 1.
 */

u_char *
kg_strstrn(u_char *s1, char *s2, size_t n)
{
    u_char  c1, c2;

    c2 = *(u_char *) s2++;

    do {
        do {
            c1 = *s1++;

            if (c1 == 0) {
                return NULL;
            }

        } while (c1 != c2);

    } while (kg_strncmp(s1, (u_char *) s2, n) != 0);

    return --s1;
}


u_char *
kg_strcasestrn(u_char *s1, char *s2, size_t n)
{
    kg_uint_t  c1, c2;

    c2 = (kg_uint_t) *s2++;
    c2 = (c2 >= 'A' && c2 <= 'Z') ? (c2 | 0x20) : c2;

    do {
        do {
            c1 = (kg_uint_t) *s1++;

            if (c1 == 0) {
                return NULL;
            }

            c1 = (c1 >= 'A' && c1 <= 'Z') ? (c1 | 0x20) : c1;

        } while (c1 != c2);

    } while (kg_strncasecmp(s1, (u_char *) s2, n) != 0);

    return --s1;
}


/*
 * kg_strlcasestrn() is intended to search for static substring
 * with known length in string until the argument last. The argument n
 * must be length of the second substring - 1.
 */

u_char *
kg_strlcasestrn(u_char *s1, u_char *last, u_char *s2, size_t n)
{
    kg_uint_t  c1, c2;

    c2 = (kg_uint_t) *s2++;
    c2 = (c2 >= 'A' && c2 <= 'Z') ? (c2 | 0x20) : c2;
    last -= n;

    do {
        do {
            if (s1 >= last) {
                return NULL;
            }

            c1 = (kg_uint_t) *s1++;

            c1 = (c1 >= 'A' && c1 <= 'Z') ? (c1 | 0x20) : c1;

        } while (c1 != c2);

    } while (kg_strncasecmp(s1, s2, n) != 0);

    return --s1;
}


kg_int_t
kg_rstrncmp(u_char *s1, u_char *s2, size_t n)
{
    if (n == 0) {
        return 0;
    }

    n--;

    for ( ;; ) {
        if (s1[n] != s2[n]) {
            return s1[n] - s2[n];
        }

        if (n == 0) {
            return 0;
        }

        n--;
    }
}


kg_int_t
kg_rstrncasecmp(u_char *s1, u_char *s2, size_t n)
{
    u_char  c1, c2;

    if (n == 0) {
        return 0;
    }

    n--;

    for ( ;; ) {
        c1 = s1[n];
        if (c1 >= 'a' && c1 <= 'z') {
            c1 -= 'a' - 'A';
        }

        c2 = s2[n];
        if (c2 >= 'a' && c2 <= 'z') {
            c2 -= 'a' - 'A';
        }

        if (c1 != c2) {
            return c1 - c2;
        }

        if (n == 0) {
            return 0;
        }

        n--;
    }
}


kg_int_t
kg_memn2cmp(u_char *s1, u_char *s2, size_t n1, size_t n2)
{
    size_t     n;
    kg_int_t   m, z;

    if (n1 <= n2) {
        n = n1;
        z = -1;

    } else {
        n = n2;
        z = 1;
    }

    m = n ? kg_memcmp(s1, s2, n) : 0;

    if (m || n1 == n2) {
        return m;
    }

    return z;
}


kg_int_t
kg_dns_strcmp(u_char *s1, u_char *s2)
{
    kg_uint_t  c1, c2;

    for ( ;; ) {
        c1 = (kg_uint_t) *s1++;
        c2 = (kg_uint_t) *s2++;

        c1 = (c1 >= 'A' && c1 <= 'Z') ? (c1 | 0x20) : c1;
        c2 = (c2 >= 'A' && c2 <= 'Z') ? (c2 | 0x20) : c2;

        if (c1 == c2) {

            if (c1) {
                continue;
            }

            return 0;
        }

        /* in ASCII '.' > '-', but we need '.' to be the lowest character */

        c1 = (c1 == '.') ? ' ' : c1;
        c2 = (c2 == '.') ? ' ' : c2;

        return c1 - c2;
    }
}


kg_int_t
kg_filename_cmp(u_char *s1, u_char *s2, size_t n)
{
    kg_uint_t  c1, c2;

    while (n) {
        c1 = (kg_uint_t) *s1++;
        c2 = (kg_uint_t) *s2++;

        if (c1 == c2) {

            if (c1) {
                n--;
                continue;
            }

            return 0;
        }

        /* we need '/' to be the lowest character */

        if (c1 == 0 || c2 == 0) {
            return c1 - c2;
        }

        c1 = (c1 == '/') ? 0 : c1;
        c2 = (c2 == '/') ? 0 : c2;

        return c1 - c2;
    }

    return 0;
}


kg_int_t
kg_memcmp_const(u_char *s1, u_char *s2, size_t n)
{
    size_t  i;
    u_char  d;

    d = 0;

    for (i = 0; i < n; i++) {
        d |= s1[i] ^ s2[i];
    }

    return d != 0;
}


kg_int_t
kg_atoi(u_char *line, size_t n)
{
    return (kg_int_t) kg_atonum(line, n, KG_MAX_INT_T_VALUE);
}


/* parse a fixed point number, e.g., kg_atofp("10.5", 4, 2) returns 1050 */

kg_int_t
kg_atofp(u_char *line, size_t n, size_t point)
{
    kg_int_t   value, cutoff, cutlim;
    kg_uint_t  dot;

    if (n == 0) {
        return KG_ERROR;
    }

    cutoff = KG_MAX_INT_T_VALUE / 10;
    cutlim = KG_MAX_INT_T_VALUE % 10;

    dot = 0;

    for (value = 0; n--; line++) {

        if (point == 0) {
            return KG_ERROR;
        }

        if (*line == '.') {
            if (dot) {
                return KG_ERROR;
            }

            dot = 1;
            continue;
        }

        if (*line < '0' || *line > '9') {
            return KG_ERROR;
        }

        if (value >= cutoff && (value > cutoff || *line - '0' > cutlim)) {
            return KG_ERROR;
        }

        value = value * 10 + (*line - '0');
        point -= dot;
    }

    while (point--) {
        if (value > cutoff) {
            return KG_ERROR;
        }

        value = value * 10;
    }

    return value;
}


ssize_t
kg_atosz(u_char *line, size_t n)
{
    return (ssize_t) kg_atonum(line, n, KG_MAX_SIZE_T_VALUE);
}


off_t
kg_atoof(u_char *line, size_t n)
{
    return (off_t) kg_atonum(line, n, KG_MAX_OFF_T_VALUE);
}


time_t
kg_atotm(u_char *line, size_t n)
{
    return (time_t) kg_atonum(line, n, KG_MAX_TIME_T_VALUE);
}


/*
 * a decimal number of at most max: kg_atoi(), kg_atosz(), kg_atoof() and
 * kg_atotm() differ only in their type
 */

static int64_t
kg_atonum(u_char *line, size_t n, int64_t max)
{
    int64_t  value, cutoff, cutlim;

    if (n == 0) {
        return KG_ERROR;
    }

    cutoff = max / 10;
    cutlim = max % 10;

    for (value = 0; n--; line++) {
        if (*line < '0' || *line > '9') {
            return KG_ERROR;
        }

        if (value >= cutoff && (value > cutoff || *line - '0' > cutlim)) {
            return KG_ERROR;
        }

        value = value * 10 + (*line - '0');
    }

    return value;
}


kg_int_t
kg_hextoi(u_char *line, size_t n)
{
    u_char     c, ch;
    kg_int_t   value, cutoff;

    if (n == 0) {
        return KG_ERROR;
    }

    cutoff = KG_MAX_INT_T_VALUE / 16;

    for (value = 0; n--; line++) {
        if (value > cutoff) {
            return KG_ERROR;
        }

        ch = *line;

        if (ch >= '0' && ch <= '9') {
            value = value * 16 + (ch - '0');
            continue;
        }

        c = (u_char) (ch | 0x20);

        if (c >= 'a' && c <= 'f') {
            value = value * 16 + (c - 'a' + 10);
            continue;
        }

        return KG_ERROR;
    }

    return value;
}


u_char *
kg_hex_dump(u_char *dst, u_char *src, size_t len)
{
    static u_char  hex[] = "0123456789abcdef";

    while (len--) {
        *dst++ = hex[*src >> 4];
        *dst++ = hex[*src++ & 0xf];
    }

    return dst;
}


void
kg_encode_base64(kg_str_t *dst, kg_str_t *src)
{
    static u_char   basis64[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    kg_encode_base64_internal(dst, src, basis64, 1);
}


void
kg_encode_base64url(kg_str_t *dst, kg_str_t *src)
{
    static u_char   basis64[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    kg_encode_base64_internal(dst, src, basis64, 0);
}


static void
kg_encode_base64_internal(kg_str_t *dst, kg_str_t *src, const u_char *basis,
    kg_uint_t padding)
{
    u_char         *d, *s;
    size_t          len;

    len = src->len;
    s = src->data;
    d = dst->data;

    while (len > 2) {
        *d++ = basis[(s[0] >> 2) & 0x3f];
        *d++ = basis[((s[0] & 3) << 4) | (s[1] >> 4)];
        *d++ = basis[((s[1] & 0x0f) << 2) | (s[2] >> 6)];
        *d++ = basis[s[2] & 0x3f];

        s += 3;
        len -= 3;
    }

    if (len) {
        *d++ = basis[(s[0] >> 2) & 0x3f];

        if (len == 1) {
            *d++ = basis[(s[0] & 3) << 4];
            if (padding) {
                *d++ = '=';
            }

        } else {
            *d++ = basis[((s[0] & 3) << 4) | (s[1] >> 4)];
            *d++ = basis[(s[1] & 0x0f) << 2];
        }

        if (padding) {
            *d++ = '=';
        }
    }

    dst->len = d - dst->data;
}


kg_int_t
kg_decode_base64(kg_str_t *dst, kg_str_t *src)
{
    static u_char   basis64[] = {
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 62, 77, 77, 77, 63,
        52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 77, 77, 77, 77, 77, 77,
        77,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
        15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 77, 77, 77, 77, 77,
        77, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
        41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77
    };

    return kg_decode_base64_internal(dst, src, basis64);
}


kg_int_t
kg_decode_base64url(kg_str_t *dst, kg_str_t *src)
{
    static u_char   basis64[] = {
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 62, 77, 77,
        52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 77, 77, 77, 77, 77, 77,
        77,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
        15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 77, 77, 77, 77, 63,
        77, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
        41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77,
        77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77
    };

    return kg_decode_base64_internal(dst, src, basis64);
}


/*
 * stricter than nginx: after the first '=' only padding may follow, and
 * no more of it than the data length calls for
 */

static kg_int_t
kg_decode_base64_internal(kg_str_t *dst, kg_str_t *src, const u_char *basis)
{
    size_t          len, pad;
    u_char         *d, *s;

    for (len = 0; len < src->len; len++) {
        if (src->data[len] == '=') {
            break;
        }

        if (basis[src->data[len]] == 77) {
            return KG_ERROR;
        }
    }

    if (len % 4 == 1) {
        return KG_ERROR;
    }

    for (pad = len; pad < src->len; pad++) {
        if (src->data[pad] != '=') {
            return KG_ERROR;
        }
    }

    pad = src->len - len;

    if (pad && (pad > 2 || (len + pad) % 4 != 0)) {
        return KG_ERROR;
    }

    s = src->data;
    d = dst->data;

    while (len > 3) {
        *d++ = (u_char) (basis[s[0]] << 2 | basis[s[1]] >> 4);
        *d++ = (u_char) (basis[s[1]] << 4 | basis[s[2]] >> 2);
        *d++ = (u_char) (basis[s[2]] << 6 | basis[s[3]]);

        s += 4;
        len -= 4;
    }

    if (len > 1) {
        *d++ = (u_char) (basis[s[0]] << 2 | basis[s[1]] >> 4);
    }

    if (len > 2) {
        *d++ = (u_char) (basis[s[1]] << 4 | basis[s[2]] >> 2);
    }

    dst->len = d - dst->data;

    return KG_OK;
}


/*
 * kg_utf8_decode() decodes two and more bytes UTF sequences only
 * the return values:
 *    0x80 - 0x10ffff         valid character
 *    0x110000 - 0xfffffffd   invalid sequence
 *    0xfffffffe              incomplete sequence
 *    0xffffffff              error
 */

uint32_t
kg_utf8_decode(u_char **p, size_t n)
{
    size_t    len;
    uint32_t  u, i, valid;

    u = **p;

    if (u >= 0xf0) {

        u &= 0x07;
        valid = 0xffff;
        len = 3;

    } else if (u >= 0xe0) {

        u &= 0x0f;
        valid = 0x7ff;
        len = 2;

    } else if (u >= 0xc2) {

        u &= 0x1f;
        valid = 0x7f;
        len = 1;

    } else {
        (*p)++;
        return 0xffffffff;
    }

    if (n - 1 < len) {
        return 0xfffffffe;
    }

    (*p)++;

    while (len) {
        i = *(*p)++;

        if (i < 0x80) {
            return 0xffffffff;
        }

        u = (u << 6) | (i & 0x3f);

        len--;
    }

    if (u > valid) {
        return u;
    }

    return 0xffffffff;
}


size_t
kg_utf8_length(u_char *p, size_t n)
{
    u_char  c, *last;
    size_t  len;

    last = p + n;

    for (len = 0; p < last; len++) {

        c = *p;

        if (c < 0x80) {
            p++;
            continue;
        }

        if (kg_utf8_decode(&p, last - p) > 0x10ffff) {
            /* invalid UTF-8 */
            return n;
        }
    }

    return len;
}


u_char *
kg_utf8_cpystrn(u_char *dst, u_char *src, size_t n, size_t len)
{
    u_char  c, *next;

    if (n == 0) {
        return dst;
    }

    while (--n) {

        c = *src;
        *dst = c;

        if (c < 0x80) {

            if (c != '\0') {
                dst++;
                src++;
                len--;

                continue;
            }

            return dst;
        }

        next = src;

        if (kg_utf8_decode(&next, len) > 0x10ffff) {
            /* invalid UTF-8 */
            break;
        }

        while (src < next) {
            *dst++ = *src++;
            len--;
        }
    }

    *dst = '\0';

    return dst;
}


uintptr_t
kg_escape_json(u_char *dst, u_char *src, size_t size)
{
    u_char      ch;
    kg_uint_t   len;

    if (dst == NULL) {
        len = 0;

        while (size) {
            ch = *src++;

            if (ch == '\\' || ch == '"') {
                len++;

            } else if (ch <= 0x1f) {

                switch (ch) {
                case '\n':
                case '\r':
                case '\t':
                case '\b':
                case '\f':
                    len++;
                    break;

                default:
                    len += sizeof("\\u001F") - 2;
                }
            }

            size--;
        }

        return (uintptr_t) len;
    }

    while (size) {
        ch = *src++;

        if (ch > 0x1f) {

            if (ch == '\\' || ch == '"') {
                *dst++ = '\\';
            }

            *dst++ = ch;

        } else {
            *dst++ = '\\';

            switch (ch) {
            case '\n':
                *dst++ = 'n';
                break;

            case '\r':
                *dst++ = 'r';
                break;

            case '\t':
                *dst++ = 't';
                break;

            case '\b':
                *dst++ = 'b';
                break;

            case '\f':
                *dst++ = 'f';
                break;

            default:
                *dst++ = 'u'; *dst++ = '0'; *dst++ = '0';
                *dst++ = '0' + (ch >> 4);

                ch &= 0xf;

                *dst++ = (ch < 10) ? ('0' + ch) : ('A' + ch - 10);
            }
        }

        size--;
    }

    return (uintptr_t) dst;
}


/* an insertion sort: stable, in place, for the short arrays of config */

void
kg_sort(void *base, size_t n, size_t size,
    kg_int_t (*cmp)(const void *, const void *))
{
    u_char  *p1, *p2, *a, *b, t;
    size_t   i;

    for (p1 = (u_char *) base + size;
         p1 < (u_char *) base + n * size;
         p1 += size)
    {
        for (p2 = p1;
             p2 > (u_char *) base && cmp(p2 - size, p2) > 0;
             p2 -= size)
        {
            a = p2 - size;
            b = p2;

            for (i = 0; i < size; i++) {
                t = a[i];
                a[i] = b[i];
                b[i] = t;
            }
        }
    }
}
