"""Record mappings: what one service's records are, and how they become the new table's items."""
