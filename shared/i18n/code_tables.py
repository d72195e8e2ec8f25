"""Code tables: the label of every enum value a service shows, in the caller's language."""

from collections.abc import Iterable, Mapping
from enum import Enum

from shared.i18n import Catalogue

# A service's tables: table name → its values (an Enum class or the values themselves).
CodeTables = Mapping[str, type[Enum] | Iterable[str]]


def values_of(values: type[Enum] | Iterable[str]) -> list[str]:
    """The values of a table, as strings."""
    if isinstance(values, type) and issubclass(values, Enum):
        return [str(member.value) for member in values]
    return [str(value) for value in values]


def label_key(table: str, value: str) -> str:
    """The catalogue key of one value's label."""
    return f"enum.{table}.{value}"


def labels(catalogue: Catalogue, locale: str, tables: CodeTables) -> dict[str, dict[str, str]]:
    """Every table with every value's label (the value itself where a label is missing)."""
    return {
        table: {
            value: catalogue.text(label_key(table, value), locale) or value
            for value in values_of(values)
        }
        for table, values in tables.items()
    }


def label(catalogue: Catalogue, locale: str, table: str, value: str) -> str:
    """One value's label (the value where the catalogue has none)."""
    return catalogue.text(label_key(table, value), locale) or value
