#!/usr/bin/env bash
# Nightly backup of the database and uploaded files. Run from cron as the meyasu user:
#   15 2 * * * /opt/meyasu/deploy/backup.sh /var/backups/meyasu
set -euo pipefail
dest=${1:?usage: backup.sh DEST_DIR}
set -a; . /etc/meyasu/meyasu.env; set +a
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$dest"
pg_dump --format=custom --no-owner --file "$dest/db-$stamp.dump" "${DATABASE_URL/postgresql+psycopg/postgresql}"
tar -C "$(dirname "$UPLOAD_FOLDER")" -czf "$dest/uploads-$stamp.tar.gz" "$(basename "$UPLOAD_FOLDER")"
# Keep 30 days.
find "$dest" -type f -mtime +30 -delete
