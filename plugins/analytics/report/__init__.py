"""A report: the figures of the sections a member may see, each against the previous period, and the tables
(with their charts) that break them down, for a set of clinics, a period and optional filters.

Plain data only (dicts, lists, Decimals), so the page, the CSV export, the PDF summary and the API all render
the same thing. ``selection`` says what to report on, ``sources`` where the figures come from, ``reader``
reads them, ``build`` assembles the sections, ``tables`` and ``charts`` lay them out, ``export`` flattens.
"""
