"""The hours of service (R40-R42), which every app obeys and none owns.

- :mod:`.hours`: open or shut as a pure function of the time and the maintenance windows;
- :mod:`.selectors`: the same question asked of the database ("is the portal open now?");
- :mod:`.services`: staff schedule, move and cancel maintenance windows (audited), and each
  opening and closing is recorded once;
- :mod:`.middleware`: outside the hours every /pro/ page answers the closed page.
"""
