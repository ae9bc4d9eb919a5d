/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>

#include <setjmp.h>
#include <cmocka.h>

#include <kg_test_log.h>
#include <kg_test_cycle.h>


#define KG_TEST_LOG_READ  16384


static void kg_test_log_read(kg_log_t *log, char *buf, size_t size);


u_char          kg_test_log_buf[KG_TEST_LOG_SIZE];
size_t          kg_test_log_len;
kg_open_file_t  kg_test_log_file;
kg_log_t        kg_test_log;


/* kg_test_log takes everything down to debug into kg_test_log_buf */

void
kg_test_log_capture(void)
{
    kg_test_log_len = 0;
    kg_test_log_buf[0] = '\0';

    kg_memzero(&kg_test_log, sizeof(kg_log_t));
    kg_test_log_file.fd = kg_stderr;
    kg_test_log.file = &kg_test_log_file;
    kg_test_log.log_level = KG_LOG_DEBUG;
    kg_test_log.writer = kg_test_log_writer;

    /* the messages go to the buffer alone, not to the terminal too */

    kg_use_stderr = 0;
}


void
kg_test_log_writer(kg_log_t *log, kg_uint_t level, u_char *buf, size_t len)
{
    if (len > KG_TEST_LOG_SIZE - 1 - kg_test_log_len) {
        len = KG_TEST_LOG_SIZE - 1 - kg_test_log_len;
    }

    memcpy(kg_test_log_buf + kg_test_log_len, buf, len);
    kg_test_log_len += len;
    kg_test_log_buf[kg_test_log_len] = '\0';
}


/* the message must appear in the log as a whole line after "pid#tid: " */

void
kg_test_assert_logged(const char *fmt, ...)
{
    char     line[4000], want[4100];
    va_list  args;

    va_start(args, fmt);
    vsnprintf(line, sizeof(line), fmt, args);
    va_end(args);

    snprintf(want, sizeof(want), ": %s\n", line);

    if (strstr((char *) kg_test_log_buf, want) == NULL) {
        print_error("expected log line \"%s\", the log has:\n%s\n",
                    line, kg_test_log_buf);
        fail();
    }
}


/* for messages with a system-dependent reason in the middle */

void
kg_test_assert_logged_around(const char *head, const char *tail)
{
    char  *p, *nl;

    p = strstr((char *) kg_test_log_buf, head);

    if (p == NULL) {
        print_error("expected log line starting \"%s\", the log has:\n%s\n",
                    head, kg_test_log_buf);
        fail();
    }

    nl = strchr(p, '\n');
    assert_non_null(nl);

    if ((size_t) (nl - p) < strlen(tail)
        || strncmp(nl - strlen(tail), tail, strlen(tail)) != 0)
    {
        print_error("expected log line ending \"%s\", the log has:\n%s\n",
                    tail, kg_test_log_buf);
        fail();
    }
}


/*
 * the file is unlinked at once: the descriptor keeps it for the test,
 * and nothing is left behind when a test stops half way
 */

kg_int_t
kg_test_log_open(kg_log_t *log, kg_open_file_t *file, char *path,
    const char *name)
{
    int  fd;

    kg_test_temp_name(path, name);

    fd = mkstemp(path);
    if (fd == -1) {
        return KG_ERROR;
    }

    (void) unlink(path);

    file->fd = fd;
    log->file = file;
    log->log_level = KG_LOG_INFO;

    return KG_OK;
}


kg_uint_t
kg_test_log_count(kg_log_t *log, const char *text)
{
    char       *p, buf[KG_TEST_LOG_READ];
    kg_uint_t   found;

    kg_test_log_read(log, buf, sizeof(buf));

    found = 0;

    for (p = strstr(buf, text); p; p = strstr(p + 1, text)) {
        found++;
    }

    return found;
}


void
kg_test_log_print(kg_log_t *log)
{
    char  buf[KG_TEST_LOG_READ];

    kg_test_log_read(log, buf, sizeof(buf));

    print_error("log:\n%s\n", buf);
}


static void
kg_test_log_read(kg_log_t *log, char *buf, size_t size)
{
    ssize_t  n;

    n = pread(log->file->fd, buf, size - 1, 0);
    assert_true(n >= 0);

    buf[n] = '\0';
}
