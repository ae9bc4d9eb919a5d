/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_TIMES_H_INCLUDED_
#define _KG_TIMES_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


typedef kg_rbtree_key_t      kg_msec_t;
typedef kg_rbtree_key_int_t  kg_msec_int_t;

typedef struct tm            kg_tm_t;

#define kg_tm_sec            tm_sec
#define kg_tm_min            tm_min
#define kg_tm_hour           tm_hour
#define kg_tm_mday           tm_mday
#define kg_tm_mon            tm_mon
#define kg_tm_year           tm_year
#define kg_tm_wday           tm_wday
#define kg_tm_isdst          tm_isdst
#define kg_tm_gmtoff         tm_gmtoff
#define kg_tm_zone           tm_zone

#define kg_tm_sec_t          int
#define kg_tm_min_t          int
#define kg_tm_hour_t         int
#define kg_tm_mday_t         int
#define kg_tm_mon_t          int
#define kg_tm_year_t         int
#define kg_tm_wday_t         int

#define kg_timezone(isdst) (- (isdst ? timezone + 3600 : timezone) / 60)

#define kg_gettimeofday(tp)  (void) gettimeofday(tp, NULL);
#define kg_msleep(ms)        (void) usleep(ms * 1000)
#define kg_sleep(s)          (void) sleep(s)


typedef struct {
    time_t      sec;
    kg_uint_t   msec;
    kg_int_t    gmtoff;
} kg_time_t;


void kg_timezone_update(void);
void kg_localtime(time_t s, kg_tm_t *tm);
void kg_libc_localtime(time_t s, struct tm *tm);
void kg_libc_gmtime(time_t s, struct tm *tm);

void kg_time_init(void);
void kg_time_update(void);

/*
 * called from signal handlers: it refreshes only the error log time and
 * never takes the slot that a kg_time_update() it interrupted is using
 */
void kg_time_sigsafe_update(void);

void kg_gmtime(time_t t, kg_tm_t *tp);


extern volatile kg_time_t  *kg_cached_time;

#define kg_time()           kg_cached_time->sec
#define kg_timeofday()      (kg_time_t *) kg_cached_time

/* "1970/09/28 12:00:00" */
extern volatile kg_str_t    kg_cached_err_log_time;
/* "1970-09-28T12:00:00+06:00", local time, for JSON */
extern volatile kg_str_t    kg_cached_iso8601;

/*
 * milliseconds elapsed since an arbitrary moment, from CLOCK_MONOTONIC:
 * timers stay right when the wall clock is set back or forward
 */
extern volatile kg_msec_t   kg_current_msec;


#endif /* _KG_TIMES_H_INCLUDED_ */
