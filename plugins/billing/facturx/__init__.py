"""Factur-X (EN 16931): an invoice billed to a company, issued by a clinic that asks for it, is a PDF/A-3
carrying its structured data as ``factur-x.xml`` (UN/CEFACT CII, profile EN 16931).

``readiness`` decides at issue whether the invoice is one and freezes what the XML needs (or refuses the
issue, naming what EN 16931 requires and is missing); ``cii`` writes the XML from the frozen invoice;
``document`` embeds it into the rendered PDF."""
