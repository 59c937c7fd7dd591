#!/usr/bin/env bash
# Ends what a test environment started when the process that owns it dies without tearing it down
# (kill -9, a crashed runner). Normal teardown stops the servers itself and then ends this script.
#   reaper.sh OWNER_PID STATE_DIR      STATE_DIR/pids lists the process-group leaders to end.
owner="$1" dir="$2"
trap 'exit 0' TERM
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
if [ -f "$dir/pids" ]; then
  while read -r pid; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null; done <"$dir/pids"
  sleep 3
  while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null; done <"$dir/pids"
fi
rm -rf "$dir"
