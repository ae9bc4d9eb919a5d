/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>


typedef struct {
    kg_uint_t  initialized;
} kg_openssl_conf_t;


static kg_int_t kg_ssl_full_name(kg_conf_t *cf, kg_str_t *name,
    kg_str_t *full);
static kg_int_t kg_ssl_verify_locations(kg_conf_t *cf, kg_ssl_t *ssl,
    kg_str_t *cert, kg_int_t depth, kg_str_t *file);
static int kg_ssl_verify_callback(int ok, X509_STORE_CTX *x509_store);
static int kg_ssl_servername_callback(SSL *ssl_conn, int *ad, void *arg);
static void kg_ssl_connection_cleanup(void *data);
static void kg_ssl_handshake_handler(kg_event_t *ev);
static kg_int_t kg_ssl_handle_recv(kg_connection_t *c, int n);
static void kg_ssl_write_handler(kg_event_t *wev);
static void kg_ssl_read_handler(kg_event_t *rev);
static void kg_ssl_shutdown_handler(kg_event_t *ev);
static void kg_ssl_connection_error(kg_connection_t *c, int sslerr,
    kg_err_t err, char *text);
static kg_int_t kg_ssl_get_dn(kg_connection_t *c, kg_pool_t *pool,
    kg_str_t *s, kg_uint_t issuer);

static void *kg_openssl_create_conf(kg_cycle_t *cycle);


static kg_core_module_t  kg_openssl_module_ctx = {
    kg_string("openssl"),
    kg_openssl_create_conf,
    NULL
};


kg_module_t  kg_openssl_module = {
    KG_MODULE_V1,
    &kg_openssl_module_ctx,                /* module context */
    NULL,                                  /* module directives */
    KG_CORE_MODULE,                        /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    KG_MODULE_V1_PADDING
};


int  kg_ssl_connection_index = -1;
int  kg_ssl_index = -1;


kg_int_t
kg_ssl_init(kg_log_t *log)
{
    if (kg_ssl_connection_index != -1) {
        return KG_OK;
    }

    if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL) == 0) {
        kg_ssl_error(KG_LOG_ALERT, log, 0, "OPENSSL_init_ssl() failed");
        return KG_ERROR;
    }

    /*
     * OPENSSL_init_ssl() may leave errors in the error queue
     * while returning success
     */

    ERR_clear_error();

    kg_ssl_connection_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);

    if (kg_ssl_connection_index == -1) {
        kg_ssl_error(KG_LOG_ALERT, log, 0, "SSL_get_ex_new_index() failed");
        return KG_ERROR;
    }

    kg_ssl_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);

    if (kg_ssl_index == -1) {
        kg_ssl_error(KG_LOG_ALERT, log, 0,
                     "SSL_CTX_get_ex_new_index() failed");
        return KG_ERROR;
    }

    return KG_OK;
}


/* ssl->log must be set by the caller: errors are reported there */

kg_int_t
kg_ssl_create(kg_ssl_t *ssl, kg_uint_t protocols, void *data)
{
    int  min, max;

    if (protocols == 0) {
        protocols = KG_SSL_DEFAULT_PROTOCOLS;
    }

    /* kgate speaks nothing older than TLS 1.2 */

    if (!(protocols & (KG_SSL_TLSv1_2|KG_SSL_TLSv1_3))) {
        kg_log_error(KG_LOG_EMERG, ssl->log, 0,
                     "no protocol enabled: TLSv1.2 or TLSv1.3 is required");
        return KG_ERROR;
    }

    min = (protocols & KG_SSL_TLSv1_2) ? TLS1_2_VERSION : TLS1_3_VERSION;
    max = (protocols & KG_SSL_TLSv1_3) ? TLS1_3_VERSION : TLS1_2_VERSION;

    ssl->ctx = SSL_CTX_new(TLS_method());

    if (ssl->ctx == NULL) {
        kg_ssl_error(KG_LOG_EMERG, ssl->log, 0, "SSL_CTX_new() failed");
        return KG_ERROR;
    }

    if (SSL_CTX_set_ex_data(ssl->ctx, kg_ssl_index, ssl) == 0) {
        kg_ssl_error(KG_LOG_EMERG, ssl->log, 0,
                     "SSL_CTX_set_ex_data() failed");
        SSL_CTX_free(ssl->ctx);
        ssl->ctx = NULL;
        return KG_ERROR;
    }

    ssl->buffer_size = KG_SSL_BUFSIZE;
    ssl->data = data;
    ssl->servername = NULL;

    if (SSL_CTX_set_min_proto_version(ssl->ctx, min) == 0
        || SSL_CTX_set_max_proto_version(ssl->ctx, max) == 0)
    {
        kg_ssl_error(KG_LOG_EMERG, ssl->log, 0,
                     "SSL_CTX_set_min_proto_version() failed");
        SSL_CTX_free(ssl->ctx);
        ssl->ctx = NULL;
        return KG_ERROR;
    }

    SSL_CTX_set_options(ssl->ctx, SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_options(ssl->ctx, SSL_OP_NO_RENEGOTIATION);

    /* a peer that closes without close_notify is only an EOF to Kafka */

    SSL_CTX_set_options(ssl->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);

    /*
     * partial writes and a moving buffer let a caller retry SSL_write()
     * from a buffer that was compacted or grew since the last try
     */

    SSL_CTX_set_mode(ssl->ctx, SSL_MODE_RELEASE_BUFFERS
                               |SSL_MODE_NO_AUTO_CHAIN
                               |SSL_MODE_ENABLE_PARTIAL_WRITE
                               |SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

    return KG_OK;
}


/* the file name of a directive, relative to the prefix, NUL-terminated */

static kg_int_t
kg_ssl_full_name(kg_conf_t *cf, kg_str_t *name, kg_str_t *full)
{
    u_char    *p;
    kg_str_t   fn;

    fn = *name;

    if (kg_conf_full_name(cf->cycle, &fn, 1) != KG_OK) {
        return KG_ERROR;
    }

    p = kg_pnalloc(cf->pool, fn.len + 1);
    if (p == NULL) {
        return KG_ERROR;
    }

    (void) kg_cpystrn(p, fn.data, fn.len + 1);

    full->len = fn.len;
    full->data = p;

    return KG_OK;
}


kg_int_t
kg_ssl_certificate(kg_conf_t *cf, kg_ssl_t *ssl, kg_str_t *cert,
    kg_str_t *key)
{
    kg_str_t  file;

    if (kg_ssl_full_name(cf, cert, &file) != KG_OK) {
        return KG_ERROR;
    }

    /* the leaf first, then the chain, all from one PEM file */

    if (SSL_CTX_use_certificate_chain_file(ssl->ctx, (char *) file.data)
        == 0)
    {
        kg_ssl_error(KG_LOG_EMERG, cf->log, 0,
                     "cannot load certificate \"%s\"", file.data);
        return KG_ERROR;
    }

    if (kg_ssl_full_name(cf, key, &file) != KG_OK) {
        return KG_ERROR;
    }

    if (SSL_CTX_use_PrivateKey_file(ssl->ctx, (char *) file.data,
                                    SSL_FILETYPE_PEM)
        == 0)
    {
        kg_ssl_error(KG_LOG_EMERG, cf->log, 0,
                     "cannot load certificate key \"%s\"", file.data);
        return KG_ERROR;
    }

    if (SSL_CTX_check_private_key(ssl->ctx) == 0) {
        kg_ssl_error(KG_LOG_EMERG, cf->log, 0,
                     "certificate key \"%s\" does not match the certificate",
                     file.data);
        return KG_ERROR;
    }

    return KG_OK;
}


kg_int_t
kg_ssl_ciphers(kg_conf_t *cf, kg_ssl_t *ssl, kg_str_t *ciphers,
    kg_uint_t prefer_server_ciphers)
{
    u_char  *p;

    p = kg_pnalloc(cf->pool, ciphers->len + 1);
    if (p == NULL) {
        return KG_ERROR;
    }

    (void) kg_cpystrn(p, ciphers->data, ciphers->len + 1);

    /* TLS 1.3 suites are configured apart and keep their defaults */

    if (SSL_CTX_set_cipher_list(ssl->ctx, (char *) p) == 0) {
        kg_ssl_error(KG_LOG_EMERG, cf->log, 0,
                     "SSL_CTX_set_cipher_list(\"%V\") failed", ciphers);
        return KG_ERROR;
    }

    if (prefer_server_ciphers) {
        SSL_CTX_set_options(ssl->ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    }

    return KG_OK;
}


/*
 * the server side of mutual TLS: a client that shows a certificate must
 * chain to the CA file, else the handshake fails; a client without one
 * is let through, and the authentication phase decides about it
 */

kg_int_t
kg_ssl_client_certificate(kg_conf_t *cf, kg_ssl_t *ssl, kg_str_t *cert,
    kg_int_t depth)
{
    kg_str_t              file;
    STACK_OF(X509_NAME)  *list;

    if (kg_ssl_verify_locations(cf, ssl, cert, depth, &file) != KG_OK) {
        return KG_ERROR;
    }

    if (file.len == 0) {
        return KG_OK;
    }

    list = SSL_load_client_CA_file((char *) file.data);

    if (list == NULL) {
        kg_ssl_error(KG_LOG_EMERG, cf->log, 0,
                     "SSL_load_client_CA_file(\"%s\") failed", file.data);
        return KG_ERROR;
    }

    SSL_CTX_set_client_CA_list(ssl->ctx, list);

    return KG_OK;
}


/* the client side: the server must chain to the CA file */

kg_int_t
kg_ssl_trusted_certificate(kg_conf_t *cf, kg_ssl_t *ssl, kg_str_t *cert,
    kg_int_t depth)
{
    kg_str_t  file;

    return kg_ssl_verify_locations(cf, ssl, cert, depth, &file);
}


/* peers are verified against the CA file cert; file is its full name */

static kg_int_t
kg_ssl_verify_locations(kg_conf_t *cf, kg_ssl_t *ssl, kg_str_t *cert,
    kg_int_t depth, kg_str_t *file)
{
    SSL_CTX_set_verify(ssl->ctx, SSL_VERIFY_PEER, kg_ssl_verify_callback);

    SSL_CTX_set_verify_depth(ssl->ctx, depth);

    if (cert->len == 0) {
        file->len = 0;
        return KG_OK;
    }

    if (kg_ssl_full_name(cf, cert, file) != KG_OK) {
        return KG_ERROR;
    }

    if (SSL_CTX_load_verify_locations(ssl->ctx, (char *) file->data, NULL)
        == 0)
    {
        kg_ssl_error(KG_LOG_EMERG, cf->log, 0,
                     "SSL_CTX_load_verify_locations(\"%s\") failed",
                     file->data);
        return KG_ERROR;
    }

    /*
     * SSL_CTX_load_verify_locations() may leave errors in the error queue
     * while returning success
     */

    ERR_clear_error();

    return KG_OK;
}


static int
kg_ssl_verify_callback(int ok, X509_STORE_CTX *x509_store)
{
    int               err, depth;
    BIO              *bio;
    SSL              *ssl_conn;
    X509             *cert;
    kg_uint_t         level;
    kg_connection_t  *c;
    char              subject[256];

    if (ok) {
        return 1;
    }

    ssl_conn = X509_STORE_CTX_get_ex_data(x509_store,
                                          SSL_get_ex_data_X509_STORE_CTX_idx());
    if (ssl_conn == NULL) {
        return 0;
    }

    c = SSL_get_ex_data(ssl_conn, kg_ssl_connection_index);
    if (c == NULL || c->ssl == NULL) {
        return 0;
    }

    cert = X509_STORE_CTX_get_current_cert(x509_store);
    err = X509_STORE_CTX_get_error(x509_store);
    depth = X509_STORE_CTX_get_error_depth(x509_store);

    subject[0] = '\0';

    if (cert) {
        bio = BIO_new(BIO_s_mem());

        if (bio) {
            if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
                                   XN_FLAG_RFC2253)
                >= 0)
            {
                int  n = BIO_read(bio, subject, sizeof(subject) - 1);
                subject[n > 0 ? n : 0] = '\0';
            }

            BIO_free(bio);
        }
    }

    /* a client with a bad certificate is its own problem; a broker's is ours */

    level = c->ssl->client ? KG_LOG_ERR : KG_LOG_INFO;

    kg_log_error(level, c->log, 0,
                 "%s SSL certificate verify error: (%d:%s), "
                 "depth:%d, subject:\"%s\"",
                 c->ssl->client ? "upstream" : "client",
                 err, X509_verify_cert_error_string(err), depth, subject);

    return 0;
}


kg_int_t
kg_ssl_set_servername_handler(kg_ssl_t *ssl, kg_ssl_servername_pt handler)
{
    ssl->servername = handler;

    if (SSL_CTX_set_tlsext_servername_callback(ssl->ctx,
                                               kg_ssl_servername_callback)
        == 0)
    {
        kg_ssl_error(KG_LOG_EMERG, ssl->log, 0,
                     "SSL_CTX_set_tlsext_servername_callback() failed");
        return KG_ERROR;
    }

    SSL_CTX_set_tlsext_servername_arg(ssl->ctx, ssl);

    return KG_OK;
}


static int
kg_ssl_servername_callback(SSL *ssl_conn, int *ad, void *arg)
{
    kg_int_t          rc;
    kg_str_t          host;
    kg_ssl_t         *ssl;
    const char       *name;
    kg_connection_t  *c;

    ssl = arg;

    c = SSL_get_ex_data(ssl_conn, kg_ssl_connection_index);
    if (c == NULL || ssl->servername == NULL) {
        return SSL_TLSEXT_ERR_NOACK;
    }

    name = SSL_get_servername(ssl_conn, TLSEXT_NAMETYPE_host_name);

    if (name == NULL || *name == '\0') {
        return SSL_TLSEXT_ERR_NOACK;
    }

    host.len = kg_strlen(name);
    host.data = (u_char *) name;

    kg_log_debug1(KG_LOG_DEBUG_EVENT, c->log, 0,
                  "SSL server name: \"%V\"", &host);

    rc = ssl->servername(c, &host, ssl->data);

    switch (rc) {

    case KG_OK:
        return SSL_TLSEXT_ERR_OK;

    case KG_DECLINED:
        return SSL_TLSEXT_ERR_NOACK;

    default:
        *ad = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
}


void
kg_ssl_cleanup_ctx(void *data)
{
    kg_ssl_t  *ssl = data;

    SSL_CTX_free(ssl->ctx);
    ssl->ctx = NULL;
}


/*
 * the SSL object lives as long as the connection's pool unless
 * kg_ssl_shutdown() frees it earlier; c->recv and friends now go
 * through TLS
 */

kg_int_t
kg_ssl_create_connection(kg_ssl_t *ssl, kg_connection_t *c,
    kg_uint_t flags)
{
    kg_pool_cleanup_t     *cln;
    kg_ssl_connection_t   *sc;

    if (c->pool == NULL) {
        kg_log_error(KG_LOG_ALERT, c->log, 0,
                     "SSL connection without a pool");
        return KG_ERROR;
    }

    sc = kg_pcalloc(c->pool, sizeof(kg_ssl_connection_t));
    if (sc == NULL) {
        return KG_ERROR;
    }

    cln = kg_pool_cleanup_add(c->pool, 0);
    if (cln == NULL) {
        return KG_ERROR;
    }

    sc->buffer_size = ssl->buffer_size;
    sc->session_ctx = ssl->ctx;

    sc->connection = SSL_new(ssl->ctx);

    if (sc->connection == NULL) {
        kg_ssl_error(KG_LOG_ALERT, c->log, 0, "SSL_new() failed");
        return KG_ERROR;
    }

    cln->handler = kg_ssl_connection_cleanup;
    cln->data = sc;

    if (SSL_set_fd(sc->connection, c->fd) == 0) {
        kg_ssl_error(KG_LOG_ALERT, c->log, 0, "SSL_set_fd() failed");
        return KG_ERROR;
    }

    if (flags & KG_SSL_CLIENT) {
        SSL_set_connect_state(sc->connection);
        sc->client = 1;

    } else {
        SSL_set_accept_state(sc->connection);
    }

    if (SSL_set_ex_data(sc->connection, kg_ssl_connection_index, c) == 0) {
        kg_ssl_error(KG_LOG_ALERT, c->log, 0, "SSL_set_ex_data() failed");
        return KG_ERROR;
    }

    c->ssl = sc;

    c->recv = kg_ssl_recv;
    c->send = kg_ssl_write;
    c->recv_chain = kg_ssl_recv_chain;
    c->send_chain = kg_ssl_send_chain;

    return KG_OK;
}


static void
kg_ssl_connection_cleanup(void *data)
{
    kg_ssl_connection_t  *sc = data;

    if (sc->connection) {
        SSL_free(sc->connection);
        sc->connection = NULL;
    }
}


/*
 * the client side names the server: SNI for a host name (never for an
 * address, RFC 6066), and with verify the certificate must match it
 */

kg_int_t
kg_ssl_set_host(kg_connection_t *c, kg_str_t *name, kg_uint_t verify)
{
    u_char           *host;
    kg_uint_t         ip;
    struct in6_addr   addr;

    host = kg_pnalloc(c->pool, name->len + 1);
    if (host == NULL) {
        return KG_ERROR;
    }

    (void) kg_cpystrn(host, name->data, name->len + 1);

    ip = (inet_pton(AF_INET, (char *) host, &addr) == 1
          || inet_pton(AF_INET6, (char *) host, &addr) == 1);

    if (!ip) {
        if (SSL_set_tlsext_host_name(c->ssl->connection, (char *) host)
            == 0)
        {
            kg_ssl_error(KG_LOG_ERR, c->log, 0,
                         "SSL_set_tlsext_host_name(\"%s\") failed", host);
            return KG_ERROR;
        }
    }

    if (!verify) {
        return KG_OK;
    }

    if (ip) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl->connection),
                                          (char *) host)
            == 0)
        {
            kg_ssl_error(KG_LOG_ERR, c->log, 0,
                         "X509_VERIFY_PARAM_set1_ip_asc(\"%s\") failed",
                         host);
            return KG_ERROR;
        }

        return KG_OK;
    }

    SSL_set_hostflags(c->ssl->connection,
                      X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);

    if (SSL_set1_host(c->ssl->connection, (char *) host) == 0) {
        kg_ssl_error(KG_LOG_ERR, c->log, 0,
                     "SSL_set1_host(\"%s\") failed", host);
        return KG_ERROR;
    }

    return KG_OK;
}


/*
 * used from an SNI handler: the rest of the handshake runs with the
 * certificate and the verification settings of another context
 */

kg_int_t
kg_ssl_switch_ctx(kg_connection_t *c, kg_ssl_t *ssl)
{
    SSL  *ssl_conn;

    ssl_conn = c->ssl->connection;

    if (SSL_set_SSL_CTX(ssl_conn, ssl->ctx) == NULL) {
        kg_ssl_error(KG_LOG_ERR, c->log, 0, "SSL_set_SSL_CTX() failed");
        return KG_ERROR;
    }

    SSL_set_verify(ssl_conn, SSL_CTX_get_verify_mode(ssl->ctx),
                   SSL_CTX_get_verify_callback(ssl->ctx));

    SSL_set_verify_depth(ssl_conn, SSL_CTX_get_verify_depth(ssl->ctx));

    SSL_clear_options(ssl_conn, SSL_get_options(ssl_conn)
                                & ~SSL_CTX_get_options(ssl->ctx));

    SSL_set_options(ssl_conn, SSL_CTX_get_options(ssl->ctx));

    return KG_OK;
}


/*
 * KG_OK: done, c->recv and friends are ready; KG_AGAIN: in progress,
 * c->ssl->handler(c) is called when it ends either way (the caller sets
 * it and a timer); KG_ERROR: failed and logged
 */

kg_int_t
kg_ssl_handshake(kg_connection_t *c)
{
    int        n, sslerr;
    kg_err_t   err;

    kg_ssl_clear_error(c->log);

    n = SSL_do_handshake(c->ssl->connection);

    kg_log_debug1(KG_LOG_DEBUG_EVENT, c->log, 0, "SSL_do_handshake: %d", n);

    if (n == 1) {

        if (kg_handle_read_event(c->read, 0) != KG_OK) {
            return KG_ERROR;
        }

        if (kg_handle_write_event(c->write, 0) != KG_OK) {
            return KG_ERROR;
        }

        kg_log_debug2(KG_LOG_DEBUG_EVENT, c->log, 0,
                      "SSL: %s, cipher: \"%s\"",
                      SSL_get_version(c->ssl->connection),
                      SSL_get_cipher_name(c->ssl->connection));

        c->ssl->handshaked = 1;

        c->recv = kg_ssl_recv;
        c->send = kg_ssl_write;
        c->recv_chain = kg_ssl_recv_chain;
        c->send_chain = kg_ssl_send_chain;

        /* the last flight may have brought application data too */

        c->read->ready = 1;
        c->read->available = -1;
        c->write->ready = 1;

        return KG_OK;
    }

    sslerr = SSL_get_error(c->ssl->connection, n);

    kg_log_debug1(KG_LOG_DEBUG_EVENT, c->log, 0, "SSL_get_error: %d", sslerr);

    if (sslerr == SSL_ERROR_WANT_READ) {
        c->read->ready = 0;
        c->read->handler = kg_ssl_handshake_handler;
        c->write->handler = kg_ssl_handshake_handler;

        if (kg_handle_read_event(c->read, 0) != KG_OK) {
            return KG_ERROR;
        }

        if (kg_handle_write_event(c->write, 0) != KG_OK) {
            return KG_ERROR;
        }

        return KG_AGAIN;
    }

    if (sslerr == SSL_ERROR_WANT_WRITE) {
        c->write->ready = 0;
        c->read->handler = kg_ssl_handshake_handler;
        c->write->handler = kg_ssl_handshake_handler;

        if (kg_handle_read_event(c->read, 0) != KG_OK) {
            return KG_ERROR;
        }

        if (kg_handle_write_event(c->write, 0) != KG_OK) {
            return KG_ERROR;
        }

        return KG_AGAIN;
    }

    err = (sslerr == SSL_ERROR_SYSCALL) ? kg_errno : 0;

    c->ssl->no_wait_shutdown = 1;
    c->ssl->no_send_shutdown = 1;
    c->read->eof = 1;

    if (sslerr == SSL_ERROR_ZERO_RETURN || ERR_peek_error() == 0) {
        kg_connection_error(c, err,
                            "peer closed connection in SSL handshake");

        return KG_ERROR;
    }

    c->read->error = 1;

    kg_ssl_connection_error(c, sslerr, err, "SSL_do_handshake() failed");

    return KG_ERROR;
}


static void
kg_ssl_handshake_handler(kg_event_t *ev)
{
    kg_connection_t  *c;

    c = ev->data;

    kg_log_debug1(KG_LOG_DEBUG_EVENT, c->log, 0,
                  "SSL handshake handler: %d", ev->write);

    if (ev->timedout) {
        c->ssl->handler(c);
        return;
    }

    if (kg_ssl_handshake(c) == KG_AGAIN) {
        return;
    }

    c->ssl->handler(c);
}


ssize_t
kg_ssl_recv_chain(kg_connection_t *c, kg_chain_t *cl, off_t limit)
{
    u_char     *last;
    ssize_t     n, bytes, size;
    kg_buf_t   *b;

    bytes = 0;

    b = cl->buf;
    last = b->last;

    for ( ;; ) {
        size = b->end - last;

        if (limit) {
            if (bytes >= limit) {
                return bytes;
            }

            if (bytes + size > limit) {
                size = (ssize_t) (limit - bytes);
            }
        }

        n = kg_ssl_recv(c, last, size);

        if (n > 0) {
            last += n;
            bytes += n;

            if (!c->read->ready) {
                return bytes;
            }

            if (last == b->end) {
                cl = cl->next;

                if (cl == NULL) {
                    return bytes;
                }

                b = cl->buf;
                last = b->last;
            }

            continue;
        }

        if (bytes) {

            if (n == 0 || n == KG_ERROR) {
                c->read->ready = 1;
            }

            return bytes;
        }

        return n;
    }
}


/*
 * OpenSSL may hold decrypted bytes that the socket no longer signals:
 * the read event stays ready until SSL_read() itself asks for more
 */

ssize_t
kg_ssl_recv(kg_connection_t *c, u_char *buf, size_t size)
{
    int  n, bytes;

    if (c->ssl->last == KG_ERROR) {
        c->read->ready = 0;
        c->read->error = 1;
        return KG_ERROR;
    }

    if (c->ssl->last == KG_DONE) {
        c->read->ready = 0;
        c->read->eof = 1;
        return 0;
    }

    bytes = 0;

    kg_ssl_clear_error(c->log);

    /*
     * SSL_read() may return data in parts, so try to read
     * until SSL_read() would return no data
     */

    for ( ;; ) {

        n = SSL_read(c->ssl->connection, buf, size > INT_MAX ? INT_MAX : size);

        kg_log_debug1(KG_LOG_DEBUG_EVENT, c->log, 0, "SSL_read: %d", n);

        if (n > 0) {
            bytes += n;
        }

        c->ssl->last = kg_ssl_handle_recv(c, n);

        if (c->ssl->last == KG_OK) {

            size -= n;

            if (size == 0) {
                c->read->ready = 1;
                return bytes;
            }

            buf += n;

            continue;
        }

        if (bytes) {
            if (c->ssl->last != KG_AGAIN) {
                c->read->ready = 1;
            }

            return bytes;
        }

        switch (c->ssl->last) {

        case KG_DONE:
            c->read->ready = 0;
            c->read->eof = 1;
            return 0;

        case KG_ERROR:
            c->read->ready = 0;
            c->read->error = 1;

            /* fall through */

        case KG_AGAIN:
            return c->ssl->last;
        }
    }
}


static kg_int_t
kg_ssl_handle_recv(kg_connection_t *c, int n)
{
    int        sslerr;
    kg_err_t   err;

    if (n > 0) {

        if (c->ssl->saved_write_handler) {

            c->write->handler = c->ssl->saved_write_handler;
            c->ssl->saved_write_handler = NULL;
            c->write->ready = 1;

            if (kg_handle_write_event(c->write, 0) != KG_OK) {
                return KG_ERROR;
            }

            kg_post_event(c->write, &kg_posted_events);
        }

        return KG_OK;
    }

    sslerr = SSL_get_error(c->ssl->connection, n);

    err = (sslerr == SSL_ERROR_SYSCALL) ? kg_errno : 0;

    kg_log_debug1(KG_LOG_DEBUG_EVENT, c->log, 0, "SSL_get_error: %d", sslerr);

    if (sslerr == SSL_ERROR_WANT_READ) {

        if (c->ssl->saved_write_handler) {

            c->write->handler = c->ssl->saved_write_handler;
            c->ssl->saved_write_handler = NULL;
            c->write->ready = 1;

            if (kg_handle_write_event(c->write, 0) != KG_OK) {
                return KG_ERROR;
            }

            kg_post_event(c->write, &kg_posted_events);
        }

        c->read->ready = 0;
        return KG_AGAIN;
    }

    if (sslerr == SSL_ERROR_WANT_WRITE) {

        /* a TLS 1.3 key update or ticket must be written first */

        c->write->ready = 0;

        if (kg_handle_write_event(c->write, 0) != KG_OK) {
            return KG_ERROR;
        }

        /*
         * we do not set the timer because there is already the read event
         * timer
         */

        if (c->ssl->saved_write_handler == NULL) {
            c->ssl->saved_write_handler = c->write->handler;
            c->write->handler = kg_ssl_write_handler;
        }

        return KG_AGAIN;
    }

    c->ssl->no_wait_shutdown = 1;
    c->ssl->no_send_shutdown = 1;

    if (sslerr == SSL_ERROR_ZERO_RETURN || ERR_peek_error() == 0) {
        kg_log_debug0(KG_LOG_DEBUG_EVENT, c->log, 0,
                      "peer shutdown SSL cleanly");
        return KG_DONE;
    }

    kg_ssl_connection_error(c, sslerr, err, "SSL_read() failed");

    return KG_ERROR;
}


static void
kg_ssl_write_handler(kg_event_t *wev)
{
    kg_connection_t  *c;

    c = wev->data;

    c->read->handler(c->read);
}


/*
 * no coalescing buffer: each buf becomes at least one TLS record, and
 * an unsent tail stays in the caller's chain, so memory stays bounded
 * by what the caller holds
 */

kg_chain_t *
kg_ssl_send_chain(kg_connection_t *c, kg_chain_t *in, off_t limit)
{
    off_t      send;
    size_t     size;
    ssize_t    n;
    kg_buf_t  *b;

    if (limit == 0 || limit > (off_t) (KG_MAX_SIZE_T_VALUE - kg_pagesize)) {
        limit = KG_MAX_SIZE_T_VALUE - kg_pagesize;
    }

    send = 0;

    while (in && send < limit) {
        b = in->buf;

        if (kg_buf_special(b) || b->pos == b->last) {
            in = in->next;
            continue;
        }

        if (b->in_file || !kg_buf_in_memory(b)) {
            kg_log_error(KG_LOG_ALERT, c->log, 0,
                         "bad buf in SSL output chain");
            return KG_CHAIN_ERROR;
        }

        size = b->last - b->pos;

        if ((off_t) size > limit - send) {
            size = (size_t) (limit - send);
        }

        n = kg_ssl_write(c, b->pos, size);

        if (n == KG_ERROR) {
            return KG_CHAIN_ERROR;
        }

        if (n == KG_AGAIN) {
            return in;
        }

        b->pos += n;
        send += n;

        if (b->pos == b->last) {
            in = in->next;
        }
    }

    return in;
}


ssize_t
kg_ssl_write(kg_connection_t *c, u_char *data, size_t size)
{
    int        n, sslerr;
    kg_err_t   err;

    kg_ssl_clear_error(c->log);

    kg_log_debug1(KG_LOG_DEBUG_EVENT, c->log, 0, "SSL to write: %uz", size);

    n = SSL_write(c->ssl->connection, data, size > INT_MAX ? INT_MAX : size);

    kg_log_debug1(KG_LOG_DEBUG_EVENT, c->log, 0, "SSL_write: %d", n);

    if (n > 0) {

        if (c->ssl->saved_read_handler) {

            c->read->handler = c->ssl->saved_read_handler;
            c->ssl->saved_read_handler = NULL;
            c->read->ready = 1;

            if (kg_handle_read_event(c->read, 0) != KG_OK) {
                return KG_ERROR;
            }

            kg_post_event(c->read, &kg_posted_events);
        }

        c->sent += n;

        return n;
    }

    sslerr = SSL_get_error(c->ssl->connection, n);

    if (sslerr == SSL_ERROR_ZERO_RETURN) {

        /*
         * a write after the peer's close_notify is a failed write, even
         * when OpenSSL calls it a clean shutdown
         */

        sslerr = SSL_ERROR_SYSCALL;
    }

    err = (sslerr == SSL_ERROR_SYSCALL) ? kg_errno : 0;

    kg_log_debug1(KG_LOG_DEBUG_EVENT, c->log, 0, "SSL_get_error: %d", sslerr);

    if (sslerr == SSL_ERROR_WANT_WRITE) {

        if (c->ssl->saved_read_handler) {

            c->read->handler = c->ssl->saved_read_handler;
            c->ssl->saved_read_handler = NULL;
            c->read->ready = 1;

            if (kg_handle_read_event(c->read, 0) != KG_OK) {
                return KG_ERROR;
            }

            kg_post_event(c->read, &kg_posted_events);
        }

        c->write->ready = 0;
        return KG_AGAIN;
    }

    if (sslerr == SSL_ERROR_WANT_READ) {

        kg_log_debug0(KG_LOG_DEBUG_EVENT, c->log, 0,
                      "SSL_write() wants to read");

        c->read->ready = 0;

        if (kg_handle_read_event(c->read, 0) != KG_OK) {
            return KG_ERROR;
        }

        /*
         * we do not set the timer because there is already
         * the write event timer
         */

        if (c->ssl->saved_read_handler == NULL) {
            c->ssl->saved_read_handler = c->read->handler;
            c->read->handler = kg_ssl_read_handler;
        }

        return KG_AGAIN;
    }

    c->ssl->no_wait_shutdown = 1;
    c->ssl->no_send_shutdown = 1;
    c->write->error = 1;

    kg_ssl_connection_error(c, sslerr, err, "SSL_write() failed");

    return KG_ERROR;
}


static void
kg_ssl_read_handler(kg_event_t *rev)
{
    kg_connection_t  *c;

    c = rev->data;

    c->write->handler(c->write);
}


/*
 * KG_OK or KG_ERROR: the SSL object is freed and c->recv is plain again;
 * KG_AGAIN: close_notify is in flight, c->ssl->handler(c) is called when
 * it is done or after 3 seconds
 */

kg_int_t
kg_ssl_shutdown(kg_connection_t *c)
{
    int         n, sslerr, mode;
    kg_int_t    rc;
    kg_err_t    err;
    kg_uint_t   tries;

    rc = KG_OK;

    kg_ssl_clear_error(c->log);

    if (SSL_in_init(c->ssl->connection)) {

        /* SSL_shutdown() during a handshake is an error: just free it */

        goto done;
    }

    if (c->timedout || c->error || c->buffered) {
        mode = SSL_RECEIVED_SHUTDOWN|SSL_SENT_SHUTDOWN;
        SSL_set_quiet_shutdown(c->ssl->connection, 1);

    } else {
        mode = SSL_get_shutdown(c->ssl->connection);

        if (c->ssl->no_wait_shutdown) {
            mode |= SSL_RECEIVED_SHUTDOWN;
        }

        if (c->ssl->no_send_shutdown) {
            mode |= SSL_SENT_SHUTDOWN;
        }

        if (c->ssl->no_wait_shutdown && c->ssl->no_send_shutdown) {
            SSL_set_quiet_shutdown(c->ssl->connection, 1);
        }
    }

    SSL_set_shutdown(c->ssl->connection, mode);

    tries = 2;

    for ( ;; ) {

        /*
         * For bidirectional shutdown, SSL_shutdown() needs to be called
         * twice: first call sends the "close notify" alert and returns 0,
         * second call waits for the peer's "close notify" alert.
         */

        n = SSL_shutdown(c->ssl->connection);

        kg_log_debug1(KG_LOG_DEBUG_EVENT, c->log, 0, "SSL_shutdown: %d", n);

        if (n == 1) {
            goto done;
        }

        if (n == 0 && tries-- > 1) {
            continue;
        }

        sslerr = SSL_get_error(c->ssl->connection, n);

        kg_log_debug1(KG_LOG_DEBUG_EVENT, c->log, 0,
                      "SSL_get_error: %d", sslerr);

        if (sslerr == SSL_ERROR_WANT_READ || sslerr == SSL_ERROR_WANT_WRITE) {
            c->read->handler = kg_ssl_shutdown_handler;
            c->write->handler = kg_ssl_shutdown_handler;

            if (sslerr == SSL_ERROR_WANT_READ) {
                c->read->ready = 0;

            } else {
                c->write->ready = 0;
            }

            if (kg_handle_read_event(c->read, 0) != KG_OK) {
                goto failed;
            }

            if (kg_handle_write_event(c->write, 0) != KG_OK) {
                goto failed;
            }

            kg_add_timer(c->read, 3000);

            return KG_AGAIN;
        }

        if (sslerr == SSL_ERROR_ZERO_RETURN || ERR_peek_error() == 0) {
            goto done;
        }

        err = (sslerr == SSL_ERROR_SYSCALL) ? kg_errno : 0;

        kg_ssl_connection_error(c, sslerr, err, "SSL_shutdown() failed");

        break;
    }

failed:

    rc = KG_ERROR;

done:

    SSL_free(c->ssl->connection);
    c->ssl->connection = NULL;
    c->ssl = NULL;

    c->recv = kg_recv;
    c->send = kg_send;
    c->recv_chain = kg_recv_chain;
    c->send_chain = kg_send_chain;

    return rc;
}


static void
kg_ssl_shutdown_handler(kg_event_t *ev)
{
    kg_connection_t           *c;
    kg_connection_handler_pt   handler;

    c = ev->data;
    handler = c->ssl->handler;

    if (ev->timedout) {
        c->timedout = 1;
    }

    kg_log_debug0(KG_LOG_DEBUG_EVENT, ev->log, 0, "SSL shutdown handler");

    if (kg_ssl_shutdown(c) == KG_AGAIN) {
        return;
    }

    handler(c);
}


/*
 * whatever a peer does to a TLS session is its own or the network's
 * fault: INFO or ERR as the connection's owner asked, never higher
 */

static void
kg_ssl_connection_error(kg_connection_t *c, int sslerr, kg_err_t err,
    char *text)
{
    kg_uint_t  level;

    switch (c->log_error) {

    case KG_ERROR_IGNORE_EINVAL:
    case KG_ERROR_IGNORE_ECONNRESET:
    case KG_ERROR_INFO:
        level = KG_LOG_INFO;
        break;

    default:
        level = KG_LOG_ERR;
        break;
    }

    kg_ssl_error(level, c->log, err, text);
}


/* a stale error would be blamed on the next, innocent, connection */

void
kg_ssl_clear_error(kg_log_t *log)
{
    while (ERR_peek_error()) {
        kg_ssl_error(KG_LOG_ERR, log, 0, "ignoring stale global SSL error");
    }

    ERR_clear_error();
}


void kg_cdecl
kg_ssl_error(kg_uint_t level, kg_log_t *log, kg_err_t err, char *fmt, ...)
{
    int           flags;
    u_long        n;
    va_list       args;
    u_char       *p, *last;
    const char   *data;
    u_char        errstr[KG_MAX_CONF_ERRSTR];

    last = errstr + KG_MAX_CONF_ERRSTR;

    va_start(args, fmt);
    p = kg_vslprintf(errstr, last - 1, fmt, args);
    va_end(args);

    if (ERR_peek_error()) {
        p = kg_cpystrn(p, (u_char *) " (SSL:", last - p);

        for ( ;; ) {

            n = ERR_peek_error_data(&data, &flags);

            if (n == 0) {
                break;
            }

            /* ERR_error_string_n() requires at least one byte */

            if (p >= last - 1) {
                goto next;
            }

            *p++ = ' ';

            ERR_error_string_n(n, (char *) p, last - p);

            while (p < last && *p) {
                p++;
            }

            if (p < last && *data && (flags & ERR_TXT_STRING)) {
                *p++ = ':';
                p = kg_cpystrn(p, (u_char *) data, last - p);
            }

        next:

            (void) ERR_get_error();
        }

        if (p < last) {
            *p++ = ')';
        }
    }

    kg_log_error(level, log, err, "%*s", p - errstr, errstr);
}


kg_int_t
kg_ssl_get_protocol(kg_connection_t *c, kg_pool_t *pool, kg_str_t *s)
{
    s->data = (u_char *) SSL_get_version(c->ssl->connection);
    s->len = kg_strlen(s->data);

    return KG_OK;
}


kg_int_t
kg_ssl_get_cipher_name(kg_connection_t *c, kg_pool_t *pool, kg_str_t *s)
{
    s->data = (u_char *) SSL_get_cipher_name(c->ssl->connection);
    s->len = kg_strlen(s->data);

    return KG_OK;
}


kg_int_t
kg_ssl_get_server_name(kg_connection_t *c, kg_pool_t *pool, kg_str_t *s)
{
    size_t       len;
    const char  *name;

    name = SSL_get_servername(c->ssl->connection, TLSEXT_NAMETYPE_host_name);

    if (name) {
        len = kg_strlen(name);

        s->len = len;
        s->data = kg_pnalloc(pool, len);
        if (s->data == NULL) {
            return KG_ERROR;
        }

        kg_memcpy(s->data, name, len);

        return KG_OK;
    }

    s->len = 0;

    return KG_OK;
}


/* the RFC 2253 form: what Kafka's ssl.principal.mapping.rules match */

kg_int_t
kg_ssl_get_subject_dn(kg_connection_t *c, kg_pool_t *pool, kg_str_t *s)
{
    return kg_ssl_get_dn(c, pool, s, 0);
}


kg_int_t
kg_ssl_get_issuer_dn(kg_connection_t *c, kg_pool_t *pool, kg_str_t *s)
{
    return kg_ssl_get_dn(c, pool, s, 1);
}


static kg_int_t
kg_ssl_get_dn(kg_connection_t *c, kg_pool_t *pool, kg_str_t *s,
    kg_uint_t issuer)
{
    int         len;
    BIO        *bio;
    X509       *cert;
    X509_NAME  *name;

    s->len = 0;

    cert = SSL_get1_peer_certificate(c->ssl->connection);
    if (cert == NULL) {
        return KG_OK;
    }

    name = issuer ? X509_get_issuer_name(cert) : X509_get_subject_name(cert);
    if (name == NULL) {
        X509_free(cert);
        return KG_ERROR;
    }

    bio = BIO_new(BIO_s_mem());
    if (bio == NULL) {
        kg_ssl_error(KG_LOG_ALERT, c->log, 0, "BIO_new() failed");
        X509_free(cert);
        return KG_ERROR;
    }

    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0) {
        kg_ssl_error(KG_LOG_ALERT, c->log, 0, "X509_NAME_print_ex() failed");
        goto failed;
    }

    len = BIO_pending(bio);

    s->len = len;
    s->data = kg_pnalloc(pool, len ? len : 1);
    if (s->data == NULL) {
        goto failed;
    }

    if (len && BIO_read(bio, s->data, len) != len) {
        kg_ssl_error(KG_LOG_ALERT, c->log, 0, "BIO_read() failed");
        goto failed;
    }

    BIO_free(bio);
    X509_free(cert);

    return KG_OK;

failed:

    s->len = 0;

    BIO_free(bio);
    X509_free(cert);

    return KG_ERROR;
}


/* "SUCCESS", "NONE" (no certificate) or "FAILED:reason" */

kg_int_t
kg_ssl_get_client_verify(kg_connection_t *c, kg_pool_t *pool, kg_str_t *s)
{
    long         rc;
    X509        *cert;
    const char  *str;

    cert = SSL_get1_peer_certificate(c->ssl->connection);
    if (cert == NULL) {
        kg_str_set(s, "NONE");
        return KG_OK;
    }

    X509_free(cert);

    rc = SSL_get_verify_result(c->ssl->connection);

    if (rc == X509_V_OK) {
        kg_str_set(s, "SUCCESS");
        return KG_OK;
    }

    str = X509_verify_cert_error_string(rc);

    s->data = kg_pnalloc(pool, sizeof("FAILED:") - 1 + kg_strlen(str));
    if (s->data == NULL) {
        return KG_ERROR;
    }

    s->len = kg_sprintf(s->data, "FAILED:%s", str) - s->data;

    return KG_OK;
}


/* OpenSSL is initialised once, before anything reads the configuration */

static void *
kg_openssl_create_conf(kg_cycle_t *cycle)
{
    kg_openssl_conf_t  *oscf;

    if (kg_ssl_init(cycle->log) != KG_OK) {
        return NULL;
    }

    oscf = kg_pcalloc(cycle->pool, sizeof(kg_openssl_conf_t));
    if (oscf == NULL) {
        return NULL;
    }

    oscf->initialized = 1;

    return oscf;
}
