/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


kg_int_t
kg_daemon(kg_log_t *log)
{
    int  fd;

    switch (fork()) {
    case -1:
        kg_log_error(KG_LOG_EMERG, log, kg_errno, "fork() failed");
        return KG_ERROR;

    case 0:
        break;

    default:
        exit(0);
    }

    kg_parent = kg_pid;
    kg_pid = kg_getpid();

    if (setsid() == -1) {
        kg_log_error(KG_LOG_EMERG, log, kg_errno, "setsid() failed");
        return KG_ERROR;
    }

    umask(0);

    fd = open("/dev/null", O_RDWR);
    if (fd == -1) {
        kg_log_error(KG_LOG_EMERG, log, kg_errno,
                     "open(\"/dev/null\") failed");
        return KG_ERROR;
    }

    if (dup2(fd, STDIN_FILENO) == -1) {
        kg_log_error(KG_LOG_EMERG, log, kg_errno, "dup2(STDIN) failed");
        return KG_ERROR;
    }

    if (dup2(fd, STDOUT_FILENO) == -1) {
        kg_log_error(KG_LOG_EMERG, log, kg_errno, "dup2(STDOUT) failed");
        return KG_ERROR;
    }

    /*
     * stderr is left alone: the cycle points it at the error log once
     * the log is open, so that sanitizer and libc reports are kept
     */

    if (fd > STDERR_FILENO) {
        if (close(fd) == -1) {
            kg_log_error(KG_LOG_EMERG, log, kg_errno, "close() failed");
            return KG_ERROR;
        }
    }

    return KG_OK;
}
