"""Evidence from exports: CSV files of a CRM, help desk or analytics tool read into evidence
rows (`reader`, `mapping`, `rows`), written all or nothing with a content hash per row
(`repository`)."""
