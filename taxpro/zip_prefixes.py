"""Which state or territory each ZIP code prefix (its first three digits) belongs to.

USPS assigns the three-digit prefixes to sectional centers, each within one state; this is its
published list, written as a table (a state or territory a line, then its prefixes and ranges of
prefixes) and read once on import. Prefixes missing here are not in use. A few ZIP codes serve
places on both sides of a state line: they are listed in ``ZIP_CODES_ACROSS_STATE_LINES``.
"""

from __future__ import annotations

# Each state or territory code, then its prefixes: one ("340") or a range ("090-098").
_PREFIXES_BY_STATE = """
AA 340
AE 090-098
AK 995-999
AL 350-369
AP 962-966
AR 716-729
AZ 850-865
CA 900-961
CO 800-816
CT 060-069
DC 200 202-205 569
DE 197-199
FL 320-339 341-349
GA 300-319 398-399
GU 969
HI 967-968
IA 500-528
ID 832-838
IL 600-629
IN 460-479
KS 660-679
KY 400-427
LA 700-714
MA 010-027 055
MD 206-219
ME 039-049
MI 480-499
MN 550-567
MO 630-658
MS 386-397
MT 590-599
NC 270-289
ND 580-588
NE 680-693
NH 030-038
NJ 070-089
NM 870-884
NV 889-898
NY 005 100-149
OH 430-459
OK 730-731 734-749
OR 970-979
PA 150-196
PR 006-007 009
RI 028-029
SC 290-299
SD 570-577
TN 370-385
TX 733 750-799 885
UT 840-847
VA 201 220-246
VI 008
VT 050-054 056-059
WA 980-994
WI 530-549
WV 247-268
WY 820-831
"""

# ZIP codes whose post office serves addresses in two states: both are right.
ZIP_CODES_ACROSS_STATE_LINES: dict[str, frozenset[str]] = {
    "20135": frozenset({"VA", "WV"}),
    "42223": frozenset({"KY", "TN"}),
    "59221": frozenset({"MT", "ND"}),
    "71749": frozenset({"AR", "LA"}),
    "73949": frozenset({"OK", "TX"}),
    "82063": frozenset({"WY", "CO"}),
    "84536": frozenset({"UT", "AZ"}),
    "89439": frozenset({"NV", "CA"}),
    "97635": frozenset({"OR", "CA"}),
}

# Prefix 969 is shared by Guam and the Pacific territories and freely associated states.
PACIFIC_969 = frozenset({"GU", "MP", "AS", "PW", "FM", "MH"})


def _prefix_table(text: str) -> dict[str, str]:
    """Each three-digit prefix of ``text``'s table, with the state or territory it belongs to."""
    by_prefix: dict[str, str] = {}
    for row in text.strip().splitlines():
        state, *prefixes = row.split()
        for prefix in prefixes:
            first, _, last = prefix.partition("-")
            for number in range(int(first), int(last or first) + 1):
                by_prefix[f"{number:03d}"] = state
    return by_prefix


_BY_PREFIX = _prefix_table(_PREFIXES_BY_STATE)


def zip_prefix_state(zip_code: str) -> str | None:
    """The state or territory code of a 5-digit ZIP code's prefix; None when not in use."""
    return _BY_PREFIX.get(zip_code[:3])


def zip_states(zip_code: str) -> frozenset[str]:
    """Every state or territory code a 5-digit ZIP code may go with (empty: not in use)."""
    if zip_code[:5] in ZIP_CODES_ACROSS_STATE_LINES:
        return ZIP_CODES_ACROSS_STATE_LINES[zip_code[:5]]
    state = zip_prefix_state(zip_code)
    if state is None:
        return frozenset()
    return PACIFIC_969 if state == "GU" else frozenset({state})
