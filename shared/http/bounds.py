"""Bounds the database's types impose, stated in the schema so a larger number is a 422."""

from typing import Annotated

from fastapi import Path

INTEGER_MAX = 2_147_483_647
BIGINT_MAX = 9_223_372_036_854_775_807

# A row id from a bigserial or bigint identity column, in a path.
BigintId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]
