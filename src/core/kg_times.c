/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


static kg_msec_t kg_monotonic_time(void);


/*
 * a signal handler may update the time while the loop reads it: updates
 * take kg_time_lock and write a fresh slot, readers take no lock and see
 * either the old slot or the new one, never a half-written string
 */

#define KG_TIME_SLOTS   64

static kg_uint_t        slot;
static kg_atomic_t      kg_time_lock;

volatile kg_msec_t      kg_current_msec;
volatile kg_time_t     *kg_cached_time;
volatile kg_str_t       kg_cached_err_log_time;
volatile kg_str_t       kg_cached_iso8601;

/* localtime_r() is not async-signal-safe: signal handlers use this */

static kg_int_t         cached_gmtoff;

static kg_time_t        cached_time[KG_TIME_SLOTS];
static u_char           cached_err_log_time[KG_TIME_SLOTS]
                                    [sizeof("1970/09/28 12:00:00")];
static u_char           cached_iso8601[KG_TIME_SLOTS]
                                    [sizeof("1970-09-28T12:00:00+06:00")];


void
kg_time_init(void)
{
    kg_cached_err_log_time.len = sizeof("1970/09/28 12:00:00") - 1;
    kg_cached_iso8601.len = sizeof("1970-09-28T12:00:00+06:00") - 1;

    /* a second call must not point the readers at an unwritten slot */

    if (kg_cached_time == NULL) {
        kg_cached_time = &cached_time[0];
    }

    kg_time_update();
}


void
kg_time_update(void)
{
    u_char          *p0, *p1;
    kg_tm_t          tm;
    time_t           sec;
    kg_uint_t        msec;
    kg_time_t       *tp;
    struct timeval   tv;

    if (!kg_trylock(&kg_time_lock)) {
        return;
    }

    kg_gettimeofday(&tv);

    sec = tv.tv_sec;
    msec = tv.tv_usec / 1000;

    kg_current_msec = kg_monotonic_time();

    tp = &cached_time[slot];

    if (tp->sec == sec) {
        tp->msec = msec;
        kg_unlock(&kg_time_lock);
        return;
    }

    if (slot == KG_TIME_SLOTS - 1) {
        slot = 0;
    } else {
        slot++;
    }

    tp = &cached_time[slot];

    tp->sec = sec;
    tp->msec = msec;

    kg_localtime(sec, &tm);
    cached_gmtoff = (kg_int_t) (tm.kg_tm_gmtoff / 60);
    tp->gmtoff = cached_gmtoff;

    p0 = &cached_err_log_time[slot][0];

    (void) kg_sprintf(p0, "%4d/%02d/%02d %02d:%02d:%02d",
                      tm.kg_tm_year, tm.kg_tm_mon,
                      tm.kg_tm_mday, tm.kg_tm_hour,
                      tm.kg_tm_min, tm.kg_tm_sec);

    p1 = &cached_iso8601[slot][0];

    (void) kg_sprintf(p1, "%4d-%02d-%02dT%02d:%02d:%02d%c%02i:%02i",
                      tm.kg_tm_year, tm.kg_tm_mon,
                      tm.kg_tm_mday, tm.kg_tm_hour,
                      tm.kg_tm_min, tm.kg_tm_sec,
                      tp->gmtoff < 0 ? '-' : '+',
                      kg_abs(tp->gmtoff / 60), kg_abs(tp->gmtoff % 60));

    /* publish the slot only after its contents are written */

    kg_memory_barrier();

    kg_cached_time = tp;
    kg_cached_err_log_time.data = p0;
    kg_cached_iso8601.data = p1;

    kg_unlock(&kg_time_lock);
}


static kg_msec_t
kg_monotonic_time(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (kg_msec_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


void
kg_time_sigsafe_update(void)
{
    u_char          *p;
    kg_tm_t          tm;
    time_t           sec;
    kg_time_t       *tp;
    struct timeval   tv;

    if (!kg_trylock(&kg_time_lock)) {
        return;
    }

    kg_gettimeofday(&tv);

    sec = tv.tv_sec;

    tp = &cached_time[slot];

    if (tp->sec == sec) {
        kg_unlock(&kg_time_lock);
        return;
    }

    if (slot == KG_TIME_SLOTS - 1) {
        slot = 0;
    } else {
        slot++;
    }

    tp = &cached_time[slot];

    /* the next kg_time_update() must not take this slot as current */

    tp->sec = 0;

    kg_gmtime(sec + cached_gmtoff * 60, &tm);

    p = &cached_err_log_time[slot][0];

    (void) kg_sprintf(p, "%4d/%02d/%02d %02d:%02d:%02d",
                      tm.kg_tm_year, tm.kg_tm_mon,
                      tm.kg_tm_mday, tm.kg_tm_hour,
                      tm.kg_tm_min, tm.kg_tm_sec);

    kg_memory_barrier();

    kg_cached_err_log_time.data = p;

    kg_unlock(&kg_time_lock);
}


/*
 * a broken-down UTC time without locks or the time zone database, so it
 * may be called from a signal handler; the month is 1-based and the year
 * is the full year, as in kg_localtime()
 */

void
kg_gmtime(time_t t, kg_tm_t *tp)
{
    kg_uint_t  sec, min, hour, mday, mon, year, wday, days, era, doe, yoe,
               doy, mp;

    if (t < 0) {
        t = 0;
    }

    days = (kg_uint_t) (t / 86400);
    sec = (kg_uint_t) (t % 86400);

    /* the last day of the year 9999 */

    if (days > 2932896) {
        days = 2932896;
        sec = 86399;
    }

    /* January 1, 1970 was Thursday */

    wday = (4 + days) % 7;

    hour = sec / 3600;
    sec %= 3600;
    min = sec / 60;
    sec %= 60;

    /* days since March 1, 0000, counted in 400-year eras of 146097 days */

    days += 719468;
    era = days / 146097;
    doe = days - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    year = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    mday = doy - (153 * mp + 2) / 5 + 1;
    mon = (mp < 10) ? mp + 3 : mp - 9;

    if (mon <= 2) {
        year++;
    }

    tp->kg_tm_sec = (kg_tm_sec_t) sec;
    tp->kg_tm_min = (kg_tm_min_t) min;
    tp->kg_tm_hour = (kg_tm_hour_t) hour;
    tp->kg_tm_mday = (kg_tm_mday_t) mday;
    tp->kg_tm_mon = (kg_tm_mon_t) mon;
    tp->kg_tm_year = (kg_tm_year_t) year;
    tp->kg_tm_wday = (kg_tm_wday_t) wday;
}


void
kg_timezone_update(void)
{
    tzset();
}


void
kg_localtime(time_t s, kg_tm_t *tm)
{
    (void) localtime_r(&s, tm);

    tm->kg_tm_mon++;
    tm->kg_tm_year += 1900;
}


void
kg_libc_localtime(time_t s, struct tm *tm)
{
    (void) localtime_r(&s, tm);
}


void
kg_libc_gmtime(time_t s, struct tm *tm)
{
    (void) gmtime_r(&s, tm);
}
