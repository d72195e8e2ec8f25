"""API docs that work on an offline network: Swagger UI and ReDoc from packaged assets.

FastAPI's default pages load their scripts from a CDN and the favicon from fastapi.tiangolo.com;
on a government network without internet they stay blank. The assets ship in the
`fastapi-offline` wheel; this serves them from the app itself.
"""

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = str(files("fastapi_offline") / "static")


def install_offline_docs(app: FastAPI, *, prefix: str, openapi_url: str, title: str) -> None:
    """`{prefix}/docs` (Swagger UI) and `{prefix}/redoc` (ReDoc), assets under
    `{prefix}/docs-assets/`, nothing fetched from outside."""
    assets = f"{prefix}/docs-assets"
    app.mount(assets, StaticFiles(directory=ASSETS), name=f"{prefix}-docs-assets")

    @app.get(f"{prefix}/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon.png",
        )

    @app.get(f"{prefix}/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=title,
            redoc_js_url=f"{assets}/redoc.standalone.js",
            redoc_favicon_url=f"{assets}/favicon.png",
            with_google_fonts=False,
        )
