"""Views over placegeo's results: terminal tables, maps, reports."""
