"""Storage: SQLModel tables, engine set-up, migrations and the repository functions."""
