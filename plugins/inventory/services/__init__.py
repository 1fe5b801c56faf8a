"""State changes of inventory, one module per concept. Views, the API and the billing hooks parse and
authorize; these functions validate, write inside one transaction and raise ``ValidationError`` with a
translated message when the change is refused (nothing is written then)."""
