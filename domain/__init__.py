"""The business layer. Imports nothing from portal/, backoffice/, web/ or Litestar."""
