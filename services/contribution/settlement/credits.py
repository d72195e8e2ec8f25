"""The accounts.credited events for settled plans, written into the outbox by one statement.

Shape: one event per settled plan (a unit's month), split every 1,000 persons, so that a
unit's month is what enrollment applies in one go. Each line carries the person's basic
credit (the individual 8%), the funded and notional annuity parts (the unit's 8% is
notional for fully state-funded units), the month's base and its index (base / last
year's average wage as recorded on the plan, 4 places half up, at most 10).

The envelopes are built by PostgreSQL: a large settlement credits hundreds of thousands
of person-months, and building them line by line in Python cost more than the whole
allocation. The integration tests check the rows against the contract.
"""

import uuid

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.config import SCHEMA
from shared.contracts import AccountsCredited

LINES_PER_EVENT = 1000  # keeps a message far below NATS's 1 MB default payload limit

STAGE_CREDIT_EVENTS = """
WITH lines AS (
    SELECT p.id AS plan_id, p.unit_id, p.period, p.settled_on, l.person_id,
           (row_number() OVER (PARTITION BY p.id ORDER BY l.person_id) - 1) / :per_event
               AS chunk,
           json_build_object(
               'person_id', l.person_id,
               'basic', l.basic_individual::text,
               'annuity_funded', (l.annuity_individual + l.annuity_unit)::text,
               'annuity_notional', l.annuity_unit_notional::text,
               'contribution_base', l.base::text,
               'contribution_index', least(round(l.base / w.value, 4), 10)::text
           ) AS line
    FROM contribution.plan p
    JOIN contribution.plan_line l ON l.plan_id = p.id
    -- the average wage version the plan was generated with
    JOIN contribution.parameter w
      ON w.id = ANY(p.parameter_ids) AND w.name = 'average_monthly_wage'
    WHERE p.id = ANY(CAST(:plan_ids AS uuid[]))
), events AS (
    SELECT gen_random_uuid() AS event_id, plan_id, chunk, unit_id, period, settled_on,
           json_agg(line ORDER BY person_id) AS lines
    FROM lines GROUP BY plan_id, chunk, unit_id, period, settled_on
)
INSERT INTO contribution.outbox (event_id, subject, envelope)
SELECT event_id, :subject, json_build_object(
    'event_id', event_id,
    'type', :type,
    'version', :version,
    'occurred_at', now(),
    'source', :source,
    'aggregate_id', plan_id || ':' || chunk,
    'request_id', CAST(:request_id AS text),
    'payload', json_build_object(
        'unit_id', unit_id,
        'period', to_char(period, 'YYYY-MM'),
        'credited_on', settled_on,
        'lines', lines))
FROM events
"""


async def stage_credit_events(
    session: AsyncSession, plan_ids: list[uuid.UUID], request_id: str | None
) -> None:
    """Write the credit events of these settled plans into the outbox."""
    if not plan_ids:
        return
    await session.exec(
        text(STAGE_CREDIT_EVENTS).bindparams(
            plan_ids=plan_ids,
            per_event=LINES_PER_EVENT,
            subject=AccountsCredited.SUBJECT,
            type=AccountsCredited.event_type(),
            version=AccountsCredited.VERSION,
            source=SCHEMA,
            request_id=request_id,
        )
    )
