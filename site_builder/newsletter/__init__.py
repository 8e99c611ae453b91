"""The newsletter (メルマガ): editions, mail rendering and resumable sending."""
