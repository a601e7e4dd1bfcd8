#!/bin/sh
# tests/host/interrupt.sh HOST SCRIPT: start HOST SCRIPT in the background,
# wait until it prints "spinning", send one SIGINT, and report its exit
# status ("rc=N") then its stdout and stderr.  A watchdog SIGKILLs it after
# 20 s so a host that ignores SIGINT fails the test instead of hanging it.
host=$1; script=$2
out=$(mktemp); err=$(mktemp)
"$host" "$script" >"$out" 2>"$err" &
pid=$!
i=0
while ! grep -q spinning "$out" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
kill -INT "$pid"
( sleep 20; kill -KILL "$pid" ) >/dev/null 2>&1 &
dog=$!
wait "$pid"; rc=$?
kill "$dog" 2>/dev/null
echo "rc=$rc"
cat "$out" "$err"
rm -f "$out" "$err"
