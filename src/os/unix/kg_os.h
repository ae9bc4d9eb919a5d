/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_OS_H_INCLUDED_
#define _KG_OS_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


#define KG_IO_SENDFILE    1


typedef ssize_t (*kg_recv_pt)(kg_connection_t *c, u_char *buf, size_t size);
typedef ssize_t (*kg_recv_chain_pt)(kg_connection_t *c, kg_chain_t *in,
    off_t limit);
typedef ssize_t (*kg_send_pt)(kg_connection_t *c, u_char *buf, size_t size);
typedef kg_chain_t *(*kg_send_chain_pt)(kg_connection_t *c, kg_chain_t *in,
    off_t limit);

typedef struct {
    kg_recv_pt         recv;
    kg_recv_chain_pt   recv_chain;
    kg_send_pt         send;
    kg_send_chain_pt   send_chain;
    kg_uint_t          flags;
} kg_os_io_t;


kg_int_t kg_os_init(kg_log_t *log);
void kg_os_status(kg_log_t *log);

ssize_t kg_unix_recv(kg_connection_t *c, u_char *buf, size_t size);
ssize_t kg_readv_chain(kg_connection_t *c, kg_chain_t *entry, off_t limit);
ssize_t kg_unix_send(kg_connection_t *c, u_char *buf, size_t size);
kg_chain_t *kg_writev_chain(kg_connection_t *c, kg_chain_t *in,
    off_t limit);


#if (IOV_MAX > 64)
#define KG_IOVS_PREALLOCATE  64
#else
#define KG_IOVS_PREALLOCATE  IOV_MAX
#endif


typedef struct {
    struct iovec  *iovs;
    kg_uint_t      count;
    size_t         size;
    kg_uint_t      nalloc;
} kg_iovec_t;

kg_chain_t *kg_output_chain_to_iovec(kg_iovec_t *vec, kg_chain_t *in,
    size_t limit, kg_log_t *log);
ssize_t kg_writev(kg_connection_t *c, kg_iovec_t *vec);


extern kg_os_io_t  kg_os_io;
extern kg_os_io_t  kg_io;
extern kg_int_t    kg_ncpu;
extern kg_int_t    kg_max_sockets;
extern kg_uint_t   kg_inherited_nonblocking;

/* kg_pagesize, kg_pagesize_shift and kg_cacheline_size: see kg_alloc.h */


#define kg_recv             kg_io.recv
#define kg_recv_chain       kg_io.recv_chain
#define kg_send             kg_io.send
#define kg_send_chain       kg_io.send_chain


#endif /* _KG_OS_H_INCLUDED_ */
