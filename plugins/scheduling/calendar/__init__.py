"""The office calendar: the grid of columns and rows, the page's data, and its markup."""
