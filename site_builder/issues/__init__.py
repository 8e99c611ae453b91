"""Issue pages (課題を知る): datasets, charts, their pages and `data pull`."""
