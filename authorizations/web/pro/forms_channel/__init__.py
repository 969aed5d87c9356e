"""The practitioner's side of the forms channel (section H): /pro/forms/."""
