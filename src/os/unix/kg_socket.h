/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_SOCKET_H_INCLUDED_
#define _KG_SOCKET_H_INCLUDED_


#include <kg_config.h>


#define KG_WRITE_SHUTDOWN  SHUT_WR
#define KG_READ_SHUTDOWN   SHUT_RD
#define KG_RDWR_SHUTDOWN   SHUT_RDWR


typedef int  kg_socket_t;

#define kg_socket          socket
#define kg_socket_n        "socket()"


int kg_nonblocking(kg_socket_t s);
int kg_blocking(kg_socket_t s);

#define kg_nonblocking_n   "ioctl(FIONBIO)"
#define kg_blocking_n      "ioctl(!FIONBIO)"

#define kg_socket_nread(s, n)  ioctl(s, FIONREAD, n)
#define kg_socket_nread_n      "ioctl(FIONREAD)"

int kg_tcp_nopush(kg_socket_t s);
int kg_tcp_push(kg_socket_t s);

#define kg_tcp_nopush_n    "setsockopt(TCP_CORK)"
#define kg_tcp_push_n      "setsockopt(!TCP_CORK)"


#define kg_shutdown_socket    shutdown
#define kg_shutdown_socket_n  "shutdown()"

#define kg_close_socket    close
#define kg_close_socket_n  "close() socket"


#endif /* _KG_SOCKET_H_INCLUDED_ */
