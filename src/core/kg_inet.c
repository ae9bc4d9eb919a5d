/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


static kg_int_t kg_parse_unix_domain_url(kg_pool_t *pool, kg_url_t *u);
static kg_int_t kg_parse_inet_url(kg_pool_t *pool, kg_url_t *u);
static kg_int_t kg_parse_inet6_url(kg_pool_t *pool, kg_url_t *u);
static kg_int_t kg_inet_add_addr(kg_pool_t *pool, kg_url_t *u,
    struct sockaddr *sockaddr, socklen_t socklen, kg_uint_t total);


/* strict dotted quad: four decimal octets, none of them empty */

in_addr_t
kg_inet_addr(u_char *text, size_t len)
{
    u_char      *p, c;
    in_addr_t    addr;
    kg_uint_t    octet, n, digits;

    addr = 0;
    octet = 0;
    digits = 0;
    n = 0;

    for (p = text; p < text + len; p++) {
        c = *p;

        if (c >= '0' && c <= '9') {
            octet = octet * 10 + (c - '0');

            if (octet > 255 || ++digits > 3) {
                return INADDR_NONE;
            }

            continue;
        }

        if (c == '.' && digits) {
            addr = (addr << 8) + octet;
            octet = 0;
            digits = 0;
            n++;
            continue;
        }

        return INADDR_NONE;
    }

    if (n == 3 && digits) {
        addr = (addr << 8) + octet;
        return htonl(addr);
    }

    return INADDR_NONE;
}


kg_int_t
kg_inet6_addr(u_char *p, size_t len, u_char *addr)
{
    u_char  text[KG_INET6_ADDRSTRLEN + 1];

    if (len == 0 || len > KG_INET6_ADDRSTRLEN) {
        return KG_ERROR;
    }

    kg_memcpy(text, p, len);
    text[len] = '\0';

    if (kg_strlen(text) != len) {
        return KG_ERROR;
    }

    if (inet_pton(AF_INET6, (char *) text, addr) != 1) {
        return KG_ERROR;
    }

    return KG_OK;
}


size_t
kg_inet6_ntop(u_char *p, u_char *text, size_t len)
{
    size_t  n;
    char    buf[INET6_ADDRSTRLEN];

    if (inet_ntop(AF_INET6, p, buf, sizeof(buf)) == NULL) {
        return 0;
    }

    n = kg_min(kg_strlen(buf), len);
    kg_memcpy(text, buf, n);

    return n;
}


size_t
kg_sock_ntop(struct sockaddr *sa, socklen_t socklen, u_char *text,
    size_t len, kg_uint_t port)
{
    u_char               *p;
    size_t                n;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;
    struct sockaddr_un   *saun;

    switch (sa->sa_family) {

    case AF_INET:

        sin = (struct sockaddr_in *) sa;
        p = (u_char *) &sin->sin_addr;

        if (port) {
            p = kg_snprintf(text, len, "%ud.%ud.%ud.%ud:%d",
                            p[0], p[1], p[2], p[3], ntohs(sin->sin_port));
        } else {
            p = kg_snprintf(text, len, "%ud.%ud.%ud.%ud",
                            p[0], p[1], p[2], p[3]);
        }

        return (p - text);

    case AF_INET6:

        sin6 = (struct sockaddr_in6 *) sa;

        if (len == 0) {
            return 0;
        }

        n = 0;

        if (port) {
            text[n++] = '[';
        }

        n += kg_inet6_ntop(sin6->sin6_addr.s6_addr, &text[n], len - n);

        if (port) {
            n = kg_snprintf(&text[n], len - n, "]:%d",
                            ntohs(sin6->sin6_port)) - text;
        }

        return n;

    case AF_UNIX:
        saun = (struct sockaddr_un *) sa;

        /* on Linux sockaddr might not include sun_path at all */

        if (socklen <= (socklen_t) offsetof(struct sockaddr_un, sun_path)) {
            p = kg_snprintf(text, len, "unix:");

        } else {
            n = kg_strnlen((u_char *) saun->sun_path,
                           socklen - offsetof(struct sockaddr_un, sun_path));
            p = kg_snprintf(text, len, "unix:%*s", n, saun->sun_path);
        }

        return (p - text);

    default:
        return 0;
    }
}


size_t
kg_inet_ntop(int family, void *addr, u_char *text, size_t len)
{
    u_char  *p;

    switch (family) {

    case AF_INET:

        p = addr;

        return kg_snprintf(text, len, "%ud.%ud.%ud.%ud",
                           p[0], p[1], p[2], p[3])
               - text;

    case AF_INET6:
        return kg_inet6_ntop(addr, text, len);

    default:
        return 0;
    }
}


kg_int_t
kg_ptocidr(kg_str_t *text, kg_cidr_t *cidr)
{
    u_char      *addr, *mask, *last;
    size_t       len;
    kg_int_t     shift, rc;
    kg_uint_t    s, i;

    addr = text->data;
    last = addr + text->len;

    mask = kg_strlchr(addr, last, '/');
    len = (mask ? mask : last) - addr;

    cidr->u.in.addr = kg_inet_addr(addr, len);

    if (cidr->u.in.addr != INADDR_NONE) {
        cidr->family = AF_INET;

        if (mask == NULL) {
            cidr->u.in.mask = 0xffffffff;
            return KG_OK;
        }

    } else if (kg_inet6_addr(addr, len, cidr->u.in6.addr.s6_addr) == KG_OK) {
        cidr->family = AF_INET6;

        if (mask == NULL) {
            kg_memset(cidr->u.in6.mask.s6_addr, 0xff, 16);
            return KG_OK;
        }

    } else {
        return KG_ERROR;
    }

    mask++;

    shift = kg_atoi(mask, last - mask);
    if (shift == KG_ERROR) {
        return KG_ERROR;
    }

    rc = KG_OK;

    switch (cidr->family) {

    case AF_INET6:
        if (shift > 128) {
            return KG_ERROR;
        }

        addr = cidr->u.in6.addr.s6_addr;
        mask = cidr->u.in6.mask.s6_addr;
        s = shift;

        for (i = 0; i < 16; i++) {

            if (s >= 8) {
                mask[i] = 0xff;
                s -= 8;

            } else {
                mask[i] = (u_char) (0xffu << (8 - s));
                s = 0;
            }

            if (addr[i] != (addr[i] & mask[i])) {
                rc = KG_DONE;
                addr[i] &= mask[i];
            }
        }

        return rc;

    default: /* AF_INET */
        if (shift > 32) {
            return KG_ERROR;
        }

        if (shift) {
            cidr->u.in.mask = htonl((uint32_t) (0xffffffffu << (32 - shift)));

        } else {
            /* x86 compilers use a shift count modulo 32 */
            cidr->u.in.mask = 0;
        }

        if (cidr->u.in.addr == (cidr->u.in.addr & cidr->u.in.mask)) {
            return KG_OK;
        }

        cidr->u.in.addr &= cidr->u.in.mask;

        return KG_DONE;
    }
}


kg_int_t
kg_cidr_match(struct sockaddr *sa, kg_array_t *cidrs)
{
    u_char               *p;
    in_addr_t             inaddr;
    kg_cidr_t            *cidr;
    kg_uint_t             family, i, n;
    struct in6_addr      *inaddr6;

    family = sa->sa_family;
    inaddr = 0;
    inaddr6 = NULL;

    if (family == AF_INET) {
        inaddr = ((struct sockaddr_in *) sa)->sin_addr.s_addr;

    } else if (family == AF_INET6) {
        inaddr6 = &((struct sockaddr_in6 *) sa)->sin6_addr;

        if (IN6_IS_ADDR_V4MAPPED(inaddr6)) {
            family = AF_INET;

            p = inaddr6->s6_addr;

            inaddr = (in_addr_t) p[12] << 24;
            inaddr += p[13] << 16;
            inaddr += p[14] << 8;
            inaddr += p[15];

            inaddr = htonl(inaddr);
        }
    }

    for (cidr = cidrs->elts, i = 0; i < cidrs->nelts; i++) {
        if (cidr[i].family != family) {
            goto next;
        }

        switch (family) {

        case AF_INET6:
            for (n = 0; n < 16; n++) {
                if ((inaddr6->s6_addr[n] & cidr[i].u.in6.mask.s6_addr[n])
                    != cidr[i].u.in6.addr.s6_addr[n])
                {
                    goto next;
                }
            }
            break;

        case AF_INET:
            if ((inaddr & cidr[i].u.in.mask) != cidr[i].u.in.addr) {
                goto next;
            }
            break;

        default:
            goto next;
        }

        return KG_OK;

    next:
        continue;
    }

    return KG_DECLINED;
}


kg_int_t
kg_parse_addr(kg_pool_t *pool, kg_addr_t *addr, u_char *text, size_t len)
{
    in_addr_t             inaddr;
    kg_uint_t             family;
    struct in6_addr       inaddr6;
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    kg_memzero(&inaddr6, sizeof(struct in6_addr));

    inaddr = kg_inet_addr(text, len);

    if (inaddr != INADDR_NONE) {
        family = AF_INET;
        len = sizeof(struct sockaddr_in);

    } else if (kg_inet6_addr(text, len, inaddr6.s6_addr) == KG_OK) {
        family = AF_INET6;
        len = sizeof(struct sockaddr_in6);

    } else {
        return KG_DECLINED;
    }

    addr->sockaddr = kg_pcalloc(pool, len);
    if (addr->sockaddr == NULL) {
        return KG_ERROR;
    }

    addr->sockaddr->sa_family = (sa_family_t) family;
    addr->socklen = len;

    switch (family) {

    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) addr->sockaddr;
        kg_memcpy(sin6->sin6_addr.s6_addr, inaddr6.s6_addr, 16);
        break;

    default: /* AF_INET */
        sin = (struct sockaddr_in *) addr->sockaddr;
        sin->sin_addr.s_addr = inaddr;
        break;
    }

    return KG_OK;
}


kg_int_t
kg_parse_addr_port(kg_pool_t *pool, kg_addr_t *addr, u_char *text,
    size_t len)
{
    u_char     *p, *last;
    size_t      plen;
    kg_int_t    rc, port;

    rc = kg_parse_addr(pool, addr, text, len);

    if (rc != KG_DECLINED) {
        return rc;
    }

    last = text + len;

    if (len && text[0] == '[') {

        p = kg_strlchr(text, last, ']');

        if (p == NULL || p == last - 1 || *++p != ':') {
            return KG_DECLINED;
        }

        text++;
        len -= 2;

    } else {
        p = kg_strlchr(text, last, ':');

        if (p == NULL) {
            return KG_DECLINED;
        }
    }

    p++;
    plen = last - p;

    port = kg_atoi(p, plen);

    if (port < 1 || port > 65535) {
        return KG_DECLINED;
    }

    len -= plen + 1;

    rc = kg_parse_addr(pool, addr, text, len);

    if (rc != KG_OK) {
        return rc;
    }

    kg_inet_set_port(addr->sockaddr, (in_port_t) port);

    return KG_OK;
}


kg_int_t
kg_parse_url(kg_pool_t *pool, kg_url_t *u)
{
    u_char  *p;
    size_t   len;

    p = u->url.data;
    len = u->url.len;

    if (len >= 5 && kg_strncasecmp(p, (u_char *) "unix:", 5) == 0) {
        return kg_parse_unix_domain_url(pool, u);
    }

    if (len && p[0] == '[') {
        return kg_parse_inet6_url(pool, u);
    }

    return kg_parse_inet_url(pool, u);
}


static kg_int_t
kg_parse_unix_domain_url(kg_pool_t *pool, kg_url_t *u)
{
    u_char              *path, *uri, *last;
    size_t               len;
    struct sockaddr_un  *saun;

    len = u->url.len;
    path = u->url.data;

    path += 5;
    len -= 5;

    if (u->uri_part) {

        last = path + len;
        uri = kg_strlchr(path, last, ':');

        if (uri) {
            len = uri - path;
            uri++;
            u->uri.len = last - uri;
            u->uri.data = uri;
        }
    }

    if (len == 0) {
        u->err = "no path in the unix domain socket";
        return KG_ERROR;
    }

    u->host.len = len++;
    u->host.data = path;

    if (len > sizeof(saun->sun_path)) {
        u->err = "too long path in the unix domain socket";
        return KG_ERROR;
    }

    u->socklen = sizeof(struct sockaddr_un);
    saun = (struct sockaddr_un *) &u->sockaddr;
    saun->sun_family = AF_UNIX;
    (void) kg_cpystrn((u_char *) saun->sun_path, path, len);

    u->addrs = kg_pcalloc(pool, sizeof(kg_addr_t));
    if (u->addrs == NULL) {
        return KG_ERROR;
    }

    saun = kg_pcalloc(pool, sizeof(struct sockaddr_un));
    if (saun == NULL) {
        return KG_ERROR;
    }

    u->family = AF_UNIX;
    u->naddrs = 1;

    saun->sun_family = AF_UNIX;
    (void) kg_cpystrn((u_char *) saun->sun_path, path, len);

    u->addrs[0].sockaddr = (struct sockaddr *) saun;
    u->addrs[0].socklen = sizeof(struct sockaddr_un);
    u->addrs[0].name.len = len + 4;
    u->addrs[0].name.data = u->url.data;

    return KG_OK;
}


static kg_int_t
kg_parse_inet_url(kg_pool_t *pool, kg_url_t *u)
{
    u_char              *host, *port, *last, *uri, *args;
    size_t               len;
    kg_int_t             n;
    struct sockaddr_in  *sin;

    u->socklen = sizeof(struct sockaddr_in);
    sin = (struct sockaddr_in *) &u->sockaddr;
    sin->sin_family = AF_INET;

    u->family = AF_INET;

    host = u->url.data;

    last = host + u->url.len;

    port = kg_strlchr(host, last, ':');

    uri = kg_strlchr(port ? port : host, last, '/');

    args = kg_strlchr(host, last, '?');

    if (args) {
        if (uri == NULL || args < uri) {
            uri = args;
        }
    }

    if (uri) {
        if (u->listen || !u->uri_part) {
            u->err = "invalid host";
            return KG_ERROR;
        }

        u->uri.len = last - uri;
        u->uri.data = uri;

        last = uri;

        if (uri < port) {
            port = NULL;
        }
    }

    if (port) {
        port++;

        len = last - port;

        n = kg_atoi(port, len);

        if (n < 1 || n > 65535) {
            u->err = "invalid port";
            return KG_ERROR;
        }

        u->port = (in_port_t) n;
        sin->sin_port = htons((in_port_t) n);

        u->port_text.len = len;
        u->port_text.data = port;

        last = port - 1;

    } else {
        if (uri == NULL) {

            if (u->listen) {

                /* test value as port only */

                n = kg_atoi(host, last - host);

                if (n != KG_ERROR) {

                    if (n < 1 || n > 65535) {
                        u->err = "invalid port";
                        return KG_ERROR;
                    }

                    u->port = (in_port_t) n;
                    sin->sin_port = htons((in_port_t) n);
                    sin->sin_addr.s_addr = INADDR_ANY;

                    u->port_text.len = last - host;
                    u->port_text.data = host;

                    u->wildcard = 1;

                    return kg_inet_add_addr(pool, u, &u->sockaddr.sockaddr,
                                            u->socklen, 1);
                }
            }
        }

        u->no_port = 1;
        u->port = u->default_port;
        sin->sin_port = htons(u->default_port);
    }

    len = last - host;

    if (len == 0) {
        u->err = "no host";
        return KG_ERROR;
    }

    u->host.len = len;
    u->host.data = host;

    if (u->listen && len == 1 && *host == '*') {
        sin->sin_addr.s_addr = INADDR_ANY;
        u->wildcard = 1;
        return kg_inet_add_addr(pool, u, &u->sockaddr.sockaddr, u->socklen, 1);
    }

    sin->sin_addr.s_addr = kg_inet_addr(host, len);

    if (sin->sin_addr.s_addr != INADDR_NONE) {

        if (sin->sin_addr.s_addr == INADDR_ANY) {
            u->wildcard = 1;
        }

        return kg_inet_add_addr(pool, u, &u->sockaddr.sockaddr, u->socklen, 1);
    }

    if (u->no_resolve) {
        return KG_OK;
    }

    if (kg_inet_resolve_host(pool, u) != KG_OK) {
        return KG_ERROR;
    }

    u->family = u->addrs[0].sockaddr->sa_family;
    u->socklen = u->addrs[0].socklen;
    kg_memcpy(&u->sockaddr, u->addrs[0].sockaddr, u->addrs[0].socklen);
    u->wildcard = kg_inet_wildcard(&u->sockaddr.sockaddr);

    return KG_OK;
}


static kg_int_t
kg_parse_inet6_url(kg_pool_t *pool, kg_url_t *u)
{
    u_char               *p, *host, *port, *last, *uri;
    size_t                len;
    kg_int_t              n;
    struct sockaddr_in6  *sin6;

    u->socklen = sizeof(struct sockaddr_in6);
    sin6 = (struct sockaddr_in6 *) &u->sockaddr;
    sin6->sin6_family = AF_INET6;

    host = u->url.data + 1;

    last = u->url.data + u->url.len;

    p = kg_strlchr(host, last, ']');

    if (p == NULL) {
        u->err = "invalid host";
        return KG_ERROR;
    }

    port = p + 1;

    uri = kg_strlchr(port, last, '/');

    if (uri) {
        if (u->listen || !u->uri_part) {
            u->err = "invalid host";
            return KG_ERROR;
        }

        u->uri.len = last - uri;
        u->uri.data = uri;

        last = uri;
    }

    if (port < last) {
        if (*port != ':') {
            u->err = "invalid host";
            return KG_ERROR;
        }

        port++;

        len = last - port;

        n = kg_atoi(port, len);

        if (n < 1 || n > 65535) {
            u->err = "invalid port";
            return KG_ERROR;
        }

        u->port = (in_port_t) n;
        sin6->sin6_port = htons((in_port_t) n);

        u->port_text.len = len;
        u->port_text.data = port;

    } else {
        u->no_port = 1;
        u->port = u->default_port;
        sin6->sin6_port = htons(u->default_port);
    }

    len = p - host;

    if (len == 0) {
        u->err = "no host";
        return KG_ERROR;
    }

    u->host.len = len + 2;
    u->host.data = host - 1;

    if (kg_inet6_addr(host, len, sin6->sin6_addr.s6_addr) != KG_OK) {
        u->err = "invalid IPv6 address";
        return KG_ERROR;
    }

    if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr)) {
        u->wildcard = 1;
    }

    u->family = AF_INET6;

    return kg_inet_add_addr(pool, u, &u->sockaddr.sockaddr, u->socklen, 1);
}


kg_int_t
kg_inet_resolve_host(kg_pool_t *pool, kg_url_t *u)
{
    u_char           *host;
    kg_uint_t         n;
    struct addrinfo   hints, *res, *rp;

    host = kg_alloc(u->host.len + 1, pool->log);
    if (host == NULL) {
        return KG_ERROR;
    }

    (void) kg_cpystrn(host, u->host.data, u->host.len + 1);

    kg_memzero(&hints, sizeof(struct addrinfo));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;

    if (getaddrinfo((char *) host, NULL, &hints, &res) != 0) {
        u->err = "host not found";
        kg_free(host);
        return KG_ERROR;
    }

    kg_free(host);

    for (n = 0, rp = res; rp != NULL; rp = rp->ai_next) {

        switch (rp->ai_family) {

        case AF_INET:
        case AF_INET6:
            break;

        default:
            continue;
        }

        n++;
    }

    if (n == 0) {
        u->err = "host not found";
        goto failed;
    }

    /* AF_INET addresses first */

    for (rp = res; rp != NULL; rp = rp->ai_next) {

        if (rp->ai_family != AF_INET) {
            continue;
        }

        if (kg_inet_add_addr(pool, u, rp->ai_addr, rp->ai_addrlen, n)
            != KG_OK)
        {
            goto failed;
        }
    }

    for (rp = res; rp != NULL; rp = rp->ai_next) {

        if (rp->ai_family != AF_INET6) {
            continue;
        }

        if (kg_inet_add_addr(pool, u, rp->ai_addr, rp->ai_addrlen, n)
            != KG_OK)
        {
            goto failed;
        }
    }

    freeaddrinfo(res);
    return KG_OK;

failed:

    freeaddrinfo(res);
    return KG_ERROR;
}


static kg_int_t
kg_inet_add_addr(kg_pool_t *pool, kg_url_t *u, struct sockaddr *sockaddr,
    socklen_t socklen, kg_uint_t total)
{
    u_char           *p;
    size_t            len;
    kg_addr_t        *addr;
    struct sockaddr  *sa;

    if (u->addrs == NULL) {
        u->addrs = kg_palloc(pool, total * sizeof(kg_addr_t));
        if (u->addrs == NULL) {
            return KG_ERROR;
        }
    }

    sa = kg_pcalloc(pool, socklen);
    if (sa == NULL) {
        return KG_ERROR;
    }

    kg_memcpy(sa, sockaddr, socklen);

    kg_inet_set_port(sa, u->port);

    switch (sa->sa_family) {

    case AF_INET6:
        len = KG_INET6_ADDRSTRLEN + sizeof("[]:65535") - 1;
        break;

    default:
        len = KG_INET_ADDRSTRLEN + sizeof(":65535") - 1;
    }

    p = kg_pnalloc(pool, len);
    if (p == NULL) {
        return KG_ERROR;
    }

    len = kg_sock_ntop(sa, socklen, p, len, 1);

    addr = &u->addrs[u->naddrs++];

    addr->sockaddr = sa;
    addr->socklen = socklen;

    addr->name.len = len;
    addr->name.data = p;

    return KG_OK;
}


kg_int_t
kg_cmp_sockaddr(struct sockaddr *sa1, socklen_t slen1,
    struct sockaddr *sa2, socklen_t slen2, kg_uint_t cmp_port)
{
    size_t                len;
    struct sockaddr_in   *sin1, *sin2;
    struct sockaddr_in6  *sin61, *sin62;
    struct sockaddr_un   *saun1, *saun2;

    if (sa1->sa_family != sa2->sa_family) {
        return KG_DECLINED;
    }

    switch (sa1->sa_family) {

    case AF_INET6:

        sin61 = (struct sockaddr_in6 *) sa1;
        sin62 = (struct sockaddr_in6 *) sa2;

        if (cmp_port && sin61->sin6_port != sin62->sin6_port) {
            return KG_DECLINED;
        }

        if (kg_memcmp(&sin61->sin6_addr, &sin62->sin6_addr, 16) != 0) {
            return KG_DECLINED;
        }

        break;

    case AF_UNIX:

        saun1 = (struct sockaddr_un *) sa1;
        saun2 = (struct sockaddr_un *) sa2;

        if (slen1 != slen2) {
            return KG_DECLINED;
        }

        if (slen1 <= (socklen_t) offsetof(struct sockaddr_un, sun_path)) {
            break;
        }

        len = slen1 - offsetof(struct sockaddr_un, sun_path);

        if (len > sizeof(saun1->sun_path)) {
            len = sizeof(saun1->sun_path);
        }

        if (kg_memcmp(&saun1->sun_path, &saun2->sun_path, len) != 0) {
            return KG_DECLINED;
        }

        break;

    default: /* AF_INET */

        sin1 = (struct sockaddr_in *) sa1;
        sin2 = (struct sockaddr_in *) sa2;

        if (cmp_port && sin1->sin_port != sin2->sin_port) {
            return KG_DECLINED;
        }

        if (sin1->sin_addr.s_addr != sin2->sin_addr.s_addr) {
            return KG_DECLINED;
        }

        break;
    }

    return KG_OK;
}


in_port_t
kg_inet_get_port(struct sockaddr *sa)
{
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    switch (sa->sa_family) {

    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) sa;
        return ntohs(sin6->sin6_port);

    case AF_UNIX:
        return 0;

    default: /* AF_INET */
        sin = (struct sockaddr_in *) sa;
        return ntohs(sin->sin_port);
    }
}


void
kg_inet_set_port(struct sockaddr *sa, in_port_t port)
{
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    switch (sa->sa_family) {

    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) sa;
        sin6->sin6_port = htons(port);
        break;

    case AF_UNIX:
        break;

    default: /* AF_INET */
        sin = (struct sockaddr_in *) sa;
        sin->sin_port = htons(port);
        break;
    }
}


kg_uint_t
kg_inet_wildcard(struct sockaddr *sa)
{
    struct sockaddr_in   *sin;
    struct sockaddr_in6  *sin6;

    switch (sa->sa_family) {

    case AF_INET:
        sin = (struct sockaddr_in *) sa;

        if (sin->sin_addr.s_addr == INADDR_ANY) {
            return 1;
        }

        break;

    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) sa;

        if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr)) {
            return 1;
        }

        break;
    }

    return 0;
}
