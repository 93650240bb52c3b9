"""linkprov graph: build the provenance graph from crawl records and classify it."""

__all__ = ["load"]


def __getattr__(name):
    # ``from graph import load`` without importing the query module (and networkx I/O) up front
    if name == "load":
        from graph.query import load
        return load
    raise AttributeError(f"module 'graph' has no attribute {name!r}")
