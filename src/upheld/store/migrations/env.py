"""Alembic environment: upheld runs migrations on a connection it passes in."""

from alembic import context

from upheld.store.schema import include_name, metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,
)
context.run_migrations()
