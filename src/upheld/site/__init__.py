"""What the website shows: its read model of the database and configuration, and one builder
per page type."""
