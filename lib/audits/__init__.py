"""How well are we doing it: the quarterly case-file audit programme, moderation, eight-week reviews, targeted audits."""
