"""Request media types the fuzzer cannot build on its own: spreadsheets are bytes to it."""

import schemathesis

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What an uploaded spreadsheet contains is the service's concern; the fuzzer sends bytes.
schemathesis.serializer.alias(XLSX, "application/octet-stream")
