#!/bin/sh
# The official image's first start, reduced to what compose.yaml uses.
set -eu
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
if [ "${1:-}" = postgres ]; then
    shift
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        printf '%s\n' "$POSTGRES_PASSWORD" > /tmp/pwfile
        chown postgres /tmp/pwfile
        as_postgres initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile=/tmp/pwfile \
            --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 >/dev/null
        rm -f /tmp/pwfile
        echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
        if [ "${POSTGRES_DB:-$POSTGRES_USER}" != postgres ]; then
            echo "CREATE DATABASE \"${POSTGRES_DB:-$POSTGRES_USER}\" OWNER \"$POSTGRES_USER\";" \
                | as_postgres postgres --single -D "$PGDATA" -j postgres >/dev/null
        fi
    fi
    exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" \
        -c listen_addresses='*' "$@"
fi
exec "$@"
