"""Data that migrations insert, one module per migration (``m0002_geography`` for 0002).

A migration carries its rows in its own module, so a fresh install gets exactly what an upgraded
one got, whatever changes later. Like the migrations, a released module is never edited.
"""
