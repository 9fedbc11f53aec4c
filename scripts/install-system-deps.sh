#!/usr/bin/env bash
# Installs the Debian packages the test suite needs: Chromium for end-to-end tests, PostgreSQL 15
# for the external-database run, rsyslog as the SIEM receiver in the syslog export test, and
# inotify-tools (inotifywait), which the agent uses on Linux to see decoys being opened and read,
# gcc to build the agent's fanotify helper (apps/agent/native), and the real clients the decoy-server
# sensor is tested with: OpenSSH, curl, smbclient, dcmtk (echoscu/findscu), hydra and nmap.
# Idempotent; needs root (CI runs as root).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-noto-cjk)
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql-15)
command -v rsyslogd >/dev/null 2>&1 || need+=(rsyslog)
command -v inotifywait >/dev/null 2>&1 || need+=(inotify-tools)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v smbclient >/dev/null 2>&1 || need+=(smbclient)
command -v echoscu >/dev/null 2>&1 || need+=(dcmtk)
command -v hydra >/dev/null 2>&1 || need+=(hydra)
command -v nmap >/dev/null 2>&1 || need+=(nmap)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "system deps: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), postgres $(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}'), $(rsyslogd -v | head -1 | cut -d, -f1), $(inotifywait --help 2>&1 | head -1)"
