/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_INET_H_INCLUDED_
#define _KG_INET_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>


#define KG_INET_ADDRSTRLEN   (sizeof("255.255.255.255") - 1)
#define KG_INET6_ADDRSTRLEN                                                  \
    (sizeof("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255") - 1)
#define KG_UNIX_ADDRSTRLEN                                                   \
    (sizeof("unix:") - 1 +                                                   \
     sizeof(struct sockaddr_un) - offsetof(struct sockaddr_un, sun_path))

#define KG_SOCKADDR_STRLEN   KG_UNIX_ADDRSTRLEN

#define KG_SOCKADDRLEN       sizeof(kg_sockaddr_t)


typedef union {
    struct sockaddr           sockaddr;
    struct sockaddr_in        sockaddr_in;
    struct sockaddr_in6       sockaddr_in6;
    struct sockaddr_un        sockaddr_un;
} kg_sockaddr_t;


typedef struct {
    in_addr_t                 addr;
    in_addr_t                 mask;
} kg_in_cidr_t;


typedef struct {
    struct in6_addr           addr;
    struct in6_addr           mask;
} kg_in6_cidr_t;


typedef struct {
    kg_uint_t                 family;
    union {
        kg_in_cidr_t          in;
        kg_in6_cidr_t         in6;
    } u;
} kg_cidr_t;


typedef struct {
    struct sockaddr          *sockaddr;
    socklen_t                 socklen;
    kg_str_t                  name;
} kg_addr_t;


typedef struct {
    kg_str_t                  url;
    kg_str_t                  host;
    kg_str_t                  port_text;
    kg_str_t                  uri;

    in_port_t                 port;
    in_port_t                 default_port;
    int                       family;

    unsigned                  listen:1;
    unsigned                  uri_part:1;
    unsigned                  no_resolve:1;

    unsigned                  no_port:1;
    unsigned                  wildcard:1;

    socklen_t                 socklen;
    kg_sockaddr_t             sockaddr;

    kg_addr_t                *addrs;
    kg_uint_t                 naddrs;

    char                     *err;
} kg_url_t;


in_addr_t kg_inet_addr(u_char *text, size_t len);
kg_int_t kg_inet6_addr(u_char *p, size_t len, u_char *addr);
size_t kg_inet6_ntop(u_char *p, u_char *text, size_t len);
size_t kg_sock_ntop(struct sockaddr *sa, socklen_t socklen, u_char *text,
    size_t len, kg_uint_t port);
size_t kg_inet_ntop(int family, void *addr, u_char *text, size_t len);
kg_int_t kg_ptocidr(kg_str_t *text, kg_cidr_t *cidr);
kg_int_t kg_cidr_match(struct sockaddr *sa, kg_array_t *cidrs);
kg_int_t kg_parse_addr(kg_pool_t *pool, kg_addr_t *addr, u_char *text,
    size_t len);
kg_int_t kg_parse_addr_port(kg_pool_t *pool, kg_addr_t *addr,
    u_char *text, size_t len);

/*
 * "host:port", "[v6]:port", "port", "*:port", "unix:/path"; on KG_ERROR
 * u->err says what is wrong; names are resolved with getaddrinfo(),
 * which blocks: call it only while reading the configuration
 */
kg_int_t kg_parse_url(kg_pool_t *pool, kg_url_t *u);
kg_int_t kg_inet_resolve_host(kg_pool_t *pool, kg_url_t *u);

kg_int_t kg_cmp_sockaddr(struct sockaddr *sa1, socklen_t slen1,
    struct sockaddr *sa2, socklen_t slen2, kg_uint_t cmp_port);
in_port_t kg_inet_get_port(struct sockaddr *sa);
void kg_inet_set_port(struct sockaddr *sa, in_port_t port);
kg_uint_t kg_inet_wildcard(struct sockaddr *sa);


#endif /* _KG_INET_H_INCLUDED_ */
