#!/bin/bash

# Copyright (C) kgate authors

# Every test client straight against a 3-broker Kafka 0.9.0.1 cluster and
# against librdkafka's mock cluster: produce and consume COUNT messages,
# commit and resume a consumer group, list the brokers.  Prints one JSON
# line per step and a timing table; exits non-zero if any step failed.
#
#   selftest.sh [-n COUNT] [-d DIR] [-z ZKPORT] [-p FIRSTPORT] [cluster|mock]
#
# Needs: make (kg_mock_cluster, kg_rdkafka_client), npm install in t/.

set -u

here=$(cd "$(dirname "$0")" && pwd)
count=100000
dir=
zkport=22181
port=29092
targets=

while getopts "n:d:z:p:" o; do
    case $o in
    n) count=$OPTARG ;;
    d) dir=$OPTARG ;;
    z) zkport=$OPTARG ;;
    p) port=$OPTARG ;;
    *) echo "usage: selftest.sh [-n COUNT] [-d DIR] [-z ZKPORT]" \
            "[-p FIRSTPORT] [cluster|mock]" >&2
       exit 2 ;;
    esac
done
shift $((OPTIND - 1))
targets=${*:-cluster mock}

owndir=
if [ -z "$dir" ]; then
    dir=$(mktemp -d -t kg-kafka-selftest.XXXXXX) || exit 2
    owndir=1
fi

make -s -C "$here" >&2 || exit 2

failed=0
summary=()
mock_pid=

cleanup() {
    if [ -n "$mock_pid" ]; then
        { echo quit >&"${MOCK[1]}"; } 2>/dev/null
        wait "$mock_pid" 2>/dev/null
    fi
    if [ -f "$dir/cluster.json" ]; then
        "$here/kafka_cluster.py" stop --dir "$dir" > /dev/null
    fi
    [ -n "$owndir" ] && rm -rf "$dir"
}
trap cleanup EXIT

now() { date +%s.%N; }

# step NAME COMMAND...: run, print its JSON, record time and result
step() {
    local name=$1 t0 rc el
    shift
    t0=$(now)
    "$@"
    rc=$?
    el=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
    if [ $rc != 0 ]; then
        failed=$((failed + 1))
        summary+=("$(printf '%-44s %7ss  FAILED' "$name" "$el")")
    else
        summary+=("$(printf '%-44s %7ss  ok' "$name" "$el")")
    fi
}

python_clients() {
    local tgt=$1 b=$2 kpv=$3 ckv=$4

    step "$tgt kafka-python metadata" \
        "$here/produce_consume.py" metadata --bootstrap "$b" \
        --api-version "$kpv"
    step "$tgt kafka-python produce $count" \
        "$here/produce_consume.py" produce --bootstrap "$b" \
        --api-version "$kpv" --topic kp --count "$count" --acks all
    step "$tgt kafka-python consume (group)" \
        "$here/produce_consume.py" consume --bootstrap "$b" \
        --api-version "$kpv" --topic kp --group kp-g1 --count "$count"
    step "$tgt kafka-python commit-resume" \
        "$here/produce_consume.py" commit-resume --bootstrap "$b" \
        --api-version "$kpv" --topic kp --group kp-g2 --count "$count"

    step "$tgt confluent-kafka metadata" \
        "$here/produce_consume_ck.py" metadata --bootstrap "$b" \
        --broker-version "$ckv"
    step "$tgt confluent-kafka produce $count" \
        "$here/produce_consume_ck.py" produce --bootstrap "$b" \
        --broker-version "$ckv" --topic ck --count "$count" --acks all
    step "$tgt confluent-kafka consume (group)" \
        "$here/produce_consume_ck.py" consume --bootstrap "$b" \
        --broker-version "$ckv" --topic ck --group ck-g1 --count "$count"
    step "$tgt confluent-kafka commit-resume" \
        "$here/produce_consume_ck.py" commit-resume --bootstrap "$b" \
        --broker-version "$ckv" --topic ck --group ck-g2 --count "$count"
}

c_clients() {
    local tgt=$1 b=$2 v=$3

    step "$tgt rdkafka-c metadata" \
        "$here/kg_rdkafka_client" metadata -b "$b" -V "$v"
    step "$tgt rdkafka-c produce $count" \
        "$here/kg_rdkafka_client" produce -b "$b" -V "$v" -t rc -n "$count" \
        -a all
    step "$tgt rdkafka-c consume (no group)" \
        "$here/kg_rdkafka_client" consume -b "$b" -V "$v" -t rc -n "$count"
    step "$tgt rdkafka-c consume (group)" \
        "$here/kg_rdkafka_client" consume -b "$b" -V "$v" -t rc -g rc-g1 \
        -n "$count"
    step "$tgt rdkafka-c commit-resume" \
        "$here/kg_rdkafka_client" commit-resume -b "$b" -V "$v" -t rc \
        -g rc-g2 -n "$count"

    step "$tgt kcat metadata" \
        "$here/kcat_client.sh" metadata -b "$b" -V "$v"
    step "$tgt kcat produce $count" \
        "$here/kcat_client.sh" produce -b "$b" -V "$v" -t kc -n "$count" \
        -a all
    step "$tgt kcat consume (no group)" \
        "$here/kcat_client.sh" consume -b "$b" -V "$v" -t kc -n "$count"
    step "$tgt kcat commit-resume (-G)" \
        "$here/kcat_client.sh" commit-resume -b "$b" -V "$v" -t kc -g kc-g1 \
        -n "$count"
}

for tgt in $targets; do
    case $tgt in
    cluster)
        step "cluster start (1 zk + 3 brokers)" \
            "$here/kafka_cluster.py" start --dir "$dir" --zk-port "$zkport" \
            --chroot /c1 --brokers 3 --first-id 1 \
            --ports "$port,$((port + 1)),$((port + 2))" --lifetime 3600
        b="127.0.0.1:$port,127.0.0.1:$((port + 1)),127.0.0.1:$((port + 2))"

        python_clients cluster "$b" 0.9 0.9.0.1
        c_clients cluster "$b" 0.9.0.1

        step "cluster java-console roundtrip $count" \
            "$here/java_client.sh" roundtrip -b "$b" -t jv -g jv-g1 \
            -n "$count" -a -1

        step "cluster stop-broker 2 during produce" \
            bash -c '"$0/produce_consume_ck.py" produce --bootstrap "$1" \
                         --topic rs --count "$2" --acks all > "$3/rs.json" &
                     p=$!
                     sleep 0.5
                     "$0/kafka_cluster.py" stop-broker --dir "$3" --id 2 \
                         > /dev/null || exit 1
                     wait $p; rc=$?; cat "$3/rs.json"; exit $rc' \
            "$here" "$b" "$count" "$dir"
        step "cluster start-broker 2" \
            bash -c '"$0/kafka_cluster.py" start-broker --dir "$1" --id 2 \
                         > /dev/null' "$here" "$dir"
        step "cluster consume after restart" \
            "$here/produce_consume_ck.py" consume --bootstrap "$b" \
            --topic rs --count "$count" --allow-duplicates

        step "cluster status" \
            bash -c '"$0/kafka_cluster.py" status --dir "$1" \
                     | /usr/bin/python3 -c "import json, sys
d = json.load(sys.stdin)
print(json.dumps({\"total_rss_kb\": d[\"total_rss_kb\"]}))"' "$here" "$dir"
        step "cluster stop" "$here/kafka_cluster.py" stop --dir "$dir"
        ;;

    mock)
        coproc MOCK { exec "$here/kg_mock_cluster" -b 3 -t kp:6:3 -t ck:6:3 \
                           -t rc:6:3 -t kc:6:3; }
        mock_pid=$MOCK_PID
        read -r b <&"${MOCK[0]}"
        echo "mock bootstrap: $b" >&2

        python_clients mock "$b" auto auto
        c_clients mock "$b" auto

        echo quit >&"${MOCK[1]}"
        wait "$mock_pid"
        mock_pid=
        ;;
    esac
done

printf '%s\n' "${summary[@]}"
echo "failed steps: $failed"

[ $failed = 0 ]
