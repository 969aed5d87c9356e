"""Which state or territory each ZIP code prefix (its first three digits) belongs to.

USPS assigns the three-digit prefixes to sectional centers, each within one state; this is its
published list, as ranges. Prefixes missing here are not in use. A few ZIP codes serve places on
both sides of a state line: they are listed in ``ZIP_CODES_ACROSS_STATE_LINES``.
"""

from __future__ import annotations

# (first prefix, last prefix, state or territory code), in order.
# fmt: off
ZIP_PREFIX_RANGES: tuple[tuple[int, int, str], ...] = (
    (5, 5, "NY"), (6, 7, "PR"), (8, 8, "VI"), (9, 9, "PR"),
    (10, 27, "MA"), (28, 29, "RI"), (30, 38, "NH"), (39, 49, "ME"), (50, 54, "VT"),
    (55, 55, "MA"), (56, 59, "VT"), (60, 69, "CT"), (70, 89, "NJ"), (90, 98, "AE"),
    (100, 149, "NY"), (150, 196, "PA"), (197, 199, "DE"), (200, 200, "DC"), (201, 201, "VA"),
    (202, 205, "DC"), (206, 219, "MD"), (220, 246, "VA"), (247, 268, "WV"), (270, 289, "NC"),
    (290, 299, "SC"), (300, 319, "GA"), (320, 339, "FL"), (340, 340, "AA"), (341, 349, "FL"),
    (350, 369, "AL"), (370, 385, "TN"), (386, 397, "MS"), (398, 399, "GA"), (400, 427, "KY"),
    (430, 459, "OH"), (460, 479, "IN"), (480, 499, "MI"), (500, 528, "IA"), (530, 549, "WI"),
    (550, 567, "MN"), (569, 569, "DC"), (570, 577, "SD"), (580, 588, "ND"), (590, 599, "MT"),
    (600, 629, "IL"), (630, 658, "MO"), (660, 679, "KS"), (680, 693, "NE"), (700, 714, "LA"),
    (716, 729, "AR"), (730, 731, "OK"), (733, 733, "TX"), (734, 749, "OK"), (750, 799, "TX"),
    (800, 816, "CO"), (820, 831, "WY"), (832, 838, "ID"), (840, 847, "UT"), (850, 865, "AZ"),
    (870, 884, "NM"), (885, 885, "TX"), (889, 898, "NV"), (900, 961, "CA"), (962, 966, "AP"),
    (967, 968, "HI"), (969, 969, "GU"), (970, 979, "OR"), (980, 994, "WA"), (995, 999, "AK"),
)
# fmt: on

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

_BY_PREFIX: dict[str, str] = {
    f"{prefix:03d}": state
    for first, last, state in ZIP_PREFIX_RANGES
    for prefix in range(first, last + 1)
}


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
