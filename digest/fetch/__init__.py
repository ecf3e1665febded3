"""Fetch an issue's candidates from arXiv: listing pages, announcement RSS, the API, a polite cached HTTP client.

Entry point: `digest.fetch.run.fetch_issue`. Submodules are imported on demand so
that importing this package stays cheap for the CLI.
"""
