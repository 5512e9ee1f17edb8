#!/bin/sh
# The command `make demo` runs under bosun as PID 1 of a new pid namespace:
# it leaves orphans and a worker behind, asks PID 1 to stop, and exits.
echo "demo: I am pid $$; my parent is pid $PPID ($(cat /proc/$PPID/comm))"

# a worker that cleans up when it gets SIGTERM
sh -c 'trap "echo worker: SIGTERM, cleaning up; exit 0" TERM
	sleep 600 & wait' &

# orphans: each parent exits at once; PID 1 adopts and reaps them
for i in 1 2 3 4 5 6 7 8; do sh -c 'sleep 0.2 &'; done
sleep 0.5
zombies=$(grep -l '^State:.*zombie' /proc/[0-9]*/status 2>/dev/null | wc -l)
echo "demo: 8 orphans came and went; zombies left: $zombies"

trap 'echo "demo: SIGTERM arrived through bosun; exiting 0"; exit 0' TERM
echo "demo: kill -TERM 1 (what docker stop does)"
kill -TERM 1
while :; do sleep 0.1; done
