"""The report's charts as inline SVG drawn in Python: no script, no library, nothing fetched when the page opens."""
