/*
 * Copyright (C) kgate authors
 */


#ifndef _KG_EVENT_OPENSSL_H_INCLUDED_
#define _KG_EVENT_OPENSSL_H_INCLUDED_


#include <kg_config.h>
#include <kg_core.h>

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>


#define KG_SSL_NAME     "OpenSSL"


/*
 * called from the SNI extension of a ClientHello with the name the client
 * asked for; data is what kg_ssl_create() was given.  KG_OK accepts the
 * name (the handler may switch the context with kg_ssl_switch_ctx()),
 * KG_DECLINED goes on without acknowledging it, KG_ERROR ends the
 * handshake with an "unrecognized_name" alert
 */
typedef kg_int_t (*kg_ssl_servername_pt)(kg_connection_t *c,
    kg_str_t *servername, void *data);


struct kg_ssl_s {
    SSL_CTX                    *ctx;
    kg_log_t                   *log;
    size_t                      buffer_size;

    void                       *data;
    kg_ssl_servername_pt        servername;
};


struct kg_ssl_connection_s {
    SSL                        *connection;
    SSL_CTX                    *session_ctx;

    kg_int_t                    last;
    kg_buf_t                   *buf;
    size_t                      buffer_size;

    kg_connection_handler_pt    handler;

    kg_event_handler_pt         saved_read_handler;
    kg_event_handler_pt         saved_write_handler;

    unsigned                    handshaked:1;
    unsigned                    client:1;
    unsigned                    no_wait_shutdown:1;
    unsigned                    no_send_shutdown:1;
};


#define KG_SSL_SSLv2    0x0002
#define KG_SSL_SSLv3    0x0004
#define KG_SSL_TLSv1    0x0008
#define KG_SSL_TLSv1_1  0x0010
#define KG_SSL_TLSv1_2  0x0020
#define KG_SSL_TLSv1_3  0x0040

#define KG_SSL_DEFAULT_PROTOCOLS  (KG_SSL_TLSv1_2|KG_SSL_TLSv1_3)


#define KG_SSL_BUFFER   1
#define KG_SSL_CLIENT   2

#define KG_SSL_BUFSIZE  16384


kg_int_t kg_ssl_init(kg_log_t *log);
kg_int_t kg_ssl_create(kg_ssl_t *ssl, kg_uint_t protocols, void *data);

kg_int_t kg_ssl_certificate(kg_conf_t *cf, kg_ssl_t *ssl,
    kg_str_t *cert, kg_str_t *key);
kg_int_t kg_ssl_ciphers(kg_conf_t *cf, kg_ssl_t *ssl, kg_str_t *ciphers,
    kg_uint_t prefer_server_ciphers);
kg_int_t kg_ssl_client_certificate(kg_conf_t *cf, kg_ssl_t *ssl,
    kg_str_t *cert, kg_int_t depth);
kg_int_t kg_ssl_trusted_certificate(kg_conf_t *cf, kg_ssl_t *ssl,
    kg_str_t *cert, kg_int_t depth);
kg_int_t kg_ssl_set_servername_handler(kg_ssl_t *ssl,
    kg_ssl_servername_pt handler);
void kg_ssl_cleanup_ctx(void *data);

kg_int_t kg_ssl_create_connection(kg_ssl_t *ssl, kg_connection_t *c,
    kg_uint_t flags);
kg_int_t kg_ssl_set_host(kg_connection_t *c, kg_str_t *name,
    kg_uint_t verify);
kg_int_t kg_ssl_switch_ctx(kg_connection_t *c, kg_ssl_t *ssl);

kg_int_t kg_ssl_handshake(kg_connection_t *c);
ssize_t kg_ssl_recv(kg_connection_t *c, u_char *buf, size_t size);
ssize_t kg_ssl_write(kg_connection_t *c, u_char *data, size_t size);
ssize_t kg_ssl_recv_chain(kg_connection_t *c, kg_chain_t *cl, off_t limit);
kg_chain_t *kg_ssl_send_chain(kg_connection_t *c, kg_chain_t *in,
    off_t limit);
kg_int_t kg_ssl_shutdown(kg_connection_t *c);

kg_int_t kg_ssl_get_protocol(kg_connection_t *c, kg_pool_t *pool,
    kg_str_t *s);
kg_int_t kg_ssl_get_cipher_name(kg_connection_t *c, kg_pool_t *pool,
    kg_str_t *s);
kg_int_t kg_ssl_get_server_name(kg_connection_t *c, kg_pool_t *pool,
    kg_str_t *s);
kg_int_t kg_ssl_get_subject_dn(kg_connection_t *c, kg_pool_t *pool,
    kg_str_t *s);
kg_int_t kg_ssl_get_issuer_dn(kg_connection_t *c, kg_pool_t *pool,
    kg_str_t *s);
kg_int_t kg_ssl_get_client_verify(kg_connection_t *c, kg_pool_t *pool,
    kg_str_t *s);

void kg_cdecl kg_ssl_error(kg_uint_t level, kg_log_t *log, kg_err_t err,
    char *fmt, ...);
void kg_ssl_clear_error(kg_log_t *log);


extern int  kg_ssl_connection_index;
extern int  kg_ssl_index;


#endif /* _KG_EVENT_OPENSSL_H_INCLUDED_ */
