#!/bin/sh
# Runs the image's service in the foreground (exec: it receives SIGTERM itself).
# A container listens on every interface of its own network namespace, so the
# service's host defaults to 0.0.0.0 here; every other setting comes from the
# environment, with the service's own prefix (CHORUS_FORUMS_..., CHORUS_USERS_...).
set -eu
prefix="CHORUS_$(echo "$CHORUS_SERVICE" | tr '[:lower:]' '[:upper:]')_"
eval "export ${prefix}HOST=\"\${${prefix}HOST:-0.0.0.0}\""
if [ "$CHORUS_SERVICE" = "ops" ]; then
    exec /opt/chorus/bin/chorus "$@"
fi
exec /opt/chorus/bin/python -m "$CHORUS_SERVICE" "$@"
