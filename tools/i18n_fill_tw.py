"""Fill the empty entries of zh_TW.po from zh_CN.po, converted with OpenCC (s2twp).

zh_CN.po is translated by hand; Traditional Chinese (Taiwan phrasing) is derived from it
for every entry zh_TW.po does not translate yet. Existing zh_TW translations are kept,
so a hand-corrected term is never overwritten. Run by `make pot` with the .venv python.
"""

import sys
from pathlib import Path

import polib
from opencc import OpenCC


def main(i18n_dir):
    i18n = Path(i18n_dir)
    simplified = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(i18n / "zh_CN.po")}
    tw_path = i18n / "zh_TW.po"
    traditional = polib.pofile(tw_path, wrapwidth=78)
    convert = OpenCC("s2twp").convert
    filled = 0
    for entry in traditional:
        source = simplified.get((entry.msgctxt, entry.msgid))
        if not entry.msgstr and source:
            entry.msgstr = convert(source)
            filled += 1
    traditional.save(tw_path)
    missing = [e.msgid for e in polib.pofile(i18n / "zh_CN.po") if not e.msgstr]
    print(f"zh_TW.po: {filled} entries filled from zh_CN.po; zh_CN.po untranslated: {len(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
