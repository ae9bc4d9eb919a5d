#!/bin/bash

# Copyright (C) kgate authors

# Test certificates for the TLS tests, made with openssl at test time
# (no key is ever committed).
#
#   tls_certs.sh DIR [SNI_DOMAIN]
#
# SNI_DOMAIN (default gw.kgate.test) is the domain of the names kgate
# serves in SNI mode: broker-N.SNI_DOMAIN.  DIR gets:
#
#   ca.crt ca.key              the test CA
#   other-ca.crt other-ca.key  a CA nobody's certificate is signed by
#   broker.crt broker.key      brokers: DNS:broker.kafka.test, localhost,
#                              IP:127.0.0.1; server and client auth (the
#                              brokers present it to each other too)
#   broker.p12                 the broker's key and chain, PKCS12
#   truststore.p12             the CA as a trusted entry, PKCS12 (Java)
#   kgate.crt kgate.key        kgate's route certificate: DNS:kgate.kafka.test,
#                              *.SNI_DOMAIN, SNI_DOMAIN, localhost,
#                              IP:127.0.0.1
#   client.crt client.key      a client certificate (CN=kgate-client), what
#                              kgate presents to brokers that want one
#   password                   the PKCS12 password
#
# Prints nothing and exits 0 on success; openssl's messages on failure.

set -eu

dir=${1:?usage: tls_certs.sh DIR [SNI_DOMAIN]}
domain=${2:-gw.kgate.test}
pass=kgate-test
days=2

mkdir -p "$dir"
cd "$dir"

exec 3>&2 2>openssl.log
trap 'rc=$?; [ $rc -ne 0 ] && cat openssl.log >&3; exit $rc' EXIT

echo "$pass" > password

# EC keys: quick to make, and both OpenSSL and Java 17 speak ECDHE-ECDSA

key() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$1.key"
}

ca() {
    key "$1"
    openssl req -x509 -new -key "$1.key" -sha256 -days "$days" \
        -subj "/O=kgate tests/CN=$2" -out "$1.crt" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign
}

# leaf NAME CN SAN EKU
leaf() {
    key "$1"
    openssl req -new -key "$1.key" -subj "/O=kgate tests/CN=$2" \
        -out "$1.csr"
    cat > "$1.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = $4
subjectAltName = $3
EOF
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key \
        -CAcreateserial -sha256 -days "$days" -extfile "$1.ext" \
        -out "$1.crt"
    rm -f "$1.csr" "$1.ext"
}

ca ca 'kgate test CA'
ca other-ca 'kgate other CA'

leaf broker kafka-broker \
    'DNS:broker.kafka.test, DNS:localhost, IP:127.0.0.1' \
    'serverAuth, clientAuth'

leaf kgate kgate.kafka.test \
    "DNS:kgate.kafka.test, DNS:*.$domain, DNS:$domain, DNS:localhost,"\
" IP:127.0.0.1" \
    'serverAuth'

leaf client kgate-client 'DNS:kgate-client' 'clientAuth'

openssl pkcs12 -export -name broker -inkey broker.key -in broker.crt \
    -certfile ca.crt -passout "pass:$pass" -out broker.p12

# Java only trusts a certificate of a PKCS12 file that carries its own
# "trusted for" attribute: -jdktrust (OpenSSL 3.0) writes it; keytool is
# the way without it

if ! openssl pkcs12 -export -nokeys -in ca.crt -jdktrust anyExtendedKeyUsage \
        -passout "pass:$pass" -out truststore.p12
then
    rm -f truststore.p12
    keytool -importcert -noprompt -alias ca -file ca.crt \
        -storetype PKCS12 -keystore truststore.p12 -storepass "$pass"
fi

chmod 600 ./*.key

exit 0
