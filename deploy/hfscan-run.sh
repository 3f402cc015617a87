#!/bin/sh
# One scheduled hfscan run: a full scan on Sundays (UTC) or when HFSCAN_FULL=1, an incremental scan
# otherwise, then `hfscan publish` of every snapshot the dataset repo lacks (one commit).
# Used by the systemd unit and the cron line in this folder. Needs HFSCAN_REPO (owner/name) and a
# token with write access in HF_TOKEN (or a `hf auth login` of the user running it).
# A run that dies part-way is finished by the next one: the scan resumes, publish uploads what is missing.
set -eu
: "${HFSCAN_REPO:?set HFSCAN_REPO to the dataset repo, e.g. my-org/hfscan-snapshots}"
HFSCAN="${HFSCAN:-hfscan}"
if [ "${HFSCAN_FULL:-0}" = 1 ] || [ "$(date -u +%u)" = 7 ]; then
    "$HFSCAN" scan
else
    "$HFSCAN" scan --incremental
fi
"$HFSCAN" publish --repo "$HFSCAN_REPO" --report
