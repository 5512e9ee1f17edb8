#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: bosun's whole job, as PID 1 of a new pid namespace. It reads a
# root-only secret file into the command's environment, runs the command
# as the unprivileged user nobody, reaps the orphans the command leaves,
# forwards the SIGTERM that `docker stop` would send, and at the end gives
# the process left behind a graceful SIGTERM before exiting with the
# command's status.   Usage: tests/demo.sh path/to/bosun
set -eu
if [ "${1-}" != --inside ]; then
	bosun=$(realpath "${1:-./bosun}")
	d=$(mktemp -d /tmp/bosun-demo.XXXXXX)
	trap 'rm -rf "$d"' EXIT
	chmod 0755 "$d"
	mkdir -m 1777 "$d/run"
	printf 'hunter2\n' >"$d/db_password"
	chmod 0400 "$d/db_password"
	cp "$0" "$d/demo.sh"
	echo "host: bosun --secret DB_PASSWORD=$d/db_password --user nobody" \
		"-- demo.sh   (the file is root's, mode 0400)"
	unshare --pid --fork --mount-proc "$bosun" \
		--secret DB_PASSWORD="$d/db_password" --user nobody --grace 5s -v \
		-- /bin/sh "$d/demo.sh" --inside "$d" &
	while [ ! -e "$d/run/ready" ]; do sleep 0.1; done
	pid=$(ps -o pid= --ppid $! | tr -d " ")
	echo "host: kill -TERM $pid   (bosun, as docker stop would)"
	kill -TERM $pid
	st=0
	wait $! || st=$?
	echo "host: bosun exited with status $st"
	exit $st
fi

d=$2
echo "demo: pid $$, parent pid $PPID ($(cat /proc/$PPID/comm)), user $(id -un)"
echo "demo: DB_PASSWORD reached me: ${#DB_PASSWORD} characters"
cat "$d/db_password" >/dev/null 2>&1 || echo "demo: the secret file itself:" \
	"$(cat "$d/db_password" 2>&1 | sed 's/.*: //')"
echo "demo: $(grep -E '^(CapEff|NoNewPrivs)' /proc/self/status | tr -s '\t\n' ' ')"

# orphans: each parent exits at once; PID 1 adopts and reaps them
for _ in 1 2 3 4 5 6 7 8; do sh -c 'sleep 0.2 &'; done
sleep 0.5
z=$(grep -l '^State:.*zombie' /proc/[0-9]*/status 2>/dev/null | wc -l)
echo "demo: 8 orphans came and went; zombies left: $z"

# a worker left behind, which cleans up when it gets SIGTERM
sh -c 'trap "echo worker: SIGTERM from bosun, cleaning up; exit 0" TERM
	sleep 600 & wait' &
trap 'echo "demo: SIGTERM forwarded by bosun; exiting 0"; exit 0' TERM
echo "demo: waiting for SIGTERM"
touch "$d/run/ready"
while :; do sleep 0.1; done
