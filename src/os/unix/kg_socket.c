/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


/*
 * ioctl(FIONBIO) sets the flag with one syscall, where fcntl() needs
 * F_GETFL and F_SETFL
 */

int
kg_nonblocking(kg_socket_t s)
{
    int  nb;

    nb = 1;

    return ioctl(s, FIONBIO, &nb);
}


int
kg_blocking(kg_socket_t s)
{
    int  nb;

    nb = 0;

    return ioctl(s, FIONBIO, &nb);
}


int
kg_tcp_nopush(kg_socket_t s)
{
    int  cork;

    cork = 1;

    return setsockopt(s, IPPROTO_TCP, TCP_CORK,
                      (const void *) &cork, sizeof(int));
}


int
kg_tcp_push(kg_socket_t s)
{
    int  cork;

    cork = 0;

    return setsockopt(s, IPPROTO_TCP, TCP_CORK,
                      (const void *) &cork, sizeof(int));
}
