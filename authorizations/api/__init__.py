"""The API for practice software (issue 14): /api/v1/, OAuth 2.0 bearer tokens, JSON.

django-ninja builds it: endpoints are typed functions with pydantic schemas, checked by mypy,
and the OpenAPI document comes from the same types, so it cannot drift from the code. It sits at
the top of the stairs and calls the authorizations app's services and selectors, as the pages do.
"""
