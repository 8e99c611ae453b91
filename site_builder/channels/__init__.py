"""Output channels besides the pages: feeds, calendars, the JSON API."""
