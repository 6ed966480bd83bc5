"""The OpenAI wire format: request bodies, response and error shapes. Knows nothing of scenarios."""
