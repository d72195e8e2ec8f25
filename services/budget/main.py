"""The budget service app (its business routes come with its own issue)."""

from fastapi import FastAPI

from shared.http.service_app import create_service_app
from shared.settings import PlatformSettings

VERSION = "0.1.0"


def create_app(platform: PlatformSettings | None = None) -> FastAPI:
    """Build the budget app (settings from the environment unless given)."""
    return create_service_app(name="budget", version=VERSION, routers=[], platform=platform)
