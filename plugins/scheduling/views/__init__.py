"""Back-office pages of scheduling, one module per part of the office."""
