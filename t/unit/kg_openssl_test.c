/*
 * Copyright (C) kgate authors
 */


/*
 * TLS through the real epoll loop: certificates are made at test time
 * with OpenSSL's API, both ends of a socketpair run kg_ssl_handshake(),
 * the SNI handler sees the requested name, the client certificate's
 * subject is read back in RFC 2253 form, and a server that does not
 * chain to the trusted CA (or does not match the name) is refused with
 * a log line that says why.
 */


#include <kg_config.h>
#include <kg_core.h>
#include <kg_event.h>

#include <setjmp.h>
#include <cmocka.h>

#include <kg_test_log.h>
#include <kg_test_cycle.h>
#include <kg_test_event.h>


#define TEST_LOOP_LIMIT  200


typedef struct {
    EVP_PKEY           *key;
    X509               *cert;
    char                cert_path[PATH_MAX];
    char                key_path[PATH_MAX];
} test_pki_t;


typedef struct {
    kg_pool_t          *pool;
    kg_cycle_t         *cycle;
    kg_log_t            log;
    kg_open_file_t      log_file;
    char                log_path[PATH_MAX];
    kg_conf_t           cf;

    int                 fds[2];
    kg_connection_t    *server;
    kg_connection_t    *client;
    kg_ssl_t            server_ssl;
    kg_ssl_t            client_ssl;

    kg_uint_t           done;
    kg_int_t            server_rc;
    kg_int_t            client_rc;

    kg_str_t            sni;
} test_ctx_t;


static test_ctx_t  t;
static test_pki_t  ca, other_ca, server_pki, client_pki;


static void make_ca(test_pki_t *p, const char *cn);
static void make_leaf(test_pki_t *p, test_pki_t *issuer, const char *cn,
    const char *org, const char *dns);
static void write_pem(test_pki_t *p, const char *name);
static void free_pki(test_pki_t *p);
static void setup_contexts(test_pki_t *trusted, kg_uint_t client_cert);
static void handshake(const char *host);
static void server_done(kg_connection_t *c);
static void client_done(kg_connection_t *c);
static kg_int_t servername(kg_connection_t *c, kg_str_t *name, void *data);
static void log_contains(const char *text);


static void
test_ssl_handshake_completes_both_roles(void **state)
{
    u_char     buf[16];
    ssize_t    n;
    kg_str_t   dn;
    kg_uint_t  i;

    setup_contexts(&ca, 1);

    handshake("localhost");

    assert_int_equal(t.server_rc, KG_OK);
    assert_int_equal(t.client_rc, KG_OK);
    assert_true(t.server->ssl->handshaked);
    assert_true(t.client->ssl->handshaked);

    /* the SNI handler saw the name the client asked for */

    assert_int_equal(t.sni.len, sizeof("localhost") - 1);
    assert_memory_equal(t.sni.data, "localhost", t.sni.len);

    /* the mTLS principal, as Kafka's mapping rules expect it */

    assert_int_equal(kg_ssl_get_subject_dn(t.server, t.pool, &dn), KG_OK);
    assert_int_equal(dn.len, sizeof("CN=client1,O=Acme") - 1);
    assert_memory_equal(dn.data, "CN=client1,O=Acme", dn.len);

    assert_int_equal(kg_ssl_get_client_verify(t.server, t.pool, &dn), KG_OK);
    assert_memory_equal(dn.data, "SUCCESS", dn.len);

    /* data flows through c->send / c->recv, now TLS */

    assert_int_equal(t.client->send(t.client, (u_char *) "ping", 4), 4);

    n = KG_AGAIN;

    for (i = 0; i < TEST_LOOP_LIMIT && n == KG_AGAIN; i++) {
        n = t.server->recv(t.server, buf, sizeof(buf));

        if (n == KG_AGAIN) {
            kg_process_events_and_timers(t.cycle);
        }
    }

    assert_int_equal(n, 4);
    assert_memory_equal(buf, "ping", 4);

    t.client->ssl->no_wait_shutdown = 1;
    assert_int_equal(kg_ssl_shutdown(t.client), KG_OK);
    assert_null(t.client->ssl);
    assert_true(t.client->recv == kg_recv);
}


static void
test_ssl_handshake_without_client_certificate(void **state)
{
    kg_str_t  dn;

    setup_contexts(&ca, 0);

    handshake("localhost");

    assert_int_equal(t.server_rc, KG_OK);
    assert_int_equal(t.client_rc, KG_OK);

    /* no certificate is no principal, and no error */

    assert_int_equal(kg_ssl_get_subject_dn(t.server, t.pool, &dn), KG_OK);
    assert_int_equal(dn.len, 0);

    assert_int_equal(kg_ssl_get_client_verify(t.server, t.pool, &dn), KG_OK);
    assert_memory_equal(dn.data, "NONE", dn.len);
}


static void
test_ssl_handshake_fails_with_wrong_ca(void **state)
{
    setup_contexts(&other_ca, 0);

    handshake("localhost");

    assert_int_equal(t.client_rc, KG_ERROR);
    assert_int_equal(t.server_rc, KG_ERROR);

    log_contains("upstream SSL certificate verify error: "
                 "(20:unable to get local issuer certificate)");
    log_contains("SSL_do_handshake() failed");
}


static void
test_ssl_handshake_fails_on_name_mismatch(void **state)
{
    setup_contexts(&ca, 0);

    handshake("broker.example.com");

    assert_int_equal(t.client_rc, KG_ERROR);

    log_contains("upstream SSL certificate verify error: "
                 "(62:hostname mismatch)");
}


static void
test_ssl_create_rejects_old_protocols(void **state)
{
    kg_ssl_t  ssl;

    kg_memzero(&ssl, sizeof(kg_ssl_t));
    ssl.log = &t.log;

    assert_int_equal(kg_ssl_create(&ssl, KG_SSL_TLSv1|KG_SSL_TLSv1_1, NULL),
                     KG_ERROR);

    log_contains("TLSv1.2 or TLSv1.3 is required");
}


static void
test_ssl_certificate_reports_missing_file(void **state)
{
    kg_ssl_t  ssl;
    kg_str_t  cert = kg_string("/nonexistent/kgate-cert.pem");

    kg_memzero(&ssl, sizeof(kg_ssl_t));
    ssl.log = &t.log;

    assert_int_equal(kg_ssl_create(&ssl, 0, NULL), KG_OK);
    assert_int_equal(kg_ssl_certificate(&t.cf, &ssl, &cert, &cert),
                     KG_ERROR);

    log_contains("cannot load certificate \"/nonexistent/kgate-cert.pem\"");

    SSL_CTX_free(ssl.ctx);
}


static void
setup_contexts(test_pki_t *trusted, kg_uint_t client_cert)
{
    kg_str_t  cert, key, cafile;

    t.server_ssl.log = &t.log;
    t.client_ssl.log = &t.log;

    assert_int_equal(kg_ssl_create(&t.server_ssl, 0, &t), KG_OK);
    assert_int_equal(kg_ssl_create(&t.client_ssl, 0, &t), KG_OK);

    cert.data = (u_char *) server_pki.cert_path;
    cert.len = kg_strlen(cert.data);
    key.data = (u_char *) server_pki.key_path;
    key.len = kg_strlen(key.data);

    assert_int_equal(kg_ssl_certificate(&t.cf, &t.server_ssl, &cert, &key),
                     KG_OK);

    cafile.data = (u_char *) ca.cert_path;
    cafile.len = kg_strlen(cafile.data);

    assert_int_equal(kg_ssl_client_certificate(&t.cf, &t.server_ssl,
                                               &cafile, 2),
                     KG_OK);

    assert_int_equal(kg_ssl_set_servername_handler(&t.server_ssl,
                                                   servername),
                     KG_OK);

    cafile.data = (u_char *) trusted->cert_path;
    cafile.len = kg_strlen(cafile.data);

    assert_int_equal(kg_ssl_trusted_certificate(&t.cf, &t.client_ssl,
                                                &cafile, 2),
                     KG_OK);

    if (client_cert) {
        cert.data = (u_char *) client_pki.cert_path;
        cert.len = kg_strlen(cert.data);
        key.data = (u_char *) client_pki.key_path;
        key.len = kg_strlen(key.data);

        assert_int_equal(kg_ssl_certificate(&t.cf, &t.client_ssl,
                                            &cert, &key),
                         KG_OK);
    }
}


static void
handshake(const char *host)
{
    kg_int_t   rc;
    kg_str_t   name;
    kg_uint_t  i;

    t.server = kg_test_wrap_fd(t.cycle, t.fds[0]);
    t.client = kg_test_wrap_fd(t.cycle, t.fds[1]);

    assert_int_equal(kg_ssl_create_connection(&t.server_ssl, t.server, 0),
                     KG_OK);
    assert_int_equal(kg_ssl_create_connection(&t.client_ssl, t.client,
                                              KG_SSL_CLIENT),
                     KG_OK);

    name.data = (u_char *) host;
    name.len = kg_strlen(host);

    assert_int_equal(kg_ssl_set_host(t.client, &name, 1), KG_OK);

    t.server->ssl->handler = server_done;
    t.client->ssl->handler = client_done;

    rc = kg_ssl_handshake(t.client);
    if (rc != KG_AGAIN) {
        client_done(t.client);
        t.client_rc = rc;
    }

    rc = kg_ssl_handshake(t.server);
    if (rc != KG_AGAIN) {
        server_done(t.server);
        t.server_rc = rc;
    }

    for (i = 0; i < TEST_LOOP_LIMIT && t.done < 2; i++) {
        kg_process_events_and_timers(t.cycle);
    }

    assert_int_equal(t.done, 2);
}


/* a handler is called when the handshake ends, either way */

static void
server_done(kg_connection_t *c)
{
    t.server_rc = c->ssl->handshaked ? KG_OK : KG_ERROR;
    t.done++;

    c->read->handler = kg_test_noop_handler;
    c->write->handler = kg_test_noop_handler;
}


static void
client_done(kg_connection_t *c)
{
    t.client_rc = c->ssl->handshaked ? KG_OK : KG_ERROR;
    t.done++;

    c->read->handler = kg_test_noop_handler;
    c->write->handler = kg_test_noop_handler;
}


static kg_int_t
servername(kg_connection_t *c, kg_str_t *name, void *data)
{
    assert_ptr_equal(data, &t);

    t.sni.data = kg_pnalloc(t.pool, name->len);
    assert_non_null(t.sni.data);

    kg_memcpy(t.sni.data, name->data, name->len);
    t.sni.len = name->len;

    return KG_OK;
}


static void
log_contains(const char *text)
{
    if (kg_test_log_count(&t.log, text) == 0) {
        print_error("\"%s\" not in the log:\n", text);
        kg_test_log_print(&t.log);
        fail();
    }
}


static EVP_PKEY *
make_key(void)
{
    EVP_PKEY  *key;

    key = EVP_EC_gen("P-256");
    assert_non_null(key);

    return key;
}


static void
make_ca(test_pki_t *p, const char *cn)
{
    X509_NAME       *name;
    X509V3_CTX       v3;
    X509_EXTENSION  *ext;

    p->key = make_key();
    p->cert = X509_new();
    assert_non_null(p->cert);

    assert_int_equal(X509_set_version(p->cert, 2), 1);
    ASN1_INTEGER_set(X509_get_serialNumber(p->cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(p->cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(p->cert), 86400);
    X509_set_pubkey(p->cert, p->key);

    name = X509_get_subject_name(p->cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const u_char *) cn, -1, -1, 0);
    X509_set_issuer_name(p->cert, name);

    X509V3_set_ctx(&v3, p->cert, p->cert, NULL, NULL, 0);

    ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
                              "critical,CA:TRUE");
    assert_non_null(ext);
    X509_add_ext(p->cert, ext, -1);
    X509_EXTENSION_free(ext);

    assert_true(X509_sign(p->cert, p->key, EVP_sha256()) > 0);
}


static void
make_leaf(test_pki_t *p, test_pki_t *issuer, const char *cn,
    const char *org, const char *dns)
{
    X509_NAME       *name;
    X509V3_CTX       v3;
    X509_EXTENSION  *ext;
    char             san[128];

    p->key = make_key();
    p->cert = X509_new();
    assert_non_null(p->cert);

    assert_int_equal(X509_set_version(p->cert, 2), 1);
    ASN1_INTEGER_set(X509_get_serialNumber(p->cert), 2);
    X509_gmtime_adj(X509_getm_notBefore(p->cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(p->cert), 86400);
    X509_set_pubkey(p->cert, p->key);

    name = X509_get_subject_name(p->cert);

    if (org) {
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                   (const u_char *) org, -1, -1, 0);
    }

    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               (const u_char *) cn, -1, -1, 0);

    X509_set_issuer_name(p->cert, X509_get_subject_name(issuer->cert));

    if (dns) {
        X509V3_set_ctx(&v3, issuer->cert, p->cert, NULL, NULL, 0);

        (void) snprintf(san, sizeof(san), "DNS:%s", dns);

        ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
        assert_non_null(ext);
        X509_add_ext(p->cert, ext, -1);
        X509_EXTENSION_free(ext);
    }

    assert_true(X509_sign(p->cert, issuer->key, EVP_sha256()) > 0);
}


static void
write_pem(test_pki_t *p, const char *name)
{
    int    fd;
    FILE  *f;
    char  *dir;

    dir = getenv("KG_TEST_BUILDDIR");

    (void) snprintf(p->cert_path, PATH_MAX, "%s/kg_openssl_test_%s.XXXXXX",
                    (dir && *dir) ? dir : ".", name);
    fd = mkstemp(p->cert_path);
    assert_true(fd != -1);
    f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, p->cert), 1);
    (void) fclose(f);

    (void) snprintf(p->key_path, PATH_MAX, "%s/kg_openssl_test_%s_key.XXXXXX",
                    (dir && *dir) ? dir : ".", name);
    fd = mkstemp(p->key_path);
    assert_true(fd != -1);
    f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_PrivateKey(f, p->key, NULL, NULL, 0, NULL,
                                          NULL),
                     1);
    (void) fclose(f);
}


static void
free_pki(test_pki_t *p)
{
    (void) unlink(p->cert_path);
    (void) unlink(p->key_path);

    X509_free(p->cert);
    EVP_PKEY_free(p->key);
}


static int
group_setup(void **state)
{
    make_ca(&ca, "kgate test CA");
    make_ca(&other_ca, "another CA");
    make_leaf(&server_pki, &ca, "localhost", NULL, "localhost");
    make_leaf(&client_pki, &ca, "client1", "Acme", NULL);

    write_pem(&ca, "ca");
    write_pem(&other_ca, "other_ca");
    write_pem(&server_pki, "server");
    write_pem(&client_pki, "client");

    return 0;
}


static int
group_teardown(void **state)
{
    free_pki(&ca);
    free_pki(&other_ca);
    free_pki(&server_pki);
    free_pki(&client_pki);

    return 0;
}


static int
setup(void **state)
{
    kg_memzero(&t, sizeof(test_ctx_t));

    t.fds[0] = -1;
    t.fds[1] = -1;

    if (kg_test_log_open(&t.log, &t.log_file, t.log_path,
                         "kg_openssl_test_log")
        != KG_OK)
    {
        return -1;
    }

    t.cycle = kg_test_cycle_create(&t.log, NULL);
    if (t.cycle == NULL) {
        return -1;
    }

    t.pool = t.cycle->pool;
    t.cycle->new_log = t.log;

    if (kg_test_events_init(t.cycle) != KG_OK) {
        return -1;
    }

    t.cf.cycle = t.cycle;
    t.cf.pool = t.pool;
    t.cf.log = &t.log;

    if (socketpair(AF_UNIX, SOCK_STREAM|SOCK_NONBLOCK, 0, t.fds) == -1) {
        return -1;
    }

    return 0;
}


static int
teardown(void **state)
{
    if (t.server) {
        kg_close_connection(t.server);

    } else if (t.fds[0] != -1) {
        (void) close(t.fds[0]);
    }

    if (t.client) {
        kg_close_connection(t.client);

    } else if (t.fds[1] != -1) {
        (void) close(t.fds[1]);
    }

    kg_event_core_module.exit_process(t.cycle);


    (void) close(t.log_file.fd);

    /* the pool cleanups free the SSL objects left after a failure */

    kg_destroy_pool(t.pool);

    if (t.server_ssl.ctx) {
        kg_ssl_cleanup_ctx(&t.server_ssl);
    }

    if (t.client_ssl.ctx) {
        kg_ssl_cleanup_ctx(&t.client_ssl);
    }

    return 0;
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test_setup_teardown(
            test_ssl_handshake_completes_both_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_ssl_handshake_without_client_certificate, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_ssl_handshake_fails_with_wrong_ca, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_ssl_handshake_fails_on_name_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_ssl_create_rejects_old_protocols, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_ssl_certificate_reports_missing_file, setup, teardown),
    };

    kg_time_init();

    if (kg_strerror_init() != KG_OK) {
        return 1;
    }

    /* kg_os_init() wants the argv of a real main() */

    kg_pagesize = getpagesize();

    if (kg_preinit_modules() != KG_OK) {
        return 1;
    }

    if (kg_ssl_init(kg_log_init(NULL, (u_char *) "")) != KG_OK) {
        return 1;
    }

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
