"""Data: database engine and sessions, migrations, platform tables, money, ids, spreadsheets."""
