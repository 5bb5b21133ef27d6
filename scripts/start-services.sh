#!/usr/bin/env bash
# Start the local MariaDB and PostgreSQL services when they are not running, then wait for both.
set -euo pipefail

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! mariadb-admin -h 127.0.0.1 -uroot ping >/dev/null 2>&1; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
for _ in $(seq 1 60); do
  if pg_isready -h 127.0.0.1 -p 5432 -q && mariadb-admin -h 127.0.0.1 -uroot ping >/dev/null 2>&1; then
    echo "MariaDB and PostgreSQL are up"
    exit 0
  fi
  sleep 1
done
echo "MariaDB or PostgreSQL did not come up" >&2
exit 1
