"""linkprov graph: build the provenance graph from crawl records and classify it."""
