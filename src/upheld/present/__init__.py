"""How figures are shown: charts, figure sections for letters and pages, terminal tables,
open-data files."""
