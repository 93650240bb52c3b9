"""linkprov reports: pictures, graph files, report.html, and the CLI."""
