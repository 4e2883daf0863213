#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A short libFuzzer run on an unmodified tree finds nothing (the seeds are
# read, never written: libFuzzer adds to the first corpus folder only).
set -u
fuzzer=$1 seeds=$2 runs=${3:-30000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if out=$(cd "$work" && "$fuzzer" -runs="$runs" -seed=1 -max_len=256 -detect_leaks=0 "$work" "$seeds" 2>&1); then
	echo "$(echo "$out" | grep -E '^#[0-9]+ +DONE' | tail -1)"
	echo "1 passed, 0 failed"
else
	echo "$out" | grep -E "FINDING|ERROR" | head -5
	echo "0 passed, 1 failed"
	exit 1
fi
