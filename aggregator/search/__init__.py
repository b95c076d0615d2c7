"""Full-text search over stories that understands Finnish inflection and compounds."""
