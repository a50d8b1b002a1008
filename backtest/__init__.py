"""The backtest: synthetic traffic replayed over a simulated period, and the report ops read afterwards.

Not deployed (Chalice packages `app.py` and `chalicelib/` only). `report` is the report's typed model and
JSON form; `html` renders it as one self-contained page of charts and tables.
"""
