"""Pure budget rules: the department-year document, its figures, the consistency checker."""
