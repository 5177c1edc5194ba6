"""The web client: its page at / and its files under /app, with a strict Content-Security-Policy.

The client is plain ES modules and CSS written here (no build step, nothing fetched from
another origin); it talks to the same public API as any other client.
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEB_ROOT = Path(__file__).resolve().parents[1] / "web"

# Only our own scripts, styles and sockets; the sign-in token is readable by nothing else.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class _WebFiles:
    """StaticFiles with the security headers, and revalidation so a new release shows at once."""

    def __init__(self) -> None:
        self.files = StaticFiles(directory=WEB_ROOT)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                headers.append((b"cache-control", b"no-cache"))
                message["headers"] = headers
            await send(message)

        await self.files(scope, receive, with_headers)


def install_web_client(app: FastAPI) -> None:
    files: ASGIApp = _WebFiles()
    app.mount("/app", files, name="web")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        headers = {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
        return FileResponse(WEB_ROOT / "index.html", headers=headers)
