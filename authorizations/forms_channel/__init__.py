"""The forms channel's pure logic (section H): keyed data, file checks, the pre-check (R39a).

No database writes and no storage here; ``authorizations.services.forms`` does those.
"""
