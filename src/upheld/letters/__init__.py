"""The annual review letters: what each says, typesetting as PDF and HTML, the archive, sending."""
