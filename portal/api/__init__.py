"""/api/v1: bearer-token access with the token's user's role and scope; one definition per endpoint drives both
request validation and the OpenAPI document."""
