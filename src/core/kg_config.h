/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_CONFIG_H_INCLUDED_
#define _KG_CONFIG_H_INCLUDED_


#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* accept4(), memmem(), SO_REUSEPORT */
#endif

#define _FILE_OFFSET_BITS  64

#include <sys/types.h>
#include <sys/time.h>
#include <unistd.h>
#include <stdarg.h>
#include <stddef.h>             /* offsetof() */
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <signal.h>
#include <pwd.h>
#include <grp.h>
#include <dirent.h>
#include <glob.h>
#include <dlfcn.h>
#include <limits.h>             /* IOV_MAX */
#include <time.h>
#include <sched.h>
#include <sys/vfs.h>            /* statfs() */
#include <sys/uio.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>        /* uname() */
#include <sys/prctl.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>        /* TCP_NODELAY */
#include <arpa/inet.h>
#include <netdb.h>

#include <sys/epoll.h>

#include <kg_auto_config.h>


#define KG_LISTEN_BACKLOG        511

#ifndef KG_HAVE_INHERITED_NONBLOCK
#define KG_HAVE_INHERITED_NONBLOCK  0
#endif

#ifndef KG_HAVE_SO_SNDLOWAT
/* Linux accepts SO_SNDLOWAT but does not honour it */
#define KG_HAVE_SO_SNDLOWAT      0
#endif

#define KG_HAVE_OS_SPECIFIC_INIT    1

#define kg_debug_init()


#define kg_signal_helper(n)     SIG##n
#define kg_signal_value(n)      kg_signal_helper(n)

#define kg_random               random

#define KG_SHUTDOWN_SIGNAL      QUIT
#define KG_TERMINATE_SIGNAL     TERM
#define KG_NOACCEPT_SIGNAL      WINCH
#define KG_RECONFIGURE_SIGNAL   HUP
#define KG_REOPEN_SIGNAL        USR1
#define KG_CHANGEBIN_SIGNAL     USR2

#define kg_cdecl
#define kg_libc_cdecl


typedef intptr_t        kg_int_t;
typedef uintptr_t       kg_uint_t;
typedef intptr_t        kg_flag_t;


#define KG_INT32_LEN   (sizeof("-2147483648") - 1)
#define KG_INT64_LEN   (sizeof("-9223372036854775808") - 1)

#if (KG_PTR_SIZE == 4)
#define KG_INT_T_LEN   KG_INT32_LEN
#define KG_MAX_INT_T_VALUE  2147483647

#else
#define KG_INT_T_LEN   KG_INT64_LEN
#define KG_MAX_INT_T_VALUE  9223372036854775807
#endif

#ifndef KG_MAX_TIME_T_VALUE
#if (KG_TIME_T_SIZE == 4)
#define KG_MAX_TIME_T_VALUE  2147483647
#else
#define KG_MAX_TIME_T_VALUE  9223372036854775807LL
#endif
#endif

#define KG_MAX_UINT32_VALUE  (uint32_t) 0xffffffff
#define KG_MAX_INT32_VALUE   (uint32_t) 0x7fffffff


#ifndef KG_ALIGNMENT
#define KG_ALIGNMENT   sizeof(unsigned long)    /* platform word */
#endif

#define kg_align(d, a)     (((d) + (a - 1)) & ~(a - 1))
#define kg_align_ptr(p, a)                                                   \
    (u_char *) (((uintptr_t) (p) + ((uintptr_t) a - 1)) & ~((uintptr_t) a - 1))


#define kg_abort       abort


/* an index that faults at once if it is ever used */
#define KG_INVALID_ARRAY_INDEX 0x80000000


#ifndef KG_HAVE_GCC_ATOMIC
#define KG_HAVE_GCC_ATOMIC     1
#endif


#endif /* _KG_CONFIG_H_INCLUDED_ */
