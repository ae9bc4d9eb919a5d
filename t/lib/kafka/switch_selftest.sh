#!/bin/bash

# Copyright (C) kgate authors

# switch_load.py straight against brokers, no kgate: two Kafka 0.9.0.1
# clusters on one ZooKeeper, and librdkafka's mock cluster.
#
#   cluster: a consumer group member and a producer run against cluster A
#            while, mid-run, every broker of A is killed (SIGKILL) at once,
#            stays down for a few seconds and starts again; then account
#            reads back A and B: no acked message may be lost.  A short
#            run against B checks that account finds messages in the
#            second cluster.  SIGTERM, a
#            dead bootstrap address and a dead cluster must all end in
#            bounded time.
#   mock:    the same outage with the mock brokers' down/up commands.
#
#   switch_selftest.sh [-d DIR] [-z ZKPORT] [-p FIRSTPORT] [-b BROKERS]
#                      [-r RATE] [-s SECONDS] [-o OUTAGE] [-G] [cluster|mock]
#
# -G stops the brokers gracefully (SIGTERM, controlled shutdown) instead:
# Kafka 0.9 then moves leaders while the producer writes and can truncate
# messages it already acknowledged with acks=all (the log truncation
# problem fixed by KIP-101 in 0.11), so account may report lost messages
# that are the brokers' doing.  SIGKILL of every broker at once moves no
# leader; the restarted brokers elect one from the old in-sync replicas.
#
# Ports: ZKPORT, and FIRSTPORT .. FIRSTPORT+2*BROKERS-1 for the brokers;
# the defaults lie above the kernel's ephemeral range, where no outgoing
# connection can hold them.  Prints one JSON line per step, the outage
# times, the pause figures and RSS, and a timing table; exits non-zero if
# any step failed.

set -u

here=$(cd "$(dirname "$0")" && pwd)
load="$here/switch_load.py"
cluster="$here/kafka_cluster.py"

dir=
zkport=61181
port=61091
brokers=3
rate=500
secs=20
outage=5
kill=--kill
targets=

while getopts "d:z:p:b:r:s:o:G" o; do
    case $o in
    d) dir=$OPTARG ;;
    z) zkport=$OPTARG ;;
    p) port=$OPTARG ;;
    b) brokers=$OPTARG ;;
    r) rate=$OPTARG ;;
    s) secs=$OPTARG ;;
    o) outage=$OPTARG ;;
    G) kill= ;;
    *) echo "usage: switch_selftest.sh [-d DIR] [-z ZKPORT] [-p FIRSTPORT]" \
            "[-b BROKERS] [-r RATE] [-s SECONDS] [-o OUTAGE] [-G]" \
            "[cluster|mock]" >&2
       exit 2 ;;
    esac
done
shift $((OPTIND - 1))
targets=${*:-cluster mock}

owndir=
if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/kg-switch-selftest.XXXXXX") || exit 2
    owndir=1
fi
mkdir -p "$dir"

failed=0
summary=()
mock_pid=
bg=()

cleanup() {
    local p
    for p in "${bg[@]}"; do
        kill "$p" 2>/dev/null
    done
    if [ -n "$mock_pid" ]; then
        echo quit >&"${MOCK[1]}" 2>/dev/null
        wait "$mock_pid" 2>/dev/null
    fi
    if [ -f "$dir/kafka/cluster.json" ]; then
        "$cluster" stop --dir "$dir/kafka" > /dev/null
    fi
    [ -n "$owndir" ] && rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

record() {
    local name=$1 el=$2 rc=$3
    if [ "$rc" != 0 ]; then
        failed=$((failed + 1))
        summary+=("$(printf '%-46s %7ss  FAILED' "$name" "$el")")
    else
        summary+=("$(printf '%-46s %7ss  ok' "$name" "$el")")
    fi
}

# step NAME COMMAND...: run, record time and result
step() {
    local name=$1 t0 rc
    shift
    t0=$(now)
    "$@"
    rc=$?
    record "$name" "$(since "$t0")" $rc
    return $rc
}

# jq-less JSON checks: check FILE PYTHON-EXPRESSION-ON-d
check() {
    /usr/bin/python3 - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ok = eval("(" + sys.argv[2] + ")", {}, {"d": d})
if not ok:
    print('check failed: %s' % sys.argv[2], file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}

# the figures a switch test looks at, from a produce summary
figures() {
    /usr/bin/python3 - "$@" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
keys = ('sent', 'acked', 'failed', 'unreported', 'errors', 'max_gap_ms',
        'first_ack_ms', 'max_acked_send_gap_ms', 'ack_latency_ms')
out = {k: p[k] for k in keys}
out['gaps'] = [[g['t'], g['ms']] + (['open'] if g.get('open') else [])
               for g in p['gaps']]
if len(sys.argv) > 2:
    a = json.load(open(sys.argv[2]))
    out['account'] = {k: a.get(k) for k in ('lost', 'duplicates',
                      'in_both_clusters', 'not_acked_but_present',
                      'complete', 'ok')}
if len(sys.argv) > 3:
    c = json.load(open(sys.argv[3]))
    out['consume'] = {k: c.get(k) for k in ('received', 'unique',
                      'duplicates', 'offset_rewinds', 'max_gap_ms',
                      'acked_not_received', 'ok')}
    out['consume']['rebalances'] = [(r['t'], r['event'])
                                    for r in c.get('rebalances', [])]
print(json.dumps(out, sort_keys=True))
EOF
}

# mid-run outage of every broker of cluster A (ids 1..N), by the script:
# stops in parallel, restarts one after the other (kafka_cluster.py keeps
# its state in one file: parallel start-broker calls would overwrite it)
outage_cluster() {
    local i t pids=()
    sleep "$1"
    t=$(now)
    echo "outage: stopping brokers 1..$brokers ${kill:-(graceful)} at $t" >&2
    echo "stop_begin $t" >> "$dir/outage.times"
    for i in $(seq 1 "$brokers"); do
        "$cluster" stop-broker --dir "$dir/kafka" --id "$i" $kill \
            > /dev/null &
        pids+=($!)
    done
    wait "${pids[@]}"
    echo "stopped $(now)" >> "$dir/outage.times"
    # a killed broker stays registered until its ZooKeeper session
    # expires (6 s), start-broker waits for that
    sleep "$outage"
    echo "start_begin $(now)" >> "$dir/outage.times"
    for i in $(seq 1 "$brokers"); do
        "$cluster" start-broker --dir "$dir/kafka" --id "$i" --timeout 60 \
            > /dev/null || return 1
    done
    echo "started $(now)" >> "$dir/outage.times"
}

outage_mock() {
    local i
    sleep "$1"
    echo "outage: mock brokers down at $(now)" >&2
    echo "stop_begin $(now)" >> "$dir/outage.times"
    for i in $(seq 1 "$brokers"); do
        echo "down $i" >&"${MOCK[1]}"
    done
    sleep "$outage"
    echo "start_begin $(now)" >> "$dir/outage.times"
    for i in $(seq 1 "$brokers"); do
        echo "up $i" >&"${MOCK[1]}"
    done
}

# outage_run TAG BOOTSTRAP VERSION OUTAGE-FUNCTION: consumer + producer
# with an outage in the middle, then account
outage_run() {
    local tag=$1 b=$2 v=$3 fn=$4 run t0 rc=0 cpid ppid
    local out=$dir/$tag
    run=$(printf '%08x' $((RANDOM * 32768 + RANDOM)))
    rm -f "$dir/outage.times"

    t0=$(now)
    "$load" consume --bootstrap "$b" --broker-version "$v" --topic "$tag" \
        --group "$tag-g" --run-id "$run" --duration $((secs + 30)) \
        --count $((rate * secs)) --produced "$out-produce.json" \
        --out "$out-consume.json" > /dev/null &
    cpid=$!
    bg+=("$cpid")
    "$load" produce --bootstrap "$b" --broker-version "$v" --topic "$tag" \
        --rate "$rate" --duration "$secs" --acks all --run-id "$run" \
        --out "$out-produce.json" > /dev/null &
    ppid=$!
    bg+=("$ppid")
    $fn $((secs / 3)) || rc=1
    wait "$ppid"
    record "$tag produce ${secs}s at $rate/s, outage ${outage}s" \
        "$(since "$t0")" $rc
    cat "$dir/outage.times" >&2

    step "$tag account (no acked message lost)" \
        "$load" account --produced "$out-produce.json" --cluster-a "$b" \
        ${5:+--cluster-b "$5"} --broker-version "$v" --out "$out-account.json"
    wait "$cpid"
    bg=()
    step "$tag consumer received every acked message" \
        check "$out-consume.json" \
        'd["unique"] > 0 and d.get("acked_not_received") == 0'
    figures "$out-produce.json" "$out-account.json" "$out-consume.json"
}

rss() {
    "$cluster" status --dir "$dir/kafka" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(json.dumps({
    "total_rss_mb": d["total_rss_kb"] // 1024,
    "zookeeper_rss_mb": d["zookeeper"]["rss_kb"] // 1024,
    "brokers_rss_mb": [b["rss_kb"] // 1024 for c in d["clusters"].values()
                       for b in c["brokers"]]}))'
}

# bounded exits: SIGTERM mid-run, a dead bootstrap address
robustness() {
    local b=$1 v=$2 t0 p rc

    t0=$(now)
    "$load" produce --bootstrap "$b" --broker-version "$v" --topic term \
        --rate 200 --duration 60 --out "$dir/term.json" > /dev/null &
    p=$!
    sleep 3
    kill -TERM "$p"
    wait "$p"
    rc=$?
    record "SIGTERM ends produce (summary written)" "$(since "$t0")" \
        $([ $rc -le 1 ] && check "$dir/term.json" \
          'd.get("signalled") and d["sent"] > 0 and d["elapsed_s"] < 12' \
          && echo 0 || echo 1)

    step "produce to a dead address ends in time" check <(
        "$load" produce --bootstrap 127.0.0.1:1 --broker-version "$v" \
            --topic dead --rate 50 --duration 2 --message-timeout 3 \
            --out "$dir/dead.json" > /dev/null; cat "$dir/dead.json") \
        'd["acked"] == 0 and d["failed"] + d["unreported"] == d["sent"]
         and d["elapsed_s"] < 15'

    step "account of a dead cluster ends in time" check <(
        "$load" account --produced "$dir/term.json" --cluster-a "$b" \
            --cluster-b 127.0.0.1:1 --timeout 5 --broker-version "$v" \
            --out "$dir/dead-account.json" > /dev/null
        cat "$dir/dead-account.json") \
        'not d["ok"] and not d["complete"]
         and d["clusters"]["b"]["error"] and d["elapsed_s"] < 20'
}

for tgt in $targets; do
    case $tgt in
    cluster)
        pa=$(seq -s, "$port" $((port + brokers - 1)))
        pb=$(seq -s, $((port + brokers)) $((port + 2 * brokers - 1)))
        ba=$(echo "$pa" | sed 's/\([0-9]*\)/127.0.0.1:\1/g')
        bb=$(echo "$pb" | sed 's/\([0-9]*\)/127.0.0.1:\1/g')

        # no acked message may be lost when every broker stops: Kafka 0.9
        # elects an out-of-sync replica after a full restart unless told
        # not to, truncating what the last broker alone acknowledged
        safe="--set unclean.leader.election.enable=false
              --set min.insync.replicas=$(( brokers > 1 ? 2 : 1 ))"

        step "cluster A start (zk + $brokers brokers)" \
            "$cluster" start --dir "$dir/kafka" --zk-port "$zkport" \
            --chroot /swa --brokers "$brokers" --first-id 1 --ports "$pa" \
            --lifetime 1800 $safe > /dev/null || continue
        step "cluster B start ($brokers brokers)" \
            "$cluster" start --dir "$dir/kafka" --zk-port "$zkport" \
            --chroot /swb --brokers "$brokers" --first-id 11 --ports "$pb" \
            --lifetime 1800 $safe > /dev/null || continue

        outage_run swc "$ba" 0.9.0.1 outage_cluster "$bb"

        # the second cluster: a short run to B, read back through A and B
        step "produce to B" "$load" produce --bootstrap "$bb" --topic swb \
            --rate "$rate" --duration 3 --out "$dir/b-produce.json" > /dev/null
        step "account finds them in B" check <(
            "$load" account --produced "$dir/b-produce.json" \
                --cluster-a "$ba" --cluster-b "$bb" --topic swb \
                --out "$dir/b-account.json" > /dev/null
            cat "$dir/b-account.json") \
            'd["ok"] and d["clusters"]["b"]["unique"] == d["acked"]
             and d["clusters"]["a"]["unique"] == 0'

        robustness "$bb" 0.9.0.1

        step "cluster status (RSS)" rss
        step "cluster stop" "$cluster" stop --dir "$dir/kafka"
        ;;

    mock)
        coproc MOCK { exec "$here/kg_mock_cluster" -b "$brokers" \
                           -t "swm:3:$brokers" -t "term:3:$brokers"; }
        mock_pid=$MOCK_PID
        read -r b <&"${MOCK[0]}"
        echo "mock bootstrap: $b" >&2

        outage_run swm "$b" auto outage_mock
        robustness "$b" auto

        echo quit >&"${MOCK[1]}"
        wait "$mock_pid"
        mock_pid=
        ;;
    esac
done

printf '%s\n' "${summary[@]}"
echo "failed steps: $failed"

[ $failed = 0 ]
