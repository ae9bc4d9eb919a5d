/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


ssize_t
kg_parse_size(kg_str_t *line)
{
    u_char   unit;
    size_t   len;
    ssize_t  size, scale, max;

    len = line->len;

    if (len == 0) {
        return KG_ERROR;
    }

    unit = line->data[len - 1];

    switch (unit) {
    case 'K':
    case 'k':
        len--;
        max = KG_MAX_SIZE_T_VALUE / 1024;
        scale = 1024;
        break;

    case 'M':
    case 'm':
        len--;
        max = KG_MAX_SIZE_T_VALUE / (1024 * 1024);
        scale = 1024 * 1024;
        break;

    case 'G':
    case 'g':
        len--;
        max = KG_MAX_SIZE_T_VALUE / (1024 * 1024 * 1024);
        scale = 1024 * 1024 * 1024;
        break;

    default:
        max = KG_MAX_SIZE_T_VALUE;
        scale = 1;
    }

    size = kg_atosz(line->data, len);
    if (size == KG_ERROR || size > max) {
        return KG_ERROR;
    }

    size *= scale;

    return size;
}


off_t
kg_parse_offset(kg_str_t *line)
{
    u_char  unit;
    off_t   offset, scale, max;
    size_t  len;

    len = line->len;

    if (len == 0) {
        return KG_ERROR;
    }

    unit = line->data[len - 1];

    switch (unit) {
    case 'K':
    case 'k':
        len--;
        max = KG_MAX_OFF_T_VALUE / 1024;
        scale = 1024;
        break;

    case 'M':
    case 'm':
        len--;
        max = KG_MAX_OFF_T_VALUE / (1024 * 1024);
        scale = 1024 * 1024;
        break;

    case 'G':
    case 'g':
        len--;
        max = KG_MAX_OFF_T_VALUE / (1024 * 1024 * 1024);
        scale = 1024 * 1024 * 1024;
        break;

    default:
        max = KG_MAX_OFF_T_VALUE;
        scale = 1;
    }

    offset = kg_atoof(line->data, len);
    if (offset == KG_ERROR || offset > max) {
        return KG_ERROR;
    }

    offset *= scale;

    return offset;
}


kg_int_t
kg_parse_time(kg_str_t *line, kg_uint_t is_sec)
{
    u_char      *p, *last;
    kg_int_t     value, total, scale;
    kg_int_t     max, cutoff, cutlim;
    kg_uint_t    valid;
    enum {
        st_start = 0,
        st_year,
        st_month,
        st_week,
        st_day,
        st_hour,
        st_min,
        st_sec,
        st_msec,
        st_last
    } step;

    valid = 0;
    value = 0;
    total = 0;
    cutoff = KG_MAX_INT_T_VALUE / 10;
    cutlim = KG_MAX_INT_T_VALUE % 10;

    /* years in milliseconds overflow a 32-bit kg_int_t */

    step = is_sec ? st_start : st_month;

    p = line->data;
    last = p + line->len;

    while (p < last) {

        if (*p >= '0' && *p <= '9') {
            if (value >= cutoff && (value > cutoff || *p - '0' > cutlim)) {
                return KG_ERROR;
            }

            value = value * 10 + (*p++ - '0');
            valid = 1;
            continue;
        }

        switch (*p++) {

        case 'y':
            if (step > st_start) {
                return KG_ERROR;
            }
            step = st_year;
            max = KG_MAX_INT_T_VALUE / (60 * 60 * 24 * 365);
            scale = 60 * 60 * 24 * 365;
            break;

        case 'M':
            if (step >= st_month) {
                return KG_ERROR;
            }
            step = st_month;
            max = KG_MAX_INT_T_VALUE / (60 * 60 * 24 * 30);
            scale = 60 * 60 * 24 * 30;
            break;

        case 'w':
            if (step >= st_week) {
                return KG_ERROR;
            }
            step = st_week;
            max = KG_MAX_INT_T_VALUE / (60 * 60 * 24 * 7);
            scale = 60 * 60 * 24 * 7;
            break;

        case 'd':
            if (step >= st_day) {
                return KG_ERROR;
            }
            step = st_day;
            max = KG_MAX_INT_T_VALUE / (60 * 60 * 24);
            scale = 60 * 60 * 24;
            break;

        case 'h':
            if (step >= st_hour) {
                return KG_ERROR;
            }
            step = st_hour;
            max = KG_MAX_INT_T_VALUE / (60 * 60);
            scale = 60 * 60;
            break;

        case 'm':
            if (p < last && *p == 's') {
                if (is_sec || step >= st_msec) {
                    return KG_ERROR;
                }
                p++;
                step = st_msec;
                max = KG_MAX_INT_T_VALUE;
                scale = 1;
                break;
            }

            if (step >= st_min) {
                return KG_ERROR;
            }
            step = st_min;
            max = KG_MAX_INT_T_VALUE / 60;
            scale = 60;
            break;

        case 's':
            if (step >= st_sec) {
                return KG_ERROR;
            }
            step = st_sec;
            max = KG_MAX_INT_T_VALUE;
            scale = 1;
            break;

        case ' ':
            if (step >= st_sec) {
                return KG_ERROR;
            }
            step = st_last;
            max = KG_MAX_INT_T_VALUE;
            scale = 1;
            break;

        default:
            return KG_ERROR;
        }

        if (step != st_msec && !is_sec) {
            scale *= 1000;
            max /= 1000;
        }

        if (value > max) {
            return KG_ERROR;
        }

        value *= scale;

        if (total > KG_MAX_INT_T_VALUE - value) {
            return KG_ERROR;
        }

        total += value;

        value = 0;

        while (p < last && *p == ' ') {
            p++;
        }
    }

    if (!valid) {
        return KG_ERROR;
    }

    if (!is_sec) {
        if (value > KG_MAX_INT_T_VALUE / 1000) {
            return KG_ERROR;
        }

        value *= 1000;
    }

    if (total > KG_MAX_INT_T_VALUE - value) {
        return KG_ERROR;
    }

    return total + value;
}
