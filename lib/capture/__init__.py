"""Recording what people say: the question bank, feedback entries, follow-ups and the BSO monthly minimum."""
