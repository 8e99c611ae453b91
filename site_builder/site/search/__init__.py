"""The search index's parts, behind site/search_index.py: how a page and a query are read
and cut into words (text.py), how words are packed in Pagefind's format (packing.py), the
bundle a build gets (bundle.py), and the process that builds it beside the build (worker.py)."""
