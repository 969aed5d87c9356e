"""The words users read for the CAF's codes: designations (R1) and practice status.
Templates reach them through ``{% load caf_words %}``."""

from __future__ import annotations

from caf.models import CafRecord, DesignationCode


def designations_in_words(codes: str) -> str:
    """``"bc"`` -> "Certified Public Accountant and Enrolled Agent" (R1's designations)."""
    names = [str(DesignationCode(c).label) for c in codes if c in DesignationCode.values]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def practice_status_in_words(record: CafRecord) -> str:
    """A linked CAF number's standing, as the profile page says it."""
    if record.is_in_good_standing:
        return "Good standing"
    return (
        f"Not in good standing: {record.get_practice_status_display().lower()} "
        f"since {record.status_effective_on:%B %-d, %Y}"
    )
