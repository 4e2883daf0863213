#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Every seed input replays clean on an unmodified tree.
set -u
replay=$1 seeds=$2
pass=0 fail=0
for f in "$seeds"/*; do
	if out=$("$replay" --quiet "$f" 2>&1); then
		pass=$((pass + 1))
	else
		echo "FAIL $f: $(echo "$out" | grep FINDING)"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
