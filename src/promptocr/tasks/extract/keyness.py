"""Which units of a page are keys: the role model.

The pair model reads how likely each unit is a key (`PageGeometry.keyness`: whether another key
lies between a key and its candidate value, whether the key is the nearest key left of or above
the value). Where the roles are known (the annotated question / answer labels) they are given;
otherwise this model estimates them from each unit's look and its neighbours' (a short text
ending with a colon with a value to its right, a column header above numbers, ...). It is a
tree ensemble like the pair model, trained by `scripts/train_linker.py` on the same synthetic
documents (`linker_roles.npz`; on a page written mostly in CJK `linker_roles_cjk.npz`, trained on
the documents with the grid blocks — `linker.roles_model` chooses).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from promptocr.tasks.extract import model as _model

if TYPE_CHECKING:
    from promptocr.tasks.extract.features import PageGeometry


def estimate_keyness(geom: PageGeometry) -> np.ndarray:
    """The role model's probability that each unit of the page is a key (`roles`, or
    `roles_cjk` on a page mostly written in CJK: `linker.roles_model`)."""
    if geom.n == 0:
        return np.zeros(0)
    if not (
        _model.MODEL_DIR / _model.MODEL_FILES["roles"]
    ).exists():  # only while training the first time
        colon = [float(u.text.strip()[-1:] in (":", "：")) for u in geom.units]
        return np.asarray(colon, dtype=np.float64)
    from promptocr.tasks.extract.linker import roles_model

    return roles_model(geom.units).proba(geom.unit_features())
