"""The public site: page rendering, templates, SEO, the engine and its frames, sitemap, search index."""
