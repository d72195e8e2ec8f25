"""The contribution service app."""

from fastapi import FastAPI

from services.contribution.events import HANDLERS
from services.contribution.roster.router import router as roster_router
from shared.service_app import create_service_app
from shared.settings import PlatformSettings

VERSION = "0.1.0"


def create_app(platform: PlatformSettings | None = None) -> FastAPI:
    """Build the contribution app (settings from the environment unless given)."""
    return create_service_app(
        name="contribution",
        version=VERSION,
        routers=[roster_router],
        handlers=HANDLERS,
        platform=platform,
    )
