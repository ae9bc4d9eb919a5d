/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_TEST_LOG_H_INCLUDED_
#define _KG_TEST_LOG_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


#define KG_TEST_LOG_SIZE  65536


/* a log kept in memory: every line kg_log_error() writes, in order */

extern u_char          kg_test_log_buf[KG_TEST_LOG_SIZE];
extern size_t          kg_test_log_len;
extern kg_open_file_t  kg_test_log_file;
extern kg_log_t        kg_test_log;


void kg_test_log_capture(void);
void kg_test_log_writer(kg_log_t *log, kg_uint_t level, u_char *buf,
    size_t len);
void kg_test_assert_logged(const char *fmt, ...);
void kg_test_assert_logged_around(const char *head, const char *tail);

/* a log kept in a temporary file of the build directory */

kg_int_t kg_test_log_open(kg_log_t *log, kg_open_file_t *file, char *path,
    const char *name);
kg_uint_t kg_test_log_count(kg_log_t *log, const char *text);
void kg_test_log_print(kg_log_t *log);


#endif /* _KG_TEST_LOG_H_INCLUDED_ */
