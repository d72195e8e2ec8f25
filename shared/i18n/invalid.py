"""A refusal as a catalogue key: validators and pure rules raise it, answers translate it."""

from typing import Any


class Invalid(ValueError):
    """A validator's refusal as a catalogue key (pydantic reports it as `value_error`)."""

    def __init__(self, key: str, *, field: str | None = None, **params: Any) -> None:
        self.key = key
        self.field = field
        self.params = params
        # The text pydantic shows when nothing translates it: "field: key".
        super().__init__(f"{field}: {key}" if field else key)
