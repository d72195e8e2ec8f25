"""Per-caller rate limits shared over core NATS (not JetStream: a lost message only loosens a
limit for one sync interval, and nothing is kept). docs/edge.md, "Per-caller limits".

Each service process in edge mode publishes, every sync interval, how many calls it let
through per token subject (`CallCounts` on COUNTS_SUBJECT); one gateway process (a queue
group) adds them to its PostgreSQL window. Gateway processes publish the subjects over the
window's limit (`OverLimit` on OVER_SUBJECT), which every service then refuses until the
window ends. Both subjects lie outside the domain stream's `pension.>`.
"""

from collections.abc import Iterator, Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

COUNTS_SUBJECT = "edge.rate.counts"
OVER_SUBJECT = "edge.rate.over"
# The gateway's processes share the counts: each message is taken by one of them only.
COUNTS_QUEUE = "gateway-rate-limits"
# Subjects per message: a message stays far below NATS's 1 MiB payload limit.
KEYS_PER_MESSAGE = 2_000

Subject = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class CallCounts(BaseModel):
    """Calls let through per token subject since the last message, by one service process."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    counts: dict[Subject, Annotated[int, Field(ge=1, le=10_000_000)]]


class OverLimit(BaseModel):
    """Subjects over the shared limit, refused for `seconds` more (the rest of the window;
    relative, so that the hosts' clocks need not agree)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subjects: list[Subject]
    seconds: float = Field(gt=0, le=86_400)


def counts_messages(counts: Mapping[str, int]) -> Iterator[bytes]:
    """`counts` as one or more CallCounts payloads."""
    items = list(counts.items())
    for start in range(0, len(items), KEYS_PER_MESSAGE):
        chunk = dict(items[start : start + KEYS_PER_MESSAGE])
        yield CallCounts(counts=chunk).model_dump_json().encode()


def over_messages(subjects: list[str], seconds: float) -> Iterator[bytes]:
    """`subjects` as one or more OverLimit payloads."""
    for start in range(0, len(subjects), KEYS_PER_MESSAGE):
        chunk = subjects[start : start + KEYS_PER_MESSAGE]
        yield OverLimit(subjects=chunk, seconds=seconds).model_dump_json().encode()
