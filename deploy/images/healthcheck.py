"""The image's HEALTHCHECK: the service's own /healthz on its configured port."""

import os
import sys
import urllib.request

service = os.environ["CHORUS_SERVICE"]
port = os.environ.get(f"CHORUS_{service.upper()}_PORT", os.environ.get("CHORUS_DEFAULT_PORT", "8000"))
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)
