"""The scheduling JSON API, one module per concept; ``router`` assembles them."""
