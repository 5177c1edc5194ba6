"""Health check of the MongoDB-wire stand-in: `ping` answers on the given port."""

import sys

from pymongo import MongoClient

port = int(sys.argv[1]) if len(sys.argv) > 1 else 27017
client: MongoClient[dict[str, object]] = MongoClient(
    f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=2000
)
try:
    client.admin.command("ping")
except Exception:
    sys.exit(1)
