"""Project commands (``COMMANDS_MODULE``): ``crawl`` exits non-zero when the outputs failed."""
