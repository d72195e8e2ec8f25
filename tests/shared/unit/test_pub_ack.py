"""The publisher reads each JetStream PubAck as JSON, not by searching for a substring."""

import pytest
from nats.aio.msg import Msg

from shared.messaging.publisher import is_pub_ack


def _msg(data: bytes, headers: dict[str, str] | None = None) -> Msg:
    return Msg(_client=None, subject="_INBOX.x.1", data=data, headers=headers)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "headers", "ok"),
    [
        (b'{"stream":"PENSION","seq":7}', None, True),
        (b'{"stream":"PENSION","seq":7,"duplicate":true}', None, True),
        (b'{"error":{"code":503,"description":"no responders"}}', None, False),
        (b'{"stream":"PENSION","seq":8,"domain":"error"}', None, True),  # substring is no error
        (b"", {"Status": "503"}, False),
        (b"not json", None, False),
        (b'["seq", 1]', None, False),
        (b'{"stream":"PENSION"}', None, False),
    ],
)
def test_pub_acks_are_parsed(data: bytes, headers: dict[str, str] | None, ok: bool) -> None:
    assert is_pub_ack(_msg(data, headers)) is ok
