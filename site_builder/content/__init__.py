"""Content: front matter, models, readers, the publishing rule, dates, wards, settings."""
