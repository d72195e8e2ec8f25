"""Every migration tree is one line of history: a single head, so `upgrade head` is unambiguous."""

import pytest
from alembic.script import ScriptDirectory

from deploy.local.migrate import SCHEMAS, alembic_config


@pytest.mark.parametrize("schema", sorted(SCHEMAS))
def test_one_head_per_migration_tree(schema: str) -> None:
    heads = ScriptDirectory.from_config(alembic_config(schema, "postgresql://unused/x")).get_heads()
    assert len(heads) == 1, f"{schema} has parallel migration branches {heads}: chain them"
