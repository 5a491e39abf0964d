"""Case references as people write them: `24 001 234`, `24-001-234`, `24001234` are one case.

A reference is stored exactly as imported (any text of 1 to 40 characters), and found by its key:
its letters and digits only, in one case. The key is worked out here and nowhere else, when a
case is imported and when someone types a reference, so the two always agree.
"""

from __future__ import annotations

import unicodedata

KEY_LENGTH = 120
"""The longest key kept: folding can lengthen a reference ("ß" folds to "ss", "ﬃ" to "ffi"), so a
key is cut to this length, three times the longest reference, and always fits its column."""


_NOT_ASCII_LETTERS_OR_DIGITS = {c: None for c in range(128) if not chr(c).isalnum()}


def reference_key(reference: str) -> str:
    """A reference's key for matching: "24-001-234", " 24 001 234 " and "24001234" -> "24001234"."""
    if reference.isascii():
        # The same key, twice as fast, for what nearly every reference is: an import of a
        # million cases works out a million keys.
        return reference.translate(_NOT_ASCII_LETTERS_OR_DIGITS).lower()[:KEY_LENGTH]
    # NFKC first, so that full-width digits and ligatures read as the characters they show.
    folded = unicodedata.normalize("NFKC", reference).casefold()
    return "".join(character for character in folded if character.isalnum())[:KEY_LENGTH]
