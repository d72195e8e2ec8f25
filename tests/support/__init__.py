"""What more than one test module uses: helpers, fixtures and data. A test_*.py imports
from here (or a helpers module), never from another test_*.py
(tests/architecture/test_test_imports.py)."""
