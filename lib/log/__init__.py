"""The compliments, comments and complaints log and the "You said, we did" actions."""
