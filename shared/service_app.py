"""Builds a service's FastAPI app: lifespan with db, bus, relay and consumers; health; errors."""

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse

from shared.contracts.feeds import Feed
from shared.data.change_sequencer import ChangeSequencer
from shared.data.db import (
    RawConnection,
    asyncpg_dsn,
    make_engine,
    make_read_engine,
    make_session_factory,
)
from shared.data.standby import StandbyReads
from shared.http.answer_cap import AnswerCap
from shared.http.audit_router import audit_log_router
from shared.http.auth import Principal, authenticate
from shared.http.change_feed import change_feed_router
from shared.http.change_push import ChangePusher
from shared.http.code_tables import code_table_router
from shared.http.cors import listed_origins_cors
from shared.http.dead_letters import dead_letter_router
from shared.http.denials import DenialLog, session_writer
from shared.http.edge_guard import EdgeGuard
from shared.http.edge_rate_limit import EdgeRateLimiter
from shared.http.errors import install_problem_handlers
from shared.http.gateway_only import GatewayOnlyMiddleware
from shared.http.limits import BodyLimit
from shared.http.observability import install_observability
from shared.http.offline_docs import install_offline_docs
from shared.http.openapi_problems import document_problems
from shared.http.push_status import push_status_router
from shared.http.query_params import refuse_unknown_query_parameters
from shared.http.revocation_board import RevocationWatch
from shared.i18n import catalogue_for
from shared.i18n.code_tables import CodeTables
from shared.jobs.outputs import EXPORT_KIND, export_job, job_file_router, queue_export
from shared.jobs.router import jobs_router
from shared.jobs.runner import JobHandler, JobRunner
from shared.jobs.schedule_router import schedule_router
from shared.jobs.scheduler import DedupKey, Scheduler
from shared.logging import configure_logging
from shared.messaging.bus import EventBus
from shared.messaging.consumer import ConsumerRunner, EventHandler
from shared.messaging.gauges import ServiceGauges
from shared.messaging.relay import OutboxRelay
from shared.settings import PlatformSettings, get_platform_settings, require_service_credential
from shared.tracing import configure as configure_tracing
from shared.tracing import instrument_app

# A service's own background part: entered with the app (state ready), left before shutdown.
AppResource = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_service_app(
    *,
    name: str,
    version: str,
    routers: Sequence[APIRouter],
    handlers: Sequence[EventHandler] = (),
    resources: Sequence[AppResource] = (),
    platform: PlatformSettings | None = None,
    locales: Path | None = None,
    code_tables: CodeTables | None = None,
    feeds: Sequence[Feed] = (),
    jobs: Mapping[str, JobHandler] | None = None,
    schedule: bool = True,
    job_keys: Mapping[str, DedupKey] | None = None,
) -> FastAPI:
    """Assemble a service app; its schema is its name.

    `resources` are the service's own background parts (schedulers, job workers): each is
    entered once the database and the bus are open and left before they close. `locales` is
    the folder of the service's message catalogues; `code_tables` its enums, served at
    `/v1/<name>/code-tables` with labels from those catalogues. `feeds` are the change feeds
    the provincial platform reads (`/v1/<name>/sync/<domain>/changes`), numbered in commit
    order by a sequencer task; with `PENSION_PROVINCE_PUSH_URL` set a pusher posts them to the
    province too (docs/province.md, "Outbound push"), its position at `/v1/<name>/sync-push`.
    `job_keys` gives a kind's dedup key from its params, for the calendar to queue under the
    key a user's request uses.
    """
    schema = name
    prefix = f"/v1/{name}"

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = platform or get_platform_settings()
        configure_logging(name, settings.log_level, settings.log_json)
        require_service_credential(settings)
        engine = make_engine(settings.database_url, application_name=name)
        read_engine = make_read_engine(settings.database_url, application_name=name)
        push_url = settings.province_push_url if feeds else None
        pool = await asyncpg.create_pool(
            # The pusher holds a connection while a batch is posted, the job runner one to
            # listen for queued jobs: one more for each.
            asyncpg_dsn(settings.database_url),
            min_size=1,
            max_size=4 + bool(push_url) + bool(jobs),
        )
        bus = EventBus(settings, name=name)
        relay = OutboxRelay(
            pool,
            schema,
            bus,
            batch_size=settings.relay_batch_size,
            poll_seconds=settings.relay_poll_seconds,
            retention_hours=settings.outbox_retention_hours,
        )
        sessions = make_session_factory(engine)
        # The gateway's revocations, read from the bus: a revoked token fails here too.
        revocation_watch = RevocationWatch(bus, settings.revocation_refresh_seconds)
        consumers = ConsumerRunner(
            bus,
            sessions,
            schema,
            list(handlers),
            max_deliver=settings.consumer_max_deliver,
            ack_wait=settings.consumer_ack_wait_seconds,
        )
        app.state.platform = settings
        app.state.engine = engine
        app.state.sessions = sessions
        app.state.read_sessions = make_session_factory(read_engine)
        app.state.standby = (
            StandbyReads.from_url(settings.database_read_url, name, settings.standby_retry_seconds)
            if settings.database_read_url
            else None
        )
        app.state.read_pool = await asyncpg.create_pool(
            asyncpg_dsn(settings.database_url),
            min_size=1,
            max_size=settings.read_pool_size,
            server_settings={"application_name": f"{name}-read"},
            connection_class=RawConnection,
        )
        app.state.schema = schema
        app.state.bus = bus
        app.state.relay = relay
        app.state.revocation_watch = revocation_watch
        # Refused attempts (403) are audited in their own short transaction, bounded.
        app.state.denials = DenialLog(session_writer(sessions, schema))
        tasks = [
            asyncio.create_task(bus.connect_forever(), name="bus"),
            asyncio.create_task(relay.run(), name="relay"),
            asyncio.create_task(revocation_watch.run(), name="revocations"),
        ]
        if handlers:
            tasks.append(asyncio.create_task(consumers.run(), name="consumers"))
        if edge_limiter is not None:
            tasks.append(asyncio.create_task(edge_limiter.run(bus), name="edge-rate-limit"))
        if feeds:
            app.state.change_sequencer = ChangeSequencer(pool, schema)
            tasks.append(asyncio.create_task(app.state.change_sequencer.run(), name="sequencer"))
        # Backlog gauges, read when /metrics is scraped (docs/observability.md).
        gauges = ServiceGauges(
            pool, schema, relay, consumers, app.state.change_sequencer if feeds else None
        )
        app.state.metric_samplers = [gauges.sample]
        if push_url:
            app.state.change_pusher = ChangePusher.from_settings(pool, schema, feeds, settings)
            tasks.append(asyncio.create_task(app.state.change_pusher.run(), name="change-push"))
        if jobs:
            runner = JobRunner(
                schema,
                # Every service with jobs makes long downloads export jobs (shared/jobs/outputs).
                {**jobs, EXPORT_KIND: export_job(app)},
                sessions,
                lease=settings.job_lease_seconds,
                poll=settings.job_poll_seconds,
                pool=pool,
            )
            app.state.job_runner = runner
            app.state.queue_export = queue_export  # long downloads (shared/http/downloads)
            tasks.append(asyncio.create_task(runner.run(), name="jobs"))
            if schedule and settings.scheduler_enabled:
                scheduler = Scheduler(
                    schema,
                    jobs,
                    sessions,
                    check=settings.scheduler_check_seconds,
                    on_start=runner.wake.set,
                    keys=job_keys,
                )
                tasks.append(asyncio.create_task(scheduler.run(), name="scheduler"))
        try:
            async with AsyncExitStack() as stack:
                for resource in resources:
                    await stack.enter_async_context(resource(app))
                yield
        finally:
            for task in tasks:
                task.cancel()
            # Bounded: a library that swallows a cancellation must not stall the shutdown.
            await asyncio.wait(tasks, timeout=5)
            await bus.close()
            try:
                # A graceful close waits for every connection to come back: bound it.
                await asyncio.wait_for(pool.close(), timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                pool.terminate()
            await engine.dispose()
            await read_engine.dispose()
            if app.state.standby is not None:
                await app.state.standby.close()
            await app.state.read_pool.close()

    app = FastAPI(
        title=f"Pension {name} service",
        version=version,
        lifespan=lifespan,
        openapi_url=f"{prefix}/openapi.json",
        docs_url=None,  # served from packaged assets below: the CDN is unreachable offline
        redoc_url=None,
        # No redirect to this service's own URL for a trailing slash (issue #17: the
        # gateway passed `location: http://127.0.0.1:9103/...` on); such a path is a 404.
        redirect_slashes=False,
        # Every route, the service's own and the shared ones: an unknown query key is a 422.
        dependencies=[Depends(refuse_unknown_query_parameters)],
    )
    app.state.messages = catalogue_for(*([locales] if locales else []))
    # Traces only with PENSION_OTEL_ENDPOINT (docs/observability.md): the caller's
    # traceparent is continued, every route's server span named by its template.
    if configure_tracing(name, (platform or get_platform_settings()).otel_endpoint):
        instrument_app(app)
    install_problem_handlers(app)
    built = platform or get_platform_settings()
    edge_limiter: EdgeRateLimiter | None = None
    if built.edge_data_path:
        # Edge mode (docs/edge.md): callers come from nginx, not through the gateway. The
        # gateway's checks run inside the credential check, CORS before them (preflights
        # carry no token); the answer cap inside them, around the routes.
        edge_limiter = EdgeRateLimiter(
            built.edge_rate_limit_per_second,
            built.edge_rate_limit_burst,
            built.edge_rate_limit_sync_seconds,
        )
        app.add_middleware(AnswerCap, prefix=prefix, max_bytes=built.edge_max_response_bytes)
        app.add_middleware(EdgeGuard, prefix=prefix, limiter=edge_limiter)
        if built.edge_cors_origins:
            app.add_middleware(listed_origins_cors, origins=built.edge_cors_origins)
    app.add_middleware(GatewayOnlyMiddleware)  # inside the request-id middleware below
    install_observability(app, name)
    # Added last, so outermost: a body above its cap is refused before anything reads it.
    app.add_middleware(BodyLimit, owner=app)

    @app.get("/health/live", tags=["operations"])
    async def live() -> dict[str, str]:
        """The process answers (liveness): a database outage must not restart it."""
        return {"status": "alive"}

    @app.get("/health", tags=["operations"])
    async def health() -> JSONResponse:
        """Database reachable, bus connected, outbox draining (readiness: 503 without the db)."""
        state: dict[str, object] = {"service": name, "version": version}
        relay_ok = True
        try:
            pending, oldest = await app.state.relay.backlog()
            stale = app.state.platform.relay_stale_seconds
            relay_ok = oldest <= stale
            state |= {
                "database": "ok",
                "outbox_pending": pending,
                "outbox_oldest_pending_seconds": round(oldest, 1),
                "relay": "ok" if relay_ok else f"stalled: oldest event waits over {stale:g} s",
            }
        except Exception as exc:
            state |= {"database": f"error: {type(exc).__name__}"}
        state["nats"] = "connected" if app.state.bus.is_connected else "disconnected"
        state["revocations"] = "ok" if app.state.revocation_watch.healthy else "stale"
        if app.state.standby is not None:
            # Lists fall back to the primary: a lost standby degrades nothing but load.
            state["standby"] = (
                "ok"
                if await app.state.standby.reachable()
                else "unreachable: lists read the primary"
            )
        healthy = state["database"] == "ok"
        fine = state["nats"] == "connected" and relay_ok
        state["status"] = ("ok" if fine else "degraded") if healthy else "down"
        return JSONResponse(state, status_code=200 if healthy else 503)

    @app.get(f"{prefix}/about", tags=["operations"])
    async def about(who: Annotated[Principal, Depends(authenticate)]) -> dict[str, str]:
        """Which service and version answers, and who is asking."""
        return {"service": name, "version": version, "caller": who.subject}

    install_offline_docs(
        app, prefix=prefix, openapi_url=f"{prefix}/openapi.json", title=f"Pension {name} service"
    )
    for router in routers:
        app.include_router(router)
    # Downloads show an enum's label, as the code tables give it (shared/http/downloads.py).
    app.state.code_tables = code_tables or {}
    if code_tables is not None:
        app.include_router(code_table_router(prefix, code_tables))
    if feeds:
        app.include_router(change_feed_router(prefix, schema, feeds))
        app.include_router(push_status_router(prefix, schema))
    app.include_router(dead_letter_router(prefix, schema, list(handlers)))
    if jobs:
        app.include_router(jobs_router(prefix, schema))
        app.include_router(job_file_router(prefix, schema))
        app.include_router(schedule_router(prefix, schema))
    app.include_router(audit_log_router(prefix, schema))
    document_problems(app)
    return app
