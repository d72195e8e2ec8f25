"""The public door: routing, authentication, authorization, rate limits, one OpenAPI."""
