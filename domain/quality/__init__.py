"""Quality: inspections of a lot with their characteristics, the published QC report, nonconformances."""
