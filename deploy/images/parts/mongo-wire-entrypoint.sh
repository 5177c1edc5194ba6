#!/bin/sh
# mongod-style arguments in, secantusd out: --port is kept, the rest is mongod's own.
set -eu
port=27017
while [ $# -gt 0 ]; do
    case "$1" in
        --port) port="$2"; shift 2 ;;
        --port=*) port="${1#--port=}"; shift ;;
        *) shift ;;
    esac
done
exec /opt/secantus/bin/secantusd-py --host 0.0.0.0 --port "$port" --storage-path /data/db
