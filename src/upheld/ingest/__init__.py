"""Reading the ombudsman's files (CSV, XLSX, JSON Lines) and importing them, all or nothing."""
