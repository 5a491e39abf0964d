"""The database: its schema and migrations, connecting and writing, and reading figures back."""
