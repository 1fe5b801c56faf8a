"""State changes of billing, one module per concept. Each public function is one transaction and raises
``ValidationError`` with a translated message for anything the person can correct."""
