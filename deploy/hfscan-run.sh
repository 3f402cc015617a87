#!/bin/sh
# One scheduled hfscan run: a full scan on Sundays (UTC) or when HFSCAN_FULL=1, an incremental scan
# otherwise, then `hfscan publish` of every snapshot the dataset repo lacks (one commit).
# Used by the systemd unit and the cron line in this folder. Needs HFSCAN_REPO (owner/name) and a
# token with write access in HF_TOKEN (or a `hf auth login` of the user running it).
# A run that dies part-way is finished by the next one: the scan resumes, publish uploads what is missing.
#
# HFSCAN_ENV_FILE (the cron line sets it to /etc/hfscan/env): KEY=VALUE lines read as data, never
# run as shell code (a `$(...)` in a value stays text). Only the keys below are taken. The file must
# belong to root and be writable by no one else (install -o root -g hfscan -m 640): the service
# user can read its token but not rewrite what the next run does.
set -eu

load_env_file() {
    file=$1
    [ -f "$file" ] || { echo "hfscan-run: $file does not exist" >&2; exit 2; }
    if [ "$(stat -c %u "$file")" != 0 ]; then
        echo "hfscan-run: $file must be owned by root (chown root:hfscan $file; chmod 640 $file)" >&2
        exit 2
    fi
    case "$(stat -c %A "$file")" in
        ?????w????|????????w?) echo "hfscan-run: $file must not be writable by group or others (chmod 640 $file)" >&2
                               exit 2 ;;
    esac
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in ''|'#'*) continue ;; esac
        key=${line%%=*}
        value=${line#*=}
        case "$value" in  # one pair of surrounding quotes, as systemd's EnvironmentFile= allows
            \"*\") value=${value#\"}; value=${value%\"} ;;
            \'*\') value=${value#\'}; value=${value%\'} ;;
        esac
        case "$key" in
            HFSCAN_REPO|HF_TOKEN|HFSCAN_DB|HFSCAN_FULL|HF_ENDPOINT|HFSCAN_MEMORY_LIMIT|HF_HOME)
                export "$key=$value" ;;
            *) echo "hfscan-run: $file: ignoring $key (not a setting of this script)" >&2 ;;
        esac
    done < "$file"
}

if [ -n "${HFSCAN_ENV_FILE:-}" ]; then
    load_env_file "$HFSCAN_ENV_FILE"
fi
: "${HFSCAN_REPO:?set HFSCAN_REPO to the dataset repo, e.g. my-org/hfscan-snapshots}"
HFSCAN="${HFSCAN:-hfscan}"
if [ "${HFSCAN_FULL:-0}" = 1 ] || [ "$(date -u +%u)" = 7 ]; then
    "$HFSCAN" scan
else
    "$HFSCAN" scan --incremental
fi
"$HFSCAN" publish --repo "$HFSCAN_REPO" --report
