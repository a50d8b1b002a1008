"""HTTP adapters: request parsing, auth, response shapes, problem details and the OpenAPI document."""
