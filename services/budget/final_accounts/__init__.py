"""Department-years: import (JSON, XLSX), parts, findings."""
