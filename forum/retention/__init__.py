"""What the forum keeps and for how long: the figures, the page that states them and the steps that enforce them."""
