#!/bin/bash

# Copyright (C) kgate authors

# kcat (Debian's kcat 1.7, librdkafka 2.0) as a test client.
#
#   kcat_client.sh produce       -b B -t T -n N [-s SIZE] [-a ACKS]
#   kcat_client.sh consume       -b B -t T -n N [-T SECONDS]
#   kcat_client.sh group-consume -b B -t T -g G -n N [-T SECONDS]
#   kcat_client.sh commit-resume -b B -t T -g G -n N [-T SECONDS]
#   kcat_client.sh metadata      -b B
#
# -V VERSION is broker.version.fallback (default 0.9.0.1); "auto" lets
# librdkafka send ApiVersions (newer brokers, librdkafka's mock).  Payloads
# are lines "kg%010d" padded with dots to SIZE bytes; each command prints
# one JSON line and exits non-zero unless every message was accounted for.
# The kcat command lines used are printed with -v.

set -u

cmd=${1:-}
[ $# -gt 0 ] && shift

bootstrap='' topic='' group='' count=1000 size=100 acks=1 timeout=120
version=0.9.0.1 verbose=

while getopts "b:t:g:n:s:a:T:V:v" o; do
    case $o in
    b) bootstrap=$OPTARG ;;
    t) topic=$OPTARG ;;
    g) group=$OPTARG ;;
    n) count=$OPTARG ;;
    s) size=$OPTARG ;;
    a) acks=$OPTARG ;;
    T) timeout=$OPTARG ;;
    V) version=$OPTARG ;;
    v) verbose=1 ;;
    *) cmd=usage ;;
    esac
done

if [ "$version" = auto ]; then
    X=(-X api.version.request=true)
else
    # Kafka 0.9 has no ApiVersions request
    X=(-X api.version.request=false -X broker.version.fallback="$version")
fi

work=$(mktemp -d -t kg-kcat-client.XXXXXX) || exit 2
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

exec 3>&2

run() {
    [ -n "$verbose" ] && echo "+ $*" >&3
    "$@"
}

payloads() {
    awk -v n="$count" -v size="$size" 'BEGIN {
        pad = ""
        for (i = 12; i < size; i++) pad = pad "."
        for (i = 0; i < n; i++) printf "kg%010d%s\n", i, pad
    }'
}

# count, unique, duplicates, foreign of payload lines on stdin
tally() {
    awk -v n="$count" -v cmd="$1" -v topic="$topic" -v group="$group" \
        -v rc="$2" -v el="$3" -v extra="${4:-}" '
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
            printf "{\"client\": \"kcat\", \"cmd\": \"%s\", ", cmd
            printf "\"topic\": \"%s\", \"group\": \"%s\", \"count\": %d, ",
                topic, group, n
            printf "\"received\": %d, \"unique\": %d, \"missing\": %d, ",
                total, uniq, missing
            printf "\"duplicates\": %d, \"foreign\": %d, \"exit\": %d, ",
                dups, foreign, rc
            printf "%s\"elapsed_s\": %s, \"ok\": %s}\n", extra, el,
                ok ? "true" : "false"
            exit ok ? 0 : 1
        }'
}

produce() {
    local t0 rc err

    t0=$(now)

    # kcat exits 0 even if deliveries failed; they are logged as
    # "% Delivery failed" / "% ERROR"
    payloads | run kcat -b "$bootstrap" -t "$topic" -P "${X[@]}" \
        -X acks="$acks" -X linger.ms=5 -X sticky.partitioning.linger.ms=0 \
        -X message.timeout.ms=$((timeout * 1000)) \
        > "$work/produce.log" 2>&1
    rc=$?

    err=$(grep -c "Delivery failed\|ERROR" "$work/produce.log")

    printf '{"client": "kcat", "cmd": "produce", "topic": "%s",' "$topic"
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

    run timeout "$timeout" kcat -b "$bootstrap" -t "$topic" -C -e \
        -o beginning -q "${X[@]}" > "$work/consume.out" 2> "$work/consume.log"
    rc=$?

    tally consume "$rc" "$(elapsed "$t0")" < "$work/consume.out"
}

# kcat -G: balanced consumer group; -c stops after that many messages and
# the offsets of exactly those are committed on exit
group_consume() {
    local max=$1 out=$2

    run timeout "$timeout" kcat -b "$bootstrap" -G "$group" ${max:+-c $max} \
        -e -q "${X[@]}" -X auto.offset.reset=earliest \
        -X session.timeout.ms=10000 "$topic" > "$out" 2>> "$work/group.log"
}

cmd_group_consume() {
    local t0 rc

    t0=$(now)
    group_consume "" "$work/g.out"
    rc=$?
    tally group-consume "$rc" "$(elapsed "$t0")" < "$work/g.out"
}

commit_resume() {
    local t0 rc1 rc2 n1 half

    t0=$(now)
    half=$((count / 2))

    group_consume "$half" "$work/g1.out"
    rc1=$?
    group_consume "" "$work/g2.out"
    rc2=$?

    n1=$(wc -l < "$work/g1.out")

    [ "$n1" = "$half" ] || rc1=1

    cat "$work/g1.out" "$work/g2.out" \
        | tally commit-resume "$((rc1 | rc2))" "$(elapsed "$t0")" \
                "\"phase1\": $n1, "
}

metadata() {
    local t0 rc

    t0=$(now)
    run kcat -b "$bootstrap" -L -J "${X[@]}" > "$work/md.json" \
        2> "$work/md.log"
    rc=$?

    /usr/bin/python3 - "$work/md.json" "$rc" "$(elapsed "$t0")" <<'EOF'
import json, sys
try:
    md = json.load(open(sys.argv[1]))
except ValueError:
    md = {'brokers': [], 'topics': []}
out = {'client': 'kcat', 'cmd': 'metadata',
       'brokers': [b['name'] for b in md.get('brokers', [])],
       'ids': [b['id'] for b in md.get('brokers', [])],
       'topics': sorted(t['topic'] for t in md.get('topics', [])
                        if not t['topic'].startswith('__')),
       'exit': int(sys.argv[2]), 'elapsed_s': float(sys.argv[3])}
out['ok'] = out['exit'] == 0 and bool(out['brokers'])
print(json.dumps(out))
sys.exit(0 if out['ok'] else 1)
EOF
}

if [ -z "$bootstrap" ] || { [ "$cmd" != metadata ] && [ -z "$topic" ]; } \
   || { [ "${cmd%consume}" != "$cmd" ] && [ "$cmd" != consume ] \
        && [ -z "$group" ]; } \
   || { [ "$cmd" = commit-resume ] && [ -z "$group" ]; }
then
    cmd=usage
fi

case $cmd in
produce)        produce ;;
consume)        consume ;;
group-consume)  cmd_group_consume ;;
commit-resume)  commit_resume ;;
metadata)       metadata ;;
*)
    echo "usage: kcat_client.sh produce|consume|group-consume|commit-resume|" \
         "metadata -b BOOTSTRAP [-t TOPIC] [-g GROUP] [-n COUNT] [-s SIZE]" \
         "[-a ACKS] [-T SECONDS] [-V VERSION|auto] [-v]" >&2
    exit 2
    ;;
esac
