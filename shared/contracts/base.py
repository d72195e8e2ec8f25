"""The event envelope and the base class every versioned payload derives from."""

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

_REGISTRY: dict[tuple[str, int], type["EventContract"]] = {}


class EventContract(BaseModel):
    """A versioned event payload; subclasses set SUBJECT and VERSION."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    SUBJECT: ClassVar[str]
    VERSION: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        subject = cls.__dict__.get("SUBJECT")
        if subject:
            _REGISTRY[(subject, cls.VERSION)] = cls

    @classmethod
    def event_type(cls) -> str:
        """The event type: the subject without the 'pension.' root."""
        return cls.SUBJECT.removeprefix("pension.")


def contract_for_type(event_type: str, version: int) -> type[EventContract]:
    """Find the payload class for an event type and version."""
    return _REGISTRY[("pension." + event_type, version)]


C = TypeVar("C", bound=EventContract)


class EventEnvelope(BaseModel):
    """What travels on the bus: metadata plus the payload as JSON."""

    model_config = ConfigDict(frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    source: str
    aggregate_id: str
    request_id: str | None = None
    payload: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        contract: EventContract,
        *,
        source: str,
        aggregate_id: str,
        request_id: str | None = None,
    ) -> "EventEnvelope":
        """Wrap a payload in a new envelope."""
        return cls(
            type=contract.event_type(),
            version=contract.VERSION,
            source=source,
            aggregate_id=aggregate_id,
            request_id=request_id,
            payload=contract.model_dump(mode="json"),
        )

    @property
    def subject(self) -> str:
        """The subject this event is published on (without a test prefix)."""
        return "pension." + self.type

    def parse(self, contract: type[C]) -> C:
        """Validate the payload against the expected contract."""
        return contract.model_validate(self.payload)
