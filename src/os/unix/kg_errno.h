/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_ERRNO_H_INCLUDED_
#define _KG_ERRNO_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


typedef int               kg_err_t;

#define KG_EPERM          EPERM
#define KG_ENOENT         ENOENT
#define KG_ENOPATH        ENOENT
#define KG_ESRCH          ESRCH
#define KG_EINTR          EINTR
#define KG_ECHILD         ECHILD
#define KG_ENOMEM         ENOMEM
#define KG_EACCES         EACCES
#define KG_EBUSY          EBUSY
#define KG_EEXIST         EEXIST
#define KG_EEXIST_FILE    EEXIST
#define KG_EXDEV          EXDEV
#define KG_ENOTDIR        ENOTDIR
#define KG_EISDIR         EISDIR
#define KG_EINVAL         EINVAL
#define KG_ENFILE         ENFILE
#define KG_EMFILE         EMFILE
#define KG_ENOSPC         ENOSPC
#define KG_EPIPE          EPIPE
#define KG_EINPROGRESS    EINPROGRESS
#define KG_ENOPROTOOPT    ENOPROTOOPT
#define KG_EOPNOTSUPP     EOPNOTSUPP
#define KG_EADDRINUSE     EADDRINUSE
#define KG_ECONNABORTED   ECONNABORTED
#define KG_ECONNRESET     ECONNRESET
#define KG_ENOTCONN       ENOTCONN
#define KG_ETIMEDOUT      ETIMEDOUT
#define KG_ECONNREFUSED   ECONNREFUSED
#define KG_ENAMETOOLONG   ENAMETOOLONG
#define KG_ENETDOWN       ENETDOWN
#define KG_ENETUNREACH    ENETUNREACH
#define KG_EHOSTDOWN      EHOSTDOWN
#define KG_EHOSTUNREACH   EHOSTUNREACH
#define KG_ENOSYS         ENOSYS
#define KG_ECANCELED      ECANCELED
#define KG_EILSEQ         EILSEQ
#define KG_ENOMOREFILES   0
#define KG_ELOOP          ELOOP
#define KG_EBADF          EBADF
#define KG_EMSGSIZE       EMSGSIZE
#define KG_EAGAIN         EAGAIN


#define kg_errno                  errno
#define kg_socket_errno           errno
#define kg_set_errno(err)         errno = err
#define kg_set_socket_errno(err)  errno = err


u_char *kg_strerror(kg_err_t err, u_char *errstr, size_t size);
kg_int_t kg_strerror_init(void);


#endif /* _KG_ERRNO_H_INCLUDED_ */
