"""Vietnamese administrative places, in the pre-2025 layout (63 provinces,
districts, wards) and the 2025 one (34 provinces, wards), from the tables of
the maintained package ``vietnamadminunits``.

Ways in:

* :func:`resolve`, :func:`normalize_province`, :func:`normalize_district`,
  :func:`normalize_ward` -- loose values from structured fields or search
  filters (``"HCM"``, ``"Q.7"``, ``"quan go vap"``, ``"TP Hạ Long"``).
* :func:`recognize_address` -- an address line, read right to left.
* :func:`find_places` -- free text (article bodies, queries).
* :func:`locate`, :func:`forward`, :func:`find_wards_2025`,
  :func:`place_keys` -- a place in both layouts, and its index keys.

Modules, each importing only those listed before it: :mod:`.names` (how
names are spelled: folding, compact keys, diacritics), :mod:`.gazetteer` (the
data: every unit and its aliases, loaded once), :mod:`.normalise` (one loose
field), :mod:`.recognise` (free text), :mod:`.address` (a listing's fields
and address line), :mod:`.map2025` (the 2025 layout).
"""

from __future__ import annotations

from .address import recognize_address, resolve
from .gazetteer import Place
from .map2025 import (
    DISTRICT_SEP,
    BothMaps,
    Mention2025,
    Ward2025,
    find_wards_2025,
    forward,
    locate,
    normalize_province_2025,
    place_keys,
    read_2025,
    ward_2025_key,
)
from .names import short_name
from .normalise import normalize_district, normalize_province, normalize_ward
from .recognise import PlaceMention, find_places

__all__ = [
    "DISTRICT_SEP",
    "BothMaps",
    "Mention2025",
    "Place",
    "PlaceMention",
    "Ward2025",
    "find_places",
    "find_wards_2025",
    "forward",
    "locate",
    "normalize_district",
    "normalize_province",
    "normalize_province_2025",
    "normalize_ward",
    "place_keys",
    "read_2025",
    "recognize_address",
    "resolve",
    "short_name",
    "ward_2025_key",
]
